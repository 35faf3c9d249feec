"""`bosco-sync --help` and `bosco-sync sources` must stay light: no vendor SDK, no database driver."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Top-level modules that must never be imported just to list things.
FORBIDDEN = ("duckdb", "snowflake", "fakesnow", "facebook_business", "google.ads", "googleapiclient", "grpc", "pyarrow")


def _imported_modules(*args: str) -> tuple[set[str], str]:
    code = "import sys; from bosco_connectors.cli.app import main; sys.argv = ['bosco-sync', *sys.argv[1:]]; main()"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args], capture_output=True, text=True, timeout=120)
    modules = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return modules, proc.stdout


def _offending(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def test_help_imports_neither_dlt_nor_any_driver() -> None:
    modules, out = _imported_modules("--help")
    assert "Usage" in out
    assert not _offending(modules)
    assert not any(m == "dlt" or m.startswith("dlt.") for m in modules), "--help should not even import dlt"


@pytest.mark.parametrize("args", [("sources",), ("sources", "--json")])
def test_sources_imports_no_vendor_sdk_or_driver(args: tuple[str, ...]) -> None:
    modules, out = _imported_modules(*args)
    assert not _offending(modules), _offending(modules)
    if "--json" in args:
        listed = {s["name"] for s in json.loads(out)}
        assert {"tiktok_ads", "shopify", "google_ads", "facebook_ads", "ga4"} <= listed
