"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked example and the rules of the statement. The hidden grader checks more (larger
matrices with known eigenvalues, the stopping rule, more errors).
"""

import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import power_iteration, rayleigh_quotient, sign_normalize, top_k_eigh  # noqa: E402

A = np.array([[2.0, 1.0], [1.0, 2.0]])  # eigenvalues 3 and 1
B = np.array([[-4.0, 1.0], [1.0, 2.0]])  # eigenvalues -1 - sqrt(10) and -1 + sqrt(10)
B_LOW, B_HIGH = -1 - math.sqrt(10), -1 + math.sqrt(10)
B_LOW_VECTOR = np.array([0.98708746, -0.16018224])
B_HIGH_VECTOR = np.array([0.16018224, 0.98708746])


def test_rayleigh_quotient_of_eigenvectors_of_any_length():
    for x, want in [([2.0, 2.0], 3.0), ([-5.0, 5.0], 1.0), ([0.0, 3.0], 2.0)]:
        got = rayleigh_quotient(A, np.array(x))
        assert isinstance(got, float), f"rayleigh_quotient should return a float, got {type(got).__name__}"
        assert math.isclose(got, want, rel_tol=1e-12), f"rayleigh_quotient(A, {x}) returned {got!r}, expected {want}"


def test_sign_normalize_vectors_and_columns():
    got = sign_normalize(np.array([1.0, -3.0, 2.0]))
    assert np.allclose(got, [-1.0, 3.0, -2.0]), f"sign_normalize([1, -3, 2]) returned {got}, expected [-1, 3, -2]"
    got = sign_normalize(np.array([-2.0, 2.0]))
    assert np.allclose(got, [2.0, -2.0]), f"sign_normalize([-2, 2]) returned {got}, expected [2, -2] (on a tie the first entry decides)"
    got = sign_normalize(np.array([[1.0, 0.5], [-3.0, -0.5]]))
    want = [[-1.0, 0.5], [3.0, -0.5]]
    assert np.allclose(got, want), f"sign_normalize of the statement's matrix returned\n{got}\nexpected\n{np.array(want)} (each column on its own)"


def test_power_iteration_positive_dominant_eigenvalue():
    value, vector, iterations = power_iteration(A, x0=[1.0, 0.0])
    assert math.isclose(value, 3.0, rel_tol=1e-8), f"the dominant eigenvalue of A is 3, power_iteration returned {value!r}"
    assert np.allclose(vector, [math.sqrt(0.5), math.sqrt(0.5)], atol=1e-6), f"the eigenvector should be [0.7071, 0.7071], got {vector}"
    assert iterations == 22, f"with x0=[1, 0] the loop of the statement runs 22 times on A, yours reported {iterations}"


def test_power_iteration_negative_dominant_eigenvalue():
    value, vector, iterations = power_iteration(B)
    assert math.isclose(value, B_LOW, rel_tol=1e-8), (
        f"the dominant eigenvalue of B is {B_LOW:.6f} (negative), power_iteration returned {value!r}: "
        "use the Rayleigh quotient, not the length of A @ x"
    )
    assert np.allclose(vector, B_LOW_VECTOR, atol=1e-6), f"the eigenvector should be {B_LOW_VECTOR}, got {vector}"
    assert iterations < 1000, (
        f"power_iteration(B) ran {iterations} iterations: with a negative eigenvalue x flips sign every step, "
        "so the change must be min(||x_new - x||, ||x_new + x||)"
    )


def test_power_iteration_errors():
    with pytest.raises(ValueError):
        power_iteration(np.ones((2, 3)))  # not square
    with pytest.raises(ValueError):
        power_iteration(A, x0=[0.0, 0.0])  # a zero start vector


def test_top_k_eigh_worked_example():
    values, vectors = top_k_eigh(B, 2)
    assert np.allclose(values, [B_HIGH, B_LOW]), f"top_k_eigh(B, 2) values are {values}, expected [{B_HIGH:.6f}, {B_LOW:.6f}] (largest value first)"
    want = np.column_stack([B_HIGH_VECTOR, B_LOW_VECTOR])
    assert np.shape(vectors) == (2, 2) and np.allclose(vectors, want, atol=1e-6), (
        f"top_k_eigh(B, 2) vectors are\n{vectors}\nexpected (eigenvectors as columns, sign-normalised)\n{want}"
    )
    values, vectors = top_k_eigh(B, 1)
    assert np.allclose(values, [B_HIGH]) and np.shape(vectors) == (2, 1), (
        f"top_k_eigh(B, 1) should give values [{B_HIGH:.6f}] and vectors of shape (2, 1), got {values} and shape {np.shape(vectors)}"
    )
    for k in (0, 3):
        with pytest.raises(ValueError):
            top_k_eigh(B, k)
