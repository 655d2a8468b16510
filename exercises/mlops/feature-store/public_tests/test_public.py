"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example and a small skew report. The hidden grader draws larger feature
histories, batches and logs for each submission.
"""

import os
import sys

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import FeatureStore, detect_skew, point_in_time_join  # noqa: E402

FEATURES = pd.DataFrame({
    "user_id": [1, 1, 2, 1, 2],
    "feature_time": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 12:00", "2024-01-01 10:00",
                                    "2024-01-01 18:00", "2024-01-01 11:30"]),
    "clicks_24h": [1.0, 4.0, 7.0, 9.0, 8.0],
    "avg_basket": [10.0, 12.5, 30.0, 11.0, 31.0],
})
EVENTS = pd.DataFrame({
    "user_id": [1, 2, 1, 2, 3],
    "event_time": pd.to_datetime(["2024-01-01 13:00", "2024-01-01 11:30", "2024-01-01 08:00",
                                  "2024-01-02 09:00", "2024-01-01 13:00"]),
    "label": [1, 0, 0, 1, 1],
})


def test_example_point_in_time_join():
    got = point_in_time_join(EVENTS, FEATURES, "user_id")
    assert list(got.columns) == ["user_id", "event_time", "label", "clicks_24h", "avg_basket"]
    assert got["user_id"].tolist() == [1, 2, 1, 2, 3], "one row per event, in the events' order"
    assert np.allclose(got["clicks_24h"], [4.0, 8.0, np.nan, 8.0, np.nan], equal_nan=True), (
        f"clicks_24h: {got['clicks_24h'].tolist()} (the latest row of the same user at or before the event)"
    )
    assert np.allclose(got["avg_basket"], [12.5, 31.0, np.nan, 31.0, np.nan], equal_nan=True)


def test_example_ttl():
    got = point_in_time_join(EVENTS, FEATURES, "user_id", ttl="12h")
    assert np.allclose(got["clicks_24h"], [4.0, 8.0, np.nan, np.nan, np.nan], equal_nan=True), (
        f"with ttl='12h': {got['clicks_24h'].tolist()}"
    )


def test_example_online_store_with_late_rows():
    store = FeatureStore("user_id", ["clicks_24h", "avg_basket"], ttl="12h")
    store.ingest(FEATURES.iloc[[1, 3, 4]])
    store.ingest(FEATURES.iloc[[0, 2]])  # late, older rows
    got = store.get_online_features([1, 2, 3], "2024-01-02 05:00")
    assert got == {1: {"clicks_24h": 9.0, "avg_basket": 11.0}, 2: {"clicks_24h": None, "avg_basket": None},
                   3: {"clicks_24h": None, "avg_basket": None}}, f"got {got}"
    historical = store.get_historical_features(EVENTS)
    assert np.allclose(historical["clicks_24h"], [4.0, 8.0, np.nan, np.nan, np.nan], equal_nan=True)
    with pytest.raises(ValueError):
        store.ingest(FEATURES.drop(columns=["avg_basket"]))


def test_small_skew_report():
    keys = ["user_id", "event_time"]
    training = pd.DataFrame({"user_id": [1, 2, 3, 4], "event_time": pd.to_datetime(["2024-01-01"] * 4),
                             "clicks": [1.0, 2.0, 3.0, np.nan], "spend": [5.0, np.nan, 7.0, 8.0]})
    serving = pd.DataFrame({"user_id": [4, 3, 2, 9], "event_time": pd.to_datetime(["2024-01-01"] * 4),
                            "clicks": [np.nan, 3.5, 2.0 + 1e-9, 1.0], "spend": [8.0, 7.0, np.nan, 1.0]})
    got = detect_skew(training, serving, keys, ["clicks", "spend"])
    assert got["joined"] == 3, "users 2, 3 and 4 are in both logs"
    assert got["features"]["clicks"] == {"mismatches": 1, "rate": pytest.approx(1 / 3), "skewed": True}
    assert got["features"]["spend"] == {"mismatches": 0, "rate": 0.0, "skewed": False}, "NaN on both sides is equal"
    assert got["skewed"] == ["clicks"]
