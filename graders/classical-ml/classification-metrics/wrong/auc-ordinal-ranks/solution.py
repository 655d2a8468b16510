import numpy as np


def _pair(y_true, y_pred):
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but the other input has {len(y_pred)}")
    return y_true, y_pred


def confusion_matrix(y_true, y_pred, labels=None) -> np.ndarray:
    y_true, y_pred = _pair(y_true, y_pred)
    if labels is None:
        labels = sorted(set(y_true) | set(y_pred))
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in zip(y_true, y_pred):
        if t in index and p in index:
            matrix[index[t], index[p]] += 1
    return matrix


def _safe_divide(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def precision_recall_f1(y_true, y_pred, positive=1) -> tuple[float, float, float]:
    y_true, y_pred = _pair(y_true, y_pred)
    tp = sum(1 for t, p in zip(y_true, y_pred) if t == positive and p == positive)
    fp = sum(1 for t, p in zip(y_true, y_pred) if t != positive and p == positive)
    fn = sum(1 for t, p in zip(y_true, y_pred) if t == positive and p != positive)
    precision = _safe_divide(tp, tp + fp)
    recall = _safe_divide(tp, tp + fn)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return precision, recall, f1


def macro_f1(y_true, y_pred) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    labels = sorted(set(y_true) | set(y_pred))
    return float(np.mean([precision_recall_f1(y_true, y_pred, positive=label)[2] for label in labels]))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n; tied values share the mean of the ranks they span."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    ranks = np.empty(len(values), dtype=float)
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def roc_auc(y_true, scores) -> float:
    y_true, scores = _pair(y_true, scores)
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    positive = y == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC-AUC needs at least one positive and one negative example")
    # Mann-Whitney: the rank sum of the positives, with ties counted half through average ranks.
    ranks = np.argsort(np.argsort(s)) + 1.0  # ties broken by position, not averaged
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))
