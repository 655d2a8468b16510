"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement and a few rules it states. The hidden grader checks more
(repeated ids, binary and graded relevance, other lists, more evaluate cases).
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import evaluate, ndcg_at_k, precision_at_k, recall_at_k, reciprocal_rank  # noqa: E402

RETRIEVED = ["d3", "d1", "d7", "d2"]
RELEVANT = {"d1", "d2", "d9"}


def test_precision_recall_and_reciprocal_rank_examples():
    got = precision_at_k(RETRIEVED, RELEVANT, 2)
    assert abs(got - 0.5) < 1e-9, f"precision_at_k({RETRIEVED}, {sorted(RELEVANT)}, 2) returned {got}, expected 0.5"
    got = recall_at_k(RETRIEVED, RELEVANT, 4)
    assert abs(got - 2 / 3) < 1e-9, f"recall_at_k({RETRIEVED}, {sorted(RELEVANT)}, 4) returned {got}, expected 2/3"
    got = reciprocal_rank(RETRIEVED, RELEVANT)
    assert abs(got - 0.5) < 1e-9, (
        f"reciprocal_rank({RETRIEVED}, {sorted(RELEVANT)}) returned {got}, expected 0.5 (positions start at 1)"
    )


def test_precision_always_divides_by_k():
    got = precision_at_k(["a"], {"a"}, 4)
    assert abs(got - 0.25) < 1e-9, (
        f"precision_at_k(['a'], {{'a'}}, 4) returned {got}, expected 0.25: divide by k even when fewer "
        "than k documents were retrieved"
    )


def test_ndcg_example_uses_every_judged_document():
    grades = {"d1": 2, "d2": 1, "d9": 3}
    got = ndcg_at_k(RETRIEVED, grades, 3)
    dcg = 3 / math.log2(3)
    idcg = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert abs(got - dcg / idcg) < 1e-9, (
        f"ndcg_at_k({RETRIEVED}, {grades}, 3) returned {got}, expected {dcg / idcg:.4f} (DCG@3 = 3 / log2(3); "
        "the ideal ranking d9, d1, d2 includes d9, which the retriever missed)"
    )


def test_evaluate_skips_queries_without_relevant_documents():
    run = {"q1": ["d1", "d2"]}
    qrels = {"q1": {"d2": 1}, "q2": {"d5": 0}, "q3": {"d4": 2}}
    got = evaluate(run, qrels, 2)
    # q1: precision 1/2, recall 1, reciprocal rank 1/2, nDCG (1 / log2(3)) / 1; q3 is not in the run: all 0;
    # q2 has no relevant document: skipped.
    want = {"precision": 0.25, "recall": 0.5, "mrr": 0.25, "ndcg": (1 / math.log2(3)) / 2}
    call = f"evaluate(run={run}, qrels={qrels}, k=2)"
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    assert got.get("queries") == 2, f"{call}['queries'] is {got.get('queries')!r}, expected 2 (q1 and q3; q2 is skipped)"
    assert list(got.get("skipped", [])) == ["q2"], f"{call}['skipped'] is {got.get('skipped')!r}, expected ['q2']"
    for name, value in want.items():
        assert abs(float(got.get(name, -1)) - value) < 1e-9, (
            f"{call}[{name!r}] is {got.get(name)!r}, expected {value:.6f} (the mean over q1 and q3; "
            "q3 is missing from the run, so it scores 0)"
        )


def test_k_below_one_raises():
    try:
        precision_at_k(RETRIEVED, RELEVANT, 0)
    except ValueError:
        return
    raise AssertionError("precision_at_k(..., k=0) should raise ValueError (k must be at least 1)")
