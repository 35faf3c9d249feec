"""No model changes its columns or their types when recipes are refactored (see `model_columns`)."""

from __future__ import annotations

import json

import duckdb

from .model_columns import SNAPSHOT, build_everything, model_columns


def test_every_model_keeps_its_columns_in_order_and_their_types(tmp_path) -> None:
    before = json.loads(SNAPSHOT.read_text())
    conn = duckdb.connect()
    try:
        build_everything(conn, tmp_path / "seeds")
        after = model_columns(conn)
    finally:
        conn.close()
    assert sorted(after) == sorted(before)
    changed = {name: {"before": before[name], "after": after[name]} for name in before if after[name] != before[name]}
    assert not changed


def test_no_model_stores_a_count_as_hugeint(tmp_path):
    """DuckDB sums BIGINTs into HUGEINT; the models store counts as BIGINT (pandas, Arrow and BI tools read it)."""
    conn = duckdb.connect(str(tmp_path / "m.duckdb"))
    try:
        build_everything(conn, tmp_path / "seeds")
        wide = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'analytics' AND data_type = 'HUGEINT'"
        ).fetchall()
        clicks = {r[0] for r in conn.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = 'analytics' AND column_name = 'clicks'"
        ).fetchall()}
    finally:
        conn.close()
    assert wide == []
    assert clicks == {"BIGINT"}
