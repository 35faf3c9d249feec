"""The declared bigcommerce source: documented bodies, the store's day, refunds, errors.

Expected values come from the documented bodies (cassettes/bigcommerce/), never from the
connector's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sources.bigcommerce import API, connector

from ..replayed import build_facts, documented, edited, query, sync


WINDOW = ("min_date_modified", "created:min", "date_modified:min")


def bodies(name: str):
    fixtures = documented(connector)
    return [fixtures.body(e) for e in fixtures.data(name)]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bigcommerce")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders", "order_lines")
    return tmp


def test_orders_load_money_text_as_exact_decimals(loaded):
    documented_orders = [o for body in bodies("orders") for o in body]
    rows = {r[0]: r[1:] for r in query(loaded, "select id, subtotal_ex_tax, discount_amount, total_inc_tax, shipping_cost_ex_tax, "
                                               "default_currency_code from raw.bigcommerce_orders")}
    assert len(rows) == len(documented_orders) == 3
    for o in documented_orders:
        assert rows[str(o["id"])] == (Decimal(o["subtotal_ex_tax"]), Decimal(o["discount_amount"]), Decimal(o["total_inc_tax"]),
                                      Decimal(o["shipping_cost_ex_tax"]), o["default_currency_code"])
    # no personal data: the billing address is not loaded
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name = 'bigcommerce_orders'")}
    assert not [c for c in columns if c.startswith("billing_address")]


def test_an_order_placed_before_midnight_in_chicago_is_on_the_stores_day(loaded):
    """Order 103 was placed at 03:30 UTC on Nov 2: 21:30 on Nov 1 in the store's America/Chicago."""
    store = bodies("store")[0]
    assert store["timezone"]["name"] == "America/Chicago"
    assert query(loaded, "select order_date, cast(created_at at time zone 'UTC' as date) from analytics.fct_orders "
                         "where order_id = '103'") == [(date(2026, 11, 1), date(2026, 11, 2))]
    assert query(loaded, "select distinct order_date from analytics.fct_order_lines where order_id = '103'") == [(date(2026, 11, 1),)]
    assert query(loaded, "select distinct store_id, store_name from analytics.fct_orders") == [(store["id"], store["name"])]


def test_refunds_are_summed_into_the_orders_row(loaded):
    """refunded_amount is documented as always 0; the v3 refunds of order 102 total 25.00."""
    looked_up = [r for body in (documented(connector).body(e) for e in documented(connector).exchanges
                                if e.stream is None and e.request) for r in body["data"]]
    by_order = {}
    for refund in looked_up:
        by_order[str(refund["order_id"])] = by_order.get(str(refund["order_id"]), Decimal(0)) + Decimal(str(refund["total_amount"]))
    assert by_order == {"102": Decimal("25")}
    assert dict(query(loaded, "select order_id, refunds from analytics.fct_orders")) == {"101": 0, "102": Decimal("25"), "103": 0}


def test_lines_carry_their_order_and_its_currency(loaded):
    lines = [line for name in ("order_products",) for body in bodies(name) for line in body]
    rows = {r[0]: r[1:] for r in query(loaded, "select line_id, order_id, quantity, price, currency, sku from analytics.fct_order_lines")}
    assert len(rows) == len(lines) == 5
    for line in lines:
        assert rows[str(line["id"])] == (str(line["order_id"]), float(line["quantity"]), Decimal(line["price_ex_tax"]), "USD", line["sku"])


def test_customers_keep_no_personal_data(loaded):
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name = 'bigcommerce_customers'")}
    assert {"id", "date_modified", "customer_group_id"} <= columns
    assert not columns & {"email", "first_name", "last_name", "phone", "company", "notes"}


def test_a_refund_on_a_later_sync_updates_the_orders_row(tmp_path):
    """Order 101 is refunded 7.50 after the first sync: its row changes, no row is added."""
    sync(connector, documented(connector), tmp_path)

    def refund_101(bodies):
        for order in bodies["orders.page1.json"]:
            if order["id"] == 101:
                order["date_modified"] = "Mon, 02 Nov 2026 20:00:00 +0000"
                order["status_id"], order["status"] = 14, "Partially Refunded"
        refund = {**bodies["refunds.orders_101_102.json"]["data"][0], "id": 10, "order_id": 101, "total_amount": 7.5}
        bodies["refunds.orders_101_102.json"]["data"].append(refund)

    sync(connector, edited(connector, tmp_path, refund_101, unpinned=WINDOW), tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.bigcommerce_orders") == [(3,)]
    assert dict(query(tmp_path, "select order_id, refunds from analytics.fct_orders")) == {
        "101": Decimal("7.5"), "102": Decimal("25"), "103": 0}
    assert query(tmp_path, "select status from analytics.fct_orders where order_id = '101'") == [("Partially Refunded",)]


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"status": 401, "title": "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination "
                                   "for this store.", "type": "/api-docs/getting-started/api-status-codes"}, AuthError),
    (403, [{"status": 403, "message": "You don't have a required scope to access the endpoint"}], AuthError),
    (429, {"status": 429, "title": "Too many requests", "type": "/api-docs/getting-started/api-status-codes", "errors": {}},
     RetryableApiError),
    (503, [{"status": 503, "message": "Store is down for maintenance"}], RetryableApiError),
    # an error body answered with HTTP 200 is an error, not an empty page
    (200, {"status": 401, "title": "Unauthorized", "type": "/api-docs/getting-started/api-status-codes"}, ApiError),
])
def test_error_map(status, body, kind):
    request = httpx.Request("GET", "https://api.bigcommerce.com/stores/abc123/v2/orders")
    error = API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body)
    assert isinstance(error, kind)
    assert kind is not ApiError or not isinstance(error, (AuthError, RetryableApiError))


def test_data_bodies_are_not_errors():
    policy = API.errors.policy()
    request = httpx.Request("GET", "https://api.bigcommerce.com/stores/abc123/v2/store")
    for name in ("store", "orders", "products", "customers", "refunds", "order_products"):
        for body in bodies(name):
            assert policy.for_status(httpx.Response(200, json=body, request=request), body) is None, name
