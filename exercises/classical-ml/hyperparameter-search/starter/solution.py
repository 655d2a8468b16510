"""Hyperparameter search on an imbalanced problem: GridSearchCV and RandomizedSearchCV over a pipeline's
step parameters, reading cv_results_, nested cross-validation, and a comparison of the two searches.

Replace each ``raise NotImplementedError`` with your own code. Read README.md for the exact rules.
"""

import numpy as np  # noqa: F401  (you will need these)
from scipy.stats import loguniform  # noqa: F401
from sklearn.linear_model import LogisticRegression  # noqa: F401
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold, cross_val_score  # noqa: F401
from sklearn.pipeline import Pipeline  # noqa: F401
from sklearn.preprocessing import StandardScaler  # noqa: F401


def build_pipeline():
    """A new, unfitted Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))])."""
    raise NotImplementedError("build_pipeline is not written yet")


def grid_search(X, y, param_grid, seed):
    """Fit and return a GridSearchCV over build_pipeline() and param_grid (keys like "clf__C").

    scoring: balanced accuracy and accuracy; choose and refit by balanced accuracy;
    cv: StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).
    """
    raise NotImplementedError("grid_search is not written yet")


def random_search(X, y, n_iter, seed):
    """Fit and return a RandomizedSearchCV: n_iter settings from
    {"clf__C": loguniform(1e-3, 1e2), "clf__class_weight": [None, "balanced"]}, random_state=seed,
    with the same scoring, refit and folds as grid_search."""
    raise NotImplementedError("random_search is not written yet")


def summarize(search):
    """A list with one dict per candidate of a fitted search, best first: keys "params", "rank",
    "mean_balanced_accuracy", "std_balanced_accuracy", "mean_accuracy" (read from search.cv_results_)."""
    raise NotImplementedError("summarize is not written yet")


def nested_cv_score(X, y, param_grid, seed):
    """{"scores": [5 outer-fold balanced accuracies], "mean": float, "std": float} of nested cross-validation."""
    raise NotImplementedError("nested_cv_score is not written yet")


def compare_searches(X, y, param_grid, n_iter, seed):
    """{"grid": {...}, "random": {...}, "better": "grid" | "random" | "tie"} (see README.md)."""
    raise NotImplementedError("compare_searches is not written yet")
