"""The declared adobe_analytics source: the ranked daterangeday report (data in columnId order,
the dateRange filter, settings.page from 0), the report suite's currency, the unified web
traffic facts, errors.

Expected values come from the fixture bodies (cassettes/adobe_analytics/), never from the connector's code.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.adobe_analytics import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query

FOLDER = fixture_folder("adobe_analytics")
METRICS = ["visits", "visitors", "orders", "revenue"]  # the documented request's columnId order


def body(name: str) -> dict:
    return json.loads((FOLDER / "bodies" / name).read_text())


def documented() -> list[dict]:
    return [{"value": r["value"], **dict(zip(METRICS, r["data"]))} for n in ("kpi_daily.page1.json", "kpi_daily.page2.json")
            for r in body(n)["rows"]]


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(FOLDER))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="aa_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **config}))
    return seen


@pytest.fixture(scope="module")
def synced(module_tmp):
    """The documented sync (no config, no early answers) the read-only tests below query (run once for the module)."""
    return module_tmp, run(module_tmp)


def test_daily_rows_load_with_exact_revenue_and_the_suites_day(synced):
    tmp_path, _ = synced
    loaded = query(tmp_path, "select date, item_id, visits, visitors, orders, revenue from raw.adobe_analytics_kpi_daily order by 1")
    assert loaded == [(date(2026, 11, 1), "1261101", 1401, 1262, 73, Decimal("7643.88")),
                      (date(2026, 11, 2), "1261102", 1492, 1342, 65, Decimal("6567.64"))]
    assert [r[2] for r in loaded] == [r["visits"] for r in documented()]


def test_the_report_asks_by_day_with_the_window_as_its_date_range_and_pages_from_zero(synced):
    _, seen = synced
    reports = [r for r in seen if r.path.endswith("/reports")]
    asked = [r.json() for r in reports]
    assert [(a["settings"]["page"], a["settings"]["limit"]) for a in asked] == [(0, 1), (1, 1)]
    assert all(a["globalFilters"] == [{"type": "dateRange", "dateRange": "2026-11-01T00:00:00.000/2026-11-03T00:00:00.000"}]
               for a in asked)
    assert all(a["dimension"] == "variables/daterangeday" and a["rsid"] == "examplersid" for a in asked)
    assert all(r.header("x-api-key") == "fixture-client-id" and r.header("authorization") == "Bearer fixture-access-token"
               for r in reports)
    grant = parse_qs(next(r for r in seen if r.path.endswith("/token")).body.decode())
    assert grant["grant_type"] == ["client_credentials"] and grant["scope"] == ["openid,AdobeID,additional_info.projectedProductContext"]


def test_documented_totals_reach_fct_web_traffic_daily_in_the_suites_currency(tmp_path):
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(FOLDER))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_web_traffic_daily"])
    assert built.get("fct_web_traffic_daily").status == "built", [m.line() for m in built.models if m.status != "built"]
    rows = con.execute("select sum(sessions), sum(users), sum(conversions), sum(revenue), min(currency), max(currency) "
                       "from analytics.fct_web_traffic_daily where platform = 'adobe_analytics'").fetchall()
    docs = documented()
    assert rows == [(sum(r["visits"] for r in docs), sum(r["visitors"] for r in docs), sum(r["orders"] for r in docs),
                     sum(Decimal(str(r["revenue"])) for r in docs), "USD", "USD")]
    con.close()


def test_a_day_read_again_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    restated = copy.deepcopy(body("kpi_daily.page2.json"))
    restated["rows"][0]["data"][0] = 1500

    def later(request):
        if request.path.endswith("/reports") and (request.json() or {}).get("settings", {}).get("page") == 1:
            return FakeResponse.json(restated)
        return None

    run(tmp_path, later)
    assert query(tmp_path, "select count(*), sum(visits) from raw.adobe_analytics_kpi_daily") == [(2, 1401 + 1500)]


@pytest.mark.parametrize(("status", "name", "kind", "text"), [
    (401, "error.auth.json", AuthError, "errorDescription"),
    (429, "error.rate_limit.json", RetryableApiError, "message"),
    (200, "error.rate_limit.json", RetryableApiError, "message"),  # the code decides, whatever the status
])
def test_the_documented_errors(status, name, kind, text):
    raw = (FOLDER / "bodies" / name).read_text()
    response = httpx.Response(status, text=raw, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()[text] in str(error)


def test_the_generated_fake_serves_one_row_per_day(tmp_path):
    from bosco_connectors.sandbox.generated import GeneratedApp

    app = GeneratedApp(connector=connector, seed=3, size="tiny", end_date=date(2026, 11, 5))
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url(app.prefix)), "start_date": "2026-11-01", "end_date": "2026-11-05",
                  "page_size": 2, "requests_per_second": 100}
        pipeline = dlt.pipeline(pipeline_name="aa_fake", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(source(**config))
    assert query(tmp_path, "select count(*), min(date), max(date) from raw.adobe_analytics_kpi_daily") == [
        (5, date(2026, 11, 1), date(2026, 11, 5))]
