"""Every model's columns and types, as DuckDB builds them from the fixtures of every source.

``model_columns.json`` holds them as they were before the ratios and exchange-rate amounts
moved into ``recipes/derived.sql`` (and Google's and Meta's staging became generated):
`test_model_columns` checks that no model lost, gained, renamed, moved or retyped a column.
Re-record on purpose only (a deliberate schema change)::

    PYTHONPATH=src python -m tests.recipes.model_columns > tests/recipes/model_columns.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb

from bosco_connectors.recipes import STATE_TABLES, as_executor, build

from . import rawdata

SNAPSHOT = Path(__file__).with_name("model_columns.json")
RATES = "date,from_currency,to_currency,rate\n2026-10-01,EUR,USD,1.10\n"


def build_everything(conn: Any, seeds_dir: Path) -> None:
    """Every source's raw fixtures, a raw exchange-rate table and a rates seed: no model is skipped
    but the staging of sources these rows do not cover (`rawdata.breadth_staging`)."""
    execute = as_executor(conn)
    rawdata.load_raw(execute, google=True, facebook=True)
    execute("create table raw.exchange_rates as select '2026-11-02' as date, 'EUR' as from_currency, 'USD' as to_currency, '1.2' as rate")
    seeds_dir.mkdir(parents=True, exist_ok=True)
    (seeds_dir / "exchange_rates.csv").write_text(RATES)
    result = build(conn, seeds_dir=seeds_dir)
    skipped = rawdata.breadth_models()  # once: each call reads the catalog and the installed sources again
    unexpected = [m.line() for m in result.models if m.status != "built" and m.name not in skipped]
    assert result.ok and not unexpected, unexpected


def model_columns(conn: Any) -> dict[str, list[list[str]]]:
    """``{model: [[column, type], ...]}`` in column order, for every table in ``analytics``."""
    rows = conn.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'analytics' order by table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[list[str]]] = {}
    for table, column, kind in rows:
        if table not in STATE_TABLES:
            out.setdefault(table, []).append([column, kind])
    return out


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        conn = duckdb.connect()
        build_everything(conn, Path(tmp) / "seeds")
        json.dump(model_columns(conn), sys.stdout, indent=1)
        sys.stdout.write("\n")
        conn.close()


if __name__ == "__main__":
    main()
