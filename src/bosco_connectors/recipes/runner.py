"""Build the recipes on a destination, in dependency order, skipping what cannot be built.

A model is built as ``CREATE OR REPLACE TABLE <analytics>.<name> AS <select>``. Before
each one the runner checks what it reads:

- a staging model whose raw tables are missing (that source was never synced) is
  **skipped**, with the missing tables as the reason;
- a model reading a skipped or failed model is skipped too ("upstream ... not built");
- a union model (``-- union:``) reads only the members built in this run, and is
  skipped only when none was.

A statement that fails on the database marks that model ``failed`` and its
dependents skipped; independent models still build. Skipped models keep whatever
table an earlier run left (nothing is dropped on a transient gap).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlglot import exp

from ..framework.redaction import redact
from .catalog import Recipe, load_catalog, select_recipes
from .connection import as_executor
from .render import qualified, render_create, split_schema

BUILT, SKIPPED, FAILED = "built", "skipped", "failed"


@dataclass
class ModelResult:
    name: str
    layer: str
    status: str
    table: str
    rows: int | None = None
    seconds: float = 0.0
    reason: str | None = None
    #: For union models: the members it was built from.
    inputs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "layer": self.layer,
            "status": self.status,
            "table": self.table,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
        }
        if self.reason:
            data["reason"] = self.reason
        if self.inputs:
            data["inputs"] = self.inputs
        return data

    def line(self) -> str:
        if self.status == BUILT:
            return f"built   {self.table}: {self.rows} rows in {self.seconds:.2f}s"
        return f"{self.status:<7} {self.table}: {self.reason}"


@dataclass
class BuildResult:
    models: list[ModelResult]
    dialect: str
    raw_schema: str
    target_schema: str
    seconds: float = 0.0

    @property
    def built(self) -> list[ModelResult]:
        return [m for m in self.models if m.status == BUILT]

    @property
    def skipped(self) -> list[ModelResult]:
        return [m for m in self.models if m.status == SKIPPED]

    @property
    def failed(self) -> list[ModelResult]:
        return [m for m in self.models if m.status == FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed

    def get(self, name: str) -> ModelResult:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dialect": self.dialect,
            "raw_schema": self.raw_schema,
            "target_schema": self.target_schema,
            "seconds": round(self.seconds, 3),
            "built": len(self.built),
            "skipped": len(self.skipped),
            "failed": len(self.failed),
            "models": [m.as_dict() for m in self.models],
        }


def list_recipes(root: Path | str | None = None) -> list[Recipe]:
    """Every recipe, in build order (name, layer, depends_on, path...)."""
    return load_catalog(root)


def existing_tables(execute: Callable[[str], list[tuple[Any, ...]]], schema: str, dialect: str) -> set[str]:
    """Lower-cased names of the tables and views in `schema` (via information_schema)."""
    catalog, db = split_schema(schema)
    tables = exp.table_("tables", db="information_schema", catalog=catalog)
    where = exp.func("lower", exp.column("table_schema")).eq(exp.Literal.string(db.lower()))
    if catalog is None:
        # DuckDB lists every attached database; keep the one the connection uses.
        where = where.and_(exp.column("table_catalog").eq(exp.func("current_database")))
    query = exp.select("table_name").from_(tables).where(where)
    return {str(row[0]).lower() for row in execute(query.sql(dialect=dialect))}


def build(
    conn: Any,
    *,
    dialect: str = "duckdb",
    select: Iterable[str] | None = None,
    raw_schema: str = "raw",
    target_schema: str = "analytics",
    root: Path | str | None = None,
    on_event: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the selected recipes (and everything upstream of them) on `conn`.

    `conn` is a duckdb connection, a dlt sql_client, a DB-API connection or a callable
    ``execute(sql) -> rows``; `dialect` is the sqlglot dialect to render for.
    """
    started = time.perf_counter()
    execute = as_executor(conn)
    say = on_event or (lambda _message: None)
    recipes = select_recipes(load_catalog(root), list(select) if select else None)
    raw_tables = existing_tables(execute, raw_schema, dialect)
    catalog, db = split_schema(target_schema)
    execute(exp.Create(this=exp.table_(db, db=catalog), kind="SCHEMA", exists=True).sql(dialect=dialect))

    status: dict[str, str] = {}
    results: list[ModelResult] = []
    for recipe in recipes:
        table = qualified(recipe.name, target_schema).sql(dialect=dialect)
        result = ModelResult(recipe.name, recipe.layer, SKIPPED, table)
        results.append(result)
        missing = [f"{raw_schema}.{t}" for t in recipe.raw_tables if t not in raw_tables]
        blocked = [m for m in recipe.models if status.get(m) != BUILT]
        members = [m for m in recipe.union.members if status.get(m) == BUILT] if recipe.union else []
        if missing:
            result.reason = f"missing raw table(s) {', '.join(missing)}"
        elif blocked:
            result.reason = f"upstream model(s) not built: {', '.join(blocked)}"
        elif recipe.union is not None and not members:
            tried = ", ".join(recipe.union.members) or "none defined"
            result.reason = f"no model of union '{recipe.union.pattern}' was built ({tried})"
        else:
            result.inputs = members
            _build_one(execute, recipe, result, dialect, raw_schema, target_schema, members if recipe.union else None)
        status[recipe.name] = result.status
        say(result.line())
    return BuildResult(results, dialect, raw_schema, target_schema, time.perf_counter() - started)


def _build_one(
    execute: Callable[[str], list[tuple[Any, ...]]],
    recipe: Recipe,
    result: ModelResult,
    dialect: str,
    raw_schema: str,
    target_schema: str,
    union_members: list[str] | None,
) -> None:
    t0 = time.perf_counter()
    try:
        execute(
            render_create(
                recipe,
                dialect=dialect,
                raw_schema=raw_schema,
                target_schema=target_schema,
                union_members=union_members,
            )
        )
        count = exp.select(exp.Count(this=exp.Star())).from_(qualified(recipe.name, target_schema))
        rows = execute(count.sql(dialect=dialect))
        result.rows = int(rows[0][0]) if rows else 0
        result.status = BUILT
    except Exception as exc:  # noqa: BLE001 - any driver error marks this model failed, not the run
        result.status = FAILED
        result.reason = _error_line(exc)
    result.seconds = time.perf_counter() - t0


def _error_line(exc: BaseException) -> str:
    text = redact(str(exc)).strip() or type(exc).__name__
    first = text.splitlines()[0]
    return first if len(first) <= 500 else first[:497] + "..."
