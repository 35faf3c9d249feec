"""The declared google_search_console source: documented bodies, the query it sends, errors, re-reads.

Expected values come from the fixture bodies (cassettes/google_search_console/), never from
the connector's own code.
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
from bosco_connectors.framework.facts import FACTS, fact_staging_sql, mappings_of
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.google_search_console import API, GoogleSearchConsoleConfig, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("google_search_console"))
SITE = FIXTURES.config["site_urls"][0]
QUERY_PATH = "/sites/https%3A%2F%2Fwww.example.com%2F/searchAnalytics/query"


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def documented_rows() -> list[dict]:
    return [row for body in bodies("search_analytics_daily") for row in body["rows"]]


def run(tmp_path, answer_first=None, streams=None):
    """Replay the documented fixtures into DuckDB; `answer_first(request)` may answer a request instead."""
    app = FixtureApp(Fixtures.load(fixture_folder("google_search_console")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="gsc_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**app.source_config(api.url(app.prefix)), streams=streams))
    assert not app.unmatched, app.unmatched
    return seen


def query(tmp_path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_rows_load_with_their_keys_named_in_the_order_requested(tmp_path):
    run(tmp_path)
    loaded = query(tmp_path, "select site_url, date, query, page, country, device, clicks, impressions, ctr, position "
                             "from raw.google_search_console_search_analytics_daily order by date, query, country")
    expected = sorted(
        (SITE, date.fromisoformat(r["keys"][0]), *r["keys"][1:], r["clicks"], r["impressions"], r["ctr"], r["position"])
        for r in documented_rows())
    assert sorted(loaded) == expected
    assert (SITE, date(2026, 11, 1), "running shoes", "https://www.example.com/shoes/running", "deu", "TABLET", 0, 12, 0, 8.5) in loaded
    assert query(tmp_path, "select site_url, permission_level from raw.google_search_console_sites order by 1") == sorted(
        (s["siteUrl"], s["permissionLevel"]) for s in bodies("sites")[0]["siteEntry"])


def test_the_query_asks_one_day_by_all_five_dimensions_final_data_paged_by_start_row(tmp_path):
    seen = [r for r in run(tmp_path, streams=["search_analytics_daily"]) if r.path.endswith("/searchAnalytics/query")]
    assert {r.path for r in seen} == {QUERY_PATH}  # the property escaped into one path segment
    sent = [r.json() for r in seen]
    assert [(b["startDate"], b["endDate"], b["startRow"], b["rowLimit"]) for b in sent] == [
        ("2026-11-01", "2026-11-01", 0, 2), ("2026-11-01", "2026-11-01", 2, 2), ("2026-11-02", "2026-11-02", 0, 2)]
    assert all(b["dimensions"] == ["date", "query", "page", "country", "device"] and b["type"] == "web"
               and b["dataState"] == "final" and "site_url" not in b for b in sent)


def test_a_row_read_again_in_the_look_back_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path, streams=["search_analytics_daily"])
    before = query(tmp_path, "select count(*) from raw.google_search_console_search_analytics_daily")[0][0]
    changed = copy.deepcopy(bodies("search_analytics_daily")[-1])  # 2026-11-02, final a day later
    changed["rows"][0].update(clicks=13, impressions=301)

    def later(request):
        if not request.path.endswith("/searchAnalytics/query"):
            return None
        return FakeResponse.json(changed) if request.json()["startDate"] == "2026-11-02" else None

    seen = run(tmp_path, later, streams=["search_analytics_daily"])
    asked = sorted({r.json()["startDate"] for r in seen if r.path.endswith("/searchAnalytics/query")})
    assert asked == ["2026-11-01", "2026-11-02"]  # the 3-day look-back, bounded by start_date
    assert query(tmp_path, "select count(*) from raw.google_search_console_search_analytics_daily")[0][0] == before
    assert query(tmp_path, "select clicks, impressions from raw.google_search_console_search_analytics_daily "
                           "where date = '2026-11-02'") == [(13, 301)]


def test_the_unified_staging_lowers_the_device_and_reads_the_documented_columns():
    stream = next(s for s in connector.streams if s.name == "search_analytics_daily")
    (mapping,) = mappings_of(stream)
    sql = fact_staging_sql(connector, FACTS["organic_search_daily"], [(stream.name, mapping)])
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.google_search_console_search_analytics_daily as select "
                "'t' as tenant_id, 'https://www.example.com/' as site_url, date '2026-11-01' as date, 'shoes' as query, "
                "'https://www.example.com/' as page, 'usa' as country, 'MOBILE' as device, "
                "3.0 as clicks, 40.0 as impressions, 0.075 as ctr, 2.5 as position")
    assert con.execute(f"select device, clicks, impressions, position from ({sql})").fetchall() == [("mobile", 3, 40, 2.5)]


# -- errors --------------------------------------------------------------------------------------


def _error(status: int, body: dict):
    response = httpx.Response(status, json=body, request=httpx.Request("POST", "https://searchconsole.googleapis.com/webmasters/v3/sites"))
    return API.errors.policy().for_status(response, body)


def test_quota_exceeded_is_retried_although_google_answers_403():
    assert isinstance(_error(403, FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)


def test_an_invalid_credential_is_an_auth_error():
    error = _error(401, FIXTURES.body(FIXTURES.error("auth_error")))
    assert isinstance(error, AuthError)
    assert "The authorization credentials provided for the request are invalid" in str(error)


def test_a_property_the_credential_may_not_read_is_skipped():
    assert isinstance(_error(403, FIXTURES.body(FIXTURES.error("forbidden"))), SkipPartition)


# -- config --------------------------------------------------------------------------------------


def test_a_property_must_be_a_url_prefix_or_a_domain_property():
    with pytest.raises(ValidationError, match="not Search Console properties: 'example.com'"):
        GoogleSearchConsoleConfig(site_urls="example.com", client_id="c", client_secret="s", refresh_token="r",
                                  start_date="2026-11-01")
    config = GoogleSearchConsoleConfig(site_urls="https://www.example.com/, sc-domain:example.com", client_id="c",
                                       client_secret="s", refresh_token="r", start_date="2026-11-01")
    assert config.site_urls == ["https://www.example.com/", "sc-domain:example.com"]
