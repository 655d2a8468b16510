"""Hidden grader for classical-ml/sklearn-pipeline.

The grader builds its own data (same six columns as in the statement) with fixed seeds, and its own copy of
the expected pipeline, to compare against the student's. Fitted student pipelines stay in the student box;
the grader inspects them through handles (steps, transformers, learned statistics) and calls predict on them.
"""

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from gradient_grader import Remote, StudentError, expected, points, shows_expected

NUMERIC = [0, 1, 2, 3]
CATEGORICAL = [4, 5]
SEED = 11


def make_data(seed, n):
    """Customers: income, age, discount share, visits, region code, plan code -> renewed (0/1)."""
    rng = np.random.default_rng(seed)
    income = rng.normal(52000, 15000, n)
    age = rng.normal(41, 12, n)
    discount = rng.uniform(0, 1, n)
    visits = rng.poisson(3, n).astype(float)
    region = rng.integers(0, 5, n)
    plan = rng.integers(0, 3, n)
    region_effect = np.array([1.6, -1.6, 1.1, -1.2, 0.1])  # not monotonic in the code
    plan_effect = np.array([-0.9, 0.8, 0.1])
    logit = (0.9 * (income - 52000) / 15000 - 0.7 * (age - 41) / 12 + 1.5 * (discount - 0.5)
             + 0.3 * (visits - 3) + region_effect[region] + plan_effect[plan])
    y = (logit + rng.logistic(0, 0.5, n) > 0).astype(np.int64)
    X = np.column_stack([income, age, discount, visits, region, plan]).astype(np.float64)
    return X, y


def expected_pipeline():
    return Pipeline([
        ("prep", ColumnTransformer([
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ])),
        ("clf", LogisticRegression(max_iter=1000)),
    ])


def kind(value):
    """The class name of a student object (a handle) or of a plain value."""
    if isinstance(value, Remote):
        return value._type_name
    return type(value).__name__


def steps_of(pipe, call):
    assert kind(pipe) == "Pipeline", f"{call} returned a {kind(pipe)}, expected a sklearn Pipeline"
    steps = pipe.steps
    assert isinstance(steps, list) and all(isinstance(s, tuple) and len(s) == 2 for s in steps), (
        f"{call}.steps should be a list of (name, estimator) pairs, got {steps!r}"
    )
    return steps


def find_transformer(transformers, type_name):
    """(estimator, columns) of the first transformer of the given class in a ColumnTransformer."""
    for entry in transformers:
        if len(entry) == 3 and kind(entry[1]) == type_name:
            columns = entry[2]
            columns = [int(c) for c in columns] if isinstance(columns, (list, tuple, np.ndarray)) else columns
            return entry[1], columns
    return None, None


def predictions(model, X, call):
    got = model.predict(X)
    got = np.asarray(got)
    assert got.shape == (len(X),), f"{call} returned an array of shape {got.shape}, expected ({len(X)},)"
    return got.astype(np.int64)


@shows_expected
@points(2)
def test_pipeline_structure(student):
    call = f"build_pipeline({NUMERIC}, {CATEGORICAL})"
    steps = steps_of(student.build_pipeline(NUMERIC, CATEGORICAL), call)
    kinds = [kind(step) for _, step in steps]
    assert len(steps) == 2, f"{call} has steps {kinds}, expected two: ['ColumnTransformer', 'LogisticRegression']"
    assert kinds[0] == "ColumnTransformer", (
        f"the first step of {call} is a {kinds[0]}, expected a ColumnTransformer "
        "(the preprocessing belongs inside the pipeline)"
    )
    assert kinds[1] == "LogisticRegression", f"the last step of {call} is a {kinds[1]}, expected a LogisticRegression"
    preprocess = steps[0][1]
    transformers = preprocess.transformers
    scaler, scaler_columns = find_transformer(transformers, "StandardScaler")
    assert scaler is not None, (
        f"the ColumnTransformer of {call} has {[(n, kind(t)) for n, t, *_ in transformers]}, "
        "expected a StandardScaler for the numeric columns"
    )
    assert scaler_columns == NUMERIC, (
        f"the StandardScaler in {call} works on columns {scaler_columns!r}, expected the numeric columns {NUMERIC}"
    )
    encoder, encoder_columns = find_transformer(transformers, "OneHotEncoder")
    assert encoder is not None, (
        f"the ColumnTransformer of {call} has {[(n, kind(t)) for n, t, *_ in transformers]}, "
        "expected a OneHotEncoder for the categorical columns"
    )
    assert encoder_columns == CATEGORICAL, (
        f"the OneHotEncoder in {call} works on columns {encoder_columns!r}, "
        f"expected the categorical columns {CATEGORICAL}"
    )
    assert encoder.handle_unknown == "ignore", (
        f"the OneHotEncoder in {call} has handle_unknown={encoder.handle_unknown!r}, expected 'ignore'"
    )
    classifier = steps[1][1]
    assert classifier.max_iter == 1000, (
        f"the LogisticRegression in {call} has max_iter={classifier.max_iter!r}, expected 1000"
    )


@points(2)
def test_unfitted_pipeline_fits_like_expected(student):
    X, y = make_data(SEED + 1, 300)
    X_new, _ = make_data(SEED + 2, 200)
    call = f"build_pipeline({NUMERIC}, {CATEGORICAL})"
    pipe = student.build_pipeline(NUMERIC, CATEGORICAL)
    steps = steps_of(pipe, call)
    try:
        steps[-1][1].coef_  # only a fitted classifier has coefficients
        fitted_before = True
    except (StudentError, AttributeError):
        fitted_before = False
    assert not fitted_before, f"{call} returned a pipeline that is already fitted; return a new, unfitted one"
    fitted = pipe.fit(X, y)
    got = predictions(fitted, X_new, f"{call}.fit(X, y).predict(X_new)")
    want = expected_pipeline().fit(X, y).predict(X_new)
    agree = float(np.mean(got == want))
    assert agree >= 0.99, (
        f"the grader fitted the pipeline from {call} on 300 raw rows and predicted 200 new ones: only "
        f"{agree:.1%} of the predictions match a scaler + one-hot + LogisticRegression(max_iter=1000) pipeline "
        "(expected at least 99%)"
    )


@points(2)
def test_train_and_evaluate_accuracy(student):
    X, y = make_data(SEED, 400)
    call = f"train_and_evaluate(X, y, {NUMERIC}, {CATEGORICAL}, seed=7)"
    result = student.train_and_evaluate(X, y, NUMERIC, CATEGORICAL, 7)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"{call} should return a tuple (pipeline, accuracy), got {result!r:.200}"
    )
    _, accuracy = result
    assert isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool), (
        f"{call} returned accuracy {accuracy!r}, expected a float between 0 and 1"
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=7, stratify=y)
    want = float(expected_pipeline().fit(X_train, y_train).score(X_test, y_test))
    leaked = float(expected_pipeline().fit(X, y).score(X_test, y_test))
    if abs(accuracy - want) > 1.5 / len(y_test) and abs(accuracy - leaked) < 1e-9:
        raise AssertionError(
            f"{call} returned accuracy {accuracy:.4f}, expected {expected(round(want, 4))}: your number matches a model that "
            "was fitted on all of X, test rows included, so it is too optimistic"
        )
    assert abs(accuracy - want) <= 1.5 / len(y_test), (
        f"{call} returned accuracy {accuracy:.4f}, expected {expected(round(want, 4))} (split with test_size=0.25, "
        "random_state=seed, stratify=y; fit on the training part; score on the test part)"
    )


@points(2)
def test_fitted_on_training_part_only(student):
    X, y = make_data(SEED + 3, 400)
    call = f"train_and_evaluate(X, y, {NUMERIC}, {CATEGORICAL}, seed=3)"
    model, _ = student.train_and_evaluate(X, y, NUMERIC, CATEGORICAL, 3)
    steps = steps_of(model, f"the pipeline from {call}")
    n_features = model.n_features_in_
    assert n_features == X.shape[1], (
        f"the pipeline from {call} was fitted on {n_features} columns, expected all {X.shape[1]} raw columns "
        "(scaling and encoding belong inside the pipeline)"
    )
    preprocess = steps[0][1]
    assert kind(preprocess) == "ColumnTransformer", (
        f"the first step of the pipeline from {call} is a {kind(preprocess)}, expected a ColumnTransformer"
    )
    scaler, _ = find_transformer(preprocess.transformers_, "StandardScaler")
    assert scaler is not None, f"the fitted ColumnTransformer from {call} has no fitted StandardScaler"
    X_train, _, _, _ = train_test_split(X, y, test_size=0.25, random_state=3, stratify=y)
    got = np.asarray(scaler.mean_, dtype=float)
    want = X_train[:, NUMERIC].mean(axis=0)
    if got.shape == want.shape and np.allclose(got, X[:, NUMERIC].mean(axis=0), rtol=1e-9):
        raise AssertionError(
            f"the StandardScaler in the pipeline from {call} learned the means of ALL rows of X "
            f"({np.round(got, 3).tolist()}); it must learn them from the training part only "
            f"({expected(np.round(want, 3).tolist())}): the test part leaked into the model"
        )
    assert got.shape == want.shape and np.allclose(got, want, rtol=1e-9), (
        f"the StandardScaler in the pipeline from {call} learned means {np.round(got, 3).tolist()}, expected "
        f"the means of the training part {expected(np.round(want, 3).tolist())}"
    )


@points(1)
def test_predicts_raw_unseen_rows(student):
    X, y = make_data(SEED + 4, 400)
    X_new, y_new = make_data(SEED + 5, 300)
    call = f"train_and_evaluate(X, y, {NUMERIC}, {CATEGORICAL}, seed=5)"
    model, _ = student.train_and_evaluate(X, y, NUMERIC, CATEGORICAL, 5)
    got = predictions(model, X_new, f"the pipeline from {call}: predict(raw rows)")
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=5, stratify=y)
    want = expected_pipeline().fit(X_train, y_train).predict(X_new)
    accuracy = float(np.mean(got == y_new))
    agree = float(np.mean(got == want))
    assert agree >= 0.97 and accuracy >= 0.8, (
        f"the pipeline from {call} predicted 300 new raw rows with accuracy {accuracy:.3f} "
        f"(the expected pipeline gets {expected(round(float(np.mean(want == y_new)), 3))}; {agree:.1%} of "
        "predictions agree). "
        "The fitted pipeline must take raw rows and do all scaling and encoding itself"
    )


@points(1)
def test_unknown_category_codes(student):
    X, y = make_data(SEED + 6, 400)
    X_new, _ = make_data(SEED + 7, 20)
    X_new[:5, 4] = 7.0  # a region that opened after training
    X_new[5:8, 5] = 4.0  # a plan that did not exist yet
    call = f"train_and_evaluate(X, y, {NUMERIC}, {CATEGORICAL}, seed=1)"
    model, _ = student.train_and_evaluate(X, y, NUMERIC, CATEGORICAL, 1)
    try:
        got = predictions(model, X_new, f"the pipeline from {call}: predict(rows with new codes)")
    except StudentError as error:
        raise AssertionError(
            f"the pipeline from {call} raised {error.type_name} when predicting rows with a region code (7.0) "
            f"and a plan code (4.0) never seen in training: {error.message[:200]} "
            "(use OneHotEncoder(handle_unknown='ignore'))"
        ) from None
    assert set(np.unique(got).tolist()) <= {0, 1}, f"predictions should be 0 or 1, got {np.unique(got).tolist()}"
