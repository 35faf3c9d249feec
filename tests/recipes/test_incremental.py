"""Incremental builds: only the dates whose inputs changed are rebuilt, and the tables
then equal a full rebuild of the same raw data, row for row.

Each test changes the raw tables the way a sync would (a new day, a re-read look-back
day whose numbers moved, a back-fill, a new tenant, a renamed account), builds
incrementally, then builds everything again from scratch into another schema and
compares every table.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bosco_connectors.recipes import STATE_TABLES, as_executor, build, run_tests

from . import rawdata
from .compare import differences

D0, D1, D2, D3 = rawdata.date(2026, 10, 31), rawdata.D1, rawdata.D2, rawdata.D3
INCREMENTAL_TIKTOK = (
    "stg_tiktok_ads__account_daily", "stg_tiktok_ads__campaign_daily", "stg_tiktok_ads__ad_group_daily", "stg_tiktok_ads__ad_daily",
    "fct_account_performance", "fct_campaign_performance", "fct_ad_group_performance", "fct_ad_performance",
)


@pytest.fixture
def conn(built: Any) -> Any:
    """Raw fixture rows, built once in full (see conftest)."""
    return built


def assert_same_as_full_rebuild(conn: Any, result: Any) -> None:
    """Build everything from scratch into `reference` and compare every table built in `result`."""
    execute = as_executor(conn)
    execute("drop schema if exists reference cascade")
    reference = build(conn, target_schema="reference")
    assert reference.ok and {m.mode for m in reference.built} == {"full"}
    assert differences(execute, result, "analytics", "reference") == {}


def sync_a_new_day(execute: Any) -> None:
    """What a daily sync leaves in raw: day D3 added at every level, and on D2 (inside the
    look-back) the ad 3701's attribution grew by one conversion worth 10."""
    execute("insert into raw.tiktok_ads_report_campaign_daily values ('acme', '7001', '1701', 'Spring Sale', DATE '2026-11-03', 30, 3000, 60, 3, 90, NULL)")
    execute("insert into raw.tiktok_ads_report_advertiser_daily values ('acme', '7001', DATE '2026-11-03', 30, 3000, 60, 3, 90, NULL)")
    execute("insert into raw.tiktok_ads_report_ad_daily values ('acme', '7001', '1701', 'Spring Sale', '2701', 'Spring US', '3701', 'Video A', DATE '2026-11-03', 30, 3000, 60, 3, 90, NULL)")
    execute("insert into raw.tiktok_ads_report_adgroup_daily values ('acme', '7001', '1701', 'Spring Sale', '2701', 'Spring US', DATE '2026-11-03', 30, 3000, 60, 3, 90, NULL)")
    execute("update raw.tiktok_ads_report_ad_daily set conversion = conversion + 1, total_complete_payment_rate = total_complete_payment_rate + 10 where ad_id = '3701' and stat_time_day = DATE '2026-11-02'")
    execute("update raw.tiktok_ads_report_adgroup_daily set conversion = conversion + 1, total_complete_payment_rate = total_complete_payment_rate + 10 where adgroup_id = '2701' and stat_time_day = DATE '2026-11-02'")
    execute("insert into raw.ga4_traffic_daily values ('acme', 'p-1', DATE '2026-11-03', 'USD', 'tiktok', 'paid_social', 'Spring Sale', 90, 80, 70, 60, 3, 75, 75)")
    execute(
        "insert into raw.shopify_orders (tenant_id, id, name, created_at, updated_at, currency_code, total_price, subtotal_price,"
        " total_discounts, total_tax, total_shipping, total_refunded, test, _dlt_load_id, _dlt_id)"
        " values ('acme', '1007', '#1007', TIMESTAMPTZ '2026-11-03 10:00:00+00', TIMESTAMPTZ '2026-11-03 10:00:00+00', 'USD',"
        " '80.00', '80.00', '0.00', '0.00', '0.00', '0.00', false, '1700000001.0', 'order-acme-1007')"
    )


def test_a_new_day_rebuilds_that_day_and_the_moved_lookback_day_only(conn) -> None:
    execute = as_executor(conn)
    sync_a_new_day(execute)
    result = build(conn)
    assert result.ok
    rebuilt = result.rebuilt_dates()
    # the look-back day D2 is rebuilt only where its numbers moved (ad and ad-group levels)
    assert rebuilt["stg_tiktok_ads__ad_daily"] == [D2, D3]
    assert rebuilt["fct_ad_performance"] == [D2, D3]
    assert rebuilt["fct_ad_group_performance"] == [D2, D3]
    assert rebuilt["stg_tiktok_ads__campaign_daily"] == [D3]
    assert rebuilt["fct_campaign_performance"] == [D3]
    assert rebuilt["daily_campaign_summary"] == [D3]
    assert rebuilt["fct_account_performance"] == [D3]
    assert rebuilt["stg_ga4__traffic_daily"] == [D3]
    # order days on the shop's calendar come through a lookup (the shop's time zone), and first
    # orders look at a customer's whole history: the orders and what reads them are rebuilt whole
    assert [result.get(m).mode for m in ("stg_shopify__orders", "fct_orders", "shopify_daily_revenue", "daily_marketing_efficiency")] == ["full"] * 4
    assert rebuilt["daily_channel_summary"] == [D3]
    assert rebuilt["stg_ga4__landing_pages_daily"] == []  # its raw table did not change
    assert result.get("stg_ga4__landing_pages_daily").mode == "unchanged"
    assert result.get("fct_ad_performance").rows_rebuilt == 3  # 3701 and 3702 on D2, 3701 on D3
    assert result.get("campaign_features").mode == "full"  # rolling windows are not date-local: always rebuilt
    assert_same_as_full_rebuild(conn, result)
    assert [str(f) for f in run_tests(conn, build_result=result, today=D3)] == []


def test_nothing_changed_means_nothing_rewritten(conn) -> None:
    result = build(conn)
    incremental = [m for m in result.built if m.incremental]
    # 16 + channel_activity__web and int_web_channel_daily (every web tool in the channel-activity columns) + stg_ga4__web_traffic_daily and fct_web_traffic_daily
    assert len(incremental) == 20
    assert {m.mode for m in incremental} == {"unchanged"}
    assert all(m.dates == [] and m.rows_rebuilt == 0 for m in incremental)
    assert "(unchanged)" in result.get("fct_ad_performance").line()


def test_backfill_new_tenant_and_deleted_rows_are_found_without_a_lookback(conn) -> None:
    execute = as_executor(conn)
    # a back-fill of an older day, a tenant synced for the first time, a day that vanished
    execute("insert into raw.tiktok_ads_report_campaign_daily values ('acme', '7001', '1701', 'Spring Sale', DATE '2026-10-31', 9, 900, 9, 0, 0, NULL)")
    execute("insert into raw.tiktok_ads_advertisers values ('gamma', '5001', 'Gamma', 'USD', 'UTC', 'STATUS_ENABLE', '1', 'g')")
    execute("insert into raw.tiktok_ads_report_campaign_daily values ('gamma', '5001', '1501', 'G', DATE '2026-11-02', 1, 100, 1, 0, 0, NULL)")
    execute("delete from raw.tiktok_ads_report_campaign_daily where tenant_id = 'beta'")
    result = build(conn)
    # the new advertiser row is an undated input of the campaign staging: rebuilt in full
    assert result.get("stg_tiktok_ads__campaign_daily").mode == "full"
    assert result.get("stg_tiktok_ads__campaign_daily").detail == "raw.tiktok_ads_advertisers changed"
    assert_same_as_full_rebuild(conn, result)
    # the same changes without a new account: only the touched dates
    execute("insert into raw.tiktok_ads_report_campaign_daily values ('acme', '7001', '1702', 'Dormant', DATE '2026-10-31', 1, 10, 1, 0, 0, NULL)")
    execute("delete from raw.tiktok_ads_report_campaign_daily where tenant_id = 'gamma'")
    again = build(conn)
    assert again.rebuilt_dates()["stg_tiktok_ads__campaign_daily"] == [D0, D2]
    assert again.rebuilt_dates()["fct_campaign_performance"] == [D0, D2]
    assert_same_as_full_rebuild(conn, again)


def test_only_the_columns_a_model_reads_count(conn) -> None:
    execute = as_executor(conn)
    execute("update raw.tiktok_ads_advertisers set timezone = 'UTC'")  # not read by the daily staging models
    untouched = build(conn)
    assert {untouched.get(n).mode for n in INCREMENTAL_TIKTOK} == {"unchanged"}
    execute("update raw.tiktok_ads_advertisers set name = 'Acme Inc' where tenant_id = 'acme'")  # read: account_name
    renamed = build(conn)
    for name in INCREMENTAL_TIKTOK[:4]:
        assert (renamed.get(name).mode, renamed.get(name).detail) == ("full", "raw.tiktok_ads_advertisers changed"), name
    assert renamed.get("fct_campaign_performance").detail == "stg_tiktok_ads__campaign_daily was rebuilt in full"
    assert_same_as_full_rebuild(conn, renamed)
    assert conn.execute("select distinct account_name from analytics.fct_ad_performance where tenant_id = 'acme'").fetchall() == [("Acme Inc",)]


def test_full_refresh_rebuilds_everything(conn) -> None:
    result = build(conn, full_refresh=True)
    assert {(m.mode, m.detail) for m in result.built if m.incremental} == {("full", "full refresh requested")}
    assert result.full_refresh and result.as_dict()["full_refresh"] is True


def test_state_tables_lost_or_table_dropped_means_full(conn) -> None:
    conn.execute("drop table analytics.fct_campaign_performance")
    result = build(conn)
    assert (result.get("fct_campaign_performance").mode, result.get("fct_campaign_performance").detail) == ("full", "table does not exist")
    assert result.get("daily_campaign_summary").detail == "fct_campaign_performance was rebuilt in full"
    for table in STATE_TABLES:
        conn.execute(f"drop table analytics_internal.{table}")
    again = build(conn)
    assert {m.detail for m in again.built if m.incremental} == {"no build state"}


def test_a_failed_write_rolls_back_and_the_next_build_redoes_it(conn) -> None:
    execute = as_executor(conn)
    sync_a_new_day(execute)
    before = execute("select count(*), sum(spend) from analytics.fct_campaign_performance")

    def flaky(sql: str) -> list[tuple]:
        if sql.startswith("INSERT INTO analytics.fct_campaign_performance"):
            raise RuntimeError("connection lost")
        return execute(sql)

    broken = build(flaky)
    assert broken.get("fct_campaign_performance").status == "failed"
    assert broken.get("fct_campaign_performance").reason == "connection lost"
    assert broken.get("daily_campaign_summary").status == "skipped"
    # the DELETE of D3 was rolled back with the failed INSERT
    assert execute("select count(*), sum(spend) from analytics.fct_campaign_performance") == before
    retried = build(conn)
    assert retried.rebuilt_dates()["fct_campaign_performance"] == [D3]
    assert retried.rebuilt_dates()["daily_campaign_summary"] == [D3]
    assert_same_as_full_rebuild(conn, retried)


def test_a_new_platform_in_a_union_rebuilds_the_fact_in_full(tmp_path: Path) -> None:
    root = tmp_path / "recipes"
    for platform in ("a", "b"):
        (root / "staging").mkdir(parents=True, exist_ok=True)
        (root / "staging" / f"stg_{platform}__daily.sql").write_text(
            f"-- incremental: date\nselect tenant_id, day as date, '{platform}' as platform, spend from raw.{platform}_report"
        )
    (root / "marts").mkdir()
    (root / "marts" / "fct.sql").write_text(
        "-- union: daily = stg_*__daily\n-- incremental: date\nselect tenant_id, date, platform, sum(spend) as spend from daily group by all"
    )
    conn = duckdb.connect()
    conn.execute("create schema raw; create table raw.a_report as select 't' as tenant_id, DATE '2026-11-01' as day, 1.0 as spend")
    first = build(conn, root=root)
    assert first.get("fct").inputs == ["stg_a__daily"] and first.get("stg_b__daily").status == "skipped"
    conn.execute("create table raw.b_report as select 't' as tenant_id, DATE '2026-11-02' as day, 2.0 as spend")
    second = build(conn, root=root)
    assert (second.get("fct").mode, second.get("fct").detail) == ("full", "recipe or its inputs' set changed")
    assert second.get("stg_a__daily").mode == "unchanged"
    assert conn.execute("select platform, spend from analytics.fct order by 1").fetchall() == [("a", 1.0), ("b", 2.0)]


def test_editing_a_recipe_rebuilds_it_in_full_but_comments_do_not(tmp_path: Path, conn) -> None:
    root = tmp_path / "recipes"
    shutil.copytree(Path(__file__).resolve().parents[2] / "recipes", root)
    path = root / "metrics" / "daily_campaign_summary.sql"
    edit(path, "-- revenue is the platform", "-- (edited prose) revenue is the platform")
    assert build(conn, root=root).get("daily_campaign_summary").mode == "unchanged"
    edit(path, "max(currency) as currency", "min(currency) as currency")
    edited = build(conn, root=root).get("daily_campaign_summary")
    assert (edited.mode, edited.detail) == ("full", "recipe or its inputs' set changed")


def test_editing_a_derived_column_rebuilds_the_recipes_that_select_it(tmp_path: Path, conn) -> None:
    root = tmp_path / "recipes"
    shutil.copytree(Path(__file__).resolve().parents[2] / "recipes", root)
    build(conn, root=root)
    edit(root / "derived.sql", "spend * 1000 / nullif(impressions, 0) as cpm", "spend * 1000.0 / nullif(impressions, 0) as cpm")
    result = build(conn, root=root)
    for name in ("fct_campaign_performance", "daily_campaign_summary"):  # both select cpm
        assert (result.get(name).mode, result.get(name).detail) == ("full", "recipe or its inputs' set changed"), name
    assert result.get("int_ga4_channel_daily").mode == "unchanged"  # selects fx_rate only


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer has {old!r}"
    path.write_text(text.replace(old, new))


def test_a_date_that_is_not_passed_through_means_full_rebuilds(tmp_path: Path) -> None:
    """`max(day) as date` is not date-local: its inputs count as undated, any change rebuilds it all."""
    root = tmp_path / "recipes"
    (root / "staging").mkdir(parents=True)
    (root / "staging" / "stg_latest.sql").write_text(
        "-- incremental: date\nselect tenant_id, max(day) as date, sum(spend) as spend from raw.report group by tenant_id"
    )
    (root / "staging" / "stg_daily.sql").write_text(
        "-- incremental: date\nselect tenant_id, day as date, sum(spend) as spend from raw.report group by tenant_id, day"
    )
    conn = duckdb.connect()
    conn.execute("create schema raw; create table raw.report as select 't' as tenant_id, DATE '2026-11-01' as day, 1.0 as spend")
    build(conn, root=root)
    conn.execute("insert into raw.report values ('t', DATE '2026-11-02', 2.0)")
    result = build(conn, root=root)
    assert (result.get("stg_latest").mode, result.get("stg_latest").detail) == ("full", "raw.report changed")
    assert result.rebuilt_dates()["stg_daily"] == [D2]
    assert conn.execute("select date, spend from analytics.stg_latest").fetchall() == [(D2, 3.0)]


def test_the_build_state_lives_in_the_internal_schema_not_next_to_the_models(built) -> None:
    def tables(schema: str) -> set[str]:
        rows = built.execute("select table_name from information_schema.tables where table_schema = ?", [schema]).fetchall()
        return {r[0] for r in rows}

    assert set(STATE_TABLES) <= tables("analytics_internal")
    assert not set(STATE_TABLES) & tables("analytics")
    # A state left next to the models by an earlier version is dropped by the next build.
    built.execute("create table analytics._bosco_build_log as select * from analytics_internal._bosco_build_log")
    build(built)
    assert not set(STATE_TABLES) & tables("analytics")
