"""ecwid: its documented bodies load as documented (exact decimals, no customer contact
data), orders reach the unified orders in the store's currency and on the store's day (an
order placed 22:30 UTC is the next day in Moscow), a refund before a later sync updates the
order's row and adds none, the search asks for the window as UNIX timestamps, its errors.

Expected values are read off the documented bodies (cassettes/ecwid/bodies), worked out by
hand, never by the connector.
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
from bosco_connectors.sources.ecwid import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, replay_documented

BODIES = fixture_folder(connector) / "bodies"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict) -> None:
    pipeline = dlt.pipeline(pipeline_name="ecwid_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1"), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_ecwid__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, currency, gross, discounts, tax, shipping, total, refunds, "
                           "status, is_cancelled, utm_source from analytics.fct_orders where platform = 'ecwid' "
                           "order by created_at").fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync, with `fast`'s client, every read-only test below reads (run once for the
    module); the test that builds the orders fact builds it into a copy."""
    folder = module_tmp / "replayed"
    app = replay_documented(connector, run, folder)
    return folder, app


def test_orders_load_as_exact_decimals_without_contact_data(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, order_number, payment_status, subtotal, total, tax, discount, coupon_discount, "
                           "refunded_amount, shipping_rate, create_timestamp from raw.ecwid_orders order by create_timestamp") == [
        ("lala1028001", 1028, "PARTIALLY_REFUNDED", Decimal("1076.64"), Decimal("2014.97"), Decimal("488.48"), Decimal("4"),
         Decimal("22"), Decimal("3.5"), Decimal("471.85"), datetime(2018, 5, 31, 15, 8, 36, tzinfo=timezone.utc)),
        ("K8XTQ", 516483487, "PAID", Decimal("10"), Decimal("10"), Decimal("0.91"), Decimal("0"), Decimal("0"), Decimal("0"),
         None, datetime(2023, 3, 1, 10, 15, 42, tzinfo=timezone.utc)),
        ("PZ3RM", 516483512, "AWAITING_PAYMENT", Decimal("10"), Decimal("10"), Decimal("0.91"), Decimal("0"), Decimal("0"),
         Decimal("0"), None, datetime(2023, 3, 2, 22, 30, 5, tzinfo=timezone.utc)),
    ]
    columns = {r[0] for r in query(tmp_path, "select column_name from information_schema.columns where table_name like 'ecwid_%'")}
    assert not {c for c in columns if "email" in c or "ip_address" in c or "person" in c or "admin_notes" in c}
    assert query(tmp_path, "select store_id, currency, timezone from raw.ecwid_profile") == [("4870020", "USD", "Europe/Moscow")]


def test_orders_reach_the_fact_in_the_stores_currency_and_on_the_stores_day(tmp_path, replayed):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")
    assert orders(tmp_path) == [
        # discounts: discount 4 + couponDiscount 22
        ("lala1028001", date(2018, 5, 31), "4870020", "USD", Decimal("1076.64"), Decimal("26"), Decimal("488.48"),
         Decimal("471.85"), Decimal("2014.97"), Decimal("3.5"), "PARTIALLY_REFUNDED", False, None),
        ("K8XTQ", date(2023, 3, 1), "4870020", "USD", Decimal("10"), Decimal("0"), Decimal("0.91"), None, Decimal("10"),
         Decimal("0"), "PAID", False, "google"),
        # 2023-03-02 22:30 UTC is 2023-03-03 01:30 in Europe/Moscow: the store's day
        ("PZ3RM", date(2023, 3, 3), "4870020", "USD", Decimal("10"), Decimal("0"), Decimal("0.91"), None, Decimal("10"),
         Decimal("0"), "AWAITING_PAYMENT", False, None),
    ]


def test_the_window_is_asked_as_unix_timestamps(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "orders"]
    window = {"updatedFrom": "1525132800", "updatedTo": "1680307199", "limit": "2"}  # 2018-05-01 00:00 .. 2023-03-31 23:59:59 UTC
    assert asked == [{**window, "offset": "0"}, {**window, "offset": "2"}]
    assert {r.header("authorization") for _, r in app.answered} == {"Bearer fixture-token"}


class LaterRefund:
    """Ecwid for two syncs: the documented profile and orders; before the second, 4.00 of K8XTQ is
    refunded (its refundedAmount, paymentStatus and updateTimestamp change)."""

    prefix = "ecwid"

    def __init__(self) -> None:
        self.orders = body("orders.page1.json")["items"] + body("orders.page2.json")["items"]
        self.syncs = 0

    def handle(self, request):
        if request.path.endswith("/profile"):
            return FakeResponse.json(body("profile.json"))
        items = copy.deepcopy(self.orders)
        if self.syncs > 1:
            for order in items:
                if order["id"] == "K8XTQ":
                    order.update(refundedAmount=4, paymentStatus="PARTIALLY_REFUNDED", updateTimestamp=1680000000)
        return FakeResponse.json({"total": len(items), "count": len(items), "offset": 0, "limit": 100, "items": items})


def test_a_refund_before_a_later_sync_updates_the_orders_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"store_id": "4870020", "api_token": "t", "base_url": api.url(app.prefix), "start_date": "2018-05-01",
                  "end_date": "2023-03-31"}
        app.syncs = 1
        run(tmp_path, config)
        app.syncs = 2
        run(tmp_path, config)
    rows = orders(tmp_path)
    assert len(rows) == 3
    assert [(r[0], r[9], r[10]) for r in rows if r[0] == "K8XTQ"] == [("K8XTQ", Decimal("4"), "PARTIALLY_REFUNDED")]
    assert query(tmp_path, "select count(*), count(distinct id) from raw.ecwid_orders") == [(3, 3)]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [(403, "INVALID_API_TOKEN", AuthError), (403, "INSUFFICIENT_APP_SCOPE", AuthError),
     (402, "NOT_AVAILABLE_ON_CURRENT_PLAN", AuthError), (402, "STORE_IS_SUSPENDED", AuthError),
     (429, "RATE_LIMITED", RetryableApiError), (408, "TIMEOUT", RetryableApiError), (500, "INTERNAL_ERROR", RetryableApiError),
     (400, "WRONG_PARAMETER", ApiError), (404, "STORE_NOT_FOUND", ApiError),
     (200, "INVALID_API_TOKEN", AuthError)],  # an error body under HTTP 200 is an error all the same
)
def test_documented_errors(status, code, kind):
    error = API.errors.policy().for_status(httpx.Response(status), {"errorMessage": f"documented {code}", "errorCode": code})
    assert type(error) is kind
    assert f"documented {code}" in str(error)


def test_a_search_page_is_not_an_error():
    assert API.errors.policy().for_status(httpx.Response(200), body("orders.page1.json")) is None
