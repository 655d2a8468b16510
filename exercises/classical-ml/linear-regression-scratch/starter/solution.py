"""Linear regression from scratch, with NumPy only.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Weights always have length d + 1 with the intercept first: w = [b, w1, ..., wd].
"""

import numpy as np


def add_bias(X) -> np.ndarray:
    """Return X (shape (n, d)) with a column of ones in front: shape (n, d + 1)."""
    raise NotImplementedError("add_bias is not written yet")


def fit_normal_equation(X, y) -> np.ndarray:
    """Return the least-squares weights w (length d + 1); must also work for collinear features."""
    raise NotImplementedError("fit_normal_equation is not written yet")


def fit_gradient_descent(X, y, lr: float = 0.1, n_iters: int = 1000) -> np.ndarray:
    """Start at w = 0 and apply n_iters updates w -= lr * (2/n) * Xb.T @ (Xb @ w - y); return w."""
    raise NotImplementedError("fit_gradient_descent is not written yet")


def predict(X, w) -> np.ndarray:
    """Return the predictions Xb @ w (w[0] is the intercept)."""
    raise NotImplementedError("predict is not written yet")


def mse(y_true, y_pred) -> float:
    """Return the mean squared error as a float."""
    raise NotImplementedError("mse is not written yet")


class LinearRegression:
    """fit/predict wrapper: method "normal" (normal equations) or "gd" (gradient descent)."""

    def __init__(self, method: str = "normal", lr: float = 0.1, n_iters: int = 1000) -> None:
        raise NotImplementedError("LinearRegression is not written yet")

    def fit(self, X, y) -> "LinearRegression":
        """Fit, set self.intercept_ (float) and self.coef_ (array of length d), return self."""
        raise NotImplementedError

    def predict(self, X) -> np.ndarray:
        """Return X @ self.coef_ + self.intercept_."""
        raise NotImplementedError
