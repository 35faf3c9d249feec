"""Known raw rows for the recipe tests, and the totals they must produce, computed here.

The tables mimic what dlt loads (``raw.<source>_<stream>``, a ``tenant_id`` column,
dlt's bookkeeping columns). The same rows are loaded into DuckDB and into fakesnow
(DDL and INSERTs are rendered per dialect by sqlglot), and the expectations below
are plain Python over these rows, independent of the SQL under test.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from sqlglot import exp

UTC = timezone.utc
NY = timezone(timedelta(hours=-5))

# -- tiktok_ads ----------------------------------------------------------------------------

ADVERTISERS_COLUMNS = {"tenant_id": "varchar", "advertiser_id": "varchar", "name": "varchar", "currency": "varchar", "timezone": "varchar"}
ADVERTISERS = [
    ("acme", "7001", "Acme US", "USD", "America/New_York"),
    ("beta", "9001", "Beta EU", "EUR", "Europe/Berlin"),
]

CAMPAIGNS_COLUMNS = {
    "tenant_id": "varchar",
    "campaign_id": "varchar",
    "advertiser_id": "varchar",
    "campaign_name": "varchar",
    "objective_type": "varchar",
    "operation_status": "varchar",
}
CAMPAIGNS = [
    ("acme", "1701", "7001", "Spring Sale", "CONVERSIONS", "ENABLE"),
    ("acme", "1702", "7001", "Dormant", "TRAFFIC", "DISABLE"),
    # Same campaign id in another tenant: joins must stay within a tenant.
    ("beta", "1701", "9001", "Beta Launch", "CONVERSIONS", "ENABLE"),
]

REPORT_COLUMNS = {
    "tenant_id": "varchar",
    "advertiser_id": "varchar",
    "campaign_id": "varchar",
    "stat_time_day": "date",
    "spend": "double",
    "impressions": "bigint",
    "clicks": "bigint",
    "conversion": "bigint",
    "total_complete_payment_rate": "double",
    "_dlt_load_id": "varchar",
    "_dlt_id": "varchar",
}
D1, D2 = date(2026, 11, 1), date(2026, 11, 2)
REPORT = [
    # tenant, advertiser, campaign, day, spend, impressions, clicks, conversion, value
    ("acme", "7001", "1701", D1, 100.0, 10000, 200, 10, 450.0),
    ("acme", "7001", "1701", D2, 50.5, 4000, 80, 4, 120.0),
    ("acme", "7001", "1702", D1, 0.0, 0, 0, 0, 0.0),  # every denominator zero
    ("acme", "7001", "1702", D2, 0.0, 1000, 0, 0, 30.0),  # zero spend and clicks, some impressions
    ("beta", "9001", "1701", D1, 20.0, 2000, 10, 1, 5.0),
]

# -- shopify -------------------------------------------------------------------------------

ORDERS_COLUMNS = {
    "tenant_id": "varchar",
    "id": "varchar",
    "name": "varchar",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "processed_at": "timestamptz",
    "cancelled_at": "timestamptz",
    "currency_code": "varchar",
    # Shopify sends money as decimal strings.
    "total_price": "varchar",
    "subtotal_price": "varchar",
    "total_discounts": "varchar",
    "total_tax": "varchar",
    "total_shipping": "varchar",
    "total_refunded": "varchar",
    "financial_status": "varchar",
    "fulfillment_status": "varchar",
    "customer_id": "varchar",
    "source_name": "varchar",
    "landing_page_url": "varchar",
    "referrer_url": "varchar",
    "utm_source": "varchar",
    "utm_medium": "varchar",
    "utm_campaign": "varchar",
    "test": "boolean",
    "_dlt_load_id": "varchar",
    "_dlt_id": "varchar",
}


def _order(tenant, oid, created, currency, subtotal, discounts, tax, shipping, refunded, *, test=False, cancelled=None):
    total = subtotal + tax + shipping
    return {
        "tenant_id": tenant,
        "id": oid,
        "name": f"#{oid}",
        "created_at": created,
        "updated_at": created,
        "processed_at": created,
        "cancelled_at": cancelled,
        "currency_code": currency,
        "total_price": f"{total:.2f}",
        "subtotal_price": f"{subtotal:.2f}",
        "total_discounts": f"{discounts:.2f}",
        "total_tax": f"{tax:.2f}",
        "total_shipping": f"{shipping:.2f}",
        "total_refunded": f"{refunded:.2f}",
        "financial_status": "partially_refunded" if refunded else "paid",
        "fulfillment_status": None,
        "customer_id": "c-" + oid,
        "source_name": "web",
        "landing_page_url": "/products/x?utm_source=tiktok",
        "referrer_url": None,
        "utm_source": "tiktok",
        "utm_medium": "paid",
        "utm_campaign": "spring",
        "test": test,
    }


ORDERS = [
    _order("acme", "1001", datetime(2026, 11, 1, 10, 0, tzinfo=UTC), "USD", 90.0, 10.0, 8.0, 12.0, 0.0),
    # 23:30 in New York is 04:30 UTC the next day: counted on 2026-11-02.
    _order("acme", "1002", datetime(2026, 11, 1, 23, 30, tzinfo=NY), "USD", 40.0, 0.0, 3.2, 5.0, 0.0),
    _order("acme", "1003", datetime(2026, 11, 1, 12, 0, tzinfo=UTC), "USD", 60.0, 5.0, 4.8, 0.0, 20.0),
    _order("acme", "1004", datetime(2026, 11, 1, 13, 0, tzinfo=UTC), "USD", 500.0, 0.0, 0.0, 0.0, 0.0, test=True),
    _order(
        "acme", "1005", datetime(2026, 11, 1, 14, 0, tzinfo=UTC), "USD", 70.0, 0.0, 0.0, 0.0, 70.0,
        cancelled=datetime(2026, 11, 1, 15, 0, tzinfo=UTC),
    ),
    _order("acme", "1006", datetime(2026, 11, 1, 9, 0, tzinfo=UTC), "EUR", 30.0, 3.0, 0.0, 4.0, 0.0),
    _order("beta", "1001", datetime(2026, 11, 2, 8, 0, tzinfo=UTC), "EUR", 25.0, 0.0, 5.0, 0.0, 0.0),
]


# -- loading -------------------------------------------------------------------------------


def _table(name: str) -> exp.Table:
    return exp.table_(name, db="raw")


def create_table(execute: Callable[[str], Any], dialect: str, name: str, columns: dict[str, str], rows: list[dict[str, Any]]) -> None:
    schema = exp.Schema(
        this=_table(name),
        expressions=[
            exp.ColumnDef(this=exp.to_identifier(col), kind=exp.DataType.build(kind, dialect="duckdb"))
            for col, kind in columns.items()
        ],
    )
    execute(exp.Create(this=schema, kind="TABLE").sql(dialect=dialect))
    if not rows:
        return
    bookkeeping = {"_dlt_load_id": lambda i: "1700000000.0", "_dlt_id": lambda i: f"{name}-{i}"}
    values = [
        exp.tuple_(*[exp.convert(bookkeeping[col](i) if col in bookkeeping else row.get(col)) for col in columns])
        for i, row in enumerate(rows)
    ]
    insert = exp.insert(exp.values(values), _table(name), columns=list(columns))
    execute(insert.sql(dialect=dialect))


def load_raw(execute: Callable[[str], Any], dialect: str = "duckdb", *, tiktok: bool = True, shopify: bool = True, report_rows: list[tuple] | None = None) -> None:
    """Create ``raw`` and the source tables asked for, with the rows above."""
    execute(exp.Create(this=exp.table_("raw"), kind="SCHEMA", exists=True).sql(dialect=dialect))
    if tiktok:
        create_table(execute, dialect, "tiktok_ads_advertisers", ADVERTISERS_COLUMNS, [dict(zip(ADVERTISERS_COLUMNS, r)) for r in ADVERTISERS])
        create_table(execute, dialect, "tiktok_ads_campaigns", CAMPAIGNS_COLUMNS, [dict(zip(CAMPAIGNS_COLUMNS, r)) for r in CAMPAIGNS])
        rows = report_rows if report_rows is not None else REPORT
        create_table(execute, dialect, "tiktok_ads_report_campaign_daily", REPORT_COLUMNS, [dict(zip(REPORT_COLUMNS, r)) for r in rows])
    if shopify:
        create_table(execute, dialect, "shopify_orders", ORDERS_COLUMNS, ORDERS)


# -- expectations (plain Python over the rows above) ----------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def expected_campaign_summary(report_rows: list[tuple] | None = None) -> dict[tuple, dict[str, Any]]:
    """Key (tenant, day, platform, account, campaign) -> metrics, as the recipes must compute them."""
    names = {(t, c): n for t, c, _a, n, _o, _s in CAMPAIGNS}
    accounts = {(t, a): (n, cur) for t, a, n, cur, _tz in ADVERTISERS}
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0, 0, 0.0, 0.0])
    for tenant, adv, camp, day, spend, imp, clicks, conv, value in report_rows or REPORT:
        acc = sums[(tenant, day, "tiktok_ads", adv, camp)]
        for i, v in enumerate((spend, imp, clicks, conv, value)):
            acc[i] += v
    out = {}
    for key, (spend, imp, clicks, conv, value) in sums.items():
        tenant, _day, _p, adv, camp = key
        account_name, currency = accounts[(tenant, adv)]
        out[key] = {
            "account_name": account_name,
            "campaign_name": names.get((tenant, camp)),
            "currency": currency,
            "spend": spend,
            "impressions": imp,
            "clicks": clicks,
            "conversions": conv,
            "revenue": value,
            "roas": _ratio(value, spend),
            "ctr": _ratio(clicks, imp),
            "cpc": _ratio(spend, clicks),
            "cpm": _ratio(spend * 1000, imp),
            "conversion_rate": _ratio(conv, clicks),
        }
    return out


def expected_shopify_revenue() -> dict[tuple, dict[str, Any]]:
    """Key (tenant, UTC day, currency) -> revenue, test and cancelled orders left out."""
    out: dict[tuple, dict[str, Any]] = {}
    for o in ORDERS:
        if o["test"] or o["cancelled_at"] is not None:
            continue
        day = o["created_at"].astimezone(UTC).date()
        key = (o["tenant_id"], day, o["currency_code"])
        acc = out.setdefault(key, dict.fromkeys(["orders", "gross_revenue", "discounts", "refunds", "net_revenue", "total_sales"], 0.0))
        subtotal, discounts, refunded = float(o["subtotal_price"]), float(o["total_discounts"]), float(o["total_refunded"])
        acc["orders"] += 1
        acc["gross_revenue"] += subtotal + discounts
        acc["discounts"] += discounts
        acc["refunds"] += refunded
        acc["net_revenue"] += subtotal + discounts - discounts - refunded
        acc["total_sales"] += float(o["total_price"])
    return out


def rows_as_dicts(execute: Callable[[str], Any], dialect: str, table: str, columns: list[str], order_by: list[str]) -> list[dict[str, Any]]:
    """Read `columns` of analytics.`table` as dicts with lower-case keys."""
    query = exp.select(*columns).from_(exp.table_(table, db="analytics")).order_by(*order_by)
    return [dict(zip(columns, row)) for row in execute(query.sql(dialect=dialect))]
