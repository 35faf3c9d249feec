"""SQL recipes: the unified marketing tables, built on DuckDB or Snowflake from the RAW data.

The SQL lives in the top-level ``recipes/`` folder (packaged as
``bosco_connectors/_recipes``), one SELECT per file, in layers::

    seeds/          CSV files loaded as tables (exchange rates, platform mappings)
    staging/        one model per source table group, mapped to unified columns
    intermediate/   unions of the platforms, exchange rates, reusable joins
    marts/          the unified facts per level (account, campaign, ad group, ad) and dims
    metrics/        ready-to-chart summaries (ROAS, CTR, CPC, CPM, MER...)
    ml/             features and anomaly scores

Recipes are written in DuckDB's dialect and rendered for Snowflake by sqlglot.
Raw tables are read as ``raw.<source>_<stream>``, other models by bare name. A small
header declares what a model promises (see `catalog` and `quality`)::

    -- description: TikTok Ads campaign-day performance in the unified columns.
    -- incremental: date                               (rebuild only changed dates)
    -- grain: tenant_id, date, account_id, campaign_id
    -- not_null: platform, currency
    -- check: spend >= 0
    -- warn_if: clicks > impressions                   (reported, does not fail)
    -- relationship: tenant_id, platform, campaign_id -> dim_campaigns
    -- freshness: date within 3 days
    -- union: campaign_daily = stg_*__campaign_daily   (facts over every source)
    -- derived: ctr, roas, fx_rate                     (expressions defined once in derived.sql)

Build order comes from the references in the SQL; a model whose raw tables are
missing is skipped, and a union reads only the members that were built. See
`runner` (build), `incremental` (which dates to rebuild), `quality` (tests) and
`catalog` (discovery and ordering).

Public API (used by ``bosco-sync recipes build|test|list`` and the benchmarks)::

    build(conn, dialect="duckdb", select=None, raw_schema="raw", target_schema="analytics",
          full_refresh=False, seeds_dir=None) -> BuildResult   (.rebuilt_dates(), per-model mode/dates/rows_rebuilt)
    run_tests(conn, dialect="duckdb", ..., build_result=None, today=None) -> list[TestFailure]
    list_recipes() -> list[Recipe]
"""

from __future__ import annotations

from .catalog import (
    LAYERS,
    Freshness,
    Recipe,
    RecipeError,
    Relationship,
    UnionSpec,
    load_catalog,
    recipes_root,
    select_recipes,
)
from .connection import Executor, as_executor, dialect_of
from .incremental import STATE_TABLES
from .quality import DataTest, TestFailure, declared_tests, run_tests
from .render import render_create, render_delete, render_insert, render_select
from .runner import BuildResult, ModelResult, build, existing_tables, list_recipes

__all__ = [
    "LAYERS",
    "BuildResult",
    "DataTest",
    "Executor",
    "Freshness",
    "ModelResult",
    "Recipe",
    "RecipeError",
    "Relationship",
    "STATE_TABLES",
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
    "render_delete",
    "render_insert",
    "render_select",
    "run_tests",
    "select_recipes",
]
