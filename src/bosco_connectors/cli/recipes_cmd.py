"""``bosco-sync recipes list|build|test``: the recipe runner on the configured destination."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..framework.errors import BoscoError

EXIT_OK, EXIT_CONFIG, EXIT_FAILED, EXIT_TESTS = 0, 2, 1, 4


@contextmanager
def _connection(plan: Any) -> Iterator[tuple[Any, str]]:
    """A DB-API connection to the plan's destination and its sqlglot dialect."""
    if plan.destination == "duckdb":
        import duckdb

        from ..destinations.duckdb import duckdb_path

        path = duckdb_path(plan.destination_options.get("path"))
        if not path.exists():
            raise BoscoError(f"DuckDB file {path} does not exist; run `bosco-sync run` first")
        conn = duckdb.connect(str(path))
        dialect = "duckdb"
    else:
        from ..destinations.snowflake import snowflake_connection

        conn = snowflake_connection(purpose="recipes")
        dialect = "snowflake"
    try:
        yield conn, dialect
    finally:
        conn.close()


def build_and_test(plan: Any, *, select: list[str] | None, run_tests: bool) -> dict[str, Any]:
    """Build the selected recipes, then their data-quality tests; a JSON-ready outcome."""
    from .. import recipes

    with _connection(plan) as (conn, dialect):
        result = recipes.build(conn, dialect=dialect, select=select, raw_schema=plan.dataset)
        failures = [str(f) for f in recipes.run_tests(conn, dialect=dialect, build_result=result)] if run_tests else []
        built = {m.name for m in result.built}
        tests_run = sum(len(recipes.declared_tests(r)) for r in recipes.list_recipes() if r.name in built) if run_tests else 0
    failures = [f"FAILED model {m.name}: {m.reason}" for m in result.failed] + [f"FAILED test {f}" for f in failures]
    return {
        "ok": result.ok and not failures,
        "build_failed": not result.ok,
        "built": [{"name": m.name, "rows": m.rows, "seconds": round(m.seconds, 3)} for m in result.built],
        "skipped": [{"name": m.name, "reason": m.reason} for m in result.skipped],
        "tests_run": tests_run,
        "failures": failures,
        "seconds": round(result.seconds, 3),
    }


def _plan(destination: str | None, duckdb_path: Path | None, config: Path | None) -> Any:
    from .runner import plan_jobs

    return plan_jobs(config, [], [], destination, duckdb_path, allow_unconfigured=True)


def list_cmd(as_json: bool, out: Any) -> None:
    from .. import recipes

    items = recipes.list_recipes()
    if as_json:
        print(json.dumps([r.as_dict() for r in items], indent=2, default=str))
        return
    from rich.table import Table

    table = Table(title="recipes (in build order)")
    for col in ("model", "layer", "depends on", "reads raw"):
        table.add_column(col)
    for r in items:
        table.add_row(r.name, r.layer, ", ".join(r.depends_on) or "-", ", ".join(r.raw_tables) or "-")
    out.print(table)


def build_cmd(select, destination, duckdb_path, config, run_tests, as_json, out, err) -> int:
    try:
        outcome = build_and_test(_plan(destination, duckdb_path, config), select=select, run_tests=run_tests)
    except BoscoError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_CONFIG
    _report(outcome, as_json, out, err)
    if outcome["build_failed"]:
        return EXIT_FAILED
    return EXIT_TESTS if outcome["failures"] else EXIT_OK


def test_cmd(select, destination, duckdb_path, config, as_json, out, err) -> int:
    from .. import recipes

    try:
        with _connection(_plan(destination, duckdb_path, config)) as (conn, dialect):
            failures = recipes.run_tests(conn, dialect=dialect, select=select)
    except BoscoError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_CONFIG
    lines = [f"FAILED test {f}" for f in failures]
    if as_json:
        print(json.dumps({"ok": not failures, "failures": lines}, indent=2))
    else:
        out.print("all data-quality tests passed" if not failures else f"{len(failures)} data-quality test(s) failed")
    for line in lines:
        err.print(line, markup=False)
    return EXIT_TESTS if failures else EXIT_OK


def _report(outcome: dict[str, Any], as_json: bool, out: Any, err: Any) -> None:
    if as_json:
        print(json.dumps(outcome, indent=2, default=str))
    else:
        for model in outcome["built"]:
            out.print(f"built   {model['name']:<40} {model['rows'] if model['rows'] is not None else '':>10} rows  {model['seconds']:.2f}s")
        for model in outcome["skipped"]:
            out.print(f"skipped {model['name']:<40} {model['reason']}")
        out.print(f"{len(outcome['built'])} built, {len(outcome['skipped'])} skipped, {outcome['tests_run']} tests, {len(outcome['failures'])} failures")
    for line in outcome["failures"]:
        err.print(line, markup=False)
