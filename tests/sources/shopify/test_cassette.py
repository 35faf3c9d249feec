"""Replay a recorded full Shopify sync into DuckDB, offline.

Record with ``BOSCO_RECORD=1`` (the fake Shopify API serves the shop and the cassette is
rewritten to https://bosco-demo.myshopify.com); without it the cassette is replayed with
no server and no network. Expectations come from the fake shop's own records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

import orjson
import pytest
import yaml

from bosco_connectors.framework.redaction import REDACTED
from bosco_connectors.sandbox.shopify import ACCESS_TOKEN, ShopifyApp
from bosco_connectors.sources.shopify import connector, source
from bosco_connectors.testing.cassettes import cassette_dir, find_secrets, use_cassette

from .conftest import (
    END,
    ORDER_COLUMNS,
    cents,
    columns,
    expected_customers,
    expected_orders,
    expected_products,
    make_pipeline,
    query,
)

#: 12 days of a small shop: ~70 orders, so the orders stream needs several pages of 15.
WORLD = dict(seed=7, size="small", end_date=END, days=12)


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("shopify_cassette")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
        mp.setenv("DLT_PROJECT_DIR", str(tmp_path))
        mp.chdir(tmp_path)
        with use_cassette(connector, "full_sync", **WORLD) as replay:
            make_pipeline(tmp_path).run(source(**replay.config, tenant_id="t1"), loader_file_format="parquet")
            recorded = [(r.method, r.uri, orjson.loads(r.body) if r.body else None) for r in replay.cassette.requests]
            if not replay.recording:
                assert replay.cassette.all_played, "every recorded request must be asked for again"
    return tmp_path, ShopifyApp(**WORLD).shop, recorded


def test_counts_match_the_shop(synced):
    tmp_path, shop, _ = synced
    orders = expected_orders(shop)
    assert len(orders) == len(shop.orders)  # the window covers every order of the shop
    assert query(tmp_path, "select count(*), count(distinct id) from raw.shopify_orders") == [(len(orders), len(orders))]
    assert query(tmp_path, "select count(*) from raw.shopify_orders__line_items") == [
        (sum(len(o.line_items) for o in orders),)
    ]
    products, customers = expected_products(shop), expected_customers(shop)
    assert 0 < len(products) < len(shop.products), "the updated_at filter must leave some products out"
    assert sorted(r[0] for r in query(tmp_path, "select id from raw.shopify_products")) == sorted(p.id for p in products)
    assert sorted(r[0] for r in query(tmp_path, "select id from raw.shopify_customers")) == sorted(c.id for c in customers)
    assert query(tmp_path, "select distinct tenant_id from raw.shopify_orders") == [("t1",)]


def test_revenue_sums_match_the_shop(synced):
    tmp_path, shop, _ = synced
    orders = expected_orders(shop)
    (total, refunded, tax, shipping, discounts), = query(
        tmp_path,
        "select sum(total_price), sum(total_refunded), sum(total_tax), sum(total_shipping), sum(total_discounts) "
        "from raw.shopify_orders",
    )
    assert cents(total) == sum(o.total for o in orders)
    assert cents(refunded) == sum(o.refunded for o in orders)
    assert cents(tax) == sum(o.tax for o in orders)
    assert cents(shipping) == sum(o.shipping for o in orders)
    assert cents(discounts) == sum(o.discounts for o in orders)
    net = query(tmp_path, "select sum(total_price - total_refunded) from raw.shopify_orders where not test")[0][0]
    assert cents(net) == sum(o.total - o.refunded for o in orders if not o.test)
    assert query(tmp_path, "select distinct currency_code from raw.shopify_orders") == [(shop.currency,)]


def test_line_items_match_each_order(synced):
    tmp_path, shop, recorded = synced
    rows = query(tmp_path, "select order_id, count(*), sum(discounted_total), sum(quantity) from raw.shopify_orders__line_items group by 1")
    loaded = {oid: (n, cents(value), qty) for oid, n, value, qty in rows}
    expected = {o.id: (len(o.line_items), o.subtotal, sum(li.quantity for li in o.line_items)) for o in shop.orders}
    assert loaded == expected
    # Orders with more line items than the page holds were completed by a follow-up query.
    assert any(len(o.line_items) > 5 for o in shop.orders)
    assert any(body and body["query"].startswith("query OrderLineItems") for _, _, body in recorded)


def test_attribution_columns_follow_the_session(synced):
    tmp_path, shop, _ = synced
    revenue: dict[str | None, Decimal] = defaultdict(Decimal)
    campaigns = Counter()
    for o in shop.orders:
        visit = o.last_visit or o.first_visit
        source = visit.utm["source"] if visit and visit.utm else None
        revenue[source] += o.total
        if visit and visit.utm:
            campaigns[(visit.utm["source"], visit.utm["campaign"])] += 1
    loaded = {s: cents(v) for s, v in query(tmp_path, "select utm_source, sum(total_price) from raw.shopify_orders group by 1")}
    assert loaded == dict(revenue)
    assert set(revenue) >= {"tiktok", "facebook", "google", None}
    assert Counter({(s, c): n for s, c, n in query(
        tmp_path, "select utm_source, utm_campaign, count(*) from raw.shopify_orders where utm_source is not null group by 1, 2"
    )}) == campaigns
    landing = query(tmp_path, "select landing_page_url from raw.shopify_orders where utm_source = 'tiktok' limit 1")[0][0]
    assert landing.startswith("https://bosco-demo.myshopify.com/products/") and "utm_source=tiktok" in landing


def test_raw_columns(synced):
    tmp_path, _, _ = synced
    assert set(ORDER_COLUMNS) <= set(columns(tmp_path, "shopify_orders"))
    assert {"id", "order_id", "title", "quantity", "sku", "variant_id", "product_id", "unit_price",
            "discounted_total", "_dlt_root_id"} <= set(columns(tmp_path, "shopify_orders__line_items"))
    assert {"id", "title", "handle", "vendor", "product_type", "status", "created_at", "updated_at"} <= set(
        columns(tmp_path, "shopify_products"))
    customer_columns = set(columns(tmp_path, "shopify_customers"))
    assert {"id", "created_at", "updated_at", "number_of_orders", "amount_spent", "state", "tags"} <= customer_columns
    assert not {"email", "phone", "first_name", "last_name"} & customer_columns


def test_cassette_pages_and_stays_on_shopify(synced):
    _, _, recorded = synced
    orders_pages = [body for _, _, body in recorded if body and body["query"].startswith("query Orders(")]
    assert len(orders_pages) >= 2
    assert orders_pages[0]["variables"]["cursor"] is None and orders_pages[1]["variables"]["cursor"]
    assert orders_pages[0]["variables"]["query"] == "updated_at:>='2026-11-09T00:00:00Z' AND updated_at:<='2026-11-20T23:59:59Z'"
    assert {uri for _, uri, _ in recorded} == {"https://bosco-demo.myshopify.com/admin/api/2026-10/graphql.json"}


def test_no_secret_in_the_cassette(synced):
    text = (cassette_dir() / "shopify" / "full_sync.yaml").read_text()
    assert find_secrets(text, [ACCESS_TOKEN]) == []
    interactions = yaml.safe_load(text)["interactions"]
    tokens = [
        value for i in interactions for name, value in i["request"]["headers"].items() if name.lower() == "x-shopify-access-token"
    ]
    assert len(tokens) == len(interactions) and all(value == [REDACTED] for value in tokens)
