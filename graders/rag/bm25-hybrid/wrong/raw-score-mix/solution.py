"""A known-wrong solution."""

import math
import re
from collections import Counter

_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text):
    return _TOKEN.findall(text.lower())


def _idf_value(n_docs, doc_freq):
    return math.log((n_docs - doc_freq + 0.5) / (doc_freq + 0.5) + 1.0)


def compute_idf(documents):
    doc_freq = Counter()
    for doc in documents:
        doc_freq.update(set(tokenize(doc)))
    return {term: _idf_value(len(documents), df) for term, df in doc_freq.items()}


def bm25_scores(query, documents, k1=1.5, b=0.75):
    if not documents:
        return []
    tokenized = [tokenize(doc) for doc in documents]
    avgdl = sum(len(tokens) for tokens in tokenized) / len(tokenized)
    if avgdl == 0:
        return [0.0] * len(documents)
    idf = compute_idf(documents)
    terms = set(tokenize(query))
    scores = []
    for tokens in tokenized:
        counts = Counter(tokens)
        norm = k1 * (1.0 - b + b * len(tokens) / avgdl)
        total = 0.0
        for term in terms:
            freq = counts.get(term, 0)
            if freq:
                total += idf[term] * freq * (k1 + 1.0) / (freq + norm)
        scores.append(total)
    return scores


def minmax(scores):
    scores = [float(s) for s in scores]
    if not scores:
        return []
    low, high = min(scores), max(scores)
    if high == low:
        return [0.0] * len(scores)
    return [(s - low) / (high - low) for s in scores]


def hybrid_scores(query, documents, dense_scores, alpha=0.5, k1=1.5, b=0.75):
    if len(dense_scores) != len(documents):
        raise ValueError(f"got {len(dense_scores)} dense scores for {len(documents)} documents")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    sparse = bm25_scores(query, documents, k1, b)
    dense = list(dense_scores)
    return [alpha * s + (1.0 - alpha) * d for s, d in zip(sparse, dense)]


def hybrid_search(query, documents, dense_scores, k=3, alpha=0.5):
    scores = hybrid_scores(query, documents, dense_scores, alpha)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return order[:k]
