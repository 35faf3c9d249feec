"""The declared amazon_seller source: documented bodies, proceeds by category, the UTC day,
a cancellation on a later sync, the LWA token header, errors.

Expected values come from the documented bodies (cassettes/amazon_seller/) or are worked out
by hand from them, never from the connector's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
from pydantic import SecretStr

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.sources.amazon_seller import API, AmazonSellerConfig, connector

from ..replayed import build_facts, documented, edited, query, sync

WINDOW = ("lastUpdatedAfter",)


def records(stream: str) -> list[dict]:
    fixtures = documented(connector)
    return [r for e in fixtures.data(stream) for r in fixtures.body(e)["orders"]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("amazon_seller")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders", "order_lines")
    return tmp


def test_proceeds_by_category_load_as_exact_decimals(loaded):
    facts = {r[0]: r[1:] for r in query(loaded, "select order_id, gross, discounts, shipping, tax, total, refunds, currency, "
                                                "store_id, store_name from analytics.fct_orders")}
    orders = records("orders")
    assert len(facts) == len(orders) == 3
    for o in orders:
        by_type = {b["type"]: Decimal(b["subtotal"]["amount"]) for b in o["proceeds"]["breakdowns"]}
        assert facts[o["orderId"]][0] == by_type["ITEM"] and facts[o["orderId"]][4] == Decimal(o["proceeds"]["grandTotal"]["amount"])
    # by hand: items 74.00, shipping 5.95, tax 5.92, a 5.60 discount written -5.60: 80.27; refunds not reported
    assert facts["113-0000001-0000001"] == (Decimal("74"), Decimal("5.6"), Decimal("5.95"), Decimal("5.92"), Decimal("80.27"),
                                            None, "USD", "ATVPDKIKX0DER", "Amazon.com")


def test_the_day_is_the_utc_day_and_a_cancelled_order_says_so(loaded):
    assert next(o for o in records("orders") if o["orderId"] == "113-0000002-0000002")["createdTime"] == "2026-11-01T23:40:00Z"
    assert query(loaded, "select order_date from analytics.fct_orders where order_id = '113-0000002-0000002'") == [(date(2026, 11, 1),)]
    assert query(loaded, "select is_cancelled, status from analytics.fct_orders where order_id = '113-0000003-0000003'") == [
        (True, "CANCELLED")]


def test_items_carry_asin_sku_unit_price_and_discount(loaded):
    items = {(o["orderId"], i["orderItemId"]): i for o in records("order_items") for i in o["orderItems"]}
    rows = {(r[0], r[1]): r[2:] for r in query(loaded, "select order_id, line_id, product_id, sku, quantity, price, discounts "
                                                       "from analytics.fct_order_lines")}
    assert set(rows) == set(items) and len(rows) == 4
    for key, i in items.items():
        discount = sum((-Decimal(b["subtotal"]["amount"]) for b in i["proceeds"]["breakdowns"] if b["type"] == "DISCOUNT"), Decimal(0))
        assert rows[key][:5] == (i["product"]["asin"], i["product"]["sellerSku"], float(i["quantityOrdered"]),
                                 Decimal(i["product"]["price"]["unitPrice"]["amount"]), discount if discount else None)


def test_no_buyer_or_recipient_data_is_asked_for_or_loaded(loaded):
    stream = next(s for s in connector.streams if s.name == "orders")
    assert "BUYER" not in stream.params["includedData"] and "RECIPIENT" not in stream.params["includedData"]
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name like 'amazon_seller_%'")}
    assert not [c for c in columns if any(w in c for w in ("buyer", "recipient", "address", "email", "phone"))]


def test_a_cancellation_on_a_later_sync_updates_the_orders_row(tmp_path):
    sync(connector, documented(connector), tmp_path)

    def cancel_first(bodies):
        order = bodies["orders.page1.json"]["orders"][0]
        assert order["orderId"] == "113-0000001-0000001"
        order["fulfillment"]["fulfillmentStatus"], order["lastUpdatedTime"] = "CANCELLED", "2026-11-02T20:00:00Z"

    sync(connector, edited(connector, tmp_path, cancel_first, unpinned=WINDOW), tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.amazon_seller_orders") == [(3,)]
    assert query(tmp_path, "select is_cancelled from analytics.fct_orders where order_id = '113-0000001-0000001'") == [(True,)]


def test_the_lwa_token_goes_in_x_amz_access_token():
    def token_endpoint(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "Atza|abc", "token_type": "bearer", "expires_in": 3600})

    flow = API.auth.build(SimpleNamespace(client_id="cid", client_secret=SecretStr("s"), refresh_token=SecretStr("Atzr|r"), token_url=None))
    flow._transport = httpx.MockTransport(token_endpoint)
    seen: list[httpx.Request] = []
    with httpx.Client(transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200, json={})), auth=flow) as client:
        client.get("https://sellingpartnerapi-na.amazon.com/orders/2026-01-01/orders")
    assert seen[0].headers["x-amz-access-token"] == "Atza|abc" and "Authorization" not in seen[0].headers


def test_the_region_picks_the_host():
    config = dict(client_id="c", client_secret="s", refresh_token="r", marketplace_ids=["A1PA6795UKMFR9"], start_date="2026-11-01")
    assert AmazonSellerConfig(**config, region="EU").base_url == "https://sellingpartnerapi-eu.amazon.com/"
    assert AmazonSellerConfig(**config).base_url == "https://sellingpartnerapi-na.amazon.com/"


@pytest.mark.parametrize(("status", "code", "kind"), [
    (403, "Unauthorized", AuthError), (429, "QuotaExceeded", RetryableApiError), (500, "InternalFailure", RetryableApiError),
    (503, "ServiceUnavailable", RetryableApiError),
])
def test_error_map(status, code, kind):
    body = {"errors": [{"code": code, "message": "m", "details": ""}]}
    request = httpx.Request("GET", "https://sellingpartnerapi-na.amazon.com/orders/2026-01-01/orders")
    assert isinstance(API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body), kind)


def test_invalid_input_fails_without_retry():
    body = {"errors": [{"code": "InvalidInput", "message": "Invalid Input", "details": ""}]}
    request = httpx.Request("GET", "https://sellingpartnerapi-na.amazon.com/orders/2026-01-01/orders")
    error = API.errors.policy().for_status(httpx.Response(400, json=body, request=request), body)
    assert error is not None and not isinstance(error, (AuthError, RetryableApiError))
