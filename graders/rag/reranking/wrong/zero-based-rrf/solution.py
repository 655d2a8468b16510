"""A known-wrong solution."""

import re

FEATURES = ("overlap", "bigram", "early")


def _tokens(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def _cut(items, top_n):
    if top_n is None:
        return items
    if top_n < 0:
        raise ValueError(f"top_n must be zero or more, got {top_n}")
    return items[:top_n]


def rerank(candidates, scores, top_n=None):
    unique = list(dict.fromkeys(candidates))
    missing = [c for c in unique if c not in scores]
    if missing:
        raise ValueError(f"no score for the candidate(s) {missing}")
    ranked = sorted(unique, key=lambda c: -scores[c])  # sorted() is stable: ties keep their order
    return _cut(ranked, top_n)


def feature_scores(query, passage):
    q, p = _tokens(query), _tokens(passage)
    q_set, p_set = set(q), set(p)
    overlap = len(q_set & p_set) / len(q_set) if q_set else 0.0
    q_bigrams = set(zip(q, q[1:]))
    p_bigrams = set(zip(p, p[1:]))
    bigram = len(q_bigrams & p_bigrams) / len(q_bigrams) if q_bigrams else 0.0
    first = next((i for i, token in enumerate(p) if token in q_set), None)
    early = 0.0 if first is None else 1.0 / (1 + first)
    return {"overlap": overlap, "bigram": bigram, "early": early}


def rerank_with_features(query, passages, weights, top_n=None):
    unknown = sorted(set(weights) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown feature(s) {unknown}; known: {list(FEATURES)}")
    scored = []
    for passage_id, text in passages:
        features = feature_scores(query, text)
        scored.append((passage_id, sum(w * features[name] for name, w in weights.items())))
    ranked = sorted(scored, key=lambda pair: -pair[1])
    return _cut(ranked, top_n)


def reciprocal_rank_fusion(rankings, k=60, top_n=None):
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    fused = {}
    for ranking in rankings:
        seen = set()
        for rank, doc in enumerate(ranking):
            if doc not in seen:  # a repeated id: only its best position counts
                seen.add(doc)
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
    ranked = sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))
    return _cut(ranked, top_n)
