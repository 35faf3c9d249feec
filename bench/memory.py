"""Memory: peak RSS of our sync for 10M rows against 1M rows (target: at most 1.2x).

The same sync as the throughput benchmark (``tiktok_ads`` ``report_ad_daily`` through
`run_sync` into DuckDB), each size in a fresh process whose peak RSS is read with
``getrusage``. The server renders pages on demand (no page cache: 10M rows of JSON
would not fit), in its own process.

Streaming end to end means the peak does not grow with the row count. Our side is
bounded by construction: pages by the reader queue, Arrow batches by
`resources.ARROW_BATCH_ROWS`, and dlt writes them to a file as they come. The load
is DuckDB's: dlt's merge copies the package into a staging table and inserts it
deduplicated with ``ROW_NUMBER() OVER (PARTITION BY <primary key>)``, which DuckDB
holds in memory up to its ``memory_limit`` (default 80% of RAM: ~650 MB more per
million rows here) and spills beyond it. So both runs bound DuckDB the way its docs
advise for large loads, through dlt's own config
(``destination.duckdb.credentials.global_config``, see `DUCKDB_SETTINGS`): a memory
limit, one thread (each thread keeps its own partitions beyond the limit) and no
insertion-order preservation. The phase peaks printed show our side alone (the peak
when the load starts).
"""

from __future__ import annotations

import json
from typing import Any

from .common import END_DATE, Row, fmt_int, say
from .fakeapp import expected_rows, world_for
from .serve import fake_server
from .throughput import contender

#: DuckDB settings for both runs: it spills to disk beyond the limit.
DUCKDB_LIMIT = "384MB"
DUCKDB_SETTINGS = {"memory_limit": DUCKDB_LIMIT, "threads": 1, "preserve_insertion_order": False}
DUCKDB_ENV = {"DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG": json.dumps(DUCKDB_SETTINGS)}


def one(rows: int, workers: int) -> dict[str, Any]:
    world = world_for(rows)
    say(f"memory: {fmt_int(expected_rows(world))} rows")
    with fake_server(world, END_DATE, cache=False) as info:
        result = contender("ours", info, workers, env=DUCKDB_ENV)
    result["expected"] = expected_rows(world)
    phases = result.get("phase_peaks_mb", {})
    say("  peak RSS when each phase started: " + ", ".join(f"{k} {v:.0f} MB" for k, v in phases.items()))
    return result


def run(small: int = 1_000_000, large: int = 10_000_000, workers: int = 4) -> list[Row]:
    a, b = one(small, workers), one(large, workers)
    ratio = b["peak_rss_mb"] / a["peak_rss_mb"]
    table = []
    for r in (a, b):
        phases = r.get("phase_peaks_mb", {})
        extract = phases.get("normalizing")
        detail = f" (at the end of extract: {extract:.0f} MB)" if extract else ""
        table.append(Row("memory", f"peak RSS of our sync, {fmt_int(r['expected'])} rows (DuckDB memory_limit {DUCKDB_LIMIT}, 1 thread)",
                         f"{r['peak_rss_mb']:.0f} MB{detail}, {fmt_int(r['rows_per_s'])} rows/s",
                         f"all {fmt_int(r['expected'])} rows loaded", r["rows"] == r["expected"]))
    table.append(Row("memory", f"peak RSS {fmt_int(b['expected'])} / {fmt_int(a['expected'])} rows", f"{ratio:.2f}", "<= 1.20", ratio <= 1.2))
    return table
