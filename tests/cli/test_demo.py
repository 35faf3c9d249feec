"""`bosco-sync demo` end to end: fake APIs -> DuckDB -> recipes, with no credentials."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import duckdb
import pytest
from typer.testing import CliRunner

from bosco_connectors.cli.app import app
from bosco_connectors.cli.demo import MARKER, claim_database, is_demo_database
from bosco_connectors.framework.registry import all_connectors
from bosco_connectors.sandbox import app_for


def test_demo_fills_the_unified_tables(tmp_path):
    db = tmp_path / "demo.duckdb"
    result = CliRunner().invoke(app, ["demo", "--duckdb-path", str(db), "--size", "tiny", "--seed", "3", "--json",
                                      "--state-dir", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["sync"]["ok"] and outcome["recipes"]["ok"]
    assert not outcome["recipes"]["failures"]
    assert is_demo_database(db), "the demo's database carries its marker"

    # Numbers an analyst would believe, in one reporting currency (the demo's FX seed).
    platforms = {row["platform"]: row for row in outcome["daily_campaign_summary"]}
    assert {row["currency"] for row in platforms.values()} == {"USD"}
    for row in platforms.values():
        assert 1 <= row["roas"] <= 6, row
    cpc_ranges = {"google_ads": (0.8, 3.5), "facebook_ads": (0.4, 2.5), "tiktok_ads": (0.25, 1.2)}
    for platform, (low, high) in cpc_ranges.items():
        assert low <= platforms[platform]["cpc"] <= high, platforms[platform]
    blended = outcome["blended"]
    assert blended["currency"] == "USD"
    assert 1.2 <= blended["claimed_over_store"] <= 2.5, blended  # platforms overlap, as in real accounts
    assert 1 <= blended["mer"] <= 6, blended

    con = duckdb.connect(str(db), read_only=True)
    try:
        tiktok_rows, tiktok_spend = con.execute(
            "SELECT count(*), sum(spend) FROM analytics.daily_campaign_summary WHERE platform = 'tiktok_ads'"
        ).fetchone()
        raw_spend = con.execute("SELECT sum(spend) FROM raw.tiktok_ads_report_campaign_daily").fetchone()[0]
        orders = con.execute("SELECT sum(orders) FROM analytics.shopify_daily_revenue").fetchone()[0]
        platforms = {r[0] for r in con.execute("SELECT DISTINCT platform FROM analytics.daily_campaign_summary").fetchall()}
        google_spend = con.execute(
            "SELECT sum(spend) FROM analytics.daily_campaign_summary WHERE platform = 'google_ads'"
        ).fetchone()[0]
    finally:
        con.close()
    assert tiktok_rows > 0
    assert round(tiktok_spend, 2) == round(raw_spend, 2)

    # Expected TikTok spend straight from the fake world, independent of the source and recipes.
    tiktok = next(c for c in all_connectors() if c.name == "tiktok_ads")
    world = app_for(tiktok, seed=3, size="tiny").world
    expected = sum(world.ad_metrics(ad.id, day).spend for account in world.accounts for ad in world.ads(account.id) for day in world.days)
    assert abs(float(tiktok_spend) - expected) < 0.01
    assert orders and orders > 0
    assert {"tiktok_ads", "google_ads", "facebook_ads"} <= platforms

    # Google spend is the fake API's cost_micros / 1e6, exactly (to the micro).
    google = next(c for c in all_connectors() if c.name == "google_ads")
    gworld = app_for(google, seed=3, size="tiny").world
    micros = sum(round(gworld.ad_metrics(ad.id, day).spend * 1_000_000)
                 for account in gworld.accounts for ad in gworld.ads(account.id) for day in gworld.days)
    assert abs(float(google_spend) - micros / 1_000_000) < 1e-6


def test_a_previous_demo_database_is_replaced_and_nothing_else_is(tmp_path):
    """(The refusals are cases of tests/reliability/bad_input_cases.py.)"""
    db = tmp_path / "demo.duckdb"
    assert claim_database(db) is None
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE main.from_the_last_demo AS SELECT 1 AS x")
    con.close()
    assert claim_database(db) is None, "a previous demo's database is replaced"
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()
    assert tables == {MARKER}

    other = tmp_path / "mine.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE main.precious AS SELECT 42 AS answer")
    con.close()
    before = other.read_bytes()
    assert "is not a database made by bosco-sync demo" in claim_database(other)
    assert other.read_bytes() == before


def test_demo_sources_picks_what_it_syncs(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bosco_connectors.cli.app import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--size", "tiny", "--sources", "tiktok_ads", "--json", "--state-dir", str(tmp_path / "h")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {s["source"] for s in summary["sync"]["syncs"]} == {"tiktok_ads"}
    unknown = CliRunner().invoke(app, ["demo", "--sources", "no_such_source", "--state-dir", str(tmp_path / "h")])
    assert unknown.exit_code == 2 and "unknown source 'no_such_source'" in unknown.stderr



def test_a_demo_without_an_ad_platform_shows_the_facts_it_filled(tmp_path, monkeypatch):
    """A store alone has no campaign summary to preview: the demo says what each fact holds instead,
    and its documented orders fall in the demo's window (their dates moved to the world's days)."""
    from typer.testing import CliRunner

    from bosco_connectors.cli.app import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--sources", "stripe", "--json", "--state-dir", str(tmp_path / "h")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["daily_campaign_summary"] == []
    assert summary["facts"]["fct_orders"]["stripe"] > 0
    assert summary["recipes"]["ok"]
    # In the demo's folder, with no bosco.toml, `state show` finds the demo's database and its syncs;
    # no cursor the fake's documented records left is in the future (the next sync would refuse it).
    state = CliRunner().invoke(app, ["state", "show", "--json"])
    assert state.exit_code == 0, state.output
    rows = json.loads(state.stdout)
    assert {(r["tenant"], r["source"]) for r in rows} == {("demo", "stripe")}
    now = datetime.now(timezone.utc)
    saved = [datetime.fromisoformat(str(r["last_value"])) for r in rows if r["cursor"] and r["last_value"]]
    assert saved and all(v <= now for v in saved), saved

def test_a_source_without_its_extra_is_skipped_and_the_demo_still_builds(tmp_path, monkeypatch):
    """`pip install bosco-connectors` has no facebook-business: the demo runs the rest and says why."""
    monkeypatch.setitem(sys.modules, "facebook_business", None)  # as if the [facebook] extra were not installed
    db = tmp_path / "demo.duckdb"
    result = CliRunner().invoke(app, ["demo", "--duckdb-path", str(db), "--size", "tiny", "--json",
                                      "--sources", "facebook_ads,tiktok_ads", "--state-dir", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    line = "facebook_ads needs the [facebook] extra: pip install 'bosco-connectors[facebook]'"
    assert f"skipped {line}" in result.stderr.splitlines()
    outcome = json.loads(result.stdout)
    assert outcome["skipped"] == {"facebook_ads": line}
    assert [s["source"] for s in outcome["sync"]["syncs"]] == ["tiktok_ads"]
    assert outcome["recipes"]["ok"] and outcome["recipes"]["built"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        platforms = {r[0] for r in con.execute("SELECT DISTINCT platform FROM analytics.daily_campaign_summary").fetchall()}
    finally:
        con.close()
    assert platforms == {"tiktok_ads"}


def test_a_sync_without_its_extra_fails_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "facebook_business", None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCES__FACEBOOK_ADS__ACCESS_TOKEN", "t")
    monkeypatch.setenv("SOURCES__FACEBOOK_ADS__ACCOUNT_IDS", '["1"]')
    result = CliRunner().invoke(app, ["run", "facebook_ads", "--state-dir", str(tmp_path / "home")])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[-1].endswith(
        "facebook_ads needs the [facebook] extra: pip install 'bosco-connectors[facebook]'")
    assert "Traceback" not in result.output


def test_the_python_api_names_the_missing_extra(monkeypatch):
    from bosco_connectors.framework.extras import MissingExtra
    from bosco_connectors.sources import facebook_ads

    monkeypatch.setitem(sys.modules, "facebook_business", None)
    with pytest.raises(MissingExtra, match=r"^facebook_ads needs the \[facebook\] extra: pip install 'bosco-connectors\[facebook\]'$"):
        facebook_ads.source(access_token="t", account_ids=["1"], start_date="2025-01-01")


def _next_commands(stdout: str) -> list[list[str]]:
    """The commands the demo prints after `next:`, as argument lists for the app."""
    import shlex

    lines = stdout.split("\nnext:\n", 1)[1].splitlines()
    commands = [shlex.split(line.strip()) for line in lines if line.startswith("  bosco-sync ")]
    assert commands and all(c[0] == "bosco-sync" for c in commands)
    return [c[1:] for c in commands]


@pytest.mark.parametrize("where", ["default", "elsewhere"])
def test_the_commands_the_demo_prints_next_find_its_database(tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOSCO_DUCKDB_PATH", raising=False)
    args = ["demo", "--size", "tiny", "--sources", "tiktok_ads", "--state-dir", str(tmp_path / "home")]
    db = tmp_path / "bosco_demo.duckdb"
    if where == "elsewhere":
        (tmp_path / "out").mkdir()
        db = tmp_path / "out" / "mine.duckdb"
        args += ["--duckdb-path", "out/mine.duckdb"]
    demo = CliRunner().invoke(app, args)
    assert demo.exit_code == 0, demo.output
    assert all(line.startswith("  bosco-sync ") for line in demo.stdout.split("\nnext:\n", 1)[1].splitlines()), \
        "every hint is a bosco-sync command (no duckdb shell, which is not installed)"
    commands = _next_commands(demo.stdout)
    assert commands[0][0] == "query" and ["recipes", "test"] in [c[:2] for c in commands]
    for command in commands:
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, (command, result.output)
        assert ("--duckdb-path" in command) == (where == "elsewhere")
    # The query prints each platform's totals, as the database holds them.
    con = duckdb.connect(str(db), read_only=True)
    try:
        spend = con.execute(
            "SELECT round(sum(spend_reporting), 2) FROM analytics.daily_campaign_summary WHERE platform = 'tiktok_ads'"
        ).fetchone()[0]
    finally:
        con.close()
    printed = CliRunner().invoke(app, commands[0])
    row = next(line for line in printed.stdout.splitlines() if "tiktok_ads" in line)
    assert row.split("│")[2].strip() == "USD" and row.split("│")[3].strip() == str(spend)


def test_run_never_writes_into_the_demo_database(tmp_path, monkeypatch):
    """Only readers use the demo's database: `run` with no file named keeps ./bosco.duckdb."""
    from bosco_connectors.cli.runner import plan_jobs

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOSCO_DUCKDB_PATH", raising=False)
    assert claim_database(tmp_path / "bosco_demo.duckdb") is None
    assert plan_jobs(None, ["tiktok_ads"], [], None, None).duckdb_file == tmp_path / "bosco.duckdb"


def test_query_says_what_the_database_refused(tmp_path):
    db = tmp_path / "q.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT 1 AS a, NULL AS b, 'x' AS c, 2.5::DOUBLE AS d")
    con.close()
    ok = CliRunner().invoke(app, ["query", "--duckdb-path", str(db), "select * from t", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout) == [{"a": 1, "b": None, "c": "x", "d": 2.5}]
    bad = CliRunner().invoke(app, ["query", "--duckdb-path", str(db), "select nope from t"])
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: Binder Error: ") and len(bad.stderr.strip().splitlines()) == 1
    missing = CliRunner().invoke(app, ["query", "--duckdb-path", str(tmp_path / "none.duckdb"), "select 1"])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


@pytest.mark.parametrize("size", ["small", "medium"])
def test_every_platform_of_the_fake_world_returns_what_real_ones_do(size):
    """From the world itself: each profile's ROAS in 1-6 and its cost per click in its range."""
    from bosco_connectors.sandbox.world import PROFILES, World

    for namespace, profile in PROFILES.items():
        world = World(7, size, namespace=namespace, overrides={"days": 20})
        spend = clicks = value = 0.0
        for account in world.accounts:
            for ad in world.ads(account.id):
                for day in world.days:
                    m = world.ad_metrics(ad.id, day)
                    spend, clicks, value = spend + m.spend, clicks + m.clicks, value + m.conversion_value
        assert 1 <= value / spend <= 6, (namespace, value / spend)
        assert profile.cpc[0] <= spend / clicks <= profile.cpc[1], (namespace, spend / clicks)
