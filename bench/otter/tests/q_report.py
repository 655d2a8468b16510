"""Otter port of graders/python-foundations/csv-json-report: test_json_report, test_json_escaping."""

import json

from otter.test_files import test_case

OK_FORMAT = False
name = "to_json_report"


def _report(groups, group_by, value, rows):
    return {"group_by": group_by, "value": value, "rows": rows,
            "groups": [{"name": key, **groups[key]} for key in sorted(groups)]}


@test_case(points=2)
def test_json_report(env):
    to_json_report = env["to_json_report"]
    text = (
        "region,product,revenue\n"
        "north,tea,120.5\n"
        "south,tea,80\n"
        "north,coffee,\n"
        "east,tea,42\n"
        "south,\"coffee, decaf\",19.5\n"
        "north,cocoa,7.25\n"
    )
    groups = {
        "east": {"rows": 1, "count": 1, "total": 42.0, "mean": 42.0},
        "north": {"rows": 3, "count": 2, "total": 127.75, "mean": 63.875},
        "south": {"rows": 2, "count": 2, "total": 99.5, "mean": 49.75},
    }
    assert json.loads(to_json_report(text, "region", "revenue")) == _report(groups, "region", "revenue", 6)
    empty = {"rows": 1, "count": 0, "total": 0.0, "mean": None}
    got = json.loads(to_json_report("who,score\nx,\ny,\n", "who", "score"))
    assert got == _report({"x": empty, "y": empty}, "who", "score", 2)


@test_case(points=2)
def test_json_escaping(env):
    to_json_report = env["to_json_report"]
    names = ['Bar "Chez Lou"', "C:\\data\\shop", "Zoë's Café", "two\nlines", "東京"]
    text = "shop,sales\n" + "".join(
        '"' + name.replace('"', '""') + f'",{index + 1}\n' for index, name in enumerate(names)
    )
    groups = {name: {"rows": 1, "count": 1, "total": float(i + 1), "mean": float(i + 1)} for i, name in enumerate(names)}
    assert json.loads(to_json_report(text, "shop", "sales")) == _report(groups, "shop", "sales", len(names))
    got = json.loads(to_json_report('a "key",the \\ value\nk,1\n', 'a "key"', "the \\ value"))
    assert got == _report({"k": {"rows": 1, "count": 1, "total": 1.0, "mean": 1.0}}, 'a "key"', "the \\ value", 1)
