"""Hidden grader for pandas/sql-features.

Every test draws the same small shop per submission (`submission_rng`), loads it with the student's
`load_tables`, runs the student's SQL on that connection (in the student box) and compares the rows with
the grader's own pandas computation of the README's rules. The shop is built so that each rule matters on
every draw: customers without orders, a customer who only orders on or after the cutoff, an order exactly on
the cutoff date, two orders of one customer on the same day, a tied top amount, and a HAVING threshold that a
customer meets exactly.
"""

import datetime as dt
import math

import pandas as pd

from gradient_grader import StudentError, expected, points, submission_rng

FIRST = ["Ada", "Lin", "Omar", "Maya", "Kenji", "Zoe", "Ravi", "Ines", "Tomas", "Aiko", "Femi", "Lena", "Nils", "Priya"]
LAST = ["Park", "Silva", "Novak", "Berg", "Khan", "Moreau", "Ito", "Costa", "Haddad", "Lund"]
APOSTROPHE_NAMES = ["Dara O'Neil", "Ana D'Souza", "Liam O'Brien", "Chloe D'Arcy", "Sean O'Hara", "Rosa Dell'Acqua"]
DOUBLE_QUOTE_NAMES = ['Sam "Ace" Lee', 'Jo "JJ" Kim', 'Max "Mo" Ruiz', 'Eve "Evie" Sato']
CITIES = ["Leeds", "Cork", "Oslo", "Porto", "Lyon", "Graz", "Turku"]
BASE = dt.date(2024, 1, 1)

TOTALS_COLUMNS = ["customer_id", "n_orders", "total_amount", "avg_amount"]
ALL_COLUMNS = ["customer_id", "name", "n_orders", "total_amount"]
FEATURE_COLUMNS = ["order_id", "customer_id", "order_date", "amount", "running_total", "days_since_prev", "amount_rank"]
BEFORE_COLUMNS = ["customer_id", "n_orders_before", "total_before", "days_since_last"]
LOOKUP_COLUMNS = ["order_id", "order_date", "amount"]


# -- the hidden shop -------------------------------------------------------------------------------------------


def _day(offset):
    return (BASE + dt.timedelta(days=int(offset))).isoformat()


def _shop():
    """(customers, orders, facts): two DataFrames in shuffled row order and what the tests need to know."""
    rng = submission_rng("pandas/sql-features:shop")
    n_customers = int(rng.integers(9, 13))
    ids = [int(i) for i in rng.choice(range(100, 1000), size=n_customers, replace=False)]
    pairs = [(f, s) for f in FIRST for s in LAST]
    picked = rng.choice(len(pairs), size=n_customers, replace=False)
    names = [f"{pairs[int(k)][0]} {pairs[int(k)][1]}" for k in picked]
    apostrophe = APOSTROPHE_NAMES[int(rng.integers(len(APOSTROPHE_NAMES)))]
    double_quote = DOUBLE_QUOTE_NAMES[int(rng.integers(len(DOUBLE_QUOTE_NAMES)))]
    names[0], names[1] = apostrophe, double_quote  # customers 0 and 1 (in `ids` order) are active below
    cities = [CITIES[int(rng.integers(len(CITIES)))] for _ in ids]

    active, late, idle = ids[:-3], ids[-3], ids[-2:]  # idle: no orders at all; late: orders only from the cutoff on
    cutoff_offset = int(rng.integers(150, 211))
    cutoff = _day(cutoff_offset)
    rows = []  # (customer_id, day offset, amount)
    for customer in active:
        for _ in range(int(rng.integers(2, 9))):
            rows.append((customer, int(rng.integers(0, 365)), round(float(rng.uniform(5, 250)), 2)))
    for _ in range(int(rng.integers(1, 3))):  # 1 or 2: fewer than `tied` below, so counts differ
        rows.append((late, int(rng.integers(cutoff_offset, 365)), round(float(rng.uniform(5, 250)), 2)))

    on_cutoff, same_day, tied = (int(i) for i in rng.choice(active, size=3, replace=False))
    rows.append((on_cutoff, cutoff_offset, round(float(rng.uniform(5, 250)), 2)))  # exactly on the cutoff date
    first_day = next(r[1] for r in rows if r[0] == same_day)
    rows.append((same_day, first_day, round(float(rng.uniform(5, 250)), 2)))  # two orders on one day
    top = max(r[2] for r in rows if r[0] == tied)
    rows.append((tied, int(rng.integers(0, 365)), top))  # a tie for rank 1 (3+ orders: lower amounts after it)

    order_ids = [int(i) for i in rng.choice(range(1000, 10000), size=len(rows), replace=False)]
    orders = pd.DataFrame({
        "order_id": order_ids,
        "customer_id": [r[0] for r in rows],
        "order_date": [_day(r[1]) for r in rows],
        "amount": [r[2] for r in rows],
    }).iloc[rng.permutation(len(rows))].reset_index(drop=True)
    customers = pd.DataFrame({"customer_id": ids, "name": names, "city": cities}).iloc[
        rng.permutation(n_customers)
    ].reset_index(drop=True)

    counts = orders.groupby("customer_id").size()
    levels = sorted(set(counts.tolist()))
    min_orders = int(levels[int(rng.integers(1, len(levels)))])  # met exactly by someone, missed by someone
    facts = {
        "cutoff": cutoff, "min_orders": min_orders, "apostrophe": apostrophe, "double_quote": double_quote,
        "idle": idle, "late": late,
    }
    return customers, orders, facts


# -- the grader's answers, in pandas ------------------------------------------------------------------------------


def _totals(orders, min_orders):
    g = orders.groupby("customer_id")["amount"]
    frame = pd.DataFrame({"n_orders": g.size(), "total_amount": g.sum(), "avg_amount": g.mean()}).reset_index()
    return frame[frame["n_orders"] >= min_orders].sort_values("customer_id")[TOTALS_COLUMNS]


def _all_customers(customers, orders):
    g = orders.groupby("customer_id")["amount"]
    per = pd.DataFrame({"n_orders": g.size(), "total_amount": g.sum()}).reset_index()
    frame = customers.merge(per, on="customer_id", how="left")
    frame["n_orders"] = frame["n_orders"].fillna(0).astype(int)
    frame["total_amount"] = frame["total_amount"].fillna(0.0)
    return frame.sort_values("customer_id")[ALL_COLUMNS]


def _order_features(orders, partition=True):
    frame = orders.copy()
    frame["date"] = pd.to_datetime(frame["order_date"])
    keys = ["customer_id"] if partition else []
    frame = frame.sort_values([*keys, "order_date", "order_id"])
    if partition:
        g = frame.groupby("customer_id")
        frame["running_total"] = g["amount"].cumsum()
        frame["days_since_prev"] = g["date"].diff().dt.days
        frame["amount_rank"] = g["amount"].rank(method="min", ascending=False)
    else:
        frame["running_total"] = frame["amount"].cumsum()
        frame["days_since_prev"] = frame["date"].diff().dt.days
        frame["amount_rank"] = frame["amount"].rank(method="min", ascending=False)
    return frame.sort_values("order_id")[FEATURE_COLUMNS]


def _features_before(customers, orders, cutoff, inclusive=False):
    seen = orders[orders["order_date"] <= cutoff] if inclusive else orders[orders["order_date"] < cutoff]
    g = seen.groupby("customer_id")
    per = pd.DataFrame({
        "n_orders_before": g.size(), "total_before": g["amount"].sum(), "last": g["order_date"].max(),
    }).reset_index()
    frame = customers[["customer_id"]].merge(per, on="customer_id", how="left")
    frame["n_orders_before"] = frame["n_orders_before"].fillna(0).astype(int)
    frame["total_before"] = frame["total_before"].fillna(0.0)
    last = pd.to_datetime(frame["last"])
    frame["days_since_last"] = (pd.Timestamp(cutoff) - last).dt.days
    return frame.sort_values("customer_id")[BEFORE_COLUMNS]


def _records(frame):
    """Rows as lists of plain values, NaN as None."""
    out = []
    for row in frame.itertuples(index=False):
        out.append([None if isinstance(v, float) and math.isnan(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    return out


# -- talking to the student's database -----------------------------------------------------------------------------


def _connect(student, customers, orders):
    try:
        conn = student.load_tables(customers, orders)
    except StudentError as error:
        raise AssertionError(
            f"load_tables(customers, orders) raised {error.type_name}: {error.message[:300]}; every query here runs "
            "on the connection it returns"
        ) from None
    assert conn is not None, "load_tables(customers, orders) returned None: return the sqlite3 connection"
    return conn


def _sql(student, function):
    call = f"{function}()"
    try:
        sql = getattr(student, function)()
    except StudentError as error:
        raise AssertionError(f"{call} raised {error.type_name}: {error.message[:300]}") from None
    assert isinstance(sql, str) and sql.strip(), f"{call} should return the query as a non-empty str, got {sql!r:.200}"
    return sql


def _run(conn, sql, params, call):
    """(column names, rows) of the student's query, run on the student's connection."""
    try:
        cursor = conn.execute(sql, params)
        columns = [d[0] for d in (cursor.description or ())]
        rows = cursor.fetchall()
    except StudentError as error:
        raise AssertionError(
            f"running {call} with conn.execute(sql, {params!r}) raised {error.type_name}: {error.message[:300]}. "
            "Use named placeholders (:min_orders, :cutoff) for the parameters."
        ) from None
    return columns, [list(r) for r in rows]


def _same(got, want):
    if want is None:
        return got is None
    if isinstance(want, str):
        return got == want
    return (isinstance(got, (int, float)) and not isinstance(got, bool)
            and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6))


def _check_columns(columns, names, call):
    contract = ", ".join(names)  # the README's column list for this query: public, not a hidden value
    assert columns == names, (
        f"{call} returned the columns {columns}, expected exactly [{contract}] in that order (name them with AS)"
    )


def _check_column(rows, want_rows, names, column, key, call, hint=""):
    """One column of the student's rows against the grader's, row by row (rows are in the same order)."""
    i = names.index(column)
    k = names.index(key)
    for got_row, want_row in zip(rows, want_rows, strict=True):
        g, w = got_row[i], want_row[i]
        assert _same(g, w), (
            f"{call}: for {key} {got_row[k]!r}, {column} is {g!r}, expected {expected(w)}.{hint}"
        )


def _features_or_fail(student, call):
    customers, orders, facts = _shop()
    conn = _connect(student, customers, orders)
    columns, rows = _run(conn, _sql(student, "order_features_sql"), {}, call)
    _check_columns(columns, FEATURE_COLUMNS, call)
    ids = [r[0] for r in rows]
    want_rows = _records(_order_features(orders))
    assert len(rows) == len(want_rows), (
        f"{call} returned {len(rows)} rows for {len(orders)} orders: a window function keeps one row per order"
    )
    assert ids == sorted(ids), f"{call} should be ORDER BY order_id; the order ids came back as {ids[:10]}..."
    return orders, rows, want_rows


def _partition_hint(orders, rows, column):
    """Words for a column that matches windows over all orders instead of one customer's."""
    unpartitioned = _records(_order_features(orders, partition=False))
    i = FEATURE_COLUMNS.index(column)
    if all(_same(r[i], u[i]) for r, u in zip(rows, unpartitioned, strict=True)):
        return (" The column matches a window over ALL orders: add PARTITION BY customer_id so it restarts for "
                "each customer.")
    return ""


# -- tests ---------------------------------------------------------------------------------------------------


@points(1)
def test_load_tables(student):
    customers, orders, _ = _shop()
    conn = _connect(student, customers, orders)
    call = f"load_tables(<{len(customers)} customers>, <{len(orders)} orders>)"
    try:
        got = conn.execute("SELECT customer_id, name, city FROM customers ORDER BY customer_id").fetchall()
        got_orders = conn.execute(
            "SELECT order_id, customer_id, order_date, amount FROM orders ORDER BY order_id"
        ).fetchall()
    except StudentError as error:
        raise AssertionError(
            f"{call}: reading the tables customers(customer_id, name, city) and orders(order_id, customer_id, "
            f"order_date, amount) from the returned connection raised {error.type_name}: {error.message[:200]}"
        ) from None
    want = [list(r) for r in customers.sort_values("customer_id").itertuples(index=False)]
    assert [list(r) for r in got] == want, (
        f"{call}: the customers table holds {len(got)} rows that differ from the DataFrame "
        f"(first rows: {got[:3]!r}); load every row unchanged"
    )
    want_orders = _records(orders.sort_values("order_id"))
    assert len(got_orders) == len(want_orders), f"{call}: the orders table holds {len(got_orders)} rows, expected one per order"
    for got_row, want_row in zip(got_orders, want_orders, strict=True):
        assert all(_same(g, w) for g, w in zip(got_row, want_row, strict=True)), (
            f"{call}: the orders table has the row {got_row!r}, expected {expected(want_row)} (dates stay 'YYYY-MM-DD' text)"
        )


@points(2)
def test_customer_totals_group_by_having(student):
    customers, orders, facts = _shop()
    conn = _connect(student, customers, orders)
    params = {"min_orders": facts["min_orders"]}
    call = "customer_totals_sql()"
    columns, rows = _run(conn, _sql(student, "customer_totals_sql"), params, call)
    _check_columns(columns, TOTALS_COLUMNS, call)
    want_rows = _records(_totals(orders, facts["min_orders"]))
    got_ids = [r[0] for r in rows]
    want_ids = [r[0] for r in want_rows]
    counts = orders.groupby("customer_id").size()
    exact = sorted(int(c) for c in counts[counts == facts["min_orders"]].index)
    hint = ""
    if any(c not in got_ids for c in exact):
        hint = (f" Customers {exact} have exactly {facts['min_orders']} orders and are missing: "
                "HAVING COUNT(*) >= :min_orders keeps them.")
    elif len(got_ids) > len(want_ids):
        hint = " There are customers with fewer orders than :min_orders: filter the groups with HAVING."
    assert got_ids == want_ids, (
        f"{call} run with {params} returned the customers {got_ids}, expected {expected(want_ids)} "
        f"(ORDER BY customer_id).{hint}"
    )
    for column in TOTALS_COLUMNS[1:]:
        _check_column(rows, want_rows, TOTALS_COLUMNS, column, "customer_id", call)


@points(2)
def test_all_customers_left_join(student):
    customers, orders, facts = _shop()
    conn = _connect(student, customers, orders)
    call = "all_customers_sql()"
    columns, rows = _run(conn, _sql(student, "all_customers_sql"), {}, call)
    _check_columns(columns, ALL_COLUMNS, call)
    got_ids = [r[0] for r in rows]
    missing = [c for c in facts["idle"] if c not in got_ids]
    assert not missing, (
        f"{call} returned {len(rows)} rows for {len(customers)} customers: the customers {missing}, who have no "
        "orders, are missing. An inner JOIN keeps only matching rows; LEFT JOIN orders onto customers keeps them all."
    )
    want_rows = _records(_all_customers(customers, orders))
    want_ids = [r[0] for r in want_rows]
    assert got_ids == want_ids, f"{call} returned the customers {got_ids}, expected {expected(want_ids)} (every customer once, ORDER BY customer_id)"
    idle_rows = {r[0]: r for r in rows if r[0] in facts["idle"]}
    for customer, row in idle_rows.items():
        assert row[2] == 0, (
            f"{call}: customer {customer} has no orders but n_orders is {row[2]!r}. COUNT(*) counts the row of NULLs "
            "that LEFT JOIN adds; count a column of orders instead (COUNT(o.order_id))."
        )
        assert isinstance(row[3], (int, float)) and row[3] == 0, (
            f"{call}: customer {customer} has no orders but total_amount is {row[3]!r}: SUM over no rows is NULL, "
            "so wrap it in COALESCE(..., 0)"
        )
    for column in ALL_COLUMNS[1:]:
        _check_column(rows, want_rows, ALL_COLUMNS, column, "customer_id", call)


@points(1)
def test_running_total(student):
    call = "order_features_sql()"
    orders, rows, want_rows = _features_or_fail(student, call)
    for column in ["customer_id", "order_date", "amount"]:
        _check_column(rows, want_rows, FEATURE_COLUMNS, column, "order_id", call)
    hint = _partition_hint(orders, rows, "running_total") or (
        " running_total adds the customer's orders in (order_date, order_id) order up to and including this one; "
        "two orders on the same day must still get different totals (ROWS frame, or order_id as tie-break)."
    )
    _check_column(rows, want_rows, FEATURE_COLUMNS, "running_total", "order_id", call, hint)


@points(1)
def test_days_since_previous_order(student):
    call = "order_features_sql()"
    orders, rows, want_rows = _features_or_fail(student, call)
    hint = _partition_hint(orders, rows, "days_since_prev") or (
        " days_since_prev is julianday(order_date) - julianday(LAG(order_date)) over the customer's orders in "
        "(order_date, order_id) order; NULL for a customer's first order."
    )
    _check_column(rows, want_rows, FEATURE_COLUMNS, "days_since_prev", "order_id", call, hint)


@points(1)
def test_amount_rank_within_customer(student):
    call = "order_features_sql()"
    orders, rows, want_rows = _features_or_fail(student, call)
    hint = _partition_hint(orders, rows, "amount_rank") or (
        " amount_rank is RANK() by amount, largest first, within the customer: equal amounts share a rank and the "
        "next rank is skipped (RANK, not ROW_NUMBER or DENSE_RANK)."
    )
    _check_column(rows, want_rows, FEATURE_COLUMNS, "amount_rank", "order_id", call, hint)


@points(2)
def test_point_in_time_features(student):
    customers, orders, facts = _shop()
    conn = _connect(student, customers, orders)
    params = {"cutoff": facts["cutoff"]}
    call = "features_before_sql()"
    columns, rows = _run(conn, _sql(student, "features_before_sql"), params, call)
    _check_columns(columns, BEFORE_COLUMNS, call)
    got_ids = [r[0] for r in rows]
    lost = [c for c in [*facts["idle"], facts["late"]] if c not in got_ids]
    assert not lost, (
        f"{call} run with {params} returned {len(rows)} rows for {len(customers)} customers: {lost} are missing. "
        "They have no orders before the cutoff; a date filter in WHERE removes the NULL rows of the LEFT JOIN, so "
        "put it in the ON clause (LEFT JOIN orders o ON o.customer_id = c.customer_id AND o.order_date < :cutoff)."
    )
    want_rows = _records(_features_before(customers, orders, facts["cutoff"]))
    want_ids = [r[0] for r in want_rows]
    assert got_ids == want_ids, f"{call} returned the customers {got_ids}, expected {expected(want_ids)} (every customer once, ORDER BY customer_id)"
    leaky = _records(_features_before(customers, orders, facts["cutoff"], inclusive=True))
    hint = ""
    if all(_same(g, w) for r, lr in zip(rows, leaky, strict=True) for g, w in zip(r, lr, strict=True)):
        hint = (f" Your features count the orders placed ON {facts['cutoff']}: that is leakage, a model could not "
                "know them at the cutoff. Keep orders strictly before it (order_date < :cutoff).")
    for column in BEFORE_COLUMNS[1:]:
        _check_column(rows, want_rows, BEFORE_COLUMNS, column, "customer_id", call, hint)


def _lookup(student, conn, name):
    call = f"orders_for_customer(conn, {name!r})"
    try:
        got = student.orders_for_customer(conn, name)
    except StudentError as error:
        raise AssertionError(
            f"{call} raised {error.type_name}: {error.message[:200]}. A quote in the name ends a string literal that "
            "was pasted into the SQL: pass the name as a parameter (conn.execute(sql, (name,)) or "
            "pd.read_sql_query(sql, conn, params=(name,))) and never format values into SQL."
        ) from None
    assert isinstance(got, pd.DataFrame), f"{call} should return a pandas DataFrame, got {type(got).__name__}"
    contract = ", ".join(LOOKUP_COLUMNS)  # the README's column list: public
    assert list(got.columns) == LOOKUP_COLUMNS, f"{call} returned the columns {list(got.columns)}, expected [{contract}]"
    return call, got


@points(1)
def test_parameterised_names_with_quotes(student):
    customers, orders, facts = _shop()
    conn = _connect(student, customers, orders)
    for name in (facts["apostrophe"], facts["double_quote"]):
        call, got = _lookup(student, conn, name)
        ids = customers.loc[customers["name"] == name, "customer_id"].tolist()
        want = orders[orders["customer_id"].isin(ids)].sort_values("order_id")
        want_rows = _records(want[LOOKUP_COLUMNS])
        got_rows = _records(got)
        assert len(got_rows) == len(want_rows), (
            f"{call} returned {len(got_rows)} orders, expected {expected(len(want_rows))}"
        )
        for got_row, want_row in zip(got_rows, want_rows, strict=True):
            assert all(_same(g, w) for g, w in zip(got_row, want_row, strict=True)), (
                f"{call} returned the row {got_row!r}, expected {expected(want_row)} (ORDER BY order_id)"
            )


@points(1)
def test_parameterised_query_resists_injection(student):
    customers, orders, _ = _shop()
    conn = _connect(student, customers, orders)
    for name in ("nobody' OR '1'='1", 'nobody" OR "1"="1', "x'; DROP TABLE orders; --"):
        call, got = _lookup(student, conn, name)
        assert len(got) == 0, (
            f"{call} returned {len(got)} orders, but no customer has that name: the quotes in it were read as SQL. "
            "Pass the name as a parameter (a ? placeholder) so it is only ever compared as a value."
        )
    try:
        left = conn.execute("SELECT COUNT(*) FROM orders").fetchall()[0][0]
    except StudentError as error:
        raise AssertionError(f"after those calls, the orders table cannot be read ({error.type_name}): {error.message[:200]}") from None
    assert left == len(orders), f"after those calls the orders table holds {left} rows instead of {len(orders)}"
