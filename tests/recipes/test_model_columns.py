"""No model changes its columns or their types when recipes are refactored (see `model_columns`)."""

from __future__ import annotations

import json

import duckdb
import pytest

from .model_columns import SNAPSHOT, build_everything, model_columns


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """Every model built once on empty raw tables (the build is the slow part; both tests read it)."""
    tmp = tmp_path_factory.mktemp("model_columns")
    conn = duckdb.connect(str(tmp / "m.duckdb"))
    build_everything(conn, tmp / "seeds")
    yield conn
    conn.close()


def test_every_model_keeps_its_columns_in_order_and_their_types(everything) -> None:
    before = json.loads(SNAPSHOT.read_text())
    after = model_columns(everything)
    assert sorted(after) == sorted(before)
    changed = {name: {"before": before[name], "after": after[name]} for name in before if after[name] != before[name]}
    assert not changed


def test_no_model_stores_a_count_as_hugeint(everything):
    """DuckDB sums BIGINTs into HUGEINT; the models store counts as BIGINT (pandas, Arrow and BI tools read it)."""
    wide = everything.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'analytics' AND data_type = 'HUGEINT'"
    ).fetchall()
    clicks = {r[0] for r in everything.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'analytics' AND column_name = 'clicks'"
    ).fetchall()}
    assert wide == []
    assert clicks == {"BIGINT"}
