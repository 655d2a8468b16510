"""Gradient checking with finite differences.

Replace each ``raise NotImplementedError`` with your own code.
Read README.md for the exact rules.
"""

import numpy as np


# --------------------------------------------------------------------------
# Given: keep these as they are. The hidden tests can only send plain data
# (numbers, strings, arrays), not functions, so they name the functions of this
# module by string, e.g. numerical_gradient("bowl", x). `resolve` turns such a
# name into the function; call it at the start of numerical_gradient and
# check_gradient.
# --------------------------------------------------------------------------


def resolve(f):
    """Return ``f`` itself, or the function of this module named ``f`` if it is a str."""
    return globals()[f] if isinstance(f, str) else f


def bowl(x):
    """sum((x - 1)^4): a sample function for testing."""
    x = np.asarray(x, dtype=float)
    return float(np.sum((x - 1.0) ** 4))


def bowl_grad(x):
    """The analytic gradient of bowl."""
    x = np.asarray(x, dtype=float)
    return 4.0 * (x - 1.0) ** 3


def bumpy(x):
    """sum(sin(3x)) + 0.1 * (sum x)^3: a sample function whose variables interact."""
    x = np.asarray(x, dtype=float)
    return float(np.sum(np.sin(3.0 * x)) + 0.1 * np.sum(x) ** 3)


def bumpy_grad(x):
    """The analytic gradient of bumpy."""
    x = np.asarray(x, dtype=float)
    return 3.0 * np.cos(3.0 * x) + 0.3 * np.sum(x) ** 2


# --------------------------------------------------------------------------
# Your part.
# --------------------------------------------------------------------------


def numerical_gradient(f, x, h=1e-5, args=()):
    """Central-difference gradient of f at x: an array of floats with x's shape.

    Entry i is (f(x + h e_i, *args) - f(x - h e_i, *args)) / (2 h).
    ``f`` may be a function or the name of one in this module (use resolve).
    x may hold ints; it may be 1-D or 2-D. Don't modify the caller's x.
    """
    raise NotImplementedError("numerical_gradient is not written yet")


def relative_error(a, b) -> float:
    """||a - b|| / max(||a|| + ||b||, 1e-12), as a float (norms over all entries)."""
    raise NotImplementedError("relative_error is not written yet")


def check_gradient(f, grad, x, h=1e-5, tol=1e-6, args=()):
    """Return (passed, error): error = relative_error(grad(x, *args), numerical
    gradient of f at x) and passed = error < tol. f and grad may be names."""
    raise NotImplementedError("check_gradient is not written yet")


def quadratic_loss(x, A, b) -> float:
    """0.5 * x^T A x - b^T x, as a float. A is square but not necessarily symmetric."""
    raise NotImplementedError("quadratic_loss is not written yet")


def quadratic_grad(x, A, b):
    """The gradient of quadratic_loss with respect to x."""
    raise NotImplementedError("quadratic_grad is not written yet")


def logistic_loss(w, X, y) -> float:
    """Mean of log(1 + exp(-y_i * (X_i . w))) with labels y_i in {-1, +1}.

    Must stay finite for very large margins (hint: np.logaddexp).
    """
    raise NotImplementedError("logistic_loss is not written yet")


def logistic_grad(w, X, y):
    """The gradient of logistic_loss with respect to w."""
    raise NotImplementedError("logistic_grad is not written yet")
