"""Incremental builds: rebuild only the dates whose inputs changed since the last build.

A recipe with ``-- incremental: date`` promises that each date's rows are computed
from that date's input rows only (daily facts, daily roll-ups; not rolling windows).
The runner then decides, per build, which dates to rebuild by looking at its inputs,
never at a clock or a hand-set look-back:

- **dated inputs** feed the model's date: the column that lineage (sqlglot) traces
  ``date`` back to, e.g. ``CAST(stat_time_day AS DATE)`` in a raw report, or an input
  joined on ``x.date = y.date`` (exchange rates). Each is fingerprinted per date:
  ``COUNT(*)`` and ``SUM(HASH(<columns the model reads>) % p)``. A date whose
  fingerprint differs from the one recorded at the last build (new, changed or gone)
  is rebuilt. This works for every raw table, including the Arrow-loaded reports that
  have no ``_dlt_load_id``, and it sees back-fills, re-read look-back days whose
  numbers moved (attribution), new tenants and deleted rows. A re-read look-back day
  whose numbers did not move costs nothing.
- an incremental **model** read by its date (``fct`` reading ``stg``) is not scanned:
  the runner logs which dates each build rewrote (``_bosco_build_log``) and a reader
  takes the dates logged since the build it last saw.
- **undated inputs** (account names, currencies, the reporting currency) are
  fingerprinted whole, over the columns the model reads; any change rebuilds the model
  in full, as does a changed recipe (its rendered SQL is hashed), a new or removed
  union member, a missing table or state, and ``full_refresh=True``.

A rebuild is ``DELETE ... WHERE date IN (...)`` then ``INSERT ... SELECT ... WHERE
date IN (...)`` in one transaction, so "incremental == full rebuild" holds row for
row whenever the model is date-local. The state lives in three small tables in the
runner's own schema beside the models' (`STATE_TABLES` in ``analytics_internal``, see
`render.internal_schema`); dropping them forces full builds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Callable

from sqlglot import exp
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope, traverse_scope

from .catalog import RAW, SOURCE_DIALECT, Recipe
from .render import internal_schema, qualified, split_schema

Execute = Callable[[str], list[tuple[Any, ...]]]

#: The schema name the analysis uses for models (mapped to the real target schema).
MODELS = "analytics"
STATE_MODELS, STATE_INPUTS, STATE_LOG = "_bosco_build_models", "_bosco_build_inputs", "_bosco_build_log"
STATE_TABLES = (STATE_MODELS, STATE_INPUTS, STATE_LOG)
#: Bumped when the fingerprint or state format changes: every model then rebuilds in full.
STATE_VERSION = "1"
#: Hashes are summed modulo a prime, so sums stay exact integers on every engine.
_PRIME = 1_000_000_007
#: The fingerprint recorded for an input that had no rows (so it is known, not new).
_EMPTY = "-"

FULL, INCREMENTAL, UNCHANGED = "full", "incremental", "unchanged"


@dataclass(frozen=True)
class Input:
    """One table an incremental model reads, and how its changes map to the model's dates."""

    key: str  # logical "raw.<table>" or "analytics.<model>"
    table: exp.Table  # as referenced (with its alias), logical schema
    date_expr: exp.Expression | None  # over the table's alias; None: undated
    columns: tuple[str, ...]
    model: str | None = None
    via_log: bool = False

    @property
    def kind(self) -> str:
        return "seq" if self.via_log else ("date" if self.date_expr is not None else "table")


@dataclass
class Decision:
    """What to do with one incremental model in this build."""

    mode: str
    reason: str = ""
    dates: list[date | None] = field(default_factory=list)
    #: Input key -> {"kind": ..., "entries": {date or None: fingerprint}} to record.
    observed: dict[str, dict[str, Any]] = field(default_factory=dict)


class AnalysisError(Exception):
    """The recipe's inputs could not be classified; it is then always rebuilt in full."""


# -- analysis ------------------------------------------------------------------------------


def analyse(
    recipe: Recipe,
    render: Callable[[], exp.Query],
    union_members: list[str] | None,
    schema: dict[str, dict[str, dict[str, str]]],
    catalog: dict[str, Recipe],
) -> list[Input]:
    """Classify the tables the recipe reads; `render` gives its SELECT with logical schemas.

    Memoised per process on the recipe's SQL, its union members and the input columns:
    sqlglot's qualify and lineage cost ~50 ms per recipe, which would otherwise
    dominate a build where little changed.
    """
    shape = tuple(sorted((db, t, tuple(sorted(c))) for db, ts in schema.items() for t, c in ts.items()))
    upstream = tuple(sorted((m, catalog[m].incremental) for m in {*recipe.models, *(union_members or ())} if m in catalog))
    key = (recipe.name, recipe.incremental, recipe.sql, tuple(union_members or ()), shape, upstream)
    cached = _ANALYSES.get(key)
    if cached is None:
        cached = _analyse(recipe, render(), schema, catalog)
        if len(_ANALYSES) > 512:
            _ANALYSES.clear()
        _ANALYSES[key] = cached
    return [replace(inp, table=inp.table.copy()) for inp in cached]


_ANALYSES: dict[tuple[Any, ...], list[Input]] = {}


def _analyse(recipe: Recipe, select: exp.Query, schema: dict[str, dict[str, dict[str, str]]], catalog: dict[str, Recipe]) -> list[Input]:
    column = recipe.incremental
    assert column is not None
    try:
        tree = qualify(
            select, schema=schema, dialect=SOURCE_DIALECT, validate_qualify_columns=False,
            quote_identifiers=False, identify=False,
        )
        scopes = list(traverse_scope(tree))
        for_lineage = tree.copy()
        root = lineage(column, for_lineage, schema=schema, dialect=SOURCE_DIALECT, scope=build_scope(for_lineage), copy=False)
    except Exception as exc:  # noqa: BLE001 - any sqlglot limitation means "rebuild in full"
        raise AnalysisError(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None

    references: dict[str, list[tuple[str, exp.Table]]] = {}
    used: dict[str, set[str]] = {}
    for scope in scopes:
        for alias, source in scope.sources.items():
            if isinstance(source, exp.Table):
                references.setdefault(_key(source), []).append((alias, source))
        for col in scope.columns:
            source = scope.sources.get(col.table)
            if isinstance(source, exp.Table):
                used.setdefault(_key(source), set()).add(col.name.lower())

    dated: dict[tuple[str, str], exp.Expression] = {}
    rejected: set[tuple[str, str]] = set()
    # The date must pass through unchanged (a group key, a projection): a date that is an
    # aggregate or a window anywhere on its way (max(date), lag(date)) is not date-local.
    derived = any(
        not isinstance(node.expression, exp.Table) and node.expression.find(exp.AggFunc, exp.Window)
        for node in root.walk()
    )
    for node in root.walk():
        for child in node.downstream:
            if not isinstance(child.expression, exp.Table):
                continue
            table = child.expression
            alias = table.alias_or_name
            expr = node.expression.unalias() if isinstance(node.expression, exp.Alias) else node.expression
            ref = (_key(table), alias)
            if not derived and _date_local(expr, alias):
                if ref in dated and dated[ref].sql() != expr.sql():
                    rejected.add(ref)
                dated[ref] = _strip_alias(expr)
            else:
                rejected.add(ref)
    for scope in scopes:
        for join in scope.expression.args.get("joins") or []:
            condition = join.args.get("on")
            for eq in _conjuncts(condition):
                if not isinstance(eq, exp.EQ):
                    continue
                left, right = eq.this, eq.expression
                if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
                    continue
                if left.name.lower() != column or right.name.lower() != column:
                    continue
                for side in (left, right):
                    source = scope.sources.get(side.table)
                    if isinstance(source, exp.Table):
                        dated.setdefault((_key(source), side.table), exp.column(side.name))

    inputs: list[Input] = []
    for key, refs in sorted(references.items()):
        table = refs[0][1]
        exprs = {dated[(key, alias)].sql() for alias, _ in refs if (key, alias) in dated and (key, alias) not in rejected}
        all_dated = all((key, alias) in dated and (key, alias) not in rejected for alias, _ in refs)
        date_expr = None
        if all_dated and len(exprs) == 1 and len(refs) == 1:
            date_expr = dated[(key, refs[0][0])]
        db, name = key.split(".", 1)
        model = name if db == MODELS else None
        upstream = catalog.get(model) if model else None
        via_log = bool(
            upstream is not None
            and upstream.incremental
            and isinstance(date_expr, exp.Column)
            and date_expr.name.lower() == upstream.incremental
        )
        inputs.append(
            Input(key, table.copy(), date_expr, tuple(sorted(used.get(key, set()))), model=model, via_log=via_log)
        )
    return inputs


def _key(table: exp.Table) -> str:
    return f"{table.db.lower()}.{table.name.lower()}"


def _conjuncts(condition: exp.Expression | None) -> list[exp.Expression]:
    if condition is None:
        return []
    if isinstance(condition, exp.And):
        return _conjuncts(condition.this) + _conjuncts(condition.expression)
    if isinstance(condition, exp.Paren):
        return _conjuncts(condition.this)
    return [condition]


def _date_local(expr: exp.Expression, alias: str) -> bool:
    """An expression of one table's row (no aggregate, window or subquery)."""
    if expr.find(exp.AggFunc, exp.Window, exp.Subquery, exp.Select):
        return False
    columns = list(expr.find_all(exp.Column))
    return bool(columns) and all(c.table == alias for c in columns)


def _strip_alias(expr: exp.Expression) -> exp.Expression:
    """The expression with columns unqualified (the fingerprint query reads one table)."""
    copy = expr.copy()
    for col in copy.find_all(exp.Column):
        col.set("table", None)
    return copy


# -- fingerprints ---------------------------------------------------------------------------


def fingerprint_query(inp: Input, real: exp.Table) -> exp.Query:
    """``SELECT <date>, COUNT(*), SUM(HASH(cols) % p) FROM <table> [GROUP BY <date>]``."""
    table = real.copy()
    table.set("alias", None)
    count = exp.Count(this=exp.Star())
    if inp.columns:
        hashed = exp.Anonymous(this="HASH", expressions=[exp.column(c) for c in inp.columns])
        total = exp.func("coalesce", exp.func("sum", exp.Mod(this=hashed, expression=exp.Literal.number(_PRIME))), exp.Literal.number(0))
    else:
        total = exp.Literal.number(0)
    if inp.date_expr is None:
        return exp.select(count, total).from_(table)
    day = inp.date_expr.copy()
    return exp.select(day.as_("d"), count, total).from_(table).group_by(day.copy())


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _fp(count: Any, total: Any) -> str:
    return f"{int(count or 0)}:{int(total or 0)}"


def observe(execute: Execute, inp: Input, real: exp.Table, dialect: str) -> dict[date | None, str]:
    rows = execute(fingerprint_query(inp, real).sql(dialect=dialect))
    if inp.date_expr is None:
        return {None: _fp(*rows[0])} if rows else {None: _fp(0, 0)}
    return {_as_date(d): _fp(n, h) for d, n, h in rows}


def sql_hash(statement: str) -> str:
    return hashlib.sha256(f"{STATE_VERSION}\n{statement}".encode()).hexdigest()[:32]


# -- state ---------------------------------------------------------------------------------


class BuildState:
    """The build-state tables of one analytics schema: read once per build, written once
    at its end (`flush`).

    Deferring the writes is safe: a build that dies before `flush` leaves the previous
    state, so the next build recomputes the same dates (a DELETE + INSERT of a date is
    idempotent) or, for a table it had replaced, sees a changed digest or input.
    """

    def __init__(self, execute: Execute, dialect: str, target_schema: str) -> None:
        self.execute, self.dialect, self.target_schema = execute, dialect, target_schema
        self.models: dict[str, tuple[int, str]] = {}
        self.inputs: dict[str, dict[str, dict[str, Any]]] = {}
        self._ready = False
        self._records: dict[str, tuple[int, str, Decision]] = {}
        self._log: list[tuple[str, int, date | None, bool]] = []

    def _table(self, name: str) -> exp.Table:
        return qualified(name, internal_schema(self.target_schema))

    def load(self) -> None:
        """Create the state tables if needed and read them."""
        if self._ready:
            return
        catalog, db = split_schema(internal_schema(self.target_schema))
        self.execute(exp.Create(this=exp.table_(db, db=catalog), kind="SCHEMA", exists=True).sql(dialect=self.dialect))
        for name in STATE_TABLES:  # where an earlier version kept them, next to the models
            self.execute(f"DROP TABLE IF EXISTS {qualified(name, self.target_schema).sql(dialect=self.dialect)}")
        columns = {
            STATE_MODELS: "model VARCHAR, seq BIGINT, sql_hash VARCHAR, mode VARCHAR, built_at TIMESTAMP",
            STATE_INPUTS: "model VARCHAR, input VARCHAR, kind VARCHAR, date DATE, fingerprint VARCHAR",
            STATE_LOG: "model VARCHAR, seq BIGINT, date DATE, is_full BOOLEAN",
        }
        for name, cols in columns.items():
            self.execute(f"CREATE TABLE IF NOT EXISTS {self._table(name).sql(dialect=self.dialect)} ({cols})")
        for model, seq, digest in self.execute(exp.select("model", "seq", "sql_hash").from_(self._table(STATE_MODELS)).sql(dialect=self.dialect)):
            self.models[str(model)] = (int(seq), str(digest))
        query = exp.select("model", "input", "kind", "date", "fingerprint").from_(self._table(STATE_INPUTS))
        for model, key, kind, day, fp in self.execute(query.sql(dialect=self.dialect)):
            entry = self.inputs.setdefault(str(model), {}).setdefault(str(key), {"kind": str(kind), "entries": {}})
            if fp != _EMPTY:
                entry["entries"][_as_date(day)] = str(fp)
        self._ready = True

    def changes_since(self, model: str, seq: int) -> tuple[bool, set[date | None]]:
        """(was any build after `seq` full, dates rewritten after `seq`) for `model`."""
        query = (
            exp.select("date", "is_full")
            .from_(self._table(STATE_LOG))
            .where(exp.column("model").eq(exp.Literal.string(model)).and_(exp.column("seq") > exp.Literal.number(seq)))
        )
        rows = [(d, f) for d, f in self.execute(query.sql(dialect=self.dialect))]
        rows += [(d, f) for m, s, d, f in self._log if m == model and s > seq]
        return any(bool(full) for _d, full in rows), {_as_date(d) for d, full in rows if not full}

    def record(self, model: str, digest: str, decision: Decision) -> None:
        """Note what this build saw and did (after the model's table was written)."""
        previous = self.models.get(model, (0, ""))[0]
        seq = previous if decision.mode == UNCHANGED else previous + 1
        if decision.mode == FULL:
            self._log.append((model, seq, None, True))
        elif decision.mode == INCREMENTAL:
            self._log.extend((model, seq, d, False) for d in decision.dates)
        self.models[model] = (seq, digest)
        self.inputs[model] = {key: {"kind": seen["kind"], "entries": dict(seen["entries"])} for key, seen in decision.observed.items()}
        self._records[model] = (seq, digest, decision)

    def flush(self) -> None:
        """Write what `record` noted: a few statements for the whole build."""
        if not self._records:
            return
        lit = exp.Literal.string
        names = sorted(self._records)
        statements: list[exp.Expression] = [
            exp.delete(self._table(STATE_MODELS), where=exp.column("model").isin(*[lit(n) for n in names])),
            exp.delete(self._table(STATE_INPUTS), where=exp.column("model").isin(*[lit(n) for n in names])),
        ]
        now = exp.cast(exp.CurrentTimestamp(), "timestamp")
        models = [
            exp.tuple_(lit(n), exp.Literal.number(seq), lit(digest), lit(decision.mode), now.copy())
            for n, (seq, digest, decision) in sorted(self._records.items())
        ]
        statements += _inserts(self._table(STATE_MODELS), ["model", "seq", "sql_hash", "mode", "built_at"], models)
        inputs = [
            exp.tuple_(lit(n), lit(key), lit(seen["kind"]), _date_literal(day), lit(fp))
            for n, (_seq, _digest, decision) in sorted(self._records.items())
            for key, seen in sorted(decision.observed.items())
            # an input with no rows is recorded too (as one _EMPTY marker row)
            for day, fp in (sorted(seen["entries"].items(), key=lambda item: (item[0] is None, item[0] or date.min)) or [(None, _EMPTY)])
        ]
        statements += _inserts(self._table(STATE_INPUTS), ["model", "input", "kind", "date", "fingerprint"], inputs)
        log = [exp.tuple_(lit(m), exp.Literal.number(s), _date_literal(d), exp.true() if f else exp.false()) for m, s, d, f in self._log]
        statements += _inserts(self._table(STATE_LOG), ["model", "seq", "date", "is_full"], log)
        for statement in statements:
            self.execute(statement.sql(dialect=self.dialect))
        self._records.clear()
        self._log.clear()


def _inserts(table: exp.Table, columns: list[str], rows: list[exp.Expression], chunk: int = 1000) -> list[exp.Expression]:
    return [
        exp.insert(exp.values(rows[start : start + chunk]), table.copy(), columns=columns)
        for start in range(0, len(rows), chunk)
    ]


def _date_literal(day: date | None) -> exp.Expression:
    if day is None:
        return exp.cast(exp.null(), exp.DataType.build("date"))
    return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.build("date"))


# -- deciding ------------------------------------------------------------------------------


def decide(
    state: BuildState,
    recipe: Recipe,
    digest: str,
    inputs: list[Input] | None,
    observed: dict[str, dict[str, Any]],
    *,
    full_reason: str | None,
) -> Decision:
    """Full, incremental (which dates) or unchanged, from what was observed now and recorded then.

    `observed` holds each input's current fingerprints (or, for log inputs, its seq);
    `full_reason` is set when the caller already knows the build must be full.
    """
    decision = Decision(FULL, full_reason or "", observed=observed)
    if full_reason:
        return decision
    if inputs is None:
        decision.reason = "inputs could not be analysed"
        return decision
    known = state.models.get(recipe.name)
    recorded = state.inputs.get(recipe.name)
    if known is None or recorded is None:
        decision.reason = "no build state"
        return decision
    if known[1] != digest:
        decision.reason = "recipe or its inputs' set changed"
        return decision
    dirty: set[date | None] = set()
    for inp in inputs:
        now = observed[inp.key]
        then = recorded.get(inp.key)
        if then is None or then["kind"] != now["kind"]:
            decision.reason = f"new input {inp.key}"
            return decision
        if inp.via_log:
            seen_seq = int(then["entries"].get(None, "0"))
            current_seq = int(now["entries"][None])
            if current_seq < seen_seq:
                decision.reason = f"{inp.model} was reset"
                return decision
            if current_seq > seen_seq:
                was_full, dates = state.changes_since(str(inp.model), seen_seq)
                if was_full:
                    decision.reason = f"{inp.model} was rebuilt in full"
                    return decision
                dirty |= dates
        elif inp.date_expr is None:
            if now["entries"] != then["entries"]:
                decision.reason = f"{inp.key} changed"
                return decision
        else:
            old, new = then["entries"], now["entries"]
            dirty |= {d for d in set(old) | set(new) if old.get(d) != new.get(d)}
    decision.reason = ""
    decision.mode = INCREMENTAL if dirty else UNCHANGED
    decision.dates = sorted(dirty, key=lambda d: (d is None, d or date.min))
    return decision


def logical_to_real(table: exp.Table, raw_schema: str, target_schema: str) -> exp.Table:
    """Point a logical ``raw.x`` / ``analytics.x`` table at the real schema."""
    real = table.copy()
    catalog, db = split_schema(raw_schema if table.db.lower() == RAW else target_schema)
    real.set("db", exp.to_identifier(db))
    real.set("catalog", exp.to_identifier(catalog) if catalog else None)
    return real
