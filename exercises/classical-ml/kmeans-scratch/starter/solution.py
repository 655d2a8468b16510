"""K-means clustering from scratch, with NumPy only.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import numpy as np


def assign_clusters(X, centroids) -> np.ndarray:
    """Return the index of the nearest centroid for each row of X (ties: the lowest index)."""
    raise NotImplementedError("assign_clusters is not written yet")


def update_centroids(X, labels, centroids) -> np.ndarray:
    """Return a NEW (k, d) array of cluster means; an empty cluster keeps its previous centroid."""
    raise NotImplementedError("update_centroids is not written yet")


def inertia(X, centroids, labels) -> float:
    """Return the sum of squared distances from each point to its assigned centroid."""
    raise NotImplementedError("inertia is not written yet")


def kmeans(X, init_centroids, max_iter: int = 100, tol: float = 1e-6):
    """Run k-means from init_centroids; return (centroids, labels, n_iter)."""
    raise NotImplementedError("kmeans is not written yet")
