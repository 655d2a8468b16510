"""Reference solution for classical-ml/hierarchical-clustering."""

import numpy as np

METHODS = ("single", "complete", "average")


def pairwise_distances(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2))


def cluster_distance(D, a, b, method) -> float:
    """Distance between the clusters whose point indices are a and b."""
    block = D[np.ix_(a, b)]
    if method == "single":
        return float(block.min())
    if method == "complete":
        return float(block.max())
    return float(block.mean())  # average: every pair of points counts once


def linkage_matrix(X, method="single") -> np.ndarray:
    if method not in METHODS:
        raise ValueError(f"unknown linkage {method!r}: use one of {METHODS}")
    D = pairwise_distances(X)
    n = len(D)
    members = {i: [i] for i in range(n)}  # cluster id -> its points; new clusters get ids n, n+1, ...
    rows = []
    for step in range(n - 1):
        ids = sorted(members)
        best = None
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                d = cluster_distance(D, members[a], members[b], method)
                if best is None or d < best[0]:  # strict: a tie keeps the first pair (a, b) in id order
                    best = (d, a, b)
        d, a, b = best
        members[a] = members.pop(a) + members.pop(b)  # the merged cluster keeps the smaller id
        rows.append([a, b, d, len(members[a])])
    return np.array(rows, dtype=float).reshape(n - 1, 4)


def cut_tree(Z, k) -> np.ndarray:
    Z = np.asarray(Z, dtype=float)
    n = len(Z) + 1
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and {n}, got {k}")
    members = {i: [i] for i in range(n)}
    for step in range(n - k):  # the first n - k merges leave k clusters
        a, b = int(Z[step, 0]), int(Z[step, 1])
        members[n + step] = members.pop(a) + members.pop(b)
    owner = np.empty(n, dtype=int)
    for cluster, points in enumerate(members.values()):
        owner[points] = cluster
    labels = np.empty(n, dtype=int)
    names = {}
    for point in range(n):  # clusters numbered in order of their first point
        labels[point] = names.setdefault(owner[point], len(names))
    return labels
