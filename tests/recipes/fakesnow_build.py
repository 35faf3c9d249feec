"""Build the recipes on fakesnow (the Snowflake emulator) and dump the results as JSON.

Run by ``test_fakesnow.py`` in a subprocess whose ``PYTHONPATH`` starts with the
fakesnow overlay: fakesnow 0.12 needs sqlglot 30.22, while dlt's datasets need 30.21
(see ``fakesnow-overlay.txt``), so the two never share a process. Usage::

    python -m tests.recipes.fakesnow_build OUT.json
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from . import rawdata

#: A bad row rides along in the full scenario so one build also exercises failing tests
#: (fakesnow spends ~20 ms rewriting each statement, so scenarios are kept few).
NEGATIVE_SPEND = ("acme", "7001", "1701", "Spring Sale", rawdata.D3, -5.0, 10, 1, 0, 0.0)
#: A second build after a sync of one more day (D3) whose look-back day D2 moved.
NEW_DAY = [
    # video_play_actions (the last column, issue 12) left NULL: a day without video
    "insert into raw.tiktok_ads_report_campaign_daily values ('acme', '7001', '1701', 'Spring Sale', DATE '2026-11-03', 30, 3000, 60, 3, 90, NULL)",
    "insert into raw.tiktok_ads_report_ad_daily values ('acme', '7001', '1701', 'Spring Sale', '2701', 'Spring US', '3701', 'Video A', DATE '2026-11-03', 30, 3000, 60, 3, 90, NULL)",
    "update raw.tiktok_ads_report_ad_daily set conversion = conversion + 1 where ad_id = '3701' and stat_time_day = DATE '2026-11-02'",
    "insert into raw.ga4_traffic_daily values ('acme', 'p-1', DATE '2026-11-03', 'USD', 'tiktok', 'paid_social', 'Spring Sale', 90, 80, 70, 60, 3, 75, 75)",
]
SCENARIOS: dict[str, dict[str, Any]] = {
    # one database, two builds: everything in full, then incremental after NEW_DAY
    "full": {"raw": {"report_rows": [*rawdata.REPORT, NEGATIVE_SPEND], "google": True, "facebook": True}, "then": NEW_DAY, "today": rawdata.D3,
             # the channel models (web tools, apps, CRM, affiliates, surveys) with the rows of their tests
             "channels": True},
}


def run_scenario(dialect: str, connect: Any, scenario: dict[str, Any]) -> dict[str, Any]:
    """Load raw rows, build, test and read every table back (normalised); then change
    raw as a sync would, build again and read back what the incremental build wrote.
    A scenario with ``channels`` also loads the channel tests' rows, their sources registered."""
    from contextlib import nullcontext

    from bosco_connectors.framework.registry import registered

    from . import channel_world

    conn = connect()
    with registered(*channel_world.CONNECTORS) if scenario.get("channels") else nullcontext():
        return _run_scenario(dialect, conn, scenario, channel_world.load if scenario.get("channels") else None)


def _run_scenario(dialect: str, conn: Any, scenario: dict[str, Any], load_channels: Any) -> dict[str, Any]:
    import sqlglot

    from bosco_connectors.recipes import as_executor, build, list_recipes, run_tests

    try:
        execute = as_executor(conn)

        def read(names: set[str]) -> dict[str, list[list[Any]]]:
            tables = {}
            for recipe in list_recipes():
                if recipe.name in names and recipe.name != "dim_dates":
                    query = sqlglot.exp.select("*").from_(sqlglot.exp.table_(recipe.name, db="analytics"))
                    rows = execute(query.sql(dialect=dialect))
                    tables[recipe.name] = sorted(([normalise(v) for v in row] for row in rows), key=lambda r: json.dumps(r, default=str))
            return tables

        rawdata.load_raw(execute, dialect, **scenario["raw"])
        if load_channels is not None:
            load_channels(execute, dialect)
        result = build(conn, dialect=dialect)
        failures = run_tests(conn, dialect=dialect, build_result=result, today=scenario["today"])
        report = {
            "models": {m.name: [m.status, m.rows, m.reason] for m in result.models},
            "failures": sorted(str(f) for f in failures),
            "tables": read({m.name for m in result.built}),
        }
        for statement in scenario["then"]:
            execute(sqlglot.transpile(statement, read="duckdb", write=dialect)[0])
        again = build(conn, dialect=dialect)
        incremental = {m.name for m in again.built if m.incremental}
        report["modes"] = {m.name: [m.mode, [d.isoformat() for d in m.dates] if m.dates is not None else None] for m in again.built if m.incremental}
        report["after"] = read(incremental)
        return report
    finally:
        conn.close()


def normalise(value: Any) -> Any:
    """Engine-neutral values: numbers as rounded floats, dates and times as UTC ISO text."""
    from datetime import date, datetime, timezone
    from decimal import Decimal

    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        return round(float(value), 6)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


REPO = Path(__file__).resolve().parents[2]
OVERLAY = Path(os.environ.get("BOSCO_FAKESNOW_OVERLAY") or Path(sys.prefix) / "fakesnow-overlay")


def start(out: Path) -> subprocess.Popen[bytes]:
    """Run this module in a subprocess with the fakesnow overlay first on the path, then
    this checkout (its tests and ``src``); its stderr goes to ``<out>.stderr``.

    Started as early as the test session allows (see ``conftest.py``): fakesnow rewrites
    every statement in Python (~30 ms each), so it runs beside the other tests.
    """
    # this checkout's sources before any installed copy (an editable install may point elsewhere)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(OVERLAY), str(REPO), str(REPO / "src")])}
    with open(f"{out}.stderr", "wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.recipes.fakesnow_build", str(out)],
            cwd=out.parent, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )


def main(out_path: str) -> None:
    warnings.simplefilter("ignore")
    import fakesnow
    import snowflake.connector
    import sqlglot
    from importlib.metadata import version

    report: dict[str, Any] = {"sqlglot": sqlglot.__version__, "fakesnow": version("fakesnow"), "scenarios": {}}
    for name, scenario in SCENARIOS.items():
        with fakesnow.patch():
            report["scenarios"][name] = run_scenario(
                "snowflake", lambda: snowflake.connector.connect(database="BOSCO", schema="RAW"), scenario
            )
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
