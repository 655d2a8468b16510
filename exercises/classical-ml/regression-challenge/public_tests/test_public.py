"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the interface of train_and_predict on a few made-up houses (a simple price rule, not the
grader's market): one finite price per test house, in thousands like the training prices, and better than
always predicting the mean price. They say nothing about your RMSE on the grader's hidden houses: measure
that on your own split of houses_practice.csv, as in the statement's example.
"""

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import train_and_predict  # noqa: E402


def _toy_houses(n, seed):
    """n made-up houses with the eight columns of the statement; price (thousands) follows a simple rule."""
    rng = np.random.default_rng(seed)
    area = rng.integers(30, 250, n).astype(float)
    X = np.column_stack([
        area,                                  # area_m2
        np.clip(np.round(area / 30), 1, 9),    # rooms
        rng.integers(0, 100, n),               # age_years
        np.round(rng.uniform(0.5, 25, n), 1),  # distance_km
        rng.integers(0, 6, n),                 # district (a code)
        rng.integers(1, 6, n),                 # condition
        rng.integers(0, 2, n),                 # garden
        rng.integers(1, 13, n),                # month_sold
    ]).astype(float)
    price = area * (1.2 + 0.15 * X[:, 5]) * rng.uniform(0.95, 1.05, n)
    return X, price


X_TRAIN, Y_TRAIN = _toy_houses(150, seed=11)
X_TEST, Y_TEST = _toy_houses(40, seed=12)  # not as many as the training houses


_FIRST = []


def _predict():
    """Your predictions for X_TEST (computed once and reused by every test, to keep the tests fast)."""
    if not _FIRST:
        _FIRST.append(np.asarray(train_and_predict(X_TRAIN, Y_TRAIN, X_TEST), dtype=float))
    return _FIRST[0]


def test_one_finite_price_per_test_house():
    pred = _predict()
    assert pred.ndim == 1 and len(pred) == len(X_TEST), (
        f"expected one price per row of X_test ({len(X_TEST)}), got shape {pred.shape}: predict on X_test, not X_train"
    )
    assert np.isfinite(pred).all(), "every prediction should be a finite number (no NaN or inf)"


def test_prices_are_in_thousands_like_the_training_prices():
    pred = _predict()
    assert len(pred) == len(X_TEST), f"expected {len(X_TEST)} predictions, got {len(pred)}"
    ratio = pred.mean() / Y_TRAIN.mean()
    assert 0.5 < ratio < 2.0, (
        f"your predictions average {pred.mean():.3g}, the training prices {Y_TRAIN.mean():.3g}: predict prices "
        "in thousands like y_train (if you fit log(price), turn the predictions back with np.exp)"
    )


def test_beats_always_predicting_the_mean_on_an_easy_rule():
    # a sanity check, not the grader's metric: here the price depends mostly on the area
    pred = _predict()
    assert len(pred) == len(Y_TEST), f"expected {len(Y_TEST)} predictions, got {len(pred)}"
    rmse = math.sqrt(np.mean((pred - Y_TEST) ** 2))
    baseline = math.sqrt(np.mean((Y_TRAIN.mean() - Y_TEST) ** 2))
    assert rmse < 0.9 * baseline, (
        f"RMSE {rmse:.1f} on made-up houses whose price follows the area, against {baseline:.1f} for always "
        "predicting the mean: is the model trained on X_train, y_train, and are the prices in the order of X_test?"
    )
