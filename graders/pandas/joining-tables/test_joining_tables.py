"""Hidden grader for pandas/joining-tables.

Small hand-written tables check each rule; a generated shop (seeded `rng`) is checked against
`_expected_lines`, a plain-Python statement of the README's rules.
"""

import math

import numpy as np

from gradient_grader import StudentError, expected, points

LINE_COLUMNS = [
    "order_id", "customer_id", "customer_name", "country",
    "product_id", "product_name", "quantity", "unit_price", "total",
]
UNMATCHED_KEYS = ["orders_unknown_customer", "orders_unknown_product", "customers_without_orders", "products_never_ordered"]

ORDERS = [
    {"order_id": 105, "customer_id": "C2", "product_id": "P1", "quantity": 2},
    {"order_id": 101, "customer_id": "C1", "product_id": "P2", "quantity": 1},
    {"order_id": 104, "customer_id": "C3", "product_id": "P3", "quantity": 4},
    {"order_id": 102, "customer_id": "C1", "product_id": "P1", "quantity": 3},
    {"order_id": 103, "customer_id": "C2", "product_id": "P2", "quantity": 10},
]
CUSTOMERS = [
    {"customer_id": "C1", "name": "Ada", "country": "UK"},
    {"customer_id": "C2", "name": "Linus", "country": "FI"},
    {"customer_id": "C3", "name": "Grace", "country": "US"},
]
PRODUCTS = [
    {"product_id": "P1", "name": "Keyboard", "unit_price": 25.0},
    {"product_id": "P2", "name": "Mouse", "unit_price": 12.5},
    {"product_id": "P3", "name": "Cable", "unit_price": 4.0},
]


def _missing(value):
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return repr(value) in ("<student NAType>",)


def _same(got, want):
    if want is None:
        return _missing(got)
    if _missing(got):
        return False
    if isinstance(want, float):
        return isinstance(got, (int, float)) and not isinstance(got, bool) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(want, int):
        return isinstance(got, (int, float)) and not isinstance(got, bool) and got == want
    return got == want


def _check_lines(got, want, call):
    assert isinstance(got, dict), (
        f"{call} should return a dict of lists (like df.to_dict(orient='list')), got {type(got).__name__}: {got!r:.300}"
    )
    assert list(got) == LINE_COLUMNS, (
        f"{call} returned the keys {list(got)}, expected exactly ['order_id', 'customer_id', 'customer_name', "
        "'country', 'product_id', 'product_name', 'quantity', 'unit_price', 'total'] in that order"
    )
    n_want = len(want["order_id"])
    for column in LINE_COLUMNS:
        assert isinstance(got[column], list), f"{call}[{column!r}] should be a list, got {type(got[column]).__name__}"
    ids = got["order_id"]
    why = (  # words, not the expected value
        "More rows than orders means a join multiplied rows: a key matched several rows of a lookup table. "
        if len(ids) > n_want else "Fewer rows than orders means orders were lost: use a join that keeps every order. "
    )
    assert len(ids) == n_want, (
        f"{call} returned {len(ids)} rows, expected {expected(n_want)} (one row per order). {why}"
        f"First order ids returned: {ids[:12]!r}; expected: {expected(want['order_id'][:12])}"
    )
    for column in LINE_COLUMNS:
        assert len(got[column]) == n_want, f"{call}[{column!r}] has {len(got[column])} values, expected one per order"
    assert [g for g in ids] == want["order_id"], f"{call} returned the order ids {ids!r:.300}, expected {expected(want['order_id'])} (sorted by order_id)"
    for column in LINE_COLUMNS:
        for row, (g, w) in enumerate(zip(got[column], want[column])):
            assert _same(g, w), (
                f"{call}: order {ids[row]}, column {column!r} is {g!r}, expected {expected(w)}"
            )


def _expected_lines(orders, customers, products):
    customer = {c["customer_id"]: c for c in customers}
    product = {p["product_id"]: p for p in products}
    want = {column: [] for column in LINE_COLUMNS}
    for order in sorted(orders, key=lambda o: o["order_id"]):
        c = customer.get(order["customer_id"])
        p = product.get(order["product_id"])
        row = {
            "order_id": order["order_id"],
            "customer_id": order["customer_id"],
            "customer_name": c["name"] if c else None,
            "country": c["country"] if c else None,
            "product_id": order["product_id"],
            "product_name": p["name"] if p else None,
            "quantity": order["quantity"],
            "unit_price": float(p["unit_price"]) if p else None,
            "total": order["quantity"] * float(p["unit_price"]) if p else None,
        }
        for column in LINE_COLUMNS:
            want[column].append(row[column])
    return want


def _expected_revenue(orders, customers, products):
    customer = {c["customer_id"]: c for c in customers}
    product = {p["product_id"]: p for p in products}
    revenue = {}
    for order in orders:
        c, p = customer.get(order["customer_id"]), product.get(order["product_id"])
        if c and p:
            revenue[c["country"]] = revenue.get(c["country"], 0.0) + order["quantity"] * p["unit_price"]
    return revenue


def _shop(rng):
    """A generated shop with duplicate lookup rows and orders that point at unknown keys."""
    countries = ["UK", "FI", "US", "BR", "JP"]
    customers = [
        {"customer_id": f"C{i:02d}", "name": f"Customer {i}", "country": countries[int(rng.integers(0, 5))]}
        for i in range(1, 16)
    ]
    products = [
        {"product_id": f"P{i:02d}", "name": f"Product {i}", "unit_price": round(float(rng.uniform(1, 80)), 2)}
        for i in range(1, 9)
    ]
    orders = []
    for order_id in rng.permutation(np.arange(1000, 1060)).tolist():
        customer_id = f"C{int(rng.integers(1, 19)):02d}"  # C16-C18 are unknown
        product_id = f"P{int(rng.integers(1, 10)):02d}"  # P09 is unknown
        orders.append({"order_id": int(order_id), "customer_id": customer_id, "product_id": product_id,
                       "quantity": int(rng.integers(1, 6))})
    noisy_customers = customers + [dict(customers[i]) for i in rng.choice(15, size=6, replace=True).tolist()]
    noisy_products = products + [dict(products[i]) for i in rng.choice(8, size=4, replace=True).tolist()]
    order = rng.permutation(len(noisy_customers)).tolist()
    noisy_customers = [noisy_customers[i] for i in order]
    return orders, customers, products, noisy_customers, noisy_products




# --------------------------------------------------------------------------- tests


@points(2)
def test_order_lines_basic(student):
    call = "order_lines(<5 orders>, <3 customers>, <3 products>)"
    got = student.order_lines(ORDERS, CUSTOMERS, PRODUCTS)
    _check_lines(got, _expected_lines(ORDERS, CUSTOMERS, PRODUCTS), call)


@points(2)
def test_every_order_is_kept(student):
    orders = ORDERS + [
        {"order_id": 106, "customer_id": "C9", "product_id": "P2", "quantity": 1},
        {"order_id": 100, "customer_id": "C3", "product_id": "P8", "quantity": 2},
        {"order_id": 107, "customer_id": "C7", "product_id": "P7", "quantity": 6},
    ]
    call = ("order_lines(<8 orders, where order 106 has an unknown customer, 100 an unknown product "
            "and 107 both>, <3 customers>, <3 products>)")
    got = student.order_lines(orders, CUSTOMERS, PRODUCTS)
    _check_lines(got, _expected_lines(orders, CUSTOMERS, PRODUCTS), call)


@points(2)
def test_exact_duplicates_do_not_multiply_rows(student, rng):
    orders, customers, products, noisy_customers, noisy_products = _shop(rng)
    call = "order_lines(<60 generated orders>, <customers with exact duplicate rows>, <products with exact duplicate rows>)"
    got = student.order_lines(orders, noisy_customers, noisy_products)
    _check_lines(got, _expected_lines(orders, customers, products), call)


@points(2)
def test_conflicting_duplicates_raise(student):
    cases = [
        ("customers", CUSTOMERS + [{"customer_id": "C2", "name": "Linus T.", "country": "US"}], PRODUCTS),
        ("products", CUSTOMERS, PRODUCTS + [{"product_id": "P3", "name": "Cable", "unit_price": 5.0}]),
    ]
    for table, customers, products in cases:
        call = f"order_lines(<5 orders>, <customers>, <products>) where the {table} list a key twice with different values"
        try:
            got = student.order_lines(ORDERS, customers, products)
        except StudentError as error:
            assert error.type_name in ("ValueError", "MergeError"), (
                f"{call} raised {error.type_name}: {error.message[:200]}, expected a ValueError "
                "(pandas' MergeError from validate='many_to_one' is fine too)"
            )
        else:
            rows = len(got.get("order_id", [])) if isinstance(got, dict) else "?"
            raise AssertionError(
                f"{call} returned a table ({rows} rows) instead of raising ValueError: which of the two "
                "conflicting rows is right cannot be known, so the join must refuse (merge(..., validate=...))"
            )


@points(2)
def test_unmatched(student):
    orders = ORDERS + [
        {"order_id": 106, "customer_id": "C9", "product_id": "P2", "quantity": 1},
        {"order_id": 100, "customer_id": "C3", "product_id": "P8", "quantity": 2},
        {"order_id": 99, "customer_id": "C7", "product_id": "P7", "quantity": 6},
    ]
    customers = CUSTOMERS + [
        {"customer_id": "C5", "name": "Edsger", "country": "NL"},
        {"customer_id": "C4", "name": "Barbara", "country": "US"},
        {"customer_id": "C4", "name": "Barbara", "country": "US"},
    ]
    products = PRODUCTS + [{"product_id": "P4", "name": "Monitor", "unit_price": 150.0}]
    call = "unmatched(<8 orders>, <6 customer rows>, <4 products>)"
    got = student.unmatched(orders, customers, products)
    want = {
        "orders_unknown_customer": [99, 106],
        "orders_unknown_product": [99, 100],
        "customers_without_orders": ["C4", "C5"],
        "products_never_ordered": ["P4"],
    }
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r:.200}"
    assert sorted(got) == sorted(UNMATCHED_KEYS), (
        f"{call} returned the keys {sorted(got)}, expected ['customers_without_orders', "
        "'orders_unknown_customer', 'orders_unknown_product', 'products_never_ordered']"
    )
    for key in UNMATCHED_KEYS:
        value = got[key]
        assert isinstance(value, list), f"{call}[{key!r}] should be a list, got {type(value).__name__}: {value!r}"
        assert got[key] == want[key], f"{call}[{key!r}] is {value!r}, expected {expected(want[key])} (sorted, each id once)"


@points(2)
def test_revenue_by_country(student, rng):
    call = "revenue_by_country(<5 orders>, <3 customers>, <3 products>)"
    got = student.revenue_by_country(ORDERS, CUSTOMERS, PRODUCTS)
    want = {"UK": 87.5, "FI": 175.0, "US": 16.0}
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r:.200}"
    assert sorted(got) == sorted(want), f"{call} returned the countries {sorted(got)}, expected {expected(sorted(want))}"
    for country, value in want.items():
        assert _same(got[country], value), f"{call}[{country!r}] is {got[country]!r}, expected {expected(value)}"

    orders, customers, products, noisy_customers, noisy_products = _shop(rng)
    call = ("revenue_by_country(<60 generated orders, some with unknown customers or products>, "
            "<customers with exact duplicate rows>, <products with exact duplicate rows>)")
    got = student.revenue_by_country(orders, noisy_customers, noisy_products)
    want = _expected_revenue(orders, customers, products)
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r:.200}"
    assert sorted(got) == sorted(want), (
        f"{call} returned the countries {sorted(got)}, expected {expected(sorted(want))} (only orders whose customer and product are known count)"
    )
    for country, value in want.items():
        g = got[country]
        too_large = isinstance(g, (int, float)) and g > value  # said in words, not the value
        assert isinstance(g, (int, float)) and math.isclose(g, value, rel_tol=1e-9, abs_tol=1e-6), (
            f"{call}[{country!r}] is {g!r}, expected {expected(round(value, 2))}"
            + (" (larger than expected: duplicate lookup rows multiplied some orders)" if too_large else "")
        )
