"""Eigenvectors by power iteration, checked against np.linalg.eigh.

Replace each ``raise NotImplementedError`` with your own code.
Read README.md for the exact rules. All matrices are real and symmetric.
"""

import numpy as np


def rayleigh_quotient(A, x) -> float:
    """Return (x^T A x) / (x^T x) as a float."""
    raise NotImplementedError("rayleigh_quotient is not written yet")


def sign_normalize(V):
    """Flip the sign of a vector (or of each column of a matrix) so that its
    entry with the largest absolute value is positive (first one on ties)."""
    raise NotImplementedError("sign_normalize is not written yet")


def power_iteration(A, num_iters=1000, tol=1e-10, x0=None):
    """Return (eigenvalue, unit eigenvector, iterations) for the eigenvalue of
    largest absolute value.

    Start from x0 (np.ones(n) if None), normalised. Each iteration: x_new = A x / ||A x||,
    change = min(||x_new - x||, ||x_new + x||); stop when change < tol or after num_iters.
    The eigenvalue is the Rayleigh quotient of the returned vector, which is sign-normalised.
    ValueError if A is not square or x0 is zero.
    """
    raise NotImplementedError("power_iteration is not written yet")


def top_k_eigh(A, k):
    """Return (values, vectors): the k largest eigenvalues in descending order and
    the matching sign-normalised eigenvectors as the columns of an (n, k) array.

    Use np.linalg.eigh. ValueError unless 1 <= k <= n.
    """
    raise NotImplementedError("top_k_eigh is not written yet")
