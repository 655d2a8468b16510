"""Bayes' rule and a multinomial naive Bayes text classifier, with NumPy only.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

import numpy as np


# Part 1: Bayes' rule for a diagnostic test


def posterior(prior, sensitivity, specificity, positive=True) -> float:
    """P(D | positive) (or P(D | negative) with positive=False) by Bayes' rule.

    Raise ValueError if a number is outside [0, 1] or if the observed result has probability 0.
    """
    raise NotImplementedError("posterior is not written yet")


def sequential_posterior(prior, sensitivity, specificity, results) -> list[float]:
    """The posterior after each of several independent results (True = positive), in order."""
    raise NotImplementedError("sequential_posterior is not written yet")


def rates_from_counts(counts) -> dict:
    """Rates of a 2x2 table [[TP, FN], [FP, TN]]: prevalence, sensitivity, specificity, ppv, npv (floats).

    A rate with a zero denominator is float("nan"); a table that is not 2x2 or has a negative count
    raises ValueError.
    """
    raise NotImplementedError("rates_from_counts is not written yet")


# Part 2: multinomial naive Bayes


def tokenize(text: str) -> list[str]:
    """Given: lowercase the text and split it on whitespace. Use it in build_vocabulary and count_matrix."""
    return text.lower().split()


def build_vocabulary(docs) -> dict[str, int]:
    """Map every distinct token of docs to a column index, tokens sorted alphabetically."""
    raise NotImplementedError("build_vocabulary is not written yet")


def count_matrix(docs, vocabulary) -> np.ndarray:
    """An int array (len(docs), len(vocabulary)) of word counts; unknown words are ignored."""
    raise NotImplementedError("count_matrix is not written yet")


def log_sum_exp(values, axis=-1) -> np.ndarray:
    """log(sum(exp(values))) along axis, computed without overflow or underflow (all -inf gives -inf)."""
    raise NotImplementedError("log_sum_exp is not written yet")


class MultinomialNaiveBayes:
    """Multinomial naive Bayes with Laplace smoothing, computed in log space."""

    def __init__(self, alpha=1.0):
        """Raise ValueError unless alpha > 0."""
        raise NotImplementedError("MultinomialNaiveBayes.__init__ is not written yet")

    def fit(self, X, y):
        """Set classes_, class_log_prior_ and feature_log_prob_ from counts X and integer labels y; return self."""
        raise NotImplementedError("fit is not written yet")

    def predict_log_proba(self, X) -> np.ndarray:
        """(n, k) array of log P(class | document), normalised with log_sum_exp."""
        raise NotImplementedError("predict_log_proba is not written yet")

    def predict_proba(self, X) -> np.ndarray:
        """(n, k) array of P(class | document); each row adds up to 1."""
        raise NotImplementedError("predict_proba is not written yet")

    def predict(self, X) -> np.ndarray:
        """The most probable label (from classes_) for each row of X."""
        raise NotImplementedError("predict is not written yet")
