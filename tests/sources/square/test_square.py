"""square: its documented bodies load as documented, payments reach the unified orders on the
location's day in each currency's unit, a later refund updates its payment's row, its errors.

Expected values are read off the documented bodies (cassettes/square/bodies, built from the
examples of Square's OpenAPI description), worked out by hand, never by the connector.
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
from bosco_connectors.sources.square import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

BODIES = fixture_folder(connector) / "bodies"
LA, NY = "18YC4JDH91E1H", "3Z4V4WHQK64X9"
PAY_A, PAY_B, PAY_C, PAY_D = ("ZVAv9bN0mGBq7aLjwW1pMbIx7JKZY", "LA2bnQpYrcS0Kv9xWmTz3gHj8UeZY", "FQ3vX7mN2kB8jL5hG1dS9aP4oI6uZ",
                              "Kc8nV5bX2zL9mQ4wE7rT1yU6iO3pZ")


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="square_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, store_name, order_number, currency, gross, total, refunds, "
                           "status, is_cancelled, source_name from analytics.fct_orders where platform = 'square' "
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


def test_money_objects_load_as_sent_in_the_smallest_denomination(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, location_id, amount_money__amount, tip_money__amount, total_money__amount, "
                           "refunded_money__amount, total_money__currency, status, created_at from raw.square_payments "
                           "order by created_at") == [
        (PAY_A, LA, 1000, 100, 1100, 300, "USD", "COMPLETED", datetime(2026, 11, 12, 18, 4, 12, 345000, tzinfo=timezone.utc)),
        (PAY_B, LA, 2500, None, 2500, 500, "USD", "COMPLETED", datetime(2026, 11, 14, 7, 30, tzinfo=timezone.utc)),
        (PAY_C, LA, 800, None, 800, None, "USD", "FAILED", datetime(2026, 11, 16, 20, 10, tzinfo=timezone.utc)),
        (PAY_D, NY, 1299, None, 1299, 1299, "USD", "COMPLETED", datetime(2026, 11, 17, 15, 0, tzinfo=timezone.utc)),
    ]
    # refund_ids, a list of strings, is JSON text in the payment's row (an Arrow stream: no child table)
    ids = query(tmp_path, "select tenant_id, refund_ids from raw.square_payments where refund_ids is not null")
    assert {t for t, _ in ids} == {"t1"} and sum(len(json.loads(r)) for _, r in ids) == 3
    assert query(tmp_path, "select id, timezone, currency from raw.square_locations order by 1") == [
        (LA, "America/Los_Angeles", "USD"), (NY, "America/New_York", "USD")]
    # line items: a table of their own, each with its order's id filled in (Square's name none)
    assert query(tmp_path, "select order_id, uid, quantity, base_price_money__amount from raw.square_orders__line_items "
                           "order by order_id, uid") == sorted(
        (o["id"], li["uid"], li["quantity"], li["base_price_money"]["amount"])
        for page in ("orders.page1.json", "orders.page2.json") for o in body(page)["orders"] for li in o.get("line_items", []))


def test_payments_reach_the_orders_fact_on_the_locations_day(replayed, tmp_path):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the build writes: a copy of the shared sync
    assert orders(tmp_path) == [
        # 18:04 UTC is 10:04 in Los Angeles; 10.00 without the 1.00 tip
        (PAY_A, date(2026, 11, 12), LA, "Grant Park", "ZVAv", "USD", Decimal("10"), Decimal("11"), Decimal("3"), "COMPLETED", False, "SQUARE_POS"),
        # 07:30 UTC on the 14th is 23:30 on the 13th in Los Angeles: the location's day, not the UTC day
        (PAY_B, date(2026, 11, 13), LA, "Grant Park", "LA2b", "USD", Decimal("25"), Decimal("25"), Decimal("5"), "COMPLETED", False, "SQUARE_POS"),
        (PAY_C, date(2026, 11, 16), LA, "Grant Park", "FQ3v", "USD", Decimal("8"), Decimal("8"), None, "FAILED", True, "SQUARE_POS"),
        (PAY_D, date(2026, 11, 17), NY, "Midtown", "Kc8n", "USD", Decimal("12.99"), Decimal("12.99"), Decimal("12.99"), "COMPLETED", False, "SQUARE_POS"),
    ]


def test_payments_are_read_per_location_by_update_time_from_start_date(replayed):
    _, app = replayed
    payments = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "payments"]
    window = {"updated_at_begin_time": "2026-11-11T00:00:00Z", "updated_at_end_time": "2026-11-20T23:59:59Z",
              "sort_field": "UPDATED_AT", "sort_order": "ASC", "limit": "2", "begin_time": "2026-11-11T00:00:00Z"}
    assert sorted(payments, key=lambda q: (q["location_id"], "cursor" in q)) == [
        {**window, "location_id": LA}, {**window, "location_id": LA, "cursor": body("payments.la.page1.json")["cursor"]},
        {**window, "location_id": NY},
    ]
    searches = [r.json() for e, r in app.answered if e.stream == "orders"]
    assert searches[0] == {"location_ids": [LA, NY], "limit": 2, "query": {
        "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
        "filter": {"date_time_filter": {"updated_at": {"start_at": "2026-11-11T00:00:00Z", "end_at": "2026-11-20T23:59:59Z"}}}}}
    assert {r.header("square-version") for _, r in app.answered} == {"2026-08-19"}


class LaterRefund:
    """Square for two syncs: the documented locations and payments; on 2026-11-22 the rest of
    the 25.00 payment is refunded, which raises its refunded_money and updated_at."""

    prefix = "square"

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.payments = body("payments.la.page1.json")["payments"] + body("payments.la.page2.json")["payments"] \
            + body("payments.ny.page1.json")["payments"]
        self.later = copy.deepcopy(next(p for p in self.payments if p["id"] == PAY_B))
        self.later.update(refunded_money={"amount": 2500, "currency": "USD"}, updated_at="2026-11-22T10:00:00.000Z",
                          refund_ids=[*self.later["refund_ids"], "LA2bnQpYrcS0Kv9xWmTz3gHj8UeZY_second"])

    def handle(self, request):
        path = request.path.strip("/")
        query = {k: v[0] for k, v in request.query.items()}
        self.requests.append((path, query))
        if path == "locations":
            return FakeResponse.json(body("locations.json"))
        low, high = query["updated_at_begin_time"], query["updated_at_end_time"]
        now = [self.later if p["id"] == PAY_B and high > "2026-11-22" else p for p in self.payments]  # the second sync's world
        found = [p for p in now if p["location_id"] == query["location_id"] and low <= p["updated_at"][:19] + "Z" <= high]
        return FakeResponse.json({"payments": found})


def test_a_refund_on_a_later_sync_updates_its_payments_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"access_token": "fixture-token", "base_url": api.url(app.prefix), "start_date": "2026-11-11"}
        run(tmp_path, {**config, "end_date": "2026-11-20"}, streams=["locations", "payments"])
        assert query(tmp_path, f"select refunded_money__amount from raw.square_payments where id = '{PAY_B}'") == [(500,)]
        run(tmp_path, {**config, "end_date": "2026-11-25"}, streams=["locations", "payments"])
    # the second sync asked from the saved cursor (the newest update, 2026-11-18 14:30:00.512) less one hour
    assert ("payments", {"location_id": LA, "updated_at_begin_time": "2026-11-18T13:30:00Z", "updated_at_end_time": "2026-11-25T23:59:59Z",
                         "sort_field": "UPDATED_AT", "sort_order": "ASC", "limit": "100", "begin_time": "2026-11-11T00:00:00Z"}) in app.requests
    assert query(tmp_path, "select count(*), count(distinct id) from raw.square_payments") == [(4, 4)]
    assert query(tmp_path, f"select refunded_money__amount, updated_at from raw.square_payments where id = '{PAY_B}'") == [
        (2500, datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc))]
    refunded = [(r[6], r[8]) for r in orders(tmp_path) if r[0] == PAY_B]
    assert refunded == [(Decimal("25"), Decimal("25"))]
    assert len(orders(tmp_path)) == 4


def test_a_yen_payment_is_whole_yen(tmp_path, fast):
    """JPY has no minor unit: Square's amount 1500 is 1,500 yen (Money: "the smallest denomination")."""
    location = {**body("locations.json")["locations"][0], "id": "LJP1", "timezone": "Asia/Tokyo", "currency": "JPY", "country": "JP"}
    payment = {**body("payments.ny.page1.json")["payments"][0], "id": "JPY1", "location_id": "LJP1",
               "amount_money": {"amount": 1500, "currency": "JPY"}, "total_money": {"amount": 1500, "currency": "JPY"},
               "refunded_money": {"amount": 500, "currency": "JPY"}, "created_at": "2026-11-12T16:00:00.000Z"}

    class Tokyo:
        prefix = "square"

        def handle(self, request):
            if request.path.strip("/") == "locations":
                return FakeResponse.json({"locations": [location]})
            return FakeResponse.json({"payments": [payment]})

    with FakeApi([Tokyo()]) as api:
        run(tmp_path, {"access_token": "t", "base_url": api.url("square"), "start_date": "2026-11-11", "end_date": "2026-11-20"},
            streams=["locations", "payments"])
    # 16:00 UTC is 01:00 the next day in Tokyo
    assert [(r[1], r[5], r[6], r[8]) for r in orders(tmp_path)] == [(date(2026, 11, 13), "JPY", Decimal("1500"), Decimal("500"))]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "UNAUTHORIZED", AuthError), (401, "ACCESS_TOKEN_EXPIRED", AuthError), (401, "ACCESS_TOKEN_REVOKED", AuthError),
        (403, "INSUFFICIENT_SCOPES", AuthError), (403, "FORBIDDEN", AuthError),
        (429, "RATE_LIMITED", RetryableApiError), (500, "INTERNAL_SERVER_ERROR", RetryableApiError),
        (503, "SERVICE_UNAVAILABLE", RetryableApiError), (504, "GATEWAY_TIMEOUT", RetryableApiError),
        (400, "INVALID_TIME_RANGE", ApiError), (404, "NOT_FOUND", ApiError),
        (200, "UNAUTHORIZED", AuthError),  # an error body under HTTP 200 is an error all the same
    ],
)
def test_documented_errors(status, code, kind):
    detail = f"{code.lower().replace('_', ' ')} (documented code)"
    error = API.errors.policy().for_status(httpx.Response(status), {"errors": [{"category": "X", "code": code, "detail": detail}]})
    assert type(error) is kind
    assert detail in str(error) and code in str(error)


def test_the_orders_fact_builds_before_any_tip_or_refund(tmp_path, fast):
    """A seller whose payments never had a tip, a refund or application details: the columns the
    unified orders read exist all the same (declared), and are NULL."""
    location = body("locations.json")["locations"][1]
    payment = {k: v for k, v in body("payments.ny.page1.json")["payments"][0].items()
               if k not in ("refunded_money", "refund_ids", "application_details")}

    class Plain:
        prefix = "square"

        def handle(self, request):
            if request.path.strip("/") == "locations":
                return FakeResponse.json({"locations": [location]})
            return FakeResponse.json({"payments": [payment]})

    with FakeApi([Plain()]) as api:
        run(tmp_path, {"access_token": "t", "base_url": api.url("square"), "start_date": "2026-11-11", "end_date": "2026-11-20"},
            streams=["locations", "payments"])
    assert [(r[0], r[6], r[8], r[11]) for r in orders(tmp_path)] == [(PAY_D, Decimal("12.99"), None, None)]
