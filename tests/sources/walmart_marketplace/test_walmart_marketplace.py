"""The declared walmart_marketplace source: amounts summed from documented charges, refunds, the
UTC day, the cursor page, the gateway's headers and errors.

Expected values come from the documented bodies (cassettes/walmart_marketplace/) or are worked
out by hand from them, never from the connector's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
from pydantic import SecretStr

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.sources.walmart_marketplace import API, NextCursor, WalmartToken, connector

from ..replayed import build_facts, documented, edited, query, sync

WINDOW = ("lastModifiedStartDate",)


def records(stream: str) -> list[dict]:
    fixtures = documented(connector)
    return [r for e in fixtures.data(stream) for r in fixtures.body(e)["list"]["elements"]["order"]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("walmart")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders", "order_lines")
    return tmp


def test_orders_sum_their_lines_charges_taxes_and_refunds(loaded):
    facts = {r[0]: r[1:] for r in query(loaded, "select order_id, gross, shipping, tax, refunds, total, currency, store_id, order_number "
                                                "from analytics.fct_orders")}
    assert len(facts) == len(records("orders")) == 3
    # by hand from the bodies: two lines of 28.00 (tax 2.24 each) and one 5.95 shipping charge
    assert facts["1796277083022"] == (Decimal("56"), Decimal("5.95"), Decimal("4.48"), Decimal("0"), Decimal("66.43"), "USD",
                                      "10000012345", "5281956426648")
    # a 45.00 line (tax 3.60), refunded -15.00 with -1.20 tax as Walmart writes refund charges
    assert facts["3796235970012"][:5] == (Decimal("45"), Decimal("0"), Decimal("3.6"), Decimal("16.2"), Decimal("48.6"))


def test_a_cancelled_order_and_the_utc_day(loaded):
    late = next(o for o in records("orders") if o["purchaseOrderId"] == "3796235970012")
    assert late["orderDate"] == 1793576400000  # 2026-11-01T23:40:00Z
    assert query(loaded, "select order_date, is_cancelled from analytics.fct_orders where order_id = '3796235970012'") == [
        (date(2026, 11, 1), False)]
    assert query(loaded, "select is_cancelled, status from analytics.fct_orders where order_id = '1796235744850'") == [
        (True, "Cancelled")]


def test_no_customer_contact_or_address_is_loaded(loaded):
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns "
                                           "where table_name like 'walmart_marketplace_%'")}
    assert {"purchase_order_id", "product_amount", "image_url"} <= columns
    assert not [c for c in columns if any(w in c for w in ("email", "shipping_info", "postal", "phone", "pickup"))]


def test_lines_carry_a_unit_price_only_for_one_unit(loaded):
    rows = {(r[0], r[1]): r[2:] for r in query(loaded, "select order_id, line_id, quantity, price, sku, currency "
                                                       "from analytics.fct_order_lines")}
    lines = {(o["purchaseOrderId"], li["lineNumber"]): li for o in records("order_lines") for li in o["orderLines"]["orderLine"]}
    assert set(rows) == set(lines) and len(rows) == 4
    for key, li in lines.items():
        product = next(Decimal(str(c["chargeAmount"]["amount"])) for c in li["charges"]["charge"] if c["chargeType"] == "PRODUCT")
        assert li["orderLineQuantity"]["amount"] == "1"
        assert rows[key] == (1.0, product, li["item"]["sku"], "USD")


def test_a_refund_on_a_later_sync_updates_the_orders_row(tmp_path):
    sync(connector, documented(connector), tmp_path)

    def refund_the_vase(bodies):
        order = bodies["orders.page2.json"]["list"]["elements"]["order"][0]
        assert order["purchaseOrderId"] == "1796235744850"
        order["orderLines"]["orderLine"][0]["refund"] = {"refundCharges": {"refundCharge": [{"refundReason": "Buyer canceled", "charge": {
            "chargeType": "PRODUCT", "chargeName": "Buyer canceled", "chargeAmount": {"currency": "USD", "amount": -18.0}}}]}}

    sync(connector, edited(connector, tmp_path, refund_the_vase, unpinned=WINDOW), tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.walmart_marketplace_orders") == [(3,)]
    assert query(tmp_path, "select refunds from analytics.fct_orders where order_id = '1796235744850'") == [(Decimal("18"),)]


def test_the_next_page_is_the_cursor_query_at_the_same_path():
    """``nextCursor`` is a query string ("?limit=10&hasMoreElements=true&soIndex=31..."), asked at /v3/orders."""
    request = httpx.Request("GET", "https://marketplace.walmartapis.com/v3/orders?limit=10&lastModifiedStartDate=2026-11-01")
    body = {"list": {"meta": {"nextCursor": "?limit=10&hasMoreElements=true&soIndex=31&poIndex=10"}}}
    page = NextCursor("list.meta.nextCursor").next(httpx.Response(200, json=body, request=request), body, [{}])
    assert page.url == "https://marketplace.walmartapis.com/v3/orders?limit=10&hasMoreElements=true&soIndex=31&poIndex=10"
    assert NextCursor("list.meta.nextCursor").next(httpx.Response(200, request=request), {"list": {"meta": {}}}, [{}]) is None


def test_the_token_goes_in_wm_sec_access_token_with_a_fresh_correlation_id_per_call():
    token_requests: list[httpx.Request] = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        token_requests.append(request)
        return httpx.Response(200, json={"access_token": "eyJ.fixture", "token_type": "Bearer", "expires_in": 900})

    auth = WalmartToken().build(SimpleNamespace(client_id="cid", client_secret=SecretStr("s3cret"), token_url=None))
    auth.inner._transport = httpx.MockTransport(token_endpoint)
    seen: list[httpx.Request] = []
    with httpx.Client(transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200, json={})), auth=auth) as client:
        client.get("https://marketplace.walmartapis.com/v3/orders")
        client.get("https://marketplace.walmartapis.com/v3/orders")
    assert [r.headers["WM_SEC.ACCESS_TOKEN"] for r in seen] == ["eyJ.fixture", "eyJ.fixture"]
    assert "Authorization" not in seen[0].headers
    ids = {r.headers["WM_QOS.CORRELATION_ID"] for r in seen}
    assert len(ids) == 2
    assert token_requests[0].headers["WM_SVC.NAME"] == "Walmart Marketplace" and token_requests[0].headers["Accept"] == "application/json"


@pytest.mark.parametrize(("status", "code", "kind"), [
    (401, "UNAUTHORIZED.GMP_GATEWAY_API", AuthError),
    (429, "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API", RetryableApiError),
    (200, "UNAUTHORIZED.GMP_GATEWAY_API", AuthError),
])
def test_error_map(status, code, kind):
    body = {"errors": [{"code": code, "field": "x", "description": "d", "info": "i", "severity": "ERROR", "category": "DATA"}]}
    request = httpx.Request("GET", "https://marketplace.walmartapis.com/v3/orders")
    assert isinstance(API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body), kind)
