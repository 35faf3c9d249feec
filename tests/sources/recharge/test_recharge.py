"""The declared recharge source: documented bodies, paid charges as unified orders, refunds, cursors, errors.

Expected values come from the documented bodies (cassettes/recharge/), never from the connector's code.
"""

from __future__ import annotations

import json

from datetime import date, datetime, timezone
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.paginators import PageRequest
from bosco_connectors.framework.spec import ReadContext, Window
from bosco_connectors.sources.recharge import API, RechargeConfig, connector

from bosco_connectors.testing.replay import Fixtures

from ..replayed import build_facts, documented, edited, query, sync

PAID = {"success", "partially_refunded", "refunded"}


def records(name: str) -> list[dict]:
    fixtures = documented(connector)
    return [r for e in fixtures.data(name) for r in fixtures.body(e)[name]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recharge")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders")
    return tmp


def test_charges_load_money_text_as_exact_decimals(loaded):
    charges = records("charges")
    rows = {r[0]: r[1:] for r in query(loaded, "select id, total_line_items_price, total_discounts, total_tax, total_price, "
                                               "total_refunds, customer_id, external_order_id from raw.recharge_charges")}
    assert len(rows) == len(charges) == 3
    for c in charges:
        assert rows[str(c["id"])] == (Decimal(c["total_line_items_price"]), Decimal(c["total_discounts"]), Decimal(c["total_tax"]),
                                      Decimal(c["total_price"]), Decimal(c["total_refunds"]), str(c["customer"]["id"]),
                                      c["external_order_id"]["ecommerce"])


def test_only_paid_charges_are_unified_orders_with_their_documented_totals(loaded):
    paid = [c for c in records("charges") if c["status"] in PAID]
    assert len(paid) == 2  # the queued charge of page 2 is not revenue
    got = query(loaded, "select count(*), sum(gross), sum(discounts), sum(refunds), sum(tax), sum(total) from analytics.fct_orders "
                        "where platform = 'recharge'")
    total = lambda field: sum(Decimal(c[field]) for c in paid)  # noqa: E731
    assert got == [(2, total("total_line_items_price"), total("total_discounts"), total("total_refunds"), total("total_tax"),
                    total("total_price"))]
    assert query(loaded, "select distinct currency, store_id, store_name from analytics.fct_orders") == [
        ("USD", "126593", "Airbit Box")]


def test_the_order_day_is_the_utc_day_of_processed_at(loaded):
    """Charge 580825310 was processed at 23:55 UTC on Nov 1 (the store's zone is not read): Nov 1."""
    charge = next(c for c in records("charges") if c["id"] == 580825310)
    assert charge["processed_at"] == "2026-11-01T23:55:00+00:00"
    assert query(loaded, "select order_date, created_at from analytics.fct_orders where order_id = '580825310'") == [
        (date(2026, 11, 1), datetime(2026, 11, 1, 23, 55, tzinfo=timezone.utc))]


def test_discount_codes_and_utm_parameters_reach_the_order(loaded):
    utm = next(c for c in records("charges") if c["id"] == 580825310)["analytics_data"]["utm_params"][0]
    assert query(loaded, "select discount_codes, utm_source, utm_medium, utm_campaign, source_name from analytics.fct_orders "
                         "where order_id = '580825310'") == [("WELCOME10", utm["utm_source"], utm["utm_medium"], utm["utm_campaign"],
                                                              "checkout")]


def test_no_personal_data_is_loaded(loaded):
    for table in ("recharge_charges", "recharge_orders", "recharge_customers", "recharge_subscriptions", "recharge_store"):
        columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name = ?", table)}
        assert columns, table
        assert not [c for c in columns if c.split("__")[0] in {"email", "first_name", "last_name", "phone", "billing_address",
                                                                 "shipping_address", "client_details", "customer"}], (table, columns)


def test_a_refund_on_a_later_sync_updates_the_orders_row(tmp_path):
    """Charge 580825303 (29.20) is refunded in full after the first sync: its row changes, none is added."""
    sync(connector, documented(connector), tmp_path)

    def refund(bodies):
        for charge in bodies["charges.page1.json"]["charges"]:
            if charge["id"] == 580825303:
                charge.update(status="refunded", total_refunds="29.20", updated_at="2026-11-02T18:00:00+00:00")

    later = edited(connector, tmp_path, refund, unpinned=("updated_at_min",))
    # Without its window a first page asks for {limit} only, which a cursor request also matches:
    # the cursor pages are listed first, so each request gets its own page.
    manifest = json.loads((later.folder / "fixtures.json").read_text())
    manifest["exchanges"].sort(key=lambda e: "cursor" not in (e.get("request", {}).get("query") or {}))
    (later.folder / "fixtures.json").write_text(json.dumps(manifest))
    sync(connector, Fixtures.load(later.folder), tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.recharge_charges") == [(3,)]
    assert dict(query(tmp_path, "select order_id, refunds from analytics.fct_orders")) == {
        "580825303": Decimal("29.20"), "580825310": Decimal("10.00")}
    assert query(tmp_path, "select status from analytics.fct_orders where order_id = '580825303'") == [("refunded",)]


def test_a_cursor_request_carries_only_the_cursor_and_the_limit():
    """Recharge's cursor stands for the first request's filters: the window is not sent again."""
    charges = next(s for s in connector.streams if s.name == "charges")
    config = RechargeConfig(access_token="t", start_date="2026-11-01", page_size=250)
    ctx = ReadContext(None, config, None, None, {}, Window(datetime(2026, 11, 1, tzinfo=timezone.utc), None))
    assert charges.request_params(ctx, PageRequest()) == {"limit": 250, "updated_at_min": "2026-11-01T00:00:00+0000"}
    assert charges.request_params(ctx, PageRequest(params={"cursor": "abc"})) == {"limit": 250, "cursor": "abc"}


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"errors": "Invalid API token."}, AuthError),
    (403, {"errors": "The token does not have the read_orders scope."}, AuthError),
    (429, {"errors": "Too many requests"}, RetryableApiError),
    (503, {"errors": "Service unavailable"}, RetryableApiError),
    (200, {"errors": "Invalid API token."}, ApiError),  # an error body with HTTP 200 is no empty page
])
def test_error_map(status, body, kind):
    request = httpx.Request("GET", "https://api.rechargeapps.com/charges")
    error = API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body)
    assert isinstance(error, kind)
    assert kind is not ApiError or not isinstance(error, (AuthError, RetryableApiError))


def test_data_bodies_are_not_errors():
    policy = API.errors.policy()
    request = httpx.Request("GET", "https://api.rechargeapps.com/charges")
    fixtures = documented(connector)
    for stream in connector.streams:
        for exchange in fixtures.data(stream.name):
            body = fixtures.body(exchange)
            assert policy.for_status(httpx.Response(200, json=body, request=request), body) is None, stream.name
