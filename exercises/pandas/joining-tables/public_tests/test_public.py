"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the example and the rules of the statement. The hidden grader checks more (other tables,
more duplicates and conflicts, a larger generated shop).
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import order_lines, revenue_by_country, unmatched  # noqa: E402

ORDERS = [
    {"order_id": 3, "customer_id": "C2", "product_id": "P1", "quantity": 2},
    {"order_id": 1, "customer_id": "C1", "product_id": "P2", "quantity": 1},
    {"order_id": 2, "customer_id": "C9", "product_id": "P1", "quantity": 5},
    {"order_id": 4, "customer_id": "C1", "product_id": "P7", "quantity": 3},
]
CUSTOMERS = [
    {"customer_id": "C1", "name": "Ada", "country": "UK"},
    {"customer_id": "C2", "name": "Linus", "country": "FI"},
    {"customer_id": "C2", "name": "Linus", "country": "FI"},  # exact duplicate: dropped
    {"customer_id": "C3", "name": "Grace", "country": "US"},
]
PRODUCTS = [
    {"product_id": "P1", "name": "Keyboard", "unit_price": 25.0},
    {"product_id": "P2", "name": "Mouse", "unit_price": 12.5},
    {"product_id": "P3", "name": "Cable", "unit_price": 4.0},
]
NAN = math.nan


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _same(got, want):
    """None and NaN both mean missing; numbers are compared with a tolerance."""
    if _missing(want):
        return _missing(got)
    if isinstance(want, float):
        return isinstance(got, (int, float)) and not _missing(got) and math.isclose(got, want, rel_tol=1e-9)
    return got == want


def test_order_lines_example_keeps_every_order_once():
    got = order_lines(ORDERS, CUSTOMERS, PRODUCTS)
    want = {
        "order_id": [1, 2, 3, 4], "customer_id": ["C1", "C9", "C2", "C1"],
        "customer_name": ["Ada", NAN, "Linus", "Ada"], "country": ["UK", NAN, "FI", "UK"],
        "product_id": ["P2", "P1", "P1", "P7"], "product_name": ["Mouse", "Keyboard", "Keyboard", NAN],
        "quantity": [1, 5, 2, 3], "unit_price": [12.5, 25.0, 25.0, NAN], "total": [12.5, 125.0, 50.0, NAN],
    }
    assert isinstance(got, dict) and list(got) == list(want), f"order_lines should return a dict with the keys {list(want)} in that order, got the keys {list(got) if isinstance(got, dict) else got!r}"
    for column, values in want.items():
        column_got = list(got[column])
        assert len(column_got) == len(values) and all(map(_same, column_got, values)), (
            f"order_lines(orders, customers, products): column {column!r} is {column_got!r}, expected {values!r} "
            "(every order kept exactly once, sorted by order_id; unknown customers/products give missing values)"
        )


def test_unmatched_example():
    got = unmatched(ORDERS, CUSTOMERS, PRODUCTS)
    want = {
        "orders_unknown_customer": [2], "orders_unknown_product": [4],
        "customers_without_orders": ["C3"], "products_never_ordered": ["P3"],
    }
    assert got == want, f"unmatched(orders, customers, products) returned {got!r}, expected {want!r}"


def test_revenue_by_country_example():
    got = revenue_by_country(ORDERS, CUSTOMERS, PRODUCTS)
    assert isinstance(got, dict) and set(got) == {"FI", "UK"}, (
        f"revenue_by_country returned {got!r}: only orders whose customer and product are both known count"
    )
    assert _same(got["FI"], 50.0) and _same(got["UK"], 12.5), (
        f"revenue_by_country returned {got!r}, expected {{'FI': 50.0, 'UK': 12.5}} "
        "(drop the exact duplicate C2 row, or order 3 is counted twice)"
    )


def _raises_value_error(call):
    try:
        call()
    except ValueError:
        return True
    return False


def test_conflicting_lookup_rows_raise_value_error():
    conflicting_customer = CUSTOMERS + [{"customer_id": "C1", "name": "Ada L.", "country": "UK"}]
    assert _raises_value_error(lambda: order_lines(ORDERS, conflicting_customer, PRODUCTS)), (
        "order_lines should raise ValueError when customers lists C1 twice with different names "
        "(merge(..., validate='many_to_one') does it for you)"
    )
    conflicting_product = PRODUCTS + [{"product_id": "P2", "name": "Mouse", "unit_price": 13.0}]
    assert _raises_value_error(lambda: order_lines(ORDERS, CUSTOMERS, conflicting_product)), (
        "order_lines should raise ValueError when products lists P2 twice with different prices"
    )
