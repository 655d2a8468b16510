"""Hidden grader for numpy/finite-difference-gradients.

Functions cannot be sent to the student box, so the tests name the functions of the student's module
by string (the starter's `resolve` helper turns names into functions); the sample functions `bowl` and
`bumpy` are given in the starter.
"""

import math

import numpy as np

from gradient_grader import StudentError, assert_close, points, shows_expected


def bowl_grad(x):
    return 4.0 * (np.asarray(x, dtype=float) - 1.0) ** 3


def bumpy_grad(x):
    x = np.asarray(x, dtype=float)
    return 3.0 * np.cos(3.0 * x) + 0.3 * np.sum(x) ** 2


def _call(func, call, *args, **kwargs):
    """Call student code; explain the common 'forgot resolve' failure."""
    try:
        return func(*args, **kwargs)
    except StudentError as error:
        if "object is not callable" in error.message and "str" in error.message:
            raise AssertionError(
                f"{call} raised {error.type_name}: {error.message}. The tests name functions by string: "
                "call f = resolve(f) (and grad = resolve(grad)) at the start of your function"
            ) from None
        raise


def _grad(got, call, shape):
    assert isinstance(got, np.ndarray), f"{call} should return a NumPy array, got {type(got).__name__}: {got!r:.200}"
    assert got.shape == shape, f"{call} returned shape {got.shape}, expected {shape} (the shape of x)"
    return got


def _number(got, call):
    assert isinstance(got, (int, float)) and not isinstance(got, bool), (
        f"{call} should return a float, got {type(got).__name__}: {got!r:.200}"
    )
    return got


def _logistic(w, X, y):
    margins = y * (X @ w)
    loss = float(np.mean(np.logaddexp(0.0, -margins)))
    grad = X.T @ (-y * np.exp(-np.logaddexp(0.0, margins))) / len(y)
    return loss, grad


@points(2)
def test_numerical_gradient_1d(student):
    rng = np.random.default_rng(101)
    x = rng.normal(size=6) * 1.5
    call = f"numerical_gradient('bowl', x) with x = {np.round(x, 3).tolist()}"
    got = _grad(_call(student.numerical_gradient, call, "bowl", x), call, (6,))
    assert_close(got, bowl_grad(x), rtol=1e-7, atol=1e-7,
                 what=f"{call} (use the central difference (f(x+h) - f(x-h)) / (2h))")

    x = rng.normal(size=5)
    call = f"numerical_gradient('bumpy', x) with x = {np.round(x, 3).tolist()}"
    got = _grad(_call(student.numerical_gradient, call, "bumpy", x), call, (5,))
    assert_close(got, bumpy_grad(x), rtol=1e-7, atol=1e-7,
                 what=f"{call} (the variables interact: put each coordinate back before the next one)")

    call = "numerical_gradient('bumpy', x, h=1e-4)"
    got = _grad(_call(student.numerical_gradient, call, "bumpy", x, h=1e-4), call, (5,))
    assert_close(got, bumpy_grad(x), rtol=1e-5, atol=1e-5, what=call)


@shows_expected
@points(2)
def test_numerical_gradient_shapes_and_ints(student):
    x = np.array([[0.3, -1.2, 0.5], [2.0, 0.1, -0.7]])
    call = f"numerical_gradient('bumpy', np.array({x.tolist()}))"
    got = _grad(_call(student.numerical_gradient, call, "bumpy", x), call, (2, 3))
    assert_close(got, bumpy_grad(x), rtol=1e-7, atol=1e-7, what=f"{call} (a 2-D x gives a 2-D gradient)")

    x = np.array([2, -1, 0, 1])
    call = "numerical_gradient('bowl', np.array([2, -1, 0, 1])) (an int array)"
    got = _grad(_call(student.numerical_gradient, call, "bowl", x), call, (4,))
    assert_close(got, [4.0, -32.0, -4.0, 0.0], rtol=1e-7, atol=1e-7,
                 what=f"{call} (work on a float copy: in an int array, x[i] + h is cut back to x[i])")

    call = "numerical_gradient('bowl', [[2, 0], [1, 3]]) (a nested list of ints)"
    got = _grad(_call(student.numerical_gradient, call, "bowl", [[2, 0], [1, 3]]), call, (2, 2))
    assert_close(got, [[4.0, -4.0], [0.0, 32.0]], rtol=1e-7, atol=1e-7, what=call)


@shows_expected
@points(1)
def test_relative_error(student):
    cases = [
        ([1.0, 2.0], [1.0, 2.1], 0.1 / (math.sqrt(5) + math.sqrt(1 + 2.1**2))),
        ([3.0, 4.0], [3.0, 4.0], 0.0),
        ([1.0, 0.0], [-1.0, 0.0], 1.0),
        ([0.0, 0.0], [0.0, 0.0], 0.0),
        ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]], 1.0 / (math.sqrt(30) + math.sqrt(39))),
    ]
    for a, b, want in cases:
        call = f"relative_error({a}, {b})"
        got = _number(student.relative_error(a, b), call)
        assert_close(got, want, rtol=1e-9, atol=1e-15,
                     what=f"{call} (||a - b|| / max(||a|| + ||b||, 1e-12), norms over all entries)")


@points(2)
def test_quadratic(student):
    A = np.array([[2.0, 1.0, 0.0], [-1.0, 3.0, 2.0], [4.0, 0.0, 1.0]])
    b = np.array([1.0, -2.0, 0.5])
    x = np.array([0.5, -1.0, 2.0])
    call = f"quadratic_loss({x.tolist()}, A, b) with A = {A.tolist()}, b = {b.tolist()}"
    got = _number(student.quadratic_loss(x, A, b), call)
    assert_close(got, 0.5 * x @ A @ x - b @ x, rtol=1e-10, what=call)

    call = f"quadratic_grad({x.tolist()}, A, b) with the same non-symmetric A"
    got = _grad(student.quadratic_grad(x, A, b), call, (3,))
    assert_close(got, 0.5 * (A + A.T) @ x - b, rtol=1e-9, atol=1e-12,
                 what=f"{call} (when A is not symmetric the gradient is not simply A x - b)")

    call = "numerical_gradient('quadratic_loss', x, 1e-5, (A, b))"
    got = _grad(_call(student.numerical_gradient, call, "quadratic_loss", x, 1e-5, (A, b)), call, (3,))
    assert_close(got, 0.5 * (A + A.T) @ x - b, rtol=1e-7, atol=1e-7,
                 what=f"{call} (pass args on to f: f(x, *args))")


@points(2)
def test_logistic(student):
    rng = np.random.default_rng(42)
    X = rng.normal(size=(30, 4))
    y = np.where(rng.normal(size=30) > 0, 1.0, -1.0)
    w = rng.normal(size=4) * 0.5
    want_loss, want_grad = _logistic(w, X, y)
    call = "logistic_loss(w, X, y) for 30 samples with 4 features"
    assert_close(_number(student.logistic_loss(w, X, y), call), want_loss, rtol=1e-9, what=call)
    call = "logistic_grad(w, X, y) for 30 samples with 4 features"
    assert_close(_grad(student.logistic_grad(w, X, y), call, (4,)), want_grad, rtol=1e-8, atol=1e-12, what=call)

    big = w / np.abs(X @ w).min() * 1000.0  # every margin is at least 1000 in size, about half negative
    want_loss, want_grad = _logistic(big, X, y)
    call = "logistic_loss(w, X, y) with margins y * (X @ w) of +-1000 and more"
    got = _number(student.logistic_loss(big, X, y), call)
    assert math.isfinite(got), f"{call} returned {got!r}; use np.logaddexp(0, -margin) to avoid overflow"
    assert_close(got, want_loss, rtol=1e-9, what=call)
    call = "logistic_grad(w, X, y) with margins of +-1000 and more"
    got = _grad(student.logistic_grad(big, X, y), call, (4,))
    assert np.isfinite(got).all(), f"{call} contains inf or NaN: {got.tolist()}"
    assert_close(got, want_grad, rtol=1e-8, atol=1e-12, what=call)


@points(1)
def test_check_gradient(student):
    x = np.array([2.0, -1.0, 0.5])
    call = f"check_gradient('bowl', 'bowl_grad', {x.tolist()})"
    got = _call(student.check_gradient, call, "bowl", "bowl_grad", x)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{call} should return (passed, error), got {got!r:.200}"
    passed, error = got
    assert passed is True and isinstance(error, float) and error < 1e-8, (
        f"{call} returned {got!r}, expected (True, <an error below 1e-8>)"
    )

    call = f"check_gradient('bowl', 'bumpy_grad', {x.tolist()})"
    passed, error = _call(student.check_gradient, call, "bowl", "bumpy_grad", x)
    want = float(np.linalg.norm(bumpy_grad(x) - bowl_grad(x)) / (np.linalg.norm(bumpy_grad(x)) + np.linalg.norm(bowl_grad(x))))
    assert passed is False, f"{call} returned ({passed!r}, {error!r}), expected passed == False (a wrong gradient)"
    assert_close(error, want, rtol=1e-5, what=f"{call}: the error")

    rng = np.random.default_rng(8)
    X = rng.normal(size=(12, 3))
    y = np.where(rng.normal(size=12) > 0, 1.0, -1.0)
    w = rng.normal(size=3)
    call = "check_gradient('logistic_loss', 'logistic_grad', w, args=(X, y))"
    passed, error = _call(student.check_gradient, call, "logistic_loss", "logistic_grad", w, args=(X, y))
    assert passed is True, f"{call} returned ({passed!r}, {error!r}), expected passed == True"

    call = "check_gradient('bowl', 'bowl_grad', x, tol=1e-15)"
    passed, error = _call(student.check_gradient, call, "bowl", "bowl_grad", x, tol=1e-15)
    assert passed is False, (
        f"{call} returned ({passed!r}, {error!r}), expected passed == False (the error is not below tol=1e-15)"
    )
