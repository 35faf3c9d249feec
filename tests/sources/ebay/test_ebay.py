"""The declared ebay source: documented bodies, Amount objects, the UTC day, refunds, the filter window, errors.

Expected values come from the documented bodies (cassettes/ebay/), never from the connector's code.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.spec import Window
from bosco_connectors.sources.ebay import API, LastModified, connector

from ..replayed import build_facts, documented, edited, query, sync

WINDOW = ("filter",)


def records(stream: str) -> list[dict]:
    fixtures = documented(connector)
    return [r for e in fixtures.data(stream) for r in fixtures.body(e)["orders"]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ebay")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders", "order_lines")
    return tmp


def test_orders_amounts_load_as_exact_decimals(loaded):
    facts = {r[0]: r[1:] for r in query(loaded, "select order_id, gross, discounts, shipping, tax, total, refunds, currency, "
                                                "store_id, store_name from analytics.fct_orders")}
    orders = records("orders")
    assert len(facts) == len(orders) == 3
    for o in orders:
        p = o["pricingSummary"]
        refunded = sum((Decimal(r["amount"]["value"]) for r in o["paymentSummary"]["refunds"]), Decimal(0))
        assert facts[o["orderId"]] == (
            Decimal(p["priceSubtotal"]["value"]), -Decimal(p["priceDiscount"]["value"]) if "priceDiscount" in p else None,
            Decimal(p["deliveryCost"]["value"]), Decimal(p["tax"]["value"]) if "tax" in p else None, Decimal(p["total"]["value"]),
            refunded, "USD", "bluewheel_pottery", "bluewheel_pottery")
    # by hand: 74.00 of items, a 5.60 promotion (sent as -5.6), 6.95 delivery, 4.82 tax: 80.17
    assert facts["12-09876-54321"][:5] == (Decimal("74"), Decimal("5.6"), Decimal("6.95"), Decimal("4.82"), Decimal("80.17"))


def test_no_buyer_contact_or_address_is_loaded(loaded):
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name like 'ebay_%'")}
    assert {"order_id", "buyer_username", "price_subtotal"} <= columns
    assert not [c for c in columns if any(w in c for w in ("address", "email", "phone", "full_name", "ship_to", "checkout_notes"))]


def test_the_day_is_the_utc_day_of_creation_date(loaded):
    """12-09876-54388: created at 23:40 UTC on Nov 1."""
    assert next(o for o in records("orders") if o["orderId"] == "12-09876-54388")["creationDate"] == "2026-11-01T23:40:00.000Z"
    assert query(loaded, "select order_date from analytics.fct_orders where order_id = '12-09876-54388'") == [(date(2026, 11, 1),)]
    assert query(loaded, "select is_cancelled, status from analytics.fct_orders where order_id = '12-09876-54412'") == [
        (True, "FULLY_REFUNDED")]


def test_line_items_carry_their_order_and_tax_breakdown(loaded):
    lines = {(o["orderId"], li["lineItemId"]): li for o in records("order_line_items") for li in o["lineItems"]}
    rows = {(r[0], r[1]): r[2:] for r in query(loaded, "select order_id, line_id, quantity, price, discounts, currency, product_id "
                                                       "from analytics.fct_order_lines")}
    assert set(rows) == set(lines) and len(rows) == 4
    for key, li in lines.items():
        cost = Decimal(li["lineItemCost"]["value"])
        discounted = Decimal(li["discountedLineItemCost"]["value"]) if "discountedLineItemCost" in li else cost
        assert rows[key] == (float(li["quantity"]), cost / li["quantity"], cost - discounted, "USD", li["legacyItemId"])
    assert rows[("12-09876-54321", "10061234567801")][1:3] == (Decimal("28"), Decimal("5.6"))
    # an undeclared list is JSON text in its row (an Arrow stream), not a child table
    assert query(loaded, "select sum(json_array_length(taxes)) from raw.ebay_order_line_items") == [(2,)]


def test_a_refund_on_a_later_sync_updates_the_orders_row(tmp_path):
    sync(connector, documented(connector), tmp_path)

    def refund_first(bodies):
        order = bodies["orders.page1.json"]["orders"][0]
        assert order["orderId"] == "12-09876-54321"
        order["paymentSummary"]["refunds"] = [{"refundId": "5000012500", "refundDate": "2026-11-02T20:00:00.000Z",
                                               "amount": {"value": "80.17", "currency": "USD"}, "refundStatus": "REFUNDED"}]
        order["orderPaymentStatus"], order["lastModifiedDate"] = "FULLY_REFUNDED", "2026-11-02T20:00:05.000Z"

    sync(connector, edited(connector, tmp_path, refund_first, unpinned=WINDOW), tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.ebay_orders") == [(3,)]
    assert query(tmp_path, "select refunds, status from analytics.fct_orders where order_id = '12-09876-54321'") == [
        (Decimal("80.17"), "FULLY_REFUNDED")]


def test_the_window_is_written_as_the_documented_filter_and_read_back():
    window = LastModified()
    start, end = datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 2, 8, 25, 43, 511000, tzinfo=timezone.utc)
    sent = window.render(Window(start, end))
    # the reference's form: lastmodifieddate:[2016-05-15T08:25:43.511Z..2016-05-31T08:25:43.511Z]
    assert sent == {"filter": "lastmodifieddate:[2026-11-01T00:00:00.000Z..2026-11-02T08:25:43.511Z]"}
    assert window.parse(sent) == (start, end)
    assert window.render(Window(start, None)) == {"filter": "lastmodifieddate:[2026-11-01T00:00:00.000Z..]"}


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"errors": [{"errorId": 1001, "domain": "OAuth", "category": "REQUEST", "message": "Invalid access token"}]}, AuthError),
    (403, {"errors": [{"errorId": 1100, "domain": "ACCESS", "category": "REQUEST", "message": "Access denied"}]}, AuthError),
    (429, {"errors": [{"errorId": 2001, "domain": "ACCESS", "category": "REQUEST", "message": "Too many requests"}]}, RetryableApiError),
    (500, {"errors": [{"errorId": 30500, "domain": "API_FULFILLMENT", "category": "APPLICATION", "message": "System error"}]},
     RetryableApiError),
])
def test_error_map(status, body, kind):
    request = httpx.Request("GET", "https://api.ebay.com/sell/fulfillment/v1/order")
    assert isinstance(API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body), kind)


def test_a_bad_filter_fails_without_retry():
    request = httpx.Request("GET", "https://api.ebay.com/sell/fulfillment/v1/order")
    body = {"errors": [{"errorId": 30810, "domain": "API_FULFILLMENT", "category": "REQUEST", "message": "Invalid date format"}]}
    error = API.errors.policy().for_status(httpx.Response(400, json=body, request=request), body)
    assert error is not None and not isinstance(error, (RetryableApiError, AuthError))
