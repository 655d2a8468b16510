"""Hidden grader for rag/vector-index-faiss.

Most tests use small synthetic vectors (dimension 32, drawn per submission, rows of very different lengths so
that an inner product on raw vectors ranks differently from cosine similarity); the expected rankings are
computed here with NumPy. Two tests use the real all-MiniLM-L6-v2 in the student box, compared with the
model's stored embeddings of the grader's fixed texts (data/).
The student's FAISS indexes stay in the student box; the grader reads their attributes and calls `search`.
"""

import faiss
import numpy as np

from gradient_grader import (
    Remote,
    StudentError,
    assert_close,
    call_timeout,
    data_path,
    expected,
    points,
    shows_expected,
    submission_rng,
)

SLUG = "rag/vector-index-faiss"
DIM = 32

DOCS = {
    11: ("Knead the dough, let it rise for an hour, then bake the bread at 220 degrees.", {"topic": "food", "lang": "en"}),
    12: ("A slow-cooked tomato sauce needs garlic, olive oil and patience.", {"topic": "food", "lang": "en"}),
    13: ("Fresh pasta is made from flour and eggs, rolled thin and cut into ribbons.", {"topic": "food", "lang": "en"}),
    21: ("The striker scored twice in the second half and the team won the cup.", {"topic": "sport", "lang": "en"}),
    22: ("Marathon runners train for months to build endurance.", {"topic": "sport", "lang": "en"}),
    31: ("The central bank raised interest rates to slow inflation.", {"topic": "finance", "lang": "en"}),
    32: ("Index funds spread an investment across hundreds of companies.", {"topic": "finance", "lang": "en"}),
    41: ("Le pain se cuit au four après une longue fermentation.", {"topic": "food", "lang": "fr"}),
    42: ("Python dictionaries map keys to values with fast lookups.", {"topic": "code", "lang": "en"}),
}

_STORED = {}


def _encode(texts):
    """all-MiniLM-L6-v2's embeddings of the grader's fixed texts, normalised, from data/minilm_embeddings.npz
    (made once in the ml image, each text encoded on its own: see STAFF_NOTES.md), so that the grader box does
    not load a second copy of the model."""
    if not _STORED:
        with np.load(data_path("minilm_embeddings.npz"), allow_pickle=False) as stored:
            _STORED.update(zip(stored["texts"].tolist(), stored["vectors"].astype(np.float64), strict=True))
    vectors = np.stack([_STORED[text] for text in texts])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


# --------------------------------------------------------------------------- synthetic data and exact answers


def _unit(x):
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _corpus(role, n=300, n_clusters=12):
    """n vectors around a few directions, each row scaled by a length between 0.05 and 20."""
    rng = submission_rng(f"{SLUG}:{role}")
    centers = rng.normal(size=(n_clusters, DIM))
    vectors = centers[rng.integers(0, n_clusters, n)] + rng.normal(scale=0.7, size=(n, DIM))
    vectors *= np.exp(rng.uniform(np.log(0.05), np.log(20.0), (n, 1)))
    ids = rng.choice(np.arange(1_000, 1_000_000), n, replace=False)  # not 0..n-1: ids are not row numbers
    queries = centers[rng.integers(0, n_clusters, 8)] + rng.normal(scale=0.7, size=(8, DIM))
    queries *= rng.uniform(0.1, 10.0, (8, 1))
    return vectors.astype(np.float32), [int(i) for i in ids], queries.astype(np.float32), rng


def _exact(vectors, ids, query, k, keep=None):
    """[(doc_id, cosine)] of the k most similar rows (only the rows whose id is in keep, when given)."""
    scores = _unit(vectors) @ _unit(query)
    order = [int(i) for i in np.argsort(-scores, kind="stable") if keep is None or ids[i] in keep]
    return [(ids[i], float(scores[i])) for i in order[:k]]


def _hits(got, call):
    assert isinstance(got, list), f"{call} should return a list of (doc_id, score) pairs, got {type(got).__name__}"
    out = []
    for item in got:
        assert isinstance(item, (tuple, list)) and len(item) == 2, f"{call}: each result should be (doc_id, score), got {item!r:.100}"
        doc_id, score = item
        assert isinstance(doc_id, int) and not isinstance(doc_id, bool), (
            f"{call}: doc ids should be Python ints, got {doc_id!r} ({type(doc_id).__name__}); convert with int()"
        )
        assert isinstance(score, float), f"{call}: scores should be Python floats, got {score!r} ({type(score).__name__})"
        out.append((doc_id, score))
    return out


def _same_ranking(got, want, call, ids=None):
    """got and want are lists of (doc_id, score); the message names positions, not the expected ids."""
    got_ids, want_ids = [i for i, _ in got], [i for i, _ in want]
    assert -1 not in got_ids, f"{call} returned the id -1: FAISS pads its answer with -1 when it has fewer than k rows; drop those"
    assert len(got_ids) == len(want_ids), f"{call} returned {len(got_ids)} results, expected {expected(len(want_ids))}"
    if ids is not None:
        unknown = [i for i in got_ids if i not in ids]
        assert not unknown, (
            f"{call} returned ids that are not document ids ({unknown[:3]}): FAISS row numbers must be mapped back "
            "to the ids given to add (IndexIDMap with add_with_ids does it)"
        )
    first_wrong = next((pos for pos, (g, w) in enumerate(zip(got_ids, want_ids, strict=True)) if g != w), None)
    assert first_wrong is None, (
        f"{call} returned {got_ids}: the ranking differs from cosine similarity from position {first_wrong} on "
        f"(expected {expected(want_ids)})"
    )
    assert_close([s for _, s in got], [s for _, s in want], atol=1e-4, what=f"the scores returned by {call} (cosine similarities)")


def _index(student, vectors, ids, metadata=None, dim=DIM):
    index = student.VectorIndex(dim)
    index.add_vectors(ids, vectors, metadata)
    return index


# --------------------------------------------------------------------------- tests


@points(1)
def test_embed_is_normalised_minilm(student):
    texts = [text for text, _ in DOCS.values()][:5] + ["Short."]
    call = f"embed(<{len(texts)} texts>)"
    with call_timeout(150):
        got = student.embed(texts)
    assert isinstance(got, np.ndarray), f"{call} should return a NumPy array, got {type(got).__name__}"
    assert got.shape == (len(texts), 384), f"{call} returned shape {got.shape}, expected ({len(texts)}, 384)"
    assert got.dtype == np.float32, f"{call} returned dtype {got.dtype}: FAISS takes float32"
    assert_close(np.linalg.norm(got, axis=1), np.ones(len(texts)), atol=1e-4, what=f"the row norms of {call}")
    assert_close(got, _encode(texts), atol=1e-4, what=f"{call} compared with all-MiniLM-L6-v2's normalised embeddings")


@points(1.5)
def test_search_ranks_by_cosine(student):
    vectors, ids, queries, _ = _corpus("cosine")
    index = _index(student, vectors, ids)
    n = len(index)
    assert n == len(ids), f"len(index) is {n} after add_vectors of {len(ids)} vectors"
    for q, query in enumerate(queries[:4]):
        call = f"search_vector(query {q}, k=6) on {len(ids)} vectors whose lengths range from 0.05 to 20"
        got = _hits(index.search_vector(query, 6), call)
        want = _exact(vectors, ids, query, 6)
        if [i for i, _ in got] != [i for i, _ in want]:
            longest = np.argsort(-np.linalg.norm(vectors, axis=1))[:20]
            if all(i in {ids[j] for j in longest} for i, _ in got[:3]):
                raise AssertionError(
                    f"{call} returned {[i for i, _ in got]}, documents among the 20 LONGEST vectors: an inner product "
                    "on raw vectors favours long vectors. Normalise the documents and the query to length 1 "
                    "(faiss.normalize_L2 or v / np.linalg.norm(v)) so that IndexFlatIP gives cosine similarity"
                )
        _same_ranking(got, want, call, set(ids))


@points(1)
def test_results_are_document_ids(student):
    vectors, ids, queries, _ = _corpus("ids", n=60)
    index = _index(student, vectors, ids)
    call = "search_vector(vectors[17], k=3) where vectors[17] was added with the id ids[17]"
    got = _hits(index.search_vector(vectors[17], 3), call)
    assert got and got[0][0] == ids[17], (
        f"{call} returned {got!r:.200}: the best match of a stored vector is that document itself, with its id "
        f"{ids[17]} (ids are the caller's, not row numbers 0..n-1)"
    )
    assert abs(got[0][1] - 1.0) < 1e-4, f"{call}: a document's cosine similarity with itself is 1.0, got {got[0][1]}"
    call = "search_vector(query, k=100) on an index of 60 documents"
    got = _hits(index.search_vector(queries[0], 100), call)
    _same_ranking(got, _exact(vectors, ids, queries[0], 100), call, set(ids))


@points(1.5)
def test_remove_keeps_the_id_mapping(student):
    vectors, ids, queries, rng = _corpus("remove", n=200)
    index = _index(student, vectors, ids)
    gone = [ids[i] for i in rng.choice(np.arange(5, 195), 25, replace=False)] + [ids[0]]
    call = f"remove(<{len(gone)} ids of stored documents>)"
    removed = index.remove(gone)
    assert removed == len(gone), f"{call} returned {removed!r}, expected the number of documents removed: {len(gone)}"
    assert len(index) == len(ids) - len(gone), f"after {call}, len(index) is {len(index)}, expected {len(ids) - len(gone)}"
    keep = set(ids) - set(gone)
    survivor = next(i for i in range(1, len(ids)) if ids[i] in keep)
    call = f"search_vector(<the vector of document {ids[survivor]}>, k=1) after the removal"
    got = _hits(index.search_vector(vectors[survivor], 1), call)
    assert got and got[0][0] == ids[survivor], (
        f"{call} returned {got!r}: the document itself should come first with its own id. After a removal the "
        "rows after it move up by one; a mapping from row number to id kept by hand must follow them (or let "
        "IndexIDMap store the ids)"
    )
    for q, query in enumerate(queries[:4]):
        call = f"search_vector(query {q}, k=8) after removing {len(gone)} documents"
        got = _hits(index.search_vector(query, 8), call)
        back = [i for i, _ in got if i in gone]
        assert not back, f"{call} returned removed documents {back[:3]}"
        _same_ranking(got, _exact(vectors, ids, query, 8, keep), call, keep)
    call = "remove([<an id never added>, <an id already removed>])"
    assert index.remove([7, gone[0]]) == 0, f"{call} should remove nothing and return 0"


@points(0.5)
def test_edge_cases(student):
    vectors, ids, queries, _ = _corpus("edges", n=5)
    empty = student.VectorIndex(DIM)
    got = empty.search_vector(queries[0], 3)
    assert got == [], f"search_vector on an empty index returned {got!r:.200}, expected []"
    index = _index(student, vectors, ids)
    call = "search_vector(query, k=10) on an index of 5 documents"
    _same_ranking(_hits(index.search_vector(queries[0], 10), call), _exact(vectors, ids, queries[0], 10), call, set(ids))
    for args, what in ((([ids[2]], vectors[:1]), "an id already in the index"), (([5, 5], vectors[:2]), "the same id twice")):
        try:
            index.add_vectors(*args)
        except StudentError as error:
            assert error.type_name == "ValueError", f"add_vectors with {what} raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"add_vectors with {what} should raise ValueError (FAISS would keep both silently)")
    assert len(index) == 5, f"after the refused add_vectors calls, len(index) is {len(index)}, expected 5 (nothing added)"
    try:
        index.search_vector(queries[0], 0)
    except StudentError as error:
        assert error.type_name == "ValueError", f"search_vector(query, k=0) raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("search_vector(query, k=0) should raise ValueError")


@points(1.5)
def test_filtered_search_returns_k_matches(student):
    vectors, ids, queries, rng = _corpus("filter", n=400)
    regions = rng.choice(["eu", "us", "asia"], len(ids), p=[0.7, 0.25, 0.05])
    tiers = rng.choice(["free", "paid"], len(ids))
    metadata = [{"region": str(r), "tier": str(t)} for r, t in zip(regions, tiers, strict=True)]
    index = _index(student, vectors, ids, metadata)
    for q, (where, k) in enumerate([({"region": "asia"}, 5), ({"region": "us", "tier": "paid"}, 7), ({"region": "eu"}, 4)]):
        keep = {i for i, m in zip(ids, metadata, strict=True) if all(m[key] == value for key, value in where.items())}
        call = f"search_vector(query {q}, k={k}, where={where}) ({len(keep)} of {len(ids)} documents match)"
        got = _hits(index.search_vector(queries[q], k, where), call)
        wrong = [i for i, _ in got if i not in keep]
        assert not wrong, f"{call} returned documents that do not match the filter: {wrong[:3]}"
        assert len(got) == k, (
            f"{call} returned {len(got)} results: at least {k} documents match, so k should come back. Fetching k "
            "and then filtering loses the matches ranked below the first k; fetch more (say 4k, doubling while too "
            "few match) and filter those"
        )
        _same_ranking(got, _exact(vectors, ids, queries[q], k, keep), call, keep)
    call = "search_vector(query, k=5, where={'region': 'mars'}) (no document matches)"
    got = _hits(index.search_vector(queries[3], 5, {"region": "mars"}), call)
    assert got == [], f"{call} returned {got!r:.200}, expected []"


@points(1)
def test_text_search_with_metadata(student):
    ids = list(DOCS)
    texts = [DOCS[i][0] for i in ids]
    metadata = [DOCS[i][1] for i in ids]
    index = student.VectorIndex()
    with call_timeout(150):
        index.add(ids, texts, metadata)
    vectors = _encode(texts)
    for query, k, where in [("how do I bake bread at home", 3, None), ("how do I bake bread at home", 2, {"lang": "fr"}),
                            ("money and interest rates", 2, {"topic": "finance"}), ("cooking dinner", 2, {"topic": "food", "lang": "en"})]:
        call = f"search({query!r}, k={k}, where={where})"
        with call_timeout(60):
            got = _hits(index.search(query, k, where), call)
        keep = None if where is None else {i for i in ids if all(DOCS[i][1].get(key) == v for key, v in where.items())}
        want = _exact(vectors, ids, _encode([query])[0], k, keep)
        _same_ranking(got, want, call + f" over the documents {ids}", set(ids))


@shows_expected
@points(0.5)
def test_recall_at_k_example(student):
    exact = [[1, 2, 3, 4], [5, 6, 7, 8]]
    approx = [[2, 1, 9, 4], [8, 0, 0, 0]]
    for k, want in ((4, 0.5), (2, 0.5), (1, 0.0)):
        call = f"recall_at_k({exact}, {approx}, k={k})"
        got = student.recall_at_k(exact, approx, k)
        assert isinstance(got, float), f"{call} should return a float, got {got!r}"
        assert abs(got - want) < 1e-12, (
            f"{call} returned {got!r}, expected {want}: for each query, the share of the exact top k found in the "
            "approximate top k (order does not matter), averaged over the queries"
        )


@points(1.5)
def test_ivf_index_and_recall(student):
    vectors, ids, queries, _ = _corpus("ivf", n=600, n_clusters=24)
    call = "build_ivf(vectors, ids, nlist=12, nprobe=3)"
    with call_timeout(60):
        index = student.build_ivf(vectors, ids, nlist=12, nprobe=3)
    assert isinstance(index, Remote) and "IVF" in repr(index), f"{call} returned {index!r:.100}, expected a faiss IndexIVFFlat"
    settings = {"nlist": index.nlist, "nprobe": index.nprobe, "ntotal": index.ntotal, "is_trained": index.is_trained}
    assert settings["nlist"] == 12 and settings["ntotal"] == len(ids) and settings["is_trained"] is True, (
        f"{call} gave an index with {settings}: train it on the vectors, then add them all with their ids"
    )
    assert settings["nprobe"] == 3, (
        f"{call} gave an index with nprobe={settings['nprobe']}: set index.nprobe (the number of lists searched per "
        "query; FAISS's default is 1)"
    )
    metric = index.metric_type
    assert metric == faiss.METRIC_INNER_PRODUCT, (
        f"{call} gave an index with metric_type={metric}: use faiss.METRIC_INNER_PRODUCT (on normalised vectors, "
        "cosine similarity), not the default L2"
    )
    call = "build_ivf(vectors, ids, nlist=12, nprobe=12).search(<normalised queries>, 5)"
    with call_timeout(60):
        full = student.build_ivf(vectors, ids, nlist=12, nprobe=12)
    _, got_ids = full.search(_unit(queries).astype(np.float32), 5)
    for q in range(len(queries)):
        want = _exact(vectors, ids, queries[q], 5)
        assert [int(i) for i in got_ids[q]] == [i for i, _ in want], (
            f"{call}: with every list probed the IVF index should find the exact top 5 for query {q}, got "
            f"{[int(i) for i in got_ids[q]]} (train and add the NORMALISED vectors, with their ids)"
        )
    with call_timeout(60):
        got = student.ivf_recall(vectors, ids, queries, k=10, nlist=12, nprobe=12)
    assert isinstance(got, float) and abs(got - 1.0) < 1e-9, (
        f"ivf_recall(vectors, ids, queries, k=10, nlist=12, nprobe=12) returned {got!r}: probing every list is an "
        "exhaustive search, so the recall is 1.0"
    )
    with call_timeout(60):
        low = student.ivf_recall(vectors, ids, queries, k=10, nlist=12, nprobe=1)
    assert isinstance(low, float) and 0.0 < low <= 1.0, (
        f"ivf_recall(vectors, ids, queries, k=10, nlist=12, nprobe=1) returned {low!r}, expected a float in (0, 1]"
    )
