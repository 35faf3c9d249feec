"""everflow: the documented report rows load per offer, affiliate and asked day with their pivot
columns as ids and names and exact currency-unit money; they reach the unified affiliate and
campaign facts; one request per day; a restated day updates its rows; the errors map as the
reference says, and a truncated table (``incomplete_results``) is too much data, never loaded.

Expected values are read off the documented bodies (cassettes/everflow/bodies), never from the connector.
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

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errormap import TooMuchData
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.everflow import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def sync(db: Path, pipelines: Path, change=None) -> FixtureApp:
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with pytest.MonkeyPatch.context() as mp, FakeApi([app]) as api:
        if change is not None:
            api.transform(change)
        mp.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))
        pipeline = dlt.pipeline(pipeline_name="everflow_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


@pytest.fixture(scope="module")
def replayed(module_tmp):
    tmp = module_tmp  # dlt's dirs and the working directory inside it too
    db = tmp / "t.duckdb"
    app = sync(db, tmp / "p")
    with registered(connector), duckdb.connect(str(db)) as con:
        from bosco_connectors.recipes.runner import build

        built = build(con, select=["fct_affiliate_performance_daily", "fct_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    return db, app


def test_rows_carry_the_asked_day_the_pivot_ids_and_exact_money(replayed):
    db, _ = replayed
    rows = query(db, "select date, offer_id, offer_name, affiliate_id, affiliate_name, total_click, cv, payout, revenue, "
                     "gross_sales, profit, currency_id from raw.everflow_affiliate_offer_daily order by date, offer_id, affiliate_id")
    assert rows == [
        (date(2026, 11, 1), "12", "Trail Runner - CPA", "7", "Some Agency Inc.", 1840, 46, Decimal("920"), Decimal("1380"),
         Decimal("5497.54"), Decimal("460"), "USD"),
        (date(2026, 11, 1), "12", "Trail Runner - CPA", "9", "Deal Hunters LLC", 655, 12, Decimal("240"), Decimal("360"),
         Decimal("1302.9"), Decimal("120"), "USD"),
        (date(2026, 11, 2), "12", "Trail Runner - CPA", "7", "Some Agency Inc.", 1720, 41, Decimal("820"), Decimal("1230"),
         Decimal("4901.35"), Decimal("410"), "USD"),
        (date(2026, 11, 2), "15", "Trail Runner - RevShare", "9", "Deal Hunters LLC", 310, 7, Decimal("113.47"), Decimal("170.2"),
         Decimal("756.45"), Decimal("56.73"), "USD"),
    ]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns "
                                      "where table_name = 'everflow_affiliate_offer_daily'")}
    assert "columns" not in columns and not any(c.startswith("reporting") for c in columns)


def test_one_request_per_day_with_the_pivot_time_zone_and_currency(replayed):
    _, app = replayed
    asked = [json.loads(r.body) for e, r in app.answered if e.stream == "affiliate_offer_daily"]
    assert sorted((b["from"], b["to"]) for b in asked) == [("2026-11-01", "2026-11-01"), ("2026-11-02", "2026-11-02")]
    assert all(b["columns"] == [{"column": "offer"}, {"column": "affiliate"}] and b["timezone_id"] == 67
               and b["currency_id"] == "USD" for b in asked)


def test_offers_load_with_epoch_times(replayed):
    db, _ = replayed
    assert query(db, "select network_offer_id, name, offer_status, currency_id, time_created from raw.everflow_offers "
                     "order by network_offer_id") == [
        ("12", "Trail Runner - CPA", "active", "USD", datetime(2025, 11, 1, tzinfo=timezone.utc)),
        ("15", "Trail Runner - RevShare", "active", "USD", datetime(2025, 11, 2, tzinfo=timezone.utc)),
        ("21", "Summer Sale 2026", "paused", "USD", datetime(2025, 6, 1, tzinfo=timezone.utc)),
    ]


def test_the_report_reaches_the_affiliate_fact(replayed):
    db, _ = replayed
    assert query(db, "select date, program_id, partner_id, partner_name, clicks, actions, sale_amount, commission, currency "
                     "from analytics.fct_affiliate_performance_daily where platform = 'everflow' "
                     "order by date, program_id, partner_id") == [
        (date(2026, 11, 1), "12", "7", "Some Agency Inc.", 1840, 46, Decimal("5497.54"), Decimal("920"), "USD"),
        (date(2026, 11, 1), "12", "9", "Deal Hunters LLC", 655, 12, Decimal("1302.9"), Decimal("240"), "USD"),
        (date(2026, 11, 2), "12", "7", "Some Agency Inc.", 1720, 41, Decimal("4901.35"), Decimal("820"), "USD"),
        (date(2026, 11, 2), "15", "9", "Deal Hunters LLC", 310, 7, Decimal("756.45"), Decimal("113.47"), "USD"),
    ]


def test_a_restated_day_updates_its_rows(tmp_path):
    db = tmp_path / "t.duckdb"
    sync(db, tmp_path / "p1")

    def approved(answer):
        answer = copy.deepcopy(answer)
        for row in answer.get("table", []) if isinstance(answer, dict) else []:
            if [c["id"] for c in row["columns"]] == ["12", "9"]:
                row["reporting"]["cv"], row["reporting"]["payout"] = 11, 220.0
        return answer

    sync(db, tmp_path / "p2", change=approved)
    assert query(db, "select count(*), sum(cv), sum(payout) from raw.everflow_affiliate_offer_daily "
                     "where offer_id = '12' and affiliate_id = '9'") == [(1, 11, Decimal("220"))]
    assert query(db, "select count(*) from raw.everflow_affiliate_offer_daily") == [(4,)]


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (429, RetryableApiError)])
def test_errors_map_as_documented(status, kind):
    documented = body("error.rate_limit.json" if status == 429 else "error.auth.json")
    error = API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), documented)
    assert type(error) is kind
    assert documented["error"] in str(error)


def test_a_truncated_table_is_too_much_data():
    truncated = {**body("affiliate_offer_daily.2026-11-01.json"), "incomplete_results": True}
    assert isinstance(API.errors.policy().for_status(httpx.Response(200), truncated), TooMuchData)
    complete = {**body("affiliate_offer_daily.2026-11-01.json"), "incomplete_results": False}
    assert API.errors.policy().for_status(httpx.Response(200), complete) is None
