"""Build the recipes on a destination, in dependency order, skipping what cannot be built.

A model is built as ``CREATE OR REPLACE TABLE <analytics>.<name> AS <select>``; an
incremental one (``-- incremental: date``) after its first build only rewrites the
dates whose inputs changed (see `incremental`). Before each model the runner checks
what it reads:

- a staging model whose raw tables are missing (that source was never synced) is
  **skipped**, with the missing tables as the reason;
- a model reading a skipped or failed model is skipped too ("upstream ... not built");
- a union model (``-- union:``) reads only the members available in this run (built
  now, or outside a ``--select`` and already built), and is skipped only when none is.

A statement that fails on the database marks that model ``failed`` and its
dependents skipped; independent models still build. Skipped models keep whatever
table an earlier run left (nothing is dropped on a transient gap).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlglot import exp

from ..framework.redaction import redact
from .catalog import RAW, Recipe, load_catalog, select_recipes, upstream_of
from .connection import as_executor
from .incremental import (
    FULL,
    INCREMENTAL,
    MODELS,
    AnalysisError,
    BuildState,
    Input,
    analyse,
    decide,
    logical_to_real,
    observe,
    sql_hash,
)
from .render import dates_predicate, qualified, render_create, render_delete, render_insert, render_select, split_schema

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
    #: How a built model was written: "full" (CREATE OR REPLACE), "incremental" (only
    #: `dates`) or "unchanged" (no input changed since the last build).
    mode: str | None = None
    #: Incremental recipes: the dates rewritten (empty when unchanged; None when full).
    dates: list[date | None] | None = None
    #: Incremental recipes: rows written for `dates` (None when full).
    rows_rebuilt: int | None = None
    #: Why an incremental recipe was rebuilt in full.
    detail: str | None = None
    #: The recipe is incremental (``-- incremental:``).
    incremental: bool = False

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
        if self.mode:
            data["mode"] = self.mode
        if self.dates is not None:
            data["dates"] = [d.isoformat() if d else None for d in self.dates]
            data["rows_rebuilt"] = self.rows_rebuilt
        if self.detail:
            data["detail"] = self.detail
        return data

    def line(self) -> str:
        if self.status == BUILT:
            return f"built   {self.table}: {self.rows} rows in {self.seconds:.2f}s{self.how()}"
        return f"{self.status:<7} {self.table}: {self.reason}"

    def how(self) -> str:
        """`` (incremental: 1 date, 40 rows)``, `` (unchanged)``, `` (full: <why>)`` or ''."""
        if self.mode == "incremental" and self.dates is not None:
            n = len(self.dates)
            return f" (incremental: {n} date{'s' if n != 1 else ''}, {self.rows_rebuilt} rows)"
        if self.mode == "unchanged":
            return " (unchanged)"
        if self.mode == "full" and self.detail:
            return f" (full: {self.detail})"
        return ""


@dataclass
class BuildResult:
    models: list[ModelResult]
    dialect: str
    raw_schema: str
    target_schema: str
    seconds: float = 0.0
    full_refresh: bool = False

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

    def rebuilt_dates(self) -> dict[str, list[date | None] | None]:
        """Incremental recipes built in this run -> the dates rewritten (None: in full)."""
        return {m.name: m.dates for m in self.built if m.incremental}

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dialect": self.dialect,
            "raw_schema": self.raw_schema,
            "target_schema": self.target_schema,
            "full_refresh": self.full_refresh,
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
    seeds_dir: Path | str | None = None,
    full_refresh: bool = False,
    on_event: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the selected recipes (all by default) on `conn`.

    `select` picks models (names, globs, layers) and everything that depends on them;
    their upstream models are read as they are, and built first only when their
    tables do not exist. Incremental recipes rebuild only the dates whose inputs
    changed (see `incremental`) unless `full_refresh`.

    `conn` is a duckdb connection, a dlt sql_client, a DB-API connection or a callable
    ``execute(sql) -> rows``; `dialect` is the sqlglot dialect to render for.
    """
    started = time.perf_counter()
    execute = as_executor(conn)
    say = on_event or (lambda _message: None)
    catalog = load_catalog(root, seeds_dir=seeds_dir)
    by_name = {r.name: r for r in catalog}
    raw_tables = existing_tables(execute, raw_schema, dialect)
    catalog_name, db = split_schema(target_schema)
    execute(exp.Create(this=exp.table_(db, db=catalog_name), kind="SCHEMA", exists=True).sql(dialect=dialect))
    present = existing_tables(execute, target_schema, dialect)
    run = {r.name for r in select_recipes(catalog, list(select) if select else None)}
    if select:
        run |= {name for name in upstream_of(catalog, run) if name not in present}
    context = _Context(execute, dialect, raw_schema, target_schema, by_name, present, full_refresh)

    status: dict[str, str] = {}

    def available(model: str) -> bool:
        return status.get(model) == BUILT or (model not in run and model in present)

    results: list[ModelResult] = []
    for recipe in catalog:
        if recipe.name not in run:
            continue
        table = qualified(recipe.name, target_schema).sql(dialect=dialect)
        result = ModelResult(recipe.name, recipe.layer, SKIPPED, table)
        results.append(result)
        missing = [f"{raw_schema}.{t}" for t in recipe.raw_tables if t not in raw_tables]
        blocked = [m for m in recipe.models if not available(m)]
        members = [m for m in recipe.union.members if available(m)] if recipe.union else []
        if missing:
            result.reason = f"missing raw table(s) {', '.join(missing)}"
        elif blocked:
            result.reason = f"upstream model(s) not built: {', '.join(blocked)}"
        elif recipe.union is not None and not members and not recipe.union.optional:
            tried = ", ".join(recipe.union.members) or "none defined"
            result.reason = f"no model of union '{recipe.union.pattern}' was built ({tried})"
        else:
            result.inputs = members
            context.build_one(recipe, result, members if recipe.union else None)
        status[recipe.name] = result.status
        say(result.line())
    context.state.flush()
    return BuildResult(results, dialect, raw_schema, target_schema, time.perf_counter() - started, full_refresh)


class _Context:
    """What building one model needs from the run: the connection, schemas, and state."""

    def __init__(self, execute, dialect, raw_schema, target_schema, catalog, present, full_refresh) -> None:
        self.execute, self.dialect = execute, dialect
        self.raw_schema, self.target_schema = raw_schema, target_schema
        self.catalog, self.present, self.full_refresh = catalog, present, full_refresh
        self.state = BuildState(execute, dialect, target_schema)
        self._columns: dict[str, dict[str, dict[str, str]]] = {}
        self._raw_read = False

    def build_one(self, recipe: Recipe, result: ModelResult, union_members: list[str] | None) -> None:
        t0 = time.perf_counter()
        try:
            create = render_create(
                recipe, dialect=self.dialect, raw_schema=self.raw_schema, target_schema=self.target_schema,
                union_members=union_members,
            )
            answer: list[tuple[Any, ...]] | None = None
            if recipe.incremental:
                result.incremental = True
                answer = self._build_incremental(recipe, result, create, union_members)
            else:
                answer = self.execute(create)
                result.mode = FULL
            if result.mode == FULL and self.dialect == "duckdb":
                self._counts_as_bigint(recipe.name)
            self._forget_columns(recipe.name)
            self.present.add(recipe.name)
            rows = self._created_rows(answer) if answer is not None else -1
            result.rows = rows if rows >= 0 else self._count(recipe.name)
            result.status = BUILT
        except Exception as exc:  # noqa: BLE001 - any driver error marks this model failed, not the run
            result.status = FAILED
            result.reason = _error_line(exc)
        result.seconds = time.perf_counter() - t0

    def _build_incremental(
        self, recipe: Recipe, result: ModelResult, create: str, union_members: list[str] | None
    ) -> list[tuple[Any, ...]] | None:
        """Full, incremental or no rebuild; returns the CREATE's answer when it ran one."""
        self.state.load()
        digest = sql_hash(f"{create}\n-- incremental: {recipe.incremental}")
        full_reason = None
        if self.full_refresh:
            full_reason = "full refresh requested"
        elif recipe.name not in self.present:
            full_reason = "table does not exist"
        try:
            inputs: list[Input] | None = analyse(
                recipe,
                lambda: render_select(recipe, raw_schema=RAW, target_schema=MODELS, union_members=union_members),
                union_members,
                self._schema_for(recipe, union_members),
                self.catalog,
            )
        except AnalysisError as exc:
            inputs, full_reason = None, full_reason or f"inputs could not be analysed ({exc})"
        observed: dict[str, dict[str, Any]] = {}
        for inp in inputs or []:
            if inp.via_log:
                seq = self.state.models.get(str(inp.model), (0, ""))[0]
                observed[inp.key] = {"kind": inp.kind, "entries": {None: str(seq)}}
            else:
                real = logical_to_real(inp.table, self.raw_schema, self.target_schema)
                observed[inp.key] = {"kind": inp.kind, "entries": observe(self.execute, inp, real, self.dialect)}
        decision = decide(self.state, recipe, digest, inputs, observed, full_reason=full_reason)
        answer = None
        if decision.mode == FULL:
            answer = self.execute(create)
        elif decision.mode == INCREMENTAL:
            predicate = dates_predicate(str(recipe.incremental), decision.dates)
            statements = [
                render_delete(recipe.name, predicate, dialect=self.dialect, target_schema=self.target_schema),
                render_insert(
                    recipe, predicate, dialect=self.dialect, raw_schema=self.raw_schema,
                    target_schema=self.target_schema, union_members=union_members,
                ),
            ]
            self._in_transaction(statements)
            count = exp.select(exp.Count(this=exp.Star())).from_(qualified(recipe.name, self.target_schema)).where(predicate)
            rows = self.execute(count.sql(dialect=self.dialect))
            result.rows_rebuilt = int(rows[0][0]) if rows else 0
        else:
            result.rows_rebuilt = 0
        result.mode, result.detail = decision.mode, decision.reason or None
        result.dates = list(decision.dates) if decision.mode != FULL else None
        self.state.record(recipe.name, digest, decision)
        return answer

    def _counts_as_bigint(self, name: str) -> None:
        """Store DuckDB's HUGEINT columns as BIGINT.

        DuckDB sums BIGINTs into 128-bit HUGEINTs, which pandas, Arrow and BI tools read
        poorly or not at all; no count of impressions, clicks or orders needs them.
        """
        catalog, db = split_schema(self.target_schema)
        query = (exp.select("column_name").from_("information_schema.columns")
                 .where(exp.column("table_schema").eq(exp.Literal.string(db)))
                 .where(exp.column("table_name").eq(exp.Literal.string(name)))
                 .where(exp.column("data_type").eq(exp.Literal.string("HUGEINT"))))
        if catalog:
            query = query.where(exp.column("table_catalog").eq(exp.Literal.string(catalog)))
        table = qualified(name, self.target_schema).sql(dialect=self.dialect)
        for (column,) in self.execute(query.sql(dialect=self.dialect)):
            quoted = exp.to_identifier(str(column), quoted=True).sql(dialect=self.dialect)
            self.execute(f"ALTER TABLE {table} ALTER COLUMN {quoted} SET DATA TYPE BIGINT")

    def _in_transaction(self, statements: list[str]) -> None:
        """Readers never see the dates deleted but not yet re-inserted."""
        self.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                self.execute(statement)
        except BaseException:
            try:
                self.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - report the original error
                pass
            raise
        self.execute("COMMIT")

    def _created_rows(self, answer: list[tuple[Any, ...]]) -> int:
        """DuckDB answers CREATE TABLE AS with the row count; other engines are asked."""
        if self.dialect == "duckdb" and len(answer) == 1 and len(answer[0]) == 1 and isinstance(answer[0][0], int):
            return answer[0][0]
        return -1

    def _count(self, name: str) -> int:
        count = exp.select(exp.Count(this=exp.Star())).from_(qualified(name, self.target_schema))
        rows = self.execute(count.sql(dialect=self.dialect))
        return int(rows[0][0]) if rows else 0

    # columns of the tables a recipe reads, for sqlglot's qualify/lineage
    def _schema_for(self, recipe: Recipe, union_members: list[str] | None) -> dict[str, dict[str, dict[str, str]]]:
        wanted = {RAW: set(recipe.raw_tables), MODELS: set(recipe.models) | set(union_members or ())}
        schema: dict[str, dict[str, dict[str, str]]] = {}
        for db, names in wanted.items():
            known = self._columns.setdefault(db, {})
            if db == MODELS:  # a recipe's columns are what its SELECT names, unless it says *
                for name in names:
                    columns = [c.lower() for c in self.catalog[name].output_columns]
                    if name not in known and columns and "*" not in columns and "" not in columns:
                        known[name] = dict.fromkeys(columns, "VARCHAR")
            missing = sorted(n for n in names if n not in known)
            if missing and db == RAW and not self._raw_read:
                known.update(table_columns(self.execute, self.raw_schema, self.dialect, None))  # raw does not change
                self._raw_read = True
            elif missing and db == MODELS:
                known.update(table_columns(self.execute, self.target_schema, self.dialect, missing))
            tables = {n: known[n] for n in sorted(names) if known.get(n)}
            if tables:
                schema[db] = tables
        return schema

    def _forget_columns(self, name: str) -> None:
        self._columns.get(MODELS, {}).pop(name, None)


def table_columns(
    execute: Callable[[str], list[tuple[Any, ...]]], schema: str, dialect: str, tables: list[str] | None
) -> dict[str, dict[str, str]]:
    """``{table: {column: "VARCHAR"}}`` for `tables` (None: all) in `schema` (names lower-cased).

    Only the names matter here (sqlglot resolves which table a column belongs to).
    """
    catalog, db = split_schema(schema)
    columns = exp.table_("columns", db="information_schema", catalog=catalog)
    where = exp.func("lower", exp.column("table_schema")).eq(exp.Literal.string(db.lower()))
    if tables is not None:
        where = where.and_(exp.func("lower", exp.column("table_name")).isin(*[exp.Literal.string(t) for t in tables]))
    if catalog is None:
        where = where.and_(exp.column("table_catalog").eq(exp.func("current_database")))
    query = exp.select("table_name", "column_name").from_(columns).where(where)
    out: dict[str, dict[str, str]] = {}
    for table, column in execute(query.sql(dialect=dialect)):
        out.setdefault(str(table).lower(), {})[str(column).lower()] = "VARCHAR"
    return out


def _error_line(exc: BaseException) -> str:
    text = redact(str(exc)).strip() or type(exc).__name__
    first = text.splitlines()[0]
    return first if len(first) <= 500 else first[:497] + "..."
