"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and its tie and empty-cluster rules on tiny inputs. The hidden
grader checks more (generated blobs in 2-D and 3-D, max_iter and tol).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import assign_clusters, inertia, kmeans, update_centroids  # noqa: E402

# the statement's example
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [9.0, 9.0], [9.0, 10.0], [10.0, 9.0]])
INIT = np.array([[0.0, 0.0], [1.0, 1.0]])


def test_statement_example_assignment_and_tie_rule():
    got = np.asarray(assign_clusters(X, INIT))
    assert got.tolist() == [0, 0, 0, 1, 1, 1], f"assign_clusters(X, init) returned {got.tolist()}, expected [0, 0, 0, 1, 1, 1]"
    # [1, 0] is exactly as close to [0, 0] as to [2, 0]: the lowest index wins
    got = np.asarray(assign_clusters(np.array([[1.0, 0.0]]), np.array([[0.0, 0.0], [2.0, 0.0]])))
    assert got.tolist() == [0], f"a point as close to centroid 0 as to centroid 1 should go to 0, got {got.tolist()}"


def test_statement_example_kmeans():
    centroids, labels, n_iter = kmeans(X, INIT)
    assert np.allclose(centroids, [[1 / 3, 1 / 3], [28 / 3, 28 / 3]]), (
        f"final centroids {np.round(centroids, 6).tolist()}, expected [[0.333333, 0.333333], [9.333333, 9.333333]]"
    )
    assert np.asarray(labels).tolist() == [0, 0, 0, 1, 1, 1], f"labels {np.asarray(labels).tolist()}, expected [0, 0, 0, 1, 1, 1]"
    assert isinstance(n_iter, int) and n_iter == 2, (
        f"n_iter is {n_iter!r}, expected the int 2: the first step moves the centroids, the second finds no "
        "change and stops (it counts too)"
    )
    assert INIT.tolist() == [[0.0, 0.0], [1.0, 1.0]], "kmeans should not modify init_centroids (start from a copy)"


def test_max_iter_limits_the_number_of_steps():
    centroids, labels, n_iter = kmeans(X, INIT, max_iter=1)
    assert n_iter == 1, f"kmeans(X, init, max_iter=1) returned n_iter={n_iter!r}, expected 1"
    assert np.allclose(centroids, [[1 / 3, 1 / 3], [28 / 3, 28 / 3]]), "after one step the centroids are the means of the first assignment"


def test_statement_example_inertia_is_a_sum_of_squares():
    got = inertia(X, np.array([[1 / 3, 1 / 3], [28 / 3, 28 / 3]]), np.array([0, 0, 0, 1, 1, 1]))
    assert isinstance(got, float), f"inertia should return a float, got {type(got).__name__}"
    assert np.isclose(got, 8 / 3), f"inertia returned {got}, expected 2.666...: the sum of SQUARED distances"


def test_statement_example_empty_cluster_keeps_its_centroid():
    old = np.array([[1.0, 1.0], [5.0, 5.0]])
    got = np.asarray(update_centroids(X, np.zeros(6, dtype=int), old))
    assert not np.isnan(got).any(), f"update_centroids returned NaN for an empty cluster: {got.tolist()}"
    assert np.allclose(got, [[29 / 6, 29 / 6], [5.0, 5.0]]), (
        f"got {np.round(got, 6).tolist()}, expected [[4.833333, 4.833333], [5.0, 5.0]] (cluster 1 is empty and keeps [5, 5])"
    )
    assert old.tolist() == [[1.0, 1.0], [5.0, 5.0]], "update_centroids should return a NEW array, not modify `centroids`"
