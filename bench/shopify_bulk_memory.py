"""Peak memory of a Shopify bulk export: ~30,000 orders with their line items, from the fake shop.

    python -m bench.shopify_bulk_memory [days]     # default 375 days of the "large" shop

The fake shop runs in its own process (it builds the whole JSONL answer in memory, which
must not count); each measurement runs in a fresh process and reports its peak RSS
(``getrusage``), once for the ``orders`` stream read alone (bulk path: job, download,
reassembly, rows) and once for a whole sync into DuckDB (dlt extract, normalize, load).
Not part of ``python -m bench``: a one-off figure for the bulk path (see its report).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime, timezone

END = date(2026, 11, 20)


def serve(days: int) -> None:
    from bosco_connectors.sandbox import FakeApi
    from bosco_connectors.sandbox.shopify import ShopifyApp

    app = ShopifyApp(seed=7, size="large", end_date=END, bulk_polls=1, days=days)
    orders = app.shop.orders
    api = FakeApi([app]).start()
    print(api.url("shopify"), app.world.start_date, len(orders), sum(len(o.line_items) for o in orders), flush=True)
    while True:
        time.sleep(3600)


def measure(mode: str, url: str, start: date) -> None:
    import dlt  # noqa: F401 - imported before the baseline, as in a real run
    import pyarrow  # noqa: F401

    from bosco_connectors.framework import ReadContext
    from bosco_connectors.sandbox.shopify import ACCESS_TOKEN, SHOP
    from bosco_connectors.sources.shopify import connector

    config = {"shop": SHOP, "access_token": ACCESS_TOKEN, "base_url": url, "start_date": start, "end_date": END,
              "bulk": True, "bulk_poll_seconds": 0.2}
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = time.perf_counter()
    if mode == "read":
        validated = connector.validate(config)
        ctx = ReadContext(connector.client(validated), validated, datetime.combine(start, dtime.min, tzinfo=timezone.utc),
                          datetime.combine(END, dtime.max, tzinfo=timezone.utc))
        rows = sum(len(page) for page in connector.stream("orders").read(ctx))
    else:
        folder = tempfile.mkdtemp()
        pipeline = dlt.pipeline(pipeline_name="bulk", destination=dlt.destinations.duckdb(f"{folder}/b.duckdb"),
                                pipelines_dir=f"{folder}/p", dataset_name="raw")
        pipeline.run(connector.resources(config, streams=["orders"], tenant_id="t1"), loader_file_format="parquet")
        rows = pipeline.last_trace.last_normalize_info.row_counts.get("shopify_orders", 0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{mode}: {rows} orders in {time.perf_counter() - began:.1f}s (cpu {usage.ru_utime + usage.ru_stime:.1f}s), "
          f"peak RSS {usage.ru_maxrss / 1024:.0f} MB ({baseline:.0f} MB after imports)")


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 375
    server = subprocess.Popen([sys.executable, "-m", "bench.shopify_bulk_memory", "--serve", str(days)], stdout=subprocess.PIPE, text=True)
    try:
        url, start, orders, items = server.stdout.readline().split()  # type: ignore[union-attr]
        print(f"fake shop: {orders} orders, {items} line items from {start} to {END}", flush=True)
        for mode in ("read", "sync"):
            subprocess.run([sys.executable, "-m", "bench.shopify_bulk_memory", "--measure", mode, url, start], check=True)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2], sys.argv[3], date.fromisoformat(sys.argv[4]))
    else:
        main()
