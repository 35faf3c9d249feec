"""paddle: its documented bodies load as documented, transactions reach the unified orders in
each currency's unit with their approved refund adjustments, a refund approved on a later sync
updates the sale's row, its errors.

Expected values are read off the documented bodies (cassettes/paddle/bodies, Paddle's example
bodies from its Python SDK), worked out by hand, never by the connector.
"""

from __future__ import annotations

import copy
import json
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
from bosco_connectors.sources.paddle import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, quick_client

BODIES = fixture_folder(connector) / "bodies"
COMPLETED, CANCELED, PAST_DUE, BILLED = ("txn_01h857x99rw3vy424gsy6bgtfs", "txn_01h8bh19ag3brhyvakme2c91pa",
                                         "txn_01h7zcz6dhp2tc5mcd7qbnf8sp", "txn_01h69ddtrb11km0wk46dn607ya")


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="paddle_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_paddle__orders", "fct_orders"])  # the staging too: a second build reads new refunds
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, order_number, currency, gross, discounts, tax, total, refunds, "
                           "status, is_cancelled, source_name from analytics.fct_orders where platform = 'paddle' "
                           "order by created_at").fetchall()


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


def test_totals_load_as_sent_in_the_lowest_denomination(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, status, currency_code, details__totals__subtotal, details__totals__discount, "
                           "details__totals__tax, details__totals__total, details__totals__fee, invoice_number, created_at "
                           "from raw.paddle_transactions order by created_at") == [
        (COMPLETED, "completed", "USD", 40000, 0, 0, 40000, 2050, "325-10134", datetime(2026, 11, 12, 21, 13, 7, 33262, tzinfo=timezone.utc)),
        (CANCELED, "canceled", "USD", 59900, 0, 0, 59900, None, None, datetime(2026, 11, 13, 7, 48, 1, 560677, tzinfo=timezone.utc)),
        (PAST_DUE, "past_due", "USD", 5000, 0, 0, 5000, None, "325-10122", datetime(2026, 11, 14, 14, 46, 5, 867010, tzinfo=timezone.utc)),
        (BILLED, "billed", "USD", 40000, 0, 3549, 43549, None, "325-10101", datetime(2026, 11, 18, 15, 35, 6, 134251, tzinfo=timezone.utc)),
    ]
    assert query(tmp_path, "select id, action, status, transaction_id, totals__total from raw.paddle_adjustments order by id") == [
        ("adj_01h7jf6ptkfsc93hzc20fgf8wy", "credit", "approved", "txn_01h7je77vc1qmzxntem45ebb5q", 35986),
        ("adj_01h7jgzjqt2s8sab70e03ptkhv", "credit", "approved", "txn_01h7jgd9bkwjscj3ae15g5d3vs", 71984),
        ("adj_01h8bxezh16gm6t8rx21dx271b", "credit", "pending_approval", "txn_01h8bx69629a16wwm9z8rjmak3", 163297),
        ("adj_01h8c65c2ggq5nxswnnwv78e75", "refund", "approved", COMPLETED, 100),
    ]
    # no personal data: the customers' names and emails are never loaded
    columns = {r[0] for r in query(tmp_path, "select column_name from information_schema.columns where table_name = 'paddle_customers'")}
    assert "id" in columns and not columns & {"name", "email"}
    assert query(tmp_path, "select count(*) from raw.paddle_customers") == [(3,)]
    assert query(tmp_path, "select count(*), count(distinct status) from raw.paddle_subscriptions") == [(4, 3)]


def test_transactions_reach_the_orders_fact_with_their_approved_refunds(replayed, tmp_path):
    import shutil

    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the build writes: a copy of the shared sync
    assert orders(tmp_path) == [
        # the approved 1.00 refund adjustment counts; the pending and approved credits name other transactions
        (COMPLETED, date(2026, 11, 12), "account", "325-10134", "USD", Decimal("400"), Decimal("0"), Decimal("0"), Decimal("400"),
         Decimal("1"), "completed", False, "subscription_recurring"),
        (CANCELED, date(2026, 11, 13), "account", None, "USD", Decimal("599"), Decimal("0"), Decimal("0"), Decimal("599"),
         Decimal("0"), "canceled", True, "web"),
        (PAST_DUE, date(2026, 11, 14), "account", "325-10122", "USD", Decimal("50"), Decimal("0"), Decimal("0"), Decimal("50"),
         Decimal("0"), "past_due", False, "subscription_recurring"),
        (BILLED, date(2026, 11, 18), "account", "325-10101", "USD", Decimal("400"), Decimal("0"), Decimal("35.49"), Decimal("435.49"),
         Decimal("0"), "billed", False, "subscription_recurring"),
    ]


def test_requests_follow_the_documented_filters_and_cursor(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "transactions"]
    window = {"updated_at[GTE]": "2026-11-11T00:00:00Z", "updated_at[LTE]": "2026-11-20T23:59:59Z", "order_by": "id[ASC]",
              "per_page": "2", "status": "billed,paid,completed,past_due,canceled"}
    assert asked == [window, {**window, "after": CANCELED}]  # the last id of page 1
    assert {r.header("paddle-version") for _, r in app.answered} == {"1"}
    assert {r.header("authorization") for _, r in app.answered} == {"Bearer fixture-key"}


class LaterRefund:
    """Paddle for two syncs: the documented transactions, and no adjustment on the first sync;
    before the second, a 150.00 refund of the billed transaction is approved (an adjustment:
    the transaction itself is not changed)."""

    prefix = "paddle"

    def __init__(self) -> None:
        self.transactions = body("transactions.page1.json")["data"] + body("transactions.page2.json")["data"]
        refund = copy.deepcopy(body("adjustments.page1.json")["data"][0])
        refund.update(id="adj_01hlaterrefund0000000000000", transaction_id=BILLED, totals={**refund["totals"], "total": "15000"})
        self.refund = refund
        self.syncs = 0

    def handle(self, request):
        path = request.path.strip("/")
        meta = {"request_id": "x", "pagination": {"per_page": 30, "next": None, "has_more": False, "estimated_total": 0}}
        if path == "transactions":
            return FakeResponse.json({"data": self.transactions, "meta": meta})
        if path == "adjustments":
            return FakeResponse.json({"data": [self.refund] if self.syncs > 1 else [], "meta": meta})
        return FakeResponse.json({"data": [], "meta": meta})


def test_a_refund_approved_on_a_later_sync_updates_its_transactions_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    streams = ["transactions", "adjustments"]
    with FakeApi([app]) as api:
        config = {"api_key": "k", "base_url": api.url(app.prefix), "start_date": "2026-11-11", "end_date": "2026-11-20"}
        app.syncs = 1
        run(tmp_path, config, streams=streams)
        assert [(r[0], r[9]) for r in orders(tmp_path) if r[0] == BILLED] == [(BILLED, Decimal("0"))]
        app.syncs = 2
        run(tmp_path, {**config, "end_date": "2026-11-25"}, streams=streams)
    rows = orders(tmp_path)
    assert len(rows) == 4
    assert [(r[0], r[8], r[9]) for r in rows if r[0] == BILLED] == [(BILLED, Decimal("435.49"), Decimal("150"))]
    assert query(tmp_path, "select count(*), count(distinct id) from raw.paddle_transactions") == [(4, 4)]


def test_a_yen_transaction_is_whole_yen(tmp_path, fast):
    """Paddle's amounts are "in the lowest denomination for the currency": JPY has none, 12000 is 12,000 yen."""
    yen = copy.deepcopy(body("transactions.page1.json")["data"][0])
    yen.update(id="txn_yen", currency_code="JPY")
    yen["details"]["totals"].update(subtotal="12000", discount="0", tax="1200", total="13200", currency_code="JPY")
    refund = copy.deepcopy(body("adjustments.page1.json")["data"][0])
    refund.update(transaction_id="txn_yen", currency_code="JPY", totals={**refund["totals"], "total": "3300", "currency_code": "JPY"})

    class Tokyo:
        prefix = "paddle"

        def handle(self, request):
            path = request.path.strip("/")
            data = {"transactions": [yen], "adjustments": [refund]}.get(path, [])
            return FakeResponse.json({"data": data, "meta": {"request_id": "x", "pagination": {"has_more": False}}})

    with FakeApi([Tokyo()]) as api:
        run(tmp_path, {"api_key": "k", "base_url": api.url("paddle"), "start_date": "2026-11-11", "end_date": "2026-11-20"},
            streams=["transactions", "adjustments"])
    assert [(r[4], r[5], r[7], r[8], r[9]) for r in orders(tmp_path)] == [
        ("JPY", Decimal("12000"), Decimal("1200"), Decimal("13200"), Decimal("3300"))]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (403, "authentication_missing", AuthError), (403, "authentication_malformed", AuthError), (403, "invalid_token", AuthError),
        (403, "forbidden", AuthError), (401, "invalid_access_token", AuthError),
        (429, "too_many_requests", RetryableApiError), (500, "internal_error", RetryableApiError),
        (400, "bad_request", ApiError), (404, "not_found", ApiError),
        (200, "invalid_token", AuthError),  # an error body under HTTP 200 is an error all the same
    ],
)
def test_documented_errors(status, code, kind):
    detail = f"{code.replace('_', ' ')} (documented code)"
    error = API.errors.policy().for_status(httpx.Response(status), {
        "error": {"type": "request_error", "code": code, "detail": detail,
                  "documentation_url": f"https://developer.paddle.com/errors/shared/{code}"},
        "meta": {"request_id": "00000000-0000-0000-0000-000000000000"}})
    assert type(error) is kind
    assert detail in str(error) and code in str(error)
