"""Known-wrong solution for classical-ml/hyperparameter-search: not-nested."""

import numpy as np
from scipy.stats import loguniform
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

SCORING = {"balanced_accuracy": "balanced_accuracy", "accuracy": "accuracy"}
REFIT = "balanced_accuracy"  # with 10% positives, accuracy rewards predicting "negative" for everyone


def build_pipeline():
    """Scaler and classifier as one estimator, so every fold scales with its own training rows."""
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))])


def folds(seed, n_splits=5):
    return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)


def random_distributions():
    """C on a log scale: 0.01 and 0.1 are as different as 10 and 100."""
    return {"clf__C": loguniform(1e-3, 1e2), "clf__class_weight": [None, "balanced"]}


def grid_search(X, y, param_grid, seed):
    """Every combination of param_grid, judged by cross-validated balanced accuracy, best one refitted."""
    search = GridSearchCV(build_pipeline(), param_grid, scoring=SCORING, refit=REFIT, cv=folds(seed))
    return search.fit(X, y)


def random_search(X, y, n_iter, seed):
    """n_iter settings drawn from random_distributions(), same folds and scoring as grid_search."""
    search = RandomizedSearchCV(build_pipeline(), random_distributions(), n_iter=n_iter, scoring=SCORING,
                                refit=REFIT, cv=folds(seed), random_state=seed)
    return search.fit(X, y)


def summarize(search):
    """One row per candidate from cv_results_, best first (by rank, then candidate order)."""
    results = search.cv_results_
    rows = [
        {
            "params": dict(results["params"][i]),
            "rank": int(results[f"rank_test_{REFIT}"][i]),
            "mean_balanced_accuracy": float(results["mean_test_balanced_accuracy"][i]),
            "std_balanced_accuracy": float(results["std_test_balanced_accuracy"][i]),
            "mean_accuracy": float(results["mean_test_accuracy"][i]),
        }
        for i in range(len(results["params"]))
    ]
    return sorted(rows, key=lambda row: row["rank"])  # sorted() is stable: ties keep candidate order


def nested_cv_score(X, y, param_grid, seed):
    """An honest estimate of the whole tuning procedure: the search runs again inside every outer fold."""
    # the fold scores of the winner of one search: the same folds chose the setting and now grade it
    search = grid_search(X, y, param_grid, seed)
    scores = [search.cv_results_[f"split{k}_test_{REFIT}"][search.best_index_] for k in range(5)]
    return {"scores": [float(s) for s in scores], "mean": float(np.mean(scores)), "std": float(np.std(scores))}


def compare_searches(X, y, param_grid, n_iter, seed):
    """Grid against random search on the same folds: best score, candidates tried, and which won."""
    grid = grid_search(X, y, param_grid, seed)
    rand = random_search(X, y, n_iter, seed)
    report = {}
    for name, search in (("grid", grid), ("random", rand)):
        report[name] = {"best_params": dict(search.best_params_), "best_score": float(search.best_score_),
                        "n_candidates": len(search.cv_results_["params"])}
    gap = report["random"]["best_score"] - report["grid"]["best_score"]
    report["better"] = "tie" if abs(gap) < 1e-12 else ("random" if gap > 0 else "grid")
    return report
