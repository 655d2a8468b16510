import pandas as pd

ORDER_COLUMNS = ["order_id", "customer_id", "product_id", "quantity"]
CUSTOMER_COLUMNS = ["customer_id", "name", "country"]
PRODUCT_COLUMNS = ["product_id", "name", "unit_price"]
LINE_COLUMNS = [
    "order_id", "customer_id", "customer_name", "country",
    "product_id", "product_name", "quantity", "unit_price", "total",
]


def _tables(orders, customers, products):
    """The three frames; exact duplicate rows of the lookup tables are harmless, so they are dropped."""
    order_frame = pd.DataFrame(list(orders), columns=ORDER_COLUMNS)
    customer_frame = (
        pd.DataFrame(list(customers), columns=CUSTOMER_COLUMNS)
        .rename(columns={"name": "customer_name"})
    )
    product_frame = (
        pd.DataFrame(list(products), columns=PRODUCT_COLUMNS)
        .rename(columns={"name": "product_name"})
    )
    return order_frame, customer_frame, product_frame


def _joined(orders, customers, products, how):
    order_frame, customer_frame, product_frame = _tables(orders, customers, products)
    # No de-duplication and no validate=: a key listed twice matches every order twice.
    lines = order_frame.merge(customer_frame, on="customer_id", how=how)
    lines = lines.merge(product_frame, on="product_id", how=how)
    lines["total"] = lines["quantity"] * lines["unit_price"]
    return lines.sort_values("order_id", kind="stable")[LINE_COLUMNS].reset_index(drop=True)


def order_lines(orders: list[dict], customers: list[dict], products: list[dict]) -> dict[str, list]:
    lines = _joined(orders, customers, products, how="left")
    return {column: lines[column].tolist() for column in LINE_COLUMNS}


def unmatched(orders: list[dict], customers: list[dict], products: list[dict]) -> dict[str, list]:
    order_frame, customer_frame, product_frame = _tables(orders, customers, products)
    by_customer = order_frame.merge(
        customer_frame[["customer_id"]].drop_duplicates(), on="customer_id", how="left", indicator=True
    )
    by_product = order_frame.merge(
        product_frame[["product_id"]].drop_duplicates(), on="product_id", how="left", indicator=True
    )
    quiet_customers = customer_frame.loc[~customer_frame["customer_id"].isin(order_frame["customer_id"]), "customer_id"]
    unsold = product_frame.loc[~product_frame["product_id"].isin(order_frame["product_id"]), "product_id"]
    return {
        "orders_unknown_customer": sorted(by_customer.loc[by_customer["_merge"] == "left_only", "order_id"].tolist()),
        "orders_unknown_product": sorted(by_product.loc[by_product["_merge"] == "left_only", "order_id"].tolist()),
        "customers_without_orders": sorted(set(quiet_customers.tolist())),
        "products_never_ordered": sorted(set(unsold.tolist())),
    }


def revenue_by_country(orders: list[dict], customers: list[dict], products: list[dict]) -> dict[str, float]:
    lines = _joined(orders, customers, products, how="inner")
    totals = lines.groupby("country")["total"].sum()
    return {str(country): float(total) for country, total in totals.items()}
