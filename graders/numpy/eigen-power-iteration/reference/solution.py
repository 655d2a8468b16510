"""Reference solution for numpy/eigen-power-iteration."""

import numpy as np


def rayleigh_quotient(A, x) -> float:
    A = np.asarray(A, dtype=float)
    x = np.asarray(x, dtype=float)
    return float(x @ A @ x / (x @ x))


def sign_normalize(V):
    V = np.array(V, dtype=float)
    if V.ndim == 1:
        return -V if V[np.argmax(np.abs(V))] < 0 else V
    rows = np.argmax(np.abs(V), axis=0)
    signs = np.where(V[rows, np.arange(V.shape[1])] < 0, -1.0, 1.0)
    return V * signs


def _check_square(A):
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"A must be a non-empty square matrix, got shape {A.shape}")
    return A


def power_iteration(A, num_iters=1000, tol=1e-10, x0=None):
    A = _check_square(A)
    x = np.ones(A.shape[0]) if x0 is None else np.asarray(x0, dtype=float)
    norm = np.linalg.norm(x)
    if norm == 0:
        raise ValueError("the start vector x0 must not be zero")
    x = x / norm
    iterations = 0
    for iterations in range(1, num_iters + 1):
        y = A @ x
        length = np.linalg.norm(y)
        if length == 0:
            raise ValueError("A @ x is zero: the start vector lies in the null space of A")
        new = y / length
        change = min(np.linalg.norm(new - x), np.linalg.norm(new + x))
        x = new
        if change < tol:
            break
    return rayleigh_quotient(A, x), sign_normalize(x), iterations


def top_k_eigh(A, k):
    A = _check_square(A)
    if not 1 <= k <= A.shape[0]:
        raise ValueError(f"k must be between 1 and {A.shape[0]}, got {k}")
    values, vectors = np.linalg.eigh(A)
    order = np.argsort(values)[::-1][:k]
    return values[order], sign_normalize(vectors[:, order])
