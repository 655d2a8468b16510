"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the example from the statement and the rules of grid_search on a small made-up data set. The
hidden grader checks more (its own data, other seeds and candidates).
"""

import os
import sys

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import grid_search, search_with_validation  # noqa: E402

# the statement's example
X_EX, Y_EX = make_classification(n_samples=160, n_features=8, flip_y=0.1, random_state=2)
CANDIDATES = [0.01, 1.0, 100.0]


def _statement_search():
    result = search_with_validation(X_EX, Y_EX, CANDIDATES, seed=0)
    assert isinstance(result, dict) and {"best_C", "val_scores", "model"} <= set(result), (
        f"search_with_validation should return a dict with 'best_C', 'val_scores' and 'model', got {result!r:.200}"
    )
    return result


def test_statement_example_validation_scores():
    got = [float(s) for s in _statement_search()["val_scores"]]
    assert np.allclose(got, [0.85, 0.925, 0.925]), (
        f"val_scores are {got}, expected [0.85, 0.925, 0.925]: the accuracy of each candidate on the "
        "VALIDATION part of train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)"
    )


def test_statement_example_tie_goes_to_the_earliest_candidate():
    got = _statement_search()["best_C"]
    assert got == 1.0, f"best_C is {got!r}, expected 1.0: 1.0 and 100.0 tie at 0.925 and the earlier one wins"


def test_statement_example_model_is_refitted_on_all_the_data():
    model = _statement_search()["model"]
    assert list(model.predict(X_EX[:3])) == [1, 0, 1], "model.predict(X[:3]) should be [1, 0, 1] as in the statement"
    on_everything = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)).fit(X_EX, Y_EX)
    assert np.allclose(model.decision_function(X_EX[:20]), on_everything.decision_function(X_EX[:20]), atol=1e-6), (
        "the returned model should be a scaler + logistic regression with the best C fitted on ALL of X and y "
        "(not only on the training part of the split)"
    )


def test_grid_search_uses_shuffled_seeded_stratified_folds():
    X, y = make_classification(n_samples=90, n_features=5, n_informative=3, flip_y=0.15, random_state=0)
    by_class = np.argsort(y, kind="stable")
    X, y = X[by_class], y[by_class]  # rows sorted by class, as data often arrive
    grid = {"svc__C": [0.1, 1, 10], "svc__gamma": [0.05, 0.5]}
    result = grid_search(X, y, grid, seed=5)
    assert isinstance(result, dict) and {"best_params", "best_score", "model"} <= set(result), (
        f"grid_search should return a dict with 'best_params', 'best_score' and 'model', got {result!r:.200}"
    )
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=5)
    want = GridSearchCV(make_pipeline(StandardScaler(), SVC()), grid, scoring="accuracy", cv=folds).fit(X, y)
    assert result["best_params"] == want.best_params_, (
        f"best_params is {result['best_params']!r}, expected {want.best_params_!r}"
    )
    score = result["best_score"]
    assert isinstance(score, float), f"best_score should be a float, got {type(score).__name__}"
    assert abs(score - want.best_score_) < 1e-9, (
        f"best_score is {score}, expected {want.best_score_} (cv=StratifiedKFold(n_splits=5, shuffle=True, "
        "random_state=seed); cv=5 alone does not shuffle)"
    )
    assert np.allclose(result["model"].decision_function(X), want.best_estimator_.decision_function(X), atol=1e-6), (
        "the returned model should be the best pipeline refitted on all of X and y (best_estimator_)"
    )
