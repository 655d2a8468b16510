"""UMAP by hand, in NumPy: the fuzzy neighbour graph, its layout, and what the map keeps.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
"""

import numpy as np

# a and b of the low-dimensional curve 1 / (1 + a d^(2b)) for umap-learn's defaults min_dist=0.1, spread=1.0
A = 1.5769434603113077
B = 0.8950608779109733


# Part 1: the fuzzy graph


def knn_graph(X, k):
    """(indices, distances), both (n, k): each point's k nearest other points, nearest first, Euclidean."""
    raise NotImplementedError("knn_graph is not written yet")


def smooth_knn_dist(distances, tol=1e-5, n_iter=64):
    """(rho, sigma) of one point's k neighbour distances: sum exp(-(d_j - rho) / sigma) = log2(k)."""
    raise NotImplementedError("smooth_knn_dist is not written yet")


def membership_strengths(indices, distances):
    """(n, n) directed graph: W[i, indices[i, j]] = exp(-(distances[i, j] - rho_i) / sigma_i), 0 elsewhere."""
    raise NotImplementedError("membership_strengths is not written yet")


def fuzzy_union(W):
    """The symmetric fuzzy graph W + W.T - W * W.T."""
    raise NotImplementedError("fuzzy_union is not written yet")


# Part 2: the layout


def low_dim_similarity(distances, a, b):
    """1 / (1 + a d^(2b)), elementwise."""
    raise NotImplementedError("low_dim_similarity is not written yet")


def optimize_epoch(Y, heads, tails, negatives, a, b, alpha):
    """One epoch: attraction along the edges (heads[e], tails[e]), repulsion from negatives[e]; a new layout."""
    raise NotImplementedError("optimize_epoch is not written yet")


def optimize_layout(graph, Y_init, n_epochs, a, b, seed, negative_sample_rate=5, learning_rate=1.0):
    """n_epochs epochs of optimize_epoch, edges sampled by weight and negatives drawn from default_rng(seed)."""
    raise NotImplementedError("optimize_layout is not written yet")


def pca_init(X):
    """The starting layout (given): X projected on its first two principal axes, scaled to [-10, 10]."""
    X = np.asarray(X, dtype=float)
    centred = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    Y = centred @ vt[:2].T
    return 10.0 * Y / np.abs(Y).max()


def umap_embed(X, n_neighbors, n_epochs, seed):
    """The whole pipeline: knn_graph, membership_strengths, fuzzy_union, then optimize_layout from pca_init(X)."""
    raise NotImplementedError("umap_embed is not written yet")
