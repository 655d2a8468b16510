"""Hidden grader for pandas/groupby-aggregation.

Expected values come from `_expected_*`, plain-Python statements of the README's definitions
(dictionaries and loops, no pandas), applied to a hand-made shop and to a generated one.
"""

import math

from gradient_grader import expected, points

SUMMARY_COLUMNS = ["store", "region", "orders", "units", "revenue", "avg_price", "largest_sale"]


def _sale(date, region, store, product, category, units, unit_price):
    return {"date": date, "region": region, "store": store, "product": product, "category": category,
            "units": units, "unit_price": unit_price}


SALES = [
    _sale("2024-01-05", "North", "N1", "apple", "fruit", 10, 0.5),
    _sale("2024-01-20", "North", "N1", "bread", "bakery", 2, 3.0),
    _sale("2024-01-11", "South", "S1", "milk", "dairy", 2, 1.25),
    _sale("2024-02-03", "North", "N2", "cake", "bakery", 1, 8.0),
    _sale("2024-01-12", "South", "S2", "cheese", "dairy", 1, 5.0),
    _sale("2024-02-10", "North", "N2", "bread", "bakery", 1, 3.0),
    _sale("2024-02-07", "East", "E1", "tea", "drinks", 3, 2.0),
    _sale("2024-03-15", "South", "S1", "milk", "dairy", 2, 1.25),
    _sale("2024-03-01", "North", "N1", "apple", "fruit", 4, 0.5),
    _sale("2024-02-08", "East", "E1", "apple", "fruit", 2, 0.5),
    _sale("2024-03-20", "South", "S2", "apple", "fruit", 6, 0.5),
]


def _generated(rng, n=240):
    layout = {"North": ["N1", "N2", "N3"], "South": ["S1", "S2"], "East": ["E1", "E2", "E3", "E4"], "West": ["W1"]}
    catalogue = {"apple": "fruit", "pear": "fruit", "bread": "bakery", "cake": "bakery", "milk": "dairy",
                 "cheese": "dairy", "tea": "drinks", "coffee": "drinks"}
    products = sorted(catalogue)
    regions = sorted(layout)
    sales = []
    for _ in range(n):
        region = regions[int(rng.integers(0, len(regions)))]
        store = layout[region][int(rng.integers(0, len(layout[region])))]
        product = products[int(rng.integers(0, len(products)))]
        month, day = int(rng.integers(1, 7)), int(rng.integers(1, 29))
        sales.append(_sale(f"2024-{month:02d}-{day:02d}", region, store, product, catalogue[product],
                           int(rng.integers(1, 12)), round(float(rng.uniform(0.5, 20.0)), 2)))
    return sales


# --------------------------------------------------------------------------- expected values


def _revenue(sale):
    return sale["units"] * sale["unit_price"]


def _expected_summary(sales):
    stores = {}
    for sale in sales:
        s = stores.setdefault(sale["store"], {"store": sale["store"], "region": sale["region"], "orders": 0,
                                              "units": 0, "revenue": 0.0, "largest_sale": -math.inf})
        s["orders"] += 1
        s["units"] += sale["units"]
        s["revenue"] += _revenue(sale)
        s["largest_sale"] = max(s["largest_sale"], _revenue(sale))
    for s in stores.values():
        s["avg_price"] = s["revenue"] / s["units"]
    rows = sorted(stores.values(), key=lambda s: (-round(s["revenue"], 6), s["store"]))
    return {column: [row[column] for row in rows] for column in SUMMARY_COLUMNS}


def _totals(sales, key):
    totals = {}
    for sale in sales:
        k = key(sale)
        totals[k] = totals.get(k, 0.0) + _revenue(sale)
    return totals


def _expected_category_share(sales):
    totals = _totals(sales, lambda s: s["category"])
    grand = sum(totals.values())
    return {k: 100 * v / grand for k, v in totals.items()}


def _expected_store_share(sales):
    per_store = _totals(sales, lambda s: (s["region"], s["store"]))
    per_region = _totals(sales, lambda s: s["region"])
    return {store: 100 * v / per_region[region] for (region, store), v in per_store.items()}


def _expected_top_product(sales):
    per_product = _totals(sales, lambda s: (s["region"], s["product"]))
    best = {}
    for (region, product), value in sorted(per_product.items()):
        if region not in best or round(value, 6) > round(best[region][1], 6):
            best[region] = (product, value)
    return {region: product for region, (product, _) in best.items()}


def _expected_monthly(sales):
    months = sorted({s["date"][:7] for s in sales})
    regions = sorted({s["region"] for s in sales})
    totals = _totals(sales, lambda s: (s["date"][:7], s["region"]))
    result = {"month": months}
    for region in regions:
        result[region] = [totals.get((month, region), 0.0) for month in months]
    return result


# --------------------------------------------------------------------------- comparison helpers


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_mapping(got, want, call, what, hint=""):
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r:.200}"
    assert sorted(got) == sorted(want), f"{call} returned the keys {sorted(got)}, expected {expected(sorted(want))}"
    for key in sorted(want):
        g, w = got[key], want[key]
        if isinstance(w, str):
            assert g == w, f"{call}[{key!r}] is {g!r}, expected {expected(w)}{hint}"
        else:
            assert _number(g) and math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9), (
                f"{call}[{key!r}] ({what}) is {g!r}, expected {expected(w)}{hint}"
            )


def _check_summary(got, want, call):
    assert isinstance(got, dict), (
        f"{call} should return a dict of lists (like df.to_dict(orient='list')), got {type(got).__name__}: {got!r:.200}"
    )
    assert list(got) == SUMMARY_COLUMNS, (
        f"{call} returned the keys {list(got)}, expected exactly "
        "['store', 'region', 'orders', 'units', 'revenue', 'avg_price', 'largest_sale'] in that order"
    )
    for column in SUMMARY_COLUMNS:
        assert isinstance(got[column], list) and len(got[column]) == len(want["store"]), (
            f"{call}[{column!r}] should be a list with one value per store ({expected(len(want['store']))}), got {got[column]!r:.200}"
        )
    assert got["store"] == want["store"], (
        f"{call}['store'] is {got['store']}, expected {expected(want['store'])} "
        "(highest revenue first; equal revenue: store id in alphabetical order)"
    )
    for column in SUMMARY_COLUMNS[1:]:
        for store, g, w in zip(want["store"], got[column], want[column]):
            if isinstance(w, str):
                ok = g == w
            elif column in ("orders", "units"):
                ok = _number(g) and g == w
            else:
                ok = _number(g) and math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9)
            hint = " (avg_price is revenue / units: the price per unit actually sold)" if column == "avg_price" else ""
            assert ok, f"{call}: store {store!r}, column {column!r} is {g!r}, expected {expected(w)}{hint}"


# --------------------------------------------------------------------------- tests


@points(2)
def test_store_summary(student):
    call = "store_summary(<11 sales in 5 stores>)"
    _check_summary(student.store_summary(SALES), _expected_summary(SALES), call)


@points(1)
def test_store_summary_ties(student):
    sales = [
        _sale("2024-01-01", "West", "W9", "tea", "drinks", 2, 2.5),
        _sale("2024-01-02", "East", "E5", "tea", "drinks", 1, 5.0),
        _sale("2024-01-03", "North", "N7", "cake", "bakery", 1, 7.0),
        _sale("2024-01-04", "East", "A2", "milk", "dairy", 4, 1.25),
    ]
    call = "store_summary(<stores W9, E5, N7, A2 with revenues 5, 5, 7, 5>)"
    _check_summary(student.store_summary(sales), _expected_summary(sales), call)


@points(2)
def test_category_share(student):
    call = "category_share(<11 sales>)"
    got = student.category_share(SALES)
    _check_mapping(got, _expected_category_share(SALES), call, "percent of all revenue")
    total = sum(v for v in got.values() if _number(v))
    assert math.isclose(total, 100.0, rel_tol=1e-9), f"{call}: the shares add up to {total}, expected 100"


@points(2)
def test_store_share_of_region(student):
    call = "store_share_of_region(<11 sales>)"
    _check_mapping(
        student.store_share_of_region(SALES), _expected_store_share(SALES), call, "percent of its region's revenue",
        " (divide each store's revenue by the total of its own region, not of all regions)",
    )


@points(2)
def test_top_product_per_region(student):
    call = "top_product_per_region(<11 sales>)"
    _check_mapping(
        student.top_product_per_region(SALES), _expected_top_product(SALES), call, "product",
        " (the product with the largest total revenue in the region, summed over all its sales; "
        "ties go to the alphabetically first product)",
    )


@points(2)
def test_monthly_revenue(student):
    call = "monthly_revenue(<11 sales over 3 months and 3 regions>)"
    got = student.monthly_revenue(SALES)
    want = _expected_monthly(SALES)
    assert isinstance(got, dict), f"{call} should return a dict of lists, got {type(got).__name__}: {got!r:.200}"
    assert list(got) == list(want), (
        f"{call} returned the keys {list(got)}, expected {expected(list(want))} ('month' first, then the regions alphabetically)"
    )
    assert got["month"] == want["month"], f"{call}['month'] is {got['month']!r}, expected {expected(want['month'])}"
    for region in list(want)[1:]:
        values = got[region]
        assert isinstance(values, list) and len(values) == len(want["month"]), (
            f"{call}[{region!r}] should be a list with one number per month ({expected(len(want['month']))}), got {values!r:.200}"
        )
        for month, g, w in zip(want["month"], values, want[region]):
            if _number(g) and math.isnan(g):
                raise AssertionError(f"{call}[{region!r}] is NaN for {month}, expected {expected(w)} (a month without sales is 0.0, not NaN)")
            assert _number(g) and math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9), (
                f"{call}[{region!r}] for {month} is {g!r}, expected {expected(w)}"
            )


@points(1)
def test_larger_generated_shop(student, rng):
    sales = _generated(rng)
    call = "store_summary(<240 generated sales>)"
    _check_summary(student.store_summary(sales), _expected_summary(sales), call)
    _check_mapping(student.category_share(sales), _expected_category_share(sales),
                   "category_share(<240 generated sales>)", "percent of all revenue")
    _check_mapping(student.store_share_of_region(sales), _expected_store_share(sales),
                   "store_share_of_region(<240 generated sales>)", "percent of its region's revenue")
    _check_mapping(student.top_product_per_region(sales), _expected_top_product(sales),
                   "top_product_per_region(<240 generated sales>)", "product")
