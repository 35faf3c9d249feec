"""The declared recurly source: documented bodies, paid charge invoices as unified orders, refunds as updates, errors.

Expected values come from the documented bodies (cassettes/recurly/), never from the connector's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sources.recurly import API, connector

from ..replayed import build_facts, documented, edited, query, sync


def invoices() -> list[dict]:
    fixtures = documented(connector)
    return [r for e in fixtures.data("invoices") for r in fixtures.body(e)["data"]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recurly")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders")
    return tmp


def test_invoices_load_json_numbers_as_exact_decimals(loaded):
    docs = invoices()
    rows = {r[0]: r[1:] for r in query(loaded, "select id, subtotal, discount, tax, total, refundable_amount, account_id, account_code "
                                               "from raw.recurly_invoices")}
    assert len(rows) == len(docs) == 4
    for inv in docs:
        dec = lambda v: None if v is None else Decimal(str(v))  # noqa: E731
        assert rows[inv["id"]] == (dec(inv["subtotal"]), dec(inv["discount"]), dec(inv["tax"]), dec(inv["total"]),
                                   dec(inv["refundable_amount"]), inv["account"]["id"], inv["account"]["code"])
    assert rows["pkrjfbpdu6hf"][3] == Decimal("106.18")  # 99.00 + 7.18, no float noise


def test_only_paid_charge_invoices_are_unified_orders_and_refunds_are_what_cannot_be_refunded(loaded):
    got = {r[0]: r[1:] for r in query(loaded, "select order_id, gross, discounts, refunds, tax, total, order_date "
                                              "from analytics.fct_orders where platform = 'recurly'")}
    assert set(got) == {"pkr2g9dyqn1a", "pkrjfbpdu6hf"}  # the credit invoice and the past-due one are not orders
    assert got["pkr2g9dyqn1a"] == (Decimal("49"), Decimal("4.9"), Decimal("0"), Decimal("3.2"), Decimal("47.3"), date(2026, 11, 13))
    refunded = next(i for i in invoices() if i["id"] == "pkrjfbpdu6hf")
    credit = next(i for i in invoices() if i["previous_invoice_id"] == "pkrjfbpdu6hf")
    assert got["pkrjfbpdu6hf"][2] == Decimal(str(refunded["total"])) - Decimal(str(refunded["refundable_amount"])) == -Decimal(str(credit["total"]))


def test_no_personal_data_is_loaded(loaded):
    personal = {"email", "username", "first_name", "last_name", "company", "vat_number", "address", "shipping_address",
                "hosted_login_token", "account", "billing_info", "cc_emails"}
    for table in ("recurly_invoices", "recurly_accounts", "recurly_subscriptions"):
        columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name = ?", table)}
        assert columns, table
        assert not {c.split("__")[0] for c in columns} & personal, (table, columns)


def test_a_refund_on_a_later_sync_updates_the_orders_row(tmp_path):
    """Invoice 1101 (47.30) is refunded in full after the first sync: its refundable amount drops to 0, its row changes."""
    sync(connector, documented(connector), tmp_path)

    def refund(bodies):
        for inv in bodies["invoices.page1.json"]["data"]:
            if inv["id"] == "pkr2g9dyqn1a":
                inv.update(refundable_amount=0.0, updated_at="2026-11-14T20:00:00Z")

    later = edited(connector, tmp_path, refund, unpinned=("begin_time", "end_time"))
    sync(connector, later, tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.recurly_invoices") == [(4,)]
    assert dict(query(tmp_path, "select order_id, refunds from analytics.fct_orders")) == {
        "pkr2g9dyqn1a": Decimal("47.3"), "pkrjfbpdu6hf": Decimal("25")}


def test_the_version_is_asked_for_in_the_accept_header():
    assert API.headers["Accept"] == "application/vnd.recurly.v2021-02-25+json"


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"error": {"type": "unauthorized", "message": "Invalid API key"}}, AuthError),
    (403, {"error": {"type": "invalid_permissions", "message": "No access"}}, AuthError),
    (429, {"error": {"type": "rate_limited", "message": "Too many requests"}}, RetryableApiError),
    (429, {"error": {"type": "simultaneous_request", "message": "Simultaneous request"}}, RetryableApiError),
    (503, {"error": {"type": "service_not_available", "message": "Unavailable"}}, RetryableApiError),
    (406, {"error": {"type": "invalid_api_version", "message": "That accept header isn't in the format we use"}}, ApiError),
])
def test_error_map(status, body, kind):
    request = httpx.Request("GET", "https://v3.recurly.com/invoices")
    error = API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body)
    assert isinstance(error, kind)
    assert kind is not ApiError or not isinstance(error, (AuthError, RetryableApiError))


def test_data_bodies_are_not_errors():
    policy = API.errors.policy()
    request = httpx.Request("GET", "https://v3.recurly.com/invoices")
    fixtures = documented(connector)
    for stream in connector.streams:
        for exchange in fixtures.data(stream.name):
            body = fixtures.body(exchange)
            assert policy.for_status(httpx.Response(200, json=body, request=request), body) is None, stream.name
