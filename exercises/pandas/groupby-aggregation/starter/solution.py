"""Group-by aggregation: sales reports with pandas.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact definitions.
Every function receives a list of sale dicts and must return plain Python values (dicts, lists,
floats, strings), not DataFrames or Series.
"""

import pandas as pd

SUMMARY_COLUMNS = ["store", "region", "orders", "units", "revenue", "avg_price", "largest_sale"]


def store_summary(sales: list[dict]) -> dict[str, list]:
    """One row per store as {column: list} (SUMMARY_COLUMNS order), highest revenue first, ties by store."""
    raise NotImplementedError("store_summary is not written yet")


def category_share(sales: list[dict]) -> dict[str, float]:
    """Return {category: percent of the total revenue}."""
    raise NotImplementedError("category_share is not written yet")


def store_share_of_region(sales: list[dict]) -> dict[str, float]:
    """Return {store: percent of its own region's revenue}."""
    raise NotImplementedError("store_share_of_region is not written yet")


def top_product_per_region(sales: list[dict]) -> dict[str, str]:
    """Return {region: product with the largest total revenue there}; ties go to the alphabetically first."""
    raise NotImplementedError("top_product_per_region is not written yet")


def monthly_revenue(sales: list[dict]) -> dict[str, list]:
    """Return {"month": ["YYYY-MM", ...], region: [revenue per month, 0.0 if none], ...}."""
    raise NotImplementedError("monthly_revenue is not written yet")
