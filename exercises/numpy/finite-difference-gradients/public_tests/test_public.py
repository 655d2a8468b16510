"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked example and the rules of the statement. The hidden grader checks more (other
points, other matrices and data sets, tighter cases).
"""

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    check_gradient,
    logistic_grad,
    logistic_loss,
    numerical_gradient,
    quadratic_grad,
    quadratic_loss,
    relative_error,
)


def test_numerical_gradient_worked_example_with_ints():
    got = np.asarray(numerical_gradient("bowl", [2, -1, 0]))
    assert got.shape == (3,), f"numerical_gradient('bowl', [2, -1, 0]) has shape {got.shape}, expected (3,)"
    assert np.allclose(got, [4.0, -32.0, -4.0], rtol=1e-7, atol=1e-7), (
        f"numerical_gradient('bowl', [2, -1, 0]) returned {got}, expected [4, -32, -4] to about 1e-7 "
        "(work on a float copy of x, and use the central difference: a one-sided one is not that accurate)"
    )


def test_numerical_gradient_of_a_matrix_leaves_x_unchanged():
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = W.copy()
    got = np.asarray(numerical_gradient(lambda M: float(np.sum(M**2)), W))
    assert got.shape == (2, 2), f"a 2-D x should give a 2-D gradient of the same shape, got shape {got.shape}"
    assert np.allclose(got, 2 * before, atol=1e-6), f"the gradient of sum(W**2) is 2 W = {2 * before}, got {got}"
    assert np.array_equal(W, before), "numerical_gradient changed the caller's x"


def test_relative_error_worked_example():
    got = relative_error([1, 2], [1, 2.1])
    assert isinstance(got, float), f"relative_error should return a float, got {type(got).__name__}"
    assert math.isclose(got, 0.021920168883612638, rel_tol=1e-9), f"relative_error([1, 2], [1, 2.1]) returned {got!r}"
    assert relative_error([0.5, -1.5], [0.5, -1.5]) == 0.0, "identical arrays have a relative error of 0"


def test_check_gradient_on_a_right_and_a_wrong_gradient():
    passed, error = check_gradient("bowl", "bowl_grad", [2.0, -1.0, 0.0])
    assert passed is True and error < 1e-8, f"check_gradient('bowl', 'bowl_grad', ...) returned ({passed!r}, {error!r}), expected (True, <tiny>)"
    passed, error = check_gradient("bowl", "bumpy_grad", [2.0, -1.0, 0.0])
    assert passed is False and isinstance(error, float), f"check_gradient('bowl', 'bumpy_grad', ...) returned ({passed!r}, {error!r}), expected (False, <a float>)"
    assert math.isclose(error, 0.7998852015512561, rel_tol=1e-5), f"the error of the wrong gradient should be about 0.79989, got {error!r}"


def test_quadratic_worked_example_with_a_non_symmetric_matrix():
    A, b, x = [[2.0, 1.0], [0.0, 3.0]], [1.0, 1.0], [1.0, 2.0]
    loss = quadratic_loss(x, A, b)
    assert math.isclose(loss, 5.0), f"quadratic_loss(x, A, b) returned {loss!r}, expected 5.0"
    grad = np.asarray(quadratic_grad(x, A, b))
    assert np.allclose(grad, [2.0, 5.5]), f"quadratic_grad(x, A, b) returned {grad}, expected [2, 5.5] (A is not symmetric)"
    numerical = np.asarray(numerical_gradient("quadratic_loss", x, 1e-5, (A, b)))
    assert np.allclose(numerical, [2.0, 5.5], atol=1e-6), f"numerical_gradient('quadratic_loss', x, 1e-5, (A, b)) returned {numerical}"


def test_logistic_worked_example_and_huge_margins():
    w, X, y = [1.0, -1.0], [[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]], [1, 1, -1]
    loss = logistic_loss(w, X, y)
    assert math.isclose(loss, 0.7732235185321303, rel_tol=1e-9), f"logistic_loss on the worked example returned {loss!r}"
    passed, error = check_gradient(logistic_loss, logistic_grad, np.array(w), args=(X, y))
    assert passed, (
        f"check_gradient(logistic_loss, logistic_grad, w, args=(X, y)) returned ({passed!r}, {error:.3g}): "
        "logistic_grad or numerical_gradient is off (the first tests check numerical_gradient)"
    )
    # margins +1000 and -1000: the losses are about 0 and 1000, the mean 500
    loss = logistic_loss([1000.0], [[1.0], [1.0]], [1, -1])
    assert math.isclose(loss, 500.0, rel_tol=1e-9), f"with margins of +1000 and -1000 the loss is 500, got {loss!r} (use np.logaddexp)"
    grad = np.asarray(logistic_grad([1000.0], [[1.0], [1.0]], [1, -1]))
    assert np.allclose(grad, [0.5]), f"with margins of +1000 and -1000 the gradient is [0.5], got {grad}"
