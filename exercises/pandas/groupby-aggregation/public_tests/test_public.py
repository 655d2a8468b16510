"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the example and the rules of the statement. The hidden grader checks more (other sales
tables, more ties, a larger generated table).
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    category_share,
    monthly_revenue,
    store_share_of_region,
    store_summary,
    top_product_per_region,
)

SALES = [
    {"date": "2024-01-05", "region": "North", "store": "N1", "product": "apple", "category": "fruit", "units": 10, "unit_price": 0.5},
    {"date": "2024-01-20", "region": "North", "store": "N2", "product": "bread", "category": "bakery", "units": 2, "unit_price": 3.0},
    {"date": "2024-02-02", "region": "North", "store": "N1", "product": "bread", "category": "bakery", "units": 1, "unit_price": 3.0},
    {"date": "2024-02-14", "region": "South", "store": "S1", "product": "apple", "category": "fruit", "units": 4, "unit_price": 0.5},
    {"date": "2024-02-28", "region": "South", "store": "S1", "product": "cake", "category": "bakery", "units": 1, "unit_price": 6.0},
]


def _same(got, want):
    if isinstance(want, float):
        return isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=1e-9)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(_same, got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and list(got) == list(want) and all(_same(got[k], want[k]) for k in want)
    return got == want


def test_store_summary_example():
    got = store_summary(SALES)
    want = {
        "store": ["N1", "S1", "N2"], "region": ["North", "South", "North"], "orders": [2, 2, 1],
        "units": [11, 5, 2], "revenue": [8.0, 8.0, 6.0], "avg_price": [8 / 11, 1.6, 3.0],
        "largest_sale": [5.0, 6.0, 6.0],
    }
    assert isinstance(got, dict) and list(got) == list(want), f"store_summary should return a dict with the keys {list(want)} in that order, got {got!r}"
    for column in want:
        assert _same(list(got[column]), want[column]), (
            f"store_summary(sales): column {column!r} is {list(got[column])!r}, expected {want[column]!r} "
            "(rows by revenue, highest first, ties by store; avg_price is revenue / units)"
        )


def test_category_share_example():
    got = category_share(SALES)
    want = {"bakery": 1500 / 22, "fruit": 700 / 22}
    assert isinstance(got, dict) and set(got) == set(want), f"category_share(sales) has the keys {sorted(got)}, expected {sorted(want)}"
    assert all(_same(got[k], want[k]) for k in want), f"category_share(sales) returned {got!r}, expected {want!r} (percent, not rounded)"


def test_store_share_of_region_example():
    got = store_share_of_region(SALES)
    want = {"N1": 800 / 14, "N2": 600 / 14, "S1": 100.0}
    assert isinstance(got, dict) and set(got) == set(want), f"store_share_of_region(sales) has the keys {sorted(got)}, expected {sorted(want)}"
    assert all(_same(got[k], want[k]) for k in want), (
        f"store_share_of_region(sales) returned {got!r}, expected {want!r} (a share of the store's OWN region)"
    )


def test_top_product_per_region_by_total_revenue():
    got = top_product_per_region(SALES)
    assert got == {"North": "bread", "South": "cake"}, f"top_product_per_region(sales) returned {got!r}, expected {{'North': 'bread', 'South': 'cake'}}"
    sales = [
        {"date": "2024-03-01", "region": "Central", "store": "C1", "product": "apple", "category": "fruit", "units": 10, "unit_price": 0.5},
        {"date": "2024-03-02", "region": "Central", "store": "C1", "product": "bread", "category": "bakery", "units": 1, "unit_price": 3.0},
        {"date": "2024-03-03", "region": "Central", "store": "C1", "product": "bread", "category": "bakery", "units": 1, "unit_price": 3.0},
        {"date": "2024-03-04", "region": "Coast", "store": "K1", "product": "cake", "category": "bakery", "units": 1, "unit_price": 4.0},
        {"date": "2024-03-05", "region": "Coast", "store": "K1", "product": "apple", "category": "fruit", "units": 8, "unit_price": 0.5},
    ]
    got = top_product_per_region(sales)
    want = {"Central": "bread", "Coast": "apple"}
    assert got == want, (
        f"top_product_per_region returned {got!r}, expected {want!r}: in Central bread sold 3.0 + 3.0 = 6.0 in total, "
        "more than apple's single sale of 5.0; in Coast apple and cake tie at 4.0, and apple comes first alphabetically"
    )


def test_monthly_revenue_example():
    got = monthly_revenue(SALES)
    want = {"month": ["2024-01", "2024-02"], "North": [11.0, 3.0], "South": [0.0, 8.0]}
    assert _same(got, want), (
        f"monthly_revenue(sales) returned {got!r}, expected {want!r} (a region without sales in a month has 0.0, not NaN)"
    )
