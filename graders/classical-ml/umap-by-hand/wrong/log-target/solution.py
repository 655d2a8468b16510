"""Wrong solution for classical-ml/umap-by-hand: log-target."""

import numpy as np

# a and b of the low-dimensional curve for umap-learn's defaults min_dist=0.1, spread=1.0
A = 1.5769434603113077
B = 0.8950608779109733


def knn_graph(X, k):
    X = np.asarray(X, dtype=float)
    squared = np.sum(X * X, axis=1)
    D2 = np.maximum(squared[:, None] + squared[None, :] - 2.0 * X @ X.T, 0.0)
    np.fill_diagonal(D2, np.inf)  # a point is not its own neighbour
    order = np.argsort(D2, axis=1, kind="stable")[:, :k]
    return order, np.sqrt(np.take_along_axis(D2, order, axis=1))


def smooth_knn_dist(distances, tol=1e-5, n_iter=64):
    d = np.asarray(distances, dtype=float)
    rho = float(d.min())
    target = np.log(len(d))
    lo, hi, sigma = 0.0, np.inf, 1.0
    for _ in range(n_iter):
        total = np.sum(np.exp(-np.maximum(d - rho, 0.0) / sigma))
        if abs(total - target) < tol:
            break
        if total > target:  # too many neighbours count: narrow the kernel
            hi = sigma
            sigma = (lo + hi) / 2.0
        else:  # too few: widen it
            lo = sigma
            sigma = sigma * 2.0 if hi == np.inf else (lo + hi) / 2.0
    return rho, float(sigma)


def membership_strengths(indices, distances):
    indices = np.asarray(indices, dtype=int)
    distances = np.asarray(distances, dtype=float)
    n = indices.shape[0]
    W = np.zeros((n, n))
    for i in range(n):
        rho, sigma = smooth_knn_dist(distances[i])
        W[i, indices[i]] = np.exp(-np.maximum(distances[i] - rho, 0.0) / sigma)
    return W


def fuzzy_union(W):
    W = np.asarray(W, dtype=float)
    return W + W.T - W * W.T


def low_dim_similarity(distances, a, b):
    d = np.asarray(distances, dtype=float)
    return 1.0 / (1.0 + a * (d * d) ** b)


def _moves(Y, heads, others, coefficient):
    diff = Y[heads] - Y[others]
    d2 = np.sum(diff * diff, axis=1)
    coeff = np.zeros_like(d2)
    far = d2 > 0
    coeff[far] = coefficient(d2[far])
    return np.clip(coeff[:, None] * diff, -4.0, 4.0)


def optimize_epoch(Y, heads, tails, negatives, a, b, alpha):
    Y = np.asarray(Y, dtype=float)
    heads = np.asarray(heads, dtype=int)
    tails = np.asarray(tails, dtype=int)
    negatives = np.asarray(negatives, dtype=int).reshape(len(heads), -1)
    new = Y.copy()
    attract = _moves(Y, heads, tails, lambda d2: -2.0 * a * b * d2 ** (b - 1.0) / (1.0 + a * d2 ** b))
    np.add.at(new, heads, alpha * attract)
    repeated = np.repeat(heads, negatives.shape[1])
    repel = _moves(Y, repeated, negatives.ravel(), lambda d2: 2.0 * b / ((0.001 + d2) * (1.0 + a * d2 ** b)))
    np.add.at(new, repeated, alpha * repel)
    return new


def optimize_layout(graph, Y_init, n_epochs, a, b, seed, negative_sample_rate=5, learning_rate=1.0):
    graph = np.asarray(graph, dtype=float)
    Y = np.array(Y_init, dtype=float)
    heads, tails = np.nonzero(graph)
    weights = graph[heads, tails]
    probability = weights / weights.max()
    rng = np.random.default_rng(seed)
    for epoch in range(n_epochs):
        alpha = learning_rate * (1.0 - epoch / n_epochs)
        sampled = rng.random(len(heads)) < probability
        negatives = rng.integers(0, len(Y), size=(int(sampled.sum()), negative_sample_rate))
        Y = optimize_epoch(Y, heads[sampled], tails[sampled], negatives, a, b, alpha)
    return Y


def pca_init(X):
    """The starting layout: X projected on its first two principal axes, scaled to [-10, 10]."""
    X = np.asarray(X, dtype=float)
    centred = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    Y = centred @ vt[:2].T
    return 10.0 * Y / np.abs(Y).max()


def umap_embed(X, n_neighbors, n_epochs, seed):
    indices, distances = knn_graph(X, n_neighbors)
    graph = fuzzy_union(membership_strengths(indices, distances))
    return optimize_layout(graph, pca_init(X), n_epochs, A, B, seed)
