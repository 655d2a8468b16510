"""Hidden grader for rag/reranking."""

from gradient_grader import StudentError, assert_close, expected, points, shows_expected


def _raises_value_error(call, fn, *args, **kwargs):
    try:
        got = fn(*args, **kwargs)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r:.200}, expected ValueError")


def _pairs(got, call):
    assert isinstance(got, list), f"{call} should return a list of (id, score) pairs, got {type(got).__name__}: {got!r:.200}"
    out = []
    for item in got:
        assert isinstance(item, (list, tuple)) and len(item) == 2, f"{call}: every item should be (id, score), got {item!r}"
        out.append((item[0], float(item[1])))
    return out


def _check_ranked(got, want, call, hint=""):
    got = _pairs(got, call)
    ids = [i for i, _ in got]
    want_ids = [i for i, _ in want]
    assert ids == want_ids, f"{call} returned the ids {ids}, expected {expected(want_ids)}. {hint}"
    assert_close([s for _, s in got], [s for _, s in want], rtol=1e-9, atol=1e-12, what=f"the scores of {call}")


@shows_expected
@points(2)
def test_rerank_by_scores(student):
    candidates = ["d1", "d2", "d3", "d4", "d5"]
    scores = {"d1": -1.2, "d2": 3.4, "d3": 0.5, "d4": 7.0, "d5": 2.2, "other": 99.0}
    call = f"rerank({candidates}, {scores})"
    got = student.rerank(candidates, scores)
    want = ["d4", "d2", "d5", "d3", "d1"]
    assert got == want, f"{call} returned {got!r}, expected {want!r} (highest score first; ids that are not candidates are ignored)"
    call = f"rerank({candidates}, {scores}, top_n=2)"
    got = student.rerank(candidates, scores, top_n=2)
    assert got == ["d4", "d2"], f"{call} returned {got!r}, expected ['d4', 'd2']"


@shows_expected
@points(2)
def test_rerank_ties_duplicates_and_errors(student):
    candidates = ["zeta", "alpha", "mid", "beta", "alpha"]
    scores = {"zeta": 0.5, "alpha": 0.5, "mid": 0.9, "beta": 0.5}
    call = f"rerank({candidates}, {scores})"
    got = student.rerank(candidates, scores)
    want = ["mid", "zeta", "alpha", "beta"]
    assert got == want, (
        f"{call} returned {got!r}, expected {want!r} (equal scores keep the first-stage order, not alphabetical "
        "order; a repeated candidate is kept once)"
    )
    call = f"rerank({candidates}, {scores}, top_n=10)"
    got = student.rerank(candidates, scores, top_n=10)
    assert got == want, f"{call} returned {got!r}, expected {want!r}"
    got = student.rerank(candidates, scores, top_n=0)
    assert got == [], f"rerank(..., top_n=0) returned {got!r}, expected []"
    _raises_value_error("rerank(['a', 'b'], {'a': 1.0})", student.rerank, ["a", "b"], {"a": 1.0})
    _raises_value_error("rerank(['a'], {'a': 1.0}, top_n=-1)", student.rerank, ["a"], {"a": 1.0}, top_n=-1)


@shows_expected
@points(2)
def test_feature_scores(student):
    cases = [
        ("solar panel cost", "The cost of a solar panel fell", {"overlap": 1.0, "bigram": 0.5, "early": 0.5}),
        ("Solar solar PANEL prices", "prices of wind turbines; solar-panel prices", {"overlap": 1.0, "bigram": 2 / 3, "early": 1.0}),
        ("new york pizza", "Pizza in New Jersey", {"overlap": 2 / 3, "bigram": 0.0, "early": 1.0}),
        ("machine learning", "Deep networks learn; machine translation", {"overlap": 0.5, "bigram": 0.0, "early": 1 / 4}),
        ("cat cat dog", "a dog barks at a cat", {"overlap": 1.0, "bigram": 0.0, "early": 1 / 2}),
        ("cat cat dog", "a dog barks", {"overlap": 0.5, "bigram": 0.0, "early": 1 / 2}),
        ("rust", "Iron oxide forms on steel", {"overlap": 0.0, "bigram": 0.0, "early": 0.0}),
        ("!!!", "anything at all", {"overlap": 0.0, "bigram": 0.0, "early": 0.0}),
    ]
    for query, passage, want in cases:
        call = f"feature_scores({query!r}, {passage!r})"
        got = student.feature_scores(query, passage)
        assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
        assert set(got) >= set(want), f"{call} returned the keys {sorted(got)}, expected {sorted(want)}"
        for name in ("overlap", "bigram", "early"):
            assert_close(got[name], want[name], rtol=1e-9, atol=1e-12,
                         what=f"{call}[{name!r}] (overlap and bigram count distinct query tokens and bigrams)")


@points(2)
def test_rerank_with_features(student):
    query = "battery storage for solar power"
    passages = [
        ("w9", "Wind power is growing fast."),
        ("s2", "Solar power needs battery storage at night."),
        ("s1", "For solar power, battery storage is key."),
        ("c7", "Cooking with a solar oven."),
        ("w1", "Wind power is growing fast."),
    ]
    weights = {"overlap": 2.0, "bigram": 1.0, "early": 0.5}
    want = []
    for pid, text in passages:
        f = {
            "w9": (1 / 5, 0.0, 1 / 2), "s2": (4 / 5, 2 / 4, 1.0), "s1": (5 / 5, 3 / 4, 1.0),
            "c7": (1 / 5, 0.0, 1 / 4), "w1": (1 / 5, 0.0, 1 / 2),
        }[pid]
        want.append((pid, 2.0 * f[0] + 1.0 * f[1] + 0.5 * f[2]))
    want.sort(key=lambda pair: -pair[1])
    call = f"rerank_with_features({query!r}, passages, {weights})"
    _check_ranked(student.rerank_with_features(query, passages, weights), want, call,
                  "Score = sum of weight * feature; ties (w9 and w1) keep the input order.")
    call = f"rerank_with_features({query!r}, passages, {{'early': 1.0}}, top_n=2)"
    got = _pairs(student.rerank_with_features(query, passages, {"early": 1.0}, top_n=2), call)
    assert [i for i, _ in got] == ["s2", "s1"], f"{call} returned {got!r}, expected {expected(['s2', 's1'])} (ties keep the input order)"
    _raises_value_error("rerank_with_features(query, passages, {'overlapp': 1.0})", student.rerank_with_features,
                        query, passages, {"overlapp": 1.0})


@shows_expected
@points(2)
def test_rrf_scores(student):
    rankings = [["a", "b", "c", "d"], ["c", "a", "e"], ["b", "c"]]
    want = {
        "a": 1 / 61 + 1 / 62, "b": 1 / 62 + 1 / 61, "c": 1 / 63 + 1 / 61 + 1 / 62,
        "d": 1 / 64, "e": 1 / 63,
    }
    ordered = sorted(want.items(), key=lambda pair: (-pair[1], pair[0]))
    call = f"reciprocal_rank_fusion({rankings})"
    _check_ranked(student.reciprocal_rank_fusion(rankings), ordered, call,
                  "RRF(d) = sum of 1 / (k + rank) with ranks starting at 1 and k = 60.")
    call = "reciprocal_rank_fusion([['x', 'y', 'z'], ['y', 'x']], k=1)"
    want = [("x", 1 / 2 + 1 / 3), ("y", 1 / 3 + 1 / 2), ("z", 1 / 4)]
    _check_ranked(student.reciprocal_rank_fusion([["x", "y", "z"], ["y", "x"]], k=1), want, call,
                  "Equal scores are ordered by id.")


@shows_expected
@points(1)
def test_rrf_duplicates_top_n_and_k(student):
    rankings = [["m", "m", "n"], ["n", "q"]]
    call = f"reciprocal_rank_fusion({rankings}, k=2)"
    want = [("n", 1 / 5 + 1 / 3), ("m", 1 / 3), ("q", 1 / 4)]
    _check_ranked(student.reciprocal_rank_fusion(rankings, k=2), want, call,
                  "A repeated id counts once, at its best position; the others keep their positions.")
    call = f"reciprocal_rank_fusion({rankings}, k=2, top_n=1)"
    got = _pairs(student.reciprocal_rank_fusion(rankings, k=2, top_n=1), call)
    assert [i for i, _ in got] == ["n"], f"{call} returned {got!r}, expected only 'n'"
    got = student.reciprocal_rank_fusion([], k=60)
    assert got == [], f"reciprocal_rank_fusion([]) returned {got!r}, expected []"
    _raises_value_error("reciprocal_rank_fusion([['a']], k=0)", student.reciprocal_rank_fusion, [["a"]], k=0)
