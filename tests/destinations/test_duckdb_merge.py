"""DuckDB's merge de-duplicates staged rows with DISTINCT ON: the rows dlt's own SQL keeps."""

from __future__ import annotations

from pathlib import Path

import dlt
import pytest

from bosco_connectors.destinations.duckdb import duckdb_destination
from bosco_connectors.destinations.duckdb_merge import distinct_on_merge


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch) -> dlt.Pipeline:
    monkeypatch.chdir(tmp_path)
    return dlt.pipeline("merge_dedup", destination=duckdb_destination(tmp_path / "m.duckdb"), dataset_name="raw",
                        pipelines_dir=str(tmp_path / "pipelines"))


def rows(pipeline: dlt.Pipeline, table: str) -> list[tuple]:
    with pipeline.sql_client() as client:
        return sorted(client.execute_sql(f"SELECT tenant_id, id, v FROM {table}"))


def test_one_row_per_key_of_a_load_and_a_later_load_replaces_it(pipeline):
    @dlt.resource(primary_key=("tenant_id", "id"), write_disposition="merge", table_name="items")
    def items(batch):
        yield from batch

    pipeline.run(items([{"tenant_id": "t", "id": 1, "v": "a"}, {"tenant_id": "t", "id": 1, "v": "a"},
                        {"tenant_id": "t", "id": 2, "v": "b"}, {"tenant_id": "u", "id": 1, "v": "c"}]),
                 loader_file_format="parquet")
    assert rows(pipeline, "items") == [("t", 1, "a"), ("t", 2, "b"), ("u", 1, "c")]

    pipeline.run(items([{"tenant_id": "t", "id": 2, "v": "B"}]), loader_file_format="parquet")
    assert rows(pipeline, "items") == [("t", 1, "a"), ("t", 2, "B"), ("u", 1, "c")]


def test_the_merge_sql_keeps_any_row_per_key_with_distinct_on():
    job = distinct_on_merge()
    sql = job.gen_select_from_dedup_sql('"s"."t"', ['"tenant_id"', '"id"'], ['"tenant_id"', '"id"', '"v"'], condition="1 = 1")
    assert sql == 'SELECT DISTINCT ON ("tenant_id", "id") "tenant_id", "id", "v" FROM "s"."t"'


@pytest.mark.parametrize("kwargs", [
    {"dedup_sort": ('"v"', "desc")},  # a declared order: the row dlt picks by it
    {"condition": '"deleted" IS NOT TRUE', "condition_columns": ['"deleted"']},  # hard deletes: dlt filters after picking
    {"skip_dedup": True},
])
def test_every_other_dedup_is_dlts_own(kwargs):
    from dlt.destinations.sql_jobs import SqlMergeFollowupJob

    args = ('"s"."t"', ['"id"'], ['"id"', '"v"'])
    assert distinct_on_merge().gen_select_from_dedup_sql(*args, **kwargs) == SqlMergeFollowupJob.gen_select_from_dedup_sql(*args, **kwargs)
