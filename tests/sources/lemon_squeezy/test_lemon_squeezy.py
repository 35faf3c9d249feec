"""lemon_squeezy: its documented bodies load as documented (cents kept as sent, no personal
data), orders reach the unified orders in currency units with what was refunded, a refund
issued before a later sync updates the order's row and adds none, pages follow
``page[number]`` until ``meta.page.lastPage``, its errors.

Expected values are read off the documented bodies (cassettes/lemon_squeezy/bodies), worked
out by hand, never by the connector.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi, FakeResponse
from bosco_connectors.sources.lemon_squeezy import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, quick_client

BODIES = fixture_folder(connector) / "bodies"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="ls_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_lemon_squeezy__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, order_number, currency, gross, discounts, tax, total, refunds, "
                           "status, is_test from analytics.fct_orders where platform = 'lemon_squeezy' order by created_at").fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync every read-only test below queries (run once for the module)."""
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with quick_client(connector, retry=fast):  # as `fast`, for the module
        with FakeApi([app]) as api:
            run(module_tmp, app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return module_tmp, app


def test_orders_load_in_cents_as_sent_without_personal_data(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, store_id, order_number, currency, subtotal, setup_fee, discount_total, tax, total, "
                           "refunded_amount, total_usd, status, refunded, refunded_at, first_order_item__product_name, created_at "
                           "from raw.lemon_squeezy_orders order by created_at") == [
        ("1", 1, 1, "USD", 999, 999, 0, 200, 1199, 100, 1199, "paid", False, None, "Lemonade",
         datetime(2021, 8, 17, 9, 45, 53, tzinfo=timezone.utc)),
        ("2", 1, 2, "USD", 999, 999, 0, 200, 1199, 0, 1199, "paid", False, None, "Lemonade",
         datetime(2021, 8, 18, 23, 41, 7, tzinfo=timezone.utc)),
        ("3", 1, 3, "USD", 999, 999, 0, 200, 1199, 1199, 1199, "refunded", True,
         datetime(2021, 8, 20, 10, 2, 41, tzinfo=timezone.utc), "Lemonade", datetime(2021, 8, 19, 16, 20, 11, tzinfo=timezone.utc)),
    ]
    columns = {r[0] for r in query(tmp_path, "select column_name from information_schema.columns "
                                             "where table_name like 'lemon_squeezy_%'")}
    assert not columns & {"user_name", "user_email", "card_last_four", "card_brand", "urls__receipt",
                          "urls__customer_portal", "urls__update_payment_method"}
    assert query(tmp_path, "select id, name, currency, total_revenue from raw.lemon_squeezy_stores order by id") == [
        ("1", "My Store", "USD", 2398), ("2", "My Second Store", "USD", 0), ("3", "My Third Store", "USD", 0)]
    assert query(tmp_path, "select id, order_id, status, cancelled, ends_at from raw.lemon_squeezy_subscriptions order by id") == [
        ("1", 1, "active", False, None), ("2", 2, "active", False, None),
        ("3", 3, "cancelled", True, datetime(2021, 9, 19, 16, 20, 11, tzinfo=timezone.utc))]


def test_orders_reach_the_orders_fact_in_currency_units_with_their_refunds(replayed, tmp_path):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the build writes: a copy of the shared sync
    assert orders(tmp_path) == [
        ("1", date(2021, 8, 17), "1", "1", "USD", Decimal("9.99"), Decimal("0"), Decimal("2"), Decimal("11.99"), Decimal("1"),
         "paid", False),
        # 23:41 UTC: the UTC day (the API keeps no store time zone)
        ("2", date(2021, 8, 18), "1", "2", "USD", Decimal("9.99"), Decimal("0"), Decimal("2"), Decimal("11.99"), Decimal("0"),
         "paid", False),
        ("3", date(2021, 8, 19), "1", "3", "USD", Decimal("9.99"), Decimal("0"), Decimal("2"), Decimal("11.99"), Decimal("11.99"),
         "refunded", False),
    ]


def test_pages_follow_page_number_until_the_last_page(replayed):
    _, app = replayed
    asked = [(r.path.strip("/"), {k: v[0] for k, v in r.query.items()}) for _, r in app.answered]
    for stream in ("stores", "orders", "subscriptions"):
        assert [q for p, q in asked if p == stream] == [{"page[number]": "1", "page[size]": "2"},
                                                          {"page[number]": "2", "page[size]": "2"}]
    assert {r.header("authorization") for _, r in app.answered} == {"Bearer fixture-key"}
    assert {r.header("accept") for _, r in app.answered} == {"application/vnd.api+json"}


class LaterRefund:
    """Lemon Squeezy for two syncs: the documented orders; before the second, 5.00 of order 2
    is refunded ("Issue a Refund" returns the order with updated refunded attributes)."""

    prefix = "lemon_squeezy"

    def __init__(self) -> None:
        self.orders = body("orders.page1.json")["data"] + body("orders.page2.json")["data"]
        self.syncs = 0

    def handle(self, request):
        path = request.path.strip("/")
        data = copy.deepcopy(self.orders) if path == "orders" else []
        if self.syncs > 1:
            for order in data:
                if order["id"] == "2":
                    order["attributes"].update(refunded_amount=500, refunded_amount_usd=500, updated_at="2021-08-25T08:00:00.000000Z")
        return FakeResponse.json({"meta": {"page": {"currentPage": 1, "from": 1, "lastPage": 1, "perPage": 100, "to": len(data),
                                                    "total": len(data)}},
                                  "jsonapi": {"version": "1.0"}, "links": {"first": "x", "last": "x"}, "data": data})


def test_a_refund_before_a_later_sync_updates_the_orders_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"api_key": "k", "base_url": api.url(app.prefix), "start_date": "2026-11-01", "end_date": "2026-11-02"}
        app.syncs = 1
        run(tmp_path, config, streams=["orders"])
        assert [(r[0], r[9]) for r in orders(tmp_path) if r[0] == "2"] == [("2", Decimal("0"))]
        app.syncs = 2
        run(tmp_path, config, streams=["orders"])
    rows = orders(tmp_path)
    assert len(rows) == 3
    assert [(r[0], r[8], r[9]) for r in rows if r[0] == "2"] == [("2", Decimal("11.99"), Decimal("5"))]
    assert query(tmp_path, "select count(*), count(distinct id) from raw.lemon_squeezy_orders") == [(3, 3)]


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, AuthError), (403, AuthError), (429, RetryableApiError), (500, RetryableApiError), (503, RetryableApiError),
     (404, ApiError), (422, ApiError)],
)
def test_documented_errors(status, kind):
    detail = f"documented detail {status}"
    error = API.errors.policy().for_status(httpx.Response(status), {
        "jsonapi": {"version": "1.0"}, "errors": [{"detail": detail, "status": str(status), "title": "Title"}]})
    assert type(error) is kind
    assert detail in str(error)


def test_the_documented_auth_error_under_http_200_is_an_error():
    error = API.errors.policy().for_status(httpx.Response(200), body("error.auth.json"))
    assert type(error) is AuthError and "Unauthenticated." in str(error)


def test_a_list_page_is_not_an_error():
    assert API.errors.policy().for_status(httpx.Response(200), body("orders.page1.json")) is None
