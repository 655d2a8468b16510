"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example. The hidden grader checks more (its own data, grids and seeds).
"""

import os
import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    build_pipeline,
    compare_searches,
    grid_search,
    nested_cv_score,
    random_search,
    summarize,
)

X, Y = make_classification(n_samples=200, n_features=6, n_informative=3, weights=[0.88], flip_y=0.02, random_state=0)
GRID = {"clf__C": [0.01, 1.0], "clf__class_weight": [None, "balanced"]}


@pytest.fixture(scope="module")
def search():
    return grid_search(X, Y, GRID, seed=0)


def test_pipeline_step_names():
    assert [name for name, _ in build_pipeline().steps] == ["scale", "clf"]


def test_statement_example_grid_search(search):
    assert search.refit == "balanced_accuracy", "choose and refit by balanced accuracy"
    assert isinstance(search.cv, StratifiedKFold) and search.cv.shuffle and search.cv.random_state == 0
    assert search.best_params_ == {"clf__C": 0.01, "clf__class_weight": "balanced"}, f"best_params_ is {search.best_params_}"
    assert abs(search.best_score_ - 0.7008) < 1e-4, f"best_score_ is {search.best_score_}, expected about 0.7008"
    assert search.best_estimator_.predict(X[:5]).shape == (5,)


def test_statement_example_summary_table(search):
    rows = summarize(search)
    got = [(r["rank"], r["params"]["clf__C"], r["params"]["clf__class_weight"]) for r in rows]
    assert got == [(1, 0.01, "balanced"), (2, 1.0, "balanced"), (3, 1.0, None), (4, 0.01, None)], f"got {got}"
    assert np.allclose([r["mean_balanced_accuracy"] for r in rows], [0.7008, 0.6868, 0.5414, 0.5], atol=1e-4)
    assert np.allclose([r["mean_accuracy"] for r in rows], [0.69, 0.695, 0.865, 0.865], atol=1e-4)
    assert all(isinstance(r["rank"], int) and isinstance(r["std_balanced_accuracy"], float) for r in rows)


def test_random_search_tries_n_iter_settings():
    found = random_search(X, Y, 5, seed=0)
    tried = found.cv_results_["params"]
    assert len(tried) == 5 and all(1e-3 <= p["clf__C"] <= 1e2 for p in tried)
    assert found.best_params_["clf__class_weight"] == "balanced"
    assert abs(found.best_score_ - 0.6868) < 1e-4, f"best_score_ is {found.best_score_}, expected about 0.6868"


def test_statement_example_nested_and_comparison():
    nested = nested_cv_score(X, Y, GRID, seed=0)
    assert len(nested["scores"]) == 5 and abs(nested["mean"] - 0.7096) < 1e-4, f"got {nested}"
    assert abs(nested["std"] - np.std(nested["scores"])) < 1e-12
    report = compare_searches(X, Y, GRID, 5, seed=0)
    assert report["better"] == "grid" and report["grid"]["n_candidates"] == 4 and report["random"]["n_candidates"] == 5
