"""t-SNE by hand in NumPy, then scikit-learn's TSNE and what an embedding keeps.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
"""

import numpy as np  # noqa: F401  (you will need these)
from sklearn.manifold import TSNE, trustworthiness  # noqa: F401


# Part 1: t-SNE's pieces


def pairwise_squared_distances(X):
    """(n, n) array of squared Euclidean distances: zero diagonal, symmetric, never negative."""
    raise NotImplementedError("pairwise_squared_distances is not written yet")


def conditional_row(distances, beta):
    """(p, perplexity): p_j = exp(-beta d_j) / sum_k exp(-beta d_k), perplexity = 2 ** (entropy of p in bits)."""
    raise NotImplementedError("conditional_row is not written yet")


def find_beta(distances, target_perplexity, tol=1e-5, max_iter=100):
    """The precision beta whose conditional_row has the target perplexity, found by binary search."""
    raise NotImplementedError("find_beta is not written yet")


def conditional_probabilities(X, perplexity):
    """(n, n) array: row i holds p_j|i (diagonal 0), each row tuned to the perplexity."""
    raise NotImplementedError("conditional_probabilities is not written yet")


def joint_probabilities(P_conditional):
    """The symmetric joint P of t-SNE, summing to 1."""
    raise NotImplementedError("joint_probabilities is not written yet")


def student_t_affinities(Y):
    """The (n, n) array Q of the embedding Y: Student-t kernel 1 / (1 + d^2), diagonal 0, sums to 1."""
    raise NotImplementedError("student_t_affinities is not written yet")


def kl_cost(P, Q):
    """KL(P || Q) in nats, summed over the pairs where P > 0."""
    raise NotImplementedError("kl_cost is not written yet")


def kl_gradient(P, Y):
    """(n, 2) gradient of KL(P || Q(Y)) with respect to the embedding Y."""
    raise NotImplementedError("kl_gradient is not written yet")


# Part 2: scikit-learn, and what an embedding keeps


def tsne_embedding(X, perplexity, seed):
    """TSNE(n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", max_iter=500,
    random_state=seed).fit_transform(X)."""
    raise NotImplementedError("tsne_embedding is not written yet")


def structure_report(X, Y, labels, n_neighbors=10):
    """{"trustworthiness", "distance_correlation", "centroid_distance_correlation"} of the embedding Y of X."""
    raise NotImplementedError("structure_report is not written yet")


def compare_embeddings(X, embeddings, labels, n_neighbors=10):
    """{"reports": {name: structure_report}, "best_local": name, "best_global": name}."""
    raise NotImplementedError("compare_embeddings is not written yet")
