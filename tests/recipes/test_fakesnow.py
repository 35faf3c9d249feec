"""The same recipes on the Snowflake dialect: fakesnow must agree with DuckDB, row for row.

fakesnow runs in a subprocess with its own sqlglot (see ``fakesnow-overlay.txt``), so
the recipes are rendered for Snowflake by sqlglot 30.22 there and by 30.21 here. The
rendered Snowflake SQL is also parsed back and its dialect-specific parts pinned, for
what an emulator cannot vouch for.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from bosco_connectors.recipes import list_recipes, render_create

from . import fakesnow_build, rawdata

OVERLAY = fakesnow_build.OVERLAY


@pytest.fixture(scope="module")
def fakesnow_report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not (OVERLAY / "fakesnow").is_dir():
        pytest.fail(
            f"fakesnow overlay not found at {OVERLAY}; install it as tests/recipes/fakesnow-overlay.txt says "
            "(or set BOSCO_FAKESNOW_OVERLAY)"
        )
    # conftest.py started the subprocess when the session began; start it now otherwise
    started = getattr(request.config, "_bosco_fakesnow", None)
    if started is None:
        out = tmp_path_factory.mktemp("fakesnow") / "report.json"
        started = (fakesnow_build.start(out), out)
    proc, out = started
    try:
        proc.wait(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the fakesnow build did not finish in 180 s")
    assert proc.returncode == 0, Path(f"{out}.stderr").read_text()[-4000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def duckdb_report() -> dict[str, Any]:
    return {name: fakesnow_build.run_scenario("duckdb", duckdb.connect, s) for name, s in fakesnow_build.SCENARIOS.items()}


def test_fakesnow_runs_with_the_sqlglot_it_was_built_for(fakesnow_report) -> None:
    assert fakesnow_report["fakesnow"].startswith("0.12.")
    assert fakesnow_report["sqlglot"].startswith("30.22.")
    assert sqlglot.__version__.startswith("30.21.")  # this process: what dlt's datasets need


@pytest.mark.parametrize("scenario", list(fakesnow_build.SCENARIOS))
def test_fakesnow_and_duckdb_build_the_same_tables(fakesnow_report, duckdb_report, scenario: str) -> None:
    snow, duck = fakesnow_report["scenarios"][scenario], duckdb_report[scenario]
    assert snow["models"] == {k: list(v) for k, v in duck["models"].items()}
    assert snow["failures"] == duck["failures"]
    assert snow["modes"] == json.loads(json.dumps(duck["modes"]))
    for key in ("tables", "after"):
        assert set(snow[key]) == set(duck[key])
        for table, rows in duck[key].items():
            assert snow[key][table] == json.loads(json.dumps(rows)), (key, table)


def test_fakesnow_numbers_match_the_independent_expectations(fakesnow_report) -> None:
    full = fakesnow_report["scenarios"]["full"]
    rows_in = [*rawdata.REPORT, fakesnow_build.NEGATIVE_SPEND]
    columns = list({r.name: r for r in list_recipes()}["daily_campaign_summary"].output_columns)
    got = {
        (row[0], row[1], row[2], row[3], row[5]): dict(zip(columns, row))
        for row in full["tables"]["daily_campaign_summary"]
    }
    expected = rawdata.expected_campaign_summary(rows_in)
    assert len([k for k in got if k[2] == "tiktok_ads"]) == len(expected)
    for (tenant, day, platform, account, campaign), want in expected.items():
        row = got[(tenant, day.isoformat(), platform, account, campaign)]
        for column, value in want.items():
            if value is None:
                assert row[column] is None, (campaign, column)
            elif isinstance(value, str):
                assert row[column] == value
            else:
                assert row[column] == pytest.approx(value, rel=1e-6), (campaign, column)
    assert "check(spend >= 0) failed on analytics.fct_campaign_performance: 1 row" in full["failures"]
    assert all(f.startswith(("check(spend >= 0) failed", "check(ad_spend >= 0) failed")) for f in full["failures"])
    assert full["models"]["stg_user__exchange_rates"] == ["skipped", None, "missing raw table(s) raw.exchange_rates"]
    # Google's micros and Meta's link clicks, mapped on Snowflake too
    assert got[("acme", "2026-11-01", "google_ads", "5501", "5601")]["spend"] == pytest.approx(12.34)
    assert got[("beta", "2026-11-01", "facebook_ads", "8801", "8901")]["clicks"] == 40
    assert all(full["models"][f"stg_{p}__ad_daily"][0] == "built" for p in ("google_ads", "facebook_ads", "tiktok_ads"))


def test_fakesnow_rebuilds_only_the_changed_dates(fakesnow_report) -> None:
    modes = fakesnow_report["scenarios"]["full"]["modes"]
    assert modes["stg_tiktok_ads__ad_daily"] == ["incremental", ["2026-11-02", "2026-11-03"]]
    assert modes["fct_campaign_performance"] == ["incremental", ["2026-11-03"]]
    assert modes["stg_shopify__orders"] == ["unchanged", []]


#: The unified facts and the date column each is clustered by (with tenant_id) on Snowflake.
CLUSTERED_FACTS = {
    "fct_account_performance": "date", "fct_ad_group_performance": "date", "fct_ad_performance": "date",
    "fct_campaign_performance": "date", "fct_email_campaign_performance": "date", "fct_order_lines": "order_date",
    "fct_organic_search_daily": "date", "fct_social_content_daily": "date", "fct_crm_funnel_daily": "date",
    "fct_web_traffic_daily": "date", "fct_affiliate_performance_daily": "date", "fct_reviews": "review_date",
    "fct_survey_responses": "response_date", "fct_post_purchase_attribution": "date",
    "fct_app_installs_daily": "date",  # rendered once a source maps app installs
}


def test_rendered_snowflake_sql_parses_and_pins_the_dialect_specific_parts() -> None:
    # every recipe but a fact no installed source maps into yet (its union has no member to render)
    recipes = {r.name: r for r in list_recipes() if r.union is None or r.union.members or r.union.optional}
    rendered = {name: render_create(r, dialect="snowflake", target_schema="BOSCO.analytics") for name, r in recipes.items()}
    for name, sql in rendered.items():
        statement = sqlglot.parse_one(sql, read="snowflake")
        assert isinstance(statement, sqlglot.exp.Create) and statement.kind == "TABLE", name
        clustered = f" CLUSTER BY ({CLUSTERED_FACTS[name]}, tenant_id)" if name in CLUSTERED_FACTS else ""
        assert " ".join(sql.split()).startswith(f"CREATE OR REPLACE TABLE BOSCO.analytics.{name}{clustered} AS"), name
    flat = {name: " ".join(sql.split()) for name, sql in rendered.items()}
    # DuckDB's `ts AT TIME ZONE <the shop's zone>` becomes Snowflake's CONVERT_TIMEZONE (the day on the shop's calendar)
    assert "CAST(CONVERT_TIMEZONE(COALESCE(lookup_shop.iana_timezone, 'UTC'), row_.created_at) AS DATE) AS order_date" in flat["stg_shopify__orders"]
    assert "FROM raw.shopify_orders AS row_ LEFT JOIN raw.shopify_shop AS lookup_shop" in flat["stg_shopify__orders"]
    # the union over the built staging models, qualified with the target schema
    assert "FROM BOSCO.analytics.stg_tiktok_ads__campaign_daily UNION ALL" in flat["fct_campaign_performance"]
    assert ") AS u CROSS JOIN BOSCO.analytics.int_reporting_currency" in flat["fct_campaign_performance"]
    summary = flat["daily_campaign_summary"]
    for fragment in (  # the derived columns (derived.sql), written into the recipe
        "conversion_value AS revenue",
        "conversion_value / NULLIF(spend, 0) AS roas",
        "CAST(clicks AS DOUBLE) / NULLIF(impressions, 0) AS ctr",
        "spend / NULLIF(clicks, 0) AS cpc",
        "spend * 1000 / NULLIF(impressions, 0) AS cpm",
        "conversions / NULLIF(clicks, 0) AS conversion_rate",
    ):
        assert fragment in summary
    # DuckDB functions with another name or shape on Snowflake
    assert "MAX_BY(campaign_name, date)" in flat["dim_campaigns"]
    assert "BOOLOR_AGG(" in flat["daily_marketing_efficiency"]
    assert "DATEDIFF(DAY, CAST('1990-01-01' AS DATE), CURRENT_DATE + 731)" in flat["dim_dates"]
    assert "CAST(DATE_TRUNC('WEEK', date) AS DATE)" in flat["weekly_performance_rollup"]
    assert "MEDIAN(value) OVER (PARTITION BY tenant_id, platform, campaign_id, metric)" in flat["metric_anomalies"]
    assert "ROWS BETWEEN 27 PRECEDING AND CURRENT ROW" in flat["campaign_features"].upper()
    # seeds are VALUES lists of text
    assert "FROM (VALUES ('facebook_ads', 'Meta Ads (Facebook and Instagram)', 'Meta')" in flat["ad_platforms"]


def test_rendered_incremental_statements_for_snowflake() -> None:
    from bosco_connectors.recipes.incremental import Input, fingerprint_query
    from bosco_connectors.recipes.render import dates_predicate, render_delete, render_insert

    fct = {r.name: r for r in list_recipes()}["fct_campaign_performance"]
    predicate = dates_predicate("date", [rawdata.D2, rawdata.D3])
    delete = render_delete(fct.name, predicate, dialect="snowflake", target_schema="BOSCO.analytics")
    assert delete == "DELETE FROM BOSCO.analytics.fct_campaign_performance WHERE date IN (CAST('2026-11-02' AS DATE), CAST('2026-11-03' AS DATE))"
    insert = " ".join(render_insert(fct, predicate, dialect="snowflake", target_schema="BOSCO.analytics").split())
    assert insert.startswith("INSERT INTO BOSCO.analytics.fct_campaign_performance ( tenant_id, date, platform,")
    assert insert.endswith("AS recipe WHERE date IN (CAST('2026-11-02' AS DATE), CAST('2026-11-03' AS DATE))")
    sqlglot.parse_one(insert, read="snowflake")
    report = sqlglot.exp.table_("tiktok_ads_report_ad_daily", db="RAW", catalog="BOSCO")
    day = sqlglot.parse_one("CAST(stat_time_day AS DATE)", read="duckdb")
    fingerprint = fingerprint_query(Input("raw.tiktok_ads_report_ad_daily", report, day, ("ad_id", "spend")), report)
    assert fingerprint.sql(dialect="snowflake") == (
        "SELECT CAST(stat_time_day AS DATE) AS d, COUNT(*), COALESCE(SUM(HASH(ad_id, spend) % 1000000007), 0) "
        "FROM BOSCO.RAW.tiktok_ads_report_ad_daily GROUP BY CAST(stat_time_day AS DATE)"
    )
