"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example. The hidden grader compares with scipy.cluster.hierarchy on points
drawn for each submission and checks the tie rule on integer grids.
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402

X = np.array([[0.0], [1.0], [5.0], [7.0], [20.0]])
SINGLE = [[0, 1, 1, 2], [2, 3, 2, 2], [5, 6, 4, 4], [4, 7, 13, 5]]


def test_example_single():
    got = np.asarray(solution.linkage_matrix(X, "single"))
    assert got.shape == (4, 4), f"shape {got.shape}, expected (4, 4)"
    assert np.allclose(got, SINGLE), f"got {got.tolist()}, expected {SINGLE}"


def test_example_complete_and_average():
    assert np.allclose(solution.linkage_matrix(X, "complete")[2:], [[5, 6, 7, 4], [4, 7, 20, 5]])
    assert np.allclose(solution.linkage_matrix(X, "average")[2:], [[5, 6, 5.5, 4], [4, 7, 16.75, 5]])


def test_tie_rule_small():
    # pairs 0-1 and 1-2 are both at distance 1: pair (0, 1) comes first
    got = np.asarray(solution.linkage_matrix(np.array([[0.0], [1.0], [2.0]]), "single"))
    assert got[0, :2].tolist() == [0, 1], f"first merge {got[0, :2].tolist()}, expected [0, 1] (smallest ids on a tie)"
    assert got[1].tolist() == [2, 3, 1, 3], f"second merge {got[1].tolist()}, expected [2, 3, 1, 3]"


def test_example_cut_tree():
    Z = np.array(SINGLE, dtype=float)
    assert np.asarray(solution.cut_tree(Z, 3)).tolist() == [0, 0, 1, 1, 2]
    assert np.asarray(solution.cut_tree(Z, 2)).tolist() == [0, 0, 0, 0, 1]
    assert np.asarray(solution.cut_tree(Z, 5)).tolist() == [0, 1, 2, 3, 4]


def test_unknown_method():
    with pytest.raises(ValueError):
        solution.linkage_matrix(X, "centroid-ish")
