"""`bosco-sync run` end to end against the fake TikTok API: exit codes, idempotence, retries, lock."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from bosco_connectors.cli.app import EXIT_CONFIG, EXIT_FAILED, EXIT_LOCKED, app
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.sandbox import Fault

TOKEN_ENV = "ACME_TIKTOK_TOKEN"


def _write_project(tmp_path: Path, api: Any, *, tenants: tuple[str, ...] = ("acme",), extra: str = "") -> Path:
    app_ = api.apps["tiktok_ads"]
    cfg = app_.source_config(api.url("tiktok_ads"))
    ids = ", ".join(f'"{i}"' for i in cfg["advertiser_ids"])
    blocks = [
        f"""
[[tenants]]
id = "{t}"
  [tenants.sources.tiktok_ads]
  advertiser_ids = [{ids}]
  access_token = {{ env = "{TOKEN_ENV}" }}
  base_url = "{cfg['base_url']}"
  start_date = "{cfg['start_date']}"
  end_date = "{cfg['end_date']}"
{extra}"""
        for t in tenants
    ]
    path = tmp_path / "bosco.toml"
    path.write_text(f'[destination]\nname = "duckdb"\npath = "{tmp_path / "w.duckdb"}"\n' + "".join(blocks))
    return path


@pytest.fixture
def tiktok_api(fake_api_factory, monkeypatch):
    api = fake_api_factory(get_connector("tiktok_ads"), seed=11, size="tiny", end_date=date(2026, 11, 20))
    monkeypatch.setenv(TOKEN_ENV, api.apps["tiktok_ads"].source_config("x")["access_token"])
    return api


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema='raw' AND table_name LIKE 'tiktok_ads_%'").fetchall()]
        return {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in tables}
    finally:
        con.close()


def test_two_runs_leave_the_same_rows_and_the_second_reads_only_the_lookback(tmp_path, tiktok_api):
    project = _write_project(tmp_path, tiktok_api)
    first = _invoke("run", "--config", str(project), "--json", "--state-dir", str(tmp_path / "home"))
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["ok"] and summary["tables"]["tiktok_ads_report_campaign_daily"] > 0
    after_first = _counts(tmp_path / "w.duckdb")
    tiktok_api.clear()

    second = _invoke("run", "--config", str(project), "--json", "--state-dir", str(tmp_path / "home"))
    assert second.exit_code == 0, second.output
    assert _counts(tmp_path / "w.duckdb") == after_first
    reports = tiktok_api.requests_to("report/integrated/get")
    assert reports, "the second run made no report request"
    end = date(2026, 11, 20)
    starts = {date.fromisoformat(r.arg("start_date")) for r in reports}
    assert starts == {end - timedelta(days=7)}, f"second run asked from {starts}, expected only the 7-day look-back"


def test_429_with_retry_after_is_waited_out(tmp_path, tiktok_api):
    tiktok_api.inject(Fault.rate_limited(retry_after=2), times=1, path_contains="campaign/get")
    project = _write_project(tmp_path, tiktok_api)
    result = _invoke("run", "--config", str(project), "--json", "--state-dir", str(tmp_path / "home"))
    assert result.exit_code == 0, result.output
    sync = json.loads(result.stdout)["syncs"][0]
    assert sync["retries"] == 1
    # The only way to wait 2 s is Retry-After: the backoff's first wait is at most 1.5 s.
    refused = [r for r in tiktok_api.requests if r.status == 429]
    assert len(refused) == 1
    assert sync["seconds"] >= 2.0


def test_401_ends_with_one_clear_line_and_non_zero_exit(tmp_path, tiktok_api, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "wrong-token-0123456789abcdef")
    project = _write_project(tmp_path, tiktok_api)
    result = _invoke("run", "--config", str(project), "--state-dir", str(tmp_path / "home"))
    assert result.exit_code == EXIT_FAILED
    failures = [line for line in result.stderr.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 1, result.stderr
    assert "tenant=acme source=tiktok_ads stream=" in failures[0]
    assert "wrong-token-0123456789abcdef" not in result.output + result.stderr


def test_one_failing_tenant_does_not_stop_the_other(tmp_path, tiktok_api, monkeypatch):
    project = _write_project(tmp_path, tiktok_api, tenants=("acme", "beta"))
    text = project.read_text().replace(f'env = "{TOKEN_ENV}"', 'env = "BETA_TOKEN"', 1)
    project.write_text(text)
    result = _invoke("run", "--config", str(project), "--json", "--state-dir", str(tmp_path / "home"))
    summary = json.loads(result.stdout)
    by_tenant = {s["tenant"]: s for s in summary["syncs"]}
    assert by_tenant["acme"]["ok"] is False and "BETA_TOKEN" in by_tenant["acme"]["error"]
    assert by_tenant["beta"]["ok"] is True
    assert result.exit_code == EXIT_CONFIG  # a missing credential is a configuration problem


def test_a_running_sync_blocks_a_second_one(tmp_path, tiktok_api):
    project = _write_project(tmp_path, tiktok_api)
    home = tmp_path / "home"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time; from pathlib import Path; from bosco_connectors.cli.lock import RunLock;"
         "RunLock(Path(sys.argv[1])).acquire(); print('locked', flush=True); time.sleep(30)",
         str(home / "bosco-sync.lock")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = _invoke("run", "--config", str(project), "--state-dir", str(home))
        assert result.exit_code == EXIT_LOCKED
        assert "already running" in result.stderr
        assert not tiktok_api.requests, "a locked-out run must not call the API"
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(
    "content, needle",
    [
        ("this is = not [toml", "not valid TOML"),
        ('[[tenants]]\nid = "acme"\n', "has no sources"),
        ("", "no tenants"),
        ('[[tenants]]\nid = "bad id!"\n[tenants.sources.tiktok_ads]\n', "is not valid"),
    ],
)
def test_bad_project_files_exit_2_with_a_clear_message(tmp_path, content, needle):
    path = tmp_path / "bosco.toml"
    path.write_text(content)
    result = _invoke("run", "--config", str(path), "--state-dir", str(tmp_path / "home"))
    assert result.exit_code == EXIT_CONFIG
    assert needle in result.stderr


def test_unknown_source_and_bad_date_exit_2(tmp_path):
    result = _invoke("run", "no_such_source", "--state-dir", str(tmp_path / "home"))
    assert result.exit_code == EXIT_CONFIG and "unknown source 'no_such_source'" in result.stderr + result.stdout
    result = _invoke("run", "tiktok_ads", "--start-date", "2025-13-01", "--state-dir", str(tmp_path / "home"))
    assert result.exit_code == EXIT_CONFIG and "--start-date" in result.stderr


def test_state_show_and_reset_one_tenant(tmp_path, tiktok_api):
    project = _write_project(tmp_path, tiktok_api, tenants=("acme", "beta"))
    home = str(tmp_path / "home")
    assert _invoke("run", "--config", str(project), "--state-dir", home).exit_code == 0
    shown = json.loads(_invoke("state", "show", "--config", str(project), "--json", "--state-dir", home).stdout)
    daily = {(r["tenant"], r["stream"]): r["last_value"] for r in shown}
    assert daily[("acme", "report_campaign_daily")] == "2026-11-20"
    assert daily[("beta", "report_campaign_daily")] == "2026-11-20"

    reset = _invoke("state", "reset", "--tenant", "acme", "--source", "tiktok_ads", "--yes", "--config", str(project), "--state-dir", home)
    assert reset.exit_code == 0, reset.output
    shown = json.loads(_invoke("state", "show", "--config", str(project), "--json", "--state-dir", home).stdout)
    daily = {(r["tenant"], r["stream"]): r["last_value"] for r in shown}
    assert daily[("acme", "report_campaign_daily")] is None
    assert daily[("beta", "report_campaign_daily")] == "2026-11-20"


def test_state_reset_refuses_without_yes_when_not_interactive(tmp_path):
    result = _invoke("state", "reset", "--tenant", "acme", "--source", "tiktok_ads", "--state-dir", str(tmp_path / "h"))
    assert result.exit_code == EXIT_CONFIG and "--yes" in result.stderr


def test_the_duckdb_file_is_the_flag_then_the_environment_then_the_config(tmp_path, tiktok_api, monkeypatch):
    project = _write_project(tmp_path, tiktok_api)  # its [destination] path is w.duckdb
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOSCO_DUCKDB_PATH", str(tmp_path / "env.duckdb"))
    assert _invoke("run", "--config", str(project), "--duckdb-path", str(tmp_path / "flag.duckdb")).exit_code == 0
    assert (tmp_path / "flag.duckdb").exists() and not (tmp_path / "env.duckdb").exists()
    assert _invoke("run", "--config", str(project)).exit_code == 0
    assert (tmp_path / "env.duckdb").exists() and not (tmp_path / "w.duckdb").exists()
    monkeypatch.delenv("BOSCO_DUCKDB_PATH")
    assert _invoke("run", "--config", str(project)).exit_code == 0
    assert (tmp_path / "w.duckdb").exists()


def test_a_failure_inside_dlt_prints_its_root_cause_on_the_same_line(tmp_path, tiktok_api):
    """A database another process holds: the load fails, and the line says why (not dlt's '... with exception:')."""
    import subprocess
    import sys

    import duckdb

    project = _write_project(tmp_path, tiktok_api)
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(tmp_path / 'w.duckdb')!r}); print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(app, ["run", "--config", str(project), "--state-dir", str(tmp_path / "h"), "--json"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == EXIT_FAILED, result.output
    line = next(line for line in result.stderr.splitlines() if line.startswith("FAILED"))
    assert "with exception:" not in line and "lock" in line.lower(), line


def test_a_run_of_one_source_imports_that_source_alone(tmp_path, tiktok_api):
    """Start-up does not grow with the catalogue: syncing TikTok imports no other source."""
    project = _write_project(tmp_path, tiktok_api)
    dump = tmp_path / "modules.json"
    code = ("import atexit, json, sys; out = sys.argv[1]; atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules)))); "
            "from bosco_connectors.cli.app import main; sys.argv = ['bosco-sync', *sys.argv[2:]]; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(dump), "run", "--config", str(project), "--state-dir", str(tmp_path / "home")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    sources = {m.split(".")[2] for m in json.loads(dump.read_text()) if m.startswith("bosco_connectors.sources.")}
    assert sources == {"tiktok_ads"}


def test_state_show_says_when_every_stream_last_synced_full_refresh_ones_too(tmp_path, tiktok_api):
    from datetime import datetime, timezone

    project = _write_project(tmp_path, tiktok_api)
    home = str(tmp_path / "home")
    before = datetime.now(timezone.utc).replace(microsecond=0)
    assert _invoke("run", "--config", str(project), "--state-dir", home).exit_code == 0
    after = datetime.now(timezone.utc)
    shown = json.loads(_invoke("state", "show", "--config", str(project), "--json", "--state-dir", home).stdout)
    full_refresh = [r for r in shown if r["cursor"] is None]
    assert full_refresh, "tiktok_ads has full-refresh streams (advertisers, campaigns...)"
    for row in shown:
        assert row["last_synced"], row
        assert before <= datetime.fromisoformat(row["last_synced"]) <= after, row
    table = _invoke("state", "show", "--config", str(project), "--state-dir", home).stdout
    assert "never synced" not in table
    assert all(r["last_synced"] in table for r in full_refresh)


def test_state_show_says_never_synced_before_any_run(tmp_path, tiktok_api):
    project = _write_project(tmp_path, tiktok_api)
    table = _invoke("state", "show", "--config", str(project), "--state-dir", str(tmp_path / "home")).stdout
    rows = [line for line in table.splitlines() if "acme" in line]
    assert rows and all("never synced" in line for line in rows)


def test_a_long_extract_logs_progress_lines_and_v_hides_http_internals(tmp_path, fake_api_factory, monkeypatch):
    import re

    api = fake_api_factory(get_connector("tiktok_ads"), seed=11, size="tiny", end_date=date(2026, 11, 20), latency=0.1)
    monkeypatch.setenv(TOKEN_ENV, api.apps["tiktok_ads"].source_config("x")["access_token"])
    monkeypatch.setenv("BOSCO_PROGRESS_SECONDS", "0.1")
    project = _write_project(tmp_path, api)
    result = CliRunner().invoke(app, ["run", "--config", str(project), "--state-dir", str(tmp_path / "home"), "-v"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "progress acme/tiktok_ads/" in line]
    assert lines, result.stderr
    for line in lines:
        assert re.fullmatch(r"   progress acme/tiktok_ads/\w+: [\d,]+ pages?, [\d,]+ rows, [\d,]+ rows/s", line), line
    assert "HTTP Request:" not in result.stderr, "-v shows our progress, not httpx's line per request"


def test_on_a_terminal_each_stream_being_read_has_a_live_line():
    import io
    import time

    from rich.console import Console

    from bosco_connectors.cli.progress_lines import ProgressLines
    from bosco_connectors.framework import progress

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    counts = progress.started("acme", "tiktok_ads", "report_ad_daily")
    try:
        progress.page(counts, [{"a": 1}, {"a": 2}])
        with ProgressLines(console, lambda line: None):
            time.sleep(0.6)
    finally:
        progress.forget("acme", "tiktok_ads")
    assert "reading acme/tiktok_ads/report_ad_daily: 1 page, 2 rows" in screen.getvalue()
