"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples for cosine_scores and top_k, and the rules the statement gives for
them. They do not load the embedding model (that takes several seconds): the hidden grader also checks
get_model, embed and search against its own copy of all-MiniLM-L6-v2.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import cosine_scores, top_k  # noqa: E402


def test_cosine_example_normalises_the_vectors():
    got = np.asarray(cosine_scores(np.array([3.0, 4.0]), np.array([[6.0, 8.0], [4.0, -3.0], [0.0, 0.0]])), dtype=float)
    assert got.shape == (3,), f"cosine_scores(query of shape (2,), docs of shape (3, 2)) returned shape {got.shape}, expected (3,)"
    assert np.all(np.isfinite(got)), f"cosine_scores returned {got}: a zero vector must score 0.0, never nan"
    assert np.allclose(got, [1.0, 0.0, 0.0], atol=1e-6), (
        f"cosine_scores([3, 4], [[6, 8], [4, -3], [0, 0]]) returned {got}, expected [1, 0, 0]: "
        "divide q.x by |q| |x| (these vectors are not unit length)"
    )


def test_cosine_of_a_zero_query_is_zero():
    got = np.asarray(cosine_scores(np.zeros(3), np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 1.0]])), dtype=float)
    assert np.all(np.isfinite(got)) and np.allclose(got, [0.0, 0.0]), (
        f"cosine_scores(zero query, docs) returned {got}, expected [0.0, 0.0] (no nan)"
    )


def test_top_k_example_keeps_ties_in_index_order():
    got = top_k([0.2, 0.9, 0.2, 0.9], 3)
    assert [int(i) for i in got] == [1, 3, 0], (
        f"top_k([0.2, 0.9, 0.2, 0.9], 3) returned {got!r}, expected [1, 3, 0]: highest first, "
        "and equal scores keep the lower index first"
    )


def test_top_k_edge_cases():
    got = top_k([0.5, 0.1], 5)
    assert [int(i) for i in got] == [0, 1], f"top_k([0.5, 0.1], 5) returned {got!r}, expected every index: [0, 1]"
    got = top_k([0.5, 0.1], 0)
    assert list(got) == [], f"top_k([0.5, 0.1], 0) returned {got!r}, expected []"
    try:
        top_k([0.5, 0.1], -1)
    except ValueError:
        return
    raise AssertionError("top_k([0.5, 0.1], -1) should raise ValueError (a negative k)")
