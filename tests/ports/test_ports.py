"""Ports to the declarative form change nothing users read.

The raw tables a ported source loads keep their names, columns, types and keys (recorded
before the port in ``<source>.before.json`` by `schema_dump`), and its generated staging
recipes return exactly the rows of the hand-written ones they replace (kept in
``staging_before/``); a source without unified mappings (GA4) keeps its hand-written staging.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from bosco_connectors.framework.registry import get_connector
from bosco_connectors.framework.unified import staging_models

from .schema_dump import WORLD, dump

HERE = Path(__file__).parent
PORTED = ["tiktok_ads", "ga4"]
#: Ported sources whose staging recipes are generated from unified mappings (GA4's stay hand-written).
GENERATED_STAGING = [name for name in PORTED if staging_models(get_connector(name))]


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
            new_rows = con.execute(f"select * from ({sql}) order by all").fetchall()
            old_rows = con.execute(f"select * from ({old[name]}) order by all").fetchall()
            assert new_rows and new_rows == old_rows, name
            new_cols = [d[0] for d in con.execute(f"select * from ({sql}) limit 0").description]
            old_cols = [d[0] for d in con.execute(f"select * from ({old[name]}) limit 0").description]
            assert new_cols == old_cols, name
    finally:
        con.close()
