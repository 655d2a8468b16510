"""Public tests: run them next to your solution.ipynb (or solution.py) with plain pytest:

    pytest public_tests/

They check the example and the rules of the statement. The hidden grader checks more (other tables,
every kind of marker, a larger generated table).

Your notebook is read the way the grader reads it: its code cells run from top to bottom, lines starting
with % or ! are skipped, and the `if __name__ == "__main__":` block does not run. If both solution.ipynb
and solution.py are in the folder, the notebook is tested.
"""

import json
import math
import os
import re
import sys
import types
import warnings

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

COLUMNS = ["customer_id", "name", "email", "city", "age", "spend"]

RECORDS = [
    {"customer_id": " c01", "name": "ada  LOVELACE", "email": "Ada@Example.com",
     "city": "london", "age": "36", "spend": "$1,200.50"},
    {"customer_id": "C01", "name": "Ada Lovelace", "email": None,
     "city": "London", "age": "n/a", "spend": "5"},
    {"customer_id": "c02", "name": "grace hopper", "email": "n/a",
     "city": "  ", "age": "forty", "spend": None},
]


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _same(got, want):
    """Cell by cell: None and NaN both mean missing; floats are compared with a tolerance."""
    if _missing(want):
        return _missing(got)
    if isinstance(want, float):
        return isinstance(got, (int, float)) and not _missing(got) and math.isclose(got, want, rel_tol=1e-9)
    return got == want


def _check_table(got, want, call, hints=None):
    assert isinstance(got, dict), f"{call} should return a dict of lists, got {type(got).__name__}"
    assert list(got) == list(want), f"{call} has the keys {list(got)}, expected {list(want)} (in that order)"
    for column in want:
        column_got = list(got[column])
        assert len(column_got) == len(want[column]) and all(map(_same, column_got, want[column])), (
            f"{call}: column {column!r} is {column_got!r}, expected {want[column]!r}{(hints or {}).get(column, '')}"
        )


def test_missing_report_on_the_example():
    got = solution.missing_report(RECORDS)
    want = {"customer_id": 0, "name": 0, "email": 2, "city": 1, "age": 1, "spend": 1}
    assert got == want, f"missing_report(records) returned {got!r}, expected {want!r}"


def test_missing_markers_from_the_statement():
    records = [{"customer_id": "N/A", "name": "0", "email": "nan?", "city": " NULL ", "age": "?"}]  # no spend key
    got = solution.missing_report(records)
    want = {"customer_id": 1, "name": 0, "email": 0, "city": 1, "age": 1, "spend": 1}
    assert got == want, (
        f"missing_report({records!r}) returned {got!r}, expected {want!r}: markers are compared after stripping "
        "and lowercasing, '0' and 'nan?' are real values, and an absent key is missing"
    )


def test_parse_amount_on_the_example():
    values = ["$1,200.50", 7, " 15 ", "abc", None]
    got = solution.parse_amount(values)
    want = [1200.5, 7.0, 15.0, math.nan, math.nan]
    assert len(got) == len(want) and all(map(_same, got, want)), f"parse_amount({values!r}) returned {got!r}, expected {want!r}"


def test_clean_customers_on_the_example():
    want = {
        "customer_id": ["C01", "C02"],
        "name": ["Ada Lovelace", "Grace Hopper"],
        "email": ["ada@example.com", math.nan],
        "city": ["London", "Unknown"],
        "age": [36.0, 36.0],
        "spend": [1200.5, 0.0],
    }
    _check_table(solution.clean_customers(RECORDS), want, "clean_customers(records)")


def test_ids_text_ages_and_the_median_after_dropping_duplicates():
    records = [
        {"customer_id": "a01 ", "name": " alan  turing", "email": "Alan@Bletchley.UK", "city": "new   york", "age": 20, "spend": 3.5},
        {"customer_id": None, "name": "no id", "age": 99},
        {"customer_id": " A01", "name": "duplicate", "age": "80"},
        {"customer_id": "b02", "email": "not-an-email", "city": "NULL", "age": " 30 ", "spend": "abc"},
        {"customer_id": "c03", "name": "N/A", "age": "150"},
        {"customer_id": "d04", "age": "-5", "spend": "$2"},
    ]
    want = {
        "customer_id": ["A01", "B02", "C03", "D04"],
        "name": ["Alan Turing", None, None, None],
        "email": ["alan@bletchley.uk", None, None, None],
        "city": ["New York", "Unknown", "Unknown", "Unknown"],
        "age": [20.0, 30.0, 25.0, 25.0],  # 150 and -5 are invalid: filled with the median of 20 and 30
        "spend": [3.5, 0.0, 0.0, 2.0],
    }
    _check_table(
        solution.clean_customers(records), want,
        "clean_customers(<a row without id, a duplicate of A01 aged 80, invalid ages 150 and -5>)",
        {"age": " (missing ages are filled with the median of the valid ages of the rows kept after dropping duplicates)"},
    )
