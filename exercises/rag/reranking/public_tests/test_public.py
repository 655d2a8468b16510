"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and a few rules it states. The hidden grader checks more
(other candidates and passages, duplicates, top_n and the errors).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import feature_scores, reciprocal_rank_fusion, rerank, rerank_with_features  # noqa: E402


def _same_pairs(got, want):
    return len(got) == len(want) and all(g[0] == w[0] and abs(float(g[1]) - w[1]) < 1e-9 for g, w in zip(got, want, strict=True))


def test_rerank_example():
    got = rerank(["a", "b", "c", "d"], {"a": 0.1, "b": 0.7, "c": 0.1, "d": 0.9})
    assert got == ["d", "b", "a", "c"], (
        f"rerank(['a', 'b', 'c', 'd'], {{'a': 0.1, 'b': 0.7, 'c': 0.1, 'd': 0.9}}) returned {got!r}, "
        "expected ['d', 'b', 'a', 'c'] (highest score first)"
    )


def test_rerank_ties_keep_the_first_stage_order():
    got = rerank(["y", "x"], {"x": 0.5, "y": 0.5})
    assert got == ["y", "x"], (
        f"rerank(['y', 'x'], {{'x': 0.5, 'y': 0.5}}) returned {got!r}, expected ['y', 'x']: "
        "equal scores keep their first-stage order (not alphabetical order)"
    )
    try:
        rerank(["a", "b"], {"a": 1.0})
    except ValueError:
        return
    raise AssertionError("rerank(['a', 'b'], {'a': 1.0}) should raise ValueError: 'b' has no score")


def test_feature_scores_example_and_distinct_tokens():
    got = feature_scores("solar panel cost", "The cost of a solar panel fell")
    want = {"overlap": 1.0, "bigram": 0.5, "early": 0.5}
    assert isinstance(got, dict) and all(abs(float(got.get(k, -1)) - v) < 1e-9 for k, v in want.items()), (
        f"feature_scores('solar panel cost', 'The cost of a solar panel fell') returned {got!r}, expected {want!r}"
    )
    got = feature_scores("red red car", "a car")
    assert abs(float(got["overlap"]) - 0.5) < 1e-9, (
        f"feature_scores('red red car', 'a car')['overlap'] is {got['overlap']}, expected 0.5: "
        "the query has 2 distinct tokens (red, car) and 1 of them is in the passage"
    )


def test_rerank_with_features_example():
    got = rerank_with_features("solar panel cost",
                               [("p1", "Wind is cheap"), ("p2", "The cost of a solar panel fell")],
                               {"overlap": 1.0, "early": 0.5})
    assert _same_pairs(got, [("p2", 1.25), ("p1", 0.0)]), (
        f"rerank_with_features(...) returned {got!r}, expected [('p2', 1.25), ('p1', 0.0)] "
        "(score = 1.0 * overlap + 0.5 * early)"
    )


def test_rrf_example():
    got = reciprocal_rank_fusion([["x", "y", "z"], ["y", "x"]], k=1)
    want = [("x", 1 / 2 + 1 / 3), ("y", 1 / 3 + 1 / 2), ("z", 1 / 4)]
    assert _same_pairs(got, want), (
        f"reciprocal_rank_fusion([['x', 'y', 'z'], ['y', 'x']], k=1) returned {got!r}, expected {want!r}: "
        "ranks start at 1, and equal scores are ordered by id"
    )
