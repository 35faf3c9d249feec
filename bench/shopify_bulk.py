"""Shopify bulk exports streamed: ~30,000 orders with line items, ours next to a raw loader.

    python -m bench shopify_bulk [--quick]          # or: python -m bench.shopify_bulk [--quick] [--days N]
    BENCH_PROFILE=/tmp/prof python -m bench.shopify_bulk --rounds 1   # + a cProfile per contender

The fake shop (`sandbox.shopify.ShopifyApp`, size "large": 40-120 orders a day with 1-9
line items each) runs in its own process, so its memory does not count, with
``bulk_files``: each bulk export is written to a file on disk by a thread of the fake
(the operation stays RUNNING until it is complete) and downloads are served from that
file in chunks; the file is kept per query document, so every round after the first
downloads a ready file and the rounds time the client, not the fake's rendering.

1x is 375 days (~30,000 orders, ~70,000 line items), 10x 3,750 days. Contenders, each in a
fresh process (imports before the clock; peak RSS from ``getrusage``):

- *ours*: ``sync.run_sync`` of the ``orders`` stream with ``bulk: true`` into DuckDB,
  what ``bosco-sync run`` executes: the bulk operation (resume check, start, polls),
  the JSONL downloaded to a temporary file, children put back under their parents
  (`sources.shopify.bulk`), rows, dlt extract, normalize (line items as the child table
  ``shopify_orders__line_items``), load and merge. The client's real waits are kept
  (there are four requests; the polls' first wait is ``bulk_poll_seconds`` = 0.05 s).
- *raw*: one thread, no dlt, no framework: the same three requests (start the bulk
  operation with the document ours sent, poll ``node(id:)`` until COMPLETED, download the
  URL as a stream), each line parsed with orjson, a child line (``__parentId``) routed to
  the line items with its order's id, nested objects flattened to ``a__b`` columns (lists
  as JSON text), an Arrow table per 20,000 orders and their items, inserted into two
  DuckDB tables. No merge, no types beyond Arrow's inference.

Round 0 is ours, untimed (it makes the fake write its file); then ours and raw alternate
for `rounds` rounds. The table compares the best round of each (raw seconds / our
seconds), and our peak RSS at 1x and at 10x (one run of ours on a 10x shop, whose file
the fake writes while ours polls: its seconds include that and are not a figure).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import orjson

from .common import END_DATE, Row, conditions, fmt_int, run_child, say, served

#: Days of the "large" shop at 1x: ~80 orders a day, ~30,000 orders.
DAYS = 375
SCALE = 10
#: The issue's targets.
MAX_RSS_1X_MB = 400.0
MAX_RSS_GROWTH = 1.2
MIN_RATIO = 0.8
#: Orders per Arrow batch in the raw loader.
RAW_BATCH = 20_000
API_VERSION = "2026-10"

# -- the fake shop, in its own process --------------------------------------------------------


def serve(options: dict[str, Any]) -> None:
    """Serve the fake shop until stdin closes; print ``{port, config, orders, line_items}`` first."""
    from bosco_connectors.sandbox import FakeApi, FakeResponse
    from bosco_connectors.sandbox.shopify import ShopifyApp

    app = ShopifyApp(seed=7, size="large", end_date=date.fromisoformat(options["end_date"]), bulk_polls=1,
                     bulk_files=options["folder"], days=options["days"])
    orders = app.shop.orders  # built now, before anything is timed

    class Documents:
        """``GET /_bench/bulk``: the query documents of the bulk operations run so far."""

        prefix = "_bench"

        def handle(self, request: Any) -> Any:
            return FakeResponse.json([op.text for op in app.bulk_operations])

    api = FakeApi([app, Documents()], record=False).start()  # a 10x run's requests need not be kept
    config = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in app.source_config(api.url("shopify")).items()}
    print(json.dumps({"port": api.port, "config": config, "orders": len(orders),
                      "line_items": sum(len(o.line_items) for o in orders)}), flush=True)
    sys.stdin.read()
    api.stop()


@contextmanager
def fake_shop(days: int) -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-shopify-files-") as folder:
        options = {"days": days, "end_date": END_DATE.isoformat(), "folder": folder}
        with served("bench.shopify_bulk", "--serve", json.dumps(options), what="the fake shop") as info:
            yield info


# -- ours -------------------------------------------------------------------------------------

PHASE_PEAKS: dict[str, float] = {}
PHASE_TIMES: dict[str, float] = {}


def _note_phase(message: str) -> None:
    phase = message.rsplit(": ", 1)[-1]
    PHASE_PEAKS[phase] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    PHASE_TIMES[phase] = time.perf_counter()


def run_ours(opts: dict[str, Any]) -> dict[str, int]:
    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.sync import SyncJob, run_sync

    work = Path(opts["workdir"])
    result = run_sync(SyncJob("bench", "shopify", {**opts["config"], "bulk": True}, ["orders"]),
                      destination=duckdb_destination(work / "ours.duckdb"), pipelines_dir=work / "pipelines",
                      on_event=_note_phase)
    if not result.ok:
        raise SystemExit(f"our sync failed: {result.error}")
    return _counts(work / "ours.duckdb", "raw.shopify_orders", "raw.shopify_orders__line_items")


# -- raw baseline -----------------------------------------------------------------------------

RUN = ("mutation bulkOperationRunQuery($query: String!) { bulkOperationRunQuery(query: $query) "
       "{ bulkOperation { id status } userErrors { field message } } }")
POLL = "query ($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode url objectCount } } }"


def run_raw(opts: dict[str, Any]) -> dict[str, int]:
    import duckdb
    import httpx
    import pyarrow as pa

    config = opts["config"]
    endpoint = f"/shopify/admin/api/{API_VERSION}/graphql.json"
    headers = {"X-Shopify-Access-Token": config["access_token"]}
    path = Path(opts["workdir"]) / "raw.duckdb"
    con = duckdb.connect(str(path))
    schemas: dict[str, Any] = {}

    def insert(name: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if name not in schemas:
            batch = pa.Table.from_pylist(rows)
            schemas[name] = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in batch.schema])
            batch = batch.cast(schemas[name])
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM batch")
        else:
            batch = pa.Table.from_pylist(rows, schema=schemas[name])
            con.execute(f"INSERT INTO {name} SELECT * FROM batch")

    with httpx.Client(base_url=opts["root"], headers=headers, timeout=300) as http:
        started = http.post(endpoint, json={"query": RUN, "variables": {"query": opts["document"]}}).json()
        answer = started["data"]["bulkOperationRunQuery"]
        if answer["userErrors"]:
            raise SystemExit(f"the bulk operation was refused: {answer['userErrors']}")
        gid = answer["bulkOperation"]["id"]
        while True:
            node = http.post(endpoint, json={"query": POLL, "variables": {"id": gid}}).json()["data"]["node"]
            if node["status"] == "COMPLETED":
                break
            if node["status"] not in ("CREATED", "RUNNING"):
                raise SystemExit(f"the bulk operation ended {node['status']} ({node['errorCode']})")
            time.sleep(0.05)
        orders: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        with http.stream("GET", node["url"]) as download:
            rest = b""
            for chunk in download.iter_raw(1 << 20):
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                for line in lines:
                    if not line:
                        continue
                    obj = orjson.loads(line)
                    parent = obj.pop("__parentId", None)
                    if parent is None:
                        orders.append(_flat(obj))
                    else:
                        row = _flat(obj)
                        row["order_id"] = parent
                        items.append(row)
                if len(orders) >= RAW_BATCH:
                    insert("orders", orders)
                    insert("line_items", items)
                    orders, items = [], []
            if rest.strip():
                raise SystemExit("the download ended inside a line")
        insert("orders", orders)
        insert("line_items", items)
    con.close()
    return _counts(path, "orders", "line_items")


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}__"))
        elif isinstance(value, list):
            out[prefix + key] = orjson.dumps(value).decode()
        else:
            out[prefix + key] = value
    return out


# -- a contender's process --------------------------------------------------------------------


def _counts(path: Path, orders: str, items: str) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return {"orders": con.execute(f"SELECT count(*) FROM {orders}").fetchone()[0],
                "line_items": con.execute(f"SELECT count(*) FROM {items}").fetchone()[0]}


def contend(name: str, opts: dict[str, Any]) -> None:
    import duckdb  # noqa: F401 - imports are not what is timed
    import httpcore  # noqa: F401 - httpx's transport, imported by its first client
    import httpx  # noqa: F401
    import orjson  # noqa: F401
    import pyarrow  # noqa: F401

    if name == "ours":  # with the modules a sync imports on first use (Arrow's readers and writers, dlt's)
        import dlt  # noqa: F401
        import dlt.common.libs.pyarrow  # noqa: F401
        import pyarrow.compute  # noqa: F401
        import pyarrow.json  # noqa: F401
        import pyarrow.parquet  # noqa: F401

        import bosco_connectors.destinations.duckdb  # noqa: F401
        import bosco_connectors.framework.resources  # noqa: F401
        import bosco_connectors.sync  # noqa: F401
        from bosco_connectors.framework.registry import get_connector

        get_connector("shopify")
    own = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = own.ru_utime + own.ru_stime
    started = time.perf_counter()
    load = run_ours if name == "ours" else run_raw
    if os.environ.get("BENCH_PROFILE"):  # a cProfile of the contender, for `python -m pstats`
        import cProfile

        profile = cProfile.Profile()
        counts = profile.runcall(load, opts)
        profile.dump_stats(f"{os.environ['BENCH_PROFILE']}.{name}")
    else:
        counts = load(opts)
    ended = time.perf_counter()
    own = resource.getrusage(resource.RUSAGE_SELF)
    marks = [("setup", started), *PHASE_TIMES.items(), ("done", ended)]
    print(json.dumps({"name": name, **counts, "seconds": ended - started, "cpu": own.ru_utime + own.ru_stime - cpu_before,
                      "peak_rss_mb": own.ru_maxrss / 1024, "phase_peaks_mb": PHASE_PEAKS,
                      "phase_seconds": {n: round(b - a, 2) for (n, a), (_, b) in zip(marks, marks[1:])}}), flush=True)


def contender(name: str, info: dict[str, Any], document: str | None = None, timeout: float = 1800) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-shopify-{name}-") as workdir:
        opts = {"config": info["config"], "root": info["root"], "workdir": workdir, "document": document}
        result = run_child("bench.shopify_bulk", name, json.dumps(opts), timeout=timeout)
    peaks = result["phase_peaks_mb"]
    phases = ", ".join(f"{k} {v:.1f}s" + (f" (from {peaks[k]:.0f} MB)" if k in peaks else "") for k, v in result["phase_seconds"].items())
    say(f"    {name:4s} {fmt_int(result['orders'])} orders, {fmt_int(result['line_items'])} line items in {result['seconds']:.1f}s "
        f"(cpu {result['cpu']:.1f}s), peak RSS {result['peak_rss_mb']:.0f} MB; {phases}; load {os.getloadavg()[0]:.1f}")
    return result


def _documents(info: dict[str, Any]) -> list[str]:
    import httpx

    return httpx.get(f"{info['root']}/_bench/bulk", timeout=60).json()


# -- the benchmark ----------------------------------------------------------------------------


def run(days: int = DAYS, rounds: int = 3, scale: int = SCALE, warmup: bool = True) -> list[Row]:
    say(f"shopify_bulk: {days} days at 1x, {days * scale} at {scale}x, {rounds} rounds; {conditions()}")
    loads: list[float] = []
    with fake_shop(days) as info:
        say(f"  fake shop at 1x: {fmt_int(info['orders'])} orders, {fmt_int(info['line_items'])} line items")
        expected = (info["orders"], info["line_items"])
        ours: list[dict[str, Any]] = []
        raw: list[dict[str, Any]] = []
        if warmup:
            say("  round 0 (ours, untimed: the fake writes its file)")
            contender("ours", info)
        for number in range(1, rounds + 1):
            say(f"  round {number}")
            loads.append(os.getloadavg()[0])
            ours.append(contender("ours", info))
            document = _documents(info)[0]
            raw.append(contender("raw", info, document))
    with fake_shop(days * scale) as info10:
        say(f"  fake shop at {scale}x: {fmt_int(info10['orders'])} orders, {fmt_int(info10['line_items'])} line items")
        ten = contender("ours", info10)
    return rows_for(expected, ours, raw, (info10["orders"], info10["line_items"]), ten, scale, loads)


def rows_for(expected: tuple[int, int], ours: list[dict[str, Any]], raw: list[dict[str, Any]],
             expected_10x: tuple[int, int], ten: dict[str, Any], scale: int, loads: list[float]) -> list[Row]:
    def complete(result: dict[str, Any], wanted: tuple[int, int]) -> bool:
        return (result["orders"], result["line_items"]) == wanted

    best, best_raw = min(ours, key=lambda r: r["seconds"]), min(raw, key=lambda r: r["seconds"])
    ratio = best_raw["seconds"] / best["seconds"]
    by_round = ", ".join(f"{r['seconds'] / o['seconds']:.2f}" for o, r in zip(ours, raw))
    rss_1x = max(r["peak_rss_mb"] for r in ours)
    growth = ten["peak_rss_mb"] / rss_1x
    wanted = f"{fmt_int(expected[0])} orders, {fmt_int(expected[1])} line items"
    wanted_10x = f"{fmt_int(expected_10x[0])} orders, {fmt_int(expected_10x[1])} line items"
    rows_of = lambda r: r["orders"] + r["line_items"]  # noqa: E731

    def speed(results: list[dict[str, Any]]) -> str:
        top = min(results, key=lambda r: r["seconds"])
        return (f"{fmt_int(top['orders'] / top['seconds'])} orders/s ({top['seconds']:.1f}s, best of {len(results)}; "
                f"{fmt_int(rows_of(top) / top['seconds'])} rows/s), peak RSS {max(r['peak_rss_mb'] for r in results):.0f} MB")

    extract = ten["phase_peaks_mb"].get("normalizing")
    return [
        Row("shopify_bulk", "ours (orders via run_sync, bulk: true, into DuckDB with merge), 1x", speed(ours),
            f"all {wanted}", all(complete(r, expected) for r in ours)),
        Row("shopify_bulk", "raw (1 thread: httpx stream + orjson + Arrow + DuckDB INSERT, no dlt, no merge), 1x", speed(raw),
            f"all {wanted}", all(complete(r, expected) for r in raw)),
        Row("shopify_bulk", "ours / raw (best vs best)", f"{ratio:.2f} (round by round: {by_round})", f">= {MIN_RATIO:.2f}",
            ratio >= MIN_RATIO),
        Row("shopify_bulk", f"peak RSS of ours, 1x ({fmt_int(expected[0])} orders)", f"{rss_1x:.0f} MB", f"<= {MAX_RSS_1X_MB:.0f} MB",
            rss_1x <= MAX_RSS_1X_MB),
        Row("shopify_bulk", f"peak RSS of ours, {scale}x ({fmt_int(expected_10x[0])} orders)",
            f"{ten['peak_rss_mb']:.0f} MB" + (f" (at the end of extract: {extract:.0f} MB)" if extract else "")
            + f", {ten['seconds']:.0f}s with the fake writing its file", f"all {wanted_10x}", complete(ten, expected_10x)),
        Row("shopify_bulk", f"peak RSS {scale}x / 1x", f"{growth:.2f}", f"<= {MAX_RSS_GROWTH:.2f}", growth <= MAX_RSS_GROWTH),
        Row("shopify_bulk", "load average (1 min) at each round", ", ".join(f"{x:.1f}" for x in loads)),
    ]


def main(argv: list[str] | None = None) -> int:
    import argparse

    from .common import print_table

    parser = argparse.ArgumentParser(prog="python -m bench.shopify_bulk", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~3,000 orders at 1x, one round: a smoke run")
    parser.add_argument("--days", type=int, default=None, help=f"days of the shop at 1x (default {DAYS})")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    before = conditions()
    rows = run(args.days or (DAYS // 10 if args.quick else DAYS), args.rounds or (1 if args.quick else 3))
    print_table(rows)
    print(f"\nbefore: {before}\nafter:  {conditions()}")
    return 1 if any(r.ok is False for r in rows) else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(json.loads(sys.argv[2]))
    elif sys.argv[1:2] in (["ours"], ["raw"]):
        contend(sys.argv[1], json.loads(sys.argv[2]))
    else:
        sys.exit(main())
