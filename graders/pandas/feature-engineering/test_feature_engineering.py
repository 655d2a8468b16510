"""Hidden grader for pandas/feature-engineering.

Expected features are computed by `_expected_features`, a plain restatement of the README with
`datetime` and NumPy, from statistics of the TRAINING rows only. Train and test rows are generated
with the seeded `rng`; the test rows are deliberately shifted (more spend, more missing ages, an
unseen plan), so statistics taken from them instead of the training rows give different features.
"""

import datetime as dt
import math

import numpy as np

from gradient_grader import StudentError, expected, points, shows_expected

PLANS = ["free", "basic", "pro"]
FEATURES = [
    "age", "age_missing", "spend_z", "spend_bin",
    "signup_month", "signup_dayofweek", "tenure_days",
    "plan_free", "plan_basic", "plan_pro",
]
INT_FEATURES = {"age_missing", "spend_bin", "signup_month", "signup_dayofweek", "tenure_days",
                "plan_free", "plan_basic", "plan_pro"}


def _day(text):
    return dt.date.fromisoformat(text)


def _rows(rng, n, *, shifted, with_target):
    rows = []
    start = _day("2023-01-01")
    for i in range(n):
        signup = start + dt.timedelta(days=int(rng.integers(0, 540)))
        if shifted:
            plan = ["free", "basic", "pro", "enterprise", None][int(rng.integers(0, 5))]
            age = None if rng.random() < 0.4 else int(rng.integers(45, 80))
            spend = round(float(rng.uniform(30, 200)), 2)
        else:
            plan = ["free", "free", "basic", "pro"][int(rng.integers(0, 4))]
            age = None if rng.random() < 0.15 else int(rng.integers(18, 65))
            spend = round(float(rng.gamma(2.0, 12.0)), 2)
        row = {"customer_id": f"{'t' if shifted else 'c'}{i:03d}", "signup_date": signup.isoformat(),
               "plan": plan, "age": age, "monthly_spend": spend}
        if with_target:
            row["churned"] = int(rng.random() < 0.3)
        rows.append(row)
    return rows


def _expected_features(train, rows, reference="2024-07-01"):
    ages = [r["age"] for r in train if r["age"] is not None]
    median = float(np.median(ages))
    spend = np.array([r["monthly_spend"] for r in train], dtype=float)
    mean, std = float(spend.mean()), float(spend.std())
    std = std if std > 0 else 1.0
    edges = np.quantile(spend, [0.25, 0.5, 0.75])
    ref = _day(reference)
    out = {column: [] for column in FEATURES}
    for r in rows:
        signup = _day(r["signup_date"])
        out["age"].append(float(r["age"]) if r["age"] is not None else median)
        out["age_missing"].append(int(r["age"] is None))
        out["spend_z"].append((r["monthly_spend"] - mean) / std)
        out["spend_bin"].append(int(sum(r["monthly_spend"] > e for e in edges)))
        out["signup_month"].append(signup.month)
        out["signup_dayofweek"].append(signup.weekday())
        out["tenure_days"].append((ref - signup).days)
        for plan in PLANS:
            out[f"plan_{plan}"].append(int(r["plan"] == plan))
    return out, {"median age": median, "mean spend": mean, "std spend": std, "spend quartiles": edges.round(4).tolist()}


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_table(got, want, call, keys, hint=""):
    assert isinstance(got, dict), f"{call} should return a dict of lists, got {type(got).__name__}: {got!r:.200}"
    assert list(got) == list(keys), (
        f"{call} returned the keys {list(got)}, expected exactly {expected(list(keys))} in that order "
        "(the README lists the columns and their order)"
    )
    n = len(want[keys[0]])
    for column in keys:
        values = got[column]
        assert isinstance(values, list) and len(values) == n, (
            f"{call}[{column!r}] should be a list with one number per row, got {values!r:.200}"
        )
        for row, (g, w) in enumerate(zip(values, want[column])):
            if isinstance(w, int):
                ok = _number(g) and g == w
            else:
                ok = _number(g) and math.isclose(g, w, rel_tol=1e-7, abs_tol=1e-9)
            assert ok, f"{call}: row {row}, column {column!r} is {g!r}, expected {expected(w)}{hint}"


# --------------------------------------------------------------------------- tests


@shows_expected
@points(2)
def test_date_features(student):
    dates = ["2024-03-02", "2023-12-25", "2024-02-29", "2024-01-01", "2024-03-10", "2021-07-16"]
    call = f"date_features({dates!r}, reference='2024-01-01')"
    want = {
        "year": [2024, 2023, 2024, 2024, 2024, 2021],
        "month": [3, 12, 2, 1, 3, 7],
        "day_of_week": [5, 0, 3, 0, 6, 4],
        "is_weekend": [1, 0, 0, 0, 1, 0],
        "days_since_reference": [61, -7, 59, 0, 69, -899],
    }
    got = student.date_features(dates, reference="2024-01-01")
    _check_table(got, want, call, list(want), " (Monday is day 0; days before the reference are negative)")

    call = "date_features(['2024-07-01', '2024-06-30'], reference='2024-06-01')"
    want = {"year": [2024, 2024], "month": [7, 6], "day_of_week": [0, 6], "is_weekend": [0, 1], "days_since_reference": [30, 29]}
    got = student.date_features(["2024-07-01", "2024-06-30"], reference="2024-06-01")
    _check_table(got, want, call, list(want))


@shows_expected
@points(2)
def test_one_hot_fixed_categories(student):
    values = ["pro", "free", "enterprise", None, "pro", "free"]
    call = f"one_hot({values!r}, ['free', 'basic', 'pro'], 'plan')"
    want = {
        "plan_free": [0, 1, 0, 0, 0, 1],
        "plan_basic": [0, 0, 0, 0, 0, 0],
        "plan_pro": [1, 0, 0, 0, 1, 0],
    }
    got = student.one_hot(values, ["free", "basic", "pro"], "plan")
    _check_table(got, want, call, list(want),
                 " (one column per listed category, in the listed order, even when a category does not occur; "
                 "unknown or missing values are all zeros)")

    call = "one_hot(['b', 'a'], ['c', 'b', 'a'], 'x')"
    want = {"x_c": [0, 0], "x_b": [1, 0], "x_a": [0, 1]}
    _check_table(student.one_hot(["b", "a"], ["c", "b", "a"], "x"), want, call, list(want))


@points(2)
def test_fit_transform_training_rows(student, rng):
    train = _rows(rng, 40, shifted=False, with_target=True)
    want, stats = _expected_features(train, train)
    builder = student.FeatureBuilder()
    call = "FeatureBuilder().fit_transform(<40 generated training rows>)"
    _check_table(builder.fit_transform(train), want, call, FEATURES,
                 f" (training statistics: {stats}; spend_z uses the population std, ddof=0)")


@points(3)
def test_transform_uses_training_statistics(student, rng):
    train = _rows(rng, 40, shifted=False, with_target=True)
    test = _rows(rng, 15, shifted=True, with_target=False)
    want, stats = _expected_features(train, test)
    builder = student.FeatureBuilder()
    builder.fit(train)
    call = "FeatureBuilder().fit(<40 training rows>) then .transform(<15 test rows with other spends, ages and plans>)"
    _check_table(builder.transform(test), want, call, FEATURES,
                 f" (use the statistics learned by fit on the training rows: {stats}; "
                 "never re-compute them from the rows being transformed)")


@points(2)
def test_transform_is_row_by_row(student, rng):
    train = _rows(rng, 30, shifted=False, with_target=True)
    test = _rows(rng, 8, shifted=True, with_target=False)
    builder = student.FeatureBuilder()
    builder.fit(train)
    batch = builder.transform(test)
    assert isinstance(batch, dict), f"transform(<8 rows>) should return a dict of lists, got {type(batch).__name__}"
    for i, row in enumerate(test):
        single = builder.transform([row])
        assert isinstance(single, dict) and list(single) == list(batch), (
            f"transform([one row]) returned the keys {list(single) if isinstance(single, dict) else single!r}, "
            f"but transform(<8 rows>) returned {list(batch)}: the columns must not depend on the batch"
        )
        for column in batch:
            g, w = single[column], batch[column][i : i + 1]
            assert isinstance(g, list) and len(g) == 1 and _number(g[0]) and math.isclose(g[0], w[0], rel_tol=1e-9, abs_tol=1e-12), (
                f"transform([test row {i}])[{column!r}] is {g!r}, but row {i} of transform(<8 test rows>) is {w!r}: "
                "a row's features must not depend on the other rows it is transformed with"
            )


@shows_expected
@points(1)
def test_columns_target_and_unfitted(student):
    rows = [
        {"customer_id": "a", "signup_date": "2024-01-15", "plan": "free", "age": 30, "monthly_spend": 10.0, "churned": 1},
        {"customer_id": "b", "signup_date": "2024-03-02", "plan": "pro", "age": None, "monthly_spend": 50.0, "churned": 0},
        {"customer_id": "c", "signup_date": "2024-05-20", "plan": "basic", "age": 40, "monthly_spend": 20.0, "churned": 0},
    ]
    got = student.FeatureBuilder().fit_transform(rows)
    assert isinstance(got, dict), f"fit_transform(<3 rows>) should return a dict of lists, got {type(got).__name__}"
    assert "churned" not in got and "customer_id" not in got, (
        f"fit_transform(<rows with a 'churned' target>) returned the keys {list(got)}: the target and the id must "
        "never be features"
    )
    assert list(got) == FEATURES, f"fit_transform(<3 rows>) returned the keys {list(got)}, expected {FEATURES}"

    call = "FeatureBuilder().transform(<rows>) without fit()"
    try:
        result = student.FeatureBuilder().transform(rows)
    except StudentError as error:
        assert error.type_name == "RuntimeError", f"{call} raised {error.type_name}: {error.message[:200]}, expected RuntimeError"
    else:
        raise AssertionError(f"{call} returned {result!r:.200} instead of raising RuntimeError")
