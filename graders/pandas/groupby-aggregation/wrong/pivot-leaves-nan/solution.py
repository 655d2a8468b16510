import pandas as pd

SALE_COLUMNS = ["date", "region", "store", "product", "category", "units", "unit_price"]
SUMMARY_COLUMNS = ["store", "region", "orders", "units", "revenue", "avg_price", "largest_sale"]


def _frame(sales: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(list(sales), columns=SALE_COLUMNS)
    frame["revenue"] = frame["units"] * frame["unit_price"]
    return frame


def store_summary(sales: list[dict]) -> dict[str, list]:
    frame = _frame(sales)
    summary = frame.groupby("store", as_index=False).agg(
        region=("region", "first"),
        orders=("store", "size"),
        units=("units", "sum"),
        revenue=("revenue", "sum"),
        largest_sale=("revenue", "max"),
    )
    summary["avg_price"] = summary["revenue"] / summary["units"]
    summary = summary.sort_values(["revenue", "store"], ascending=[False, True], kind="stable")
    return {column: summary[column].tolist() for column in SUMMARY_COLUMNS}


def category_share(sales: list[dict]) -> dict[str, float]:
    revenue = _frame(sales).groupby("category")["revenue"].sum()
    share = 100 * revenue / revenue.sum()
    return {str(category): float(value) for category, value in share.items()}


def store_share_of_region(sales: list[dict]) -> dict[str, float]:
    per_store = _frame(sales).groupby(["region", "store"])["revenue"].sum()
    region_total = per_store.groupby(level="region").transform("sum")
    share = 100 * per_store / region_total
    return {str(store): float(value) for (_, store), value in share.items()}


def top_product_per_region(sales: list[dict]) -> dict[str, str]:
    per_product = _frame(sales).groupby(["region", "product"], as_index=False)["revenue"].sum()
    best = per_product.sort_values(
        ["region", "revenue", "product"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("region")
    return dict(zip(best["region"].tolist(), best["product"].tolist()))


def monthly_revenue(sales: list[dict]) -> dict[str, list]:
    frame = _frame(sales)
    frame["month"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m")
    table = frame.pivot_table(index="month", columns="region", values="revenue", aggfunc="sum")
    table = table.sort_index().sort_index(axis=1)
    result = {"month": [str(month) for month in table.index]}
    for region in table.columns:
        result[str(region)] = [float(v) for v in table[region]]
    return result
