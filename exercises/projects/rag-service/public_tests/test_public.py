"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They never load the embedding model or call a real API: a fake embedder (bag of hashed words) replaces your
module's `embed`, and a fake client object (README.md, "Testing without a model") stands in for the model.
Milestone 3 is checked with FastAPI's TestClient. The hidden grader uses the real model, a scripted chat
model, and your app served by uvicorn, with documents and questions drawn for each submission.
"""

import os
import re
import sys
import zlib
from types import SimpleNamespace as NS

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402

DOCS = {
    "bees": "Worker bees dance to show where flowers are. The queen lays eggs. Bees make honey from nectar.",
    "tea": "Green tea is steeped at eighty degrees. Black tea is fully oxidised before drying.",
}


def fake_embed(texts):
    """Bag of hashed lower-case words, L2-normalised: texts sharing words are similar."""
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"[a-z]+", text.lower()):
            out[row, zlib.crc32(word.encode()) % 384] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


class FakeClient:
    def __init__(self, reply):
        self.reply, self.requests = reply, []
        self.chat = NS(completions=NS(create=self.create))

    def create(self, **request):
        self.requests.append(request)
        return NS(choices=[NS(message=NS(content=self.reply))])


@pytest.fixture
def fake_model(monkeypatch):
    monkeypatch.setattr(solution, "embed", fake_embed)


def spans(chunks):
    return [(c["start"], c["end"]) for c in chunks]


# ---------------------------------------------------------------- milestone 1


def test_statement_chunk_examples():
    words = " ".join(f"w{i}" for i in range(41))
    assert spans(solution.chunk_text(words)) == [(0, 40), (30, 41)]
    assert spans(solution.chunk_text(" ".join(f"w{i}" for i in range(100)))) == [(0, 40), (30, 70), (60, 100)]
    assert spans(solution.chunk_text(" ".join(f"w{i}" for i in range(20)), size=8, overlap=3)) == [
        (0, 8), (5, 13), (10, 18), (15, 20)]
    chunks = solution.chunk_text("one  two\nthree\tfour", size=3, overlap=1)
    assert [c["text"] for c in chunks] == ["one two three", "three four"], "join a chunk's words with single spaces"


def test_chunk_rules_for_empty_and_bad_sizes():
    assert solution.chunk_text("   ") == []
    for size, overlap in ((5, 5), (0, 0), (5, -1)):
        with pytest.raises(ValueError):
            solution.chunk_text("a b c", size=size, overlap=overlap)


def test_small_index_and_retrieval(fake_model):
    index = solution.build_index(DOCS)
    assert [(c["doc_id"], c["chunk"]) for c in index.chunks] == [("bees", 0), ("tea", 0)]
    assert np.asarray(index.vectors).shape == (2, 384)
    hits = solution.retrieve(index, "how do bees make honey", k=5)
    assert [h["doc_id"] for h in hits] == ["bees", "tea"], "best first; k larger than the index returns every chunk"
    assert isinstance(hits[0]["score"], float) and hits[0]["score"] > hits[1]["score"]
    assert set(hits[0]) >= {"doc_id", "chunk", "start", "end", "text", "score"}
    assert solution.retrieve(index, "bees", k=0) == []
    with pytest.raises(ValueError):
        solution.retrieve(index, "bees", k=-1)


def test_adding_an_existing_id_replaces_it(fake_model):
    index = solution.build_index(DOCS)
    assert index.add("bees", "Glaciers carve valleys.") == 1
    assert [(c["doc_id"], c["text"]) for c in index.chunks] == [("tea", DOCS["tea"]), ("bees", "Glaciers carve valleys.")]
    assert np.asarray(index.vectors).shape == (2, 384)


# ---------------------------------------------------------------- milestone 2


def test_statement_parse_citations_example():
    hits = [{"doc_id": "alpha", "chunk": 2}, {"doc_id": "beta", "chunk": 0}]
    got = solution.parse_citations("Bees dance [2]; see also [1] and [2], not [9].", hits)
    assert got == [{"doc_id": "beta", "chunk": 0}, {"doc_id": "alpha", "chunk": 2}]


def test_answer_with_a_fake_client(fake_model):
    index = solution.build_index(DOCS)
    client = FakeClient("They dance [1].")
    got = solution.answer(index, "Where do worker bees dance to show flowers?", k=2, client=client)
    assert got == {"answer": "They dance [1].", "citations": [{"doc_id": "bees", "chunk": 0}]}
    request = client.requests[0]
    assert request["model"] == "gradient-scripted"
    user = request["messages"][-1]
    assert user["role"] == "user" and "Where do worker bees dance to show flowers?" in user["content"]
    assert f"[1] {DOCS['bees']}" in user["content"] and f"[2] {DOCS['tea']}" in user["content"]


def test_refusal_does_not_call_the_model(fake_model):
    index = solution.build_index(DOCS)
    client = FakeClient("Made up [1].")
    got = solution.answer(index, "quantum chromodynamics lattice", client=client)
    assert got == {"answer": "I don't know", "citations": []}
    assert client.requests == [], "below THRESHOLD the model must not be called"


# ---------------------------------------------------------------- milestone 3


@pytest.fixture
def api(fake_model, monkeypatch):
    from fastapi.testclient import TestClient

    monkeypatch.setattr(solution, "INDEX", solution.Index())
    client = FakeClient("Bees make honey from nectar [1].")
    monkeypatch.setattr(solution, "get_client", lambda: client)
    return TestClient(solution.app)


def test_app_ingests_and_answers(api):
    assert api.get("/health").json()["status"] == "ok"
    response = api.post("/documents", json={"doc_id": "bees", "text": DOCS["bees"]})
    assert response.status_code == 201 and response.json() == {"doc_id": "bees", "chunks": 1}
    response = api.post("/ask", json={"question": "How do bees make honey from nectar?"})
    assert response.status_code == 200
    assert response.json() == {"answer": "Bees make honey from nectar [1].",
                               "citations": [{"doc_id": "bees", "chunk": 0}]}


@pytest.mark.parametrize("path, body", [
    ("/documents", {"doc_id": "bees"}),
    ("/documents", {"doc_id": "bees", "text": "  "}),
    ("/documents", {"doc_id": "two words", "text": "fine"}),
    ("/ask", {"question": ""}),
    ("/ask", {"question": "ok?", "k": 11}),
])
def test_app_rejects_bad_bodies_with_422(api, path, body):
    response = api.post(path, json=body)
    assert response.status_code == 422, f"POST {path} {body} answered {response.status_code}"
