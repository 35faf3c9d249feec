"""The same recipes on the Snowflake dialect: fakesnow must agree with DuckDB, row for row.

fakesnow runs in a subprocess with its own sqlglot (see ``fakesnow-overlay.txt``), so
the recipes are rendered for Snowflake by sqlglot 30.22 there and by 30.21 here. The
rendered Snowflake SQL is also parsed back and its dialect-specific parts pinned, for
what an emulator cannot vouch for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from bosco_connectors.recipes import list_recipes, render_create

from . import fakesnow_build, rawdata

REPO = Path(__file__).resolve().parents[2]
OVERLAY = Path(os.environ.get("BOSCO_FAKESNOW_OVERLAY") or Path(sys.prefix) / "fakesnow-overlay")


@pytest.fixture(scope="module")
def fakesnow_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not (OVERLAY / "fakesnow").is_dir():
        pytest.fail(
            f"fakesnow overlay not found at {OVERLAY}; install it as tests/recipes/fakesnow-overlay.txt says "
            "(or set BOSCO_FAKESNOW_OVERLAY)"
        )
    out = tmp_path_factory.mktemp("fakesnow") / "report.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(OVERLAY), str(REPO)])}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.recipes.fakesnow_build", str(out)],
        cwd=out.parent, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
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
    assert set(snow["tables"]) == set(duck["tables"])
    for table, rows in duck["tables"].items():
        assert snow["tables"][table] == json.loads(json.dumps(rows)), table


def test_fakesnow_numbers_match_the_independent_expectations(fakesnow_report) -> None:
    full = fakesnow_report["scenarios"]["full"]
    rows_in = [*rawdata.REPORT, fakesnow_build.NEGATIVE_SPEND]
    columns = list({r.name: r for r in list_recipes()}["daily_campaign_summary"].output_columns)
    got = {
        (row[0], row[1], row[2], row[3], row[5]): dict(zip(columns, row))
        for row in full["tables"]["daily_campaign_summary"]
    }
    expected = rawdata.expected_campaign_summary(rows_in)
    assert len(got) == len(expected)
    for (tenant, day, platform, account, campaign), want in expected.items():
        row = got[(tenant, day.isoformat(), platform, account, campaign)]
        for column, value in want.items():
            if value is None:
                assert row[column] is None, (campaign, column)
            elif isinstance(value, str):
                assert row[column] == value
            else:
                assert row[column] == pytest.approx(value, rel=1e-6), (campaign, column)
    assert sorted(full["failures"]) == [
        f"check(spend >= 0) failed on analytics.{m}: 1 row"
        for m in ("daily_campaign_summary", "fct_campaign_performance", "stg_tiktok_ads__campaign_daily")
    ]
    assert fakesnow_report["scenarios"]["no_shopify"]["models"]["stg_shopify__orders"] == [
        "skipped", None, "missing raw table(s) raw.shopify_orders",
    ]


def test_rendered_snowflake_sql_parses_and_pins_the_dialect_specific_parts() -> None:
    rendered = {r.name: render_create(r, dialect="snowflake", target_schema="BOSCO.analytics") for r in list_recipes()}
    for name, sql in rendered.items():
        statement = sqlglot.parse_one(sql, read="snowflake")
        assert isinstance(statement, sqlglot.exp.Create) and statement.kind == "TABLE", name
        assert sql.startswith(f"CREATE OR REPLACE TABLE BOSCO.analytics.{name} AS"), name
    # DuckDB's `ts AT TIME ZONE 'UTC'` becomes Snowflake's CONVERT_TIMEZONE
    assert "CAST(CONVERT_TIMEZONE('UTC', created_at) AS DATE) AS order_date" in rendered["stg_shopify__orders"]
    assert "FROM raw.shopify_orders" in rendered["stg_shopify__orders"]
    # the union over the built staging models, qualified with the target schema
    fact = " ".join(rendered["fct_campaign_performance"].split())
    assert "FROM BOSCO.analytics.stg_tiktok_ads__campaign_daily ) AS campaign_daily" in fact
    summary = rendered["daily_campaign_summary"]
    for fragment in (
        "revenue / NULLIF(spend, 0) AS roas",
        "CAST(clicks AS DOUBLE) / NULLIF(impressions, 0) AS ctr",
        "spend / NULLIF(clicks, 0) AS cpc",
        "spend * 1000 / NULLIF(impressions, 0) AS cpm",
        "conversions / NULLIF(clicks, 0) AS conversion_rate",
    ):
        assert fragment in summary
    assert "GROUP BY ALL" in rendered["stg_tiktok_ads__campaign_daily"]
