"""Ports to the declarative form change nothing users read.

The raw tables a ported source loads keep their names, columns, types and keys (recorded
before the port in ``<source>.before.json`` by `schema_dump`), and the staging recipes
generated from a source's unified mapping return exactly the rows and columns of the
hand-written ones they replace (kept in ``staging_before/``) and test what they tested;
a source without unified mappings (GA4) keeps its hand-written staging.

Two changes are deliberate (issue 12): money (spend, budgets, conversion value, revenue) is
an exact ``decimal(38, 9)`` from the raw tables on, so the snapshots say so; and the generated
staging adds ``view_through_conversions`` and ``video_views`` (`ADDED`) after the columns the
hand-written SQL had, which keep their rows and order.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from bosco_connectors.framework.registry import get_connector
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.recipes.catalog import read_recipe

from .schema_dump import WORLD, dump

HERE = Path(__file__).parent
PORTED = ["tiktok_ads", "ga4"]
#: Sources whose staging recipes are generated from their unified mapping (GA4's stay hand-written).
GENERATED_STAGING = ["tiktok_ads", "google_ads", "facebook_ads"]
#: Columns the generated staging has and the hand-written SQL had not (issue 12).
ADDED = ("view_through_conversions", "video_views")


@pytest.mark.parametrize("source", PORTED)
def test_raw_tables_keep_their_columns_types_and_keys(source):
    before = json.loads((HERE / f"{source}.before.json").read_text())
    after = dump(source)
    assert after["primary_keys"] == before["primary_keys"]
    for table, columns in before["tables"].items():
        loaded = after["tables"].get(table)
        assert loaded is not None, f"{table} is no longer loaded"
        changed = {c: (t, loaded.get(c)) for c, t in columns.items() if loaded.get(c) != t}
        assert not changed, f"{table}: columns changed (before, after): {changed}"


@pytest.mark.parametrize("source", [name for name in PORTED if name not in GENERATED_STAGING])
def test_a_source_without_generated_staging_keeps_its_hand_written_recipes(source):
    assert sorted(p.name for p in (HERE.parents[1] / "recipes" / "staging").glob(f"stg_{source}__*.sql"))


@pytest.mark.parametrize("source", GENERATED_STAGING)
def test_generated_staging_returns_the_rows_of_the_hand_written_sql(source, tmp_path):
    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
    from bosco_connectors.sync import SyncJob, run_sync

    connector = get_connector(source)
    db = tmp_path / "s.duckdb"
    with FakeApi([app_for(connector, **WORLD)]) as api:
        assert run_sync(SyncJob("t", source, sandbox_config(api, connector)), destination=duckdb_destination(db), pipelines_dir=tmp_path / "p").ok
    generated = staging_models(connector)
    old = {p.stem: p.read_text() for p in (HERE / "staging_before").glob(f"stg_{source}__*.sql")}
    assert set(generated) == set(old)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name, sql in generated.items():
            if name.endswith("_daily"):
                all_cols = [d[0] for d in con.execute(f"select * from ({sql}) limit 0").description]
                assert all_cols[-len(ADDED):] == list(ADDED), name
                sql = f"select {', '.join(c for c in all_cols if c not in ADDED)} from ({sql})"
            new_rows = con.execute(f"select * from ({sql}) order by all").fetchall()
            old_rows = con.execute(f"select * from ({old[name]}) order by all").fetchall()
            assert new_rows and new_rows == old_rows, name
            new_cols = [d[0] for d in con.execute(f"select * from ({sql}) limit 0").description]
            old_cols = [d[0] for d in con.execute(f"select * from ({old[name]}) limit 0").description]
            assert new_cols == old_cols, name
    finally:
        con.close()


@pytest.mark.parametrize("source", GENERATED_STAGING)
def test_generated_staging_declares_the_tests_of_the_hand_written_sql(source):
    """The same grain, checks, freshness and incremental column; not_null may only grow."""
    for name, sql in staging_models(get_connector(source)).items():
        path = HERE / "staging_before" / f"{name}.sql"
        new, old = read_recipe(path, "staging", sql), read_recipe(path, "staging")
        assert (new.grain, new.checks, new.freshness, new.incremental) == (old.grain, old.checks, old.freshness, old.incremental), name
        assert set(old.not_null) <= set(new.not_null), name
