"""The declared adjust source: the documented report as loaded (string values as exact numbers),
the date_period parameter, the errors by status, the unified app_installs_daily rows.

Expected values are read off the documented bodies in cassettes/adjust/, never computed by the connector.
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
from bosco_connectors.framework.facts import fact_staging_models
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.spec import Window
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.adjust import API, connector
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@pytest.fixture(autouse=True)
def _reachable_by_name():
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load_documented(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    app = FixtureApp(Fixtures.load(fixture_folder("adjust")))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("adjust_docs", destination=dlt.destinations.duckdb(str(tmp_path / "a.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)


def test_documented_rows_load_as_exact_numbers(tmp_path):
    con = load_documented(tmp_path)
    rows = con.execute("select app_token, day, os_name, partner_name, campaign_network, currency, installs, reattributions, "
                       "revenue, cost from raw.adjust_installs_daily order by app_token, day, partner_name").fetchall()
    assert len(rows) == 5
    # installs_daily.abc123abc123.json, the AppLovin row of 2026-11-01: "287", "14", "96.40", "574.00".
    assert ("abc123abc123", date(2026, 11, 1), "android", "AppLovin", "Rewarded_T1", "USD", 287, 14,
            Decimal("96.40"), Decimal("574.00")) in rows
    columns = {c for (c,) in con.execute("select column_name from information_schema.columns "
                                         "where table_name like 'adjust_installs_daily%'").fetchall()}
    assert not any(c.startswith("attr_dependency") for c in columns)


def test_date_period_carries_both_days_in_one_parameter():
    window = WindowParams("date_period", joined=":")
    assert window.render(Window(date(2026, 11, 1), date(2026, 11, 30))) == {"date_period": "2026-11-01:2026-11-30"}
    assert window.parse({"date_period": "2026-11-01:2026-11-30"}) == ("2026-11-01", "2026-11-30")


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (429, RetryableApiError),
                                              (503, RetryableApiError), (504, RetryableApiError), (400, ApiError)])
def test_the_status_decides(status, kind):
    error = API.errors.policy().for_status(httpx.Response(status, text="Unauthorized"), None)
    assert type(error) is kind


def test_unified_rows(tmp_path):
    con = load_documented(tmp_path)
    sql = fact_staging_models(connector)["stg_adjust__app_installs_daily"]
    rows = con.execute(f"select app_id, app_os, date, media_source, campaign, installs, reinstalls, revenue, cost, currency "
                       f"from ({sql}) order by app_id, date, media_source").fetchall()
    assert ("1234567890", "ios", date(2026, 11, 1), "Facebook Installs", "Prospecting_iOS", 156, 3, Decimal("211.90"),
            Decimal("1170.00"), "USD") in rows
    assert {r[0] for r in rows} == {"com.example.puzzlequest", "1234567890"}
