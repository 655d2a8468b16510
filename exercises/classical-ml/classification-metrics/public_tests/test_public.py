"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples from the statement. The hidden grader checks more (other inputs, many tied
scores, shuffled rows, errors).
"""

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import confusion_matrix, macro_f1, precision_recall_f1, roc_auc  # noqa: E402


def test_statement_confusion_matrices():
    got = confusion_matrix([0, 0, 0, 1, 1], [1, 1, 0, 1, 1])
    assert isinstance(got, np.ndarray) and got.dtype.kind in "iu", "confusion_matrix should return a NumPy array of integers"
    assert got.tolist() == [[1, 2], [0, 2]], (
        f"got {got.tolist()}: rows are the TRUE labels, columns the PREDICTED labels"
    )
    got = confusion_matrix(["cat", "dog", "cat"], ["cat", "cat", "bird"])
    assert got.tolist() == [[0, 0, 0], [1, 1, 0], [0, 1, 0]], (
        f"got {got.tolist()}: with labels=None the labels are the sorted union ['bird', 'cat', 'dog']"
    )


def test_labels_argument_sets_the_order():
    # rows and columns follow `labels`; "cow" never occurs; "bird" is not in the list and is left out
    got = confusion_matrix(["cat", "dog", "cat"], ["cat", "cat", "bird"], labels=["dog", "cat", "cow"])
    assert got.tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 0]], f"got {got.tolist()}"


def test_statement_precision_recall_f1():
    got = precision_recall_f1([1, 1, 1, 0], [1, 0, 0, 0])
    assert len(got) == 3, "return the tuple (precision, recall, f1)"
    assert all(math.isclose(g, w) for g, w in zip(got, (1.0, 1 / 3, 0.5), strict=True)), f"got {got}, expected (1.0, 0.333..., 0.5)"


def test_never_predicting_the_positive_class_gives_zeros():
    got = precision_recall_f1([1, 0, 1, 0], [0, 0, 0, 0])
    assert tuple(got) == (0.0, 0.0, 0.0), f"got {got}: when a denominator is 0 the metric is 0.0 (not NaN, no exception)"


def test_macro_f1_counts_a_label_that_is_only_predicted():
    # F1 of "x" is 1.0, of "y" is 0.0 (never predicted), of "z" is 0.0 (only predicted): mean 1/3
    got = macro_f1(["x", "x", "y"], ["x", "x", "z"])
    assert isinstance(got, float), f"macro_f1 should return a float, got {type(got).__name__}"
    assert math.isclose(got, 1 / 3), f"got {got}, expected 1/3 (three labels: 'x', 'y', 'z')"


def test_statement_roc_auc_examples():
    got = roc_auc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    assert isinstance(got, float), f"roc_auc should return a Python float, got {type(got).__name__}"
    assert math.isclose(got, 8 / 9), f"got {got}, expected 0.888... (8 of the 9 pairs are ordered correctly)"
    got = roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1])
    assert math.isclose(got, 0.875), f"got {got}, expected 0.875 (the tied pair counts one half)"
    got = roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.9, 0.1])  # the same scores, the labels in another order
    assert math.isclose(got, 0.125), f"got {got}, expected 0.125: only the tied pair counts, (0 + 0.5) / 4"
    try:
        roc_auc([1, 1], [0.3, 0.7])
    except ValueError:
        pass
    else:
        raise AssertionError("roc_auc with no negative example should raise ValueError")
