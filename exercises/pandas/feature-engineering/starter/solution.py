"""Feature engineering without leakage.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact definitions.
Return plain Python dicts of lists (not DataFrames).
"""

import numpy as np
import pandas as pd

PLANS = ["free", "basic", "pro"]
FEATURES = [
    "age", "age_missing", "spend_z", "spend_bin",
    "signup_month", "signup_dayofweek", "tenure_days",
    "plan_free", "plan_basic", "plan_pro",
]


def date_features(dates: list[str], reference: str = "2024-01-01") -> dict[str, list]:
    """Return {"year", "month", "day_of_week", "is_weekend", "days_since_reference"} as lists of ints."""
    raise NotImplementedError("date_features is not written yet")


def one_hot(values: list, categories: list[str], prefix: str) -> dict[str, list[int]]:
    """Return {f"{prefix}_{c}": [0/1, ...]} for every c in categories (in that order); unknown/None -> zeros."""
    raise NotImplementedError("one_hot is not written yet")


class FeatureBuilder:
    """Learns statistics on training rows in fit(); applies them unchanged in transform()."""

    def __init__(self, reference: str = "2024-07-01") -> None:
        self.reference = reference

    def fit(self, rows: list[dict]) -> "FeatureBuilder":
        """Learn the age median, spend mean/std (ddof=0) and spend quartile edges; return self."""
        raise NotImplementedError("fit is not written yet")

    def transform(self, rows: list[dict]) -> dict[str, list]:
        """Return the FEATURES columns for rows, using only what fit() learned (RuntimeError if not fitted)."""
        raise NotImplementedError("transform is not written yet")

    def fit_transform(self, rows: list[dict]) -> dict[str, list]:
        """fit(rows), then transform(rows)."""
        raise NotImplementedError("fit_transform is not written yet")
