"""A tiny character-level language model.

Write ``train(text)`` so that it returns a model with a method ``next_char_probs(contexts)``.
Read README.md for the exact rules and how the grader scores the model.

This file must not read train.txt itself: the grader passes the training text to ``train``.
"""

import math

import numpy as np

# The 33 characters every text uses, in the order of the columns of next_char_probs.
ALPHABET = "\n !',.?abcdefghijklmnopqrstuvwxyz"
INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


class CharModel:
    """Your model. Keep whatever you learn in attributes."""

    def next_char_probs(self, contexts: list[str]) -> np.ndarray:
        """For each context string, the probability of every character of ALPHABET coming next.

        Returns an array of shape (len(contexts), 33): non-negative rows that sum to 1.
        A context may be any length, including the empty string "".
        """
        raise NotImplementedError("next_char_probs is not written yet")


def train(text: str) -> CharModel:
    """Learn from ``text`` (only characters of ALPHABET) and return the trained model.

    Must finish within about 20 seconds on one CPU core.
    """
    raise NotImplementedError("train is not written yet")


def evaluate(model, text: str, start: int = 16) -> float:
    """Average negative log-likelihood (nats per character) of ``text[start:]``, each character
    predicted from everything before it. The grader's val_loss is the same quantity, measured on
    hidden passages of 64 characters (see README.md). Useful on a held-out part of train.txt.
    """
    total = 0.0
    for t in range(start, len(text)):
        row = model.next_char_probs([text[:t]])[0]
        total -= math.log(max(float(row[INDEX[text[t]]]), 1e-8))
    return total / max(1, len(text) - start)


if __name__ == "__main__":
    with open("train.txt", encoding="utf-8") as f:
        corpus = f.read()
    split = int(len(corpus) * 0.9)
    model = train(corpus[:split])
    print("held-out loss:", evaluate(model, corpus[split:split + 2000]))
