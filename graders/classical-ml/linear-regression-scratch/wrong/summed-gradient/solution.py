import numpy as np


def add_bias(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return np.hstack([np.ones((X.shape[0], 1)), X])


def fit_normal_equation(X, y) -> np.ndarray:
    Xb = add_bias(X)
    y = np.asarray(y, dtype=float)
    # lstsq solves the normal equations (Xb^T Xb) w = Xb^T y stably, also when columns are collinear.
    w, *_ = np.linalg.lstsq(Xb, y, rcond=None)
    return w


def fit_gradient_descent(X, y, lr: float = 0.1, n_iters: int = 1000) -> np.ndarray:
    Xb = add_bias(X)
    y = np.asarray(y, dtype=float)
    n = Xb.shape[0]
    w = np.zeros(Xb.shape[1])
    for _ in range(n_iters):
        residual = Xb @ w - y
        gradient = 2.0 * (Xb.T @ residual)  # not divided by n
        w = w - lr * gradient
    return w


def predict(X, w) -> np.ndarray:
    return add_bias(X) @ np.asarray(w, dtype=float)


def mse(y_true, y_pred) -> float:
    diff = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(np.mean(diff**2))


class LinearRegression:
    def __init__(self, method: str = "normal", lr: float = 0.1, n_iters: int = 1000) -> None:
        if method not in ("normal", "gd"):
            raise ValueError(f"method must be 'normal' or 'gd', got {method!r}")
        self.method = method
        self.lr = lr
        self.n_iters = n_iters

    def fit(self, X, y) -> "LinearRegression":
        if self.method == "normal":
            w = fit_normal_equation(X, y)
        else:
            w = fit_gradient_descent(X, y, lr=self.lr, n_iters=self.n_iters)
        self.intercept_ = float(w[0])
        self.coef_ = w[1:]
        return self

    def predict(self, X) -> np.ndarray:
        return np.asarray(X, dtype=float) @ self.coef_ + self.intercept_
