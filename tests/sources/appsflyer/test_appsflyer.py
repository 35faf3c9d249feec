"""The declared appsflyer source: its documented CSV reports as loaded, its error table, a JSON
error in place of a CSV report, the unified app_installs_daily rows.

Expected values are read off the documented bodies in cassettes/appsflyer/, never computed by
the connector.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.errormap import SkipPartition
from bosco_connectors.framework.facts import fact_staging_models
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.appsflyer import API, connector
from bosco_connectors.sync import SyncJob, build_source, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@pytest.fixture(autouse=True)
def _reachable_by_name():
    """Until its entry point is installed, the registry knows the source only provisionally."""
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load_documented(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    app = FixtureApp(Fixtures.load(fixture_folder("appsflyer")))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("appsflyer_docs", destination=dlt.destinations.duckdb(str(tmp_path / "a.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)


def test_documented_aggregate_report_loads_with_exact_money(tmp_path):
    con = load_documented(tmp_path)
    rows = con.execute("select app_id, date, agency, media_source, campaign, currency, installs, total_revenue, total_cost "
                       "from raw.appsflyer_partners_daily order by app_id, date, media_source").fetchall()
    assert len(rows) == 6
    # partners_daily.android.csv, first row; partners_daily.ios.csv, the agency row.
    assert rows[0] == ("com.example.budgetbuddy", date(2026, 11, 1), "", "googleadwords_int", "UAC_Installs_BR", "USD", 1012,
                       Decimal("2250.80"), Decimal("1518.00"))
    assert ("id1234567890", date(2026, 11, 2), "mobupps", "applovin_int", "Rewarded_Video_T1", "USD", 188,
            Decimal("602.10"), Decimal("940.00")) in rows


def test_documented_installs_load_without_personal_data(tmp_path):
    con = load_documented(tmp_path)
    columns = {c for (c,) in con.execute("select column_name from information_schema.columns "
                                         "where table_name = 'appsflyer_installs'").fetchall()}
    assert not columns & {"ip", "idfa", "idfv", "advertising_id", "android_id", "customer_user_id", "imei", "user_agent",
                          "original_url", "city", "postal_code"}
    rows = con.execute("select app_id, appsflyer_id, install_time, media_source, campaign, cost_value, cost_currency "
                       "from raw.appsflyer_installs order by install_time").fetchall()
    assert [r[1] for r in rows] == ["1730452803211-4512093", "1730501258003-7781204", "1730556200114-2290031"]
    assert rows[1][2].replace(tzinfo=None) == datetime(2026, 11, 1, 23, 47, 38)
    assert rows[0][5:] == (Decimal("8.0000"), "USD") and rows[2][5:] == (None, None)


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"message": "Supplied API token is invalid"}, AuthError),
    (400, {"message": "Your API call limit has been reached for the given report type"}, RetryableApiError),
    (404, {"message": "AppsFlyer 404 error message page displays"}, SkipPartition),
])
def test_documented_errors(status, body, kind):
    error = API.errors.policy().for_status(httpx.Response(status), body)
    assert type(error) is kind and body["message"] in str(error)


def test_a_json_error_answered_with_200_in_place_of_the_csv_fails_the_stream(tmp_path):
    """AppsFlyer's errors carry no code, only a message: a 200 JSON answer to a CSV request is no empty report."""
    app = FixtureApp(Fixtures.load(fixture_folder("appsflyer")))
    with FakeApi([app]) as api:
        api.transform(lambda body: {"message": "Supplied API token is invalid"}, files=True)
        result = run_sync(SyncJob("t", "appsflyer", app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(tmp_path / "e.duckdb")),
                          pipelines_dir=tmp_path / "p", connector=connector)
    assert not result.ok and result.error_type is not None and issubclass(result.error_type, ApiError)
    assert "Supplied API token is invalid" in (result.error or "")


def test_unified_rows_name_the_app_os_and_sum_agencies(tmp_path):
    con = load_documented(tmp_path)
    sql = fact_staging_models(connector)["stg_appsflyer__app_installs_daily"]
    rows = con.execute(f"select app_id, app_os, date, media_source, installs, revenue, cost, currency from ({sql}) "
                       "order by app_id, date, media_source").fetchall()
    assert {(r[0], r[1]) for r in rows} == {("id1234567890", "ios"), ("com.example.budgetbuddy", "android")}
    assert ("id1234567890", "ios", date(2026, 11, 2), "applovin_int", 188, Decimal("602.10"), Decimal("940.00"), "USD") in rows
    assert sum(r[4] for r in rows) == 214 + 301 + 188 + 230 + 1012 + 402
