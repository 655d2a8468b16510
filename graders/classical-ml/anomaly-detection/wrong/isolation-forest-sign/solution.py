"""Reference solution for classical-ml/anomaly-detection."""

import numpy as np
from sklearn.ensemble import IsolationForest

MAD_TO_STD = 1.4826  # makes the MAD estimate the standard deviation of normal data


def robust_z_scores(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    median = np.median(x, axis=0)
    mad = np.median(np.abs(x - median), axis=0)
    if np.any(mad == 0):
        raise ValueError("the MAD is 0: more than half of the values are equal, robust z-scores are undefined")
    return (x - median) / (MAD_TO_STD * mad)


def iqr_outliers(x, k=1.5) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    q1, q3 = np.percentile(x, [25, 75])
    iqr = q3 - q1
    return (x < q1 - k * iqr) | (x > q3 + k * iqr)


def fit_gaussian(X):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    centred = X - mean
    return mean, centred.T @ centred / len(X)  # maximum likelihood: divide by n


def gaussian_scores(X, mean, cov) -> np.ndarray:
    """Negative log-density: higher means more anomalous."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    centred = X - mean
    _, logdet = np.linalg.slogdet(cov)
    mahalanobis = np.einsum("ij,ij->i", centred, np.linalg.solve(cov, centred.T).T)
    return 0.5 * (d * np.log(2 * np.pi) + logdet + mahalanobis)


def f1_at(scores, y, threshold) -> float:
    flagged = np.asarray(scores) >= threshold
    y = np.asarray(y).astype(bool)
    tp = int(np.sum(flagged & y))
    fp = int(np.sum(flagged & ~y))
    fn = int(np.sum(~flagged & y))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def select_threshold(scores, y):
    best_t, best_f1 = None, -1.0
    for t in np.unique(scores)[::-1]:  # largest threshold first, so a tie keeps the largest
        f1 = f1_at(scores, y, t)
        if f1 > best_f1:
            best_t, best_f1 = float(t), f1
    return best_t, best_f1


def evaluate_gaussian_detector(X_train, X_val, y_val, X_test, y_test):
    mean, cov = fit_gaussian(X_train)
    threshold, _ = select_threshold(gaussian_scores(X_val, mean, cov), y_val)  # chosen on validation only
    return threshold, f1_at(gaussian_scores(X_test, mean, cov), y_test, threshold)


def isolation_forest_scores(X_train, X_test, contamination=0.05, random_state=0):
    model = IsolationForest(n_estimators=100, contamination=contamination, random_state=random_state)
    model.fit(X_train)
    scores = model.score_samples(X_test)
    flags = (model.predict(X_test) == -1).astype(int)
    return scores, flags


def _ranking(scores) -> np.ndarray:
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")  # ties: lower index first


def precision_at_k(scores, y, k) -> float:
    top = _ranking(scores)[:k]
    return float(np.mean(np.asarray(y)[top] == 1))


def average_precision(scores, y) -> float:
    hits = np.asarray(y)[_ranking(scores)] == 1
    if not hits.any():
        return 0.0
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())
