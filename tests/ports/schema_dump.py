"""The schema a source loads into DuckDB: tables, columns, types, keys (to compare before/after a port).

``python -m tests.ports.schema_dump <source> > tests/ports/<source>.before.json`` records it; the
port tests load the same fake world with the ported source and compare.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

WORLD = {"seed": 3, "size": "tiny", "end_date": date(2026, 11, 20)}


def loaded_schema(db: Path, source: str) -> dict[str, Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'raw' order by table_name, column_name"
        ).fetchall()
    finally:
        con.close()
    tables: dict[str, dict[str, str]] = {}
    for table, column, kind, nullable in rows:
        if not table.startswith(source + "_") or column.startswith("_dlt"):
            continue
        tables.setdefault(table, {})[column] = kind
    return tables


def primary_keys(connector: Any) -> dict[str, list[str]]:
    return {connector.table_name(s): ["tenant_id", *s.primary_key] for s in connector.streams}


def dump(source: str) -> dict[str, Any]:
    from bosco_connectors.framework.registry import get_connector
    from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
    from bosco_connectors.sync import SyncJob, run_sync
    from bosco_connectors.destinations.duckdb import duckdb_destination

    connector = get_connector(source)
    with tempfile.TemporaryDirectory() as tmp, FakeApi([app_for(connector, **WORLD)]) as api:
        db = Path(tmp) / "s.duckdb"
        result = run_sync(SyncJob("t", source, sandbox_config(api, connector)), destination=duckdb_destination(db), pipelines_dir=Path(tmp) / "p")
        assert result.ok, result.failure_line
        return {"tables": loaded_schema(db, source), "primary_keys": primary_keys(connector)}


if __name__ == "__main__":
    print(json.dumps(dump(sys.argv[1]), indent=1, sort_keys=True))
