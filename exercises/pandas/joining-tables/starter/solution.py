"""Joining orders, customers and products with pandas.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Every function receives plain lists of dicts and must return plain Python values
(dicts and lists), not DataFrames: ``df.to_dict(orient="list")`` and ``Series.tolist()`` help.
"""

import pandas as pd

LINE_COLUMNS = [
    "order_id", "customer_id", "customer_name", "country",
    "product_id", "product_name", "quantity", "unit_price", "total",
]


def order_lines(orders: list[dict], customers: list[dict], products: list[dict]) -> dict[str, list]:
    """One row per order (every order kept), sorted by order_id, as {column: list} in LINE_COLUMNS order.

    Drop exact duplicate rows of customers/products first; raise ValueError if a customer_id or
    product_id is still listed more than once.
    """
    raise NotImplementedError("order_lines is not written yet")


def unmatched(orders: list[dict], customers: list[dict], products: list[dict]) -> dict[str, list]:
    """Return the sorted ids that have no partner in the other table.

    Keys: "orders_unknown_customer", "orders_unknown_product",
    "customers_without_orders", "products_never_ordered".
    """
    raise NotImplementedError("unmatched is not written yet")


def revenue_by_country(orders: list[dict], customers: list[dict], products: list[dict]) -> dict[str, float]:
    """Return {country: total revenue} over orders whose customer and product are both known."""
    raise NotImplementedError("revenue_by_country is not written yet")
