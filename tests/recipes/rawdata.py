"""Known raw rows for the recipe tests, and the numbers they must produce, computed here.

The tables mimic what dlt loads (``raw.<source>_<stream>``, a ``tenant_id`` column,
dlt's bookkeeping columns on dict-loaded tables, none on the Arrow-loaded reports).
The same rows are loaded into DuckDB and into fakesnow (DDL and INSERTs are rendered
per dialect by sqlglot), and the expectations below are plain Python over these rows,
independent of the SQL under test.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from sqlglot import exp

#: The sources whose raw rows this module writes (every flag of `load_raw`).
SOURCES = ("tiktok_ads", "google_ads", "facebook_ads", "shopify", "ga4")


@functools.cache
def breadth_staging() -> frozenset[str]:
    """Staging generated for every other registered source: these rows do not feed it, so a
    build here skips it (its numbers are checked from documented fixtures in
    ``tests/test_unified_spend.py`` and ``tests/test_unified_facts.py``, its columns by the
    unions that read it)."""
    from bosco_connectors.recipes.catalog import generated_staging

    return frozenset(name for name, (source, _sql) in generated_staging().items() if source not in SOURCES)


@functools.cache
def breadth_facts() -> frozenset[str]:
    """Facts generated from those sources' mappings alone (``fct_orders`` of the commerce
    sources), or from none (a fact no installed source maps into yet): a build here skips them
    too, none of their members being built."""
    from bosco_connectors.framework.facts import FACTS
    from bosco_connectors.recipes.catalog import generated_staging

    staging, skipped = generated_staging(), breadth_staging()
    facts = {f"fct_{fact}": [name for name in staging if name.endswith(f"__{fact}")] for fact in FACTS}
    return frozenset(fct for fct, members in facts.items() if set(members) <= skipped)  # a fact no source maps into, too

@functools.cache
def breadth_models() -> frozenset[str]:
    """Every model a build over these rows skips: the breadth staging and facts, and what reads
    only them (``channel_activity__email`` needs ``fct_email_campaign_performance``), found the
    way the runner skips: a model skips when an input skipped, a union when all its members did
    (never an optional one)."""
    from bosco_connectors.recipes import list_recipes

    skipped = set(breadth_staging() | breadth_facts())
    for recipe in list_recipes():
        if recipe.name in skipped:
            continue
        if recipe.union is not None:
            members = set(recipe.union.members)
            others = set(recipe.depends_on) - members
            if (members and members <= skipped and not recipe.union.optional) or others & skipped:
                skipped.add(recipe.name)
        elif set(recipe.depends_on) & skipped:
            skipped.add(recipe.name)
    return frozenset(skipped)


UTC = timezone.utc
NY = timezone(timedelta(hours=-5))
D1, D2, D3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)
#: The last day of the fixtures; freshness tests are run "as of" this day.
LAST_DAY = D2

# -- tiktok_ads ----------------------------------------------------------------------------

ADVERTISERS_COLUMNS = {"tenant_id": "varchar", "advertiser_id": "varchar", "name": "varchar", "currency": "varchar", "timezone": "varchar", "status": "varchar"}
ADVERTISERS = [
    ("acme", "7001", "Acme US", "USD", "America/New_York", "STATUS_ENABLE"),
    ("beta", "9001", "Beta EU", "EUR", "Europe/Berlin", "STATUS_ENABLE"),
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
AD_GROUPS_COLUMNS = {"tenant_id": "varchar", "adgroup_id": "varchar", "advertiser_id": "varchar", "campaign_id": "varchar", "adgroup_name": "varchar", "operation_status": "varchar"}
AD_GROUPS = [
    ("acme", "2701", "7001", "1701", "Spring US", "ENABLE"),
    ("beta", "2901", "9001", "1701", "Launch DE", "ENABLE"),
]
ADS_COLUMNS = {"tenant_id": "varchar", "ad_id": "varchar", "advertiser_id": "varchar", "campaign_id": "varchar", "adgroup_id": "varchar", "ad_name": "varchar", "operation_status": "varchar"}
ADS = [
    ("acme", "3701", "7001", "1701", "2701", "Video A", "ENABLE"),
    ("acme", "3702", "7001", "1701", "2701", "Video B", "ENABLE"),
    ("beta", "3901", "9001", "1701", "2901", "Carousel", "ENABLE"),
]

METRICS = {"spend": "double", "impressions": "bigint", "clicks": "bigint", "conversion": "bigint", "total_complete_payment_rate": "double"}
#: Report tables come from Arrow: no _dlt_load_id / _dlt_id columns.
#: Mapped into the unified video_views (issue 12); left NULL in these rows (a report without video).
VIDEO = {"video_play_actions": "bigint"}
REPORT_COLUMNS = {"tenant_id": "varchar", "advertiser_id": "varchar", "campaign_id": "varchar", "campaign_name": "varchar", "stat_time_day": "date", **METRICS, **VIDEO}
REPORT = [
    # tenant, advertiser, campaign, name, day, spend, impressions, clicks, conversion, value
    ("acme", "7001", "1701", "Spring Sale", D1, 100.0, 10000, 200, 10, 450.0),
    ("acme", "7001", "1701", "Spring Sale", D2, 50.5, 4000, 80, 4, 120.0),
    ("acme", "7001", "1702", "Dormant", D1, 0.0, 0, 0, 0, 0.0),  # every denominator zero
    ("acme", "7001", "1702", "Dormant", D2, 0.0, 1000, 0, 0, 30.0),  # zero spend and clicks, some impressions
    ("beta", "9001", "1701", "Beta Launch", D1, 20.0, 2000, 10, 1, 5.0),
]
AD_REPORT_COLUMNS = {
    "tenant_id": "varchar", "advertiser_id": "varchar", "campaign_id": "varchar", "campaign_name": "varchar",
    "adgroup_id": "varchar", "adgroup_name": "varchar", "ad_id": "varchar", "ad_name": "varchar", "stat_time_day": "date", **METRICS, **VIDEO,
}
AD_REPORT = [
    # tenant, advertiser, campaign, ad group, ad, day, spend, impressions, clicks, conversion, value
    ("acme", "7001", "1701", "2701", "3701", D1, 60.0, 6000, 120, 6, 300.0),
    ("acme", "7001", "1701", "2701", "3702", D1, 40.0, 4000, 80, 4, 150.0),
    ("acme", "7001", "1701", "2701", "3701", D2, 50.5, 4000, 80, 4, 120.0),
    ("acme", "7001", "1701", "2701", "3702", D2, 0.0, 0, 0, 0, 0.0),
    ("beta", "9001", "1701", "2901", "3901", D1, 20.0, 2000, 10, 1, 5.0),
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
    # Shopify sends money as decimal strings; the source loads them as exact decimals.
    "total_price": "decimal(38, 9)",
    "subtotal_price": "decimal(38, 9)",
    "total_discounts": "decimal(38, 9)",
    "total_tax": "decimal(38, 9)",
    "total_shipping": "decimal(38, 9)",
    "total_refunded": "decimal(38, 9)",
    "financial_status": "varchar",
    "fulfillment_status": "varchar",
    "customer_id": "varchar",
    "source_name": "varchar",
    "landing_page_url": "varchar",
    "referrer_url": "varchar",
    "utm_source": "varchar",
    "utm_medium": "varchar",
    "utm_campaign": "varchar",
    "discount_codes": "varchar",
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
        "discount_codes": "SPRING10" if discounts else None,
        "test": test,
        "_dlt_id": f"order-{tenant}-{oid}",
    }


ORDERS = [
    _order("acme", "1001", datetime(2026, 11, 1, 10, 0, tzinfo=UTC), "USD", 90.0, 10.0, 8.0, 12.0, 0.0),
    # 23:30 in New York is 04:30 UTC on Nov 2: the shop (New York) counts it on 2026-11-01.
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
#: One shop per tenant: its time zone decides the order days (acme's 1002, 23:30 in New York,
#: is 04:30 UTC on Nov 2 but an order of Nov 1 on the shop's calendar).
SHOP_COLUMNS = {"tenant_id": "varchar", "id": "varchar", "name": "varchar", "currency_code": "varchar",
                "iana_timezone": "varchar", "_dlt_load_id": "varchar", "_dlt_id": "varchar"}
SHOPS = [
    {"tenant_id": "acme", "id": "gid://shopify/Shop/1", "name": "Acme", "currency_code": "USD", "iana_timezone": "America/New_York"},
    {"tenant_id": "beta", "id": "gid://shopify/Shop/2", "name": "Beta", "currency_code": "EUR", "iana_timezone": "Europe/Berlin"},
]
LINE_ITEMS_COLUMNS = {
    "tenant_id": "varchar", "id": "varchar", "order_id": "varchar", "title": "varchar", "quantity": "bigint",
    "sku": "varchar", "variant_id": "varchar", "product_id": "varchar", "unit_price": "double", "discounted_total": "double",
    "_dlt_root_id": "varchar", "_dlt_parent_id": "varchar", "_dlt_list_idx": "bigint", "_dlt_id": "varchar",
}
LINE_ITEMS = [
    {"tenant_id": "acme", "id": "li-1", "order_id": "1001", "title": "Shoe", "quantity": 2, "sku": "S1", "product_id": "p1",
     "unit_price": 50.0, "discounted_total": 90.0, "_dlt_root_id": "order-acme-1001", "_dlt_parent_id": "order-acme-1001", "_dlt_list_idx": 0},
    {"tenant_id": "acme", "id": "li-2", "order_id": "1002", "title": "Sock", "quantity": 4, "sku": "K1", "product_id": "p2",
     "unit_price": 10.0, "discounted_total": 40.0, "_dlt_root_id": "order-acme-1002", "_dlt_parent_id": "order-acme-1002", "_dlt_list_idx": 0},
    {"tenant_id": "beta", "id": "li-3", "order_id": "1001", "title": "Hat", "quantity": 1, "sku": "H1", "product_id": "p9",
     "unit_price": 25.0, "discounted_total": 25.0, "_dlt_root_id": "order-beta-1001", "_dlt_parent_id": "order-beta-1001", "_dlt_list_idx": 0},
]

PRODUCTS_COLUMNS = {"tenant_id": "varchar", "id": "varchar", "title": "varchar", "handle": "varchar", "vendor": "varchar",
                    "product_type": "varchar", "status": "varchar", "tags": "varchar", "created_at": "timestamptz",
                    "updated_at": "timestamptz", "published_at": "timestamptz", "_dlt_load_id": "varchar", "_dlt_id": "varchar"}
PRODUCTS = [
    {"tenant_id": "acme", "id": "p1", "title": "Shoe", "handle": "shoe", "vendor": "Acme", "product_type": "Shoes", "status": "ACTIVE",
     "tags": "", "created_at": datetime(2026, 1, 1, tzinfo=UTC), "updated_at": datetime(2026, 10, 1, tzinfo=UTC), "published_at": None},
    {"tenant_id": "acme", "id": "p2", "title": "Sock", "handle": "sock", "vendor": "Acme", "product_type": "Socks", "status": "DRAFT",
     "tags": "", "created_at": datetime(2026, 2, 1, tzinfo=UTC), "updated_at": datetime(2026, 10, 1, tzinfo=UTC), "published_at": None},
]
CUSTOMERS_COLUMNS = {"tenant_id": "varchar", "id": "varchar", "state": "varchar", "tags": "varchar", "number_of_orders": "bigint",
                     "amount_spent": "double", "amount_spent_currency": "varchar", "created_at": "timestamptz",
                     "updated_at": "timestamptz", "_dlt_load_id": "varchar", "_dlt_id": "varchar"}
CUSTOMERS = [
    {"tenant_id": "acme", "id": "c-1001", "state": "ENABLED", "tags": "", "number_of_orders": 2, "amount_spent": 140.0,
     "amount_spent_currency": "USD", "created_at": datetime(2026, 5, 1, tzinfo=UTC), "updated_at": datetime(2026, 11, 1, tzinfo=UTC)},
]

# -- ga4 -----------------------------------------------------------------------------------

TRAFFIC_COLUMNS = {
    "tenant_id": "varchar", "property_id": "varchar", "date": "date", "currency_code": "varchar", "session_source": "varchar",
    "session_medium": "varchar", "session_campaign_name": "varchar", "sessions": "bigint", "total_users": "bigint",
    "new_users": "bigint", "engaged_sessions": "bigint", "key_events": "double", "total_revenue": "double", "purchase_revenue": "double",
}
TRAFFIC = [
    # tenant, property, day, currency, source, medium, campaign, sessions, users, new, engaged, key events, revenue, purchase
    ("acme", "p-1", D1, "USD", "tiktok", "paid_social", "Spring Sale", 300, 250, 200, 150, 12.0, 410.0, 400.0),
    ("acme", "p-1", D1, "USD", "TikTok", "paid_social", "Spring Sale", 10, 9, 9, 5, 0.5, 20.0, 20.0),  # case folds into tiktok
    ("acme", "p-1", D1, "USD", "google", "organic", "(organic)", 500, 400, 100, 300, 8.0, 200.0, 180.0),
    ("acme", "p-1", D1, "USD", "(direct)", "(none)", "(direct)", 100, 90, 30, 60, 1.0, 50.0, 50.0),
    ("acme", "p-1", D2, "USD", "tiktok", "paid_social", "Spring Sale", 120, 100, 80, 70, 4.0, 100.0, 100.0),
    ("beta", "p-9", D1, "EUR", "newsletter", "email", "weekly", 40, 30, 5, 20, 0.0, 0.0, 0.0),
]


LANDING_COLUMNS = {
    "tenant_id": "varchar", "property_id": "varchar", "date": "date", "currency_code": "varchar", "landing_page": "varchar",
    "sessions": "bigint", "total_users": "bigint", "new_users": "bigint", "engaged_sessions": "bigint", "key_events": "double",
    "total_revenue": "double", "purchase_revenue": "double",
}
LANDING = [
    ("acme", "p-1", D1, "USD", "/", 600, 500, 200, 300, 9.0, 300.0, 280.0),
    ("acme", "p-1", D1, "USD", "/products/shoe", 310, 250, 139, 215, 12.5, 380.0, 370.0),
    ("acme", "p-1", D2, "USD", "/", 120, 100, 80, 70, 4.0, 100.0, 100.0),
]


# -- google_ads and facebook_ads (small: loaded where a test asks, e.g. the fakesnow run) -----

GOOGLE = {
    "google_ads_customers": (
        {"tenant_id": "varchar", "customer_id": "varchar", "descriptive_name": "varchar", "currency_code": "varchar", "time_zone": "varchar", "status": "varchar"},
        [("acme", "5501", "Acme Search", "USD", "America/New_York", "ENABLED")],
    ),
    "google_ads_campaigns": (
        {"tenant_id": "varchar", "customer_id": "varchar", "campaign_id": "varchar", "campaign_name": "varchar", "status": "varchar", "advertising_channel_type": "varchar"},
        [("acme", "5501", "5601", "Brand", "ENABLED", "SEARCH")],
    ),
    "google_ads_ad_groups": (
        {"tenant_id": "varchar", "customer_id": "varchar", "campaign_id": "varchar", "ad_group_id": "varchar", "ad_group_name": "varchar", "status": "varchar"},
        [("acme", "5501", "5601", "5701", "Brand exact", "ENABLED")],
    ),
    "google_ads_ads": (
        {"tenant_id": "varchar", "customer_id": "varchar", "campaign_id": "varchar", "ad_group_id": "varchar", "ad_id": "varchar", "ad_name": "varchar", "status": "varchar"},
        [("acme", "5501", "5601", "5701", "5801", "RSA 1", "ENABLED")],
    ),
}
_G_METRICS = {"tenant_id": "varchar", "customer_id": "varchar", "date": "date", "currency_code": "varchar", "cost_micros": "bigint",
              "impressions": "bigint", "clicks": "bigint", "conversions": "double", "conversions_value": "double"}
#: The metrics the unified view_through_conversions and video_views read (issue 12), last.
_G_MORE = {"view_through_conversions": "bigint", "video_trueview_views": "bigint"}
GOOGLE.update({
    "google_ads_campaign_daily": ({**_G_METRICS, "campaign_id": "varchar", "campaign_name": "varchar", **_G_MORE},
                                  [("acme", "5501", D1, "USD", 12_340_000, 900, 45, 2.5, 80.0, "5601", "Brand", 3, 0)]),
    "google_ads_ad_group_daily": ({**_G_METRICS, "campaign_id": "varchar", "ad_group_id": "varchar", "ad_group_name": "varchar", **_G_MORE},
                                  [("acme", "5501", D1, "USD", 12_340_000, 900, 45, 2.5, 80.0, "5601", "5701", "Brand exact", 3, 0)]),
    "google_ads_ad_daily": ({**_G_METRICS, "campaign_id": "varchar", "ad_group_id": "varchar", "ad_id": "varchar", **_G_MORE},
                            [("acme", "5501", D1, "USD", 12_340_000, 900, 45, 2.5, 80.0, "5601", "5701", "5801", 3, 0)]),
})
_F_METRICS = {"tenant_id": "varchar", "account_id": "varchar", "account_name": "varchar", "account_currency": "varchar", "date_start": "date",
              "spend": "double", "impressions": "bigint", "clicks": "bigint", "inline_link_clicks": "bigint", "conversions": "double", "conversion_value": "double",
              "conversions_1d_view": "double", "video_play_actions": "bigint"}
_F_ROW = ("beta", "8801", "Beta Social", "EUR", D1, 15.5, 3000, 70, 40, 3.0, 99.0, 1.0, 1200)
FACEBOOK = {
    "facebook_ads_ad_accounts": (
        {"tenant_id": "varchar", "account_id": "varchar", "id": "varchar", "name": "varchar", "currency": "varchar", "timezone_name": "varchar", "account_status": "bigint"},
        [("beta", "8801", "act_8801", "Beta Social", "EUR", "Europe/Berlin", 1)],
    ),
    "facebook_ads_campaigns": (
        {"tenant_id": "varchar", "id": "varchar", "account_id": "varchar", "name": "varchar", "objective": "varchar", "status": "varchar", "effective_status": "varchar"},
        [("beta", "8901", "8801", "Retarget", "OUTCOME_SALES", "ACTIVE", "ACTIVE")],
    ),
    "facebook_ads_ad_sets": (
        {"tenant_id": "varchar", "id": "varchar", "account_id": "varchar", "campaign_id": "varchar", "name": "varchar", "status": "varchar", "effective_status": "varchar"},
        [("beta", "8911", "8801", "8901", "Cart abandoners", "ACTIVE", "ACTIVE")],
    ),
    "facebook_ads_ads": (
        {"tenant_id": "varchar", "id": "varchar", "account_id": "varchar", "campaign_id": "varchar", "adset_id": "varchar", "name": "varchar", "status": "varchar", "effective_status": "varchar"},
        [("beta", "8921", "8801", "8901", "8911", "Reel", "ACTIVE", "PAUSED")],
    ),
    "facebook_ads_insights_account_daily": (_F_METRICS, [_F_ROW]),
    "facebook_ads_insights_campaign_daily": ({**_F_METRICS, "campaign_id": "varchar", "campaign_name": "varchar"}, [(*_F_ROW, "8901", "Retarget")]),
    "facebook_ads_insights_adset_daily": (
        {**_F_METRICS, "adset_id": "varchar", "adset_name": "varchar", "campaign_id": "varchar", "campaign_name": "varchar"},
        [(*_F_ROW, "8911", "Cart abandoners", "8901", "Retarget")],
    ),
    "facebook_ads_insights_ad_daily": (
        {**_F_METRICS, "ad_id": "varchar", "ad_name": "varchar", "adset_id": "varchar", "adset_name": "varchar", "campaign_id": "varchar", "campaign_name": "varchar"},
        [(*_F_ROW, "8921", "Reel", "8911", "Cart abandoners", "8901", "Retarget")],
    ),
}


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
    insert_rows(execute, dialect, name, columns, rows)


def insert_rows(execute: Callable[[str], Any], dialect: str, name: str, columns: dict[str, str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    bookkeeping = {"_dlt_load_id": lambda i: "1700000000.0", "_dlt_id": lambda i: f"{name}-{i}"}
    def value(row: dict[str, Any], col: str, i: int) -> Any:
        if row.get(col) is None and col in bookkeeping:
            return bookkeeping[col](i)
        return row.get(col)

    values = [exp.tuple_(*[exp.convert(value(row, col, i)) for col in columns]) for i, row in enumerate(rows)]
    insert = exp.insert(exp.values(values), _table(name), columns=list(columns))
    execute(insert.sql(dialect=dialect))


def shifted(rows: list[Any], days: int) -> list[Any]:
    """The rows with every date and datetime moved by `days` (tuples or dicts)."""
    def move(value: Any) -> Any:
        return value + timedelta(days=days) if isinstance(value, (date, datetime)) else value

    return [
        {k: move(v) for k, v in row.items()} if isinstance(row, dict) else tuple(move(v) for v in row)
        for row in rows
    ]


def as_dicts(columns: dict[str, str], rows: list[tuple]) -> list[dict[str, Any]]:
    names = [c for c in columns if not c.startswith("_dlt")]
    return [dict(zip(names, r)) for r in rows]


def ad_group_report(ad_rows: list[tuple]) -> list[tuple]:
    """The ad-group-level report: the ad rows summed per ad group and day (as TikTok reports it)."""
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0, 0, 0, 0.0])
    for tenant, adv, camp, group, _ad, day, *metrics in ad_rows:
        acc = sums[(tenant, adv, camp, group, day)]
        for i, v in enumerate(metrics):
            acc[i] += v
    return [(*key, *values) for key, values in sums.items()]


def advertiser_report(report_rows: list[tuple]) -> list[tuple]:
    """The account-level report: campaign rows summed per advertiser and day."""
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0, 0, 0, 0.0])
    for tenant, adv, _camp, _name, day, *metrics in report_rows:
        acc = sums[(tenant, adv, day)]
        for i, v in enumerate(metrics):
            acc[i] += v
    return [(*key, *values) for key, values in sums.items()]


def load_raw(
    execute: Callable[[str], Any],
    dialect: str = "duckdb",
    *,
    tiktok: bool = True,
    shopify: bool = True,
    ga4: bool = True,
    google: bool = False,
    facebook: bool = False,
    report_rows: list[tuple] | None = None,
    ad_rows: list[tuple] | None = None,
    days_offset: int = 0,
) -> None:
    """Create ``raw`` and the source tables asked for, with the rows above.

    `days_offset` moves every date (for tests that need "fresh" data as of today).
    """
    execute(exp.Create(this=exp.table_("raw"), kind="SCHEMA", exists=True).sql(dialect=dialect))
    move = lambda rows: shifted(rows, days_offset)  # noqa: E731
    if tiktok:
        report = move(report_rows if report_rows is not None else REPORT)
        ads = move(ad_rows if ad_rows is not None else AD_REPORT)
        names = {(t, c): n for t, c, _a, n, _o, _s in CAMPAIGNS}
        group_names = {(t, g): n for t, g, _a, _c, n, _s in AD_GROUPS}
        ad_names = {(t, a): n for t, a, _adv, _c, _g, n, _s in ADS}
        create_table(execute, dialect, "tiktok_ads_advertisers", {**ADVERTISERS_COLUMNS, "_dlt_load_id": "varchar", "_dlt_id": "varchar"}, as_dicts(ADVERTISERS_COLUMNS, ADVERTISERS))
        create_table(execute, dialect, "tiktok_ads_campaigns", {**CAMPAIGNS_COLUMNS, "_dlt_load_id": "varchar", "_dlt_id": "varchar"}, as_dicts(CAMPAIGNS_COLUMNS, CAMPAIGNS))
        create_table(execute, dialect, "tiktok_ads_ad_groups", {**AD_GROUPS_COLUMNS, "_dlt_load_id": "varchar", "_dlt_id": "varchar"}, as_dicts(AD_GROUPS_COLUMNS, AD_GROUPS))
        create_table(execute, dialect, "tiktok_ads_ads", {**ADS_COLUMNS, "_dlt_load_id": "varchar", "_dlt_id": "varchar"}, as_dicts(ADS_COLUMNS, ADS))
        create_table(execute, dialect, "tiktok_ads_report_campaign_daily", REPORT_COLUMNS, as_dicts(REPORT_COLUMNS, report))
        account_columns = {k: v for k, v in REPORT_COLUMNS.items() if k not in ("campaign_id", "campaign_name")}
        create_table(execute, dialect, "tiktok_ads_report_advertiser_daily", account_columns, as_dicts(account_columns, advertiser_report(report)))
        group_columns = {k: v for k, v in AD_REPORT_COLUMNS.items() if k not in ("ad_id", "ad_name")}
        group_rows = [
            {**dict(zip(["tenant_id", "advertiser_id", "campaign_id", "adgroup_id", "stat_time_day", *METRICS], r)),
             "campaign_name": names.get((r[0], r[2])), "adgroup_name": group_names.get((r[0], r[3]))}
            for r in ad_group_report(ads)
        ]
        create_table(execute, dialect, "tiktok_ads_report_adgroup_daily", group_columns, group_rows)
        ad_dicts = [
            {**dict(zip(["tenant_id", "advertiser_id", "campaign_id", "adgroup_id", "ad_id", "stat_time_day", *METRICS], r)),
             "campaign_name": names.get((r[0], r[2])), "adgroup_name": group_names.get((r[0], r[3])), "ad_name": ad_names.get((r[0], r[4]))}
            for r in ads
        ]
        create_table(execute, dialect, "tiktok_ads_report_ad_daily", AD_REPORT_COLUMNS, ad_dicts)
    if shopify:
        create_table(execute, dialect, "shopify_orders", ORDERS_COLUMNS, move(ORDERS))
        create_table(execute, dialect, "shopify_orders__line_items", LINE_ITEMS_COLUMNS, LINE_ITEMS)
        create_table(execute, dialect, "shopify_shop", SHOP_COLUMNS, SHOPS)
        create_table(execute, dialect, "shopify_products", PRODUCTS_COLUMNS, PRODUCTS)
        create_table(execute, dialect, "shopify_customers", CUSTOMERS_COLUMNS, CUSTOMERS)
    for wanted, tables in ((google, GOOGLE), (facebook, FACEBOOK)):
        for name, (columns, rows) in (tables.items() if wanted else ()):
            create_table(execute, dialect, name, columns, as_dicts(columns, move(rows)))
    if ga4:
        create_table(execute, dialect, "ga4_traffic_daily", TRAFFIC_COLUMNS, as_dicts(TRAFFIC_COLUMNS, move(TRAFFIC)))
        create_table(execute, dialect, "ga4_landing_pages_daily", LANDING_COLUMNS, as_dicts(LANDING_COLUMNS, move(LANDING)))


# -- expectations (plain Python over the rows above) ----------------------------------------


def ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def expected_campaign_summary(report_rows: list[tuple] | None = None) -> dict[tuple, dict[str, Any]]:
    """Key (tenant, day, platform, account, campaign) -> metrics, as the recipes must compute them."""
    accounts = {(t, a): (n, cur) for t, a, n, cur, _tz, _s in ADVERTISERS}
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0, 0, 0.0, 0.0])
    names: dict[tuple, str] = {}
    for tenant, adv, camp, name, day, spend, imp, clicks, conv, value in report_rows or REPORT:
        key = (tenant, day, "tiktok_ads", adv, camp)
        names[key] = name
        acc = sums[key]
        for i, v in enumerate((spend, imp, clicks, conv, value)):
            acc[i] += v
    out = {}
    for key, (spend, imp, clicks, conv, value) in sums.items():
        tenant, _day, _p, adv, _camp = key
        account_name, currency = accounts[(tenant, adv)]
        out[key] = {
            "account_name": account_name,
            "campaign_name": names[key],
            "currency": currency,
            "spend": spend,
            "impressions": imp,
            "clicks": clicks,
            "conversions": conv,
            "revenue": value,
            "roas": ratio(value, spend),
            "ctr": ratio(clicks, imp),
            "cpc": ratio(spend, clicks),
            "cpm": ratio(spend * 1000, imp),
            "conversion_rate": ratio(conv, clicks),
        }
    return out


def expected_shopify_revenue(orders: list[dict[str, Any]] | None = None) -> dict[tuple, dict[str, Any]]:
    """Key (tenant, the shop's day, currency) -> revenue, test and cancelled orders left out."""
    from zoneinfo import ZoneInfo

    zones = {shop["tenant_id"]: ZoneInfo(shop["iana_timezone"]) for shop in SHOPS}
    out: dict[tuple, dict[str, Any]] = {}
    for o in orders or ORDERS:
        if o["test"] or o["cancelled_at"] is not None:
            continue
        day = o["created_at"].astimezone(zones[o["tenant_id"]]).date()
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


def rows_as_dicts(execute: Callable[[str], Any], dialect: str, table: str, columns: list[str], order_by: list[str], schema: str = "analytics") -> list[dict[str, Any]]:
    """Read `columns` of <schema>.`table` as dicts with lower-case keys."""
    query = exp.select(*columns).from_(exp.table_(table, db=schema)).order_by(*order_by)
    return [dict(zip(columns, row)) for row in execute(query.sql(dialect=dialect))]
