"""Hidden grader for llm-apps/rouge-l.

Worked examples are fixed (@shows_expected); token sequences and texts are drawn per submission
(submission_rng) and scored by `_table`, `_positions` and `_rouge` below, the statement's definitions written
out (they agree with the rouge-score package's rougeL and rougeLsum for beta = 1, without stemming).
"""

import math
import re
from collections import Counter

from gradient_grader import (
    StudentError,
    StudentTimeout,
    call_timeout,
    expected,
    points,
    shows_expected,
    submission_rng,
)

VOCABULARY = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "under", "bed", "quickly", "home"]
PUNCTUATION = [",", ".", "!", "?", ";", " --", "'s"]


def _tokenize(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def _table(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(table[i - 1][j], table[i][j - 1])
    return table


def _positions(reference, candidate):
    table = _table(reference, candidate)
    i, j, out = len(reference), len(candidate), []
    while i > 0 and j > 0:
        if reference[i - 1] == candidate[j - 1]:
            out.append(i - 1)
            i, j = i - 1, j - 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return out[::-1]


def _f(precision, recall, beta):
    if precision == 0 or recall == 0:
        return 0.0
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def _result(hits, n_candidate, n_reference, beta):
    precision = hits / n_candidate if n_candidate else 0.0
    recall = hits / n_reference if n_reference else 0.0
    return {"precision": precision, "recall": recall, "fmeasure": _f(precision, recall, beta)}


def _rouge(candidate, reference, beta=1.0):
    c, r = _tokenize(candidate), _tokenize(reference)
    return _result(_table(c, r)[-1][-1], len(c), len(r), beta)


def _summary(candidates, references, beta=1.0):
    cands, refs = [_tokenize(s) for s in candidates], [_tokenize(s) for s in references]
    budget, hits = Counter(t for s in cands for t in s), 0
    for ref in refs:
        for position in sorted(set().union(*(_positions(ref, c) for c in cands))):
            if budget[ref[position]] > 0:
                budget[ref[position]] -= 1
                hits += 1
    return _result(hits, sum(map(len, cands)), sum(map(len, refs)), beta)


def _substring(a, b):
    """The longest common SUBSTRING: only to recognise that mistake in a student's answer."""
    best, row = 0, [0] * (len(b) + 1)
    for x in a:
        new = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if x == b[j - 1]:
                new[j] = row[j - 1] + 1
                best = max(best, new[j])
        row = new
    return best


def _sequence(rng, alphabet, low, high):
    return [alphabet[i] for i in rng.integers(len(alphabet), size=int(rng.integers(low, high + 1)))]


def _text(rng, words):
    out = []
    for word in words:
        style = rng.random()
        word = word.upper() if style < 0.15 else word.capitalize() if style < 0.35 else word
        if rng.random() < 0.2:
            word += PUNCTUATION[rng.integers(len(PUNCTUATION))]
        out.append(word)
    return " ".join(out)


def _texts(rng):
    """(candidate, reference): the candidate is an edited copy of the reference, of another length."""
    reference = _sequence(rng, VOCABULARY, 4, 14)
    candidate = [w for w in reference if rng.random() > 0.25]
    for _ in range(int(rng.integers(1, 5))):
        candidate.insert(int(rng.integers(len(candidate) + 1)), VOCABULARY[rng.integers(len(VOCABULARY))])
    if len(candidate) == len(reference):
        candidate.append("again")
    return _text(rng, candidate), _text(rng, reference)


def _int(value, call):
    assert isinstance(value, int) and not isinstance(value, bool), (
        f"{call} should return an int, got {type(value).__name__}: {value!r:.200}"
    )
    return value


def _scores(value, call, keys=("precision", "recall", "fmeasure")):
    assert isinstance(value, dict) and set(keys) <= set(value), (  # the keys are the statement's contract
        f"{call} should return a dict with the keys {list(keys)}, got {value!r:.300}"
    )
    for key in keys:
        assert isinstance(value[key], (int, float)) and not isinstance(value[key], bool), (
            f"{call}[{key!r}] should be a number, got {value[key]!r:.100}"
        )
    return value


def _same(got, want):
    return all(math.isclose(got[k], want[k], rel_tol=1e-9, abs_tol=1e-12) for k in want)


@shows_expected
@points(1)
def test_tokenize_rule(student):
    cases = [
        ("The cat's 2 hats -- on THE mat!", ["the", "cat", "s", "2", "hats", "on", "the", "mat"]),
        ("  well-known\tU.S. policy\n", ["well", "known", "u", "s", "policy"]),
        ("R2-D2 scored 3.5/5", ["r2", "d2", "scored", "3", "5", "5"]),
        ("café au lait", ["caf", "au", "lait"]),
        ("?!", []),
    ]
    for text, want in cases:
        got = student.tokenize(text)
        assert got == want, (
            f"tokenize({text!r}) returned {got!r}, expected {want!r} (lower-case, then every run of the characters "
            "a-z and 0-9 is a token; everything else separates tokens)"
        )


@shows_expected
@points(1)
def test_lcs_worked_examples(student):
    cases = [
        (list("ABCBDAB"), list("BDCABA"), 4, "the longest common SUBSEQUENCE is BCBA; its tokens need not be adjacent"),
        ("the cat sat on the mat".split(), "the dog sat on a mat".split(), 4, "the sat on mat"),
        (["x", "y", "z"], [], 0, "an empty sequence"),
        ([], [], 0, "two empty sequences"),
        (["a", "b"], ["c"], 0, "nothing in common"),
    ]
    for a, b, want, hint in cases:
        for name in ("lcs_length", "lcs_length_low_memory"):
            for x, y in ((a, b), (b, a)):
                call = f"{name}({x}, {y})"
                got = _int(getattr(student, name)(x, y), call)
                assert got == want, f"{call} returned {got}, expected {want} ({hint})"
    call = "lcs_table(['a', 'b', 'c'], ['b', 'a', 'c'])"
    got = student.lcs_table(["a", "b", "c"], ["b", "a", "c"])
    want = [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 2]]
    assert got == want, (
        f"{call} returned {got!r}, expected {want} ((len(a)+1) rows of (len(b)+1) ints; row 0 and column 0 are 0)"
    )


@points(1.5)
def test_lcs_on_generated_sequences(student):
    rng = submission_rng("llm-apps/rouge-l:lcs")
    for index in range(30):
        alphabet = ["a", "b", "c", "d", "e", "f"][: int(rng.integers(2, 7))]
        a, b = _sequence(rng, alphabet, 0 if index < 3 else 5, 30), _sequence(rng, alphabet, 1, 30)
        call = f"lcs_length({a}, {b})"
        got = _int(student.lcs_length(a, b), call)
        want = _table(a, b)[-1][-1]
        hint = " Hint: that is the longest common SUBSTRING (adjacent tokens)." if got == _substring(a, b) else ""
        assert got == want, f"{call} returned {got}, expected {expected(want)}.{hint}"
        if index % 3 == 0:
            call = f"lcs_table({a}, {b})"
            table = student.lcs_table(a, b)
            assert isinstance(table, list) and len(table) == len(a) + 1 and all(
                isinstance(row, list) and len(row) == len(b) + 1 for row in table
            ), f"{call} should return {len(a) + 1} lists of {len(b) + 1} ints, got {table!r:.300}"
            want_table = _table(a, b)
            wrong = [(i, j) for i in range(len(a) + 1) for j in range(len(b) + 1) if table[i][j] != want_table[i][j]]
            assert not wrong, (
                f"{call}: {len(wrong)} cells are wrong, the first at [{wrong[0][0]}][{wrong[0][1]}] holds "
                f"{table[wrong[0][0]][wrong[0][1]]!r}; cell [i][j] is the LCS length of a[:i] and b[:j]"
            )


@points(1)
def test_low_memory_version_agrees(student):
    rng = submission_rng("llm-apps/rouge-l:low-memory")
    for index in range(24):
        alphabet = ["p", "q", "r", "s", "t"][: int(rng.integers(2, 6))]
        long_side = 300 if index < 6 else 40
        a, b = _sequence(rng, alphabet, 0, 8), _sequence(rng, alphabet, 5, long_side)
        for x, y in ((a, b), (b, a)):
            call = f"lcs_length_low_memory({x!r:.120}, {y!r:.120})"
            got = _int(student.lcs_length_low_memory(x, y), call)
            want = _table(a, b)[-1][-1]
            assert got == want, (
                f"{call} (lengths {len(x)} and {len(y)}) returned {got}, expected {expected(want)}. Keep two rows, the "
                "previous and the current one: a single row loses the diagonal value row[j-1] of the previous row"
            )


@points(1)
def test_low_memory_version_never_builds_the_table(student):
    # Tokens of `shared` appear in both sequences, `x*` only in a and `y*` only in b: the LCS of a and b is the
    # LCS of their shared parts, which is cheap to compute here. A full table would need about 9 million cells
    # (over 70 MB); the box has far less memory than that left over.
    rng = submission_rng("llm-apps/rouge-l:long")
    shared = [f"z{i}" for i in range(12)]
    part_a, part_b = _sequence(rng, shared, 150, 150), _sequence(rng, shared, 150, 150)

    def spread(part, filler, length):
        out, spots = [], set(rng.choice(length, size=len(part), replace=False).tolist())
        tokens = iter(part)
        for position in range(length):
            out.append(next(tokens) if position in spots else filler[rng.integers(len(filler))])
        return out

    a = spread(part_a, [f"x{i}" for i in range(30)], 2600)
    b = spread(part_b, [f"y{i}" for i in range(30)], 3500)
    if rng.random() < 0.5:
        a, b = b, a
    call = f"lcs_length_low_memory(<{len(a)} tokens>, <{len(b)} tokens>)"
    try:
        with call_timeout(30):
            got = _int(student.lcs_length_low_memory(a, b), call)
    except StudentTimeout:
        raise AssertionError(f"{call} ran for more than 30 seconds; the two-row loop should take a few") from None
    except StudentError as error:
        raise AssertionError(
            f"{call} failed ({error.type_name}: {error.message[:200]}). On sequences this long a full "
            "(n+1) x (m+1) table does not fit in the box's memory: keep only two rows of length min(n, m) + 1"
        ) from None
    want = _table(part_a, part_b)[-1][-1]
    assert got == want, f"{call} returned {got}, expected {expected(want)}"


@shows_expected
@points(1)
def test_lcs_positions_rule(student):
    cases = [
        ("w1 w2 w3 w4 w5".split(), "w1 w2 w6 w7 w8".split(), [0, 1]),
        ("w1 w2 w3 w4 w5".split(), "w1 w3 w8 w9 w5".split(), [0, 2, 4]),
        (["a", "b"], ["b", "a"], [0]),
        (["b", "a"], ["a", "b"], [0]),
        (list("ABCBDAB"), list("BDCABA"), [1, 2, 3, 5]),
        (["a", "a", "a"], ["a", "a"], [1, 2]),
        (["a"], [], []),
    ]
    for reference, candidate, want in cases:
        call = f"lcs_positions({reference}, {candidate})"
        got = student.lcs_positions(reference, candidate)
        assert got == want, (
            f"{call} returned {got!r}, expected {want} (walk back from the bottom-right cell: equal tokens go "
            "diagonally; otherwise step to the larger neighbour, and on a tie drop the REFERENCE's token, i -= 1)"
        )


@points(1.5)
def test_rouge_l_precision_and_recall(student):
    rng = submission_rng("llm-apps/rouge-l:pairs")
    for _ in range(20):
        candidate, reference = _texts(rng)
        call = f"rouge_l({candidate!r}, {reference!r})"
        got = _scores(student.rouge_l(candidate, reference), call)
        want = _rouge(candidate, reference)
        c, r = _tokenize(candidate), _tokenize(reference)
        hint = ""
        if math.isclose(got["precision"], want["recall"]) and math.isclose(got["recall"], want["precision"]):
            hint = " Hint: precision and recall look swapped: precision divides by the CANDIDATE's length."
        assert _same(got, want), (
            f"{call} returned {got}, expected {expected(want)}; the candidate has {len(c)} tokens and the reference "
            f"{len(r)}.{hint}"
        )


@points(1)
def test_f_measure_uses_beta(student):
    rng = submission_rng("llm-apps/rouge-l:beta")
    for beta in (2.0, 0.5, 3.0, 1.0):
        for _ in range(4):
            candidate, reference = _texts(rng)
            call = f"rouge_l({candidate!r}, {reference!r}, beta={beta})"
            got = _scores(student.rouge_l(candidate, reference, beta=beta), call)
            want = _rouge(candidate, reference, beta)
            hint = ""
            if beta != 1 and math.isclose(got["fmeasure"], _f(got["precision"], got["recall"], 1.0)):
                hint = " Hint: the F-measure ignores beta; with beta > 1 recall weighs more than precision."
            assert _same(got, want), (
                f"{call} returned {got}, expected {expected(want)}: F = (1 + beta^2) P R / (beta^2 P + R).{hint}"
            )


@points(1)
def test_best_of_several_references(student):
    rng = submission_rng("llm-apps/rouge-l:multi")
    for index in range(8):
        candidate, first = _texts(rng)
        references = [first] + [_texts(rng)[1] for _ in range(int(rng.integers(1, 4)))]
        if index < 3:  # the same best reference twice: the earlier one wins the tie
            copy = int(rng.integers(len(references)))
            references.insert(copy + 1 + int(rng.integers(len(references) - copy)), references[copy])
        beta = 1.0 if index % 2 else 1.5
        call = f"rouge_l_multi({candidate!r}, {references!r}, beta={beta})"
        got = _scores(student.rouge_l_multi(candidate, references, beta=beta), call,
                      ("precision", "recall", "fmeasure", "reference"))
        scores = [_rouge(candidate, r, beta) for r in references]
        best = max(range(len(references)), key=lambda k: (scores[k]["fmeasure"], -k))
        want = {**scores[best], "reference": best}
        assert got["reference"] == want["reference"] and _same(got, {k: want[k] for k in scores[best]}), (
            f"{call} returned {got}, expected {expected(want)}: the scores of the reference with the highest "
            "fmeasure (the earliest one on a tie) and its index"
        )


@shows_expected
@points(0.5)
def test_summary_level_worked_example(student):
    call = "rouge_l_summary(['w1 w2 w6 w7 w8.', 'w1 w3 w8 w9 w5.'], ['w1 w2 w3 w4 w5.'])"
    got = _scores(student.rouge_l_summary(["w1 w2 w6 w7 w8.", "w1 w3 w8 w9 w5."], ["w1 w2 w3 w4 w5."]), call)
    want = {"precision": 0.4, "recall": 0.8, "fmeasure": 0.8 / 1.5}
    assert _same(got, want), (
        f"{call} returned {got}, expected {want}: the union of the LCS positions w1 w2 and w1 w3 w5 is 4 tokens, "
        "over 10 candidate tokens and 5 reference tokens"
    )
    call = "rouge_l_summary(['a b', 'a b'], ['a b c', 'a b d'])"
    got = _scores(student.rouge_l_summary(["a b", "a b"], ["a b c", "a b d"]), call)
    want = {"precision": 1.0, "recall": 4 / 6, "fmeasure": 0.8}
    assert _same(got, want), f"{call} returned {got}, expected {want}"
    call = "rouge_l_summary(['a b'], ['a', 'a'])"
    got = _scores(student.rouge_l_summary(["a b"], ["a", "a"]), call)
    want = {"precision": 0.5, "recall": 0.5, "fmeasure": 0.5}
    assert _same(got, want), (
        f"{call} returned {got}, expected {want}: the candidate summary has one 'a', so 'a' is credited once, "
        "not once per reference sentence"
    )


@points(1)
def test_summary_level_generated(student):
    rng = submission_rng("llm-apps/rouge-l:summary")
    for index in range(8):
        candidates = [_texts(rng)[0] for _ in range(int(rng.integers(1, 4)))]
        references = [_texts(rng)[1] for _ in range(int(rng.integers(1, 4)))]
        beta = 1.0 if index % 2 else 2.0
        call = f"rouge_l_summary({candidates!r}, {references!r}, beta={beta})"
        got = _scores(student.rouge_l_summary(candidates, references, beta=beta), call)
        want = _summary(candidates, references, beta)
        assert _same(got, want), (
            f"{call} returned {got}, expected {expected(want)}: for each reference sentence, the union of its LCS "
            "positions with every candidate sentence, each token credited at most as often as the candidate "
            "summary contains it"
        )


@shows_expected
@points(0.5)
def test_empty_texts_and_no_references(student):
    zero = {"precision": 0.0, "recall": 0.0, "fmeasure": 0.0}
    for candidate, reference in (("", "the cat"), ("the cat", "..."), ("", "")):
        call = f"rouge_l({candidate!r}, {reference!r})"
        got = _scores(student.rouge_l(candidate, reference), call)
        assert _same(got, zero), f"{call} returned {got}, expected {zero} (no tokens on a side: all scores are 0.0)"
    call = "rouge_l_summary([], ['the cat'])"
    got = _scores(student.rouge_l_summary([], ["the cat"]), call)
    assert _same(got, zero), f"{call} returned {got}, expected {zero}"
    call = "rouge_l_multi('the cat', [])"
    try:
        got = student.rouge_l_multi("the cat", [])
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}: {error.message}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r:.200}, expected it to raise ValueError")
