"""Reference solution for transformers/translation-bleu: BLEU and chrF by hand, as sacrebleu computes them."""

import math
from collections import Counter

MAX_ORDER = 4


def ngrams(tokens: list[str], n: int) -> dict[tuple[str, ...], int]:
    return dict(Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)))


def clipped_counts(hypothesis: str, references: list[str], n: int) -> tuple[int, int]:
    hyp = ngrams(hypothesis.split(), n)
    best: dict[tuple[str, ...], int] = {}
    for reference in references:
        for gram, count in ngrams(reference.split(), n).items():
            best[gram] = max(best.get(gram, 0), count)
    matches = sum(min(count, best.get(gram, 0)) for gram, count in hyp.items())
    return matches, sum(hyp.values())


def closest_ref_length(hyp_len: int, ref_lens: list[int]) -> int:
    return min(ref_lens, key=lambda r: (abs(r - hyp_len), r))


def brevity_penalty(hyp_len: int, ref_len: int) -> float:
    if hyp_len >= ref_len:
        return 1.0
    if hyp_len == 0:
        return 0.0
    return math.exp(1 - ref_len / hyp_len)


def _stats(hypothesis: str, references: list[str]) -> tuple[list[int], list[int], int, int]:
    matches, totals = [], []
    for n in range(1, MAX_ORDER + 1):
        m, t = clipped_counts(hypothesis, references, n)
        matches.append(m)
        totals.append(t)
    hyp_len = len(hypothesis.split())
    return matches, totals, hyp_len, closest_ref_length(hyp_len, [len(r.split()) for r in references])


def _score(matches, totals, hyp_len, ref_len, effective_order):
    bp = brevity_penalty(hyp_len, ref_len)
    precisions = [0.0] * MAX_ORDER
    result = {"bleu": 0.0, "precisions": precisions, "bp": bp, "hyp_len": hyp_len, "ref_len": ref_len,
              "matches": list(matches), "totals": list(totals)}
    if not any(matches):
        return result
    zeros, orders = 0, MAX_ORDER
    for n in range(MAX_ORDER):
        if totals[n] == 0:
            if effective_order:
                orders = n
            break
        if matches[n] == 0:
            zeros += 1
            precisions[n] = 100.0 / (2 ** zeros * totals[n])
        else:
            precisions[n] = 100.0 * matches[n] / totals[n]
    if any(p == 0.0 for p in precisions[:orders]):
        return result
    result["bleu"] = bp * math.exp(sum(math.log(p) for p in precisions[:orders]) / orders)
    return result


def corpus_bleu(hypotheses: list[str], references: list[list[str]]) -> dict:
    if len(hypotheses) != len(references):
        raise ValueError("one list of references per hypothesis")
    matches, totals, hyp_len, ref_len = [0] * MAX_ORDER, [0] * MAX_ORDER, 0, 0
    for hypothesis, refs in zip(hypotheses, references):
        m, t, h, r = _stats(hypothesis, refs)
        matches = [a + b for a, b in zip(matches, m)]
        totals = [a + b for a, b in zip(totals, t)]
        hyp_len += h
        ref_len += r
    return _score(matches, totals, hyp_len, ref_len, effective_order=False)


def sentence_bleu(hypothesis: str, references: list[str]) -> float:
    return _score(*_stats(hypothesis, references), effective_order=True)["bleu"]


def _chrf_one(hyp: str, ref: str, order: int = 6, beta: float = 2.0) -> float:
    hyp, ref = "".join(hyp.split()), "".join(ref.split())
    precisions, recalls = [], []
    for n in range(1, order + 1):
        h = Counter(hyp[i:i + n] for i in range(len(hyp) - n + 1))
        r = Counter(ref[i:i + n] for i in range(len(ref) - n + 1))
        if not h or not r:
            continue
        match = sum((h & r).values())
        precisions.append(match / sum(h.values()))
        recalls.append(match / sum(r.values()))
    if not precisions:
        return 0.0
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    if p + r == 0:
        return 0.0
    return 100 * (1 + beta ** 2) * p * r / (beta ** 2 * p + r)


def chrf(hypothesis: str, references: list[str]) -> float:
    return max(_chrf_one(hypothesis, reference) for reference in references)


def bleu_gap_examples() -> dict:
    # Pooling: one long, perfect translation outweighs a short, poor one in the corpus counts, while the
    # mean of sentence scores gives the poor one half the weight.
    long = "the committee agreed on the new budget after a long debate that lasted well into the night"
    higher = (["the committee agreed on the new budget after a long debate that lasted well into the night",
               "cats sleep here"],
              [[long], ["dogs run there"]])
    # Short sentences: each one-word translation is perfect at the sentence level (effective order), but the
    # corpus has no 2-, 3- or 4-grams at all, so corpus BLEU is 0.
    lower = (["yes", "no", "thanks"], [["yes"], ["no"], ["thanks"]])
    return {"corpus_higher": higher, "corpus_lower": lower}
