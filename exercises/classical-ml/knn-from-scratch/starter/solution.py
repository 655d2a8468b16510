"""k-nearest neighbours from scratch, with NumPy only.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import numpy as np


def pairwise_distances(A, B, metric="euclidean") -> np.ndarray:
    """(len(A), len(B)) distances; Euclidean via ||a||^2 + ||b||^2 - 2ab clamped at 0, or Manhattan."""
    raise NotImplementedError("pairwise_distances is not written yet")


def standardize(X_train, X_query):
    """Scale both arrays with the TRAINING mean and std (ddof=0; a constant column keeps std 1)."""
    raise NotImplementedError("standardize is not written yet")


def nearest_neighbours(X_train, X_query, k, metric="euclidean"):
    """Return (indices, distances) of the k nearest training points, nearest first (ties: lower index)."""
    raise NotImplementedError("nearest_neighbours is not written yet")


def knn_classify(X_train, y_train, X_query, k, metric="euclidean", weighted=False) -> np.ndarray:
    """Majority (or 1/distance-weighted) vote of the k nearest; a tied vote goes to the smallest label."""
    raise NotImplementedError("knn_classify is not written yet")


def knn_regress(X_train, y_train, X_query, k, metric="euclidean") -> np.ndarray:
    """The mean target of the k nearest neighbours."""
    raise NotImplementedError("knn_regress is not written yet")


def loo_accuracy(X, y, k, metric="euclidean") -> float:
    """Leave-one-out accuracy: predict each row from all the OTHER rows."""
    raise NotImplementedError("loo_accuracy is not written yet")


def choose_k(X, y, ks, metric="euclidean"):
    """Return (best_k, accuracies): the k with the best leave-one-out accuracy (smallest k on a tie)."""
    raise NotImplementedError("choose_k is not written yet")
