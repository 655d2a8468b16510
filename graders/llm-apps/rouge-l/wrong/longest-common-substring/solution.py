import re
from collections import Counter

TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def lcs_table(a: list, b: list) -> list[list[int]]:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        above, row, x = table[i - 1], table[i], a[i - 1]
        for j in range(1, len(b) + 1):
            row[j] = above[j - 1] + 1 if x == b[j - 1] else 0  # a mismatch breaks the run
    return table


def lcs_length(a: list, b: list) -> int:
    return max(max(row) for row in lcs_table(a, b))


def lcs_length_low_memory(a: list, b: list) -> int:
    if len(b) > len(a):
        a, b = b, a  # the rows run over the shorter sequence
    previous = [0] * (len(b) + 1)
    best = 0
    for x in a:
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            current[j] = previous[j - 1] + 1 if x == b[j - 1] else 0
        best = max(best, max(current))
        previous = current
    return best


def lcs_positions(reference: list, candidate: list) -> list[int]:
    table = lcs_table(reference, candidate)
    i, j = len(reference), len(candidate)
    positions = []
    while i > 0 and j > 0:
        if reference[i - 1] == candidate[j - 1]:
            positions.append(i - 1)
            i, j = i - 1, j - 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:  # a tie drops the reference's token
            i -= 1
    return positions[::-1]


def f_measure(precision: float, recall: float, beta: float = 1.0) -> float:
    if precision == 0 or recall == 0:
        return 0.0
    beta2 = beta * beta
    return (1 + beta2) * precision * recall / (beta2 * precision + recall)


def _scores(hits: int, candidate_length: int, reference_length: int, beta: float) -> dict:
    precision = hits / candidate_length if candidate_length else 0.0
    recall = hits / reference_length if reference_length else 0.0
    return {"precision": precision, "recall": recall, "fmeasure": f_measure(precision, recall, beta)}


def rouge_l(candidate: str, reference: str, beta: float = 1.0) -> dict:
    candidate_tokens, reference_tokens = tokenize(candidate), tokenize(reference)
    hits = lcs_length(candidate_tokens, reference_tokens)
    return _scores(hits, len(candidate_tokens), len(reference_tokens), beta)


def rouge_l_multi(candidate: str, references: list[str], beta: float = 1.0) -> dict:
    if not references:
        raise ValueError("at least one reference is needed")
    best = None
    for index, reference in enumerate(references):
        scores = rouge_l(candidate, reference, beta)
        if best is None or scores["fmeasure"] > best["fmeasure"]:  # ties keep the earlier reference
            best = {**scores, "reference": index}
    return best


def rouge_l_summary(candidate_sentences: list[str], reference_sentences: list[str], beta: float = 1.0) -> dict:
    candidates = [tokenize(sentence) for sentence in candidate_sentences]
    references = [tokenize(sentence) for sentence in reference_sentences]
    budget = Counter(token for sentence in candidates for token in sentence)
    hits = 0
    for reference in references:
        union = set()
        for candidate in candidates:
            union.update(lcs_positions(reference, candidate))
        for position in sorted(union):
            token = reference[position]
            if budget[token] > 0:  # a token is credited at most as often as the candidate summary has it
                budget[token] -= 1
                hits += 1
    return _scores(hits, sum(map(len, candidates)), sum(map(len, references)), beta)
