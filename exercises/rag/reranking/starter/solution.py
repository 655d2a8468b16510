"""Reranking: reorder first-stage candidates, and fuse several rankings with RRF.

Replace each ``raise NotImplementedError`` with your own code. README.md has the exact rules.
"""


def rerank(candidates: list[str], scores: dict[str, float], top_n: int | None = None) -> list[str]:
    """Candidate ids sorted by ``scores`` (highest first); ties keep the first-stage order."""
    raise NotImplementedError("rerank is not written yet")


def feature_scores(query: str, passage: str) -> dict[str, float]:
    """The features "overlap", "bigram" and "early" of a query-passage pair."""
    raise NotImplementedError("feature_scores is not written yet")


def rerank_with_features(
    query: str, passages: list[tuple[str, str]], weights: dict[str, float], top_n: int | None = None
) -> list[tuple[str, float]]:
    """(id, weighted feature score) pairs, highest first; ties keep the input order."""
    raise NotImplementedError("rerank_with_features is not written yet")


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int = 60, top_n: int | None = None
) -> list[tuple[str, float]]:
    """(id, sum of 1 / (k + rank)) pairs, highest first; ranks start at 1; ties by id."""
    raise NotImplementedError("reciprocal_rank_fusion is not written yet")
