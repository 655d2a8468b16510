"""Hidden grader for rag/bm25-hybrid (a notebook exercise; the notebook runs as the module)."""

import math
import re

from gradient_grader import StudentError, assert_close, points, shows_expected

CORPUS = [
    "Solar panels convert sunlight into electricity.",
    "Wind turbines convert the energy of wind into electricity, and wind farms need space.",
    "The electricity grid balances supply and demand.",
    "Batteries store electricity for the night.",
    "A cat sleeps in the sun.",
    "",
]


def _tok(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def _idf(docs):
    n = len(docs)
    df = {}
    for doc in docs:
        for term in set(_tok(doc)):
            df[term] = df.get(term, 0) + 1
    return {t: math.log((n - c + 0.5) / (c + 0.5) + 1) for t, c in df.items()}


def _bm25(query, docs, k1=1.5, b=0.75):
    toks = [_tok(d) for d in docs]
    if not docs:
        return []
    avgdl = sum(map(len, toks)) / len(toks)
    if avgdl == 0:
        return [0.0] * len(docs)
    idf = _idf(docs)
    out = []
    for tokens in toks:
        s = 0.0
        for term in set(_tok(query)):
            f = tokens.count(term)
            if f:
                s += idf[term] * f * (k1 + 1) / (f + k1 * (1 - b + b * len(tokens) / avgdl))
        out.append(s)
    return out


def _mm(xs):
    if not xs:
        return []
    lo, hi = min(xs), max(xs)
    return [0.0] * len(xs) if hi == lo else [(x - lo) / (hi - lo) for x in xs]


def _floats(got, call, n):
    assert isinstance(got, (list, tuple)), f"{call} should return a list of floats, got {type(got).__name__}: {got!r:.200}"
    assert len(got) == n, f"{call} returned {len(got)} values, expected one per document: {got!r:.300}"
    return [float(x) for x in got]


def _raises_value_error(call, fn, *args, **kwargs):
    try:
        got = fn(*args, **kwargs)
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r:.200}, expected ValueError")


@shows_expected
@points(1)
def test_tokenize(student):
    cases = {
        "BM25, by Robertson!": ["bm25", "by", "robertson"],
        "Hybrid-search: dense+sparse (2024)": ["hybrid", "search", "dense", "sparse", "2024"],
        "  ...  ": [],
        "Café au lait": ["caf", "au", "lait"],
    }
    for text, want in cases.items():
        got = student.tokenize(text)
        assert got == want, f"tokenize({text!r}) returned {got!r}, expected {want!r}"


@points(2)
def test_idf_with_plus_one(student):
    docs = ["a b c", "a b", "a a a d", "e"]
    call = f"compute_idf({docs!r})"
    got = student.compute_idf(docs)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}"
    want = _idf(docs)
    assert set(got) == set(want), f"{call} has the terms {sorted(got)}, expected every term of the documents, once"
    for term in sorted(want):
        assert_close(got[term], want[term], rtol=1e-9, atol=1e-9,
                     what=f"{call}[{term!r}] (n(t) counts documents, IDF = ln((N - n + 0.5)/(n + 0.5) + 1))")
    assert got["a"] > 0, f"{call}['a'] is {got['a']}: with the + 1 inside the log, IDF is positive even for common terms"
    call = f"compute_idf(CORPUS) with CORPUS = {CORPUS!r}"
    got = student.compute_idf(CORPUS)
    want = _idf(CORPUS)
    for term in ("electricity", "wind", "the", "cat", "into"):
        assert_close(got.get(term), want[term], rtol=1e-9, what=f"{call}[{term!r}]")


@points(2)
def test_bm25_default_parameters(student):
    for query in ("wind electricity", "electricity", "cat in the sun", "nuclear fusion", "wind wind wind"):
        call = f"bm25_scores({query!r}, CORPUS)"
        got = _floats(student.bm25_scores(query, CORPUS), call, len(CORPUS))
        assert_close(got, _bm25(query, CORPUS), rtol=1e-6, atol=1e-9,
                     what=f"{call} (CORPUS = {CORPUS!r:.500})")


@points(2)
def test_bm25_k1_and_b(student):
    docs = ["apple apple apple banana", "apple banana cherry date elder fig grape", "kiwi"]
    for k1, b in ((1.2, 0.0), (2.0, 1.0), (0.5, 0.3)):
        call = f"bm25_scores('apple banana', {docs!r}, k1={k1}, b={b})"
        got = _floats(student.bm25_scores("apple banana", docs, k1=k1, b=b), call, 3)
        assert_close(got, _bm25("apple banana", docs, k1, b), rtol=1e-6, atol=1e-9,
                     what=call + " (b scales the length normalisation |D| / avgdl)")
    call = "bm25_scores('x', ['', ''])"
    got = _floats(student.bm25_scores("x", ["", ""]), call, 2)
    assert got == [0.0, 0.0], f"{call} returned {got}, expected [0.0, 0.0] (avgdl is 0)"
    got = student.bm25_scores("x", [])
    assert list(got) == [], f"bm25_scores('x', []) returned {got!r}, expected []"


@shows_expected
@points(1)
def test_minmax_edges(student):
    cases = [([2.0, 4.0, 3.0], [0.0, 1.0, 0.5]), ([5.0, 5.0], [0.0, 0.0]), ([7.0], [0.0]), ([], []),
             ([-1.0, 0.0, 1.0], [0.0, 0.5, 1.0])]
    for scores, want in cases:
        call = f"minmax({scores})"
        got = student.minmax(scores)
        assert isinstance(got, (list, tuple)), f"{call} should return a list, got {type(got).__name__}"
        assert len(got) == len(want), f"{call} returned {got!r}, expected {want!r}"
        if want:
            assert_close(list(got), want, what=call + " (equal scores all map to 0.0)")


@points(2)
def test_hybrid_scores(student):
    dense = [0.61, 0.55, 0.32, 0.40, -0.05, 0.0]
    for query, alpha in (("wind electricity", 0.5), ("electricity grid", 0.3), ("cat", 1.0), ("sun", 0.0)):
        call = f"hybrid_scores({query!r}, CORPUS, {dense}, alpha={alpha})"
        got = _floats(student.hybrid_scores(query, CORPUS, dense, alpha=alpha), call, len(CORPUS))
        want = [alpha * s + (1 - alpha) * d for s, d in zip(_mm(_bm25(query, CORPUS)), _mm(dense))]
        assert_close(got, want, rtol=1e-6, atol=1e-9,
                     what=call + " (min-max normalise BM25 and the dense scores before mixing)")
    _raises_value_error("hybrid_scores('cat', CORPUS, [0.1, 0.2])", student.hybrid_scores, "cat", CORPUS, [0.1, 0.2])
    _raises_value_error("hybrid_scores('cat', CORPUS, dense, alpha=1.5)", student.hybrid_scores, "cat", CORPUS, dense, alpha=1.5)
    _raises_value_error("hybrid_scores('cat', CORPUS, dense, alpha=-0.1)", student.hybrid_scores, "cat", CORPUS, dense, alpha=-0.1)


@shows_expected
@points(1)
def test_hybrid_search_order(student):
    docs = ["red apple", "green apple", "red car", "blue sky"]
    dense = [0.5, 0.5, 0.1, 0.9]
    # BM25 for "apple" ties docs 0 and 1 and the dense scores tie them too: lower index first.
    call = f"hybrid_search('apple', {docs!r}, {dense}, k=3, alpha=0.5)"
    got = student.hybrid_search("apple", docs, dense, k=3, alpha=0.5)
    scores = [0.5 * s + 0.5 * d for s, d in zip(_mm(_bm25("apple", docs)), _mm(dense))]
    want = sorted(range(4), key=lambda i: (-scores[i], i))[:3]
    assert list(got) == want, f"{call} returned {got!r}, expected {want!r} (best first, ties by lower index)"
    call = f"hybrid_search('apple', {docs!r}, {dense}, k=10)"
    got = student.hybrid_search("apple", docs, dense, k=10)
    assert sorted(got) == [0, 1, 2, 3], f"{call} returned {got!r}, expected all 4 indices"
