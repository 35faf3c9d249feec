"""Helpers for the reddit_ads tests: a DuckDB pipeline and a reader of its tables."""

from __future__ import annotations

from pathlib import Path

import dlt
import duckdb


def make_pipeline(tmp_path: Path, name: str = "reddit_test") -> dlt.Pipeline:
    return dlt.pipeline(pipeline_name=name, destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                        pipelines_dir=str(tmp_path / "p"), dataset_name="raw")


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()
