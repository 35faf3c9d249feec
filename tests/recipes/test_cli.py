"""``bosco-sync recipes build|test|list``: exit codes, messages, --select, --full-refresh."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from bosco_connectors.cli.app import app
from bosco_connectors.recipes import as_executor

from . import rawdata


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A DuckDB file with the raw fixtures moved so that their last day is today (fresh)."""
    path = tmp_path / "bosco.duckdb"
    conn = duckdb.connect(str(path))
    rawdata.load_raw(as_executor(conn), days_offset=(date.today() - rawdata.LAST_DAY).days)
    conn.close()
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_build_then_incremental_then_full_refresh(db: Path) -> None:
    code, out, err = run("recipes", "build", "--duckdb-path", str(db), "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["ok"] and not first["failures"] and first["tests_run"] > 200
    assert {m["mode"] for m in first["built"]} == {"full"}
    code, out, _ = run("recipes", "build", "--duckdb-path", str(db), "--json", "--skip-tests")
    again = {m["name"]: m for m in json.loads(out)["built"]}
    assert code == 0
    assert again["fct_ad_performance"]["mode"] == "unchanged" and again["fct_ad_performance"]["dates"] == []
    assert again["campaign_features"]["mode"] == "full" and "dates" not in again["campaign_features"]
    code, out, _ = run("recipes", "build", "--duckdb-path", str(db), "--full-refresh", "--json", "--skip-tests")
    refreshed = {m["name"]: m for m in json.loads(out)["built"]}
    assert code == 0 and json.loads(out)["full_refresh"] is True
    assert refreshed["fct_ad_performance"]["mode"] == "full" and refreshed["fct_ad_performance"]["detail"] == "full refresh requested"


def test_negative_spend_exits_4_naming_test_table_and_rows(db: Path) -> None:
    conn = duckdb.connect(str(db))
    conn.execute(
        "insert into raw.tiktok_ads_report_campaign_daily (tenant_id, advertiser_id, campaign_id, campaign_name, stat_time_day, spend)"
        " values ('acme', '7001', '1709', 'Refund Test', current_date, -5)"
    )
    conn.close()
    code, out, err = run("recipes", "build", "--duckdb-path", str(db))
    assert code == 4
    assert "FAILED test check(spend >= 0) failed on analytics.fct_campaign_performance: 1 row" in err
    assert "failures" in out
    code, _, err = run("recipes", "test", "--duckdb-path", str(db))
    assert code == 4
    assert "FAILED test check(spend >= 0) failed on analytics.stg_tiktok_ads__campaign_daily: 1 row" in err
    # --select: that model and what depends on it; landing pages feed nothing with bad spend
    code, out, err = run("recipes", "test", "--duckdb-path", str(db), "--select", "stg_ga4__landing_pages_daily")
    assert code == 0, err
    assert "all data-quality tests passed" in out


def test_warnings_are_printed_but_do_not_fail(db: Path, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    # a EUR rate that starts today: beta's EUR spend of earlier days has no rate
    (seeds / "exchange_rates.csv").write_text(f"date,from_currency,to_currency,rate\n{date.today().isoformat()},EUR,USD,1.1\n")
    code, out, err = run("recipes", "build", "--duckdb-path", str(db), "--seeds-dir", str(seeds), "--json")
    assert code == 0, err
    outcome = json.loads(out)
    assert outcome["ok"] and outcome["warnings"]
    assert any("warn_if(NOT reporting_currency IS NULL AND fx_rate IS NULL) warns on analytics.fct_campaign_performance" in w for w in outcome["warnings"])
    assert "WARN" in err


def test_list_shows_layers_and_incremental_models() -> None:
    code, out, _ = run("recipes", "list", "--json")
    assert code == 0
    items = {r["name"]: r for r in json.loads(out)}
    assert items["fct_ad_performance"]["incremental"] == "date" and items["fct_ad_performance"]["layer"] == "marts"
    assert items["metric_anomalies"]["layer"] == "ml" and items["metric_anomalies"]["incremental"] is None
    assert items["exchange_rates"]["layer"] == "seeds"


def test_a_missing_database_is_a_config_error(tmp_path: Path) -> None:
    code, _, err = run("recipes", "build", "--duckdb-path", str(tmp_path / "nope.duckdb"))
    assert code == 2 and "does not exist" in err
