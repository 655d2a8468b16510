"""Otter port of graders/python-foundations/csv-json-report: test_summarize."""

import math

from otter.test_files import test_case

OK_FORMAT = False
name = "summarize"


@test_case(points=2)
def test_summarize(env):
    summarize = env["summarize"]
    records = [
        {"team": "red", "points": "10"},
        {"team": "blue", "points": " 2.5 "},
        {"team": "red", "points": ""},
        {"team": "red", "points": "-4"},
        {"team": "green", "points": "   "},
        {"team": "blue", "points": "1e1"},
        {"team": "red", "points": "0.5"},
    ]
    got = summarize(records, "team", "points")
    assert set(got) == {"red", "blue", "green"}, got
    assert got["red"]["rows"] == 4 and got["red"]["count"] == 3 and math.isclose(got["red"]["total"], 6.5)
    assert math.isclose(got["red"]["mean"], 6.5 / 3)
    assert got["blue"] == {"rows": 2, "count": 2, "total": 12.5, "mean": 6.25}
    assert got["green"] == {"rows": 1, "count": 0, "total": 0.0, "mean": None}
    try:
        summarize([{"k": "a", "v": "1"}, {"k": "a", "v": "n/a"}], "k", "v")
    except ValueError as error:
        assert "n/a" in str(error), f"the message should quote the bad cell 'n/a': {error}"
    else:
        raise AssertionError("summarize should raise ValueError for the cell 'n/a'")
