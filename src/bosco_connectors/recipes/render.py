"""Turn a recipe into the SQL one destination runs: schemas mapped, unions expanded, dialect set.

Recipes are written once in DuckDB's dialect. Rendering works on the sqlglot tree,
never on strings: ``raw.x`` is pointed at the real raw schema, bare model names at
the analytics schema, a ``-- union:`` alias becomes a UNION ALL subquery over the
members that were built, and the tree is printed in the destination's dialect
(``snowflake`` or ``duckdb``). Unquoted names stay unquoted, so Snowflake folds them
to upper case exactly as dlt does when it creates the raw tables.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache, reduce

from sqlglot import exp

from .catalog import Recipe, RecipeError, table_references

_SCHEMA_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def split_schema(schema: str) -> tuple[str | None, str]:
    """``"analytics"`` -> (None, "analytics"); ``"DB.analytics"`` -> ("DB", "analytics")."""
    parts = schema.split(".") if schema else []
    if not 1 <= len(parts) <= 2 or not all(_SCHEMA_PART.match(p) for p in parts):
        raise RecipeError(f"schema '{schema}' must be a plain name or database.schema (letters, digits, _)")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def qualified(name: str, schema: str) -> exp.Table:
    catalog, db = split_schema(schema)
    return exp.table_(name, db=db, catalog=catalog)


def _point_at(table: exp.Table, schema: str) -> None:
    catalog, db = split_schema(schema)
    table.set("db", exp.to_identifier(db))
    table.set("catalog", exp.to_identifier(catalog) if catalog else None)


def union_query(members: list[str], columns: tuple[str, ...], target_schema: str) -> exp.Query:
    """``SELECT <columns> FROM m1 UNION ALL SELECT <columns> FROM m2 ...`` (by name, not position)."""
    selects = [exp.select(*columns).from_(qualified(m, target_schema)) for m in members]
    return reduce(lambda left, right: exp.union(left, right, distinct=False), selects)


def render_select(
    recipe: Recipe,
    *,
    raw_schema: str = "raw",
    target_schema: str = "analytics",
    union_members: list[str] | None = None,
) -> exp.Query:
    """The recipe's SELECT as a sqlglot tree, with every table reference resolved.

    `union_members` are the union members that exist (default: all of them).
    """
    query = recipe.ast.copy()
    alias = recipe.union.alias if recipe.union else None
    for table in table_references(query):
        name = table.name.lower()
        if table.db:
            _point_at(table, raw_schema)
        elif name == alias and recipe.union is not None:
            members = list(recipe.union.members if union_members is None else union_members)
            if members:
                body = union_query(members, recipe.union.columns, target_schema)
            elif recipe.union.optional:
                body = exp.select(*[exp.null().as_(c) for c in recipe.union.columns]).where(exp.false())
            else:
                raise RecipeError(f"{recipe.name}: no member of union '{alias}' ({recipe.union.pattern}) is available")
            subquery = body.subquery(table.alias_or_name)
            table.replace(subquery)
        else:
            _point_at(table, target_schema)
    return query


def render_create(
    recipe: Recipe,
    *,
    dialect: str = "duckdb",
    raw_schema: str = "raw",
    target_schema: str = "analytics",
    union_members: list[str] | None = None,
) -> str:
    """``CREATE OR REPLACE TABLE <target>.<name> AS <select>`` in `dialect`.

    Memoised per process: recipes are immutable and printing a tree in a dialect
    costs a few milliseconds, which repeated builds would otherwise pay every time.
    """
    members = None if union_members is None else tuple(union_members)
    return _render_create(recipe, dialect, raw_schema, target_schema, members)


@lru_cache(maxsize=1024)
def _render_create(recipe: Recipe, dialect: str, raw_schema: str, target_schema: str, union_members: tuple[str, ...] | None) -> str:
    members = None if union_members is None else list(union_members)
    select = render_select(recipe, raw_schema=raw_schema, target_schema=target_schema, union_members=members)
    key = cluster_key(recipe, dialect)
    properties = exp.Properties(expressions=[exp.ClusterProperty(expressions=[exp.column(c) for c in key])]) if key else None
    create = exp.Create(this=qualified(recipe.name, target_schema), kind="TABLE", replace=True, expression=select, properties=properties)
    return create.sql(dialect=dialect, pretty=True)


def cluster_key(recipe: Recipe, dialect: str) -> tuple[str, ...]:
    """Snowflake clusters a fact by (date, tenant_id): every incremental rebuild deletes and
    inserts by date, and every dashboard reads one tenant's date range, so both prune
    micro-partitions. Only the unified facts (incremental marts keyed by tenant); staging
    models are read whole by the facts, and other engines have no clustering key."""
    if dialect != "snowflake" or recipe.layer != "marts" or not recipe.incremental or "tenant_id" not in recipe.grain:
        return ()
    return (recipe.incremental, "tenant_id")


# -- incremental statements ----------------------------------------------------------------

#: Above this many dates a rebuild is expressed as one date range (still exact: the
#: DELETE and the INSERT use the same predicate).
MAX_LISTED_DATES = 200


def dates_predicate(column: str, dates: list[date | None]) -> exp.Expression:
    """``column IN (DATE 'a', ...)`` (``OR column IS NULL`` when None is among `dates`)."""
    col = exp.column(column)
    known = sorted(d for d in dates if d is not None)
    parts: list[exp.Expression] = []
    if known:
        literal = lambda d: exp.cast(exp.Literal.string(d.isoformat()), exp.DataType.build("date"))  # noqa: E731
        if len(known) > MAX_LISTED_DATES:
            parts.append(exp.Between(this=col.copy(), low=literal(known[0]), high=literal(known[-1])))
        else:
            parts.append(col.copy().isin(*[literal(d) for d in known]))
    if None in dates:
        parts.append(col.copy().is_(exp.null()))
    if not parts:
        return exp.false()
    return reduce(lambda left, right: exp.or_(left, right), parts)


def render_delete(name: str, predicate: exp.Expression, *, dialect: str, target_schema: str) -> str:
    return exp.delete(qualified(name, target_schema), where=predicate.copy()).sql(dialect=dialect)


def render_insert(
    recipe: Recipe,
    predicate: exp.Expression,
    *,
    dialect: str,
    raw_schema: str = "raw",
    target_schema: str = "analytics",
    union_members: list[str] | None = None,
) -> str:
    """``INSERT INTO <target>.<name> (cols) SELECT cols FROM (<select>) AS m WHERE <predicate>``.

    The filter sits outside the recipe's SELECT; DuckDB and Snowflake push it down
    through projections, GROUP BY on the date, joins and UNION ALL to the scans.
    """
    select = render_select(recipe, raw_schema=raw_schema, target_schema=target_schema, union_members=union_members)
    columns = list(recipe.output_columns)
    body = exp.select(*columns).from_(select.subquery("recipe", copy=False), copy=False).where(predicate.copy(), copy=False)
    insert = exp.insert(body, qualified(recipe.name, target_schema), columns=columns, copy=False)
    return insert.sql(dialect=dialect, pretty=True)
