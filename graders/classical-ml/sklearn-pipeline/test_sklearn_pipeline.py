"""Hidden grader for classical-ml/sklearn-pipeline.

Customer tables (four numeric columns with missing values and outliers, two text columns) are drawn per
submission with `submission_rng`. The grader keeps its own copy of the expected pipeline (with its own
QuantileClipper) and compares the student's against it; fitted student pipelines stay in the student box
and are inspected through handles (steps, transformers, learned statistics) and by calling predict.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from gradient_grader import (
    Remote,
    StudentError,
    assert_close,
    expected,
    points,
    same_object,
    shows_expected,
    submission_rng,
)

SLUG = "classical-ml/sklearn-pipeline"
NUMERIC = ["income", "age", "discount", "visits"]
CATEGORICAL = ["region", "plan"]
REGIONS = ["centre", "east", "north", "south", "west", "coast", "hills"]
PLANS = ["basic", "plus", "pro"]


class Clipper(BaseEstimator, TransformerMixin):
    """The grader's own copy of the QuantileClipper the statement describes."""

    def __init__(self, lower=0.05, upper=0.95):
        self.lower, self.upper = lower, upper

    def fit(self, X, y=None):
        values = np.asarray(X, dtype=float)
        self.lower_ = np.nanquantile(values, self.lower, axis=0)
        self.upper_ = np.nanquantile(values, self.upper, axis=0)
        return self

    def transform(self, X):
        return np.clip(np.asarray(X, dtype=float), self.lower_, self.upper_)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


def expected_pipeline():
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("clip", Clipper()), ("scale", StandardScaler())])
    categorical = Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                            ("onehot", OneHotEncoder(handle_unknown="ignore"))])
    prep = ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)])
    return Pipeline([("preprocess", prep), ("model", LogisticRegression(max_iter=1000))])


def make_data(rng, n, regions=None):
    """Customers -> renewed (0/1). Income is skewed with a few huge values; income and age have gaps."""
    regions = regions if regions is not None else sorted(rng.choice(REGIONS, size=5, replace=False).tolist())
    income = rng.lognormal(10.8, 0.35, n)
    income[rng.random(n) < 0.02] *= 40  # a few data-entry errors
    age = rng.normal(41, 12, n).round()
    discount = rng.uniform(0, 1, n)
    visits = rng.poisson(3, n).astype(float)
    region = rng.integers(0, len(regions), n)
    plan = rng.integers(0, 3, n)
    region_effect = rng.permutation(np.linspace(-1.6, 1.6, len(regions)))
    plan_effect = np.array([-0.9, 0.8, 0.1])
    logit = (0.9 * np.log(income / 49000) / 0.35 - 0.7 * (age - 41) / 12 + 1.5 * (discount - 0.5)
             + 0.3 * (visits - 3) + region_effect[region] + plan_effect[plan])
    y = (logit + rng.logistic(0, 0.5, n) > 0).astype(np.int64)
    income[rng.random(n) < 0.08] = np.nan
    age[rng.random(n) < 0.05] = np.nan
    frame = pd.DataFrame({"income": income, "age": age, "discount": discount, "visits": visits,
                          "region": np.asarray(regions, dtype=object)[region], "plan": np.asarray(PLANS, dtype=object)[plan]})
    return frame, y


def kind(value):
    return value._type_name if isinstance(value, Remote) else type(value).__name__


def steps_of(pipe, what):
    assert kind(pipe) == "Pipeline", f"{what} is a {kind(pipe)}, expected a sklearn Pipeline"
    steps = pipe.steps
    assert isinstance(steps, list) and all(isinstance(s, tuple) and len(s) == 2 for s in steps), (
        f"{what}.steps should be a list of (name, estimator) pairs, got {steps!r:.200}"
    )
    return steps


def branch(transformers, name, what):
    for entry in transformers:
        if len(entry) == 3 and entry[0] == name:
            return entry[1], list(entry[2]) if isinstance(entry[2], (list, tuple, np.ndarray)) else entry[2]
    raise AssertionError(f"{what} has no transformer named {name!r}; its transformers are {[e[0] for e in transformers]}")


def trained(student, rng, n=400, seed=None):
    X, y = make_data(rng, n)
    seed = int(rng.integers(0, 1000)) if seed is None else seed
    call = f"train_and_evaluate(X, y, {NUMERIC}, {CATEGORICAL}, seed={seed})"
    result = student.train_and_evaluate(X, y, NUMERIC, CATEGORICAL, seed)
    assert isinstance(result, tuple) and len(result) == 2, f"{call} should return (pipeline, accuracy), got {result!r:.200}"
    steps_of(result[0], f"the pipeline from {call}")
    return call, result[0], result[1], X, y, seed


def sample_matrix(rng):
    A = rng.normal(0, 1, (80, 3)) * [1.0, 10.0, 100.0]
    A[rng.choice(80, 3, replace=False), 0] = 50.0  # outliers
    A[rng.choice(80, 6, replace=False), 1] = np.nan
    return A


@points(2)
def test_clipper_learns_bounds_in_fit(student):
    rng = submission_rng(f"{SLUG}:clipper")
    A, B = sample_matrix(rng), sample_matrix(rng) * 1.5
    B[0, 2] = np.nan
    clipper = student.QuantileClipper(lower=0.1, upper=0.9)
    returned = clipper.fit(A)
    assert same_object(returned, clipper), "QuantileClipper(lower=0.1, upper=0.9).fit(A) should return the clipper itself (self)"
    lower = np.asarray(clipper.lower_, dtype=float)
    upper = np.asarray(clipper.upper_, dtype=float)
    want_lower, want_upper = np.nanquantile(A, 0.1, axis=0), np.nanquantile(A, 0.9, axis=0)
    assert lower.shape == (3,) and upper.shape == (3,), (
        f"after fit on a 80x3 matrix, lower_ and upper_ should hold one value per column, got shapes {lower.shape}, {upper.shape}"
    )
    assert not np.isnan(lower).any() and not np.isnan(upper).any(), (
        f"fit on a matrix whose column 1 has missing values gave lower_={lower.tolist()}, upper_={upper.tolist()}: "
        "ignore NaN when you learn the quantiles (np.nanquantile)"
    )
    assert_close(lower, want_lower, rtol=1e-9, atol=1e-12, what="QuantileClipper(lower=0.1, upper=0.9).fit(A).lower_ (the 10% quantile of each column of A)")
    assert_close(upper, want_upper, rtol=1e-9, atol=1e-12, what="QuantileClipper(lower=0.1, upper=0.9).fit(A).upper_ (the 90% quantile of each column of A)")
    got = np.asarray(clipper.transform(B), dtype=float)
    want = np.clip(B, want_lower, want_upper)
    assert got.shape == B.shape, f"transform(B) of a {B.shape} matrix returned shape {got.shape}"
    assert np.isnan(got[0, 2]), "transform should keep a missing value missing (NaN in, NaN out)"
    own = np.clip(B, np.nanquantile(B, 0.1, axis=0), np.nanquantile(B, 0.9, axis=0))
    if not np.allclose(got, want, equal_nan=True) and np.allclose(got, own, equal_nan=True):
        raise AssertionError(
            "transform(B) clipped B to B's own quantiles: the bounds must be learned in fit (from the training "
            "data) and only applied in transform, or new data leak into the preprocessing"
        )
    assert_close(got, want, rtol=1e-9, atol=1e-12, what="transform(B): B clipped to the bounds learned from A")


@points(1)
def test_clipper_rejects_bad_input(student):
    rng = submission_rng(f"{SLUG}:clipper-errors")
    A = sample_matrix(rng)
    for lower, upper in [(0.9, 0.1), (0.5, 0.5)]:
        try:
            student.QuantileClipper(lower=lower, upper=upper).fit(A)
        except StudentError as error:
            assert error.type_name == "ValueError", (
                f"QuantileClipper(lower={lower}, upper={upper}).fit(A) raised {error.type_name}, expected ValueError"
            )
        else:
            raise AssertionError(f"QuantileClipper(lower={lower}, upper={upper}).fit(A) should raise ValueError (lower must be below upper)")
    clipper = student.QuantileClipper()
    clipper.fit(A)
    try:
        clipper.transform(A[:, :2])
    except StudentError as error:
        assert error.type_name == "ValueError", f"transform of 2 columns after fit on 3 raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError("QuantileClipper().fit(A) on 3 columns, then transform of 2 columns should raise ValueError")


@shows_expected
@points(1)
def test_clipper_feature_names(student):
    frame = pd.DataFrame({"height": [1.0, 2.0, 3.0, 4.0], "weight": [5.0, 6.0, np.nan, 8.0]})
    clipper = student.QuantileClipper()
    clipper.fit(frame)
    got = student.feature_names(clipper)
    assert got == ["height", "weight"], (
        f"QuantileClipper fitted on a DataFrame with columns height, weight: feature_names(clipper) returned {got!r}, "
        "expected ['height', 'weight'] (feature_names_in_)"
    )
    clipper = student.QuantileClipper()
    clipper.fit(frame.to_numpy())
    got = student.feature_names(clipper)
    assert got == ["x0", "x1"], f"QuantileClipper fitted on a 2-column array: feature_names(clipper) returned {got!r}, expected ['x0', 'x1']"
    got = student.feature_names(clipper, ["a", "b"])
    assert got == ["a", "b"], f"feature_names(clipper, ['a', 'b']) returned {got!r}, expected ['a', 'b']"


@shows_expected
@points(1)
def test_preprocessor_structure(student):
    call = f"build_preprocessor({NUMERIC}, {CATEGORICAL})"
    prep = student.build_preprocessor(NUMERIC, CATEGORICAL)
    assert kind(prep) == "ColumnTransformer", f"{call} returned a {kind(prep)}, expected a ColumnTransformer"
    numeric, numeric_columns = branch(prep.transformers, "num", call)
    categorical, categorical_columns = branch(prep.transformers, "cat", call)
    assert numeric_columns == NUMERIC and categorical_columns == CATEGORICAL, (
        f"in {call}, 'num' works on {numeric_columns} and 'cat' on {categorical_columns}; expected {NUMERIC} and {CATEGORICAL}"
    )
    kinds = [kind(s) for _, s in steps_of(numeric, f"the 'num' branch of {call}")]
    assert kinds == ["SimpleImputer", "QuantileClipper", "StandardScaler"], (
        f"the 'num' branch of {call} has steps {kinds}, expected ['SimpleImputer', 'QuantileClipper', 'StandardScaler']"
    )
    strategy = numeric.steps[0][1].strategy
    assert strategy == "median", f"the numeric SimpleImputer has strategy={strategy!r}, expected 'median'"
    steps = steps_of(categorical, f"the 'cat' branch of {call}")
    kinds = [kind(s) for _, s in steps]
    assert kinds == ["SimpleImputer", "OneHotEncoder"], f"the 'cat' branch of {call} has steps {kinds}, expected ['SimpleImputer', 'OneHotEncoder']"
    assert steps[0][1].strategy == "most_frequent", f"the categorical SimpleImputer has strategy={steps[0][1].strategy!r}, expected 'most_frequent'"
    assert steps[1][1].handle_unknown == "ignore", f"the OneHotEncoder has handle_unknown={steps[1][1].handle_unknown!r}, expected 'ignore'"


@points(2)
def test_unfitted_pipeline_fits_like_expected(student):
    rng = submission_rng(f"{SLUG}:unfitted")
    regions = sorted(rng.choice(REGIONS, size=5, replace=False).tolist())
    X, y = make_data(rng, 400, regions)
    X_new, _ = make_data(rng, 200, regions)
    call = f"build_pipeline({NUMERIC}, {CATEGORICAL})"
    pipe = student.build_pipeline(NUMERIC, CATEGORICAL)
    steps = steps_of(pipe, call)
    kinds = [kind(s) for _, s in steps]
    assert kinds == ["ColumnTransformer", "LogisticRegression"], f"{call} has steps {kinds}, expected ['ColumnTransformer', 'LogisticRegression']"
    try:
        steps[-1][1].coef_
        fitted_before = True
    except (StudentError, AttributeError):
        fitted_before = False
    assert not fitted_before, f"{call} returned a pipeline that is already fitted; return a new, unfitted one"
    got = np.asarray(pipe.fit(X, y).predict(X_new)).astype(np.int64)
    want = expected_pipeline().fit(X, y).predict(X_new)
    agree = float(np.mean(got == want))
    assert agree >= 0.98, (
        f"the grader fitted the pipeline from {call} on 400 raw rows (with missing values) and predicted 200 new "
        f"ones: only {agree:.1%} of the predictions match the pipeline the statement describes (expected at least 98%)"
    )


@points(2)
def test_accuracy_from_the_training_part_only(student):
    rng = submission_rng(f"{SLUG}:train")
    call, model, accuracy, X, y, seed = trained(student, rng)
    assert isinstance(accuracy, float), f"{call} returned accuracy {accuracy!r:.100}, expected a float"
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    prep = model.steps[0][1]
    assert kind(prep) == "ColumnTransformer", f"the first step of the pipeline from {call} is a {kind(prep)}, expected a ColumnTransformer"
    numeric, _ = branch(prep.transformers_, "num", f"the fitted pipeline from {call}")
    medians = np.asarray(numeric.steps[0][1].statistics_, dtype=float)
    want = X_train[NUMERIC].median().to_numpy()
    if np.allclose(medians, X[NUMERIC].median().to_numpy()) and not np.allclose(medians, want):
        raise AssertionError(
            f"the SimpleImputer in the pipeline from {call} learned the medians of ALL rows of X: the test part "
            "leaked into the model. Split first, then fit the pipeline on the training part only"
        )
    assert np.allclose(medians, want), (
        f"the numeric SimpleImputer of the pipeline from {call} learned medians {np.round(medians, 2).tolist()}, "
        f"expected those of the training part {expected(np.round(want, 2).tolist())} "
        "(train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y))"
    )
    want_accuracy = float(expected_pipeline().fit(X_train, y_train).score(X_test, y_test))
    assert abs(accuracy - want_accuracy) <= 1.5 / len(y_test), (
        f"{call} returned accuracy {accuracy:.4f}, expected {expected(round(want_accuracy, 4))} "
        "(fit on the training part, accuracy on the test part)"
    )


@points(1)
def test_feature_names_out(student):
    rng = submission_rng(f"{SLUG}:names")
    call, model, _, X, y, seed = trained(student, rng)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    want = [str(n) for n in expected_pipeline().fit(X_train, y_train)[:-1].get_feature_names_out()]
    got = student.feature_names(model)
    assert isinstance(got, list) and all(isinstance(n, str) for n in got), (
        f"feature_names(pipeline) should return a list of str, got {got!r:.200}"
    )
    assert got == want, (
        f"feature_names(the pipeline from {call}) returned {got}, expected {expected(want)}: the names the "
        "ColumnTransformer gives its output, 'num__<column>' and 'cat__<column>_<category>'"
    )


@points(1)
def test_new_categories_and_missing_values(student):
    rng = submission_rng(f"{SLUG}:unknown")
    call, model, _, X, y, _ = trained(student, rng)
    X_new, _ = make_data(rng, 30)
    X_new.loc[:4, "region"] = "island"  # a region that opened after training
    X_new.loc[5:9, "plan"] = "family"  # a plan that did not exist yet
    X_new.loc[10:14, "income"] = np.nan
    X_new.loc[12:16, "age"] = np.nan
    try:
        got = np.asarray(model.predict(X_new))
    except StudentError as error:
        raise AssertionError(
            f"the pipeline from {call} raised {error.type_name} on new rows with a region ('island') and a plan "
            f"('family') never seen in training and missing incomes and ages: {error.message[:200]}"
        ) from None
    assert got.shape == (30,) and set(got.tolist()) <= {0, 1}, f"predict of 30 new rows returned {got!r:.200}"


@points(1)
def test_save_and_load_round_trip(student):
    rng = submission_rng(f"{SLUG}:persist")
    call, model, _, X, _, _ = trained(student, rng)
    path = f"/tmp/customers-{int(rng.integers(10**6))}.joblib"
    saved = student.save_pipeline(model, path)
    assert saved == path, f"save_pipeline(pipeline, {path!r}) returned {saved!r}, expected the path it wrote"
    loaded = student.load_pipeline(path)
    assert kind(loaded) == "Pipeline", f"load_pipeline({path!r}) returned a {kind(loaded)}, expected the saved Pipeline"
    assert not same_object(loaded, model), f"load_pipeline({path!r}) returned the very object that was saved; read it back from the file"
    X_new, _ = make_data(rng, 60)
    before = np.asarray(model.predict_proba(X_new), dtype=float)
    after = np.asarray(loaded.predict_proba(X_new), dtype=float)
    assert_close(after, before, rtol=1e-12, atol=1e-12, what=f"the loaded pipeline's predict_proba (vs the pipeline from {call} before saving)")
