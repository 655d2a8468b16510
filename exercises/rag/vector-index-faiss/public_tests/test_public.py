"""Public tests: run them next to your solution.py with plain pytest (faiss-cpu installed):

    pytest public_tests/

They check the statement's examples and a few rules on tiny vectors, without loading the embedding model. The
hidden grader also checks embed and text search against its own copy of all-MiniLM-L6-v2, and uses larger
vectors drawn for each submission.
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import VectorIndex, build_ivf, ivf_recall, normalize, recall_at_k  # noqa: E402


@pytest.fixture
def index():
    index = VectorIndex(dim=3)
    index.add_vectors([101, 205, 309], [[1, 0, 0], [10, 10, 0], [0, 0, 0.5]],
                      [{"lang": "en"}, {"lang": "fr"}, {"lang": "en"}])
    return index


def test_example_normalize_returns_a_new_unit_array():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    got = normalize(x)
    assert got.dtype == np.float32 and got.shape == (2, 2)
    assert np.allclose(got, [[0.6, 0.8], [0.0, 0.0]]), f"normalize returned {got.tolist()}"
    assert x.tolist() == [[3.0, 4.0], [0.0, 0.0]], "normalize must not change its argument"
    assert normalize([0.0, 2.0]).shape == (1, 2), "one vector becomes one row"


def test_example_search_is_cosine_with_document_ids(index):
    got = index.search_vector([2, 1, 0], k=2)
    assert [i for i, _ in got] == [205, 101], (
        f"search_vector([2, 1, 0], k=2) returned {got}: expected the ids 205 then 101 (cosine 0.949 and 0.894)"
    )
    assert np.allclose([s for _, s in got], [0.9486833, 0.8944272], atol=1e-5), (
        f"the scores {[s for _, s in got]} should be cosine similarities (normalise documents and query)"
    )
    assert all(type(i) is int and type(s) is float for i, s in got), "return Python ints and floats"


def test_example_filter_and_padding(index):
    got = index.search_vector([2, 1, 0], k=2, where={"lang": "en"})
    assert [i for i, _ in got] == [101, 309], f"with where={{'lang': 'en'}} got {got}, expected ids [101, 309]"
    got = index.search_vector([2, 1, 0], k=10)
    assert [i for i, _ in got] == [205, 101, 309], f"k=10 on 3 documents returned {got} (drop FAISS's -1 padding)"


def test_example_remove(index):
    assert index.remove([205, 999]) == 1
    assert len(index) == 2
    assert [i for i, _ in index.search_vector([2, 1, 0], k=5)] == [101, 309]
    with pytest.raises(ValueError):
        index.add_vectors([101], [[0, 1, 0]])


def test_example_recall_at_k():
    assert recall_at_k([[1, 2, 3, 4], [5, 6, 7, 8]], [[4, 3, 9, 9], [5, 6, 7, 8]], k=4) == pytest.approx(0.75)


def test_exhaustive_ivf_has_full_recall():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    ids = list(range(5000, 5200))
    index = build_ivf(vectors, ids, nlist=4, nprobe=2)
    assert index.nprobe == 2 and index.nlist == 4 and index.ntotal == 200
    assert ivf_recall(vectors, ids, rng.normal(size=(5, 8)), k=5, nlist=4, nprobe=4) == pytest.approx(1.0)
