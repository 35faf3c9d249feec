"""SQL recipes: the unified marketing tables, built on DuckDB or Snowflake from the RAW data.

The SQL lives in the top-level ``recipes/`` folder (packaged as
``bosco_connectors/_recipes``), one SELECT per file, in layers::

    staging/        one model per source table group, mapped to unified columns
    intermediate/   reusable joins and roll-ups
    marts/          the unified facts (e.g. fct_campaign_performance)
    metrics/        ready-to-chart summaries (ROAS, CTR, CPC, CPM...)

Recipes are written in DuckDB's dialect and rendered for Snowflake by sqlglot.
Raw tables are read as ``raw.<source>_<stream>``, other models by bare name. A small
header declares what a model promises::

    -- description: TikTok Ads campaign-day performance in the unified columns.
    -- grain: tenant_id, date, account_id, campaign_id
    -- not_null: platform, currency
    -- check: spend >= 0
    -- union: campaign_daily = stg_*__campaign_daily   (facts over every source)

Build order comes from the references in the SQL; a model whose raw tables are
missing is skipped, and a union reads only the members that were built. See
`runner` (build), `quality` (tests) and `catalog` (discovery and ordering).

Public API (used by ``bosco-sync recipes build|test|list``)::

    build(conn, dialect="duckdb", select=None, raw_schema="raw", target_schema="analytics") -> BuildResult
    run_tests(conn, dialect="duckdb", ..., build_result=None) -> list[TestFailure]
    list_recipes() -> list[Recipe]
"""

from __future__ import annotations

from .catalog import LAYERS, Recipe, RecipeError, UnionSpec, load_catalog, recipes_root, select_recipes
from .connection import Executor, as_executor, dialect_of
from .quality import DataTest, TestFailure, declared_tests, run_tests
from .render import render_create, render_select
from .runner import BuildResult, ModelResult, build, existing_tables, list_recipes

__all__ = [
    "LAYERS",
    "BuildResult",
    "DataTest",
    "Executor",
    "ModelResult",
    "Recipe",
    "RecipeError",
    "TestFailure",
    "UnionSpec",
    "as_executor",
    "build",
    "declared_tests",
    "dialect_of",
    "existing_tables",
    "list_recipes",
    "load_catalog",
    "recipes_root",
    "render_create",
    "render_select",
    "run_tests",
    "select_recipes",
]
