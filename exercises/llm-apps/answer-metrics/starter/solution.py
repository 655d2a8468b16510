"""Exact match and token F1 for generated answers (SQuAD-style), from scratch.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import string  # noqa: F401  (string.punctuation is the set of characters to delete)
from collections import Counter  # noqa: F401  (Counter(a) & Counter(b) is the multiset intersection)


def normalize_answer(text: str) -> str:
    """Lower-case, delete punctuation, drop the words a/an/the, and join the words with single spaces."""
    raise NotImplementedError("normalize_answer is not written yet")


def exact_match(prediction: str, reference: str) -> float:
    """1.0 if both texts are equal after normalisation, else 0.0."""
    raise NotImplementedError("exact_match is not written yet")


def token_f1(prediction: str, reference: str) -> dict:
    """{"precision", "recall", "f1"} of the normalised tokens, with multiset (Counter) overlap."""
    raise NotImplementedError("token_f1 is not written yet")


def best_scores(prediction: str, references: list[str]) -> dict:
    """{"exact_match", "f1"}: the best value of each metric over the references; ValueError if there are none."""
    raise NotImplementedError("best_scores is not written yet")


def evaluate(predictions: dict[str, str], dataset: list[dict]) -> dict:
    """Mean exact match and F1 over the dataset (missing predictions score 0), with count, missing and per_question."""
    raise NotImplementedError("evaluate is not written yet")
