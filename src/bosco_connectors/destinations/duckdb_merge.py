"""DuckDB's merge keeps one staged row per key with ``DISTINCT ON``, not a ``ROW_NUMBER()`` subquery.

dlt's merge (`SqlMergeFollowupJob`) de-duplicates the staged rows before it inserts them:
``SELECT ... FROM (SELECT ROW_NUMBER() OVER (PARTITION BY <key> ORDER BY (SELECT NULL)) AS rn,
...) WHERE rn = 1``, any one row per key. DuckDB answers ``SELECT DISTINCT ON (<key>) ...`` (any
one row per key: the same rows) in about half the time: Shopify's 30,246 staged orders in
0.24 s instead of 0.44 s, of a load step of ~1.3 s (bench/README.md, shopify_bulk). Only where
dlt asks for any row (no dedup sort) and keeps every one (no hard-delete condition); anywhere
else dlt's own SQL runs. ``BOSCO_DUCKDB_DISTINCT_ON=0`` leaves dlt's merge untouched.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

#: dlt's condition when it filters nothing.
_NO_CONDITION = (None, "1 = 1")


def install() -> None:
    """Have dlt's DuckDB client merge with `DistinctOnMerge` (once; not when switched off)."""
    if os.environ.get("BOSCO_DUCKDB_DISTINCT_ON", "1").strip() == "0":
        return
    from dlt.destinations.impl.duckdb.duck import DuckDbClient

    if getattr(DuckDbClient, "_bosco_distinct_on", False):
        return
    merge_job = distinct_on_merge()

    def _create_merge_followup_jobs(self: Any, table_chain: Sequence[Any]) -> list[Any]:
        return [merge_job.from_table_chain(table_chain, self.sql_client)]

    DuckDbClient._create_merge_followup_jobs = _create_merge_followup_jobs  # type: ignore[method-assign]
    DuckDbClient._bosco_distinct_on = True  # type: ignore[attr-defined]


def distinct_on_merge() -> type:
    from dlt.destinations.sql_jobs import SqlMergeFollowupJob

    class DistinctOnMerge(SqlMergeFollowupJob):
        """dlt's merge job, its de-duplication written ``SELECT DISTINCT ON``."""

        @classmethod
        def gen_select_from_dedup_sql(cls, table_name: str, primary_keys: Sequence[str], columns: Sequence[str],
                                      dedup_sort: Any = None, condition: str | None = None,
                                      condition_columns: Sequence[str] | None = None, skip_dedup: bool = False) -> str:
            if skip_dedup or dedup_sort is not None or condition not in _NO_CONDITION or condition_columns or not primary_keys:
                return super().gen_select_from_dedup_sql(table_name, primary_keys, columns, dedup_sort, condition,
                                                         condition_columns, skip_dedup)
            return f"SELECT DISTINCT ON ({', '.join(primary_keys)}) {', '.join(columns)} FROM {table_name}"

    return DistinctOnMerge
