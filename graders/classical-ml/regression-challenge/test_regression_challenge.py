"""Hidden grader for classical-ml/regression-challenge (a leaderboard exercise).

The house data are generated here: the training houses from the public TRAIN_SEED, the test houses from
``hidden_seed``, which mixes in the deployment's grader secret (graders/ is public, so a seed written here
would let anyone regenerate the test prices). Only X_train, y_train and X_test are sent to the student box,
X_test once (``send_hidden_once``); the test prices never leave the grader. The test rows are split (fixed
seed) into a public and a private half; the RMSE of each is recorded for the leaderboard and points are
awarded on the public half. The student's function is called once and its answer (or its first failure)
reused by every test.

The practice file shipped with the starter (houses_practice.csv) was drawn by the same `make_houses` with
PRACTICE_SEED, a different seed, so it shows the kind of data without revealing the hidden rows.
"""

import numpy as np

from gradient_grader import StudentError, call_timeout, hidden_seed, points, record_metric, send_hidden_once

TRAIN_SEED = 81234577
HIDDEN = "classical-ml/regression-challenge:test"  # the name of the hidden test set's seed
HALF_SEED = 5309
PRACTICE_SEED = 2024
N_TRAIN = 1800
N_TEST = 2000
CALL = "train_and_predict(X_train, y_train, X_test)"

COLUMNS = ["area_m2", "rooms", "age_years", "distance_km", "district", "condition", "garden", "month_sold"]
DISTRICT_FACTOR = np.array([1.0, 1.35, 0.8, 1.15, 0.7, 1.6])

_cache = {}


def make_houses(n, seed):
    """n synthetic house sales: a float array X (n, 8) in COLUMNS order and prices y in thousands."""
    rng = np.random.default_rng(seed)
    area = np.clip(np.exp(rng.normal(np.log(95), 0.35, n)), 25, 320).round(0)
    rooms = np.clip(np.round(area / 28 + rng.normal(0, 0.9, n)), 1, 9)
    age = np.where(rng.random(n) < 0.2, rng.uniform(60, 120, n), rng.uniform(0, 60, n)).round(0)
    distance = np.clip(rng.exponential(6.0, n) + 0.3, 0.3, 35).round(1)
    district = rng.integers(0, 6, n)
    condition = rng.integers(1, 6, n)
    garden = (rng.random(n) < 0.15 + 0.6 * distance / 35).astype(int)
    month = rng.integers(1, 13, n)
    value = 2.6 * area * DISTRICT_FACTOR[district] * np.exp(-0.045 * distance) * (0.7 + 0.1 * condition)
    value *= np.where(age > 80, 1.25, 1.0 - 0.005 * age)  # old houses lose value, listed old ones gain
    value *= np.where(area / rooms < 22, 0.85, 1.0)  # cramped layouts sell for less
    value *= 1 + 0.04 * np.sin(2 * np.pi * (month - 3) / 12)  # a seasonal market
    value += garden * (10 + 2.5 * distance)  # a garden is worth more in the suburbs
    price = value * np.exp(rng.normal(0, 0.08, n)) + rng.normal(0, 8, n)
    X = np.column_stack([area, rooms, age, distance, district, condition, garden, month]).astype(float)
    return X, np.round(price, 1)


def split():
    X_train, y_train = make_houses(N_TRAIN, TRAIN_SEED)
    X_test, y_test = make_houses(N_TEST, hidden_seed(HIDDEN))
    order = np.random.default_rng(HALF_SEED).permutation(N_TEST)
    half = N_TEST // 2
    return X_train, y_train, X_test, y_test, order[:half], order[half:]


def predictions(student):
    """The student's predicted prices for the test rows (checked), computed once: the hidden houses are sent
    once."""
    if "error" in _cache:
        raise AssertionError(_cache["error"])
    if "pred" in _cache:
        return _cache["pred"], _cache["truth"]
    X_train, y_train, X_test, y_test, public, private = split()
    try:
        with call_timeout(60):
            got = student.train_and_predict(X_train, y_train, send_hidden_once(HIDDEN, X_test))
        pred = check_predictions(got, len(X_test), len(X_train))
    except (AssertionError, StudentError) as error:
        _cache["error"] = str(error)
        raise
    _cache.update(pred=pred, truth=(y_test, public, private))
    return pred, (y_test, public, private)


def check_predictions(got, n, n_train):
    what = f"{CALL} should return a list of {n} predicted prices (floats)"
    assert isinstance(got, (list, tuple, np.ndarray)), f"{what}, got {type(got).__name__}: {got!r:.200}"
    try:
        pred = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}, got {got!r:.200}") from None
    if pred.ndim == 2 and 1 in pred.shape:
        pred = pred.reshape(-1)  # a column vector such as model.predict(...).reshape(-1, 1) is accepted
    hint = " (that is the number of training rows: predict X_test, not X_train)" if pred.shape == (n_train,) else ""
    assert pred.shape == (n,), (
        f"{CALL} returned {pred.shape[0] if pred.ndim else 'a scalar'} values (shape {pred.shape}), "
        f"expected one per row of X_test: {n}{hint}"
    )
    bad = int(np.sum(~np.isfinite(pred)))
    assert bad == 0, f"{CALL} returned {bad} values that are NaN or infinite, expected {n} finite prices"
    return pred


def rmse(pred, truth):
    return float(np.sqrt(np.mean((pred - truth) ** 2)))


def check_threshold(student, threshold, level):
    pred, (truth, public, _) = predictions(student)
    score = rmse(pred[public], truth[public])
    hint = ""
    if np.median(pred) < 20:
        hint = " Your predictions look tiny (did you train on log prices and forget to undo the log?)."
    elif np.std(pred) < 1e-6:
        hint = " Every prediction is the same number: the model learns nothing from the features."
    assert score <= threshold, (
        f"{CALL}: RMSE on the public test half is {score:.2f} (thousands), {level} needs {threshold} or less.{hint}"
    )


@points(1)
def test_predictions_are_finite_and_one_per_row(student):
    pred, (truth, public, private) = predictions(student)
    record_metric("rmse", rmse(pred[public], truth[public]), part="public")
    record_metric("rmse", rmse(pred[private], truth[private]), part="private")


@points(2)
def test_rmse_beats_the_mean_predictor(student):
    check_threshold(student, 100, "beating the always-predict-the-mean baseline")


@points(2)
def test_rmse_beats_plain_linear_regression(student):
    check_threshold(student, 65, "beating plain linear regression on the raw columns")


@points(3)
def test_rmse_at_most_50(student):
    check_threshold(student, 50, "the tree-ensemble level")


@points(2)
def test_rmse_at_most_32(student):
    check_threshold(student, 32, "the tuned-boosting level")
