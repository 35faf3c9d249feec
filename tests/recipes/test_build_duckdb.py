"""Build the recipes on DuckDB from known raw rows and check every number against Python."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bosco_connectors.recipes import as_executor, build, run_tests

from . import rawdata

SUMMARY_COLUMNS = [
    "tenant_id", "date", "platform", "account_id", "campaign_id", "account_name", "campaign_name", "currency",
    "spend", "impressions", "clicks", "conversions", "revenue", "roas", "ctr", "cpc", "cpm", "conversion_rate",
]
@functools.cache
def not_loaded() -> frozenset[str]:
    """Staging models of sources the fixtures do not load (skipped, with their raw tables named);
    computed on first use, not at collection (parsing every recipe takes seconds in each worker)."""
    return frozenset(rawdata.breadth_models() | {
        "stg_user__exchange_rates",
        *(f"stg_{p}__{t}" for p in ("google_ads", "facebook_ads") for t in (
            "account_daily", "campaign_daily", "ad_group_daily", "ad_daily", "accounts", "campaigns", "ad_groups", "ads",
        )),
    })


REVENUE_COLUMNS = ["tenant_id", "date", "currency", "orders", "gross_revenue", "discounts", "refunds", "net_revenue", "total_sales"]


@pytest.fixture
def conn() -> Any:
    connection = duckdb.connect()
    # Order days must not depend on the machine's zone: make DuckDB's session zone odd on purpose.
    connection.execute("SET TimeZone = 'America/Los_Angeles'")
    yield connection
    connection.close()


def _close(actual: Any, expected: Any) -> bool:
    if expected is None or actual is None:
        return actual is expected
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-12)
    return actual == expected


def assert_matches(rows: list[dict[str, Any]], expected: dict[tuple, dict[str, Any]], key_columns: list[str]) -> None:
    got = {tuple(row[c] for c in key_columns): row for row in rows}
    assert set(got) == set(expected)
    for key, want in expected.items():
        for column, value in want.items():
            assert _close(got[key][column], value), (key, column, got[key][column], value)


def test_full_build_matches_independent_totals(conn) -> None:
    execute = as_executor(conn)
    rawdata.load_raw(execute)
    result = build(conn)
    assert result.ok
    # every model builds except the staging of sources that were not loaded
    assert {m.name for m in result.models if m.status != "built"} == not_loaded()
    assert result.get("stg_google_ads__ad_daily").reason.startswith("missing raw table(s) raw.google_ads_ad_daily")
    assert result.get("fct_ad_performance").inputs == ["stg_tiktok_ads__ad_daily"]
    assert result.get("stg_tiktok_ads__campaign_daily").rows == len(rawdata.REPORT)
    assert result.get("stg_tiktok_ads__ad_daily").rows == len(rawdata.AD_REPORT)
    assert result.get("stg_shopify__orders").rows == len(rawdata.ORDERS)

    summary = rawdata.rows_as_dicts(execute, "duckdb", "daily_campaign_summary", SUMMARY_COLUMNS, ["tenant_id", "date", "campaign_id"])
    assert_matches(summary, rawdata.expected_campaign_summary(), ["tenant_id", "date", "platform", "account_id", "campaign_id"])
    revenue = rawdata.rows_as_dicts(execute, "duckdb", "shopify_daily_revenue", REVENUE_COLUMNS, ["tenant_id", "date", "currency"])
    assert_matches(revenue, rawdata.expected_shopify_revenue(), ["tenant_id", "date", "currency"])
    assert run_tests(conn, build_result=result, today=rawdata.LAST_DAY) == []


def _totals(rows: list[tuple], tenant_at: int = 0, spend_at: int = -5, value_at: int = -1) -> list[tuple]:
    acc: dict[str, list[float]] = {}
    for row in rows:
        sums = acc.setdefault(row[tenant_at], [0.0, 0.0, 0])
        sums[0] += row[spend_at]
        sums[1] += row[value_at]
        sums[2] += 1
    return [(t, pytest.approx(s), pytest.approx(v), n) for t, (s, v, n) in sorted(acc.items())]


LEVELS = {
    "fct_account_performance": rawdata.advertiser_report(rawdata.REPORT),
    "fct_campaign_performance": rawdata.REPORT,
    "fct_ad_group_performance": rawdata.ad_group_report(rawdata.AD_REPORT),
    "fct_ad_performance": rawdata.AD_REPORT,
}


def test_each_level_fact_totals_equal_the_raw_rows(built) -> None:
    execute = as_executor(built)
    for fact, raw_rows in LEVELS.items():
        got = execute(f"select tenant_id, sum(spend), sum(conversion_value), count(*) from analytics.{fact} group by 1 order by 1")
        assert [(t, pytest.approx(float(s)), pytest.approx(float(v)), n) for t, s, v, n in got] == _totals(raw_rows), fact
        # ROAS = value / spend where spend > 0, NULL where spend = 0 (documented in the fact)
        for spend, value, roas in execute(f"select spend, conversion_value, roas from analytics.{fact}"):
            assert roas == (pytest.approx(float(value) / float(spend)) if spend > 0 else None), fact


def test_zero_denominators_give_null_not_an_error(built) -> None:
    execute = as_executor(built)
    rows = rawdata.rows_as_dicts(execute, "duckdb", "daily_campaign_summary", SUMMARY_COLUMNS, ["date"])
    dormant = {row["date"]: row for row in rows if row["campaign_id"] == "1702"}
    all_zero = dormant[rawdata.D1]
    assert all_zero["spend"] == 0 and all_zero["impressions"] == 0
    assert [all_zero[k] for k in ("roas", "ctr", "cpc", "cpm", "conversion_rate")] == [None] * 5
    some_impressions = dormant[rawdata.D2]
    assert some_impressions["roas"] is None  # revenue 30 on zero spend: undefined, not infinite
    assert some_impressions["ctr"] == 0.0 and some_impressions["cpm"] == 0.0
    assert some_impressions["cpc"] is None and some_impressions["conversion_rate"] is None


def test_shopify_absent_skips_its_models_and_the_fact_still_builds(conn) -> None:
    rawdata.load_raw(as_executor(conn), shopify=False)
    result = build(conn)
    assert result.ok
    skipped = {m.name for m in result.skipped}
    assert skipped == not_loaded() | {
        "stg_shopify__orders", "stg_shopify__order_lines", "stg_shopify__products", "stg_shopify__customers",
        "shopify_daily_revenue", "daily_marketing_efficiency",
        # no other store's rows either: the unified orders have no member to union
        "fct_orders", "fct_order_lines", "daily_commerce_revenue",
    }
    assert result.get("stg_shopify__orders").reason == "missing raw table(s) raw.shopify_orders, raw.shopify_shop"
    assert result.get("shopify_daily_revenue").reason == "upstream model(s) not built: fct_orders"
    assert result.get("fct_campaign_performance").inputs == ["stg_tiktok_ads__campaign_daily"]
    assert result.get("fct_campaign_performance").rows == len(rawdata.REPORT)
    assert result.get("daily_channel_summary").status == "built"
    tables = {r[0] for r in conn.execute("select table_name from information_schema.tables where table_schema = 'analytics'").fetchall()}
    assert "shopify_daily_revenue" not in tables and "stg_shopify__orders" not in tables
    # tests run only on what was built
    assert run_tests(conn, build_result=result, today=rawdata.LAST_DAY) == []


def test_without_ga4_the_channel_summary_still_has_ad_spend(conn) -> None:
    execute = as_executor(conn)
    rawdata.load_raw(execute, ga4=False)
    result = build(conn)
    assert result.get("int_ga4_channel_daily").status == "skipped"
    assert result.get("daily_channel_summary").status == "built"  # its GA4 union is optional
    rows = execute("select channel, cast(sum(spend) as double), sum(sessions) from analytics.daily_channel_summary group by 1")
    assert rows == [("tiktok_ads", pytest.approx(sum(r[5] for r in rawdata.REPORT)), 0)]


def test_no_ad_source_skips_the_union_with_a_reason(conn) -> None:
    rawdata.load_raw(as_executor(conn), tiktok=False)
    result = build(conn)
    fact = result.get("fct_campaign_performance")
    assert fact.status == "skipped"
    members = sorted({"stg_facebook_ads__campaign_daily", "stg_google_ads__campaign_daily", "stg_tiktok_ads__campaign_daily"}
                     | {m for m in rawdata.breadth_staging() if m.endswith("__campaign_daily")})
    assert fact.reason == f"no model of union 'stg_*__campaign_daily' was built ({', '.join(members)})"
    for name in ("daily_campaign_summary", "dim_campaigns", "fct_ad_performance", "campaign_features", "daily_marketing_efficiency"):
        assert result.get(name).status == "skipped"
    assert result.get("shopify_daily_revenue").status == "built"
    assert result.get("int_ga4_channel_daily").status == "built"


def test_a_missing_dimension_table_names_it(conn) -> None:
    execute = as_executor(conn)
    rawdata.load_raw(execute, shopify=False)
    execute("drop table raw.tiktok_ads_advertisers")
    result = build(conn, select=["stg_tiktok_ads__campaign_daily"])
    assert result.get("stg_tiktok_ads__campaign_daily").reason == "missing raw table(s) raw.tiktok_ads_advertisers"
    assert result.get("fct_campaign_performance").status == "skipped"


def test_results_follow_dependency_order_and_report_timings(conn) -> None:
    rawdata.load_raw(as_executor(conn))
    events: list[str] = []
    result = build(conn, on_event=events.append)
    names = [m.name for m in result.models]
    assert names.index("stg_tiktok_ads__campaign_daily") < names.index("fct_campaign_performance") < names.index("daily_campaign_summary")
    assert names.index("stg_shopify__orders") < names.index("fct_orders") < names.index("shopify_daily_revenue")
    assert names.index("fct_orders") < names.index("daily_commerce_revenue") < names.index("daily_marketing_efficiency")
    assert names.index("fct_campaign_performance") < names.index("dim_accounts") < names.index("dim_ad_platforms")
    assert names.index("daily_campaign_summary") < names.index("campaign_features")
    assert all(m.seconds > 0 for m in result.built)
    assert events[0].startswith("built   analytics.ad_platforms: 3 rows")  # seeds first
    orders = next(e for e in events if "stg_shopify__orders" in e)
    assert orders.startswith("built   analytics.stg_shopify__orders: 7 rows") and orders.endswith("(full: table does not exist)")
    data = result.as_dict()
    assert data["built"] == len(result.models) - len(not_loaded()) and data["failed"] == 0
    assert data["models"][0]["table"] == "analytics.ad_platforms"


NEGATIVE_SPEND = ("acme", "7001", "1701", "Spring Sale", rawdata.D3, -5.0, 10, 1, 0, 0.0)


def test_negative_spend_fails_the_data_quality_tests_by_name(conn) -> None:
    rawdata.load_raw(as_executor(conn), report_rows=[*rawdata.REPORT, NEGATIVE_SPEND])
    result = build(conn)
    assert result.ok  # bad data builds; the tests catch it
    failures = run_tests(conn, build_result=result, today=rawdata.D3)
    messages = sorted(str(f) for f in failures)
    # the bad campaign-day, wherever it flows: staging, the fact, the daily summaries, the features
    assert messages == sorted(
        [f"check(spend >= 0) failed on analytics.{m}: 1 row" for m in (
            "stg_tiktok_ads__campaign_daily", "fct_campaign_performance", "daily_campaign_summary",
            "daily_channel_summary", "campaign_features",
        )]
        + [
            "check(spend >= 0) failed on analytics.stg_tiktok_ads__account_daily: 1 row",
            "check(spend >= 0) failed on analytics.fct_account_performance: 1 row",
            "check(ad_spend >= 0) failed on analytics.daily_marketing_efficiency: 1 row",
        ]
    )
    assert all(f.rows == 1 and f.is_error for f in failures)


def test_duplicate_keys_and_nulls_are_caught(conn) -> None:
    execute = as_executor(conn)
    rawdata.load_raw(execute, shopify=False)
    # an advertiser row merged twice (no primary key in this fake raw table) duplicates campaign rows
    execute("insert into raw.tiktok_ads_advertisers values ('acme', '7001', 'Acme US', 'USD', 'UTC', 'STATUS_ENABLE', 'x', 'y')")
    execute("update raw.tiktok_ads_advertisers set currency = null where tenant_id = 'beta'")
    result = build(conn, select=["fct_campaign_performance"])
    failures = {(f.model, f.test): f.rows for f in run_tests(conn, build_result=result)}
    acme_rows = sum(1 for r in rawdata.REPORT if r[0] == "acme")
    assert failures[("fct_campaign_performance", "unique(tenant_id, date, platform, campaign_id)")] == 2 * acme_rows
    assert failures[("fct_campaign_performance", "not_null(currency)")] == 1
    assert failures[("stg_tiktok_ads__campaign_daily", "not_null(currency)")] == 1


def test_run_tests_without_a_build_result_tests_existing_tables_only(built) -> None:
    built.execute("update analytics.fct_campaign_performance set spend = -1 where campaign_id = '1702'")
    failures = run_tests(built, today=rawdata.LAST_DAY)
    assert [(f.model, f.test, f.rows) for f in failures] == [("fct_campaign_performance", "check(spend >= 0)", 2)]


def test_a_test_that_cannot_run_is_reported(conn, tmp_path: Path) -> None:
    root = tmp_path / "recipes"
    (root / "staging").mkdir(parents=True)
    (root / "staging" / "stg_x.sql").write_text("-- check: no_such_column > 0\nselect 1 as a from raw.x")
    conn.execute("create schema raw; create table raw.x as select 1 as a")
    result = build(conn, root=root)
    (failure,) = run_tests(conn, root=root, build_result=result)
    assert failure.test == "check(no_such_column > 0)" and failure.error and "no_such_column" in failure.error
    assert str(failure).startswith("check(no_such_column > 0) could not run on analytics.stg_x:")


def test_a_failing_statement_fails_its_model_and_skips_dependents(conn, tmp_path: Path) -> None:
    root = tmp_path / "recipes"
    for rel, sql in {
        "staging/stg_ok.sql": "select 1 as a from raw.x",
        "staging/stg_bad.sql": "select cast('not a number' as integer) as a from raw.x",
        "marts/m_bad.sql": "select a from stg_bad",
        "marts/m_ok.sql": "select a from stg_ok",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(sql)
    conn.execute("create schema raw; create table raw.x as select 1 as a")
    result = build(conn, root=root)
    assert not result.ok
    assert {m.name: m.status for m in result.models} == {"stg_bad": "failed", "stg_ok": "built", "m_bad": "skipped", "m_ok": "built"}
    assert "not a number" in result.get("stg_bad").reason
    assert result.get("m_bad").reason == "upstream model(s) not built: stg_bad"


def test_custom_schemas(conn) -> None:
    execute = as_executor(conn)
    rawdata.load_raw(execute)
    execute("create schema landing")
    for table in ("tiktok_ads_advertisers", "tiktok_ads_report_campaign_daily"):
        execute(f"create table landing.{table} as select * from raw.{table}")
    result = build(conn, raw_schema="landing", target_schema="marketing", select=["daily_campaign_summary"])
    assert result.ok and result.get("daily_campaign_summary").table == "marketing.daily_campaign_summary"
    assert execute("select count(*) from marketing.daily_campaign_summary") == [(len(rawdata.REPORT),)]


def test_rebuilding_replaces_tables(built) -> None:
    execute = as_executor(built)
    execute("delete from raw.tiktok_ads_report_campaign_daily where tenant_id = 'beta'")
    result = build(built)
    assert result.get("fct_campaign_performance").rows == len(rawdata.REPORT) - 1
