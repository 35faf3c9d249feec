"""The declared taboola source: its documented bodies as loaded, its error table, its unified mapping.

Expected values are read off the documented bodies in cassettes/taboola/ (or the demo `World`),
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
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.taboola import API, connector
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


def load_documented(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A sync of the documented fixtures into DuckDB (raw schema), read-only connection back."""
    app = FixtureApp(Fixtures.load(fixture_folder("taboola")))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("taboola_docs", destination=dlt.destinations.duckdb(str(tmp_path / "t.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def documented(module_tmp: Path) -> Path:
    """The documented sync every test of the loaded bodies below queries (run once for the module)."""
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):  # as `_reachable_by_name` (function-scoped) gives each test
        load_documented(module_tmp).close()
    return module_tmp / "t.duckdb"


def test_documented_report_rows_load_as_documented(documented):
    con = duckdb.connect(str(documented), read_only=True)
    rows = con.execute("select account_id, campaign, date, spent, conversions_value, clicks, impressions, cpa_actions_num, currency "
                       "from raw.taboola_campaign_day order by date, campaign").fetchall()
    assert rows == [
        ("advertiser-1", "5750752", date(2026, 11, 1), Decimal("10.25"), Decimal("36.0"), 41, 15420, 3, "USD"),
        ("advertiser-1", "5750753", date(2026, 11, 1), Decimal("4.8"), Decimal("0"), 12, 6210, 0, "USD"),
        ("advertiser-1", "5750752", date(2026, 11, 2), Decimal("9.5"), Decimal("12.0"), 38, 14980, 2, "USD"),
    ]
    # money is exact: the JSON number 4.8 is 4.8, not 4.79999...
    assert con.execute("select typeof(spent) from raw.taboola_campaign_day limit 1").fetchone()[0].startswith("DECIMAL")


def test_documented_accounts_and_campaigns_load(documented):
    con = duckdb.connect(str(documented), read_only=True)
    assert con.execute("select account_id, id, currency, time_zone_name from raw.taboola_accounts order by 1").fetchall() == [
        ("advertiser-1", "1163", "USD", "US/Eastern"), ("advertiser-2", "1164", "USD", "US/Eastern")]
    assert con.execute("select id, advertiser_id, status, cpc, start_date from raw.taboola_campaigns order by id").fetchall() == [
        ("5750752", "advertiser-1", "RUNNING", Decimal("0.25"), date(2026, 10, 1)),
        ("5750753", "advertiser-1", "PAUSED", Decimal("0.4"), date(2026, 10, 15))]


def taboola_error(body, status=200):
    return API.errors.policy().for_status(httpx.Response(status), body)


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (429, RetryableApiError),
                                               (500, RetryableApiError), (503, RetryableApiError), (400, ApiError), (415, ApiError)])
def test_the_documented_envelope_maps_whatever_the_http_status(status, kind):
    """``{"http_status", "message"}`` decides, also when a gateway answers it with HTTP 200."""
    for http in (status, 200):
        error = taboola_error({"http_status": status, "message": "vendor says no"}, http)
        assert type(error) is kind, (status, http)
        assert "vendor says no" in str(error)


def test_a_report_body_without_http_status_is_data():
    assert taboola_error({"results": [], "recordCount": 0, "metadata": {"total": 0, "count": 0}}) is None


def test_unified_staging_reads_the_report_as_documented(documented):
    """The generated staging SQL maps Taboola's columns: spent -> spend, cpa_actions_num -> conversions,
    the account's name joined from the accounts table."""
    con = duckdb.connect(str(documented), read_only=True)
    sql = staging_models(connector)["stg_taboola__campaign_daily"]
    rows = con.execute(f"select date, account_id, account_name, campaign_id, campaign_name, currency, spend, clicks, conversions, "
                       f"conversion_value from ({sql}) order by date, campaign_id").fetchall()
    assert rows[0] == (date(2026, 11, 1), "advertiser-1", "Advertiser 1", "5750752", "Demo Campaign 1", "USD", 10.25, 41, 3.0, 36.0)
    assert len(rows) == 3


@pytest.fixture(autouse=True)
def _reachable_by_name():
    """Until its entry point is installed, the registry knows the source only provisionally."""
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def test_generated_fake_serves_the_worlds_campaign_days(tmp_path):
    app = app_for(connector, seed=3, size="tiny", end_date=date(2026, 11, 20))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, sandbox_config(api, connector), tenant_id="t1")
        pipeline = dlt.pipeline("taboola_fake", destination=dlt.destinations.duckdb(str(tmp_path / "f.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    world = app.world
    expected = sum(world.ad_metrics(ad.id, day).spend for a in world.accounts for c in a.campaigns for g in c.ad_groups
                   for ad in g.ads for day in world.days)
    with duckdb.connect(str(tmp_path / "f.duckdb"), read_only=True) as con:
        loaded = con.execute("select sum(spent) from raw.taboola_campaign_day").fetchone()[0]
    assert float(loaded) == pytest.approx(expected, abs=0.01)
