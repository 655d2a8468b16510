"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked example of README.md and the digits run. The hidden grader checks more, on point
clouds, distance rows, graphs, layouts and digits of its own.
"""

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    A,
    B,
    fuzzy_union,
    knn_graph,
    low_dim_similarity,
    membership_strengths,
    optimize_epoch,
    optimize_layout,
    smooth_knn_dist,
    umap_embed,
)

X = np.array([[0, 2], [1, 2], [2, 3], [7, 5], [8, 6], [6, 8]], dtype=float)
INDICES = [[1, 2, 3], [0, 2, 3], [1, 0, 3], [4, 5, 2], [3, 5, 2], [4, 3, 2]]
W_EXAMPLE = np.array([[0, 1, 0.5458, 0.0391, 0, 0],
                      [1, 0, 0.5844, 0.0006, 0, 0],
                      [0.5359, 1, 0, 0.0491, 0, 0],
                      [0, 0, 0.1505, 0, 1, 0.4345],
                      [0, 0, 0.0784, 1, 0, 0.5066],
                      [0, 0, 0.003, 0.5819, 1, 0]])


def test_readme_knn_graph():
    indices, distances = knn_graph(X, 3)
    assert np.array_equal(np.asarray(indices), INDICES), f"knn_graph(X, 3)[0] is\n{np.asarray(indices)}"
    assert np.allclose(np.asarray(distances)[0], [1, math.sqrt(5), math.sqrt(58)]), (
        f"knn_graph(X, 3)[1][0] is {np.asarray(distances)[0]}, expected [1, sqrt(5), sqrt(58)] (Euclidean)"
    )


def test_readme_smooth_knn_dist():
    distances = np.asarray(knn_graph(X, 3)[1])
    rho, sigma = smooth_knn_dist(distances[0])
    assert rho == 1.0, f"rho is {rho}, expected 1.0 (the distance to the nearest neighbour)"
    assert abs(sigma - 2.0415) < 1e-3, f"sigma is {sigma}, expected about 2.0415"
    total = np.exp(-(distances[0] - rho) / sigma).sum()
    assert abs(total - math.log2(3)) < 1e-4, f"sum exp(-(d - rho) / sigma) is {total}, expected log2(3)"
    rho, sigma = smooth_knn_dist(np.array([0.02, 0.03, 0.05, 0.08]))  # small distances: a small sigma
    total = np.exp(-(np.array([0.02, 0.03, 0.05, 0.08]) - rho) / sigma).sum()
    assert abs(total - 2.0) < 1e-4, f"for distances [0.02, 0.03, 0.05, 0.08], sigma {sigma} gives a sum of {total}, not 2"


def test_readme_graph():
    W = np.asarray(membership_strengths(*knn_graph(X, 3)))
    assert np.allclose(W, W_EXAMPLE, atol=1e-4), f"membership_strengths(...) is\n{W.round(4)}"
    G = np.asarray(fuzzy_union(W))
    assert np.allclose(G, G.T), "the fuzzy union is symmetric"
    assert abs(G[0, 2] - 0.7892) < 1e-4 and abs(G[3, 5] - 0.7636) < 1e-4, f"fuzzy_union(W) is\n{G.round(4)}"


def test_readme_low_dim_similarity():
    got = np.asarray(low_dim_similarity(np.array([0, 0.5, 1, 2, 4]), A, B))
    assert np.allclose(got, [1, 0.6868, 0.3881, 0.1549, 0.0503], atol=1e-4), f"low_dim_similarity(...) is {got}"


def test_readme_optimize_epoch():
    Y = np.array([[0, 0], [1, 0], [0, 1], [3, 3]], dtype=float)
    got = np.asarray(optimize_epoch(Y, [0, 1], [1, 0], np.zeros((2, 0), dtype=int), A, B, 0.1))
    assert np.allclose(got, [[0.1095, 0], [0.8905, 0], [0, 1], [3, 3]], atol=1e-4), f"attraction only:\n{got.round(4)}"
    got = np.asarray(optimize_epoch(Y, [0, 1], [1, 0], [[2], [3]], A, B, 0.1))
    want = [[0.1095, -0.0694], [0.8888, -0.0025], [0, 1], [3, 3]]
    assert np.allclose(got, want, atol=1e-4), f"with negative samples:\n{got.round(4)}"
    assert np.array_equal(Y, [[0, 0], [1, 0], [0, 1], [3, 3]]), "optimize_epoch changed its input Y"


def test_readme_optimize_layout():
    G = np.asarray(fuzzy_union(membership_strengths(*knn_graph(X, 3))))
    got = np.asarray(optimize_layout(G, X, 3, A, B, seed=0, negative_sample_rate=2))
    want = [[1.0213, 2.125], [0.5008, 2.649], [1.1911, 1.7962], [8.8955, 3.8445], [6.8938, 6.3118], [6.9617, 6.1983]]
    assert np.allclose(got, want, atol=1e-4), f"optimize_layout(G, X, 3, A, B, seed=0, negative_sample_rate=2) is\n{got.round(4)}"
    again = np.asarray(optimize_layout(G, X, 3, A, B, seed=0, negative_sample_rate=2))
    assert np.array_equal(got, again), "two calls with the same seed should give the same layout"


def test_readme_digits():
    from sklearn.datasets import load_digits
    from sklearn.manifold import trustworthiness

    data = load_digits().data
    digits = data[np.random.default_rng(0).choice(len(data), 300, replace=False)] / 16.0
    Y = np.asarray(umap_embed(digits, 10, 200, seed=0))
    assert Y.shape == (300, 2)
    score = trustworthiness(digits, Y, n_neighbors=10)
    assert score >= 0.95, f"the UMAP map of 300 digits has trustworthiness {score:.4f}; a working one reaches about 0.97"
