"""Hidden grader for numpy/eigen-power-iteration."""

import numpy as np

from gradient_grader import StudentError, assert_close, points, shows_expected


def _sym(eigenvalues, seed):
    """A symmetric matrix with the given eigenvalues and random (seeded) eigenvectors."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    A = Q @ np.diag(eigenvalues) @ Q.T
    return (A + A.T) / 2


def _signed(V):
    V = np.array(V, dtype=float)
    if V.ndim == 1:
        return -V if V[np.argmax(np.abs(V))] < 0 else V
    rows = np.argmax(np.abs(V), axis=0)
    return V * np.where(V[rows, np.arange(V.shape[1])] < 0, -1.0, 1.0)


def _eigpair(A, which):
    values, vectors = np.linalg.eigh(A)
    return values[which], _signed(vectors[:, which])


def _result(got, call):
    assert isinstance(got, (tuple, list)) and len(got) == 3, (
        f"{call} should return a tuple (eigenvalue, eigenvector, iterations), got {got!r:.200}"
    )
    value, vector, iterations = got
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call}: the eigenvalue should be a float, got {type(value).__name__}: {value!r:.100}"
    )
    assert isinstance(vector, np.ndarray), (
        f"{call}: the eigenvector should be a NumPy array, got {type(vector).__name__}"
    )
    assert isinstance(iterations, int) and not isinstance(iterations, bool), (
        f"{call}: the iteration count should be an int, got {type(iterations).__name__}: {iterations!r}"
    )
    return value, vector, iterations


def _expect_value_error(func, call):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r:.200}, expected it to raise ValueError")


@points(1)
def test_rayleigh_quotient(student):
    A = [[2.0, 1.0], [1.0, 2.0]]
    for x, want in (([1.0, 0.0], 2.0), ([1.0, 1.0], 3.0), ([3.0, -3.0], 1.0), ([2.0, 1.0], 2.8)):
        call = f"rayleigh_quotient({A}, {x})"
        got = student.rayleigh_quotient(A, x)
        assert isinstance(got, (int, float)) and not isinstance(got, bool), (
            f"{call} should return a float, got {type(got).__name__}: {got!r:.100}"
        )
        assert_close(got, want, rtol=1e-12, what=f"{call} (x does not have length 1: divide by x.x)")

    A = _sym([4.0, -1.0, 0.5, 2.0], seed=11)
    x = np.random.default_rng(3).normal(size=4)
    call = "rayleigh_quotient(A, x) for a random symmetric 4x4 A and a random x"
    assert_close(student.rayleigh_quotient(A, x), x @ A @ x / (x @ x), rtol=1e-10, what=call)


@shows_expected
@points(1)
def test_sign_normalize(student):
    cases = [
        ([0.6, -0.8], [-0.6, 0.8]),
        ([0.6, 0.8], [0.6, 0.8]),
        ([-0.5, 0.5, 0.1], [0.5, -0.5, -0.1]),
        ([0.5, -0.5], [0.5, -0.5]),
        ([0.0, 0.0, -2.0], [0.0, 0.0, 2.0]),
    ]
    for v, want in cases:
        call = f"sign_normalize(np.array({v}))"
        got = student.sign_normalize(np.array(v))
        assert isinstance(got, np.ndarray), f"{call} should return a NumPy array, got {type(got).__name__}"
        assert_close(got, want, what=f"{call} (the entry largest in absolute value, the first one on ties, "
                                     "must become positive)")

    V = np.array([[1.0, 0.5, 0.2], [-3.0, -0.5, 0.1], [2.0, 0.0, -0.9]])
    call = f"sign_normalize(np.array({V.tolist()}))"
    got = student.sign_normalize(V)
    assert isinstance(got, np.ndarray), f"{call} should return a NumPy array, got {type(got).__name__}"
    want = [[-1.0, 0.5, -0.2], [3.0, -0.5, -0.1], [-2.0, 0.0, 0.9]]
    assert_close(got, want, what=f"{call} (for a matrix, each column is normalised on its own)")


@points(2)
def test_power_iteration_dominant(student):
    A = _sym([5.0, 2.0, 1.0, -0.5, 0.1], seed=2024)
    want_value, want_vector = _eigpair(A, -1)
    call = "power_iteration(A) for a symmetric 5x5 A with eigenvalues 5, 2, 1, -0.5, 0.1"
    value, vector, iterations = _result(student.power_iteration(A), call)
    assert_close(value, want_value, rtol=1e-8, what=f"{call}: the eigenvalue")
    assert vector.shape == (5,), f"{call}: the eigenvector has shape {vector.shape}, expected (5,)"
    assert_close(np.linalg.norm(vector), 1.0, rtol=1e-8, what=f"{call}: the length of the eigenvector")
    assert_close(vector, want_vector, atol=1e-6, what=f"{call}: the (sign-normalised) eigenvector")

    x0 = np.array([1.0, -2.0, 0.5, 3.0, 1.0])
    call = f"power_iteration(A, num_iters=500, tol=1e-12, x0={x0.tolist()})"
    value, vector, iterations = _result(student.power_iteration(A, num_iters=500, tol=1e-12, x0=x0), call)
    assert_close(value, want_value, rtol=1e-9, what=f"{call}: the eigenvalue")
    assert_close(vector, want_vector, atol=1e-7, what=f"{call}: the (sign-normalised) eigenvector")
    assert 1 <= iterations < 500, (
        f"{call} reports {iterations} iterations; the change falls below 1e-12 after a few dozen, "
        "so it should stop well before 500"
    )


@points(2)
def test_power_iteration_negative_dominant(student):
    A = _sym([-6.0, 3.0, 1.0, 0.5], seed=77)
    want_value, want_vector = _eigpair(A, 0)
    call = "power_iteration(A) for a symmetric 4x4 A with eigenvalues -6, 3, 1, 0.5"
    value, vector, iterations = _result(student.power_iteration(A), call)
    assert_close(value, want_value, rtol=1e-8,
                 what=f"{call}: the eigenvalue (the dominant eigenvalue is negative; the Rayleigh quotient keeps the sign)")
    assert_close(vector, want_vector, atol=1e-6, what=f"{call}: the (sign-normalised) eigenvector")
    assert iterations < 1000, (
        f"{call} ran all {iterations} iterations. With a negative eigenvalue x flips sign every step, so "
        "||x_new - x|| stays near 2: measure the change as min(||x_new - x||, ||x_new + x||)"
    )

    B = [[-4.0, 1.0], [1.0, 2.0]]
    call = f"power_iteration({B})"
    value, vector, iterations = _result(student.power_iteration(B), call)
    assert_close(value, -1 - np.sqrt(10), rtol=1e-9, what=f"{call}: the eigenvalue")
    assert iterations < 1000, f"{call} ran all {iterations} iterations instead of stopping when converged"


@points(1)
def test_power_iteration_stopping(student):
    A = _sym([3.0, 2.0, 1.0], seed=5)
    x0 = np.array([1.0, 0.0, 0.0])
    x = x0.copy()
    for _ in range(5):
        x = A @ x
        x /= np.linalg.norm(x)
    call = f"power_iteration(A, num_iters=5, tol=0.0, x0={x0.tolist()}) (eigenvalues 3, 2, 1)"
    value, vector, iterations = _result(student.power_iteration(A, num_iters=5, tol=0.0, x0=x0), call)
    assert iterations == 5, f"{call} reports {iterations} iterations, expected exactly 5 (tol=0 never stops early)"
    assert_close(vector, _signed(x), atol=1e-12, what=f"{call}: the vector after 5 iterations")
    assert_close(value, x @ A @ x, rtol=1e-12,
                 what=f"{call}: the eigenvalue (the Rayleigh quotient of the returned vector)")

    _expect_value_error(lambda: student.power_iteration([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
                        "power_iteration(<a 2x3 matrix>)")
    _expect_value_error(lambda: student.power_iteration(np.eye(3), x0=[0.0, 0.0, 0.0]),
                        "power_iteration(np.eye(3), x0=[0.0, 0.0, 0.0])")


@points(3)
def test_top_k_eigh(student):
    eigenvalues = [-7.0, 4.0, 2.5, 1.0, -0.5]
    A = _sym(eigenvalues, seed=31)
    values_all, vectors_all = np.linalg.eigh(A)
    order = np.argsort(values_all)[::-1]

    for k in (1, 2, 5):
        call = f"top_k_eigh(A, {k}) for a symmetric 5x5 A with eigenvalues -7, 4, 2.5, 1, -0.5"
        got = student.top_k_eigh(A, k)
        assert isinstance(got, (tuple, list)) and len(got) == 2, (
            f"{call} should return a tuple (values, vectors), got {got!r:.200}"
        )
        values, vectors = np.asarray(got[0]), np.asarray(got[1])
        assert values.shape == (k,), f"{call}: values has shape {values.shape}, expected ({k},)"
        assert_close(values, values_all[order[:k]], rtol=1e-9, atol=1e-12,
                     what=f"{call}: the eigenvalues (the k largest values, in descending order)")
        assert vectors.shape == (5, k), (
            f"{call}: vectors has shape {vectors.shape}, expected (5, {k}) (eigenvectors as columns)"
        )
        assert_close(vectors, _signed(vectors_all[:, order[:k]]), atol=1e-9,
                     what=f"{call}: the eigenvectors (columns, sign-normalised)")

    for k in (0, 6, -1):
        _expect_value_error(lambda k=k: student.top_k_eigh(A, k), f"top_k_eigh(<a 5x5 matrix>, {k})")
