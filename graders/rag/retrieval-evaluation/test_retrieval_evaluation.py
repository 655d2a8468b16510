"""Hidden grader for rag/retrieval-evaluation."""

import math

from gradient_grader import StudentError, assert_close, points, shows_expected


def _dcg(gains):
    return sum(g / math.log2(i + 1) for i, g in enumerate(gains, start=1))


def _num(got, call):
    assert isinstance(got, (int, float)) and not isinstance(got, bool), (
        f"{call} should return a number, got {type(got).__name__}: {got!r:.200}"
    )
    return float(got)


def _raises_value_error(call, fn, *args):
    try:
        got = fn(*args)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r:.200}, expected ValueError")


@shows_expected
@points(2)
def test_precision_and_recall(student):
    retrieved = ["d3", "d1", "d7", "d2", "d8", "d9"]
    relevant = {"d1", "d2", "d9", "d4"}
    for k, p, r in ((1, 0 / 1, 0 / 4), (2, 1 / 2, 1 / 4), (4, 2 / 4, 2 / 4), (6, 3 / 6, 3 / 4)):
        call = f"precision_at_k({retrieved}, {sorted(relevant)}, {k})"
        assert_close(_num(student.precision_at_k(retrieved, relevant, k), call), p, rtol=1e-9, what=call)
        call = f"recall_at_k({retrieved}, {sorted(relevant)}, {k})"
        assert_close(_num(student.recall_at_k(retrieved, relevant, k), call), r, rtol=1e-9, what=call)
    call = "recall_at_k(['a', 'b'], [], 2)"
    assert_close(_num(student.recall_at_k(["a", "b"], [], 2), call), 0.0, what=call + " (no relevant ids: 0.0)")


@shows_expected
@points(1)
def test_short_lists_and_repeats(student):
    call = "precision_at_k(['a', 'b'], {'a', 'b'}, 5)"
    got = _num(student.precision_at_k(["a", "b"], {"a", "b"}, 5), call)
    assert_close(got, 2 / 5, rtol=1e-9, what=call + " (always divide by k, even when fewer than k were retrieved)")
    retrieved = ["a", "a", "x", "a", "b"]
    call = f"precision_at_k({retrieved}, {{'a', 'b'}}, 4)"
    got = _num(student.precision_at_k(retrieved, {"a", "b"}, 4), call)
    assert_close(got, 1 / 4, rtol=1e-9, what=call + " (a repeated id counts only at its first position)")
    call = f"recall_at_k({retrieved}, {{'a', 'b'}}, 5)"
    got = _num(student.recall_at_k(retrieved, {"a", "b"}, 5), call)
    assert_close(got, 2 / 2, rtol=1e-9, what=call)
    call = "precision_at_k([], {'a'}, 3)"
    assert_close(_num(student.precision_at_k([], {"a"}, 3), call), 0.0, what=call)


@shows_expected
@points(1)
def test_reciprocal_rank(student):
    cases = [
        (["x", "y", "a"], {"a", "b"}, 1 / 3),
        (["b", "a"], {"a", "b"}, 1.0),
        (["x", "y"], {"a"}, 0.0),
        ([], {"a"}, 0.0),
        (["x"] * 12 + ["a"], {"a"}, 1 / 13),
    ]
    for retrieved, relevant, want in cases:
        call = f"reciprocal_rank({retrieved}, {sorted(relevant)})"
        assert_close(_num(student.reciprocal_rank(retrieved, relevant), call), want, rtol=1e-9,
                     what=call + " (positions start at 1; no cut-off)")


@shows_expected
@points(2)
def test_ndcg_binary(student):
    grades = {"a": 1, "b": 1, "c": 1}
    cases = [
        (["a", "b", "c"], 3, 1.0),
        (["x", "a", "y", "b"], 4, _dcg([0, 1, 0, 1]) / _dcg([1, 1, 1])),
        (["x", "y", "z"], 3, 0.0),
        (["c", "x"], 1, 1.0),
        (["x", "c"], 2, (1 / math.log2(3)) / _dcg([1, 1])),
    ]
    for retrieved, k, want in cases:
        call = f"ndcg_at_k({retrieved}, {grades}, {k})"
        assert_close(_num(student.ndcg_at_k(retrieved, grades, k), call), want, rtol=1e-9, atol=1e-12,
                     what=call + " (DCG = sum of gain / log2(position + 1), positions from 1)")
    call = "ndcg_at_k(['a', 'b'], {'a': 0, 'b': 0}, 2)"
    assert_close(_num(student.ndcg_at_k(["a", "b"], {"a": 0, "b": 0}, 2), call), 0.0,
                 what=call + " (IDCG is 0, so nDCG is 0.0)")


@shows_expected
@points(2)
def test_ndcg_graded_and_ideal_from_judgements(student):
    grades = {"d1": 2, "d2": 1, "d9": 3, "d5": 0}
    retrieved = ["d3", "d1", "d7", "d2"]
    for k in (3, 4, 10):
        gains = [0, 3, 0, 1][:k]
        ideal = sorted([3, 1, 7, 0], reverse=True)[:k]
        want = _dcg(gains) / _dcg(ideal)
        call = f"ndcg_at_k({retrieved}, {grades}, {k})"
        assert_close(_num(student.ndcg_at_k(retrieved, grades, k), call), want, rtol=1e-9,
                     what=call + " (gain = 2**grade - 1; the ideal order uses every judged document, "
                                 "including d9 that was not retrieved)")
    retrieved = ["d9", "d9", "d1"]
    call = f"ndcg_at_k({retrieved}, {grades}, 3)"
    want = _dcg([7, 0, 3]) / _dcg([7, 3, 1])
    assert_close(_num(student.ndcg_at_k(retrieved, grades, 3), call), want, rtol=1e-9,
                 what=call + " (a repeated id gains nothing)")


@shows_expected
@points(2)
def test_evaluate(student):
    run = {
        "q1": ["a", "b", "c"],
        "q2": ["x", "y", "z"],
        "q4": ["m", "n"],
        "extra": ["a"],
    }
    qrels = {
        "q1": {"a": 1, "c": 2},
        "q2": {"z": 1, "w": 1},
        "q3": {"p": 1},  # missing from the run: scores 0
        "q4": {"m": 0, "n": 0},  # nothing relevant: skipped
    }
    k = 2
    p = [1 / 2, 0 / 2, 0.0]
    r = [1 / 2, 0 / 2, 0.0]
    rr = [1.0, 1 / 3, 0.0]
    nd = [
        (1 / 1) / _dcg([3, 1]),
        0.0,
        0.0,
    ]
    want = {"precision": sum(p) / 3, "recall": sum(r) / 3, "mrr": sum(rr) / 3, "ndcg": sum(nd) / 3}
    call = f"evaluate(run={run}, qrels={qrels}, k=2)"
    got = student.evaluate(run, qrels, k)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    for name, value in want.items():
        assert name in got, f"{call} has no key {name!r}: {got!r}"
        assert_close(got[name], value, rtol=1e-9, atol=1e-12,
                     what=f"{call}[{name!r}] (mean over the 3 queries with relevant documents; q3 retrieved nothing)")
    assert got.get("queries") == 3, f"{call}['queries'] is {got.get('queries')!r}, expected 3 (q4 has no relevant document)"
    assert list(got.get("skipped", [])) == ["q4"], f"{call}['skipped'] is {got.get('skipped')!r}, expected ['q4']"
    call = "evaluate({}, {'q': {'a': 0}}, 3)"
    got = student.evaluate({}, {"q": {"a": 0}}, 3)
    for name in ("precision", "recall", "mrr", "ndcg"):
        assert_close(got.get(name), 0.0, what=f"{call}[{name!r}] (no query evaluated)")
    assert got.get("queries") == 0 and list(got.get("skipped", [])) == ["q"], f"{call} returned {got!r}"


@points(1)
def test_k_must_be_positive(student):
    _raises_value_error("precision_at_k(['a'], {'a'}, 0)", student.precision_at_k, ["a"], {"a"}, 0)
    _raises_value_error("recall_at_k(['a'], {'a'}, -2)", student.recall_at_k, ["a"], {"a"}, -2)
    _raises_value_error("ndcg_at_k(['a'], {'a': 1}, 0)", student.ndcg_at_k, ["a"], {"a": 1}, 0)
