"""Data-quality tests declared in the headers: relationships, freshness, bounds, warnings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb

from bosco_connectors.recipes import as_executor, build, declared_tests, list_recipes, run_tests

from . import rawdata


def messages(found: list[Any], errors: bool = True) -> set[str]:
    return {str(f) for f in found if f.is_error == errors}


def test_the_built_fixture_passes_every_test(built) -> None:
    assert run_tests(built, today=rawdata.LAST_DAY) == []


def test_a_fact_row_without_its_dimension_row_fails_the_relationship(built) -> None:
    built.execute("delete from analytics.dim_campaigns where tenant_id = 'acme' and campaign_id = '1701'")
    built.execute("delete from analytics.dim_ad_platforms")
    found = run_tests(built, today=rawdata.LAST_DAY)
    got = messages(found)
    assert "relationship(tenant_id, platform, campaign_id -> dim_campaigns) failed on analytics.fct_campaign_performance: 2 rows" in got
    assert "relationship(tenant_id, platform, campaign_id -> dim_campaigns) failed on analytics.dim_ads: 2 rows" in got
    assert "relationship(platform -> dim_ad_platforms) failed on analytics.dim_accounts: 2 rows" in got
    assert "relationship(platform -> dim_ad_platforms) failed on analytics.fct_ad_performance: 5 rows" in got


def test_freshness_counts_the_tenants_whose_latest_day_is_too_old(built) -> None:
    three_days_on = messages(run_tests(built, today=rawdata.LAST_DAY + timedelta(days=3)))
    # beta's last TikTok and GA4 day is Nov 1: more than 3 days before Nov 5; acme's (Nov 2) is not
    assert three_days_on == {
        "freshness(date within 3 days) failed on analytics.stg_tiktok_ads__campaign_daily: 1 row",
        "freshness(date within 3 days) failed on analytics.stg_ga4__traffic_daily: 1 row",
    }
    later = messages(run_tests(built, today=rawdata.LAST_DAY + timedelta(days=10)))
    assert "freshness(order_date within 7 days) failed on analytics.fct_orders: 2 rows" in later
    assert "freshness(date within 3 days) failed on analytics.stg_tiktok_ads__campaign_daily: 2 rows" in later


def test_roas_out_of_bounds_is_an_error_and_clicks_above_impressions_a_warning() -> None:
    conn = duckdb.connect()
    odd = [
        ("acme", "7001", "1701", "Spring Sale", rawdata.D3, 0.01, 100, 150, 1, 100.0),  # roas 10,000; 150 clicks on 100 impressions
    ]
    rawdata.load_raw(as_executor(conn), report_rows=[*rawdata.REPORT, *odd])
    found = run_tests(conn, build_result=build(conn), today=rawdata.D3)
    assert "check(roas >= 0 AND roas <= 1000) failed on analytics.fct_campaign_performance: 1 row" in messages(found)
    assert "check(roas >= 0 AND roas <= 1000) failed on analytics.daily_campaign_summary: 1 row" in messages(found)
    assert "warn_if(clicks > impressions) warns on analytics.fct_campaign_performance: 1 row" in messages(found, errors=False)


def test_an_infinite_spend_in_old_raw_rows_cannot_be_staged() -> None:
    """Raw rows loaded before the contract refused infinities (a double column): `spend >= 0`
    holds for inf, and the summary once showed spend inf with ROAS 0. Money is staged as an
    exact decimal (issue 12), which has no infinity: the staging model fails, naming the value
    and the column, and no fact is built from it."""
    conn = duckdb.connect()
    one_day = [("acme", "7001", "1701", "Spring Sale", rawdata.D3, 1.0, 100, 10, 1, 100.0)]
    rawdata.load_raw(as_executor(conn), report_rows=[*rawdata.REPORT, *one_day])
    conn.execute("update raw.tiktok_ads_report_campaign_daily set spend = 'inf'::double where spend = 1.0 and campaign_id = '1701'")
    result = build(conn)
    staging = result.get("stg_tiktok_ads__campaign_daily")
    assert staging.status == "failed" and "Could not cast value inf to DECIMAL(38,9)" in staging.reason
    assert "spend" in staging.reason
    assert result.get("fct_campaign_performance").status != "built"


def test_every_fact_and_dimension_declares_its_tests() -> None:
    recipes = {r.name: r for r in list_recipes()}
    for level in ("account", "campaign", "ad_group", "ad"):
        names = {t.name for t in declared_tests(recipes[f"fct_{level}_performance"], today=rawdata.LAST_DAY)}
        assert {"check(spend >= 0)", "check(roas >= 0 AND roas <= 1000)", "not_null(currency)", "relationship(platform -> dim_ad_platforms)"} <= names
        assert {f"finite({c})" for c in ("spend", "impressions", "clicks", "conversions", "conversion_value", "roas")} <= names
        assert any(n.startswith("unique(tenant_id, date, platform") for n in names)
    for source in ("stg_tiktok_ads__campaign_daily", "stg_ga4__traffic_daily", "fct_orders"):
        assert any(t.name.startswith("freshness(") for t in declared_tests(recipes[source], today=rawdata.LAST_DAY)), source
    warnings = [t for t in declared_tests(recipes["fct_ad_performance"], today=rawdata.LAST_DAY) if t.severity == "warn"]
    assert {t.name for t in warnings} == {"warn_if(clicks > impressions)", "warn_if(NOT reporting_currency IS NULL AND fx_rate IS NULL)"}


def test_a_relationship_to_a_model_that_was_not_built_is_not_run() -> None:
    conn = duckdb.connect()
    rawdata.load_raw(as_executor(conn))
    conn.execute("drop table raw.tiktok_ads_campaigns")  # no campaign objects
    result = build(conn)
    assert result.get("dim_campaigns").status == "skipped"
    found = run_tests(conn, build_result=result, today=rawdata.LAST_DAY)
    assert not [f for f in found if "dim_campaigns" in f.test]
    assert found == []
