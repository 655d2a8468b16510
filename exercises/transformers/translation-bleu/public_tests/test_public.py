"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (other corpora, one drawn anew
for each submission, zero counts, short sentences, chrF with several references, your two example corpora).
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    brevity_penalty,
    chrf,
    clipped_counts,
    closest_ref_length,
    corpus_bleu,
    ngrams,
    sentence_bleu,
)

HYPOTHESES = ["the cat the cat sat on the mat", "it is raining"]
REFERENCES = [["the cat sat on the mat", "a cat sat on the mat"], ["it is raining today"]]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_ngrams_and_clipping_examples():
    assert ngrams(["to", "be", "or", "not", "to", "be"], 2)[("to", "be")] == 2
    assert ngrams(["short"], 2) == {}
    got = clipped_counts("the the the the", ["the cat is on the mat"], 1)
    assert tuple(got) == (2, 4), f"clipped_counts returned {got!r}, expected (2, 4): 'the' is clipped to 2"
    assert tuple(clipped_counts(HYPOTHESES[0], REFERENCES[0], 1)) == (6, 8)
    assert tuple(clipped_counts(HYPOTHESES[0], REFERENCES[0], 2)) == (5, 7)


def test_closest_length_and_penalty():
    got = closest_ref_length(5, [7, 3])
    assert got == 3, f"closest_ref_length(5, [7, 3]) returned {got!r}, expected 3 (a tie goes to the shorter)"
    assert brevity_penalty(10, 10) == 1.0
    assert close(brevity_penalty(3, 4), math.exp(1 - 4 / 3))
    assert brevity_penalty(0, 4) == 0.0


def test_corpus_bleu_worked_example():
    got = corpus_bleu(HYPOTHESES, REFERENCES)
    assert list(got["matches"]) == [9, 7, 5, 3] and list(got["totals"]) == [11, 9, 7, 5], (
        f"matches {got['matches']!r} and totals {got['totals']!r}, expected [9, 7, 5, 3] and [11, 9, 7, 5]"
    )
    assert got["hyp_len"] == 11 and got["ref_len"] == 10 and got["bp"] == 1.0, (
        f"hyp_len {got['hyp_len']}, ref_len {got['ref_len']}, bp {got['bp']}: expected 11, 10 and 1.0 (one "
        "penalty for the whole corpus)"
    )
    want = [81.81818181818181, 77.77777777777777, 71.42857142857143, 60.0]
    assert all(close(a, b) for a, b in zip(got["precisions"], want, strict=True)), f"precisions {got['precisions']}, expected {want}"
    assert close(got["bleu"], 72.26568811456055), f"bleu {got['bleu']!r}, expected 72.26568811456055"


def test_sentence_bleu_examples():
    got = [sentence_bleu(h, r) for h, r in zip(HYPOTHESES, REFERENCES, strict=True)]
    assert close(got[0], 68.037493331712) and close(got[1], 71.65313105737896), (
        f"sentence_bleu gave {got!r}, expected [68.037493331712, 71.65313105737896] (the second uses orders 1 to 3 "
        "only: the effective order)"
    )
    got = sentence_bleu("the dog sat on the rug", ["the cat sat on the mat"])
    assert close(got, 32.46679154750991), f"sentence_bleu with a smoothed 4-gram precision gave {got!r}, expected 32.46679154750991"


def test_chrf_example():
    got = chrf("the cat sat on a mat", ["the cat sat on the mat"])
    assert close(got, 65.9796599099555), f"chrf gave {got!r}, expected 65.9796599099555"
