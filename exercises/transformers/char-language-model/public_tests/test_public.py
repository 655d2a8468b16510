"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They train your model on a short text of their own (not train.txt, so they stay quick) and check that
next_char_probs returns valid probability rows, including for the empty context, and that the model
predicts better than the uniform distribution on similar text. The hidden grader trains on train.txt and
measures val_loss on hidden stories; `python solution.py` shows your held-out loss on train.txt.
"""

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import train  # noqa: E402

ALPHABET = "\n !',.?abcdefghijklmnopqrstuvwxyz"
INDEX = {ch: i for i, ch in enumerate(ALPHABET)}

SENTENCES = [
    "the boy walks to the park.", "the girl reads a red book.", "a dog sleeps near the door.",
    "the girl walks to the shop.", "the boy reads a long letter.", "a cat sleeps near the fire.",
    "is the dog happy? yes, it is.", "the boy's cat runs to the park!",
]
TRAIN_TEXT = "\n".join(" ".join(SENTENCES[(i + j) % len(SENTENCES)] for j in range(4)) for i in range(24)) + "\n"
HELD_OUT = "the dog walks to the door. a boy reads near the fire. the girl sleeps."

_MODEL = []


def _model():
    if not _MODEL:
        _MODEL.append(train(TRAIN_TEXT))
    return _MODEL[0]


def _rows(contexts):
    got = _model().next_char_probs(contexts)
    if hasattr(got, "detach"):
        got = got.detach().cpu().numpy()
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == (len(contexts), len(ALPHABET)), (
        f"next_char_probs(<{len(contexts)} contexts>) returned shape {got.shape}, expected ({len(contexts)}, 33)"
    )
    return got


def test_rows_are_probability_distributions():
    contexts = ["", "t", "the boy walks to the ", "a" * 300]
    rows = _rows(contexts)
    assert np.all(np.isfinite(rows)), f"next_char_probs returned values that are not finite:\n{rows}"
    assert np.all(rows >= 0), "next_char_probs returned negative probabilities"
    sums = rows.sum(axis=1)
    assert np.allclose(sums, 1.0, atol=1e-4), (
        f"every row should sum to 1 (within 1e-4); the rows for {[c[:25] for c in contexts]} sum to {sums}"
    )


def test_better_than_uniform_on_similar_text():
    contexts = [HELD_OUT[:t] for t in range(16, len(HELD_OUT))]
    loss = 0.0
    for start in range(0, len(contexts), 32):
        batch = contexts[start:start + 32]
        rows = _rows(batch)
        for row, context in zip(rows, batch, strict=True):
            loss -= math.log(max(float(row[INDEX[HELD_OUT[len(context)]]]), 1e-8))
    loss /= len(contexts)
    assert loss < 3.2, (
        f"the average loss on text like the training text is {loss:.3f} nats per character, expected below 3.2 "
        f"(uniform guessing gives ln 33 = {math.log(33):.2f}; a probability of 0 for the true character costs 18.4)"
    )
