"""The declared chargebee source: documented bodies, minor units per currency, paid invoices as unified
orders on the site's day, credit-note refunds as updates, errors.

Expected values come from the documented bodies (cassettes/chargebee/), never from the connector's code.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sources.chargebee import API, CHARGEBEE_MINOR_UNITS, ChargebeeConfig, connector

from ..replayed import build_facts, documented, edited, query, sync

EXPONENT = {"USD": 2, "JPY": 0}  # https://apidocs.chargebee.com/docs/api/currencies?prod_cat_ver=2


def invoices() -> list[dict]:
    fixtures = documented(connector)
    return [item["invoice"] for e in fixtures.data("invoices") for item in fixtures.body(e)["list"]]


def money(invoice: dict, field: str) -> Decimal:
    return Decimal(invoice[field]).scaleb(-EXPONENT[invoice["currency_code"]])


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chargebee")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders")
    return tmp


def test_invoices_load_cents_and_yen_as_exact_currency_amounts(loaded):
    docs = invoices()
    rows = {r[0]: r[1:] for r in query(loaded, "select id, currency_code, sub_total, tax, total, amount_paid from raw.chargebee_invoices")}
    assert len(rows) == len(docs) == 4
    for inv in docs:
        assert rows[inv["id"]] == (inv["currency_code"], money(inv, "sub_total"), money(inv, "tax"), money(inv, "total"),
                                   money(inv, "amount_paid"))
    assert rows["INV-1003"][1:3] == (Decimal("5500"), Decimal("0"))  # yen: whole units, not 55.00
    assert rows["INV-1001"][3] == Decimal("47.30")


def test_only_paid_invoices_are_unified_orders_with_discounts_and_credit_note_refunds(loaded):
    paid = [i for i in invoices() if i["status"] == "paid"]
    assert len(paid) == 3  # INV-1004 is still payment_due
    got = {r[0]: r[1:] for r in query(loaded, "select order_id, currency, gross, discounts, refunds, tax, total, discount_codes "
                                              "from analytics.fct_orders where platform = 'chargebee'")}
    for inv in paid:
        discounts = sum((Decimal(d["amount"]) for d in inv["discounts"]), Decimal(0)).scaleb(-EXPONENT[inv["currency_code"]])
        refunds = sum((Decimal(n["cn_total"]) for n in inv["issued_credit_notes"] if n["cn_status"] != "voided"), Decimal(0))
        codes = ",".join(d["entity_id"] for d in inv["discounts"]) or None
        assert got[inv["id"]] == (inv["currency_code"], money(inv, "sub_total"), discounts,
                                  refunds.scaleb(-EXPONENT[inv["currency_code"]]), money(inv, "tax"), money(inv, "total"), codes)
    assert got["INV-1002"][3] == Decimal("25.00")  # credit note CN-17, cn_total 2500 cents


def test_the_order_day_is_the_sites_day_not_the_utc_day(loaded):
    """INV-1002 was paid at 02:30 UTC on Nov 14: 18:30 on Nov 13 in the site's America/Los_Angeles."""
    inv = next(i for i in invoices() if i["id"] == "INV-1002")
    assert datetime.fromtimestamp(inv["paid_at"], timezone.utc) == datetime(2026, 11, 14, 2, 30, tzinfo=timezone.utc)
    assert inv["site_details_at_creation"]["timezone"] == "America/Los_Angeles"
    assert query(loaded, "select order_date from analytics.fct_orders where order_id = 'INV-1002'") == [(date(2026, 11, 13),)]
    # INV-1003, paid 14:40 UTC on Nov 13, is 23:40 on Nov 13 in its Asia/Tokyo: the same day either way.
    assert query(loaded, "select order_date from analytics.fct_orders where order_id = 'INV-1003'") == [(date(2026, 11, 13),)]


def test_no_personal_data_is_loaded(loaded):
    personal = {"first_name", "last_name", "email", "phone", "company", "vat_number", "billing_address", "shipping_address",
                "created_from_ip", "meta_data", "card", "customer", "line_items", "linked_payments"}
    for table in ("chargebee_invoices", "chargebee_customers", "chargebee_subscriptions"):
        columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name = ?", table)}
        assert columns, table
        assert not {c.split("__")[0] for c in columns} & personal, (table, columns)
    tables = {r[0] for r in query(loaded, "select table_name from information_schema.tables where table_schema = 'raw'")}
    assert not [t for t in tables if t.startswith("chargebee_") and "__" in t], tables  # no child tables of nested lists


def test_a_credit_note_on_a_later_sync_updates_the_orders_row(tmp_path):
    """INV-1001 (47.30 USD) gets a refundable credit note of 47.30 after the first sync: its row changes, none is added."""
    sync(connector, documented(connector), tmp_path)

    def refund(bodies):
        for item in bodies["invoices.page1.json"]["list"]:
            if item["invoice"]["id"] == "INV-1001":
                item["invoice"]["issued_credit_notes"] = [{"cn_id": "CN-18", "cn_reason_code": "order_cancellation",
                                                            "cn_create_reason_code": None, "cn_date": 1794680000,
                                                            "cn_total": 4730, "cn_status": "refunded"}]
                item["invoice"]["updated_at"] = 1794680000

    later = edited(connector, tmp_path, refund, unpinned=("updated_at[after]", "updated_at[before]"))
    sync(connector, later, tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.chargebee_invoices") == [(4,)]
    assert dict(query(tmp_path, "select order_id, refunds from analytics.fct_orders")) == {
        "INV-1001": Decimal("47.30"), "INV-1002": Decimal("25.00"), "INV-1003": Decimal("0")}


def test_minor_units_follow_chargebee_not_iso_for_three_decimal_currencies():
    """Chargebee keeps two decimals for every currency that has decimals (KWD too) and whole units for JPY."""
    assert CHARGEBEE_MINOR_UNITS.to_currency(1099, "KWD") == Decimal("10.99")
    assert CHARGEBEE_MINOR_UNITS.to_currency(1099, "JPY") == Decimal("1099")
    assert CHARGEBEE_MINOR_UNITS.to_currency(1099, "usd") == Decimal("10.99")


def test_the_site_names_the_host_and_the_key_is_the_user_name():
    config = ChargebeeConfig(site="acme-test", api_key="k-1", start_date="2026-11-01")
    assert config.base_url == "https://acme-test.chargebee.com/api/v2/"
    request = API.auth.build(config).sync_auth_flow(httpx.Request("GET", config.base_url + "invoices")).__next__()
    assert request.headers["Authorization"] == httpx.BasicAuth("k-1", "")._auth_header
    with pytest.raises(ValueError):
        ChargebeeConfig(site="acme.evil.com/x", api_key="k", start_date="2026-11-01")


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"message": "Sorry, authentication failed. Invalid api key", "type": "untyped", "api_error_code": "api_authentication_failed"}, AuthError),
    (403, {"message": "Not permitted", "type": "untyped", "api_error_code": "api_authorization_failed"}, AuthError),
    (429, {"message": "Too many requests", "type": "operation_failed", "api_error_code": "api_request_limit_exceeded"}, RetryableApiError),
    (429, {"message": "Locked", "type": "operation_failed", "api_error_code": "lock_timeout"}, RetryableApiError),
    (503, {"message": "Site not ready", "type": "operation_failed", "api_error_code": "site_not_ready"}, RetryableApiError),
    (404, {"message": "Site not found", "type": "invalid_request", "api_error_code": "site_not_found"}, ApiError),
    (200, {"message": "Invalid api key", "type": "untyped", "api_error_code": "api_authentication_failed"}, AuthError),
])
def test_error_map(status, body, kind):
    request = httpx.Request("GET", "https://acme.chargebee.com/api/v2/invoices")
    error = API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body)
    assert isinstance(error, kind)
    assert kind is not ApiError or not isinstance(error, (AuthError, RetryableApiError))


def test_data_bodies_are_not_errors():
    policy = API.errors.policy()
    request = httpx.Request("GET", "https://acme.chargebee.com/api/v2/invoices")
    fixtures = documented(connector)
    for stream in connector.streams:
        for exchange in fixtures.data(stream.name):
            body = fixtures.body(exchange)
            assert policy.for_status(httpx.Response(200, json=body, request=request), body) is None, stream.name
