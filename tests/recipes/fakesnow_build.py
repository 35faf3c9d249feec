"""Build the recipes on fakesnow (the Snowflake emulator) and dump the results as JSON.

Run by ``test_fakesnow.py`` in a subprocess whose ``PYTHONPATH`` starts with the
fakesnow overlay: fakesnow 0.12 needs sqlglot 30.22, while dlt's datasets need 30.21
(see ``fakesnow-overlay.txt``), so the two never share a process. Usage::

    python -m tests.recipes.fakesnow_build OUT.json
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any

from . import rawdata

#: A bad row rides along in the full scenario so one build also exercises failing tests
#: (fakesnow spends ~20 ms rewriting each statement, so scenarios are kept few).
NEGATIVE_SPEND = ("acme", "7001", "1701", rawdata.date(2026, 11, 3), -5.0, 10, 1, 0, 0.0)
SCENARIOS: dict[str, dict[str, Any]] = {
    "full": {"raw": {"report_rows": [*rawdata.REPORT, NEGATIVE_SPEND]}, "build": {}},
    "no_shopify": {"raw": {"shopify": False}, "build": {"select": ["*shopify*"]}},
}


def run_scenario(dialect: str, connect: Any, scenario: dict[str, Any]) -> dict[str, Any]:
    """Load raw rows, build, test, and read every built table back (normalised)."""
    from bosco_connectors.recipes import as_executor, build, list_recipes, run_tests

    conn = connect()
    try:
        execute = as_executor(conn)
        rawdata.load_raw(execute, dialect, **scenario["raw"])
        result = build(conn, dialect=dialect, **scenario["build"])
        failures = run_tests(conn, dialect=dialect, build_result=result)
        tables = {}
        built = {m.name for m in result.models if m.status == "built"}
        for recipe in list_recipes():
            if recipe.name in built:
                columns = list(recipe.output_columns)
                rows = rawdata.rows_as_dicts(execute, dialect, recipe.name, columns, columns)
                tables[recipe.name] = sorted(
                    ([normalise(row[c]) for c in columns] for row in rows), key=lambda r: json.dumps(r, default=str)
                )
        return {
            "models": {m.name: [m.status, m.rows, m.reason] for m in result.models},
            "failures": sorted(str(f) for f in failures),
            "tables": tables,
        }
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
