"""Data-quality tests declared in each recipe's header, run after a build.

=================================  ===============================================
``-- grain: a, b``                 ``unique(a, b)`` and ``not_null(a)``, ``not_null(b)``
``-- not_null: c, d``              ``not_null(c)``, ``not_null(d)``
``-- check: spend >= 0``           ``check(spend >= 0)``: no row where the condition is false
=================================  ===============================================

Each test is one ``SELECT`` that counts offending rows (0 means pass), written as a
sqlglot tree and printed in the destination's dialect. A ``check`` ignores rows where
the condition is NULL; ``not_null`` is the test for missing values. A test that
cannot run (a column was renamed) is reported as a failure with the database's error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlglot
from sqlglot import exp

from .catalog import SOURCE_DIALECT, Recipe, load_catalog, select_recipes
from .connection import as_executor
from .render import qualified
from .runner import BUILT, BuildResult, _error_line, existing_tables


@dataclass(frozen=True)
class DataTest:
    model: str
    name: str
    query: exp.Query

    def sql(self, dialect: str) -> str:
        return self.query.sql(dialect=dialect)


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

    def __str__(self) -> str:
        if self.error:
            return f"{self.test} could not run on {self.table}: {self.error}"
        return f"{self.test} failed on {self.table}: {self.rows} row{'s' if self.rows != 1 else ''}"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"model": self.model, "table": self.table, "test": self.test, "rows": self.rows}
        if self.error:
            data["error"] = self.error
        return data


def declared_tests(recipe: Recipe, target_schema: str = "analytics") -> list[DataTest]:
    """The tests a recipe's header declares, as counting queries against its table."""
    table = qualified(recipe.name, target_schema)
    tests: list[DataTest] = []
    if recipe.grain:
        keys = [exp.column(c) for c in recipe.grain]
        duplicates = (
            exp.select(exp.Count(this=exp.Star()).as_("n"))
            .from_(table.copy())
            .group_by(*keys)
            .having(exp.Count(this=exp.Star()) > 1)
        )
        total = exp.func("coalesce", exp.func("sum", exp.column("n")), exp.Literal.number(0))
        query = exp.select(total).from_(duplicates.subquery("duplicates"))
        tests.append(DataTest(recipe.name, f"unique({', '.join(recipe.grain)})", query))
    for column in dict.fromkeys((*recipe.grain, *recipe.not_null)):
        query = exp.select(exp.Count(this=exp.Star())).from_(table.copy()).where(exp.column(column).is_(exp.null()))
        tests.append(DataTest(recipe.name, f"not_null({column})", query))
    for check in recipe.checks:
        condition = sqlglot.parse_one(check, read=SOURCE_DIALECT)
        query = exp.select(exp.Count(this=exp.Star())).from_(table.copy()).where(exp.not_(exp.paren(condition)))
        tests.append(DataTest(recipe.name, f"check({check})", query))
    return tests


def run_tests(
    conn: Any,
    *,
    dialect: str = "duckdb",
    select: Iterable[str] | None = None,
    target_schema: str = "analytics",
    root: Path | str | None = None,
    build_result: BuildResult | None = None,
) -> list[TestFailure]:
    """Run the declared tests of the selected models; return the failures (empty: all pass).

    With `build_result`, only the models built in that run are tested; otherwise every
    selected model whose table exists in `target_schema`.
    """
    execute = as_executor(conn)
    recipes = select_recipes(load_catalog(root), list(select) if select else None)
    if build_result is not None:
        present = {m.name for m in build_result.models if m.status == BUILT}
    else:
        present = existing_tables(execute, target_schema, dialect)
    failures: list[TestFailure] = []
    for recipe in recipes:
        if recipe.name not in present:
            continue
        table = qualified(recipe.name, target_schema).sql(dialect=dialect)
        tests = declared_tests(recipe, target_schema)
        for test, count, error in _run_model_tests(execute, tests, dialect):
            if error or count:
                failures.append(TestFailure(recipe.name, table, test.name, count, test.sql(dialect), error))
    return failures


def _run_model_tests(
    execute: Callable[[str], list[tuple[Any, ...]]], tests: list[DataTest], dialect: str
) -> list[tuple[DataTest, int, str | None]]:
    """Run one model's tests as one query (a row of scalar subqueries), one by one on error.

    One round trip per model matters on Snowflake, where each query costs ~0.1 s or more;
    the one-by-one fallback pins an error (a renamed column) on the test that has it.
    """
    if not tests:
        return []
    combined = exp.select(*[exp.paren(t.query.copy()).as_(f"t{i}") for i, t in enumerate(tests)])
    try:
        rows = execute(combined.sql(dialect=dialect))
        return [(t, int(v or 0), None) for t, v in zip(tests, rows[0])]
    except Exception:  # noqa: BLE001 - find which test it was
        pass
    results = []
    for test in tests:
        try:
            rows = execute(test.sql(dialect))
            results.append((test, int(rows[0][0] or 0) if rows else 0, None))
        except Exception as exc:  # noqa: BLE001 - an unrunnable test is a failed test
            results.append((test, 0, _error_line(exc)))
    return results
