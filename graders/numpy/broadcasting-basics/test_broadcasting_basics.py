"""Hidden grader for numpy/broadcasting-basics (a notebook exercise)."""

import numpy as np

from gradient_grader import StudentTimeout, assert_close, call_timeout, expected, points, shows_expected


def _array(got, call, shape=None):
    assert isinstance(got, np.ndarray), (
        f"{call} should return a NumPy array, got {type(got).__name__}: {got!r:.200}"
    )
    if shape is not None:
        assert got.shape == shape, f"{call} returned an array of shape {got.shape}, expected {shape}"
    return got


def _distances(X, Y):
    """The grader's own pairwise distances, row block by row block (small memory)."""
    out = np.empty((len(X), len(Y)))
    for start in range(0, len(X), 250):
        block = X[start:start + 250]
        out[start:start + 250] = np.sqrt(((block[:, None, :] - Y[None, :, :]) ** 2).sum(-1))
    return out


@shows_expected
@points(1)
def test_outer_product(student):
    call = "outer_product([1, 2, 3], [10, 20])"
    got = _array(student.outer_product([1, 2, 3], [10, 20]), call, (3, 2))
    assert_close(got, [[10, 20], [20, 40], [30, 60]], what=f"{call}")

    u = np.array([0.5, -1.0, 2.0, 3.0])
    v = np.array([4.0, 0.0, -2.0, 1.5, 7.0])
    call = f"outer_product({u.tolist()}, {v.tolist()})"
    got = _array(student.outer_product(u, v), call, (4, 5))
    assert_close(got, u[:, None] * v[None, :], what=call)


@points(2)
def test_pairwise_distances(student):
    X = [[0, 0], [3, 4]]
    Y = [[0, 0], [6, 8], [3, 0]]
    call = f"pairwise_distances({X}, {Y})"
    got = _array(student.pairwise_distances(X, Y), call, (2, 3))
    assert_close(got, [[0, 10, 3], [5, 5, 4]], what=call)

    rng = np.random.default_rng(20240611)
    X = rng.normal(size=(7, 3))
    Y = rng.normal(size=(5, 3)) * 2.0
    call = "pairwise_distances(X, Y) with X of shape (7, 3) and Y of shape (5, 3)"
    got = _array(student.pairwise_distances(X, Y), call, (7, 5))
    assert_close(got, _distances(X, Y), rtol=1e-7, atol=1e-9, what=call)

    X1 = rng.normal(size=(4, 1))
    call = "pairwise_distances(X, X) with X of shape (4, 1)"
    got = _array(student.pairwise_distances(X1, X1), call, (4, 4))
    assert_close(got, np.abs(X1 - X1.T), rtol=1e-7, atol=1e-9, what=call)


@points(1)
def test_pairwise_distances_is_stable(student):
    rng = np.random.default_rng(7)
    base = np.array([1.0e4, -2.5e4, 3.0e4])
    Y = base + rng.normal(size=(60, 3))
    X = np.vstack([Y[:50], base + rng.normal(size=(10, 3))])  # 50 points also appear in Y
    call = "pairwise_distances(X, Y) for 60 points near (1e4, -2.5e4, 3e4), 50 of them in both X and Y"
    got = _array(student.pairwise_distances(X, Y), call, (60, 60))
    nans = int(np.isnan(got).sum())
    assert nans == 0, (
        f"{call} contains {nans} NaN values: a squared distance came out slightly negative through rounding "
        "(clip it at 0, or compute the differences directly)"
    )
    assert (got >= 0).all(), f"{call} contains negative distances, e.g. {got[got < 0][0]!r}"
    assert_close(np.diag(got[:50, :50]), np.zeros(50), atol=5e-3,
                 what=f"{call}: the distance of each shared point to itself")
    assert_close(got, _distances(X, Y), rtol=1e-6, atol=5e-3, what=call)


@points(1)
def test_nearest_neighbors(student):
    X = [[0, 0], [3, 4], [5, 8]]
    Y = [[0, 0], [6, 8], [3, 9]]
    call = f"nearest_neighbors({X}, {Y})"
    got = _array(student.nearest_neighbors(X, Y), call, (3,))
    assert np.issubdtype(got.dtype, np.integer), f"{call} returned an array of {got.dtype}, expected integers"
    assert got.tolist() == [0, 0, 1], (
        f"{call} returned {got.tolist()}, expected {expected([0, 0, 1])} "
        "(row 1 is at distance 5 from every row of Y: the smallest index wins)"
    )

    rng = np.random.default_rng(99)
    X = rng.normal(size=(40, 4))
    Y = rng.normal(size=(25, 4))
    call = "nearest_neighbors(X, Y) with X of shape (40, 4) and Y of shape (25, 4)"
    got = _array(student.nearest_neighbors(X, Y), call, (40,))
    want = _distances(X, Y).argmin(axis=1)
    wrong = np.flatnonzero(got != want)
    assert wrong.size == 0, (
        f"{call}: row {wrong[0]} got index {got[wrong[0]]}, expected {expected(want[wrong[0]])} ({wrong.size} of 40 rows differ)"
    )


@points(1)
def test_nearest_neighbors_fast(student):
    rng = np.random.default_rng(2000)
    X = rng.uniform(-100, 100, size=(2000, 2))
    Y = rng.uniform(-100, 100, size=(2000, 2))
    call = "nearest_neighbors(X, Y) with 2000 points in X and 2000 in Y (2 dimensions)"
    try:
        with call_timeout(2):
            got = student.nearest_neighbors(X, Y)
    except StudentTimeout:
        raise AssertionError(
            f"{call} took more than 2 seconds. Four million pairs are too many for a Python loop: "
            "compute all the distances at once with broadcasting, then np.argmin along axis 1"
        ) from None
    got = _array(got, call, (2000,))
    want = _distances(X, Y).argmin(axis=1)
    differ = int((got != want).sum())
    assert differ == 0, f"{call}: {differ} of 2000 indices differ from the true nearest neighbours"


@points(2)
def test_standardize_columns(student):
    X = [[1, 10], [2, 20], [3, 60]]
    call = f"standardize_columns({X})"
    got = _array(student.standardize_columns(X), call, (3, 2))
    A = np.array(X, dtype=float)
    assert_close(got, (A - A.mean(0)) / A.std(0), rtol=1e-7, atol=1e-9, what=call)

    rng = np.random.default_rng(31)
    X = rng.normal(size=(50, 4)) * np.array([1.0, 10.0, 0.1, 1000.0]) + np.array([5.0, -3.0, 0.0, 2e4])
    call = "standardize_columns(X) with X of shape (50, 4) (features on very different scales)"
    got = _array(student.standardize_columns(X), call, (50, 4))
    assert_close(got.mean(axis=0), np.zeros(4), atol=1e-9, what=f"{call}: the mean of each column")
    assert_close(got.std(axis=0), np.ones(4), rtol=1e-7,
                 what=f"{call}: the (population, ddof=0) standard deviation of each column")
    assert_close(got, (X - X.mean(0)) / X.std(0), rtol=1e-6, atol=1e-9, what=call)

    X = rng.normal(size=(4, 4))
    call = "standardize_columns(X) with a square X of shape (4, 4)"
    got = _array(student.standardize_columns(X), call, (4, 4))
    assert_close(got, (X - X.mean(0)) / X.std(0), rtol=1e-6, atol=1e-9,
                 what=f"{call} (statistics are per column: axis=0)")


@points(2)
def test_normalize_rows(student):
    X = [[3, 4], [0, -2], [1, 1]]
    call = f"normalize_rows({X})"
    got = _array(student.normalize_rows(X), call, (3, 2))
    s = 1 / np.sqrt(2)
    assert_close(got, [[0.6, 0.8], [0, -1], [s, s]], rtol=1e-9, atol=1e-12, what=call)

    rng = np.random.default_rng(5)
    for shape in ((5, 5), (6, 3), (2, 7)):
        X = rng.normal(size=shape) * 3.0
        call = f"normalize_rows(X) with X of shape {shape}"
        got = _array(student.normalize_rows(X), call, shape)
        assert_close(np.linalg.norm(got, axis=1), np.ones(shape[0]), rtol=1e-9,
                     what=f"{call}: the length of each row")
        assert_close(got, X / np.linalg.norm(X, axis=1, keepdims=True), rtol=1e-9, atol=1e-12,
                     what=f"{call} (each row is divided by its own length)")


@shows_expected
@points(1)
def test_constant_columns_and_zero_rows(student):
    X = [[1.0, 3.0, -2.5], [2.0, 3.0, -2.5], [4.0, 3.0, -2.5], [5.0, 3.0, -2.5]]
    call = f"standardize_columns({X})"
    got = _array(student.standardize_columns(X), call, (4, 3))
    assert not np.isnan(got).any(), f"{call} contains NaN: a constant column should become zeros"
    col = np.array([1.0, 2.0, 4.0, 5.0])
    want = np.zeros((4, 3))
    want[:, 0] = (col - col.mean()) / col.std()
    assert_close(got, want, rtol=1e-7, atol=1e-9, what=f"{call} (constant columns become 0)")

    X = [[0.0, 0.0, 0.0], [1.0, 2.0, 2.0], [0.0, 0.0, 0.0]]
    call = f"normalize_rows({X})"
    got = _array(student.normalize_rows(X), call, (3, 3))
    assert not np.isnan(got).any(), f"{call} contains NaN: a zero row should stay zero"
    assert_close(got, [[0, 0, 0], [1 / 3, 2 / 3, 2 / 3], [0, 0, 0]], rtol=1e-9, atol=1e-12, what=call)
