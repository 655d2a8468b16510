"""A known-wrong solution."""

import math


def _check_k(k):
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an integer of at least 1, got {k!r}")


def _first_occurrences(retrieved):
    """Each position's id, or None for a repeat of an earlier id."""
    seen = set()
    out = []
    for doc in retrieved:
        out.append(None if doc in seen else doc)
        seen.add(doc)
    return out


def _hits(retrieved, relevant, k):
    relevant = set(relevant)
    return sum(1 for doc in _first_occurrences(retrieved)[:k] if doc is not None and doc in relevant)


def precision_at_k(retrieved, relevant, k):
    _check_k(k)
    return _hits(retrieved, relevant, k) / k


def recall_at_k(retrieved, relevant, k):
    _check_k(k)
    relevant = set(relevant)
    if not relevant:
        return 0.0
    return _hits(retrieved, relevant, k) / len(relevant)


def reciprocal_rank(retrieved, relevant):
    relevant = set(relevant)
    for position, doc in enumerate(_first_occurrences(retrieved), start=1):
        if doc is not None and doc in relevant:
            return 1.0 / position
    return 0.0


def _dcg(gains):
    return sum(gain / math.log2(position + 1) for position, gain in enumerate(gains, start=1))


def ndcg_at_k(retrieved, grades, k):
    _check_k(k)
    gains = [0.0 if doc is None else 2.0 ** grades.get(doc, 0) - 1.0 for doc in _first_occurrences(retrieved)[:k]]
    ideal = sorted(gains, reverse=True)
    ideal_dcg = _dcg(ideal)
    if ideal_dcg == 0:
        return 0.0
    return _dcg(gains) / ideal_dcg


def evaluate(run, qrels, k):
    _check_k(k)
    totals = {"precision": 0.0, "recall": 0.0, "mrr": 0.0, "ndcg": 0.0}
    skipped = []
    evaluated = 0
    for query, grades in qrels.items():
        relevant = {doc for doc, grade in grades.items() if grade > 0}
        if not relevant:
            skipped.append(query)
            continue
        retrieved = run.get(query, [])
        totals["precision"] += precision_at_k(retrieved, relevant, k)
        totals["recall"] += recall_at_k(retrieved, relevant, k)
        totals["mrr"] += reciprocal_rank(retrieved, relevant)
        totals["ndcg"] += ndcg_at_k(retrieved, grades, k)
        evaluated += 1
    means = {name: (value / evaluated if evaluated else 0.0) for name, value in totals.items()}
    return {**means, "queries": evaluated, "skipped": sorted(skipped)}
