"""Hidden grader for python-foundations/csv-json-report (a notebook exercise)."""

import json
import math

from gradient_grader import StudentError, expected, points, shows_expected


def _short(text, limit=90):
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 5] + "...'"


def _records(got, call):
    assert isinstance(got, list), f"{call} should return a list of dicts, got {type(got).__name__}: {got!r:.300}"
    for row in got:
        assert isinstance(row, dict), f"{call}: every record should be a dict, got {row!r:.200}"
    return got


def _same(got, want, path="the result"):
    """Compare nested values; floats with a tolerance. Returns a problem description or None."""
    if isinstance(want, float) and not isinstance(got, bool) and isinstance(got, (int, float)):
        if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9):
            return None
        return f"{path} is {got!r}, expected {expected(want)}"
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path} should be a dict/object, got {got!r:.200}"
        if set(got) != set(want):
            return f"{path} has the keys {sorted(map(str, got))}, expected {expected(sorted(want))}"
        for key in want:
            problem = _same(got[key], want[key], f"{path}[{key!r}]")
            if problem:
                return problem
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return f"{path} should be a list, got {got!r:.200}"
        if len(got) != len(want):
            return f"{path} has {len(got)} items, expected {expected(len(want))}: got {got!r:.300}"
        for index, (a, b) in enumerate(zip(got, want)):
            problem = _same(a, b, f"{path}[{index}]")
            if problem:
                return problem
        return None
    if isinstance(want, int) and not isinstance(want, bool):
        if type(got) is int and got == want:
            return None
        return f"{path} is {got!r}, expected the integer {expected(want)}"
    if got != want or type(got) is not type(want):
        return f"{path} is {got!r}, expected {expected(want)}"
    return None


def _expect_value_error(func, call):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == "ValueError", (
            f"{call} raised {error.type_name}: {error.message}, expected a ValueError"
        )
        return error
    raise AssertionError(f"{call} returned {got!r:.300}, expected it to raise ValueError")


def _load_json(text, call):
    assert isinstance(text, str), f"{call} should return a str (JSON text), got {type(text).__name__}: {text!r:.200}"

    def refuse(constant):
        raise ValueError(f"{constant} is not valid JSON")

    try:
        return json.loads(text, parse_constant=refuse)
    except ValueError as error:
        raise AssertionError(
            f"{call} returned text that is not valid JSON ({error}); it begins {text[:160]!r}. "
            "Build a dict and let json.dumps write the text."
        ) from None


@shows_expected
@points(1)
def test_parse_simple(student):
    text = "name,age,city\nAda,36,London\nAlan,41,Wilmslow\n"
    call = f"parse_csv({text!r})"
    got = _records(student.parse_csv(text), call)
    want = [
        {"name": "Ada", "age": "36", "city": "London"},
        {"name": "Alan", "age": "41", "city": "Wilmslow"},
    ]
    assert got == want, f"{call} returned {got!r}, expected {want!r} (fields stay strings)"

    text = "a,b\n1, 2 \n"
    call = f"parse_csv({text!r})"
    got = _records(student.parse_csv(text), call)
    want = [{"a": "1", "b": " 2 "}]
    assert got == want, f"{call} returned {got!r}, expected {want!r} (fields are kept exactly, spaces included)"

    text = "x,y"
    call = f"parse_csv({text!r})"
    got = _records(student.parse_csv(text), call)
    assert got == [], f"{call} returned {got!r}, expected [] (only a header, no rows; no final line break)"

    call = "parse_csv('')"
    got = _records(student.parse_csv(""), call)
    assert got == [], f"{call} returned {got!r}, expected []"


@points(2)
def test_parse_quoting(student):
    text = (
        'id,title,note\n'
        '1,"Smith, Jane",plain\n'
        '2,"The ""Best"" Shop","says ""hi"", twice"\n'
        '3,"two\nlines",""\n'
        '\n'
        '4,,"a,b,c"\n'
    )
    call = f"parse_csv({_short(text)})"
    got = _records(student.parse_csv(text), call)
    want = [
        {"id": "1", "title": "Smith, Jane", "note": "plain"},
        {"id": "2", "title": 'The "Best" Shop', "note": 'says "hi", twice'},
        {"id": "3", "title": "two\nlines", "note": ""},
        {"id": "4", "title": "", "note": "a,b,c"},
    ]
    assert len(got) == len(want), (
        f"{call} returned {len(got)} records, expected {expected(len(want))}: got {got!r:.400} "
        "(commas and line breaks inside double quotes belong to the field; empty lines are skipped)"
    )
    for index, (row, want_row) in enumerate(zip(got, want)):
        assert row == want_row, (
            f"{call}: record {index} is {row!r}, expected {expected(want_row)} "
            '(inside double quotes, "" stands for one " and commas/line breaks are part of the field)'
        )

    text = "city,amount\r\nLyon,3\r\n\"Paris, 5e\",4.5\r\n"
    call = f"parse_csv({text!r})"
    got = _records(student.parse_csv(text), call)
    want = [{"city": "Lyon", "amount": "3"}, {"city": "Paris, 5e", "amount": "4.5"}]
    assert got == want, f"{call} returned {got!r}, expected {expected(want)} (lines may end with \\r\\n)"


@shows_expected
@points(1)
def test_parse_rejects_ragged_rows(student):
    for text in ("a,b,c\n1,2,3\n4,5\n", "a,b\n1,2\n3,4,5\n", 'a,b\n"1,2"\n'):
        _expect_value_error(lambda t=text: student.parse_csv(t), f"parse_csv({text!r})")


@shows_expected
@points(2)
def test_summarize(student):
    records = [
        {"team": "red", "points": "10"},
        {"team": "blue", "points": " 2.5 "},
        {"team": "red", "points": ""},
        {"team": "red", "points": "-4"},
        {"team": "green", "points": "   "},
        {"team": "blue", "points": "1e1"},
        {"team": "red", "points": "0.5"},
    ]
    call = "summarize(<7 records: red 10, '', -4, 0.5; blue ' 2.5 ', 1e1; green '   '>, 'team', 'points')"
    got = student.summarize(records, "team", "points")
    want = {
        "red": {"rows": 4, "count": 3, "total": 6.5, "mean": 6.5 / 3},
        "blue": {"rows": 2, "count": 2, "total": 12.5, "mean": 6.25},
        "green": {"rows": 1, "count": 0, "total": 0.0, "mean": None},
    }
    problem = _same(got, want, call)
    assert problem is None, (
        f"{problem} (an empty or blank cell is missing: it counts in 'rows' only; "
        "'mean' is None when a group has no values)"
    )

    records = [{"k": "a", "v": "1"}, {"k": "a", "v": "n/a"}]
    error = _expect_value_error(lambda: student.summarize(records, "k", "v"), f"summarize({records!r}, 'k', 'v')")
    assert "n/a" in error.message, (
        f"summarize raised ValueError({error.message!r}); the message should quote the bad cell 'n/a'"
    )


def _report_for(groups, group_by, value, rows):
    return {
        "group_by": group_by,
        "value": value,
        "rows": rows,
        "groups": [{"name": name, **groups[name]} for name in sorted(groups)],
    }


@points(2)
def test_json_report(student):
    text = (
        "region,product,revenue\n"
        "north,tea,120.5\n"
        "south,tea,80\n"
        "north,coffee,\n"
        "east,tea,42\n"
        "south,\"coffee, decaf\",19.5\n"
        "north,cocoa,7.25\n"
    )
    call = f"to_json_report({_short(text)}, 'region', 'revenue')"
    report = _load_json(student.to_json_report(text, "region", "revenue"), call)
    groups = {
        "east": {"rows": 1, "count": 1, "total": 42.0, "mean": 42.0},
        "north": {"rows": 3, "count": 2, "total": 127.75, "mean": 63.875},
        "south": {"rows": 2, "count": 2, "total": 99.5, "mean": 49.75},
    }
    want = _report_for(groups, "region", "revenue", 6)
    problem = _same(report, want, "the parsed report")
    assert problem is None, f"{call}: {problem}"

    text = "who,score\nx,\ny,\n"
    call = f"to_json_report({text!r}, 'who', 'score')"
    report = _load_json(student.to_json_report(text, "who", "score"), call)
    want = _report_for(
        {"x": {"rows": 1, "count": 0, "total": 0.0, "mean": None},
         "y": {"rows": 1, "count": 0, "total": 0.0, "mean": None}},
        "who", "score", 2,
    )
    problem = _same(report, want, "the parsed report")
    assert problem is None, f"{call}: {problem} (a missing mean is JSON null)"


@points(2)
def test_json_escaping(student):
    names = ['Bar "Chez Lou"', "C:\\data\\shop", "Zoë's Café", "two\nlines", "東京"]
    text = "shop,sales\n"
    for index, name in enumerate(names):
        quoted = '"' + name.replace('"', '""') + '"'
        text += f"{quoted},{index + 1}\n"
    call = f"to_json_report({_short(text, 120)}, 'shop', 'sales')"
    report = _load_json(student.to_json_report(text, "shop", "sales"), call)
    groups = {name: {"rows": 1, "count": 1, "total": float(i + 1), "mean": float(i + 1)}
              for i, name in enumerate(names)}
    want = _report_for(groups, "shop", "sales", len(names))
    problem = _same(report, want, "the parsed report")
    assert problem is None, (
        f"{call}: {problem} (group names must survive the round trip exactly, "
        "quotes, backslashes, line breaks and non-ASCII letters included)"
    )

    text = 'a "key",the \\ value\nk,1\n'
    call = f"to_json_report({text!r}, 'a \"key\"', 'the \\\\ value')"
    report = _load_json(student.to_json_report(text, 'a "key"', "the \\ value"), call)
    want = _report_for({"k": {"rows": 1, "count": 1, "total": 1.0, "mean": 1.0}}, 'a "key"', "the \\ value", 1)
    problem = _same(report, want, "the parsed report")
    assert problem is None, f"{call}: {problem} (the column names are escaped like any other string)"
