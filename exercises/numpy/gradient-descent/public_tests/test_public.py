"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked example and the rules of the statement. The hidden grader checks more (other
matrices and data sets, learning rates near the limit).
"""

import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import least_squares_gd, max_stable_lr, quadratic_gd  # noqa: E402

A, B = [[3.0, 1.0], [1.0, 2.0]], [1.0, -1.0]


def test_first_steps_of_the_worked_example():
    got = np.asarray(quadratic_gd(A, B, [0, 0], lr=0.1, max_iters=3, tol=0.0))
    want = np.array([[0.0, 0.0], [0.1, -0.1], [0.18, -0.19], [0.245, -0.27]])
    assert got.shape == want.shape, f"the path of 3 steps should have shape {want.shape} (the start, then one row per step), got {got.shape}"
    assert np.allclose(got, want, rtol=1e-12, atol=1e-15), (
        f"quadratic_gd(A, b, [0, 0], lr=0.1, max_iters=3, tol=0.0) returned\n{got}\nexpected\n{want}\n"
        "(step against the gradient, x - lr * (A x - b), and append a copy of x, not the same array each time)"
    )


def test_stops_at_the_first_small_gradient():
    path = np.asarray(quadratic_gd(A, B, [0, 0], lr=0.3))
    assert np.allclose(path[-1], np.linalg.solve(A, B), atol=1e-7), f"the final point {path[-1]} should be the solution of A x = b, [0.6, -0.8]"
    assert path.shape == (36, 2), (
        f"quadratic_gd(A, b, [0, 0], lr=0.3) returned a path of shape {path.shape}, expected (36, 2): "
        "stop the first time ||g|| < tol, without taking that step"
    )


def test_max_iters_zero_and_bad_arguments():
    path = np.asarray(quadratic_gd(A, B, [1, 1], lr=0.1, max_iters=0))
    assert path.shape == (1, 2) and np.allclose(path, [[1.0, 1.0]]), f"with max_iters=0 the path is just the start [[1, 1]], got {path}"
    for kwargs in [dict(lr=-0.5), dict(lr=0.1, max_iters=-3), dict(lr=0.1, tol=-0.001)]:
        with pytest.raises(ValueError):
            quadratic_gd(A, B, [0, 0], **kwargs)


def test_divergence_raises_floating_point_error():
    with pytest.raises(FloatingPointError):
        quadratic_gd(A, B, [1, 1], lr=1.0, max_iters=100000)


def test_max_stable_lr_of_the_worked_example():
    got = max_stable_lr(A)
    assert math.isclose(got, 0.552786404500042, rel_tol=1e-9), f"max_stable_lr(A) returned {got!r}, expected 2 / 3.618... = 0.5527864045"
    with pytest.raises(ValueError):
        max_stable_lr([[2.0, 1.0], [0.0, 2.0]])  # not symmetric
    with pytest.raises(ValueError):
        max_stable_lr([[1.0, 0.0], [0.0, -2.0]])  # an eigenvalue below 0


def test_least_squares_worked_example():
    X, y = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], [1.0, 2.0, 4.0]
    got = np.asarray(least_squares_gd(X, y, lr=0.3, max_iters=2))
    want = np.array([[0.0, 0.0], [0.7, 1.0], [0.89, 1.29]])
    assert got.shape == want.shape and np.allclose(got, want, rtol=1e-12, atol=1e-15), (
        f"least_squares_gd(X, y, lr=0.3, max_iters=2) returned\n{got}\nexpected\n{want}\n(the gradient is X^T (X w - y) / N)"
    )
