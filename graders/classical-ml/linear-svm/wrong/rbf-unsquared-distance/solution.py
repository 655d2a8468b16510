"""Reference solution for classical-ml/linear-svm."""

import numpy as np
from sklearn.svm import SVC


def _signed(y) -> np.ndarray:
    """0/1 labels -> -1/+1 labels."""
    return 2.0 * np.asarray(y, dtype=float) - 1.0


def decision_function(w, b, X) -> np.ndarray:
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + float(b)


def predict(w, b, X) -> np.ndarray:
    return (decision_function(w, b, X) > 0).astype(int)


def margins(w, b, X, y) -> np.ndarray:
    return _signed(y) * decision_function(w, b, X)


def hinge_objective(w, b, X, y, lam) -> float:
    w = np.asarray(w, dtype=float)
    hinge = np.maximum(0.0, 1.0 - margins(w, b, X, y))
    # the bias is not part of the penalty
    return float(lam / 2 * np.dot(w, w) + hinge.mean())


def hinge_subgradient(w, b, X, y, lam):
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    ys = _signed(y)
    active = ys * decision_function(w, b, X) < 1.0  # margin exactly 1 contributes nothing
    n = len(ys)
    grad_w = lam * w - (ys[active, None] * X[active]).sum(axis=0) / n
    grad_b = -float(ys[active].sum()) / n
    return grad_w, grad_b


def train_linear_svm(X, y, lam=0.01, n_epochs=20, batch_size=16, seed=0):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    rng = np.random.default_rng(seed)
    t = 0
    for _ in range(n_epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            t += 1
            step = 1.0 / (lam * t)
            grad_w, grad_b = hinge_subgradient(w, b, X[batch], y[batch], lam)
            w = w - step * grad_w
            b = b - step * grad_b
    return w, float(b)


def support_vectors(w, b, X, y) -> np.ndarray:
    return np.flatnonzero(margins(w, b, X, y) <= 1.0)


def rbf_kernel(A, B, gamma) -> np.ndarray:
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    squared = (A**2).sum(axis=1)[:, None] + (B**2).sum(axis=1)[None, :] - 2.0 * A @ B.T
    return np.exp(-gamma * np.sqrt(np.maximum(squared, 0.0)))


def fit_predict_rbf_svc(X_train, y_train, X_test, gamma=1.0, C=1.0) -> np.ndarray:
    model = SVC(kernel="precomputed", C=C)
    model.fit(rbf_kernel(X_train, X_train, gamma), np.asarray(y_train))
    return np.asarray(model.predict(rbf_kernel(X_test, X_train, gamma)))
