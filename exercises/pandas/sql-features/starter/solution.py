"""Feature engineering in SQL with the built-in sqlite3 module.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
The ``*_sql`` functions return a query string; it is run as ``conn.execute(sql, params)`` on the
connection ``load_tables`` returns, with ``params`` a dict for the named placeholders
(``:min_orders``, ``:cutoff``). Never paste values into SQL with f-strings or ``%``.
"""

import sqlite3

import pandas as pd


def load_tables(customers: pd.DataFrame, orders: pd.DataFrame) -> sqlite3.Connection:
    """Return a connection to a new in-memory database with the tables `customers` and `orders`."""
    raise NotImplementedError("load_tables is not written yet")


def customer_totals_sql() -> str:
    """customer_id, n_orders, total_amount, avg_amount for customers with at least :min_orders orders."""
    raise NotImplementedError("customer_totals_sql is not written yet")


def all_customers_sql() -> str:
    """customer_id, name, n_orders, total_amount for EVERY customer (0 and 0.0 when they never ordered)."""
    raise NotImplementedError("all_customers_sql is not written yet")


def order_features_sql() -> str:
    """order_id, customer_id, order_date, amount, running_total, days_since_prev, amount_rank per order."""
    raise NotImplementedError("order_features_sql is not written yet")


def features_before_sql() -> str:
    """customer_id, n_orders_before, total_before, days_since_last per customer, from orders before :cutoff."""
    raise NotImplementedError("features_before_sql is not written yet")


def orders_for_customer(conn: sqlite3.Connection, name: str) -> pd.DataFrame:
    """order_id, order_date, amount of the orders of the customer called `name`, by order_id."""
    raise NotImplementedError("orders_for_customer is not written yet")


if __name__ == "__main__":
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3],
        "name": ["Ada Park", "Dara O'Neil", "Lin Berg"],
        "city": ["Leeds", "Cork", "Oslo"],
    })
    orders = pd.DataFrame({
        "order_id": [10, 11, 12, 13, 14],
        "customer_id": [1, 2, 1, 1, 2],
        "order_date": ["2024-01-03", "2024-01-05", "2024-01-10", "2024-01-10", "2024-02-01"],
        "amount": [20.0, 15.0, 35.0, 20.0, 40.0],
    })
    conn = load_tables(customers, orders)
    print(pd.read_sql_query(customer_totals_sql(), conn, params={"min_orders": 2}))
    print(pd.read_sql_query(order_features_sql(), conn))
