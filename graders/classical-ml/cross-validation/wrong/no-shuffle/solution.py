"""Known-wrong solution for classical-ml/cross-validation: no-shuffle."""

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedKFold,
    TimeSeriesSplit,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def make_folds(y, n_splits, seed):
    """Stratified, shuffled folds as (train_indices, test_indices) pairs."""
    splitter = StratifiedKFold(n_splits=n_splits)  # no shuffle: the seed is ignored
    placeholder = np.zeros((len(y), 1))  # the splitter only needs the number of rows and the labels
    return [(train, test) for train, test in splitter.split(placeholder, y)]


def summarize_scores(scores):
    """The scores as plain floats, with their mean, population standard deviation, min and max."""
    scores = [float(s) for s in scores]
    return {"scores": scores, "mean": float(np.mean(scores)), "std": float(np.std(scores)),
            "min": min(scores), "max": max(scores)}


def build_model():
    """A new scaler + logistic regression; the scaler is refitted inside every fold."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def shared_groups(train, test, groups):
    """The groups (sorted, plain values) that have rows on both sides of a split: the leak."""
    groups = np.asarray(groups)
    return sorted(set(groups[np.asarray(train)].tolist()) & set(groups[np.asarray(test)].tolist()))


def compare_splitters(X, y, groups, n_splits, seed):
    """Accuracy of build_model() under three ways of cutting folds."""
    splitters = {
        "kfold": KFold(n_splits=n_splits, shuffle=True, random_state=seed),
        "stratified": StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed),
        "group": GroupKFold(n_splits=n_splits),
    }
    return {name: summarize_scores(cross_val_score(build_model(), X, y, cv=cv,
                                                   groups=groups if name == "group" else None))
            for name, cv in splitters.items()}


def time_series_cv(X, y, n_splits):
    """Forward-chaining folds: always train on the past, test on the block that follows."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    train_sizes, test_starts, mae = [], [], []
    for train, test in TimeSeriesSplit(n_splits=n_splits).split(X):
        model = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(X[train], y[train])
        train_sizes.append(int(len(train)))
        test_starts.append(int(test[0]))
        mae.append(float(np.mean(np.abs(model.predict(X[test]) - y[test]))))
    return {"train_sizes": train_sizes, "test_starts": test_starts, "mae": mae}


METRICS = ["accuracy", "balanced_accuracy", "roc_auc"]


def multi_metric_cv(X, y, n_splits, seed):
    """Several metrics from one cross-validation, with training scores to spot over-fitting."""
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    results = cross_validate(build_model(), X, y, cv=cv, scoring=METRICS, return_train_score=True)
    return {metric: {"test": summarize_scores(results[f"test_{metric}"]),
                     "train_mean": float(np.mean(results[f"train_{metric}"]))}
            for metric in METRICS}
