"""The recipes on data synced from the fake APIs (tiny world, pinned end date).

The raw tables here are what the ad sources really load: their reports come from
Arrow (no ``_dlt_load_id``) and days without delivery are not reported. The expected
numbers come from the raw tables and from the fake world itself, never from the
recipes. The last test syncs one more day and checks the incremental build.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bosco_connectors.destinations import get_destination
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.recipes import as_executor, build, run_tests
from bosco_connectors.sandbox import app_for, sandbox_config, serve
from bosco_connectors.sync import SyncJob, run_sync

from .compare import differences

END = date(2026, 11, 20)
SOURCES = ("tiktok_ads", "google_ads", "facebook_ads")
WORLD = {"seed": 3, "size": "tiny"}


def sync(folder: Path, end: date, sources: tuple[str, ...] = SOURCES) -> None:
    """Sync the fake APIs (world ending on `end`) as tenant demo into folder/bosco.duckdb."""
    connectors = [get_connector(name) for name in sources]
    api = serve(connectors, end_date=end, **WORLD)
    try:
        for connector in connectors:
            result = run_sync(
                SyncJob("demo", connector.name, sandbox_config(api, connector)),
                destination=get_destination("duckdb", path=str(folder / "bosco.duckdb")),
                pipelines_dir=folder / "pipelines",
            )
            assert result.ok, result.failure_line
    finally:
        api.stop()


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo_world")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLT_DATA_DIR", str(folder / "dlt_data"))
        mp.setenv("DLT_PROJECT_DIR", str(folder))
        mp.chdir(folder)
        sync(folder, END)
    conn = duckdb.connect(str(folder / "bosco.duckdb"))
    result = build(conn)
    assert result.ok, [m.line() for m in result.failed]
    conn.close()
    return folder


@pytest.fixture
def conn(synced: Path) -> Any:
    connection = duckdb.connect(str(synced / "bosco.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_report_tables_from_arrow_have_no_load_id(conn) -> None:
    columns = {r[0] for r in conn.execute("select column_name from information_schema.columns where table_name = 'tiktok_ads_report_ad_daily'").fetchall()}
    assert "_dlt_load_id" not in columns and {"stat_time_day", "spend", "ad_id"} <= columns


#: Independent sums over each platform's raw report of a level: rows, spend, impressions,
#: clicks, conversions, value (Google in micros, Meta's link clicks, as documented).
RAW_TOTALS = {
    "tiktok_ads": ("count(*), sum(spend), sum(impressions), sum(clicks), sum(conversion), sum(total_complete_payment_rate)",
                   {"account": "raw.tiktok_ads_report_advertiser_daily", "campaign": "raw.tiktok_ads_report_campaign_daily",
                    "ad_group": "raw.tiktok_ads_report_adgroup_daily", "ad": "raw.tiktok_ads_report_ad_daily"}),
    # Google has no account report: its account level is its campaigns summed per customer and day
    "google_ads": ("count(*), sum(cost_micros) / 1e6, sum(impressions), sum(clicks), sum(conversions), sum(conversions_value)",
                   {"account": "(select customer_id, date, sum(cost_micros) as cost_micros, sum(impressions) as impressions,"
                               " sum(clicks) as clicks, sum(conversions) as conversions, sum(conversions_value) as conversions_value"
                               " from raw.google_ads_campaign_daily group by 1, 2)",
                    "campaign": "raw.google_ads_campaign_daily", "ad_group": "raw.google_ads_ad_group_daily", "ad": "raw.google_ads_ad_daily"}),
    "facebook_ads": ("count(*), sum(spend), sum(impressions), sum(inline_link_clicks), sum(conversions), sum(conversion_value)",
                     {"account": "raw.facebook_ads_insights_account_daily", "campaign": "raw.facebook_ads_insights_campaign_daily",
                      "ad_group": "raw.facebook_ads_insights_adset_daily", "ad": "raw.facebook_ads_insights_ad_daily"}),
}


@pytest.mark.parametrize("level", ["account", "campaign", "ad_group", "ad"])
def test_fact_totals_per_platform_equal_the_raw_tables(conn, level: str) -> None:
    got = {
        p: (n, pytest.approx(float(s)), i, c, pytest.approx(cv), pytest.approx(float(v)))
        for p, n, s, i, c, cv, v in conn.execute(
            f"select platform, count(*), sum(spend), sum(impressions), sum(clicks), sum(conversions), sum(conversion_value)"
            f" from analytics.fct_{level}_performance group by 1"
        ).fetchall()
    }
    expected = {}
    for platform, (sums, tables) in RAW_TOTALS.items():
        if level in tables:
            n, s, i, c, cv, v = conn.execute(f"select {sums} from {tables[level]} as t").fetchone()
            expected[platform] = (n, float(s), i, c, cv, float(v))
    assert set(got) == set(expected) == set(RAW_TOTALS)
    assert got == expected


def test_campaign_spend_equals_the_fake_world(conn) -> None:
    world = app_for(get_connector("tiktok_ads"), end_date=END, **WORLD).world
    expected: dict[tuple[str, date], float] = {}
    for account in world.accounts:
        for campaign in account.campaigns:
            ads = [ad for group in campaign.ad_groups for ad in group.ads]
            for day in world.days:
                expected[(campaign.id, day)] = world.sum_metrics(ads, day).spend
    got = dict(((c, d), float(s)) for c, d, s in conn.execute("select campaign_id, date, spend from analytics.fct_campaign_performance where platform = 'tiktok_ads'").fetchall())
    assert {k: v for k, v in expected.items() if v} == pytest.approx({k: v for k, v in got.items() if v})


def test_roas_is_revenue_over_spend_and_null_without_spend(conn) -> None:
    # TikTok leaves days without delivery out of its reports, so the zero-spend case
    # (roas NULL) is pinned on known rows in test_build_duckdb; here every row has spend.
    for fact in ("fct_ad_performance", "fct_campaign_performance", "daily_campaign_summary"):
        value = "revenue" if fact == "daily_campaign_summary" else "conversion_value"
        rows = conn.execute(f"select spend, {value}, roas from analytics.{fact}").fetchall()
        assert rows and all(roas == (pytest.approx(float(v) / float(s)) if s > 0 else None) for s, v, roas in rows), fact


def test_the_data_quality_tests_pass(conn) -> None:
    assert [str(f) for f in run_tests(conn, today=END)] == []
    platforms = conn.execute("select platform, has_data from analytics.dim_ad_platforms order by 1").fetchall()
    assert platforms == [("facebook_ads", True), ("google_ads", True), ("tiktok_ads", True)]


def test_a_one_day_sync_rebuilds_only_that_day(synced: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(synced, tmp_path / "copy")
    folder = tmp_path / "copy"
    monkeypatch.setenv("DLT_DATA_DIR", str(folder / "dlt_data"))
    sync(folder, END + timedelta(days=1), sources=("tiktok_ads",))  # re-reads the 7-day look-back too
    conn = duckdb.connect(str(folder / "bosco.duckdb"))
    raw_days = conn.execute("select max(stat_time_day) from raw.tiktok_ads_report_ad_daily").fetchone()[0]
    assert raw_days == END + timedelta(days=1)
    result = build(conn)
    rebuilt = result.rebuilt_dates()
    new_day = [END + timedelta(days=1)]
    for name in ("stg_tiktok_ads__ad_daily", "fct_ad_performance", "fct_campaign_performance", "daily_campaign_summary", "daily_channel_summary"):
        assert rebuilt[name] == new_day, name
    assert result.get("fct_ad_performance").rows_rebuilt == conn.execute(
        "select count(*) from raw.tiktok_ads_report_ad_daily where stat_time_day = ?", [new_day[0]]
    ).fetchone()[0]
    reference = build(conn, target_schema="reference")
    assert reference.ok
    assert differences(as_executor(conn), result, "analytics", "reference") == {}
    conn.close()
