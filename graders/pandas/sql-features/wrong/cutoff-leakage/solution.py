"""Reference solution for pandas/sql-features."""

import sqlite3

import pandas as pd


def load_tables(customers: pd.DataFrame, orders: pd.DataFrame) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    customers.to_sql("customers", conn, index=False)
    orders.to_sql("orders", conn, index=False)
    return conn


def customer_totals_sql() -> str:
    return """
        SELECT customer_id,
               COUNT(*)    AS n_orders,
               SUM(amount) AS total_amount,
               AVG(amount) AS avg_amount
        FROM orders
        GROUP BY customer_id
        HAVING COUNT(*) >= :min_orders
        ORDER BY customer_id
    """


def all_customers_sql() -> str:
    return """
        SELECT c.customer_id,
               c.name,
               COUNT(o.order_id)             AS n_orders,
               COALESCE(SUM(o.amount), 0.0)  AS total_amount
        FROM customers AS c
        LEFT JOIN orders AS o ON o.customer_id = c.customer_id
        GROUP BY c.customer_id, c.name
        ORDER BY c.customer_id
    """


def order_features_sql() -> str:
    return """
        SELECT order_id, customer_id, order_date, amount,
               SUM(amount) OVER (
                   PARTITION BY customer_id ORDER BY order_date, order_id
                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
               ) AS running_total,
               julianday(order_date) - julianday(LAG(order_date) OVER (
                   PARTITION BY customer_id ORDER BY order_date, order_id
               )) AS days_since_prev,
               RANK() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS amount_rank
        FROM orders
        ORDER BY order_id
    """


def features_before_sql() -> str:
    return """
        SELECT c.customer_id,
               COUNT(o.order_id)                                   AS n_orders_before,
               COALESCE(SUM(o.amount), 0.0)                        AS total_before,
               julianday(:cutoff) - julianday(MAX(o.order_date))   AS days_since_last
        FROM customers AS c
        LEFT JOIN orders AS o
               ON o.customer_id = c.customer_id AND o.order_date <= :cutoff
        GROUP BY c.customer_id
        ORDER BY c.customer_id
    """


def orders_for_customer(conn: sqlite3.Connection, name: str) -> pd.DataFrame:
    query = """
        SELECT o.order_id, o.order_date, o.amount
        FROM orders AS o
        JOIN customers AS c ON c.customer_id = o.customer_id
        WHERE c.name = ?
        ORDER BY o.order_id
    """
    return pd.read_sql_query(query, conn, params=(name,))
