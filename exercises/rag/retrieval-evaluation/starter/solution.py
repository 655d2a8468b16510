"""Retrieval evaluation: precision@k, recall@k, reciprocal rank, nDCG@k and their means over queries.

Replace each ``raise NotImplementedError`` with your own code. README.md has the exact definitions.
"""


def precision_at_k(retrieved: list[str], relevant, k: int) -> float:
    """Relevant ids among the first k positions, divided by k."""
    raise NotImplementedError("precision_at_k is not written yet")


def recall_at_k(retrieved: list[str], relevant, k: int) -> float:
    """Relevant ids among the first k positions, divided by the number of relevant ids (0.0 if none)."""
    raise NotImplementedError("recall_at_k is not written yet")


def reciprocal_rank(retrieved: list[str], relevant) -> float:
    """1 / position of the first relevant id (positions start at 1); 0.0 if there is none."""
    raise NotImplementedError("reciprocal_rank is not written yet")


def ndcg_at_k(retrieved: list[str], grades: dict[str, int], k: int) -> float:
    """DCG@k / IDCG@k with gains 2**grade - 1; 0.0 when IDCG@k is 0."""
    raise NotImplementedError("ndcg_at_k is not written yet")


def evaluate(run: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int) -> dict:
    """Mean precision@k, recall@k, MRR and nDCG@k over the queries that have relevant documents."""
    raise NotImplementedError("evaluate is not written yet")
