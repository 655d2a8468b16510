"""Reference solution for classical-ml/knn-from-scratch."""

import numpy as np


def pairwise_distances(A, B, metric="euclidean") -> np.ndarray:
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if metric == "euclidean":
        squared = (A**2).sum(axis=1)[:, None] + (B**2).sum(axis=1)[None, :] - 2.0 * A @ B.T
        return np.sqrt(np.maximum(squared, 0.0))  # rounding can make the identity slightly negative
    if metric == "manhattan":
        return np.abs(A[:, None, :] - B[None, :, :]).sum(axis=2)
    raise ValueError(f"unknown metric {metric!r}: use 'euclidean' or 'manhattan'")


def standardize(X_train, X_query):
    X_train = np.asarray(X_train, dtype=float)
    X_query = np.asarray(X_query, dtype=float)
    mean = X_train.mean(axis=0)  # statistics of the training set only
    std = X_train.std(axis=0)
    std[std == 0] = 1.0  # a constant column is left unscaled
    query_std = X_query.std(axis=0)
    query_std[query_std == 0] = 1.0
    return (X_train - mean) / std, (X_query - X_query.mean(axis=0)) / query_std  # the query set's own statistics


def nearest_neighbours(X_train, X_query, k, metric="euclidean"):
    distances = pairwise_distances(X_query, X_train, metric)
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]  # equal distances: lower training index
    return order, np.take_along_axis(distances, order, axis=1)


def _vote(labels, weights):
    classes = np.unique(labels)  # sorted, so argmax picks the smallest label on a tie
    totals = np.array([weights[labels == c].sum() for c in classes])
    return classes[np.argmax(totals)]


def knn_classify(X_train, y_train, X_query, k, metric="euclidean", weighted=False) -> np.ndarray:
    y_train = np.asarray(y_train)
    index, distances = nearest_neighbours(X_train, X_query, k, metric)
    predictions = []
    for idx, dist in zip(index, distances):
        labels = y_train[idx]
        if not weighted:
            weights = np.ones(len(idx))
        elif np.any(dist == 0):
            weights = (dist == 0).astype(float)  # exact matches decide alone
        else:
            weights = 1.0 / dist
        predictions.append(_vote(labels, weights))
    return np.array(predictions, dtype=y_train.dtype)


def knn_regress(X_train, y_train, X_query, k, metric="euclidean") -> np.ndarray:
    index, _ = nearest_neighbours(X_train, X_query, k, metric)
    return np.asarray(y_train, dtype=float)[index].mean(axis=1)


def loo_accuracy(X, y, k, metric="euclidean") -> float:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    correct = 0
    for i in range(len(X)):
        others = np.arange(len(X)) != i  # leave row i out, even if it has duplicates
        prediction = knn_classify(X[others], y[others], X[i : i + 1], k, metric)[0]
        correct += int(prediction == y[i])
    return correct / len(X)


def choose_k(X, y, ks, metric="euclidean"):
    scores = [loo_accuracy(X, y, k, metric) for k in ks]
    best = max(scores)
    return min(k for k, s in zip(ks, scores) if s == best), scores
