"""Data-quality tests declared in each recipe's header, run after a build.

==========================================  ===============================================
``-- grain: a, b``                          ``unique(a, b)`` and ``not_null(a)``, ``not_null(b)``
``-- not_null: c, d``                       ``not_null(c)``, ``not_null(d)``
``-- check: spend >= 0``                    ``check(spend >= 0)``: no row where the condition is false
``-- warn_if: clicks > impressions``        ``warn_if(...)``: rows where it is true are a *warning*
``-- finite: spend, roas``                  ``finite(spend)``, ``finite(roas)``: no infinity or NaN
``-- relationship: a, b -> dim``            every row with non-NULL a, b has a match in ``dim``
``-- freshness: date within 3 days``        each tenant's latest date is at most 3 days old
==========================================  ===============================================

Each test is one ``SELECT`` that counts offending rows (0 means pass), written as a
sqlglot tree and printed in the destination's dialect. A ``check`` ignores rows where
the condition is NULL; ``not_null`` is the test for missing values. A test that
cannot run (a column was renamed) is reported as a failure with the database's error.
Failures have severity ``error`` (``bosco-sync recipes build|test`` exit 4) except
``warn_if``, whose rows are reported and do not fail the run. Freshness compares with
``today`` (the UTC date unless given), counting stale tenants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlglot
from sqlglot import exp

from .catalog import SOURCE_DIALECT, Recipe, load_catalog, select_recipes
from .connection import as_executor
from .render import qualified
from .runner import BUILT, BuildResult, _error_line, existing_tables

ERROR, WARN = "error", "warn"


@dataclass(frozen=True)
class DataTest:
    model: str
    name: str
    query: exp.Query
    severity: str = ERROR
    #: For tests of single rows (not_null, check, warn_if): the condition a bad row meets,
    #: so that all of a table's row tests run as one scan (see `_run_model_tests`).
    bad_row: exp.Expression | None = None
    _printed: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def sql(self, dialect: str) -> str:
        if dialect not in self._printed:
            self._printed[dialect] = self.query.sql(dialect=dialect)
        return self._printed[dialect]


@dataclass(frozen=True)
class TestFailure:
    """One failed (or unrunnable) test: which test, on which table, how many rows."""

    __test__ = False  # not a pytest class

    model: str
    table: str
    test: str
    rows: int
    sql: str
    error: str | None = None
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR or self.error is not None

    def __str__(self) -> str:
        if self.error:
            return f"{self.test} could not run on {self.table}: {self.error}"
        verb = "failed" if self.severity == ERROR else "warns"
        return f"{self.test} {verb} on {self.table}: {self.rows} row{'s' if self.rows != 1 else ''}"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"model": self.model, "table": self.table, "test": self.test, "rows": self.rows, "severity": self.severity}
        if self.error:
            data["error"] = self.error
        return data


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def declared_tests(recipe: Recipe, target_schema: str = "analytics", *, today: date | None = None) -> list[DataTest]:
    """The tests a recipe's header declares, as counting queries against its table."""
    return list(_declared_tests(recipe, target_schema, today or utc_today()))


@lru_cache(maxsize=2048)
def _declared_tests(recipe: Recipe, target_schema: str, today: date) -> tuple[DataTest, ...]:
    table = qualified(recipe.name, target_schema)
    count = lambda: exp.Count(this=exp.Star())  # noqa: E731
    tests: list[DataTest] = []
    if recipe.grain:
        keys = [exp.column(c) for c in recipe.grain]
        duplicates = (
            exp.select(count().as_("n"))
            .from_(table.copy())
            .group_by(*keys)
            .having(count() > 1)
        )
        total = exp.func("coalesce", exp.func("sum", exp.column("n")), exp.Literal.number(0))
        query = exp.select(total).from_(duplicates.subquery("duplicates"))
        tests.append(DataTest(recipe.name, f"unique({', '.join(recipe.grain)})", query))

    def row_test(name: str, bad: exp.Expression, severity: str = ERROR) -> DataTest:
        return DataTest(recipe.name, name, exp.select(count()).from_(table.copy()).where(bad.copy()), severity, bad)

    for column in dict.fromkeys((*(g for g in recipe.grain if g not in recipe.nullable_grain), *recipe.not_null)):
        tests.append(row_test(f"not_null({column})", exp.column(column).is_(exp.null())))
    for check in recipe.checks:
        condition = sqlglot.parse_one(check, read=SOURCE_DIALECT)
        tests.append(row_test(f"check({check})", exp.not_(exp.paren(condition))))
    for column in recipe.finite:
        # |x| < 1e308 is false for +-inf, and for NaN, which DuckDB and Snowflake both sort above
        # every number; portable where isfinite() is not. A NULL is not_null's business.
        below = exp.LT(this=exp.func("abs", exp.column(column)), expression=exp.Literal.number("1e308"))
        tests.append(row_test(f"finite({column})", exp.not_(exp.paren(below))))
    for warning in recipe.warnings:
        condition = sqlglot.parse_one(warning, read=SOURCE_DIALECT)
        tests.append(row_test(f"warn_if({warning})", exp.paren(condition), WARN))
    for rel in recipe.relationships:
        child, parent = table.copy(), qualified(rel.target, target_schema)
        child.set("alias", exp.TableAlias(this=exp.to_identifier("child")))
        parent.set("alias", exp.TableAlias(this=exp.to_identifier("parent")))
        match = exp.and_(*[exp.column(p, table="parent").eq(exp.column(c, table="child")) for c, p in zip(rel.columns, rel.target_columns)])
        exists = exp.Exists(this=exp.select(exp.Literal.number(1)).from_(parent).where(match))
        present = exp.and_(*[exp.column(c, table="child").is_(exp.null()).not_() for c in rel.columns])
        query = exp.select(count()).from_(child).where(exp.and_(present, exp.not_(exists)))
        tests.append(DataTest(recipe.name, rel.label, query))
    for fresh in recipe.freshness:
        oldest = today - timedelta(days=fresh.days)
        cutoff = exp.cast(exp.Literal.string(oldest.isoformat()), exp.DataType.build("date"))
        groups = ["tenant_id"] if "tenant_id" in {c.lower() for c in recipe.output_columns} else []
        latest = exp.select(*groups, exp.func("max", exp.column(fresh.column)).as_("latest")).from_(table.copy())
        if groups:
            latest = latest.group_by(*groups)
        query = exp.select(count()).from_(latest.subquery("latest")).where(exp.column("latest") < cutoff)
        tests.append(DataTest(recipe.name, f"freshness({fresh.column} within {fresh.days} days)", query))
    return tuple(tests)


def run_tests(
    conn: Any,
    *,
    dialect: str = "duckdb",
    select: Iterable[str] | None = None,
    target_schema: str = "analytics",
    root: Path | str | None = None,
    seeds_dir: Path | str | None = None,
    build_result: BuildResult | None = None,
    today: date | None = None,
) -> list[TestFailure]:
    """Run the declared tests of the selected models (and their dependents); return the
    failures and warnings (empty: all pass). `TestFailure.is_error` tells them apart.

    With `build_result`, only the models built in that run are tested; otherwise every
    selected model whose table exists in `target_schema`. `today` anchors freshness
    tests (default: the UTC date). A relationship whose target model does not exist
    (skipped: e.g. no platform loaded the objects it is built from) is not tested; the
    build reports that skip.
    """
    execute = as_executor(conn)
    recipes = select_recipes(load_catalog(root, seeds_dir=seeds_dir), list(select) if select else None)
    tables = existing_tables(execute, target_schema, dialect)
    if build_result is not None:
        present = {m.name for m in build_result.models if m.status == BUILT}
        skipped = {m.name for m in build_result.models if m.status != BUILT}
        targets = (tables | present) - skipped
    else:
        present = targets = tables
    failures: list[TestFailure] = []
    for recipe in recipes:
        if recipe.name not in present:
            continue
        table = qualified(recipe.name, target_schema).sql(dialect=dialect)
        unavailable = {r.label for r in recipe.relationships if r.target not in targets}
        tests = [t for t in declared_tests(recipe, target_schema, today=today) if t.name not in unavailable]
        for test, count, error in _run_model_tests(execute, tests, dialect):
            if error or count:
                failures.append(TestFailure(recipe.name, table, test.name, count, test.sql(dialect), error, test.severity))
    return failures


def _run_model_tests(
    execute: Callable[[str], list[tuple[Any, ...]]], tests: list[DataTest], dialect: str
) -> list[tuple[DataTest, int, str | None]]:
    """Run one model's tests in two queries, one by one where a query fails.

    The row tests (not_null, check, warn_if) become one scan of the table:
    ``SELECT SUM(CASE WHEN <bad row> THEN 1 ELSE 0 END), ... FROM t``. The others
    (unique, relationship, freshness) go together as a row of scalar subqueries on
    Snowflake, where each round trip costs ~0.1 s, and one by one on DuckDB, which runs
    in-process and plans small queries faster than wide ones. A failing combined query
    falls back to one query per test, which pins an error (a renamed column) on the
    test that has it.
    """
    if not tests:
        return []
    counts: dict[int, int] = {}
    rows_tests = [t for t in tests if t.bad_row is not None]
    other_tests = [t for t in tests if t.bad_row is None]
    if rows_tests:
        table = rows_tests[0].query.find(exp.From).this.copy()
        sums = [
            exp.func("sum", exp.Case(ifs=[exp.If(this=t.bad_row.copy(), true=exp.Literal.number(1))], default=exp.Literal.number(0))).as_(f"t{i}")
            for i, t in enumerate(rows_tests)
        ]
        try:
            (values,) = execute(exp.select(*sums).from_(table).sql(dialect=dialect))
            counts.update({id(t): int(v or 0) for t, v in zip(rows_tests, values)})
        except Exception:  # noqa: BLE001 - find which test it was, below
            pass
    if other_tests and dialect != "duckdb":
        combined = exp.select(*[exp.paren(t.query.copy()).as_(f"t{i}") for i, t in enumerate(other_tests)])
        try:
            (values,) = execute(combined.sql(dialect=dialect))
            counts.update({id(t): int(v or 0) for t, v in zip(other_tests, values)})
        except Exception:  # noqa: BLE001
            pass
    results = []
    for test in tests:
        if id(test) in counts:
            results.append((test, counts[id(test)], None))
            continue
        try:
            rows = execute(test.sql(dialect))
            results.append((test, int(rows[0][0] or 0) if rows else 0, None))
        except Exception as exc:  # noqa: BLE001 - an unrunnable test is a failed test
            results.append((test, 0, _error_line(exc)))
    return results
