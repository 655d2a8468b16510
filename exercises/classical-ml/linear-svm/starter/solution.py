"""A linear soft-margin SVM by hand, then the kernel trick.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Labels arrive as 0/1: turn them into -1/+1 with 2 * y - 1 wherever the hinge loss needs them.
"""

import numpy as np
from sklearn.svm import SVC  # noqa: F401  (for fit_predict_rbf_svc)


def hinge_objective(w, b, X, y, lam) -> float:
    """lam/2 * ||w||^2 + mean hinge loss; the bias b is not regularised."""
    raise NotImplementedError("hinge_objective is not written yet")


def hinge_subgradient(w, b, X, y, lam):
    """Return (grad_w, grad_b); only points with margin < 1 count."""
    raise NotImplementedError("hinge_subgradient is not written yet")


def train_linear_svm(X, y, lam=0.01, n_epochs=20, batch_size=16, seed=0):
    """Mini-batch Pegasos from w = 0, b = 0 with step 1 / (lam * t); return (w, b)."""
    raise NotImplementedError("train_linear_svm is not written yet")


def decision_function(w, b, X) -> np.ndarray:
    """X @ w + b."""
    raise NotImplementedError("decision_function is not written yet")


def predict(w, b, X) -> np.ndarray:
    """0/1 labels: 1 where the decision function is > 0."""
    raise NotImplementedError("predict is not written yet")


def support_vectors(w, b, X, y) -> np.ndarray:
    """Sorted indices of the points with margin y * f(x) <= 1 (labels as -1/+1)."""
    raise NotImplementedError("support_vectors is not written yet")


def rbf_kernel(A, B, gamma) -> np.ndarray:
    """K[i, j] = exp(-gamma * ||A[i] - B[j]||^2), vectorised."""
    raise NotImplementedError("rbf_kernel is not written yet")


def fit_predict_rbf_svc(X_train, y_train, X_test, gamma=1.0, C=1.0) -> np.ndarray:
    """Fit SVC(kernel="precomputed", C=C) on rbf_kernel(X_train, X_train) and predict X_test."""
    raise NotImplementedError("fit_predict_rbf_svc is not written yet")
