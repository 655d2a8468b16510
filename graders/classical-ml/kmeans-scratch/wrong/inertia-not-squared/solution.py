import numpy as np


def squared_distances(X, centroids) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    centroids = np.asarray(centroids, dtype=float)
    diff = X[:, None, :] - centroids[None, :, :]
    return np.sum(diff**2, axis=2)


def assign_clusters(X, centroids) -> np.ndarray:
    # argmin returns the first (lowest) index on ties.
    return np.argmin(squared_distances(X, centroids), axis=1)


def update_centroids(X, labels, centroids) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    new = np.array(centroids, dtype=float, copy=True)
    for k in range(new.shape[0]):
        members = X[labels == k]
        if len(members):  # an empty cluster keeps its previous centroid
            new[k] = members.mean(axis=0)
    return new


def inertia(X, centroids, labels) -> float:
    X = np.asarray(X, dtype=float)
    centroids = np.asarray(centroids, dtype=float)
    labels = np.asarray(labels)
    return float(np.sum(np.linalg.norm(X - centroids[labels], axis=1)))


def kmeans(X, init_centroids, max_iter: int = 100, tol: float = 1e-6):
    X = np.asarray(X, dtype=float)
    centroids = np.array(init_centroids, dtype=float, copy=True)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        labels = assign_clusters(X, centroids)
        new = update_centroids(X, labels, centroids)
        shift = float(np.max(np.linalg.norm(new - centroids, axis=1)))
        centroids = new
        if shift <= tol:
            break
    labels = assign_clusters(X, centroids)
    return centroids, labels, n_iter
