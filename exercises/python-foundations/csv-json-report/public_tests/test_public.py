"""Public tests: run them next to your solution.ipynb (or solution.py) with plain pytest:

    pytest public_tests/

They check the worked example and the rules of the statement. The hidden grader checks more (other CSV
texts, more quoting and escaping cases).

Your notebook is read the way the grader reads it: its code cells run from top to bottom, lines starting
with % or ! are skipped, and the `if __name__ == "__main__":` block does not run. If both solution.ipynb
and solution.py are in the folder, the notebook is tested.
"""

import json
import os
import re
import sys
import types
import warnings

import pytest

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _load_solution():
    notebook = os.path.join(FOLDER, "solution.ipynb")
    if not os.path.exists(notebook):
        sys.path.insert(0, FOLDER)
        import solution

        return solution
    with open(notebook, encoding="utf-8") as file:
        cells = json.load(file)["cells"]
    module = types.ModuleType("solution")
    module.__file__ = notebook
    sys.modules["solution"] = module
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        lines = [re.sub(r"^(\s*)[%!].*$", r"\1pass", line) for line in source.splitlines()]
        try:
            exec(compile("\n".join(lines), f"solution.ipynb (cell {number})", "exec"), module.__dict__)  # noqa: S102 (your own notebook)
        except Exception as error:  # the grader too goes on with the next cell
            warnings.warn(f"cell {number} of solution.ipynb raised {type(error).__name__}: {error}", stacklevel=2)
    return module


solution = _load_solution()

EXAMPLE = 'shop,city,amount\r\n"Bakery ""Sun""",Lyon,12.5\r\nKiosk,"Paris, 5e",\r\nCafe,Lyon, 7\r\n'


def test_parse_csv_on_the_worked_example():
    got = solution.parse_csv(EXAMPLE)
    want = [
        {"shop": 'Bakery "Sun"', "city": "Lyon", "amount": "12.5"},
        {"shop": "Kiosk", "city": "Paris, 5e", "amount": ""},
        {"shop": "Cafe", "city": "Lyon", "amount": " 7"},
    ]
    assert got == want, (
        f"parse_csv(EXAMPLE) returned {got!r}, expected {want!r}: a comma inside double quotes belongs to the "
        'field, "" inside quotes stands for one ", and fields stay strings exactly as written (spaces kept)'
    )


def test_quoted_field_from_the_statement():
    text = 'id,name,tag\n7,"Smith, ""JJ"" Jr",x\n'
    got = solution.parse_csv(text)
    want = [{"id": "7", "name": 'Smith, "JJ" Jr', "tag": "x"}]
    assert got == want, f"parse_csv({text!r}) returned {got!r}, expected {want!r}"


def test_empty_text_header_only_and_wrong_field_count():
    assert solution.parse_csv("") == [], "parse_csv('') should return []"
    assert solution.parse_csv("shop,city,amount\r\n") == [], "a header with no rows should give []"
    with pytest.raises(ValueError):
        solution.parse_csv("shop,city,amount\r\nKiosk,Lyon\r\n")  # 2 fields, but the header has 3


def test_summarize_on_the_worked_example():
    got = solution.summarize(solution.parse_csv(EXAMPLE), "city", "amount")
    want = {
        "Lyon": {"rows": 2, "count": 2, "total": 19.5, "mean": 9.75},
        "Paris, 5e": {"rows": 1, "count": 0, "total": 0.0, "mean": None},
    }
    assert got == want, (
        f"summarize(..., 'city', 'amount') returned {got!r}, expected {want!r}: an empty cell is missing, "
        "not zero, so it counts in 'rows' only, and the mean of a group with no values is None"
    )
    with pytest.raises(ValueError, match="n/a"):
        solution.summarize([{"city": "Lyon", "amount": "n/a"}], "city", "amount")


def test_json_report_on_the_worked_example():
    text = solution.to_json_report(EXAMPLE, "city", "amount")
    assert isinstance(text, str), f"to_json_report should return a str (JSON text), got {type(text).__name__}"
    try:
        report = json.loads(text)
    except ValueError as error:
        pytest.fail(f"to_json_report returned text that is not valid JSON ({error}); it begins {text[:120]!r}")
    want = {
        "group_by": "city",
        "value": "amount",
        "rows": 3,
        "groups": [
            {"name": "Lyon", "rows": 2, "count": 2, "total": 19.5, "mean": 9.75},
            {"name": "Paris, 5e", "rows": 1, "count": 0, "total": 0.0, "mean": None},
        ],
    }
    assert report == want, f"json.loads(to_json_report(EXAMPLE, 'city', 'amount')) gave {report!r}, expected {want!r}"


def test_json_report_with_a_quote_in_a_group_name():
    text = solution.to_json_report(EXAMPLE, "shop", "amount")
    try:
        report = json.loads(text)
    except ValueError as error:
        pytest.fail(
            f"grouped by 'shop', to_json_report returned invalid JSON ({error}): the name 'Bakery \"Sun\"' "
            "must be escaped. Build a dict and let json.dumps write the text."
        )
    names = [group["name"] for group in report["groups"]]
    assert names == ['Bakery "Sun"', "Cafe", "Kiosk"], f"the groups should be sorted by name, exactly as in the CSV; got {names!r}"
