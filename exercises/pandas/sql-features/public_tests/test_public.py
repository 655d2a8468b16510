"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's example. The hidden grader draws a larger shop for each submission.
"""

import math
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402

CUSTOMERS = pd.DataFrame({
    "customer_id": [1, 2, 3],
    "name": ["Ada Park", "Dara O'Neil", "Lin Berg"],
    "city": ["Leeds", "Cork", "Oslo"],
})
ORDERS = pd.DataFrame({
    "order_id": [10, 11, 12, 13, 14],
    "customer_id": [1, 2, 1, 1, 2],
    "order_date": ["2024-01-03", "2024-01-05", "2024-01-10", "2024-01-10", "2024-02-01"],
    "amount": [20.0, 15.0, 35.0, 20.0, 40.0],
})


def _run(sql_function, params):
    conn = solution.load_tables(CUSTOMERS, ORDERS)
    cursor = conn.execute(sql_function(), params)
    return [d[0] for d in cursor.description], [tuple(r) for r in cursor.fetchall()]


def _same_rows(got, want):
    if len(got) != len(want):
        return False
    for got_row, want_row in zip(got, want, strict=True):
        if len(got_row) != len(want_row):
            return False
        for g, w in zip(got_row, want_row, strict=True):
            if w is None:
                if g is not None:
                    return False
            elif isinstance(w, float):
                if not isinstance(g, (int, float)) or not math.isclose(g, w, abs_tol=1e-9):
                    return False
            elif g != w:
                return False
    return True


def test_load_tables_writes_both_tables():
    conn = solution.load_tables(CUSTOMERS, ORDERS)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"customers", "orders"} <= names, f"load_tables created the tables {sorted(names)}, expected customers and orders"
    assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 5


def test_customer_totals_example():
    columns, rows = _run(solution.customer_totals_sql, {"min_orders": 2})
    assert columns == ["customer_id", "n_orders", "total_amount", "avg_amount"], f"columns: {columns}"
    assert _same_rows(rows, [(1, 3, 75.0, 25.0), (2, 2, 55.0, 27.5)]), f"min_orders=2 gave {rows}"
    _, rows = _run(solution.customer_totals_sql, {"min_orders": 3})
    assert _same_rows(rows, [(1, 3, 75.0, 25.0)]), f"min_orders=3 gave {rows} (at least 3 orders: HAVING ... >= ...)"


def test_all_customers_example_keeps_customer_without_orders():
    columns, rows = _run(solution.all_customers_sql, {})
    assert columns == ["customer_id", "name", "n_orders", "total_amount"], f"columns: {columns}"
    want = [(1, "Ada Park", 3, 75.0), (2, "Dara O'Neil", 2, 55.0), (3, "Lin Berg", 0, 0.0)]
    assert _same_rows(rows, want), f"all_customers_sql gave {rows}, expected {want} (LEFT JOIN, COUNT(o.order_id), COALESCE)"


def test_order_features_example():
    columns, rows = _run(solution.order_features_sql, {})
    assert columns == ["order_id", "customer_id", "order_date", "amount", "running_total", "days_since_prev", "amount_rank"], (
        f"columns: {columns}"
    )
    want = [
        (10, 1, "2024-01-03", 20.0, 20.0, None, 2),
        (11, 2, "2024-01-05", 15.0, 15.0, None, 2),
        (12, 1, "2024-01-10", 35.0, 55.0, 7.0, 1),
        (13, 1, "2024-01-10", 20.0, 75.0, 0.0, 2),
        (14, 2, "2024-02-01", 40.0, 55.0, 27.0, 1),
    ]
    assert _same_rows(rows, want), f"order_features_sql gave {rows}, expected {want}"


def test_features_before_cutoff_example():
    columns, rows = _run(solution.features_before_sql, {"cutoff": "2024-01-10"})
    assert columns == ["customer_id", "n_orders_before", "total_before", "days_since_last"], f"columns: {columns}"
    want = [(1, 1, 20.0, 7.0), (2, 1, 15.0, 5.0), (3, 0, 0.0, None)]
    assert _same_rows(rows, want), (
        f"features_before_sql with cutoff 2024-01-10 gave {rows}, expected {want} "
        "(only orders strictly before the cutoff; every customer kept)"
    )


def test_orders_for_customer_with_a_quote_and_an_injection():
    conn = solution.load_tables(CUSTOMERS, ORDERS)
    got = solution.orders_for_customer(conn, "Dara O'Neil")
    assert isinstance(got, pd.DataFrame), f"orders_for_customer should return a DataFrame, got {type(got).__name__}"
    assert list(got.columns) == ["order_id", "order_date", "amount"], f"columns: {list(got.columns)}"
    assert got["order_id"].tolist() == [11, 14] and got["amount"].tolist() == [15.0, 40.0], f"got\n{got}"
    injected = solution.orders_for_customer(conn, "x' OR '1'='1")
    assert len(injected) == 0, "a name that no customer has must return no rows: pass the name as a parameter"
