"""The declared bing_webmaster source: documented bodies, .NET JSON dates, errors, re-reads.

Expected values come from the fixture bodies (cassettes/bing_webmaster/), never from the
connector's own code.
"""

from __future__ import annotations

import copy
from datetime import date

import dlt
import duckdb
import httpx
import pytest
from pydantic import ValidationError

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errormap import SkipPartition
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.bing_webmaster import API, BingWebmasterConfig, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("bing_webmaster"))
SITE = FIXTURES.config["site_urls"][0]


def body(stream: str) -> dict:
    (exchange,) = FIXTURES.data(stream)
    return FIXTURES.body(exchange)


def run(tmp_path, answer_first=None):
    app = FixtureApp(Fixtures.load(fixture_folder("bing_webmaster")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="bing_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**app.source_config(api.url(app.prefix))))
    assert not app.unmatched, app.unmatched
    return seen


def query(tmp_path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the read-only tests below query (run once for the module): its folder
    (``x.duckdb``) and the requests it made."""
    return module_tmp, run(module_tmp)


def test_daily_traffic_loads_on_the_day_its_net_date_names_in_its_offset(replayed):
    tmp_path, _ = replayed
    loaded = query(tmp_path, "select site_url, date, clicks, impressions from raw.bing_webmaster_traffic_daily order by date")
    rows = body("traffic_daily")["d"]
    # /Date(...-0700)/ at Pacific midnight: 07:00 UTC; the last one at -0800 (daylight time ended)
    assert [r["Date"][-7:-2] for r in rows] == ["-0700", "-0700", "-0800"]
    assert loaded == [(SITE, date(2026, 10, 30), rows[0]["Clicks"], rows[0]["Impressions"]),
                      (SITE, date(2026, 10, 31), rows[1]["Clicks"], rows[1]["Impressions"]),
                      (SITE, date(2026, 11, 1), rows[2]["Clicks"], rows[2]["Impressions"])]


def test_query_and_page_stats_load_per_item_and_week_with_positions_as_sent(replayed):
    tmp_path, seen = replayed
    queries = query(tmp_path, "select query, date, clicks, impressions, avg_click_position, avg_impression_position "
                              "from raw.bing_webmaster_query_stats order by date, query")
    assert sorted(queries) == sorted((r["Query"], q_day, r["Clicks"], r["Impressions"], r["AvgClickPosition"], r["AvgImpressionPosition"])
                                     for r, q_day in zip(body("query_stats")["d"], [date(2026, 10, 23), date(2026, 10, 30), date(2026, 10, 30)]))
    assert ("trail shoes waterproof", date(2026, 10, 30), 0, 35, -1, 9) in queries  # -1: no click, kept as sent
    pages = query(tmp_path, "select page, clicks from raw.bing_webmaster_page_stats order by page")
    assert pages == sorted((r["Query"], r["Clicks"]) for r in body("page_stats")["d"])  # GetPageStats' Query is the page
    assert query(tmp_path, "select url, is_verified from raw.bing_webmaster_sites") == [(SITE, True)]
    data = [r for r in seen if r.path.strip("/") != "GetUserSites"]
    assert {r.arg("siteUrl") for r in data} == {SITE} and all(r.arg("apikey") == FIXTURES.config["api_key"] for r in seen)


def test_a_day_bing_revises_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    before = query(tmp_path, "select count(*) from raw.bing_webmaster_traffic_daily")[0][0]
    revised = copy.deepcopy(body("traffic_daily"))
    revised["d"][2]["Clicks"] = 33

    run(tmp_path, lambda request: FakeResponse.json(revised) if request.path.strip("/") == "GetRankAndTrafficStats" else None)
    assert query(tmp_path, "select count(*) from raw.bing_webmaster_traffic_daily")[0][0] == before
    assert query(tmp_path, "select clicks from raw.bing_webmaster_traffic_daily where date = '2026-11-01'") == [(33,)]


# -- errors --------------------------------------------------------------------------------------


def _error(status: int, error_body: dict):
    response = httpx.Response(status, json=error_body, request=httpx.Request("GET", "https://ssl.bing.com/webmaster/api.svc/json/GetQueryStats"))
    return API.errors.policy().for_status(response, error_body)


def test_throttle_user_is_retried():
    assert isinstance(_error(400, FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)


def test_an_invalid_key_is_an_auth_error_naming_bings_code():
    error = _error(400, FIXTURES.body(FIXTURES.error("auth_error")))
    assert isinstance(error, AuthError) and "ERROR!!! InvalidApiKey" in str(error)


def test_a_site_the_user_may_not_read_is_skipped():
    assert isinstance(_error(400, FIXTURES.body(FIXTURES.error("not_authorized"))), SkipPartition)


def test_sites_must_be_urls():
    with pytest.raises(ValidationError, match="not site URLs: 'www.example.com'"):
        BingWebmasterConfig(api_key="k", site_urls="www.example.com", start_date="2026-11-01")
