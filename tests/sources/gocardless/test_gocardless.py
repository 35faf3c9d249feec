"""gocardless: its documented bodies load as documented (pence kept as sent, no metadata),
payments reach the unified orders in pounds with what was refunded, a refund before a later
sync updates the payment's row and adds none, pages follow ``meta.cursors.after`` and every
request carries the version header, its errors.

Expected values are read off the documented bodies (cassettes/gocardless/bodies), worked out
by hand, never by the connector.
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
from bosco_connectors.sources.gocardless import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, replay_documented

BODIES = fixture_folder(connector) / "bodies"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="gc_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_gocardless__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, order_number, currency, gross, total, refunds, status, "
                           "is_cancelled from analytics.fct_orders where platform = 'gocardless' order by created_at").fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the tests below read (run once for the module): its folder (``x.duckdb``) and its app."""
    app = replay_documented(connector, run, module_tmp)
    return module_tmp, app


def test_payments_and_refunds_load_in_pence_as_sent(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, amount, amount_refunded, currency, status, charge_date, links__creditor, links__mandate, "
                           "created_at from raw.gocardless_payments order by created_at") == [
        ("PM123", 100, 0, "GBP", "pending_submission", "2014-05-15", "CR123", "MD123",
         datetime(2014, 5, 8, 17, 1, 6, tzinfo=timezone.utc)),
        ("PM000099999999", 100, 0, "GBP", "cancelled", "2017-06-30", "CR123", "MD000099999999",
         datetime(2017, 6, 23, 15, 27, 18, 656000, tzinfo=timezone.utc)),
    ]
    assert query(tmp_path, "select id, amount, currency, links__payment from raw.gocardless_refunds order by id") == [
        ("RF123", 50, "GBP", "PM123"), ("RF456", 25, "GBP", "PM000099999999")]
    columns = {r[0] for r in query(tmp_path, "select column_name from information_schema.columns where table_name like 'gocardless_%'")}
    assert not {c for c in columns if c.startswith("metadata")}


def test_payments_reach_the_orders_fact_in_pounds(replayed, tmp_path):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the orders are built into it: a copy of the shared one
    assert orders(tmp_path) == [
        ("PM123", date(2014, 5, 8), "CR123", "WINEBOX001", "GBP", Decimal("1"), Decimal("1"), Decimal("0"), "pending_submission", False),
        ("PM000099999999", date(2017, 6, 23), "CR123", None, "GBP", Decimal("1"), Decimal("1"), Decimal("0"), "cancelled", True),
    ]


def test_pages_follow_the_after_cursor_with_the_version_header(replayed):
    _, app = replayed
    asked = [(r.path.strip("/"), {k: v[0] for k, v in r.query.items()}) for _, r in app.answered]
    assert [q for p, q in asked if p == "payments"] == [{"limit": "1"}, {"limit": "1", "after": "PM123"}]
    assert {r.header("gocardless-version") for _, r in app.answered} == {"2015-07-06"}
    assert {r.header("authorization") for _, r in app.answered} == {"Bearer fixture-token"}


class LaterRefund:
    """GoCardless for two syncs: the documented payments; before the second, 40p of PM123 is refunded."""

    prefix = "gocardless"

    def __init__(self) -> None:
        self.payments = body("payments.page1.json")["payments"] + body("payments.page2.json")["payments"]
        self.syncs = 0

    def handle(self, request):
        name = request.path.strip("/")
        records = copy.deepcopy(self.payments) if name == "payments" else []
        if self.syncs > 1:
            for payment in records:
                if payment["id"] == "PM123":
                    payment.update(amount_refunded=40, status="paid_out")
        return FakeResponse.json({name: records, "meta": {"cursors": {"before": None, "after": None}, "limit": 500}})


def test_a_refund_before_a_later_sync_updates_the_payments_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"access_token": "k", "base_url": api.url(app.prefix), "start_date": "2026-11-01", "end_date": "2026-11-02"}
        app.syncs = 1
        run(tmp_path, config, streams=["payments"])
        assert [(r[0], r[7]) for r in orders(tmp_path) if r[0] == "PM123"] == [("PM123", Decimal("0"))]
        app.syncs = 2
        run(tmp_path, config, streams=["payments"])
    rows = orders(tmp_path)
    assert len(rows) == 2
    assert [(r[0], r[5], r[7], r[8]) for r in rows if r[0] == "PM123"] == [("PM123", Decimal("1"), Decimal("0.4"), "paid_out")]
    assert query(tmp_path, "select count(*), count(distinct id) from raw.gocardless_payments") == [(2, 2)]


@pytest.mark.parametrize(
    ("status", "kind_", "kind"),
    [(401, "invalid_api_usage", AuthError), (403, "invalid_api_usage", AuthError), (429, "invalid_api_usage", RetryableApiError),
     (500, "gocardless", RetryableApiError), (422, "validation_failed", ApiError), (409, "invalid_state", ApiError),
     (400, "invalid_api_usage", ApiError)],
)
def test_documented_errors(status, kind_, kind):
    error = API.errors.policy().for_status(httpx.Response(status), {"error": {
        "message": f"documented {status}", "documentation_url": "https://developer.gocardless.com/api-reference",
        "type": kind_, "request_id": "r1", "code": status, "errors": []}})
    assert type(error) is kind
    assert f"documented {status}" in str(error)


def test_the_documented_auth_error_under_http_200_is_an_error():
    error = API.errors.policy().for_status(httpx.Response(200), body("error.auth.json"))
    assert isinstance(error, ApiError) and "Access token not found" in str(error)


def test_a_list_page_is_not_an_error():
    assert API.errors.policy().for_status(httpx.Response(200), body("payments.page1.json")) is None
