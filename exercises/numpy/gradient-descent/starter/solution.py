"""Gradient descent from scratch on quadratics and least squares.

Replace each ``raise NotImplementedError`` with your own code.
Read README.md for the exact loop and rules.
"""

import numpy as np


def gradient_descent(grad, x0, lr, max_iters=1000, tol=1e-8):
    """Suggested helper (not graded on its own): run the README's loop.

    ``grad`` is a function x -> gradient at x. Return the path, an array of
    shape (steps + 1, n) starting with x0. Stop before a step when ||grad|| < tol;
    raise FloatingPointError when the gradient or x stops being finite;
    raise ValueError if lr <= 0, max_iters < 0 or tol < 0.
    """
    raise NotImplementedError("gradient_descent is not written yet")


def quadratic_gd(A, b, x0, lr, max_iters=1000, tol=1e-8):
    """Minimise 0.5 x^T A x - b^T x (A symmetric positive definite) from x0.

    The gradient is A x - b. Return the path of shape (steps + 1, n).
    """
    raise NotImplementedError("quadratic_gd is not written yet")


def least_squares_gd(X, y, lr, max_iters=1000, tol=1e-8, w0=None):
    """Minimise (1 / (2N)) ||X w - y||^2 from w0 (zeros if None).

    The gradient is X^T (X w - y) / N. Return the path of shape (steps + 1, d).
    """
    raise NotImplementedError("least_squares_gd is not written yet")


def max_stable_lr(A) -> float:
    """Return 2 / (largest eigenvalue of A).

    ValueError if A is not symmetric or not positive definite.
    """
    raise NotImplementedError("max_stable_lr is not written yet")
