"""Hidden grader for transformers/translation-bleu.

BLEU and chrF are compared with sacrebleu 2.6.0 (in the image through the exercise's requirements), called
with tokenize="none" so that tokens are str.split()'s, as the statement says: corpus_bleu with sacrebleu's
defaults (exp smoothing, no effective order), sentence_bleu with sacrebleu.sentence_bleu's (exp smoothing,
effective order), chrF with sacrebleu.sentence_chrf's (character 6-grams, beta 2, whitespace removed).
The n-gram counts, the closest reference length and the brevity penalty come from the small functions
below. The worked examples are fixed (@shows_expected); the corpora and sentence pairs of the other tests
are drawn per submission (submission_rng).
"""

import math
from collections import Counter

import sacrebleu
from sacrebleu.metrics import BLEU

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

SLUG = "transformers/translation-bleu"
TOL = {"rel_tol": 1e-9, "abs_tol": 1e-9}


# ---------------------------------------------------------------- expected values

def _streams(references):
    """Our layout (one list of references per hypothesis) to sacrebleu's (one stream per reference slot,
    None where a hypothesis has fewer references)."""
    k = max(len(r) for r in references)
    return [[refs[j] if j < len(refs) else None for refs in references] for j in range(k)]


def _sacre_corpus(hypotheses, references):
    score = BLEU(tokenize="none").corpus_score(hypotheses, _streams(references))
    return {"bleu": score.score, "precisions": list(score.precisions), "bp": score.bp, "hyp_len": score.sys_len,
            "ref_len": score.ref_len, "matches": list(score.counts), "totals": list(score.totals)}


def _sacre_sentence(hypothesis, references):
    return sacrebleu.sentence_bleu(hypothesis, references, tokenize="none").score


def _sacre_chrf(hypothesis, references):
    return sacrebleu.sentence_chrf(hypothesis, references).score


def _clipped(hypothesis, references, n, clip=True):
    def grams(text):
        tokens = text.split()
        return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))

    hyp, best = grams(hypothesis), Counter()
    for reference in references:
        best |= grams(reference)  # the largest count in any one reference
    if clip:
        return sum(min(c, best[g]) for g, c in hyp.items()), sum(hyp.values())
    return sum(c for g, c in hyp.items() if g in best), sum(hyp.values())


def _closest(hyp_len, ref_lens):
    return min(ref_lens, key=lambda r: (abs(r - hyp_len), r))


def _bp(hyp_len, ref_len):
    return 1.0 if hyp_len >= ref_len else 0.0 if hyp_len == 0 else math.exp(1 - ref_len / hyp_len)


# ---------------------------------------------------------------- data drawn per submission

WORDS = ("the a an this that cat dog bird house garden river city old new small big red green quickly slowly "
         "runs sleeps sings sees likes finds near under over with and but is was very").split()


def _sentence(rng, low, high):
    return [str(w) for w in rng.choice(WORDS, size=int(rng.integers(low, high + 1)))]


def _paraphrase(rng, tokens):
    out = []
    for word in tokens:
        roll = rng.random()
        if roll < 0.15:
            out.append(str(rng.choice(WORDS)))
        elif roll < 0.22:
            continue
        else:
            out.append(word)
    return out or [str(rng.choice(WORDS))]


def _hypothesis(rng, tokens):
    """A system's translation of a reference: words replaced, dropped, repeated, swapped, cut or extended."""
    out = []
    for word in tokens:
        roll = rng.random()
        if roll < 0.12:
            out.append(str(rng.choice(WORDS)))
        elif roll < 0.2:
            continue
        elif roll < 0.28:
            out += [word, word]
        else:
            out.append(word)
    if len(out) > 2 and rng.random() < 0.3:
        i = int(rng.integers(len(out) - 1))
        out[i], out[i + 1] = out[i + 1], out[i]
    roll = rng.random()
    if roll < 0.25:
        out = out[: max(1, len(out) // 2)]
    elif roll < 0.45:
        out += _sentence(rng, 2, 5)
    return out or [str(rng.choice(WORDS))]


def _corpus(rng):
    """A corpus of 6 to 10 sentences, 1 to 3 references each, on which every known mistake changes the score."""
    while True:
        hypotheses, references = [], []
        for _ in range(int(rng.integers(6, 11))):
            first = _sentence(rng, 5, 16)
            refs = [first] + [_paraphrase(rng, first) for _ in range(int(rng.integers(0, 3)))]
            hypotheses.append(" ".join(_hypothesis(rng, first)))
            references.append([" ".join(r) for r in refs])
        # one sentence whose two references are equally close, the longer one first
        c = len(hypotheses[0].split())
        words = references[0][0].split() * 10
        references[0] = [" ".join(words[: c + 2]), " ".join(words[: max(1, c - 2)])]
        # one sentence with a word repeated more often than any reference has it
        extra = hypotheses[1].split()[0]
        hypotheses[1] = " ".join([extra] * 4 + hypotheses[1].split())
        want = _sacre_corpus(hypotheses, references)
        lens = [(len(h.split()), _closest(len(h.split()), [len(x.split()) for x in r]))
                for h, r in zip(hypotheses, references)]
        mean_bp = sum(_bp(h, r) for h, r in lens) / len(lens)
        first_tie = c >= 3  # c + 2 and c - 2 are equally close
        unclipped = _clipped(hypotheses[1], references[1], 1, clip=False)[0] != _clipped(hypotheses[1], references[1], 1)[0]
        geometric_differs = max(want["precisions"]) - min(want["precisions"]) > 1e-6
        if (all(want["matches"]) and abs(mean_bp - want["bp"]) > 1e-6 and first_tie and unclipped
                and geometric_differs):
            return hypotheses, references


# ---------------------------------------------------------------- checks

def _number(value, call):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (
        f"{call} should be a number, got {type(value).__name__}: {value!r:.100}"
    )
    return float(value)


def _check_corpus(got, want, call, note=""):
    keys = ("bleu", "precisions", "bp", "hyp_len", "ref_len", "matches", "totals")
    assert isinstance(got, dict) and set(keys) <= set(got), (
        f"{call} should return a dict with the keys {list(keys)}, got {got!r:.300}"
    )
    for key in ("matches", "totals", "precisions"):
        assert isinstance(got[key], (list, tuple)) and len(got[key]) == 4, (
            f"{call}[{key!r}] should be a list of 4 values (orders 1 to 4), got {got[key]!r:.200}"
        )
    for key in ("hyp_len", "ref_len"):
        assert got[key] == want[key], f"{call}[{key!r}] is {got[key]!r}, expected {expected(want[key])}{note}"
    for key in ("matches", "totals"):
        assert list(got[key]) == want[key], (
            f"{call}[{key!r}] is {got[key]!r}, expected {expected(want[key])} (clipped matches and n-gram counts of "
            f"orders 1 to 4, summed over the corpus){note}"
        )
    for key in ("bp", "bleu"):
        _number(got[key], f"{call}[{key!r}]")
        assert math.isclose(got[key], want[key], **TOL), (
            f"{call}[{key!r}] is {got[key]!r}, expected {expected(want[key])}{note}"
        )
    for n in range(4):
        _number(got["precisions"][n], f"{call}['precisions'][{n}]")
        assert math.isclose(got["precisions"][n], want["precisions"][n], **TOL), (
            f"{call}['precisions'][{n}] (order {n + 1}) is {got['precisions'][n]!r}, expected "
            f"{expected(want['precisions'][n])} (a percentage){note}"
        )


# ---------------------------------------------------------------- tests

@shows_expected
@points(1)
def test_ngrams_and_clipping(student):
    got = student.ngrams(["to", "be", "or", "not", "to", "be"], 2)
    want = {("to", "be"): 2, ("be", "or"): 1, ("or", "not"): 1, ("not", "to"): 1}
    assert isinstance(got, dict) and {tuple(k): v for k, v in got.items()} == want, (
        f"ngrams(['to', 'be', 'or', 'not', 'to', 'be'], 2) returned {got!r}, expected {want!r}"
    )
    got = student.ngrams(["short"], 2)
    assert got == {}, f"ngrams(['short'], 2) returned {got!r}, expected {{}} (one token has no 2-gram)"
    cases = [
        ("the the the the", ["the cat is on the mat"], 1, (2, 4),
         "'the' is clipped to 2, the most times a reference has it"),
        ("the the the the", ["the cat", "the the mat"], 1, (2, 4), "the clip is the largest count in ONE reference"),
        ("the cat the cat sat on the mat", ["the cat sat on the mat", "a cat sat on the mat"], 2, (5, 7),
         "'the cat' occurs twice in the hypothesis, once in a reference"),
        ("a b c", ["a b c d"], 4, (0, 0), "three tokens have no 4-gram"),
        ("A cat", ["a cat"], 1, (1, 2), "case matters: tokens are compared as they are"),
    ]
    for hypothesis, references, n, want, hint in cases:
        call = f"clipped_counts({hypothesis!r}, {references!r}, {n})"
        got = student.clipped_counts(hypothesis, references, n)
        assert isinstance(got, (list, tuple)) and tuple(got) == want, f"{call} returned {got!r}, expected {want} ({hint})"


@points(0.5)
def test_clipped_counts_on_hidden_sentences(student):
    rng = submission_rng(f"{SLUG}:clip")
    for index in range(12):
        first = _sentence(rng, 4, 12)
        references = [" ".join(first)] + [" ".join(_paraphrase(rng, first)) for _ in range(int(rng.integers(0, 3)))]
        hyp = _hypothesis(rng, first)
        if index < 4:
            hyp = [hyp[0]] * 3 + hyp
        hypothesis, n = " ".join(hyp), int(rng.integers(1, 5))
        call = f"clipped_counts({hypothesis!r}, {references!r}, {n})"
        got = student.clipped_counts(hypothesis, references, n)
        want = _clipped(hypothesis, references, n)
        assert isinstance(got, (list, tuple)) and tuple(got) == want, f"{call} returned {got!r}, expected {expected(want)}"


@shows_expected
@points(1)
def test_closest_reference_length_and_brevity_penalty(student):
    for hyp_len, ref_lens, want, hint in (
        (5, [7, 3], 3, "3 and 7 are both 2 away, and the SHORTER one wins"),
        (5, [3, 7], 3, "a tie goes to the shorter length, wherever it is in the list"),
        (6, [9, 5, 12], 5, "the closest length"),
        (10, [4, 10, 11], 10, "an exact length"),
    ):
        call = f"closest_ref_length({hyp_len}, {ref_lens})"
        got = student.closest_ref_length(hyp_len, ref_lens)
        assert got == want, f"{call} returned {got!r}, expected {want} ({hint})"
    for hyp_len, ref_len, want in ((9, 10, math.exp(1 - 10 / 9)), (10, 10, 1.0), (14, 10, 1.0), (1, 4, math.exp(-3)),
                                   (0, 3, 0.0)):
        call = f"brevity_penalty({hyp_len}, {ref_len})"
        got = _number(student.brevity_penalty(hyp_len, ref_len), call)
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15), (
            f"{call} returned {got!r}, expected {want!r} (1 when the hypothesis is at least as long, exp(1 - r / c) "
            "when shorter, 0 for an empty hypothesis)"
        )


@shows_expected
@points(1.5)
def test_corpus_bleu_worked_examples(student):
    cases = [
        (["the cat the cat sat on the mat", "it is raining"],
         [["the cat sat on the mat", "a cat sat on the mat"], ["it is raining today"]]),
        (["a quick brown fox jumps over the lazy dog"], [["the quick brown fox jumps over the lazy dog"]]),
        (["he read the book", "she is reading a long letter now"],
         [["he has read the book", "he read that book"], ["she reads a long letter"]]),
    ]
    for hypotheses, references in cases:
        call = f"corpus_bleu({hypotheses!r}, {references!r})"
        _check_corpus(student.corpus_bleu(hypotheses, references), _sacre_corpus(hypotheses, references), call)
    call = "corpus_bleu(['a b'], [['a b'], ['c d']])"
    try:
        got = student.corpus_bleu(["a b"], [["a b"], ["c d"]])
    except StudentError as error:
        assert error.type_name == "ValueError", f"{call} raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"{call} returned {got!r:.200}, expected ValueError (one list of references per hypothesis)")


@points(2)
def test_corpus_bleu_on_a_hidden_corpus(student):
    rng = submission_rng(f"{SLUG}:corpus")
    hypotheses, references = _corpus(rng)
    call = f"corpus_bleu(<{len(hypotheses)} hypotheses drawn for this submission>, <their references>)"
    got = student.corpus_bleu(hypotheses, references)
    want = _sacre_corpus(hypotheses, references)
    note = ""
    if isinstance(got, dict) and isinstance(got.get("bleu"), (int, float)) and isinstance(got.get("precisions"), list):
        if got.get("ref_len") == want["ref_len"] and got.get("matches") == want["matches"] and not math.isclose(
                got.get("bp", -1), want["bp"], **TOL):
            note = (". Hint: the brevity penalty comes from the corpus's TOTAL hypothesis and reference lengths, "
                    "not from each sentence")
        elif len(got["precisions"]) == 4 and math.isclose(got["bleu"], want["bp"] * sum(want["precisions"]) / 4, **TOL):
            note = ". Hint: combine the precisions with the GEOMETRIC mean, exp of the mean of their logs"
    _check_corpus(got, want, call, f"{note}. The corpus: hypotheses = {hypotheses!r}, references = {references!r}")


@shows_expected
@points(0.5)
def test_corpus_bleu_when_counts_are_zero(student):
    cases = [
        (["the cat sat on a mat", "a dog ran"], [["the cat sat on the mat"], ["the dog ran"]],
         "a zero count is smoothed: 100 / (2 ** k * total) for the k-th order with no match"),
        (["one two three", "four five"], [["one two three"], ["four five"]],
         "no hypothesis has a 4-gram (total 0): the score is 0"),
        (["x y z w v"], [["a b c d e"]], "nothing matches: the score and every precision are 0"),
        ([""], [["a b c"]], "an empty hypothesis: brevity penalty 0, score 0"),
    ]
    for hypotheses, references, hint in cases:
        call = f"corpus_bleu({hypotheses!r}, {references!r})"
        _check_corpus(student.corpus_bleu(hypotheses, references), _sacre_corpus(hypotheses, references), call,
                      f" ({hint})")


@shows_expected
@points(0.75)
def test_sentence_bleu_rules(student):
    cases = [
        ("the cat", ["the cat sat"], "two words: only orders 1 and 2 count (effective order)"),
        ("yes", ["yes"], "one word, right: orders 2 to 4 are left out"),
        ("the dog sat on the rug", ["the cat sat on the mat"], "no matching 4-gram: smoothed to 100 / (2 * 3)"),
        ("a b c d e", ["a x c y e"], "no matching 2-, 3- or 4-gram: 100 / (2 * 4), 100 / (4 * 3), 100 / (8 * 2)"),
        ("", ["a b"], "empty: 0"),
        ("one two", ["three four"], "nothing matches: 0"),
    ]
    for hypothesis, references, hint in cases:
        call = f"sentence_bleu({hypothesis!r}, {references!r})"
        got = _number(student.sentence_bleu(hypothesis, references), call)
        want = _sacre_sentence(hypothesis, references)
        assert math.isclose(got, want, **TOL), f"{call} returned {got!r}, expected {want!r} ({hint})"


@points(0.75)
def test_sentence_bleu_on_hidden_sentences(student):
    rng = submission_rng(f"{SLUG}:sentence")
    for index in range(12):
        first = _sentence(rng, 2 if index < 3 else 5, 4 if index < 3 else 14)
        references = [" ".join(first)] + [" ".join(_paraphrase(rng, first)) for _ in range(int(rng.integers(0, 3)))]
        hyp = _hypothesis(rng, first)
        hypothesis = " ".join(hyp[:3] if index < 3 else hyp)
        call = f"sentence_bleu({hypothesis!r}, {references!r})"
        got = _number(student.sentence_bleu(hypothesis, references), call)
        want = _sacre_sentence(hypothesis, references)
        assert math.isclose(got, want, **TOL), (
            f"{call} returned {got!r}, expected {expected(want)} (the sentence's own counts and closest reference "
            "length, exp smoothing, and only the orders the hypothesis has n-grams of)"
        )


CHRF_HINT = ("character 1- to 6-grams with whitespace removed, precision and recall averaged over the orders "
             "that both sides have, beta 2, the best reference")


@shows_expected
@points(0.5)
def test_chrf_small_cases(student):
    for hypothesis, references in (
        ("the cat sat on a mat", ["the cat sat on the mat"]),
        ("the mat", ["the cat sat on the mat"]),
        ("thecat sat", ["the cat sat"]),
        ("ab", ["abcdefgh"]),
        ("kitten", ["sitting", "kitchen"]),
        ("", ["abc"]),
    ):
        call = f"chrf({hypothesis!r}, {references!r})"
        got = _number(student.chrf(hypothesis, references), call)
        want = _sacre_chrf(hypothesis, references)
        assert math.isclose(got, want, **TOL), f"{call} returned {got!r}, expected {want!r} ({CHRF_HINT})"


@points(0.5)
def test_chrf_on_hidden_sentences(student):
    rng = submission_rng(f"{SLUG}:chrf")
    for _ in range(10):
        first = _sentence(rng, 3, 10)
        references = [" ".join(first)] + [" ".join(_paraphrase(rng, first)) for _ in range(int(rng.integers(0, 2)))]
        hypothesis = " ".join(_hypothesis(rng, first))
        call = f"chrf({hypothesis!r}, {references!r})"
        got = _number(student.chrf(hypothesis, references), call)
        want = _sacre_chrf(hypothesis, references)
        assert math.isclose(got, want, **TOL), f"{call} returned {got!r}, expected {expected(want)} ({CHRF_HINT})"


def _example(pair, name):
    call = f"bleu_gap_examples()[{name!r}]"
    ok = isinstance(pair, (list, tuple)) and len(pair) == 2
    hypotheses, references = pair if ok else (None, None)
    ok = ok and isinstance(hypotheses, list) and isinstance(references, list) and len(hypotheses) == len(references)
    ok = ok and 2 <= len(hypotheses) <= 20 and all(isinstance(h, str) and h.split() for h in hypotheses)
    ok = ok and all(isinstance(r, list) and r and all(isinstance(x, str) and x.split() for x in r) for r in references)
    ok = ok and all(len(x.split()) <= 60 for x in hypotheses + [x for r in references for x in r])
    assert ok, (
        f"{call} should be (hypotheses, references): 2 to 20 non-empty hypotheses, each with a non-empty list of "
        f"non-empty references, at most 60 tokens each; got {pair!r:.300}"
    )
    corpus = _sacre_corpus(hypotheses, references)["bleu"]
    mean = sum(_sacre_sentence(h, r) for h, r in zip(hypotheses, references)) / len(hypotheses)
    return call, corpus, mean


@points(1)
def test_corpus_bleu_is_not_the_mean_of_sentence_bleus(student):
    got = student.bleu_gap_examples()
    assert isinstance(got, dict) and {"corpus_higher", "corpus_lower"} <= set(got), (
        f"bleu_gap_examples() should return a dict with the keys 'corpus_higher' and 'corpus_lower', got {got!r:.300}"
    )
    call, corpus, mean = _example(got["corpus_higher"], "corpus_higher")
    assert corpus >= mean + 20, (
        f"{call}: sacrebleu gives a corpus BLEU of {corpus:.2f} and a mean sentence BLEU of {mean:.2f}; the corpus "
        "score should be at least 20 points HIGHER"
    )
    call, corpus, mean = _example(got["corpus_lower"], "corpus_lower")
    assert corpus <= mean - 20, (
        f"{call}: sacrebleu gives a corpus BLEU of {corpus:.2f} and a mean sentence BLEU of {mean:.2f}; the corpus "
        "score should be at least 20 points LOWER"
    )
