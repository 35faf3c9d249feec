"""The declared google_play source: the documented UTF-16 monthly reports as loaded, one file
per calendar month, Cloud Storage's XML errors, the unified app_installs_daily rows.

Expected values are read off the documented bodies in cassettes/google_play/, never computed by the connector.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dlt
import duckdb
import pytest

from bosco_connectors.framework import ApiError
from bosco_connectors.framework.facts import fact_staging_models
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.google_play import connector, months
from bosco_connectors.sync import SyncJob, build_source, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@pytest.fixture(autouse=True)
def _reachable_by_name():
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load_documented(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    app = FixtureApp(Fixtures.load(fixture_folder("google_play")))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("gplay_docs", destination=dlt.destinations.duckdb(str(tmp_path / "g.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "g.duckdb"), read_only=True)


def test_documented_utf16_reports_load(tmp_path):
    con = load_documented(tmp_path)
    rows = con.execute("select package_name, date, daily_device_installs, daily_user_installs, active_device_installs "
                       "from raw.google_play_installs_daily order by package_name, date").fetchall()
    assert rows == [
        ("com.example.puzzlequest", date(2026, 11, 1), 402, 377, 12006),
        ("com.example.puzzlequest", date(2026, 11, 2), 389, 361, 12255),
        ("com.example.simbarun", date(2026, 11, 1), 1204, 1122, 45102),
        ("com.example.simbarun", date(2026, 11, 2), 1157, 1083, 45961),
    ]


def test_a_window_across_months_reads_each_month_file():
    assert months(date(2026, 11, 25), date(2026, 12, 24)) == ["202611", "202612"]
    assert months(date(2026, 12, 30), date(2027, 1, 2)) == ["202612", "202701"]


def test_an_xml_error_answered_with_200_in_place_of_the_csv_fails(tmp_path):
    app = FixtureApp(Fixtures.load(fixture_folder("google_play")))
    xml = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Access denied.</Message></Error>"
    with FakeApi([app]) as api:
        api.transform(lambda body: body if isinstance(body, dict) and "access_token" in body else xml, files=True)
        result = run_sync(SyncJob("t", "google_play", app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(tmp_path / "e.duckdb")), pipelines_dir=tmp_path / "p",
                          connector=connector)
    assert not result.ok and result.error_type is not None and issubclass(result.error_type, ApiError)
    assert "AccessDenied" in (result.error or "")


def test_unified_installs_are_daily_user_installs(tmp_path):
    con = load_documented(tmp_path)
    sql = fact_staging_models(connector)["stg_google_play__app_installs_daily"]
    rows = con.execute(f"select date, app_id, app_os, installs from ({sql}) order by app_id, date").fetchall()
    assert rows == [(date(2026, 11, 1), "com.example.puzzlequest", "android", 377),
                    (date(2026, 11, 2), "com.example.puzzlequest", "android", 361),
                    (date(2026, 11, 1), "com.example.simbarun", "android", 1122),
                    (date(2026, 11, 2), "com.example.simbarun", "android", 1083)]
