"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example and a few of its rules on small made-up data. The hidden grader checks
more (its own customer tables, drawn anew for each submission).
"""

import os
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    QuantileClipper,
    build_pipeline,
    build_preprocessor,
    feature_names,
    load_pipeline,
    save_pipeline,
    train_and_evaluate,
)

X_EX = pd.DataFrame({"size": [1.0, 2.0, np.nan, 4.0] * 10, "colour": ["red", "blue", "red", "green"] * 10})
Y_EX = np.array([0, 1, 0, 1] * 10)


def test_statement_example_clipper():
    clipper = QuantileClipper(lower=0.25, upper=0.75)
    assert clipper.fit(pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0, 4.0, np.nan]})) is clipper, "fit should return self"
    assert np.allclose(clipper.lower_, [1.0]) and np.allclose(clipper.upper_, [3.0]), (
        f"lower_/upper_ are {clipper.lower_}/{clipper.upper_}, expected [1.]/[3.] (quantiles ignoring NaN)"
    )
    got = np.asarray(clipper.transform(np.array([[-10.0], [2.5], [np.nan], [99.0]]))).ravel()
    assert np.allclose(got, [1.0, 2.5, np.nan, 3.0], equal_nan=True), f"transform gave {got}, expected [1, 2.5, nan, 3]"
    assert feature_names(clipper) == ["a"] and feature_names(clipper, ["b"]) == ["b"]


def test_clipper_is_a_proper_estimator():
    clipper = QuantileClipper(lower=0.1, upper=0.8)
    assert clone(clipper).get_params() == {"lower": 0.1, "upper": 0.8}, "__init__ should only store lower and upper"
    with pytest.raises(ValueError):
        QuantileClipper(lower=0.7, upper=0.3).fit(np.ones((5, 2)))
    fitted = QuantileClipper().fit(np.arange(12.0).reshape(6, 2))
    with pytest.raises(ValueError):
        fitted.transform(np.ones((3, 3)))
    assert feature_names(fitted) == ["x0", "x1"]


def test_preprocessor_and_pipeline_shape():
    prep = build_preprocessor(["size"], ["colour"])
    assert isinstance(prep, ColumnTransformer), f"build_preprocessor should return a ColumnTransformer, got {type(prep).__name__}"
    assert [name for name, _, _ in prep.transformers] == ["num", "cat"], "name the two transformers 'num' and 'cat'"
    pipe = build_pipeline(["size"], ["colour"])
    assert isinstance(pipe, Pipeline) and [name for name, _ in pipe.steps] == ["preprocess", "model"]
    with pytest.raises(NotFittedError):
        check_is_fitted(pipe)


def test_statement_example_training_and_names():
    model, acc = train_and_evaluate(X_EX, Y_EX, ["size"], ["colour"], seed=0)
    assert isinstance(acc, float) and acc == 1.0, f"the accuracy is {acc!r}, expected 1.0"
    assert feature_names(model) == ["num__size", "cat__colour_blue", "cat__colour_green", "cat__colour_red"]
    got = model.predict(pd.DataFrame({"size": [np.nan], "colour": ["purple"]}))
    assert got.tolist() == [1], f"predicting a row with a missing size and an unseen colour gave {got}"


def test_imputer_learned_from_the_training_part_only():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"v": rng.exponential(5.0, 80), "c": rng.choice(["a", "b"], 80)})
    X.loc[rng.choice(80, 10, replace=False), "v"] = np.nan
    y = (rng.random(80) < 0.5).astype(int)
    model, _ = train_and_evaluate(X, y, ["v"], ["c"], seed=4)
    X_train, _, _, _ = train_test_split(X, y, test_size=0.25, random_state=4, stratify=y)
    imputer = model.named_steps["preprocess"].named_transformers_["num"][0]
    assert np.allclose(imputer.statistics_, [X_train["v"].median()]), "the numeric imputer should learn the TRAINING median"


def test_save_and_load(tmp_path):
    model, _ = train_and_evaluate(X_EX, Y_EX, ["size"], ["colour"], seed=0)
    path = str(tmp_path / "model.joblib")
    assert save_pipeline(model, path) == path
    loaded = load_pipeline(path)
    assert loaded is not model and np.allclose(loaded.predict_proba(X_EX), model.predict_proba(X_EX))
