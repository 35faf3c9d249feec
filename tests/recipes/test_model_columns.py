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
