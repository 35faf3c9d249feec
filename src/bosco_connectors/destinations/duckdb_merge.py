"""DuckDB's merge skips de-duplicating staged rows that hold each key once.

dlt's merge (`SqlMergeFollowupJob`) de-duplicates the staged rows before it inserts them:
``SELECT ... FROM (SELECT ROW_NUMBER() OVER (PARTITION BY <key> ORDER BY (SELECT NULL)) AS rn,
...) WHERE rn = 1``, any one row per key. That window carries every column of every row: for
Shopify's 30,246 staged orders it took 0.44 s of a ~1.3 s load step, the plain insert 0.17 s
(bench/README.md, shopify_bulk). Where the staged table holds each key once (what an export
of records sends: one row per record), the window keeps every row, so the insert is the same
without it. The merge job is made once the rows are staged: it counts the staged keys first
(``count(*)`` against ``count(DISTINCT key)``, a few ms) and, where none repeats, has dlt skip
the de-duplication (its ``x-stage-data-deduplicated`` hint, for this load only). Repeated keys
(a page read twice, a crash and a retry), a declared dedup sort or a hard-delete column, a table
with nested tables, or a count DuckDB cannot make: dlt's own SQL, as before.

(``SELECT DISTINCT ON (key)`` keeps the same rows and runs in half the window's time, but it
is a hash aggregate over every column that does not spill: 300k orders ran out of the syncs'
192 MB.) ``BOSCO_DUCKDB_UNIQUE_MERGE=0`` leaves dlt's merge untouched.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import Any, Sequence

from ..framework.dlt_hints import patch_switched_off

log = logging.getLogger("bosco_connectors.destinations")

DEDUPLICATED = "x-stage-data-deduplicated"


def install() -> None:
    """Have dlt's DuckDB client make its merge jobs through `merge_jobs` (once; not when switched off)."""
    if patch_switched_off("BOSCO_DUCKDB_UNIQUE_MERGE"):
        return
    from dlt.destinations.impl.duckdb.duck import DuckDbClient

    if getattr(DuckDbClient, "_bosco_unique_merge", False):
        return

    def _create_merge_followup_jobs(self: Any, table_chain: Sequence[Any]) -> list[Any]:
        return merge_jobs(self, table_chain)

    DuckDbClient._create_merge_followup_jobs = _create_merge_followup_jobs  # type: ignore[method-assign]
    DuckDbClient._bosco_unique_merge = True  # type: ignore[attr-defined]


def merge_jobs(client: Any, table_chain: Sequence[Any]) -> list[Any]:
    """dlt's merge job for `table_chain`, told its staged rows are unique where `staged_keys_unique` says so."""
    from dlt.destinations.sql_jobs import SqlMergeFollowupJob

    if staged_keys_unique(client, table_chain):
        table_chain = [{**table_chain[0], DEDUPLICATED: True}]
    return [SqlMergeFollowupJob.from_table_chain(table_chain, client.sql_client)]


def staged_keys_unique(client: Any, table_chain: Sequence[Any]) -> bool:
    """True when a lone table (no nested tables) with a primary key, no dedup sort and no hard-delete
    column holds each key once in staging (and was not declared de-duplicated already)."""
    from dlt.common.schema.utils import get_columns_names_with_prop, get_dedup_sort_tuple

    if len(table_chain) != 1:
        return False
    table = table_chain[0]
    if table.get(DEDUPLICATED) or table.get("x-merge-strategy", "delete-insert") != "delete-insert":
        return False
    keys = get_columns_names_with_prop(table, "primary_key")
    if not keys or get_dedup_sort_tuple(table) is not None or get_columns_names_with_prop(table, "hard_delete"):
        return False
    sql = client.sql_client
    escape = sql.escape_column_name
    _, staged = sql.get_qualified_table_names(table["name"])
    key = ", ".join(escape(k) for k in keys)
    try:
        # dlt makes the job between the load's jobs, its client's connection closed: open it for the count
        with sql if sql.native_connection is None else nullcontext():
            ((rows, distinct),) = sql.execute_sql(f"SELECT count(*), count(DISTINCT ({key})) FROM {staged}")
    except Exception as exc:  # noqa: BLE001 - any doubt: dlt's own de-duplication
        log.debug("staged keys of %s not counted (%s): dlt de-duplicates them", table["name"], exc)
        return False
    return rows == distinct
