"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the example from the statement and its rules on that small data set. The hidden grader checks
more (its own six-column data, predictions of the pipeline it fits itself).
"""

import os
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import build_pipeline, train_and_evaluate  # noqa: E402

# the statement's example: two numeric columns, one category column; the label depends only on the category
_rng = np.random.default_rng(0)
X = np.column_stack([_rng.normal(50_000, 15_000, 200), _rng.uniform(0, 1, 200), _rng.integers(0, 3, 200)])
Y = (X[:, 2] == 1).astype(int)


def _parts(pipe, kind):
    """The (transformer, columns) pairs of the pipeline's ColumnTransformer whose transformer is a `kind`."""
    transformer = pipe.steps[0][1]
    pairs = transformer.transformers_ if hasattr(transformer, "transformers_") else transformer.transformers
    return [(t, cols) for _, t, cols in pairs if isinstance(t, kind)]


def test_statement_example_pipeline_structure():
    pipe = build_pipeline([0, 1], [2])
    assert isinstance(pipe, Pipeline), f"build_pipeline should return a Pipeline, got {type(pipe).__name__}"
    kinds = [type(step).__name__ for _, step in pipe.steps]
    assert kinds == ["ColumnTransformer", "LogisticRegression"], f"the steps are {kinds}, expected ['ColumnTransformer', 'LogisticRegression']"
    assert pipe.steps[1][1].max_iter == 1000, "use LogisticRegression(max_iter=1000)"
    scalers, encoders = _parts(pipe, StandardScaler), _parts(pipe, OneHotEncoder)
    assert [list(cols) for _, cols in scalers] == [[0, 1]], "a StandardScaler() should handle the numeric columns [0, 1]"
    assert [list(cols) for _, cols in encoders] == [[2]], "a OneHotEncoder should handle the categorical columns [2]"
    assert encoders[0][0].handle_unknown == "ignore", 'the OneHotEncoder needs handle_unknown="ignore"'


def test_build_pipeline_returns_an_unfitted_pipeline():
    pipe = build_pipeline([0, 1], [2])
    with pytest.raises(NotFittedError):
        check_is_fitted(pipe)


def test_statement_example_accuracy_and_unseen_code():
    model, acc = train_and_evaluate(X, Y, [0, 1], [2], seed=0)
    assert isinstance(acc, float), f"the accuracy should be a float, got {type(acc).__name__}"
    assert acc == 1.0, f"the accuracy is {acc}, expected 1.0: one-hot encode the category column"
    rows = np.array([[61_000.0, 0.2, 1.0], [48_000.0, 0.9, 7.0]])  # raw rows; the code 7.0 was never seen
    got = np.asarray(model.predict(rows)).tolist()
    assert got == [1, 0], f"model.predict(raw rows) returned {got}, expected [1, 0]"


def test_scaler_learned_from_the_training_part_only():
    model, _ = train_and_evaluate(X, Y, [0, 1], [2], seed=0)
    X_train, _, _, _ = train_test_split(X, Y, test_size=0.25, random_state=0, stratify=Y)
    scalers = _parts(model, StandardScaler)
    assert scalers, "the fitted pipeline should contain a fitted StandardScaler"
    assert np.allclose(scalers[0][0].mean_, X_train[:, [0, 1]].mean(axis=0)), (
        "the scaler's mean_ should be the mean of the TRAINING rows of train_test_split(X, y, test_size=0.25, "
        "random_state=seed, stratify=y): fit the pipeline on the training part only, on raw (unscaled) rows"
    )
