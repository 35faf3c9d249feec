"""Shopify pieces on their own: token scoping, error envelopes, JSONL reassembly, rows, queries."""

from __future__ import annotations

from decimal import Decimal
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import httpx
import orjson
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.sandbox.shopify import parse, requested_cost
from bosco_connectors.sources.shopify import connector, records
from bosco_connectors.sources.shopify.client import SHOPIFY_ERRORS, TOKEN_HEADER, AdminApiToken
from bosco_connectors.sources.shopify.queries import CUSTOMERS, ORDERS, PRODUCTS, updated_between
from bosco_connectors.sources.shopify.streams import wants_bulk

ROOT = "https://bosco-demo.myshopify.com/admin/api/2026-10/"


def _sent_headers(auth: AdminApiToken, url: str) -> httpx.Headers:
    request = httpx.Request("GET", url)
    return next(auth.auth_flow(request)).headers


def test_token_goes_to_the_admin_api_only():
    auth = AdminApiToken("shpat_secret_value_123456", ROOT)
    assert _sent_headers(auth, ROOT + "graphql.json")[TOKEN_HEADER] == "shpat_secret_value_123456"
    for elsewhere in (
        "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/bulk-operation-outputs/x.jsonl",
        "https://bosco-demo.myshopify.com/bulk-results/1.jsonl",  # same host, outside /admin/api/<version>/
        "http://bosco-demo.myshopify.com/admin/api/2026-10/graphql.json",  # not over TLS
        "https://bosco-demo.myshopify.com.evil.example/admin/api/2026-10/graphql.json",
    ):
        assert TOKEN_HEADER not in _sent_headers(auth, elsewhere), elsewhere


def _response(status: int, body: object, headers: dict | None = None) -> tuple[httpx.Response, object]:
    return httpx.Response(status, content=orjson.dumps(body), headers=headers or {}), body


def test_throttled_waits_what_the_cost_data_implies():
    # Shape of a throttled answer: errors + extensions.cost, actualQueryCost null.
    body = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {"requestedQueryCost": 202, "actualQueryCost": None,
                                "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 118, "restoreRate": 50.0}}},
    }
    error = SHOPIFY_ERRORS.for_status(*_response(200, body))
    assert isinstance(error, RetryableApiError) and error.vendor_code == "THROTTLED"
    assert error.retry_after == pytest.approx((202 - 118) / 50)
    # Some clients report throttling as HTTP 429: same wait, from the same cost data.
    assert SHOPIFY_ERRORS.for_status(*_response(429, body)).retry_after == pytest.approx(1.68)
    # No cost data: fall back on Retry-After.
    bare = SHOPIFY_ERRORS.for_status(*_response(429, {"errors": "Exceeded 2 calls per second"}, {"Retry-After": "2.0"}))
    assert isinstance(bare, RetryableApiError) and bare.retry_after == 2.0


def test_graphql_error_envelopes():
    def error(code: str | None, message: str = "boom") -> ApiError | None:
        extensions = {"code": code} if code else {}
        return SHOPIFY_ERRORS.for_status(*_response(200, {"errors": [{"message": message, "extensions": extensions}], "data": None}))

    denied = error("ACCESS_DENIED", "Access denied for orders field. Required access: `read_orders` access scope.")
    assert isinstance(denied, AuthError) and "read_orders" in str(denied)
    assert isinstance(error("INTERNAL_SERVER_ERROR"), RetryableApiError)
    plain = error("MAX_COST_EXCEEDED", "Query cost is 1500, which exceeds the single query max cost limit (1000).")
    assert type(plain) is ApiError and "exceeds the single query max cost limit" in str(plain)
    assert SHOPIFY_ERRORS.for_status(*_response(200, {"data": {"orders": {"edges": []}}})) is None
    unauthorized = SHOPIFY_ERRORS.for_status(*_response(
        401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}))
    assert isinstance(unauthorized, AuthError)
    assert str(unauthorized) == "HTTP 401: [API] Invalid API key or access token (unrecognized login or wrong password)"


def test_order_row_flattens_money_and_attribution():
    visit = {"landingPage": "https://s/p?utm_source=tiktok", "referrerUrl": "https://www.tiktok.com/", "source": "tiktok",
             "utmParameters": {"source": "tiktok", "medium": "paid_social", "campaign": "Launch", "content": None, "term": None}}
    node = {
        "id": "gid://shopify/Order/1", "name": "#1001", "createdAt": "2026-11-01T10:00:00Z", "updatedAt": "2026-11-02T10:00:00Z",
        "totalPriceSet": {"shopMoney": {"amount": "24.99"}}, "totalRefundedSet": {"shopMoney": {"amount": "0.0"}},
        "tags": ["gift", "vip"], "customer": None, "test": False,
        "customerJourneySummary": {"firstVisit": visit, "lastVisit": None},
        "lineItems": {"edges": [{"node": {"id": "gid://shopify/LineItem/5", "quantity": 2, "variant": {"id": "v"}, "product": None,
                                          "originalUnitPriceSet": {"shopMoney": {"amount": "12.5"}}}}]},
    }
    row = records.order_row(node)
    assert row["total_price"] == Decimal("24.99") and row["total_refunded"] == Decimal("0.0") and row["total_tax"] is None
    assert isinstance(row["total_price"], Decimal)  # money stays exact, never a float
    assert row["updated_at"] == datetime(2026, 11, 2, 10, tzinfo=timezone.utc)
    assert row["tags"] == "gift, vip" and row["customer_id"] is None
    # one session: Shopify has only firstVisit, which is then also the converting session
    assert (row["utm_source"], row["utm_campaign"], row["first_utm_source"]) == ("tiktok", "Launch", "tiktok")
    assert row["line_items"] == [{"id": "gid://shopify/LineItem/5", "order_id": "gid://shopify/Order/1", "title": None,
                                  "quantity": 2, "sku": None, "variant_id": "v", "product_id": None,
                                  "unit_price": 12.5, "discounted_total": None}]
    pos = records.order_row({"id": "gid://shopify/Order/2", "customerJourneySummary": None})
    assert pos["landing_page_url"] is None and pos["line_items"] == []


def test_customer_row_reads_unsigned_int64_strings():
    row = records.customer_row({"id": "gid://shopify/Customer/1", "numberOfOrders": "12",
                                "amountSpent": {"amount": "310.5", "currencyCode": "EUR"}, "updatedAt": "2026-11-02T10:00:00Z"})
    assert (row["number_of_orders"], row["amount_spent"], row["amount_spent_currency"]) == (12, Decimal("310.5"), "EUR")


def test_search_string_and_bulk_choice():
    since = datetime(2026, 11, 1, tzinfo=timezone.utc)
    until = datetime(2026, 11, 20, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert updated_between("updated_at", since, until) == "updated_at:>='2026-11-01T00:00:00Z' AND updated_at:<='2026-11-20T23:59:59Z'"
    assert updated_between("updated_at", None, None) is None
    auto = SimpleNamespace(bulk="auto", bulk_threshold_days=30)
    assert not wants_bulk(auto, since, until)
    assert wants_bulk(auto, since - timedelta(days=30), until)
    assert wants_bulk(SimpleNamespace(bulk=True, bulk_threshold_days=30), since, until)
    assert not wants_bulk(SimpleNamespace(bulk=False, bulk_threshold_days=30), since - timedelta(days=400), until)


@pytest.mark.parametrize("connection", [ORDERS, PRODUCTS, CUSTOMERS], ids=lambda c: c.field)
def test_paged_queries_stay_under_the_single_query_cost_limit(connection):
    op = parse(connection.paged_query())
    assert requested_cost(op.selections, {"first": connection.page_size}) <= 1000
    for nested in connection.nested:
        follow_up = parse(connection.follow_up_query(nested))
        assert requested_cost(follow_up.selections, {"first": nested.follow_up_size}) <= 1000


def test_registered_and_described():
    assert get_connector("shopify") is connector
    described = connector.describe()
    assert [s["name"] for s in described["streams"]] == ["shop", "orders", "products", "customers"]
    assert all(s["primary_key"] == ["tenant_id", "id"] for s in described["streams"])
    assert [s["name"] for s in described["streams"] if s["cursor"] == "updated_at"] == ["orders", "products", "customers"]
    assert {c["name"] for c in described["config"] if c["required"]} == {"shop", "access_token"}
