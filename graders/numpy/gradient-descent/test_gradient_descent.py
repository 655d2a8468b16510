"""Hidden grader for numpy/gradient-descent."""

import numpy as np

from gradient_grader import StudentError, assert_close, points, shows_expected


def _descend(grad, x0, lr, max_iters, tol):
    """The grader's own loop, exactly as the README describes it (for problems that converge)."""
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(max_iters):
        g = grad(x)
        if np.linalg.norm(g) < tol:
            break
        x = x - lr * g
        path.append(x.copy())
    return np.array(path)


def _spd(eigenvalues, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    A = Q @ np.diag(eigenvalues) @ Q.T
    return (A + A.T) / 2


def _path(got, call, n=None):
    assert isinstance(got, np.ndarray), (
        f"{call} should return the path as a NumPy array, got {type(got).__name__}: {got!r:.200}"
    )
    assert got.ndim == 2, f"{call} returned an array of shape {got.shape}, expected (steps + 1, n)"
    if n is not None:
        assert got.shape[1] == n, f"{call} returned an array of shape {got.shape}, expected (steps + 1, {n})"
    assert np.issubdtype(got.dtype, np.floating), f"{call} returned an array of {got.dtype}, expected floats"
    if len(got) >= 2 and np.all(got == got[-1]):
        raise AssertionError(
            f"{call}: all {len(got)} rows of the path are {np.round(got[-1], 6).tolist()}. Updating x in place (x -= ...) "
            "and appending x itself stores the same array every time: append a copy"
        )
    return got


def _expect(error_type, func, call, why=""):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == error_type, (
            f"{call} raised {error.type_name}: {error.message}, expected {error_type}{why}"
        )
        return
    shown = f"an array of shape {got.shape}" if isinstance(got, np.ndarray) else repr(got)[:200]
    raise AssertionError(f"{call} returned {shown}, expected it to raise {error_type}{why}")


@points(2)
def test_quadratic_first_steps(student):
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    call = "quadratic_gd([[3, 1], [1, 2]], [1, -1], [0, 0], lr=0.1, max_iters=3, tol=0.0)"
    got = _path(student.quadratic_gd(A, b, [0.0, 0.0], lr=0.1, max_iters=3, tol=0.0), call, 2)
    want = _descend(lambda x: A @ x - b, [0.0, 0.0], 0.1, 3, 0.0)
    assert got.shape == want.shape, f"{call} returned a path of shape {got.shape}, expected {want.shape}"
    assert_close(got, want, rtol=1e-12, atol=1e-15,
                 what=f"{call} (each step is x - lr * (A x - b): against the gradient)")

    A = _spd([3.0, 1.5, 0.5], seed=12)
    b = np.array([0.5, -1.0, 2.0])
    x0 = np.array([1.0, 2.0, -1.0])
    call = "quadratic_gd(A, b, x0, lr=0.05, max_iters=4, tol=0.0) for a 3x3 symmetric positive definite A"
    got = _path(student.quadratic_gd(A, b, x0, lr=0.05, max_iters=4, tol=0.0), call, 3)
    want = _descend(lambda x: A @ x - b, x0, 0.05, 4, 0.0)
    assert got.shape == want.shape, f"{call} returned a path of shape {got.shape}, expected {want.shape}"
    assert_close(got, want, rtol=1e-12, atol=1e-15, what=call)


@points(2)
def test_quadratic_converges(student):
    A = _spd([4.0, 2.0, 1.0, 0.5], seed=4)
    rng = np.random.default_rng(40)
    b = rng.normal(size=4)
    x0 = rng.normal(size=4) * 3
    tol = 1e-8
    call = "quadratic_gd(A, b, x0, lr=0.25, max_iters=10000, tol=1e-8) (A has eigenvalues 4, 2, 1, 0.5)"
    got = _path(student.quadratic_gd(A, b, x0, lr=0.25, max_iters=10000, tol=tol), call, 4)
    assert_close(got[0], x0, rtol=0, atol=0, what=f"{call}: path[0] (the start)")
    assert_close(got[-1], np.linalg.solve(A, b), atol=1e-7, what=f"{call}: the final point (the solution of A x = b)")
    steps = len(got) - 1
    assert steps < 10000, f"{call} took all 10000 steps: stop as soon as ||A x - b|| < tol"
    last = np.linalg.norm(A @ got[-1] - b)
    before = np.linalg.norm(A @ got[-2] - b) if steps >= 1 else np.inf
    assert last < tol * (1 + 1e-9), (
        f"{call}: at the final point ||A x - b|| = {last:.3g}, expected below tol = 1e-8"
    )
    assert before >= tol * (1 - 1e-9), (
        f"{call}: the gradient norm was already {before:.3g} < tol one step before the end; "
        "stop at the first point where ||g|| < tol, before taking another step"
    )


@points(1)
def test_max_iters_and_arguments(student):
    A = [[2.0, 0.0], [0.0, 1.0]]
    b = [1.0, 1.0]
    x0 = [5.0, -5.0]
    call = f"quadratic_gd({A}, {b}, {x0}, lr=0.1, max_iters=5, tol=0.0)"
    got = _path(student.quadratic_gd(A, b, x0, lr=0.1, max_iters=5, tol=0.0), call, 2)
    assert got.shape == (6, 2), f"{call} returned shape {got.shape}, expected (6, 2): the start plus 5 steps"

    call = f"quadratic_gd({A}, {b}, {x0}, lr=0.1, max_iters=0)"
    got = _path(student.quadratic_gd(A, b, x0, lr=0.1, max_iters=0), call, 2)
    assert got.shape == (1, 2), f"{call} returned shape {got.shape}, expected (1, 2): just the start"
    assert_close(got[0], x0, what=f"{call}: path[0]")

    call = f"quadratic_gd({A}, {b}, {x0}, lr=0.1, tol=1e6)"
    got = _path(student.quadratic_gd(A, b, x0, lr=0.1, tol=1e6), call, 2)
    assert got.shape == (1, 2), (
        f"{call} returned shape {got.shape}, expected (1, 2): the gradient norm is already below tol at the start"
    )

    for kwargs in ({"lr": 0.0}, {"lr": -0.1}, {"lr": 0.1, "max_iters": -1}, {"lr": 0.1, "tol": -1.0}):
        shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        _expect("ValueError", lambda kw=kwargs: student.quadratic_gd(A, b, x0, **kw), f"quadratic_gd(A, b, x0, {shown})")


@shows_expected
@points(1)
def test_integer_start(student):
    call = "quadratic_gd([[2, 0], [0, 4]], [2, 4], [3, -2], lr=0.1, max_iters=2, tol=0.0) (all ints)"
    got = _path(student.quadratic_gd([[2, 0], [0, 4]], [2, 4], [3, -2], lr=0.1, max_iters=2, tol=0.0), call, 2)
    A = np.array([[2.0, 0.0], [0.0, 4.0]])
    b = np.array([2.0, 4.0])
    want = _descend(lambda x: A @ x - b, [3.0, -2.0], 0.1, 2, 0.0)
    assert got.shape == want.shape, f"{call} returned shape {got.shape}, expected {want.shape}"
    assert_close(got, want, rtol=1e-12, what=f"{call} (convert x0 to floats first)")


@points(2)
def test_least_squares(student):
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    y = np.array([1.0, 2.0, 4.0, 3.5])
    call = f"least_squares_gd({X.tolist()}, {y.tolist()}, lr=0.2, max_iters=3)"
    got = _path(student.least_squares_gd(X, y, lr=0.2, max_iters=3), call, 2)
    want = _descend(lambda w: X.T @ (X @ w - y) / len(y), np.zeros(2), 0.2, 3, 1e-8)
    assert got.shape == want.shape, f"{call} returned shape {got.shape}, expected {want.shape}"
    assert_close(got, want, rtol=1e-12, atol=1e-15,
                 what=f"{call} (start at zeros; the gradient is X^T (X w - y) / N)")

    rng = np.random.default_rng(80)
    X = np.column_stack([np.ones(80), rng.normal(size=(80, 2))])
    y = X @ np.array([0.5, -2.0, 1.0]) + 0.3 * rng.normal(size=80)
    w0 = np.array([1.0, 1.0, 1.0])
    call = "least_squares_gd(X, y, lr=0.5, max_iters=5000, tol=1e-10, w0=[1, 1, 1]) for 80 samples, 3 features"
    got = _path(student.least_squares_gd(X, y, lr=0.5, max_iters=5000, tol=1e-10, w0=w0), call, 3)
    assert_close(got[0], w0, what=f"{call}: path[0] (the start w0)")
    best = np.linalg.lstsq(X, y, rcond=None)[0]
    assert_close(got[-1], best, atol=1e-7, what=f"{call}: the final point (what np.linalg.lstsq finds)")
    losses = ((got @ X.T - y) ** 2).mean(axis=1) / 2
    assert np.all(np.diff(losses) <= 1e-12), (
        f"{call}: the loss increased at step {int(np.argmax(np.diff(losses) > 1e-12)) + 1}; "
        "with this small learning rate every step should lower it"
    )
    assert len(got) - 1 < 5000, f"{call} took all 5000 steps instead of stopping when ||g|| < tol"


@shows_expected
@points(1)
def test_max_stable_lr(student):
    A = _spd([5.0, 1.0, 0.2], seed=9)
    call = "max_stable_lr(A) for a symmetric A with eigenvalues 5, 1, 0.2"
    got = student.max_stable_lr(A)
    assert isinstance(got, (int, float)) and not isinstance(got, bool), (
        f"{call} should return a float, got {type(got).__name__}: {got!r:.100}"
    )
    assert_close(got, 0.4, rtol=1e-9, what=f"{call} (2 / the largest eigenvalue)")
    call = "max_stable_lr([[2, 0], [0, 8]])"
    assert_close(student.max_stable_lr([[2.0, 0.0], [0.0, 8.0]]), 0.25, rtol=1e-9, what=call)
    _expect("ValueError", lambda: student.max_stable_lr([[1.0, 2.0], [2.0, 1.0]]),
            "max_stable_lr([[1, 2], [2, 1]])", " (eigenvalues 3 and -1: not positive definite)")
    _expect("ValueError", lambda: student.max_stable_lr([[1.0, 2.0], [0.0, 1.0]]),
            "max_stable_lr([[1, 2], [0, 1]])", " (not symmetric)")

    b = np.array([1.0, 2.0, -1.0])
    x0 = np.array([3.0, -3.0, 3.0])
    solution = np.linalg.solve(A, b)
    call = "quadratic_gd(A, b, x0, lr=0.95 * 0.4, max_iters=5000) (just below the limit)"
    got = _path(student.quadratic_gd(A, b, x0, lr=0.95 * 0.4, max_iters=5000), call, 3)
    assert_close(got[-1], solution, atol=1e-6, what=f"{call}: the final point")
    call = "quadratic_gd(A, b, x0, lr=1.05 * 0.4, max_iters=200, tol=0.0) (just above the limit)"
    got = _path(student.quadratic_gd(A, b, x0, lr=1.05 * 0.4, max_iters=200, tol=0.0), call, 3)
    start, end = np.linalg.norm(got[0] - solution), np.linalg.norm(got[-1] - solution)
    assert end > 10 * start, (
        f"{call}: the distance to the solution went from {start:.3g} to {end:.3g}; above 2 / lambda_max "
        "gradient descent should move away from the solution"
    )


@points(1)
def test_divergence_is_reported(student):
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    call = "quadratic_gd([[3, 1], [1, 2]], [1, -1], [1, 1], lr=1.0, max_iters=100000) (lr is far above the limit 0.553)"
    _expect("FloatingPointError", lambda: student.quadratic_gd(A, b, [1.0, 1.0], lr=1.0, max_iters=100000), call,
            " (raise it as soon as the gradient or x contains inf or NaN)")

    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 2)) * 10
    y = rng.normal(size=20)
    call = "least_squares_gd(X, y, lr=5.0, max_iters=100000) for features of size ~10 (lr far too large)"
    _expect("FloatingPointError", lambda: student.least_squares_gd(X, y, lr=5.0, max_iters=100000), call,
            " (raise it as soon as the gradient or w contains inf or NaN)")
