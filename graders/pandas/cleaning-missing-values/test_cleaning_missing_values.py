"""Hidden grader for pandas/cleaning-missing-values.

Expected values are written out by hand for the small tables; the generated table is checked against
`_expected_clean`, a plain-Python restatement of the rules in the README (no pandas needed).
"""

import math

from gradient_grader import expected, points, shows_expected

COLUMNS = ["customer_id", "name", "email", "city", "age", "spend"]
TOKENS = ("", "na", "n/a", "none", "null", "-", "?")


# --------------------------------------------------------------------------- helpers


def _is_missing_out(value):
    """A missing value as it may come back from the student: None, NaN or pandas' NA (a handle)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return repr(value) in ("<student NAType>", "<student NaTType>")


def _norm(value):
    """Comparable form of one returned cell: missing -> None, numbers -> float."""
    if _is_missing_out(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def _same(a, b):
    a, b = _norm(a), _norm(b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b and type(a) is type(b)


def _check_table(got, want, call):
    assert isinstance(got, dict), (
        f"{call} should return a dict of lists (like df.to_dict(orient='list')), got {type(got).__name__}: {got!r:.300}"
    )
    keys = list(got.keys())
    assert keys == COLUMNS, f"{call} returned the keys {keys}, expected exactly the columns customer_id, name, email, city, age, spend in that order"
    n_want = len(want["customer_id"])
    for column in COLUMNS:
        values = got[column]
        assert isinstance(values, list), f"{call}[{column!r}] should be a list, got {type(values).__name__}"
        assert len(values) == n_want, (
            f"{call} returned {len(values)} rows in column {column!r}, expected {expected(n_want)} "
            f"(expected ids {expected(want['customer_id'])}, got ids {got.get('customer_id')!r:.300})"
        )
    for column in COLUMNS:
        for row, (g, w) in enumerate(zip(got[column], want[column])):
            assert _same(g, w), (
                f"{call}: row {row} (customer {got['customer_id'][row]!r}), column {column!r} is {g!r}, expected "
                f"{expected(w)}"
            )


def _missing_in(value):
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in TOKENS


def _amount(value):
    if _missing_in(value):
        return math.nan
    if isinstance(value, (int, float)):
        return float(value)
    text = "".join(ch for ch in value if ch not in "$," and not ch.isspace())
    try:
        return float(text)
    except ValueError:
        return math.nan


def _expected_clean(records):
    rows = []
    seen = set()
    for record in records:
        cells = {}
        for column in COLUMNS:
            value = record.get(column)
            cells[column] = None if _missing_in(value) else (value.strip() if isinstance(value, str) else value)
        if cells["customer_id"] is None:
            continue
        cells["customer_id"] = cells["customer_id"].upper()
        if cells["customer_id"] in seen:
            continue
        seen.add(cells["customer_id"])
        rows.append(cells)
    for cells in rows:
        for column in ("name", "city"):
            if cells[column] is not None:
                cells[column] = " ".join(cells[column].split()).title()
        if cells["city"] is None:
            cells["city"] = "Unknown"
        email = cells["email"]
        cells["email"] = email.lower() if isinstance(email, str) and "@" in email else None
        age = _amount_plain(cells["age"])
        cells["age"] = age if age is not None and 0 <= age <= 120 else None
        spend = _amount(cells["spend"])
        cells["spend"] = 0.0 if math.isnan(spend) else spend
    valid = sorted(c["age"] for c in rows if c["age"] is not None)
    if valid:
        mid = len(valid) // 2
        median = valid[mid] if len(valid) % 2 else (valid[mid - 1] + valid[mid]) / 2
        for cells in rows:
            if cells["age"] is None:
                cells["age"] = float(median)
    return {column: [cells[column] for cells in rows] for column in COLUMNS}


def _amount_plain(value):
    """Ages: plain numeric text or numbers (no $ or commas appear in the generated ages)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------- tests


@points(2)
def test_missing_report(student):
    records = [
        {"customer_id": "A1", "name": "N/A", "email": " ", "city": "Paris", "age": "0", "spend": "-"},
        {"customer_id": " na ", "name": "Bo", "email": "bo@x.org", "city": " NULL ", "age": None, "spend": 0},
        {"customer_id": "A3", "name": "?", "email": "None", "age": float("nan"), "spend": "12", "notes": "n/a"},
        {"customer_id": None, "name": "Cy", "email": "cy@x.org", "city": "Oslo", "age": "-", "spend": "nan?"},
        {"name": "Di", "email": "null", "city": "Rome", "age": "41", "spend": "$5"},
    ]
    call = "missing_report(<5 records with N/A, ' ', ' NULL ', '?', None, NaN, absent keys>)"
    got = student.missing_report(records)
    want = {"customer_id": 3, "name": 2, "email": 3, "city": 2, "age": 3, "spend": 1}
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r:.200}"
    assert set(got) == set(want), f"{call} returned the keys {sorted(got)}, expected exactly the six column names"
    plain = {k: got[k] for k in want}
    for column in want:
        value = plain[column]
        assert isinstance(value, int) and not isinstance(value, bool), (
            f"{call}[{column!r}] should be an int, got {value!r}"
        )
    assert plain == want, (
f"{call} returned {plain}, expected {expected(want)} (missing = absent, None, NaN, or one of {TOKENS} "
        "after stripping and lowercasing; '0' and 'nan?' are not missing)"
    )


@shows_expected
@points(2)
def test_parse_amount(student):
    values = ["$1,200.50", " 15 ", 7, 2.5, None, "abc", "N/A", "-3", "$ 40", "", float("nan"), "1,000,000", "-", "0"]
    want = [1200.5, 15.0, 7.0, 2.5, None, None, None, -3.0, 40.0, None, None, 1000000.0, None, 0.0]
    call = f"parse_amount({values!r})"
    got = student.parse_amount(values)
    if hasattr(got, "tolist") and not isinstance(got, list):
        got = got.tolist()
    assert isinstance(got, list), f"{call} should return a list, got {type(got).__name__}"
    assert len(got) == len(values), f"{call} returned {len(got)} values, expected {len(values)}"
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert isinstance(g, float) and math.isnan(g), (
                f"{call}: item {i} ({values[i]!r}) became {g!r}, expected NaN"
            )
        else:
            assert isinstance(g, (int, float)) and not isinstance(g, bool) and math.isclose(g, w), (
                f"{call}: item {i} ({values[i]!r}) became {g!r}, expected {w!r}"
            )


@points(2)
def test_text_columns(student):
    records = [
        {"customer_id": "a1", "name": "  ada   LOVELACE ", "email": " Ada@Example.COM ", "city": "london", "age": "36", "spend": "10"},
        {"customer_id": "A2", "name": "grace\thopper", "email": "not-an-email", "city": "  new   york", "age": 45, "spend": 3.5},
        {"customer_id": " b3 ", "name": "N/A", "email": None, "city": " NULL ", "age": "50", "spend": "$1,000"},
        {"customer_id": "b4", "name": "alan o'neil", "email": "ALAN@Bletchley.uk", "age": "41"},
    ]
    want = {
        "customer_id": ["A1", "A2", "B3", "B4"],
        "name": ["Ada Lovelace", "Grace Hopper", None, "Alan O'Neil"],
        "email": ["ada@example.com", None, None, "alan@bletchley.uk"],
        "city": ["London", "New York", "Unknown", "Unknown"],
        "age": [36.0, 45.0, 50.0, 41.0],
        "spend": [10.0, 3.5, 1000.0, 0.0],
    }
    _check_table(student.clean_customers(records), want, "clean_customers(<4 records with messy text>)")


@points(2)
def test_duplicates_and_missing_ids(student):
    records = [
        {"customer_id": " c01", "name": "first", "city": "Lima", "age": "20", "spend": "5"},
        {"customer_id": "C02", "name": "second", "city": "Quito", "age": "30", "spend": "6"},
        {"customer_id": "C01 ", "name": "first again", "city": "Cusco", "age": "21", "spend": "7"},
        {"customer_id": "  ", "name": "nobody", "city": "Lima", "age": "40", "spend": "8"},
        {"customer_id": "c02", "name": "second again", "city": "Quito", "age": "31", "spend": "9"},
        {"customer_id": None, "name": "no one", "city": "Lima", "age": "50", "spend": "10"},
        {"customer_id": "c03", "name": "third", "city": "Bogota", "age": "40", "spend": "11"},
        {"customer_id": "N/A", "name": "ghost", "city": "Lima", "age": "60", "spend": "12"},
        {"name": "no key", "city": "Lima", "age": "70", "spend": "13"},
    ]
    want = {
        "customer_id": ["C01", "C02", "C03"],
        "name": ["First", "Second", "Third"],
        "email": [None, None, None],
        "city": ["Lima", "Quito", "Bogota"],
        "age": [20.0, 30.0, 40.0],
        "spend": [5.0, 6.0, 11.0],
    }
    _check_table(
        student.clean_customers(records), want,
        "clean_customers(<9 records: ids ' c01', 'C02', 'C01 ', '  ', 'c02', None, 'c03', 'N/A', absent>)",
    )


@points(2)
def test_age_and_spend(student):
    records = [
        {"customer_id": "D1", "age": "20", "spend": "$1,000.25"},
        {"customer_id": "D2", "age": "forty", "spend": None},
        {"customer_id": "D3", "age": "-5", "spend": "n/a"},
        {"customer_id": "d1", "age": "90", "spend": "1"},
        {"customer_id": "D1 ", "age": "95", "spend": "2"},
        {"customer_id": "D4", "age": "150", "spend": "abc"},
        {"customer_id": "D5", "age": " 30 ", "spend": 12},
        {"customer_id": "D6", "age": None, "spend": 0.5},
        {"customer_id": "D7", "age": 70, "spend": " 7 "},
        {"customer_id": "D8", "age": "n/a", "spend": "-2.5"},
    ]
    want = {
        "customer_id": ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"],
        "name": [None] * 8,
        "email": [None] * 8,
        "city": ["Unknown"] * 8,
        "age": [20.0, 30.0, 30.0, 30.0, 30.0, 30.0, 70.0, 30.0],
        "spend": [1000.25, 0.0, 0.0, 0.0, 12.0, 0.5, 7.0, -2.5],
    }
    _check_table(
        student.clean_customers(records), want,
        "clean_customers(<10 records with invalid ages, duplicate ids and messy spend>) "
        "[the valid ages of the kept rows are 20, 30 and 70]",
    )


@points(2)
def test_whole_pipeline(student, rng):
    first = ["ada", "grace", "alan", "edsger", "barbara", "ken", "margaret", "donald"]
    last = ["lovelace", "hopper", "turing", "dijkstra", "liskov", "thompson", "hamilton", "knuth"]
    cities = ["london", "new york", "san  francisco", "paris", "são paulo"]
    markers = ["", " ", "N/A", "na", "null", " None ", "-", "?", None]

    def messy_case(text):
        mode = int(rng.integers(0, 3))
        return text if mode == 0 else text.upper() if mode == 1 else text.title()

    def spaced(text):
        return " " * int(rng.integers(0, 3)) + text + " " * int(rng.integers(0, 3))

    records = []
    for _ in range(70):
        number = int(rng.integers(1, 41))
        record = {"customer_id": spaced(messy_case(f"k{number:03d}"))}
        if rng.random() < 0.08:
            record["customer_id"] = markers[int(rng.integers(0, len(markers)))]
        given, family = first[int(rng.integers(0, 8))], last[int(rng.integers(0, 8))]
        record["name"] = spaced(messy_case(given + " " * int(rng.integers(1, 4)) + family))
        record["email"] = (
            spaced(messy_case(f"{given}.{family}@mail.example")) if rng.random() < 0.8 else f"{given} at mail"
        )
        record["city"] = spaced(messy_case(cities[int(rng.integers(0, len(cities)))]))
        kind = rng.random()
        if kind < 0.5:
            record["age"] = str(int(rng.integers(18, 90)))
        elif kind < 0.65:
            record["age"] = int(rng.integers(18, 90))
        elif kind < 0.75:
            record["age"] = ["forty", "old", "unknown"][int(rng.integers(0, 3))]
        elif kind < 0.85:
            record["age"] = str(int(rng.choice([-4, 130, 200])))
        else:
            pass
        amount = round(float(rng.uniform(0, 3000)), 2)
        kind = rng.random()
        if kind < 0.4:
            record["spend"] = f"${amount:,.2f}"
        elif kind < 0.7:
            record["spend"] = amount
        elif kind < 0.8:
            record["spend"] = spaced(str(amount))
        else:
            record["spend"] = markers[int(rng.integers(0, len(markers)))]
        for column in ("name", "email", "city", "age"):
            if rng.random() < 0.07:
                record[column] = markers[int(rng.integers(0, len(markers)))]
        records.append(record)
    want = _expected_clean(records)
    _check_table(student.clean_customers(records), want, "clean_customers(<70 generated messy records>)")
