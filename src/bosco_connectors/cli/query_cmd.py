"""``bosco-sync query "select ..."``: one SQL query on the destination, printed as a table.

Needs nothing beyond the install (no ``duckdb`` shell): DuckDB files are opened read
only, in a reader's turn (a run that is loading is waited for, as ``state show`` does),
so a query never disturbs a run. With no file named, the demo's database is found as
the recipes commands find it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..framework.errors import BoscoError

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 3


def run_query(sql: str, *, destination: str | None, duckdb_path: Path | None, config: Path | None, max_rows: int,
              as_json: bool, wait: float, out: Any, err: Any) -> int:
    from .recipes_cmd import destination_plan

    try:
        plan = destination_plan(destination, duckdb_path, config, err)
        columns, rows, more = _fetch(plan, sql, max_rows, wait)
    except _QueryFailed as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_FAILED
    except BoscoError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_LOCKED if isinstance(exc, _Busy) else EXIT_CONFIG
    if as_json:
        print(json.dumps([dict(zip(columns, row)) for row in rows], indent=2, default=str))
    else:
        out.print(_table(columns, rows))
        shown = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
        err.print(f"{shown} (more not shown: --max-rows)" if more else shown, markup=False)
    return EXIT_OK


class _QueryFailed(Exception):
    """The database refused the query (its own one-line reason)."""


class _Busy(BoscoError):
    """A run kept loading into the DuckDB file for longer than --wait."""

    exit_code = EXIT_LOCKED


def _fetch(plan: Any, sql: str, max_rows: int, wait: float) -> tuple[list[str], list[tuple], bool]:
    from ..framework.redaction import one_line

    if plan.destination == "duckdb":
        import duckdb

        from .lock import DatabaseBusy, DatabaseTurns

        path = plan.duckdb_file
        if not path.exists():
            raise BoscoError(f"DuckDB file {path} does not exist; run `bosco-sync run` (or `bosco-sync demo`) first")
        try:
            with DatabaseTurns(path).reading(wait=wait):
                con = duckdb.connect(str(path), read_only=True)
                try:
                    cursor = con.execute(sql)
                    columns = [d[0] for d in cursor.description or []]
                    rows = cursor.fetchmany(max_rows + 1) if columns else []
                finally:
                    con.close()
        except DatabaseBusy as exc:
            raise _Busy(str(exc)) from None
        except duckdb.Error as exc:
            raise _QueryFailed(one_line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None
    else:
        from ..destinations.snowflake import snowflake_connection

        con = snowflake_connection(purpose="query")
        try:
            cursor = con.cursor()
            try:
                cursor.execute(sql)
            except Exception as exc:  # noqa: BLE001 - the connector's error classes vary by version
                raise _QueryFailed(one_line(str(exc))) from None
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchmany(max_rows + 1) if columns else []
        finally:
            con.close()
    return columns, [tuple(r) for r in rows[:max_rows]], len(rows) > max_rows


def _table(columns: list[str], rows: list[tuple]) -> Any:
    from rich.table import Table

    table = Table()
    numeric = [bool(rows) and all(r[i] is None or _is_number(r[i]) for r in rows) for i in range(len(columns))]
    for name, right in zip(columns, numeric):
        table.add_column(name, justify="right" if right else "left")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    return table


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return str(round(value, 6))  # a ratio to 6 places, not 17 digits of binary noise
    return str(value)
