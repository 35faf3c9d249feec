"""The declared etsy source: documented bodies, Money objects, the UTC day, refunds, errors.

Expected values come from the documented bodies (cassettes/etsy/), never from the connector's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

import copy

import dlt

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.sandbox.server import FakeApi
from bosco_connectors.sync import SyncJob, run_sync
from bosco_connectors.testing.replay import FixtureApp
from bosco_connectors.sources.etsy import API, connector

from ..replayed import build_facts, documented, edited, query, registered, sync

WINDOW = ("min_last_modified",)


def records(stream: str) -> list[dict]:
    fixtures = documented(connector)
    return [r for e in fixtures.data(stream) for r in fixtures.body(e)["results"]]


def money(m: dict) -> Decimal:
    return Decimal(m["amount"]) / Decimal(m["divisor"])


@pytest.fixture(scope="module")
def loaded(module_tmp):
    """The documented sync and its facts every read-only test below queries (run once for the module,
    with dlt's dirs inside module_tmp)."""
    sync(connector, documented(connector), module_tmp)
    build_facts(connector, module_tmp, "orders", "order_lines")
    return module_tmp


def test_receipts_money_objects_become_exact_amounts(loaded):
    facts = {r[0]: r[1:] for r in query(loaded, "select order_id, gross, discounts, tax, shipping, total, refunds, currency, "
                                                "store_id, store_name from analytics.fct_orders")}
    receipts = records("receipts")
    assert len(facts) == len(receipts) == 3
    for r in receipts:
        refunded = sum((money(x["amount"]) for x in r["refunds"]), Decimal(0))
        assert facts[str(r["receipt_id"])] == (money(r["total_price"]), money(r["discount_amt"]), money(r["total_tax_cost"]),
                                               money(r["total_shipping_cost"]), money(r["grandtotal"]), refunded, "USD",
                                               "5550001", "BlueWheelPottery")
    # 3112487651 (by hand): 52.00 of listings, a 10% coupon (5.20), 6.95 shipping, 3.74 tax: 57.49
    assert facts["3112487651"][:5] == (Decimal("52"), Decimal("5.2"), Decimal("3.74"), Decimal("6.95"), Decimal("57.49"))
    assert facts["3112487702"][5] == Decimal("15")


def test_no_buyer_personal_data_is_loaded(loaded):
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name like 'etsy_%'")}
    assert {"receipt_id", "grandtotal__amount", "refunded_amount"} <= columns
    personal = {"buyer_email", "name", "first_line", "second_line", "city", "zip", "formatted_address", "message_from_buyer",
                "gift_message", "order_name", "order_first_line", "order_formatted_address", "order_buyer_email"}
    assert not columns & personal


def test_the_day_is_the_utc_day_of_created_timestamp(loaded):
    """3112487702: created at 23:40 UTC on Nov 1 (1793576400); Etsy documents no shop time zone."""
    receipt = next(r for r in records("receipts") if r["receipt_id"] == 3112487702)
    assert receipt["created_timestamp"] == 1793576400
    assert query(loaded, "select order_date from analytics.fct_orders where order_id = '3112487702'") == [(date(2026, 11, 1),)]
    assert query(loaded, "select order_date, is_cancelled from analytics.fct_orders where order_id = '3112487790'") == [
        (date(2026, 11, 2), True)]


def test_transactions_are_the_order_lines(loaded):
    lines = {(str(r["receipt_id"]), str(t["transaction_id"])): t for r in records("receipt_transactions") for t in r["transactions"]}
    rows = {(r[0], r[1]): r[2:] for r in query(loaded, "select order_id, line_id, quantity, price, discounts, currency, product_id, "
                                                       "variant_id, order_date from analytics.fct_order_lines")}
    assert set(rows) == set(lines) and len(rows) == 4
    for key, t in lines.items():
        assert rows[key][:6] == (float(t["quantity"]), money(t["price"]),
                                 Decimal(str(t["shop_coupon"])) + Decimal(str(t["buyer_coupon"])), "USD", str(t["listing_id"]),
                                 str(t["product_id"]))
    assert rows[("3112487702", "4020001010")][6] == date(2026, 11, 1)


def test_a_refund_on_a_later_sync_updates_the_receipts_row(tmp_path):
    sync(connector, documented(connector), tmp_path)

    def refund_whole_first(bodies):
        receipt = bodies["receipts.page1.json"]["results"][0]
        assert receipt["receipt_id"] == 3112487651
        receipt["refunds"] = [{"amount": {"amount": 5749, "divisor": 100, "currency_code": "USD"},
                               "created_timestamp": 1793649600, "reason": "Order canceled", "note_from_issuer": "", "status": None}]
        receipt["status"], receipt["updated_timestamp"] = "fully refunded", 1793649600

    sync(connector, edited(connector, tmp_path, refund_whole_first, unpinned=WINDOW), tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.etsy_receipts") == [(3,)]
    assert query(tmp_path, "select refunds, status from analytics.fct_orders where order_id = '3112487651'") == [
        (Decimal("57.49"), "fully refunded")]
    assert query(tmp_path, "select count(*) from analytics.fct_orders") == [(3,)]


def test_a_divisor_that_is_not_the_currencys_minor_unit_fails_in_one_line(tmp_path):
    def yen_in_hundredths(bodies):
        bodies["receipts.page1.json"]["results"][0]["grandtotal"] = {"amount": 5749, "divisor": 100, "currency_code": "JPY"}


    app = FixtureApp(copy.deepcopy(edited(connector, tmp_path, yen_in_hundredths)))
    with FakeApi([app]) as api, registered(connector):
        result = run_sync(SyncJob("t", "etsy", app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")), pipelines_dir=tmp_path / "p",
                          connector=connector)
    assert not result.ok
    assert "divisor 100 for JPY" in result.failure_line and "\n" not in result.failure_line


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"error": "Invalid API key"}, AuthError),
    (403, {"error": "The shop does not belong to this user"}, AuthError),
    (429, {"error": "Too many requests"}, RetryableApiError),
    (500, {"error": "Internal error"}, RetryableApiError),
])
def test_error_map(status, body, kind):
    request = httpx.Request("GET", "https://api.etsy.com/v3/application/shops/1/receipts")
    assert isinstance(API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body), kind)


def test_an_error_body_with_status_200_is_an_error():
    request = httpx.Request("GET", "https://api.etsy.com/v3/application/shops/1/receipts")
    body = {"error": "Invalid API key"}
    assert API.errors.policy().for_status(httpx.Response(200, json=body, request=request), body) is not None
