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
from functools import reduce

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
            if not members:
                raise RecipeError(f"{recipe.name}: no member of union '{alias}' ({recipe.union.pattern}) is available")
            subquery = union_query(members, recipe.union.columns, target_schema).subquery(table.alias_or_name)
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
    """``CREATE OR REPLACE TABLE <target>.<name> AS <select>`` in `dialect`."""
    select = render_select(recipe, raw_schema=raw_schema, target_schema=target_schema, union_members=union_members)
    create = exp.Create(this=qualified(recipe.name, target_schema), kind="TABLE", replace=True, expression=select)
    return create.sql(dialect=dialect, pretty=True)
