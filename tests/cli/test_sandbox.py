"""`bosco-sync sandbox`: the fake APIs served locally, and the README's Python example run against them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import tomllib

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _readme_example() -> str:
    section = README[README.index("## Use a source in your own dlt pipeline"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    src = str(ROOT / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "DLT_DATA_DIR": str(tmp_path / "dlt"), "RUNTIME__DLTHUB_TELEMETRY": "false"}


def _start(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bosco_connectors.cli.app", "sandbox", *args],
                            cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop(server: subprocess.Popen) -> tuple[int, str]:
    server.send_signal(signal.SIGINT)
    _, err = server.communicate(timeout=30)
    return server.returncode, err


def test_the_readme_example_runs_as_written_against_the_sandbox(tmp_path):
    example = _readme_example()
    readme_url = re.search(r'base_url="(http://127\.0\.0\.1:(\d+)/[^"]+)"', example)
    assert readme_url, "the README's example points at the sandbox"
    port = _free_port()  # the README's port may be taken on this machine: the test serves on a free one
    server = _start(tmp_path, "tiktok_ads", "--port", str(port), "--json")
    try:
        served = json.loads(server.stdout.readline())["sources"]["tiktok_ads"]
        # What the sandbox prints is what the README uses, on the default port.
        assert served["base_url"] == readme_url.group(1).replace(f":{readme_url.group(2)}/", f":{port}/")
        assert readme_url.group(2) == "8765"
        assert f'access_token="{served["access_token"]}"' in example
        assert f'advertiser_ids=["{served["advertiser_ids"][0]}"]' in example

        code = example.replace(f"127.0.0.1:{readme_url.group(2)}/", f"127.0.0.1:{port}/")
        run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(tmp_path),
                             capture_output=True, text=True, timeout=240)
        assert run.returncode == 0, run.stderr[-3000:]
    finally:
        code_, err = _stop(server)
    assert code_ == 0, err
    assert "sandbox stopped" in err

    con = duckdb.connect(str(tmp_path / "marketing.duckdb"), read_only=True)
    try:
        rows, tenants, advertisers = con.execute(
            "SELECT count(*), list(DISTINCT tenant_id), list(DISTINCT advertiser_id) FROM raw.tiktok_ads_report_campaign_daily"
        ).fetchone()
    finally:
        con.close()
    assert rows > 0 and tenants == ["acme"] and advertisers == [served["advertiser_ids"][0]]


def test_the_sandbox_prints_a_bosco_toml_that_run_uses(tmp_path):
    port = _free_port()
    server = _start(tmp_path, "tiktok_ads", "--port", str(port), "--size", "tiny")
    try:
        text = ""
        while "[tenants.sources.tiktok_ads]" not in text or "base_url" not in text.split("[tenants.sources.tiktok_ads]")[1]:
            line = server.stdout.readline()
            assert line, "the sandbox printed its bosco.toml"
            text += line
        (tmp_path / "bosco.toml").write_text(text + '\n[destination]\npath = "sandbox.duckdb"\n')
        project = tomllib.loads(text)
        assert project["tenants"][0]["sources"]["tiktok_ads"]["base_url"] == f"http://127.0.0.1:{port}/tiktok_ads/open_api/v1.3/"
        run = subprocess.run([sys.executable, "-m", "bosco_connectors.cli.app", "run", "--json"], cwd=tmp_path,
                             env=_env(tmp_path), capture_output=True, text=True, timeout=240)
        assert run.returncode == 0, run.stderr[-3000:]
        assert json.loads(run.stdout)["tables"]["tiktok_ads_report_campaign_daily"] > 0
    finally:
        code, err = _stop(server)
    assert code == 0, err
