"""DataFrames and Series cross the wire as values (tests written for notebooks compare them and check their
types), and a hostile encoding of one is refused with a WireError, never another exception."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sandbox.runners import gradient_wire as wire


def roundtrip(value):  # type: ignore[no-untyped-def]
    return wire.decode(json.loads(json.dumps(wire.encode(value, lambda obj: (1, type(obj).__name__, False)))))


def test_a_dataframe_of_the_usual_dtypes_round_trips_exactly() -> None:
    frame = pd.DataFrame({
        "flavor": ["vanilla", "chocolate", None],
        "scoops": [1, 2, 3],
        "price": [1.5, np.nan, 2.25],
        "sold_out": [True, False, True],
        "kind": pd.Categorical(["cone", "cup", "cone"]),
        "when": pd.to_datetime(["2024-01-01", "2024-06-30", "2025-12-31"]),
        "mixed": [1, "two", 3.0],
    }, index=pd.Index(["a", "b", "c"], name="row"))
    back = roundtrip(frame)
    assert type(back) is pd.DataFrame
    pd.testing.assert_frame_equal(back, frame)


def test_series_from_a_groupby_keeps_its_index_and_name() -> None:
    frame = pd.DataFrame({"flavor": ["a", "b", "a"], "price": [1.0, 2.0, 3.0]})
    series = frame.groupby("flavor")["price"].mean()
    back = roundtrip(series)
    assert type(back) is pd.Series
    pd.testing.assert_series_equal(back, series)
    pd.testing.assert_series_equal(roundtrip(pd.Series([], dtype="float64")), pd.Series([], dtype="float64"))


def test_what_does_not_cross_as_a_value_stays_behind_as_a_handle() -> None:
    multi = pd.DataFrame({"a": [1, 2], "b": [3, 4]}).set_index(["a", "b"])
    assert isinstance(roundtrip(multi), wire.Handle)
    assert isinstance(roundtrip(pd.Series([object()])), wire.Handle)  # a cell holding an object


@pytest.mark.parametrize(
    "payload",
    [
        {"$": "series", "name": None, "index": {"range": [0, 10**12, 1], "name": None}, "v": {"dtype": "str", "v": []}},
        {"$": "series", "name": None, "index": {"range": [0, 3, 0], "name": None}, "v": {"dtype": "str", "v": []}},
        {"$": "series", "name": None, "index": {"range": [0, 2, 1], "name": None}, "v": {"dtype": "str", "v": ["x"]}},
        {"$": "series", "name": [1], "index": {"range": [0, 0, 1], "name": None}, "v": {"dtype": "str", "v": []}},
        {"$": "series", "name": None, "index": {"range": [0, 1, 1], "name": None},
         "v": {"dtype": "str", "v": [{"$": "handle", "id": 1, "type": "x", "callable": False}]}},
        {"$": "series", "name": None, "index": {"range": [0, 1, 1], "name": None},
         "v": {"dtype": "int64", "v": {"$": "ndarray", "dtype": "<f8", "shape": [1], "v": "AAAAAAAA8D8="}}},
        {"$": "series", "name": None, "index": {"range": [0, 1, 1], "name": None},
         "v": {"dtype": "datetime64[D]", "v": {"$": "ndarray", "dtype": "<i8", "shape": [1], "v": "AAAAAAAAAAA="}}},
        {"$": "dataframe", "columns": {"values": {"dtype": "str", "v": ["a", "b"]}, "name": None},
         "index": {"range": [0, 0, 1], "name": None}, "v": []},
        {"$": "dataframe", "columns": None, "index": None, "v": None},
        # One 8-byte value that pandas would broadcast to the index's length, in every column.
        {"$": "dataframe", "columns": {"values": {"dtype": "str", "v": ["a"]}, "name": None},
         "index": {"range": [0, 200000, 1], "name": None},
         "v": [{"dtype": "float64", "v": {"$": "ndarray", "dtype": "<f8", "shape": [], "v": "AAAAAAAA8D8="}}]},
        {"$": "series", "name": None, "index": {"range": [0, 3, 1], "name": None},
         "v": {"dtype": "float64", "v": {"$": "ndarray", "dtype": "<f8", "shape": [1], "v": "AAAAAAAA8D8="}}},
    ],
)
def test_a_forged_pandas_value_is_a_wire_error(payload) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(wire.WireError):
        wire.decode(payload)
