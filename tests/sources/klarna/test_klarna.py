"""klarna: payouts and their transactions load as documented (minor units kept as sent), settled
sales reach the unified orders with their returns, transactions are asked payout by payout for
the run's window, a return settled in a later payout updates its sale's row, its errors.

Expected values are read off the bodies (cassettes/klarna/bodies), never from the connector.
"""

from __future__ import annotations

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
from bosco_connectors.sources.klarna import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, replay_documented

BODIES = fixture_folder(connector) / "bodies"
C1, C2, C3 = "33db6f16-9f43-43fa-a587-cc51411c98e4", "4a7e2c10-6b1d-4f0a-9c3e-5d8f1a2b3c4d", "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict) -> None:
    pipeline = dlt.pipeline(pipeline_name="klarna_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1"), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_klarna__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, order_number, currency, gross, total, refunds, status "
                           "from analytics.fct_orders where platform = 'klarna' order by created_at").fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the tests below read (run once for the module): its folder (``x.duckdb``) and its app."""
    app = replay_documented(connector, run, module_tmp)
    return module_tmp, app


def test_payouts_and_transactions_load_in_minor_units(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select payment_reference, payout_date, totals__sale_amount, totals__settlement_amount "
                           "from raw.klarna_payouts order by payout_date") == [
        ("XISA93DJ", datetime(2026, 11, 13, 7, 52, 26, tzinfo=timezone.utc), 7000, 6940),
        ("XISA93DK", datetime(2026, 11, 16, 7, 50, 2, tzinfo=timezone.utc), 0, -500),
        ("XISA93DL", datetime(2026, 11, 19, 7, 51, 40, tzinfo=timezone.utc), 1250, 1250),
    ]
    assert query(tmp_path, "select payment_reference, type, amount, capture_id, payout_date from raw.klarna_transactions "
                           "order by payout_date, type, amount") == [
        ("XISA93DJ", "FEE", 60, C1, datetime(2026, 11, 13, 7, 52, 26, tzinfo=timezone.utc)),
        ("XISA93DJ", "SALE", 2000, C1, datetime(2026, 11, 13, 7, 52, 26, tzinfo=timezone.utc)),
        ("XISA93DJ", "SALE", 5000, C2, datetime(2026, 11, 13, 7, 52, 26, tzinfo=timezone.utc)),
        ("XISA93DK", "RETURN", 500, C1, datetime(2026, 11, 16, 7, 50, 2, tzinfo=timezone.utc)),
        ("XISA93DL", "SALE", 1250, C3, datetime(2026, 11, 19, 7, 51, 40, tzinfo=timezone.utc)),
    ]


def test_settled_sales_reach_the_orders_fact_with_their_returns(replayed, tmp_path):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the orders are built into it: a copy of the shared one
    assert orders(tmp_path) == [
        (C2, date(2026, 11, 12), "order-1002", "USD", Decimal("50"), Decimal("50"), Decimal("0"), "SALE"),
        (C1, date(2026, 11, 12), "order-1001", "USD", Decimal("20"), Decimal("20"), Decimal("5"), "SALE"),
        (C3, date(2026, 11, 18), "order-1003", "USD", Decimal("12.5"), Decimal("12.5"), Decimal("0"), "SALE"),
    ]


def test_transactions_are_asked_payout_by_payout_for_the_window(replayed):
    _, app = replayed
    asked = [(r.path.strip("/").split("/")[-1], {k: v[0] for k, v in r.query.items()}) for e, r in app.answered]
    refs = [q["payment_reference"] for path, q in asked if path == "transactions"]
    assert refs == ["XISA93DJ", "XISA93DJ", "XISA93DK", "XISA93DL"]  # the first payout's two pages, then one each
    windows = {(q["start_date"], q["end_date"]) for path, q in asked if path == "payouts"}
    assert windows == {("2026-11-11T00:00:00Z", "2026-11-20T23:59:59Z")}
    assert all(r.header("authorization", ) == "Basic Zml4dHVyZS11c2VyOmZpeHR1cmUtcGFzc3dvcmQ=" for _, r in app.answered)


class LaterReturn:
    """Klarna for two syncs: the documented payouts; a later payout (2026-11-23) settles a 12.50
    return of the last sale's capture."""

    prefix = "klarna"

    def __init__(self) -> None:
        self.payouts = body("payouts.page1.json")["payouts"] + body("payouts.page2.json")["payouts"]
        later = dict(self.payouts[2], payment_reference="XISA93DM", payout_date="2026-11-23T07:50:00Z")
        self.payouts.append(later)
        sale = body("transactions.XISA93DL.page1.json")["transactions"][0]
        self.transactions = {
            "XISA93DJ": body("transactions.XISA93DJ.page1.json")["transactions"] + body("transactions.XISA93DJ.page2.json")["transactions"],
            "XISA93DK": body("transactions.XISA93DK.page1.json")["transactions"],
            "XISA93DL": [sale],
            "XISA93DM": [dict(sale, type="RETURN", payment_reference="XISA93DM", refund_id="r-later")],
        }

    def handle(self, request):
        path = request.path.strip("/")
        if path == "payouts":
            low, high = request.arg("start_date"), request.arg("end_date")
            found = [p for p in self.payouts if low <= p["payout_date"] <= high]
            return FakeResponse.json({"payouts": found, "pagination": {"count": len(found), "total": len(found), "offset": 0}})
        found = self.transactions[request.arg("payment_reference")]
        return FakeResponse.json({"transactions": found, "pagination": {"count": len(found), "total": len(found), "offset": 0}})


def test_a_return_in_a_later_payout_updates_its_sales_row_and_adds_none(tmp_path, fast):
    app = LaterReturn()
    with FakeApi([app]) as api:
        config = {"username": "u", "password": "p", "base_url": api.url(app.prefix), "start_date": "2026-11-11"}
        run(tmp_path, {**config, "end_date": "2026-11-20"})
        assert [(r[0], r[6]) for r in orders(tmp_path) if r[0] == C3] == [(C3, Decimal("0"))]
        run(tmp_path, {**config, "end_date": "2026-11-25"})
    rows = orders(tmp_path)
    assert len(rows) == 3
    assert [(r[0], r[4], r[6]) for r in rows if r[0] == C3] == [(C3, Decimal("12.5"), Decimal("12.5"))]
    assert query(tmp_path, "select count(*), count(distinct transaction_key) from raw.klarna_transactions") == [(6, 6)]


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, AuthError), (403, AuthError), (429, RetryableApiError), (500, RetryableApiError), (503, RetryableApiError),
     (400, ApiError), (404, ApiError)],
)
def test_documented_errors(status, kind):
    error = API.errors.policy().for_status(httpx.Response(status), {
        "error_code": "SOME_CODE", "error_messages": ["what went wrong"], "correlation_id": "2fe0311b-adc5-45e5-ac2b-963dac83c88b"})
    assert type(error) is kind
    assert "what went wrong" in str(error)
