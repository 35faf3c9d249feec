"""The declared dv360 source: documented bodies and report file, the Bid Manager query flow,
the unified facts, errors.

Expected values come from the documented bodies (cassettes/dv360/) read here directly, or
are written out; never from the connector's own code.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, ConfigError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.dv360 import API, connector
from bosco_connectors.sync import SyncJob, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

ADVERTISER = "4321098"


def fixtures() -> Fixtures:
    return Fixtures.load(fixture_folder(connector))


def documented_file() -> list[dict[str, str]]:
    """The documented report's data rows: up to the totals row (no Date), read with the csv module."""
    text = (fixture_folder(connector) / "bodies" / "line_item_daily.csv").read_text()
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        if not row["Date"]:
            break
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dv360")
    app = FixtureApp(fixtures())
    with FakeApi([app]) as api, registered(connector):
        result = run_sync(SyncJob("t", "dv360", app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(tmp / "x.duckdb")), pipelines_dir=tmp / "p", connector=connector)
    assert result.ok, result.failure_line
    assert not app.unmatched
    return tmp, app


def query(tmp: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_report_rows_load_with_exact_money_and_the_advertisers_day(replayed):
    tmp, _ = replayed
    loaded = {(r[0], r[1]): r[2:] for r in query(tmp, "select line_item_id, date, campaign_id, insertion_order_id, impressions, "
                                                      "clicks, total_conversions, total_media_cost, media_cost, advertiser_currency "
                                                      "from raw.dv360_line_item_daily")}
    rows = documented_file()
    assert len(loaded) == len(rows) == 4  # the totals row and the report-time lines are no records
    for row in rows:
        y, m, d = (int(part) for part in row["Date"].split("/"))
        assert loaded[(row["Line Item ID"], date(y, m, d))] == (
            row["Campaign ID"], row["Insertion Order ID"], int(row["Impressions"]), int(row["Clicks"]),
            float(row["Total Conversions"]), Decimal(row["Total Media Cost (Advertiser Currency)"]),
            Decimal(row["Media Cost (Advertiser Currency)"]), "EUR")


def test_the_query_is_created_for_the_advertiser_run_for_the_window_then_deleted(replayed):
    _, app = replayed
    calls = [(r.method, r.path.lstrip("/")) for e, r in app.answered if e.stream == "line_item_daily"]
    assert calls == [("POST", "v2/queries"), ("POST", "v2/queries/1309876543:run"),
                     ("GET", "v2/queries/1309876543/reports/1402468135"),
                     ("GET", "dv360-reports/bosco_dv360_line_item_daily_1402468135.csv"), ("DELETE", "v2/queries/1309876543")]
    created = next(r.json() for e, r in app.answered if r.path.endswith("/v2/queries"))
    assert created["params"]["filters"] == [{"type": "FILTER_ADVERTISER", "value": ADVERTISER}]
    assert created["params"]["groupBys"][0] == "FILTER_DATE" and "FILTER_ADVERTISER_CURRENCY" in created["params"]["groupBys"]
    assert created["schedule"] == {"frequency": "ONE_TIME"}
    run = next(r.json() for e, r in app.answered if r.path.endswith(":run"))
    assert run == {"dataRange": {"range": "CUSTOM_DATES", "customStartDate": {"year": 2026, "month": 11, "day": 1},
                                 "customEndDate": {"year": 2026, "month": 11, "day": 2}}}


def test_the_advertiser_carries_currency_and_time_zone(replayed):
    tmp, _ = replayed
    assert query(tmp, "select advertiser_id, display_name, currency_code, time_zone, entity_status from raw.dv360_advertisers") == [
        (ADVERTISER, "Acme Outdoor", "EUR", "Europe/Berlin", "ENTITY_STATUS_ACTIVE")]


def test_total_media_cost_reaches_the_unified_campaign_facts(replayed):
    from bosco_connectors.recipes.runner import build

    tmp, _ = replayed
    expected: dict[date, Decimal] = defaultdict(Decimal)
    for row in documented_file():
        y, m, d = (int(part) for part in row["Date"].split("/"))
        expected[date(y, m, d)] += Decimal(row["Total Media Cost (Advertiser Currency)"])
    with registered(connector), duckdb.connect(str(tmp / "x.duckdb")) as con:
        built = build(con, select=["fct_campaign_performance"])
        assert built.ok, [m.reason for m in built.models if m.status == "failed"]
        loaded = dict(con.execute("select date, sum(spend) from analytics.fct_campaign_performance where platform = 'dv360' "
                                  "group by date").fetchall())
        names = {r[0] for r in con.execute("select campaign_name from analytics.fct_campaign_performance "
                                           "where platform = 'dv360'").fetchall()}
    assert {k: round(Decimal(str(v)), 6) for k, v in loaded.items()} == dict(expected)
    assert names == {"Autumn tents 2026", "Prospecting - online sales"}


def test_no_conversion_value_is_read_so_the_unified_value_is_zero():
    sql = staging_models(connector)["stg_dv360__campaign_daily"]
    assert "cast(0 as decimal(38, 9)) as conversion_value" in sql and "total_media_cost -> spend" in sql


@pytest.mark.parametrize(("body", "status", "kind"), [
    ("error.auth.json", 401, AuthError), ("error.permission_denied.json", 403, AuthError), ("error.rate_limit.json", 429, RetryableApiError),
])
def test_error_map(body, status, kind):
    documented_body = fixtures().body(next(e for e in fixtures().exchanges if e.response.get("body") == body))
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["error"]["message"] in str(error)


def test_advertiser_ids_are_numbers():
    with pytest.raises(ConfigError) as info:
        connector.validate({"client_id": "c", "client_secret": "s", "refresh_token": "r", "advertiser_ids": "acme"})
    assert "advertiser_ids" in str(info.value)
