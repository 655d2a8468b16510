"""Anomaly detection: robust scores, a Gaussian density, an isolation forest, and ranking metrics.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Anomaly scores are always "higher = more anomalous"; labels are 1 for an anomaly, 0 for a normal point.
"""

import numpy as np
from sklearn.ensemble import IsolationForest  # noqa: F401  (for isolation_forest_scores)


def robust_z_scores(x) -> np.ndarray:
    """(x - median) / (1.4826 * MAD), per column for 2-D input; ValueError if a MAD is 0."""
    raise NotImplementedError("robust_z_scores is not written yet")


def iqr_outliers(x, k=1.5) -> np.ndarray:
    """Boolean mask of values strictly outside [Q1 - k * IQR, Q3 + k * IQR]."""
    raise NotImplementedError("iqr_outliers is not written yet")


def fit_gaussian(X):
    """Return (mean, cov) with the maximum-likelihood covariance (divide by n)."""
    raise NotImplementedError("fit_gaussian is not written yet")


def gaussian_scores(X, mean, cov) -> np.ndarray:
    """Negative log-density of each row under N(mean, cov)."""
    raise NotImplementedError("gaussian_scores is not written yet")


def select_threshold(scores, y):
    """Return (threshold, f1): the distinct score with the best F1 when flagging scores >= threshold."""
    raise NotImplementedError("select_threshold is not written yet")


def evaluate_gaussian_detector(X_train, X_val, y_val, X_test, y_test):
    """Fit on X_train, choose the threshold on validation, return (threshold, test_f1)."""
    raise NotImplementedError("evaluate_gaussian_detector is not written yet")


def isolation_forest_scores(X_train, X_test, contamination=0.05, random_state=0):
    """Return (scores, flags) for X_test from IsolationForest(n_estimators=100, ...)."""
    raise NotImplementedError("isolation_forest_scores is not written yet")


def precision_at_k(scores, y, k) -> float:
    """The share of anomalies among the k highest scores (ties: lower index first)."""
    raise NotImplementedError("precision_at_k is not written yet")


def average_precision(scores, y) -> float:
    """The mean precision at the rank of each anomaly."""
    raise NotImplementedError("average_precision is not written yet")
