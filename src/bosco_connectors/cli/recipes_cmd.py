"""``bosco-sync recipes list|build|test``: the recipe runner on the configured destination."""

from __future__ import annotations

import json
import os
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
            raise BoscoError(f"DuckDB file {path} does not exist; run `bosco-sync run` (or `bosco-sync demo`) first")
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


def build_and_test(
    plan: Any,
    *,
    select: list[str] | None,
    run_tests: bool,
    full_refresh: bool = False,
    seeds_dir: Path | None = None,
) -> dict[str, Any]:
    """Build the selected recipes, then their data-quality tests; a JSON-ready outcome.

    Incremental recipes rebuild only the dates whose inputs changed unless
    `full_refresh`. Failed tests (severity error) and failed models make ``ok`` false;
    warnings (``-- warn_if:``) are listed but do not.
    """
    from .. import recipes

    with _connection(plan) as (conn, dialect):
        result = recipes.build(
            conn, dialect=dialect, select=select, raw_schema=plan.dataset, full_refresh=full_refresh, seeds_dir=seeds_dir
        )
        found = recipes.run_tests(conn, dialect=dialect, build_result=result, seeds_dir=seeds_dir) if run_tests else []
        built = {m.name for m in result.built}
        tests_run = (
            sum(len(recipes.declared_tests(r)) for r in recipes.load_catalog(seeds_dir=seeds_dir) if r.name in built)
            if run_tests
            else 0
        )
    failures = [f"FAILED model {m.name}: {m.reason}" for m in result.failed]
    failures += [f"FAILED test {f}" for f in found if f.is_error]
    warnings = [f"WARN   test {f}" for f in found if not f.is_error]
    return {
        "ok": result.ok and not failures,
        "build_failed": not result.ok,
        "full_refresh": full_refresh,
        "built": [_built(m) for m in result.built],
        "skipped": [{"name": m.name, "reason": m.reason} for m in result.skipped],
        "tests_run": tests_run,
        "failures": failures,
        "warnings": warnings,
        "seconds": round(result.seconds, 3),
    }


def _built(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": model.name, "rows": model.rows, "seconds": round(model.seconds, 3), "mode": model.mode}
    if model.incremental:
        data["dates"] = None if model.dates is None else [d.isoformat() if d else None for d in model.dates]
        data["rows_rebuilt"] = model.rows_rebuilt
        if model.detail:
            data["detail"] = model.detail
    return data


def destination_plan(destination: str | None, duckdb_path: Path | None, config: Path | None, err: Any) -> Any:
    """Where the recipes (or a query) run: the project file's destination, or the command
    line's alone (no tenants or sources are needed, so no project file is required); with
    neither naming a DuckDB file, the demo's database when it is the one here."""
    from ..framework.errors import ConfigError
    from ..project import DEFAULT_PROJECT_FILE
    from .demo import reading_demo_database
    from .runner import DESTINATIONS, Plan, plan_jobs

    if config is None and not Path(DEFAULT_PROJECT_FILE).exists():
        name = (destination or "duckdb").lower()
        if name not in DESTINATIONS:
            raise ConfigError(f"unknown destination '{name}' (choose {' or '.join(DESTINATIONS)})")
        from ..destinations.duckdb import ENV_PATH

        chosen = duckdb_path or os.environ.get(ENV_PATH)
        options = {"path": str(chosen)} if name == "duckdb" and chosen else {}
        plan = Plan([], name, options)
    else:
        plan = plan_jobs(config, [], [], destination, duckdb_path)
    return reading_demo_database(plan, lambda line: err.print(line, markup=False))


def list_cmd(as_json: bool, out: Any) -> None:
    from .. import recipes

    items = recipes.list_recipes()
    if as_json:
        print(json.dumps([r.as_dict() for r in items], indent=2, default=str))
        return
    from rich.table import Table

    table = Table(title="recipes (in build order)")
    for col in ("model", "layer", "incremental", "depends on", "reads raw"):
        table.add_column(col)
    for r in items:
        table.add_row(r.name, r.layer, r.incremental or "-", ", ".join(r.depends_on) or "-", ", ".join(r.raw_tables) or "-")
    out.print(table)


def build_cmd(select, destination, duckdb_path, config, run_tests, as_json, out, err, *, full_refresh=False, seeds_dir=None) -> int:
    from .demo import demo_seeds

    try:
        plan = destination_plan(destination, duckdb_path, config, err)
        outcome = build_and_test(
            plan, select=select, run_tests=run_tests, full_refresh=full_refresh, seeds_dir=demo_seeds(plan, seeds_dir)
        )
    except BoscoError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_CONFIG
    _report(outcome, as_json, out, err)
    if outcome["build_failed"]:
        return EXIT_FAILED
    return EXIT_TESTS if outcome["failures"] else EXIT_OK


def test_cmd(select, destination, duckdb_path, config, as_json, out, err) -> int:
    from .. import recipes

    from .demo import demo_seeds

    try:
        plan = destination_plan(destination, duckdb_path, config, err)
        with _connection(plan) as (conn, dialect):
            found = recipes.run_tests(conn, dialect=dialect, select=select, seeds_dir=demo_seeds(plan, None))
    except BoscoError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_CONFIG
    lines = [f"FAILED test {f}" for f in found if f.is_error]
    warnings = [f"WARN   test {f}" for f in found if not f.is_error]
    if as_json:
        print(json.dumps({"ok": not lines, "failures": lines, "warnings": warnings}, indent=2))
    else:
        out.print("all data-quality tests passed" if not lines else f"{len(lines)} data-quality test(s) failed")
    for line in lines + warnings:
        err.print(line, markup=False)
    return EXIT_TESTS if lines else EXIT_OK


def _report(outcome: dict[str, Any], as_json: bool, out: Any, err: Any) -> None:
    if as_json:
        print(json.dumps(outcome, indent=2, default=str))
    else:
        for model in outcome["built"]:
            out.print(
                f"built   {model['name']:<40} {model['rows'] if model['rows'] is not None else '':>10} rows  {model['seconds']:.2f}s{_how(model)}",
                markup=False,
            )
        for model in outcome["skipped"]:
            out.print(f"skipped {model['name']:<40} {model['reason']}", markup=False)
        out.print(
            f"{len(outcome['built'])} built, {len(outcome['skipped'])} skipped, {outcome['tests_run']} tests, "
            f"{len(outcome['failures'])} failures, {len(outcome['warnings'])} warnings"
        )
    for line in outcome["failures"] + outcome["warnings"]:
        err.print(line, markup=False)


def _how(model: dict[str, Any]) -> str:
    if "dates" not in model:
        return ""
    if model["mode"] == "incremental":
        n = len(model["dates"])
        return f"  incremental: {n} date{'s' if n != 1 else ''}, {model['rows_rebuilt']} rows"
    if model["mode"] == "unchanged":
        return "  unchanged"
    return f"  full ({model['detail']})" if model.get("detail") else "  full"
