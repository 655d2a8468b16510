"""ROUGE-L from scratch: the longest common subsequence and the scores built on it.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import re  # noqa: F401
from collections import Counter  # noqa: F401


def tokenize(text: str) -> list[str]:
    """Lower-case the text; every run of the characters a-z and 0-9 is a token."""
    raise NotImplementedError("tokenize is not written yet")


def lcs_table(a: list, b: list) -> list[list[int]]:
    """The (len(a)+1) x (len(b)+1) table: cell [i][j] is the LCS length of a[:i] and b[:j]."""
    raise NotImplementedError("lcs_table is not written yet")


def lcs_length(a: list, b: list) -> int:
    """The length of the longest common subsequence of a and b, in O(len(a) * len(b)) time."""
    raise NotImplementedError("lcs_length is not written yet")


def lcs_length_low_memory(a: list, b: list) -> int:
    """The same length, keeping only two rows of length min(len(a), len(b)) + 1."""
    raise NotImplementedError("lcs_length_low_memory is not written yet")


def lcs_positions(reference: list, candidate: list) -> list[int]:
    """The positions in `reference` of one LCS, read back from the table with the README's tie rule."""
    raise NotImplementedError("lcs_positions is not written yet")


def f_measure(precision: float, recall: float, beta: float = 1.0) -> float:
    """(1 + beta^2) * P * R / (beta^2 * P + R); 0.0 when P or R is 0."""
    raise NotImplementedError("f_measure is not written yet")


def rouge_l(candidate: str, reference: str, beta: float = 1.0) -> dict:
    """{"precision", "recall", "fmeasure"} of the LCS of the two token lists."""
    raise NotImplementedError("rouge_l is not written yet")


def rouge_l_multi(candidate: str, references: list[str], beta: float = 1.0) -> dict:
    """The scores against the reference with the highest fmeasure, plus its index as "reference"."""
    raise NotImplementedError("rouge_l_multi is not written yet")


def rouge_l_summary(candidate_sentences: list[str], reference_sentences: list[str], beta: float = 1.0) -> dict:
    """Summary-level ROUGE-L: the union LCS of each reference sentence with all candidate sentences."""
    raise NotImplementedError("rouge_l_summary is not written yet")
