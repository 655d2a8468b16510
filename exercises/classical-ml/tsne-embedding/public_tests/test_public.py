"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked example of README.md. The hidden grader checks more, on data, distance rows,
perplexities and layouts of its own.
"""

import os
import sys

import numpy as np
import pytest
from sklearn.decomposition import PCA

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    compare_embeddings,
    conditional_probabilities,
    conditional_row,
    find_beta,
    joint_probabilities,
    kl_cost,
    kl_gradient,
    pairwise_squared_distances,
    structure_report,
    student_t_affinities,
    tsne_embedding,
)

X = np.array([[0, 0], [1, 0], [0, 2], [4, 4], [5, 4]], dtype=float)
Y = np.array([[0, 0], [1, 0], [0, 1], [2, 2], [3, 2]], dtype=float)
P_COND = np.array([[0.0, 0.5256, 0.4118, 0.0423, 0.0203],
                   [0.5624, 0.0, 0.37, 0.0456, 0.0219],
                   [0.5019, 0.4345, 0.0, 0.0499, 0.0136],
                   [0.0547, 0.0973, 0.1468, 0.0, 0.7012],
                   [0.061, 0.1058, 0.1272, 0.706, 0.0]])


def test_readme_distances_and_rows():
    D = np.asarray(pairwise_squared_distances(X))
    assert np.allclose(D[0], [0, 1, 4, 32, 41]), f"pairwise_squared_distances(X)[0] is {D[0]}, expected [0, 1, 4, 32, 41]"
    p, perplexity = conditional_row(D[0, 1:], 1.0)
    assert np.allclose(p, [0.9526, 0.0474, 0, 0], atol=1e-4), f"conditional_row(d, 1.0) gave p = {p}"
    assert abs(perplexity - 1.2103) < 1e-4, f"conditional_row(d, 1.0) gave perplexity {perplexity}, expected 1.2103 (2 ** H in bits)"
    p, perplexity = conditional_row(D[0, 1:] + 5000.0, 1.0)  # shifting every distance changes nothing
    assert np.allclose(p, [0.9526, 0.0474, 0, 0], atol=1e-4), (
        f"conditional_row(d + 5000, 1.0) gave p = {p}: subtract the smallest distance before exponentiating"
    )


def test_readme_find_beta():
    d = np.asarray(pairwise_squared_distances(X))[0, 1:]
    beta = find_beta(d, 2.5)
    assert abs(beta - 0.0813) < 1e-3, f"find_beta(d, 2.5) returned {beta}, expected about 0.0813"
    assert abs(conditional_row(d, beta)[1] - 2.5) < 1e-4
    with pytest.raises(ValueError):
        find_beta(d, 4.0)  # four neighbours cannot reach a perplexity of 4 (that needs beta = 0)


def test_readme_probabilities():
    P_cond = np.asarray(conditional_probabilities(X, 2.5))
    assert np.allclose(P_cond, P_COND, atol=1e-4), f"conditional_probabilities(X, 2.5) is\n{P_cond.round(4)}"
    P = np.asarray(joint_probabilities(P_cond))
    assert np.allclose(P, P.T) and abs(P.sum() - 1) < 1e-9, "the joint P is symmetric and sums to 1"
    assert abs(P[0, 1] - 0.1088) < 1e-4, f"joint_probabilities(...)[0, 1] is {P[0, 1]}, expected (0.5256 + 0.5624) / 10"


def test_readme_q_cost_and_gradient():
    P = np.asarray(joint_probabilities(conditional_probabilities(X, 2.5)))
    Q = np.asarray(student_t_affinities(Y))
    assert np.allclose(Q[0], [0, 0.098, 0.098, 0.0218, 0.014], atol=1e-4), f"student_t_affinities(Y)[0] is {Q[0]}"
    assert abs(kl_cost(P, Q) - 0.057) < 1e-4, f"kl_cost(P, Q) is {kl_cost(P, Q)}, expected about 0.0570"
    grad = np.asarray(kl_gradient(P, Y))
    want = [[-0.0058, 0.0273], [0.062, 0.0123], [0.0012, 0.017], [-0.1258, -0.0439], [0.0683, -0.0127]]
    assert np.allclose(grad, want, atol=1e-4), f"kl_gradient(P, Y) is\n{grad.round(4)}"


def test_readme_part_two():
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 8, size=(5, 10))
    spreads = [0.3, 0.6, 1.0, 2.0, 3.0]
    data = np.vstack([c + rng.normal(0, s, size=(25, 10)) for c, s in zip(centers, spreads, strict=True)])
    labels = np.repeat(np.arange(5), 25)
    embedded = np.asarray(tsne_embedding(data, 20, seed=0))
    assert embedded.shape == (125, 2)
    report = structure_report(data, embedded, labels)
    assert set(report) == {"trustworthiness", "distance_correlation", "centroid_distance_correlation"}
    assert abs(report["trustworthiness"] - 0.9892) < 1e-3, f"t-SNE report: {report}"
    result = compare_embeddings(data, {"tsne": embedded, "pca": PCA(n_components=2).fit_transform(data)}, labels)
    pca = result["reports"]["pca"]
    assert abs(pca["trustworthiness"] - 0.9740) < 1e-3 and abs(pca["centroid_distance_correlation"] - 0.9605) < 1e-3, f"PCA report: {pca}"
    assert (result["best_local"], result["best_global"]) == ("tsne", "pca"), f"got {result['best_local']!r}, {result['best_global']!r}"
