"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the example and the rules of the statement. The hidden grader checks more (generated
training rows and shifted new rows).
"""

import math
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import PLANS, FeatureBuilder, date_features, one_hot  # noqa: E402

FEATURES = [
    "age", "age_missing", "spend_z", "spend_bin",
    "signup_month", "signup_dayofweek", "tenure_days",
    "plan_free", "plan_basic", "plan_pro",
]

TRAIN = [
    {"customer_id": "a", "signup_date": "2024-01-15", "plan": "free", "age": 30, "monthly_spend": 10.0, "churned": 1},
    {"customer_id": "b", "signup_date": "2024-03-02", "plan": "pro", "age": None, "monthly_spend": 50.0, "churned": 0},
    {"customer_id": "c", "signup_date": "2024-05-20", "plan": "basic", "age": 40, "monthly_spend": 20.0, "churned": 0},
    {"customer_id": "d", "signup_date": "2024-06-01", "plan": "pro", "age": 50, "monthly_spend": 40.0, "churned": 1},
]
NEW = {"customer_id": "e", "signup_date": "2024-06-29", "plan": "enterprise", "age": None, "monthly_spend": 90.0}
STD = math.sqrt(250.0)  # the population standard deviation of the training spends 10, 50, 20, 40 (mean 30)


def _check_features(got, want, call):
    assert isinstance(got, dict), f"{call} should return a dict of lists, got {type(got).__name__}"
    assert list(got) == list(want), f"{call} has the columns {list(got)}, expected exactly {list(want)} (in that order)"
    for column, values in want.items():
        column_got = list(got[column])
        close = len(column_got) == len(values) and all(
            math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-12) for a, b in zip(column_got, values, strict=True)
        )
        assert close, f"{call}: column {column!r} is {column_got!r}, expected {values!r}"


def test_date_features_example():
    got = date_features(["2024-03-02", "2023-12-25", "2024-02-29"])
    want = {
        "year": [2024, 2023, 2024], "month": [3, 12, 2], "day_of_week": [5, 0, 3],
        "is_weekend": [1, 0, 0], "days_since_reference": [61, -7, 59],
    }
    _check_features(got, want, 'date_features(["2024-03-02", "2023-12-25", "2024-02-29"])')


def test_one_hot_keeps_the_fixed_categories():
    got = one_hot(["pro", "free", "enterprise", None, "pro"], PLANS, "plan")
    want = {"plan_free": [0, 1, 0, 0, 0], "plan_basic": [0, 0, 0, 0, 0], "plan_pro": [1, 0, 0, 0, 1]}
    assert got == want, (
        f"one_hot([...], PLANS, 'plan') returned {got!r}, expected {want!r}: one column per category, in the "
        "order of the list, even for a category absent from the batch; unknown values and None give zeros"
    )


def test_fit_transform_on_the_training_rows():
    got = FeatureBuilder().fit_transform(TRAIN)
    want = {
        "age": [30.0, 40.0, 40.0, 50.0],
        "age_missing": [0, 1, 0, 0],
        "spend_z": [-20 / STD, 20 / STD, -10 / STD, 10 / STD],
        "spend_bin": [0, 3, 1, 2],
        "signup_month": [1, 3, 5, 6],
        "signup_dayofweek": [0, 5, 0, 5],
        "tenure_days": [168, 121, 42, 30],
        "plan_free": [1, 0, 0, 0],
        "plan_basic": [0, 0, 1, 0],
        "plan_pro": [0, 1, 0, 1],
    }
    _check_features(got, want, "FeatureBuilder().fit_transform(train) (spend_z uses the population std, ddof=0)")


def test_new_row_uses_the_training_statistics():
    builder = FeatureBuilder().fit(TRAIN)
    got = builder.transform([NEW])
    want = {
        "age": [40.0], "age_missing": [1], "spend_z": [3.794733192202055], "spend_bin": [3],
        "signup_month": [6], "signup_dayofweek": [5], "tenure_days": [2],
        "plan_free": [0], "plan_basic": [0], "plan_pro": [0],
    }
    _check_features(got, want, "FeatureBuilder().fit(train).transform([new customer e]) (learned on train only)")


def test_a_row_does_not_depend_on_its_batch():
    builder = FeatureBuilder().fit(TRAIN)
    alone = builder.transform([TRAIN[0]])
    in_batch = builder.transform(TRAIN)
    for column in FEATURES:
        assert math.isclose(alone[column][0], in_batch[column][0], rel_tol=1e-9), (
            f"column {column!r} of customer a is {alone[column][0]!r} when transformed alone but "
            f"{in_batch[column][0]!r} in the batch: transform must use only what fit learned"
        )


def test_transform_before_fit_raises():
    with pytest.raises(RuntimeError) as caught:
        FeatureBuilder().transform([NEW])
    assert not isinstance(caught.value, NotImplementedError), "transform is not written yet (it raised NotImplementedError)"
