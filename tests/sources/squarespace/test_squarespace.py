"""squarespace: its documented bodies load as documented (exact decimals, no personal data),
orders reach the unified orders, the next page is the answer's URL alone, a refund on a later
sync updates its order's row, its errors.

Expected values are read off the bodies (cassettes/squarespace/bodies), never from the connector.
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
from bosco_connectors.sources.squarespace import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, quick_client

BODIES = fixture_folder(connector) / "bodies"
O3, O4, O5 = "585d498fdee9f31a60284a37", "585d498fdee9f31a60284a38", "585d498fdee9f31a60284a39"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="squarespace_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_squarespace__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, order_number, currency, gross, discounts, tax, shipping, total, refunds, "
                           "status, is_cancelled, is_test, source_name from analytics.fct_orders where platform = 'squarespace' "
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


def test_orders_load_with_exact_totals_and_no_personal_data(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, order_number, subtotal__value, tax_total__value, refunded_total__value, grand_total__value, "
                           "grand_total__currency, created_on from raw.squarespace_orders order by created_on") == [
        (O3, "3", Decimal("55.00"), Decimal("2.70"), Decimal("10.00"), Decimal("57.70"), "USD",
         datetime(2026, 11, 12, 23, 58, 7, 187000, tzinfo=timezone.utc)),
        (O4, "4", Decimal("20.00"), Decimal("1.78"), Decimal("21.78"), Decimal("21.78"), "USD",
         datetime(2026, 11, 14, 9, 12, tzinfo=timezone.utc)),
        (O5, "5", Decimal("12.50"), Decimal("1.11"), Decimal("0.00"), Decimal("13.61"), "USD",
         datetime(2026, 11, 18, 16, 5, tzinfo=timezone.utc)),
    ]
    for table in ("squarespace_orders", "squarespace_transactions", "squarespace_profiles"):
        columns = {r[0] for r in query(tmp_path, f"select column_name from information_schema.columns where table_name = '{table}'")}
        assert not {c for c in columns if "email" in c or "address" in c or "first_name" in c or "last_name" in c}, (table, columns)
    assert query(tmp_path, "select sales_order_id, total__value, total_net_payment__value from raw.squarespace_transactions "
                           "order by created_on") == [(O3, Decimal("57.70"), Decimal("47.70")), (O4, Decimal("21.78"), Decimal("0.00")),
                                                      (O5, Decimal("13.61"), Decimal("13.61"))]
    assert query(tmp_path, "select count(*), sum(case when is_customer then 1 else 0 end) from raw.squarespace_profiles") == [(3, 2)]


def test_orders_reach_the_orders_fact(replayed, tmp_path):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the build writes: a copy of the shared sync
    assert orders(tmp_path) == [
        (O3, date(2026, 11, 12), "3", "USD", Decimal("55"), Decimal("1"), Decimal("2.7"), Decimal("1"), Decimal("57.7"),
         Decimal("10"), "FULFILLED", False, False, "web"),
        (O4, date(2026, 11, 14), "4", "USD", Decimal("20"), Decimal("0"), Decimal("1.78"), Decimal("0"), Decimal("21.78"),
         Decimal("21.78"), "CANCELED", True, False, "web"),
        (O5, date(2026, 11, 18), "5", "USD", Decimal("12.5"), Decimal("0"), Decimal("1.11"), Decimal("0"), Decimal("13.61"),
         Decimal("0"), "FULFILLED", False, False, "pos"),
    ]


def test_the_next_page_is_asked_with_its_cursor_alone_and_every_request_names_the_app(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "orders"]
    assert asked == [{"modifiedAfter": "2026-11-11T00:00:00Z", "modifiedBefore": "2026-11-20T23:59:59Z"},
                     {"cursor": body("orders.page1.json")["pagination"]["nextPageCursor"]}]
    assert all((r.header("user-agent") or "").startswith("bosco-connectors") for _, r in app.answered)
    assert {r.header("authorization") for _, r in app.answered} == {"Bearer fixture-key"}


class LaterRefund:
    """Squarespace for two syncs: the documented orders; on 2026-11-22 order 5 is refunded 5.00,
    which raises its refundedTotal and modifiedOn."""

    prefix = "squarespace"

    def __init__(self) -> None:
        self.orders = body("orders.page1.json")["result"] + body("orders.page2.json")["result"]
        self.later = copy.deepcopy(self.orders[2])
        self.later.update(modifiedOn="2026-11-22T10:00:00.000Z", refundedTotal={"value": "5.00", "currency": "USD"})

    def handle(self, request):
        low, high = request.arg("modifiedAfter"), request.arg("modifiedBefore")
        now = [self.later if o["id"] == O5 and high > "2026-11-22" else o for o in self.orders]
        found = [o for o in now if low <= o["modifiedOn"][:19] + "Z" <= high]
        return FakeResponse.json({"result": found, "pagination": {"hasNextPage": False, "nextPageCursor": None, "nextPageUrl": None}})


def test_a_refund_on_a_later_sync_updates_its_orders_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"api_key": "k", "base_url": api.url(app.prefix), "start_date": "2026-11-11"}
        run(tmp_path, {**config, "end_date": "2026-11-20"}, streams=["orders"])
        run(tmp_path, {**config, "end_date": "2026-11-25"}, streams=["orders"])
    rows = orders(tmp_path)
    assert len(rows) == 3
    assert [(r[0], r[8], r[9]) for r in rows if r[0] == O5] == [(O5, Decimal("13.61"), Decimal("5"))]
    assert query(tmp_path, "select count(*), count(distinct id) from raw.squarespace_orders") == [(3, 3)]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [(401, "AUTHORIZATION_ERROR", AuthError), (429, "TOO_MANY_REQUESTS", RetryableApiError),
     (400, "INVALID_REQUEST_ERROR", ApiError), (500, "INTERNAL_ERROR", RetryableApiError)],
)
def test_documented_errors(status, code, kind):
    message = f"{code.lower()} (an error of that type)"
    error = API.errors.policy().for_status(httpx.Response(status), {"type": code, "subtype": None, "message": message,
                                                                    "details": None, "contextId": "c1"})
    assert type(error) is kind
    assert message in str(error)
