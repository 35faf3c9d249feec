"""DuckDB's merge skips de-duplicating staged rows that hold each key once: the rows dlt keeps either way."""

from __future__ import annotations

from pathlib import Path

import dlt
import pytest

from bosco_connectors.destinations import duckdb_merge
from bosco_connectors.destinations.duckdb import duckdb_destination


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch) -> dlt.Pipeline:
    monkeypatch.chdir(tmp_path)
    return dlt.pipeline("merge_dedup", destination=duckdb_destination(tmp_path / "m.duckdb"), dataset_name="raw",
                        pipelines_dir=str(tmp_path / "pipelines"))


@pytest.fixture
def verdicts(monkeypatch) -> list[bool]:
    """What `staged_keys_unique` answered, one per merge job made."""
    seen: list[bool] = []
    answer = duckdb_merge.staged_keys_unique

    def recorded(client, table_chain):
        seen.append(answer(client, table_chain))
        return seen[-1]

    monkeypatch.setattr(duckdb_merge, "staged_keys_unique", recorded)
    return seen


@dlt.resource(primary_key=("tenant_id", "id"), write_disposition="merge", table_name="items")
def items(batch):
    yield from batch


def rows(pipeline: dlt.Pipeline, table: str = "items") -> list[tuple]:
    with pipeline.sql_client() as client:
        return sorted(client.execute_sql(f"SELECT tenant_id, id, v FROM {table}"))


def test_unique_staged_rows_are_inserted_as_they_are_and_a_later_load_replaces_them(pipeline, verdicts):
    pipeline.run(items([{"tenant_id": "t", "id": 1, "v": "a"}, {"tenant_id": "t", "id": 2, "v": "b"},
                        {"tenant_id": "u", "id": 1, "v": "c"}]), loader_file_format="parquet")
    pipeline.run(items([{"tenant_id": "t", "id": 2, "v": "B"}]), loader_file_format="parquet")

    assert verdicts == [True, True]
    assert rows(pipeline) == [("t", 1, "a"), ("t", 2, "B"), ("u", 1, "c")]


def test_a_key_staged_twice_is_de_duplicated_by_dlt(pipeline, verdicts):
    pipeline.run(items([{"tenant_id": "t", "id": 1, "v": "a"}, {"tenant_id": "t", "id": 1, "v": "a"},
                        {"tenant_id": "t", "id": 2, "v": "b"}]), loader_file_format="parquet")

    assert verdicts == [False]
    assert rows(pipeline) == [("t", 1, "a"), ("t", 2, "b")]


def test_a_table_with_nested_tables_keeps_dlts_merge(pipeline, verdicts):
    pipeline.run(items([{"tenant_id": "t", "id": 1, "v": "a", "tags": [{"x": 1}, {"x": 2}]}]), loader_file_format="parquet")
    pipeline.run(items([{"tenant_id": "t", "id": 1, "v": "b", "tags": [{"x": 3}]}]), loader_file_format="parquet")

    assert verdicts == [False, False]
    assert rows(pipeline) == [("t", 1, "b")]
    with pipeline.sql_client() as client:
        assert client.execute_sql("SELECT x FROM items__tags") == [(3,)]


def test_a_dedup_sort_keeps_dlts_merge(pipeline, verdicts):
    @dlt.resource(primary_key="id", write_disposition="merge", table_name="sorted_items",
                  columns={"v": {"dedup_sort": "desc"}})
    def sorted_items():
        yield [{"tenant_id": "t", "id": 1, "v": "a"}, {"tenant_id": "t", "id": 1, "v": "z"}]

    pipeline.run(sorted_items(), loader_file_format="parquet")

    assert verdicts == [False]
    assert rows(pipeline, "sorted_items") == [("t", 1, "z")]
