"""The three ways of loading the same report, each run in its own process.

``python -m bench.contenders <name> '<json options>'`` runs one contender and prints one
JSON line: rows loaded (counted in DuckDB afterwards), seconds of sync (interpreter
start-up and imports excluded), and the process's peak RSS.

- ``ours``: the ``tiktok_ads`` source's ``report_ad_daily`` stream through
  `bosco_connectors.sync.run_sync`, exactly what ``bosco-sync run`` executes
  (extract, normalize, load into DuckDB, merge on the primary key).
- ``raw``: no dlt. One thread: httpx GET, orjson decode, a typed Arrow table per page
  (the same columns and types as ours), ``INSERT`` into DuckDB.
- ``rest_api``: dlt's own declarative ``rest_api`` source on the same endpoint, one
  resource per advertiser and 30-day window (TikTok's cap), parallelized, parquet.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

TABLE = "tiktok_ads_report_ad_daily"


@functools.lru_cache(maxsize=1)
def _declared() -> tuple[str, dict[str, str]]:
    """The ``metrics`` parameter the source sends for report_ad_daily (read from its declaration,
    so the raw loader asks for what ours asks for), and each field's Arrow type from its contract:
    integers as int64, other numbers as float64, the rest (names, ids) as strings."""
    from bosco_connectors.framework.registry import get_connector
    from bosco_connectors.sandbox.generated import _fixed

    stream = next(s for s in get_connector("tiktok_ads").streams if s.name == "report_ad_daily")
    metrics = _fixed(stream)["metrics"]
    model = stream.contract.model if hasattr(stream.contract, "model") else stream.contract
    kinds = {}
    for name in json.loads(metrics):
        annotation = str(model.model_fields[name].annotation)
        kinds[name] = "int" if annotation.startswith("int") else "str" if "str" in annotation else "float"
    return metrics, kinds


BATCH_ROWS = 50_000


def windows(start: date, end: date, days: int = 30) -> list[tuple[date, date]]:
    out = []
    while start <= end:
        stop = min(end, start + timedelta(days=days - 1))
        out.append((start, stop))
        start = stop + timedelta(days=1)
    return out


def report_params(advertiser_id: str, start: date, end: date) -> dict[str, Any]:
    """The request the tiktok_ads source sends for report_ad_daily (same strings)."""
    return {
        "report_type": "BASIC",
        "service_type": "AUCTION",
        "data_level": "AUCTION_AD",
        "dimensions": json.dumps(["ad_id", "stat_time_day"], separators=(",", ":")),
        "metrics": _declared()[0],
        "advertiser_id": advertiser_id,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
    }


# -- ours ------------------------------------------------------------------------------------


def run_ours(opts: dict[str, Any]) -> int:
    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.framework.ratelimit import RateLimit, RateLimiter
    from bosco_connectors.framework.registry import get_connector
    from bosco_connectors.sync import SyncJob, run_sync

    connector = get_connector("tiktok_ads")
    factory = connector.client_factory

    def unmetered(config: Any) -> Any:
        # The fake API has no QPS budget; TikTok's (10-50 QPS) would cap any client at
        # 10-50k rows/s and hide the client's own speed. Concurrency stays capped.
        client = factory(config)
        client.limiter = RateLimiter(RateLimit(max_concurrency=config.max_workers, per_second=None))
        return client

    connector.client_factory = unmetered
    reader_log = logging.getLogger("bosco_connectors.read")
    reader_log.setLevel(logging.INFO)
    reader_log.addHandler(_NoteSwitch())
    config = dict(opts["config"], max_workers=opts.get("workers", 4))
    work = Path(opts["workdir"])
    result = run_sync(
        SyncJob("bench", "tiktok_ads", config, ["report_ad_daily"]),
        destination=duckdb_destination(work / "ours.duckdb"),
        pipelines_dir=work / "pipelines",
        on_event=_note_phase,
    )
    if not result.ok:
        raise SystemExit(f"our sync failed: {result.error}")
    return _count(work / "ours.duckdb", f"raw.{TABLE}")


#: Peak RSS (MB) so far when each phase started: which phase needs the memory.
PHASE_PEAKS: dict[str, float] = {}
#: When each phase started (perf_counter seconds).
PHASE_TIMES: dict[str, float] = {}


#: What the reader said when it moved to threads (empty: the whole sync read inline).
SWITCHES: list[str] = []


class _NoteSwitch(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        SWITCHES.append(record.getMessage())


def _note_phase(message: str) -> None:
    phase = message.rsplit(": ", 1)[-1]
    PHASE_PEAKS[phase] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    PHASE_TIMES[phase] = time.perf_counter()


# -- raw baseline ----------------------------------------------------------------------------


def run_raw(opts: dict[str, Any]) -> int:
    import duckdb
    import httpx
    import orjson
    import pyarrow as pa
    import pyarrow.compute as pc

    config = opts["config"]
    path = Path(opts["workdir"]) / "raw.duckdb"
    con = duckdb.connect(str(path))
    url = config["base_url"] + "report/integrated/get/"
    start, end = date.fromisoformat(config["start_date"]), date.fromisoformat(config["end_date"])
    pending: list[Any] = []
    created = False

    def flush() -> None:
        # One INSERT per ~50k rows: a DuckDB insert per 1,000-row page would cost more than the rows.
        nonlocal pending, created
        if not pending:
            return
        batch = pa.concat_tables(pending)  # noqa: F841 - read by DuckDB below
        con.execute(f"INSERT INTO {TABLE} SELECT * FROM batch" if created else f"CREATE TABLE {TABLE} AS SELECT * FROM batch")
        created, pending = True, []

    with httpx.Client(headers={"Access-Token": config["access_token"]}, timeout=60) as http:
        for advertiser_id in config["advertiser_ids"]:
            for first, last in windows(start, end):
                page, pages = 1, 1
                while page <= pages:
                    params = {**report_params(advertiser_id, first, last), "page": page, "page_size": 1000}
                    answer = http.get(url, params=params)
                    body = orjson.loads(answer.content)
                    if not isinstance(body, dict) or body.get("code") != 0:
                        raise SystemExit(f"raw: HTTP {answer.status_code}, not a TikTok success: {answer.content[:300]!r}")
                    rows = body["data"]["list"]
                    pages = body["data"]["page_info"]["total_page"]
                    page += 1
                    if rows:
                        pending.append(_raw_table(rows, advertiser_id, pa, pc))
                    if sum(t.num_rows for t in pending) >= BATCH_ROWS:
                        flush()
    flush()
    con.close()
    return _count(path, TABLE)


def _raw_table(rows: list[dict[str, Any]], advertiser_id: str, pa: Any, pc: Any) -> Any:
    """The same columns and types our contract gives, built column by column."""
    n = len(rows)
    days = pa.array([r["dimensions"]["stat_time_day"][:10] for r in rows], pa.string())
    columns = {
        "ad_id": pa.array([r["dimensions"]["ad_id"] for r in rows], pa.string()),
        "stat_time_day": pc.cast(days, pa.date32()),
        "advertiser_id": pa.array([advertiser_id] * n, pa.string()),
        "tenant_id": pa.array(["bench"] * n, pa.string()),
    }
    for name, kind in _declared()[1].items():
        text = pa.array([r["metrics"][name] for r in rows], pa.string())
        if kind == "str":
            columns[name] = text
            continue
        text = pc.if_else(pc.equal(text, "-"), pa.scalar(None, pa.string()), text)
        columns[name] = pc.cast(text, pa.int64() if kind == "int" else pa.float64())
    return pa.table(columns)


# -- dlt rest_api ----------------------------------------------------------------------------


def run_rest_api(opts: dict[str, Any]) -> int:
    import dlt
    from dlt.sources.rest_api import rest_api_source

    config = opts["config"]
    start, end = date.fromisoformat(config["start_date"]), date.fromisoformat(config["end_date"])
    resources = [
        {
            "name": f"report_{advertiser_id}_{first:%Y%m%d}",
            "table_name": TABLE,
            "endpoint": {
                "path": "report/integrated/get/",
                "params": {**report_params(advertiser_id, first, last), "page_size": 1000},
                "data_selector": "data.list",
            },
        }
        for advertiser_id in config["advertiser_ids"]
        for first, last in windows(start, end)
    ]
    source = rest_api_source(
        {
            "client": {
                "base_url": config["base_url"],
                "headers": {"Access-Token": config["access_token"]},
                "paginator": {"type": "page_number", "base_page": 1, "page_param": "page", "total_path": "data.page_info.total_page"},
            },
            "resource_defaults": {"write_disposition": "append", "parallelized": True},
            "resources": resources,
        }
    )
    work = Path(opts["workdir"])
    pipeline = dlt.pipeline(
        pipeline_name="bench_rest_api",
        destination=dlt.destinations.duckdb(credentials=str(work / "rest_api.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(work / "pipelines"),
    )
    pipeline.run(source, loader_file_format="parquet")
    return _count(work / "rest_api.duckdb", f"raw.{TABLE}")


# -- plumbing --------------------------------------------------------------------------------


def _count(path: Path, table: str) -> int:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _cpu() -> float:
    """CPU seconds of this process (all threads) and its waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


CONTENDERS = {"ours": run_ours, "raw": run_raw, "rest_api": run_rest_api}


def _import_everything(name: str) -> None:
    """Import what a contender needs before the clock starts: we time syncs, not imports."""
    import duckdb  # noqa: F401
    import httpx  # noqa: F401
    import orjson  # noqa: F401
    import pyarrow  # noqa: F401
    import pyarrow.compute  # noqa: F401

    if name != "raw":
        import dlt  # noqa: F401
        import dlt.destinations  # noqa: F401
    if name == "ours":
        import bosco_connectors.sources.tiktok_ads  # noqa: F401
        import bosco_connectors.sync  # noqa: F401
    if name == "rest_api":
        import dlt.sources.rest_api  # noqa: F401


def main(name: str, opts: dict[str, Any]) -> None:
    _import_everything(name)
    cpu_before = _cpu()
    started = time.perf_counter()
    rows = CONTENDERS[name](opts)
    ended = time.perf_counter()
    seconds = ended - started
    cpu = _cpu() - cpu_before
    marks = [("setup", started), *PHASE_TIMES.items(), ("done", ended)]
    phases = {name: round(nxt - at, 3) for (name, at), (_, nxt) in zip(marks, marks[1:])}
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"name": name, "rows": rows, "seconds": seconds, "cpu": cpu, "peak_rss_mb": peak_kb / 1024, "phase_peaks_mb": PHASE_PEAKS, "phase_seconds": phases, "threads": SWITCHES, "pid": os.getpid()}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
