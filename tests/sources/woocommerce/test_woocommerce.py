"""The declared woocommerce source: documented bodies, the site's day, refunds, errors.

Expected values come from the documented bodies (cassettes/woocommerce/), never from the
connector's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.sources.woocommerce import API, connector

from ..replayed import build_facts, documented, edited, query, sync

WINDOW = ("modified_after",)


def records(stream: str) -> list[dict]:
    fixtures = documented(connector)
    return [r for e in fixtures.data(stream) for r in fixtures.body(e)]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("woocommerce")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders", "order_lines")
    return tmp


def test_orders_load_money_text_as_exact_decimals_and_no_address(loaded):
    rows = {r[0]: r[1:] for r in query(loaded, "select id, total, total_tax, shipping_total, discount_total, currency "
                                               "from raw.woocommerce_orders")}
    orders = records("orders")
    assert len(rows) == len(orders) == 3
    for o in orders:
        assert rows[str(o["id"])] == (Decimal(o["total"]), Decimal(o["total_tax"]), Decimal(o["shipping_total"]),
                                      Decimal(o["discount_total"]), o["currency"])
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name = 'woocommerce_orders'")}
    assert not [c for c in columns if c.startswith(("billing", "shipping__", "customer_ip"))]


def test_the_orders_day_is_the_sites_day_not_gmts(loaded):
    """Order 728: 22:30 on Nov 1 in the site's time zone, 03:30 on Nov 2 GMT."""
    order = next(o for o in records("orders") if o["id"] == 728)
    assert (order["date_created"][:10], order["date_created_gmt"][:10]) == ("2026-11-01", "2026-11-02")
    assert query(loaded, "select order_date from analytics.fct_orders where order_id = '728'") == [(date(2026, 11, 1),)]
    assert query(loaded, "select distinct order_date from analytics.fct_order_lines where order_id = '728'") == [(date(2026, 11, 1),)]


def test_refunds_coupons_and_gross(loaded):
    facts = {r[0]: r[1:] for r in query(loaded, "select order_id, gross, discounts, refunds, total, discount_codes, is_cancelled "
                                                "from analytics.fct_orders")}
    # 727 (the documented example): 29.35 - 1.35 tax - 10.00 shipping = 18.00, its two lines' subtotals (6.00 + 12.00)
    assert facts["727"] == (Decimal("18"), Decimal("0"), Decimal("0"), Decimal("29.35"), None, False)
    # 728: 40.00 of items, 4.00 off with coupon fall10, one refund written "-10.00"
    assert facts["728"] == (Decimal("40"), Decimal("4"), Decimal("10"), Decimal("36"), "fall10", False)
    assert facts["729"][-1] is True


def test_lines_carry_their_order(loaded):
    lines = {(str(o["id"]), str(line["id"])): line for o in records("order_lines") for line in o["line_items"]}
    rows = {(r[0], r[1]): r[2:] for r in query(loaded, "select order_id, line_id, quantity, price, discounts, currency, product_id "
                                                       "from analytics.fct_order_lines")}
    assert set(rows) == set(lines) and len(rows) == 4
    for key, line in lines.items():
        assert rows[key] == (float(line["quantity"]), Decimal(str(line["price"])),
                             Decimal(line["subtotal"]) - Decimal(line["total"]), "USD", str(line["product_id"]))


def test_customers_keep_no_personal_data(loaded):
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name = 'woocommerce_customers'")}
    assert {"id", "role", "is_paying_customer"} <= columns
    assert not [c for c in columns if c.startswith(("email", "first_name", "last_name", "username", "billing", "shipping", "avatar"))]


def test_a_refund_on_a_later_sync_updates_the_orders_row(tmp_path):
    sync(connector, documented(connector), tmp_path)

    def refund_727(bodies):
        order = bodies["orders.page1.json"][0]
        assert order["id"] == 727
        order["refunds"] = [{"id": 731, "reason": "", "total": "-29.35"}]
        order["status"], order["date_modified_gmt"] = "refunded", "2026-11-02T20:00:00"

    sync(connector, edited(connector, tmp_path, refund_727, unpinned=WINDOW), tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.woocommerce_orders") == [(3,)]
    assert query(tmp_path, "select refunds, status from analytics.fct_orders where order_id = '727'") == [(Decimal("29.35"), "refunded")]
    assert query(tmp_path, "select count(*) from analytics.fct_orders") == [(3,)]


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.", "data": {"status": 401}}, AuthError),
    (401, {"code": "woocommerce_rest_authentication_error", "message": "Invalid signature - provided signature does not match.",
           "data": {"status": 401}}, AuthError),
    (200, {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.", "data": {"status": 401}}, AuthError),
    (500, {"code": "internal_server_error", "message": "There has been a critical error on this website.", "data": {"status": 500}},
     RetryableApiError),
])
def test_error_map(status, body, kind):
    request = httpx.Request("GET", "https://shop.example.com/wp-json/wc/v3/orders")
    assert isinstance(API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body), kind)
