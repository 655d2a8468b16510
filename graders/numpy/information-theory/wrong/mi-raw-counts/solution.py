"""Information theory with NumPy: entropy, cross-entropy, KL divergence, mutual information, perplexity."""

import math

import numpy as np


def _log(x, base):
    """log of x in the given base (x > 0)."""
    return np.log(x) / math.log(base)


def _check_base(base):
    if not base > 0 or base == 1:
        raise ValueError(f"base must be positive and not 1, got {base!r}")


def _distribution(p, name="p"):
    p = np.asarray(p, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of probabilities")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} has a negative or non-finite entry")
    if abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"{name} sums to {p.sum()}, not 1")
    return p


def _table(table):
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.size == 0:
        raise ValueError("the table must be a non-empty 2-D array")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("the table has a negative or non-finite entry")
    total = t.sum()
    if total <= 0:
        raise ValueError("the table sums to 0")
    return t / total


def _plogp(p, base):
    """Sum of p log p over the entries, with 0 log 0 = 0."""
    nz = p > 0
    return float(np.sum(p[nz] * _log(p[nz], base)))


def entropy(p, base=2):
    _check_base(base)
    p = _distribution(p)
    return 0.0 - _plogp(p, base)


def joint_entropy(table, base=2):
    _check_base(base)
    return 0.0 - _plogp(_table(table).ravel(), base)


def conditional_entropy(table, base=2):
    """H(Y | X): rows of the table are the values of X, columns those of Y."""
    _check_base(base)
    joint = _table(table)
    return (0.0 - _plogp(joint.ravel(), base)) + _plogp(joint.sum(axis=1), base)


def cross_entropy(p, q, base=2):
    _check_base(base)
    p, q = _distribution(p), _distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError("p and q must have the same length")
    nz = p > 0
    if np.any(q[nz] == 0):
        return math.inf
    return float(-np.sum(p[nz] * _log(q[nz], base)))


def kl_divergence(p, q, base=2):
    """D(p || q) = sum p log(p / q)."""
    _check_base(base)
    p, q = _distribution(p), _distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError("p and q must have the same length")
    nz = p > 0
    if np.any(q[nz] == 0):
        return math.inf
    return float(np.sum(p[nz] * _log(p[nz] / q[nz], base)))


def mutual_information(table, base=2):
    _check_base(base)
    _table(table)  # validates only
    joint = np.asarray(table, dtype=float)
    px = joint.sum(axis=1, keepdims=True)
    py = joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    ratio = joint[nz] / (px @ py)[nz]
    return max(0.0, float(np.sum(joint[nz] * _log(ratio, base))))


def contingency_table(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 1 or y.ndim != 1 or len(x) != len(y) or len(x) == 0:
        raise ValueError("x and y must be 1-D label arrays of the same, non-zero length")
    _, xi = np.unique(x, return_inverse=True)
    _, yi = np.unique(y, return_inverse=True)
    counts = np.zeros((xi.max() + 1, yi.max() + 1), dtype=np.int64)
    np.add.at(counts, (xi, yi), 1)
    return counts


def mutual_information_from_labels(x, y, base=2):
    return mutual_information(contingency_table(x, y), base)


def perplexity(token_probs):
    probs = np.asarray(token_probs, dtype=float)
    if probs.ndim != 1 or probs.size == 0 or np.any(probs < 0) or np.any(probs > 1) or not np.all(np.isfinite(probs)):
        raise ValueError("token_probs must be a non-empty 1-D array of probabilities in [0, 1]")
    if np.any(probs == 0):
        return math.inf
    return float(np.exp(-np.mean(np.log(probs))))


def sequence_perplexity(initial, transition, sequence):
    initial = _distribution(initial, "initial")
    transition = np.asarray(transition, dtype=float)
    k = initial.size
    if transition.shape != (k, k):
        raise ValueError("transition must be a square array with one row per token")
    for row in transition:
        _distribution(row, "a row of transition")
    sequence = np.asarray(sequence)
    if sequence.ndim != 1 or sequence.size == 0:
        raise ValueError("sequence must be a non-empty 1-D array of token ids")
    if not np.issubdtype(sequence.dtype, np.integer) or np.any(sequence < 0) or np.any(sequence >= k):
        raise ValueError("sequence holds a token id outside 0 .. len(initial) - 1")
    probs = np.concatenate([[initial[sequence[0]]], transition[sequence[:-1], sequence[1:]]])
    return perplexity(probs)
