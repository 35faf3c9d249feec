"""The declared criteo source: its documented bodies as loaded, its error table, the report answered as a file.

Expected values are read off the documented bodies in cassettes/criteo/ (or the demo `World`),
never computed by the connector.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.errormap import SkipPartition
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.criteo import API, connector
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@pytest.fixture(autouse=True)
def _reachable_by_name():
    """Until its entry point is installed, the registry knows the source only provisionally."""
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load_documented(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, FixtureApp]:
    app = FixtureApp(Fixtures.load(fixture_folder("criteo")))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("criteo_docs", destination=dlt.destinations.duckdb(str(tmp_path / "c.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True), app


@pytest.fixture(scope="module")
def documented(module_tmp: Path) -> tuple[Path, FixtureApp]:
    """`load_documented` once for the module: the DuckDB file and the app every read-only test below reads."""
    from bosco_connectors.framework.registry import provisional

    folder = module_tmp / "documented"
    with provisional(connector):  # as `_reachable_by_name` gives each test
        con, app = load_documented(folder)
    con.close()
    return folder / "c.duckdb", app


def test_documented_json_report_loads_with_exact_money(documented):
    db, _ = documented
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select advertiser_id, campaign_id, day, currency, displays, clicks, advertiser_cost, "
                       "sales_all_client_attribution, revenue_generated_all_client_attribution "
                       "from raw.criteo_campaign_daily order by day, campaign_id").fetchall()
    # AdvertiserCost "5.363504122262113" (currency units) kept to the billionth the tables hold.
    assert rows == [
        ("73550", "203362", date(2026, 11, 1), "USD", 17510, 58, Decimal("5.363504122"), 3.0, Decimal("184.5")),
        ("73550", "203363", date(2026, 11, 1), "USD", 18911, 107, Decimal("34.302898224"), 1.0, Decimal("42")),
        ("73550", "203362", date(2026, 11, 2), "USD", 22204, 73, Decimal("7.589610561"), 0.0, Decimal("0")),
    ]
    assert con.execute("select adset_id, adset, campaign from raw.criteo_adset_daily order by day, adset_id").fetchall() == [
        ("4461907", "Lower Funnel - Web", "Lower Funnel"), ("4461908", "Prospecting - Web", "Prospecting"),
        ("4461907", "Lower Funnel - Web", "Lower Funnel")]


def test_the_report_query_goes_in_the_json_body(documented):
    _, app = documented
    (request,) = [r for e, r in app.answered if e.stream == "adset_daily"]
    assert request.json() == {
        "advertiserIds": "73550", "format": "json", "currency": "USD", "timezone": "UTC",
        "dimensions": ["AdvertiserId", "Advertiser", "CampaignId", "Campaign", "AdsetId", "Adset", "Day"],
        "metrics": ["Displays", "Clicks", "AdvertiserCost", "SalesAllClientAttribution", "RevenueGeneratedAllClientAttribution"],
        "startDate": "2026-11-01", "endDate": "2026-11-02"}


def test_documented_entities_load(documented):
    db, _ = documented
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select id, advertiser_name from raw.criteo_advertisers order by id").fetchall() == [
        ("13", "ClientName1"), ("1352", "ClientName2"), ("73550", "ClientName3")]
    assert con.execute("select id, advertiser_id, name, goal, spend_limit_type from raw.criteo_campaigns order by id").fetchall() == [
        ("203362", "73550", "Lower Funnel", "retention", "capped"), ("203363", "73550", "Prospecting", "acquisition", "uncapped")]
    assert con.execute("select id, campaign_id, activation_status, delivery_status, budget_amount, attribution_lookback_window "
                       "from raw.criteo_ad_sets order by id").fetchall() == [
        ("4461907", "203362", "on", "live", Decimal("150"), "30D"), ("4461908", "203363", "off", "paused", None, None)]


def criteo_error(body, status=200):
    return API.errors.policy().for_status(httpx.Response(status), body)


@pytest.mark.parametrize(("problem_type", "kind"), [("authentication", AuthError), ("authorization", SkipPartition),
                                                    ("quota", RetryableApiError), ("availability", RetryableApiError),
                                                    ("validation", ApiError)])
def test_the_problem_type_decides_whatever_the_http_status(problem_type, kind):
    for http in (400, 200):
        error = criteo_error({"errors": [{"type": problem_type, "title": "short", "detail": "vendor says no", "traceId": "t-1"}]}, http)
        assert type(error) is kind, (problem_type, http)
        assert "vendor says no" in str(error) and "t-1" in str(error)


def test_an_empty_errors_list_is_data():
    assert criteo_error({"data": [], "errors": [], "warnings": []}) is None


def test_unified_staging_reads_the_report_as_documented(documented):
    db, _ = documented
    con = duckdb.connect(str(db), read_only=True)
    sql = staging_models(connector)["stg_criteo__campaign_daily"]
    rows = con.execute(f"select date, account_id, campaign_id, campaign_name, currency, spend, clicks, conversions, "
                       f"conversion_value from ({sql}) order by date, campaign_id").fetchall()
    assert rows[0] == (date(2026, 11, 1), "73550", "203362", "Lower Funnel", "USD", Decimal("5.363504122"), 58, 3.0, 184.5)
    assert len(rows) == 3


def test_generated_fake_answers_the_report_as_a_json_file(tmp_path):
    app = app_for(connector, seed=3, size="tiny", end_date=date(2026, 11, 20))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, sandbox_config(api, connector), tenant_id="t1")
        pipeline = dlt.pipeline("criteo_fake", destination=dlt.destinations.duckdb(str(tmp_path / "f.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    world = app.world
    expected = sum(world.ad_metrics(ad.id, day).spend for a in world.accounts for c in a.campaigns for g in c.ad_groups
                   for ad in g.ads for day in world.days)
    with duckdb.connect(str(tmp_path / "f.duckdb"), read_only=True) as con:
        by_campaign = con.execute("select sum(advertiser_cost) from raw.criteo_campaign_daily").fetchone()[0]
        by_adset = con.execute("select sum(advertiser_cost) from raw.criteo_adset_daily").fetchone()[0]
    assert float(by_campaign) == pytest.approx(expected, abs=0.01)
    assert float(by_adset) == pytest.approx(expected, abs=0.01)
