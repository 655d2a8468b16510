"""Classification metrics from scratch (plain Python and NumPy).

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Every function raises ValueError when its two inputs have different lengths.
"""

import numpy as np


def confusion_matrix(y_true, y_pred, labels=None) -> np.ndarray:
    """Integer matrix; entry [i, j] counts true labels[i] predicted as labels[j].

    labels=None means the sorted union of the values in y_true and y_pred.
    """
    raise NotImplementedError("confusion_matrix is not written yet")


def precision_recall_f1(y_true, y_pred, positive=1) -> tuple[float, float, float]:
    """Return (precision, recall, f1) for the class `positive`; 0.0 whenever a denominator is 0."""
    raise NotImplementedError("precision_recall_f1 is not written yet")


def macro_f1(y_true, y_pred) -> float:
    """Mean F1 over the sorted union of labels in y_true and y_pred."""
    raise NotImplementedError("macro_f1 is not written yet")


def roc_auc(y_true, scores) -> float:
    """P(score of a random positive > score of a random negative), ties counting 1/2.

    Raise ValueError if y_true has no positives or no negatives.
    """
    raise NotImplementedError("roc_auc is not written yet")
