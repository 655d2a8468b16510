"""BLEU and chrF by hand, as sacrebleu computes them.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules:
clipping, the closest reference length, one brevity penalty for the corpus, exp smoothing and the
effective order of sentence BLEU all change the numbers the grader compares with sacrebleu's.
"""

import math
from collections import Counter

MAX_ORDER = 4


def ngrams(tokens: list[str], n: int) -> dict[tuple[str, ...], int]:
    """Counts of the n-grams (tuples of n consecutive tokens).

    >>> ngrams(["to", "be", "or", "not", "to", "be"], 2)[("to", "be")]
    2
    """
    raise NotImplementedError("ngrams is not written yet")


def clipped_counts(hypothesis: str, references: list[str], n: int) -> tuple[int, int]:
    """(clipped matches, total) of the hypothesis's n-grams; tokens are str.split()'s.

    >>> clipped_counts("the the the the", ["the cat is on the mat"], 1)
    (2, 4)
    """
    raise NotImplementedError("clipped_counts is not written yet")


def closest_ref_length(hyp_len: int, ref_lens: list[int]) -> int:
    """The reference length closest to hyp_len; ties go to the shorter one.

    >>> closest_ref_length(5, [7, 3])
    3
    """
    raise NotImplementedError("closest_ref_length is not written yet")


def brevity_penalty(hyp_len: int, ref_len: int) -> float:
    """1.0 if hyp_len >= ref_len, 0.0 if hyp_len == 0, else exp(1 - ref_len / hyp_len)."""
    raise NotImplementedError("brevity_penalty is not written yet")


def corpus_bleu(hypotheses: list[str], references: list[list[str]]) -> dict:
    """Corpus BLEU (0-100) with its parts: bleu, precisions (percent), bp, hyp_len, ref_len, matches, totals."""
    raise NotImplementedError("corpus_bleu is not written yet")


def sentence_bleu(hypothesis: str, references: list[str]) -> float:
    """BLEU of one sentence (0-100), exp smoothing and effective order."""
    raise NotImplementedError("sentence_bleu is not written yet")


def chrf(hypothesis: str, references: list[str]) -> float:
    """chrF (0-100): character 1- to 6-grams without whitespace, beta 2, the best reference."""
    raise NotImplementedError("chrf is not written yet")


def bleu_gap_examples() -> dict:
    """{"corpus_higher": (hypotheses, references), "corpus_lower": (hypotheses, references)}: two corpora of
    your own on which corpus BLEU is at least 20 points above / below the mean of the sentence BLEUs."""
    raise NotImplementedError("bleu_gap_examples is not written yet")
