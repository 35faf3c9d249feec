"""Concurrency: requests in flight within a rate limit, and many tenants in one cron run.

1. One sync, 20 advertisers x 10 pages of the ``tiktok_ads`` ``ads`` stream, every
   request held 200 ms by the fake API (``FakeApi(latency=0.2)``), the source limited
   to N concurrent requests (``max_workers=N``; TikTok's QPS budget set to its highest
   tier, 50/s, so that only the concurrency limit binds). The extraction should take
   about requests x latency / N, and the fake API's own in-flight counter must never
   exceed N.
2. Several tenants in one ``bosco-sync run --workers K`` (the real CLI, in a child
   process, one DuckDB file): run once with ``--workers 1`` and once with K, then
   compare rows per tenant and table. Each tenant reads with one connection, so the
   fake API seeing at most K requests at once shows the syncs were bounded by K, and
   more than one shows they overlapped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bosco_connectors.sandbox.generated import GeneratedApp, arithmetic_metrics

from .common import BENCH_ENV, END_DATE, ROOT, Row, say

SOURCE = "tiktok_ads"
TOKEN_ENV = "BENCH_TIKTOK_TOKEN"


def run(accounts: int = 20, pages: int = 10, latency: float = 0.2, limit: int = 5, tenants: int = 6, workers: int = 3) -> list[Row]:
    return rate_limited(accounts, pages, latency, limit) + many_tenants(tenants, workers)


# -- 1. one sync under a concurrency limit -----------------------------------------------------


def rate_limited(accounts: int, pages: int, latency: float, limit: int) -> list[Row]:
    from bosco_connectors.sandbox import FakeApi

    page_size = 10
    # ads per advertiser = campaigns x ad_groups x ads = pages x page_size
    app = _Clocked(SOURCE, seed=7, size="tiny", end_date=END_DATE, accounts=accounts, campaigns=pages, ad_groups=1, ads=page_size, days=1)
    requests = accounts * pages
    ideal = requests * latency / limit
    say(f"concurrency: {accounts} advertisers x {pages} pages, {latency * 1000:.0f} ms each, at most {limit} in flight (ideal {ideal:.1f}s)")
    with FakeApi([app], latency=latency) as api, tempfile.TemporaryDirectory(prefix="bench-conc-") as workdir:
        config = {**_jsonable(app.source_config(api.url(app.prefix))), "page_size": page_size, "max_workers": limit, "requests_per_second": 50}
        opts = {"config": config, "workdir": workdir, "streams": ["ads"]}
        proc = subprocess.run([sys.executable, "-m", "bench.concurrency", json.dumps(opts)], capture_output=True, text=True,
                              env=dict(os.environ, **BENCH_ENV), cwd=ROOT, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"concurrency sync failed:\n{proc.stderr[-3000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        seen = len(api.requests_to("/ad/get/"))
        peak = api.max_in_flight
    # The server sleeps `latency` before handing a request to the app: the first request
    # arrived `latency` before the app first saw it, the last one left when the app was done.
    window = app.last - app.first + latency
    say(f"  requests {window:.2f}s, extraction phase {result['extract_seconds']:.2f}s, whole sync {result['sync_seconds']:.2f}s, "
        f"{seen} requests, max in flight {peak}")
    expected_rows = accounts * pages * page_size
    return [
        Row("concurrency", f"{requests} requests x {latency * 1000:.0f} ms, limit N={limit}: wall time, first request to last answer",
            f"{window:.2f}s (dlt extract phase {result['extract_seconds']:.2f}s, whole sync {result['sync_seconds']:.2f}s)",
            f"<= {1.2 * ideal:.2f}s (1.2 x {ideal:.1f}s)", window <= 1.2 * ideal),
        Row("concurrency", "requests in flight at once (fake API's count)", f"max {peak}, {seen} requests, {result['rows']} rows",
            f"<= {limit}, {requests} requests, {expected_rows} rows", peak <= limit and seen == requests and result["rows"] == expected_rows),
    ]


class _Clocked(GeneratedApp):
    """The generated TikTok fake, noting when it first and last handled a request."""

    first = last = 0.0

    def handle(self, request: Any) -> Any:
        now = time.perf_counter()
        self.first = self.first or now
        try:
            return super().handle(request)
        finally:
            self.last = time.perf_counter()


def sync_child(opts: dict[str, Any]) -> None:
    """In a child process: one sync, timing the extraction phase (where the requests are)."""
    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.sync import SyncJob, run_sync

    marks: dict[str, float] = {}
    work = Path(opts["workdir"])
    started = time.perf_counter()
    result = run_sync(
        SyncJob("bench", "tiktok_ads", opts["config"], opts["streams"]),
        destination=duckdb_destination(work / "conc.duckdb"),
        pipelines_dir=work / "pipelines",
        on_event=lambda message: marks.setdefault(message.rsplit(": ", 1)[-1], time.perf_counter()),
    )
    if not result.ok:
        raise SystemExit(f"sync failed: {result.error}")
    print(json.dumps({
        "extract_seconds": marks["normalizing"] - marks["extracting"],
        "sync_seconds": time.perf_counter() - started,
        "rows": sum(result.rows.values()),
    }))


# -- 2. many tenants, one cron run ------------------------------------------------------------


def many_tenants(tenants: int, workers: int, latency: float = 0.1) -> list[Row]:
    from bosco_connectors.sandbox import FakeApi

    # Cheap metrics: each report page is rendered alone (not the whole 30-day window per page).
    app = GeneratedApp(SOURCE, seed=7, size="tiny", end_date=END_DATE, metrics=arithmetic_metrics, accounts=2, campaigns=20, ad_groups=1, ads=1, days=60)
    say(f"concurrency: {tenants} tenants in one `bosco-sync run`, --workers 1 then --workers {workers} ({latency * 1000:.0f} ms per request)")
    runs: dict[int, dict[str, Any]] = {}
    with FakeApi([app], latency=latency) as api, tempfile.TemporaryDirectory(prefix="bench-tenants-") as workdir:
        base = _jsonable(app.source_config(api.url(app.prefix)))
        for k in (1, workers):
            api.max_in_flight = 0
            runs[k] = _cli_run(Path(workdir) / f"w{k}", base, tenants, k)
            runs[k]["max_in_flight"] = api.max_in_flight
            say(f"  --workers {k}: {runs[k]['wall']:.1f}s, {sum(runs[k]['counts'].values())} rows, max in flight {runs[k]['max_in_flight']}")
    seq, conc = runs[1], runs[workers]
    same = seq["counts"] == conc["counts"] and len({t for t, _ in seq["counts"]}) == tenants and all(seq["counts"].values())
    speedup = seq["wall"] / conc["wall"]
    return [
        Row("concurrency", f"{tenants} tenants, `bosco-sync run --workers {workers}` vs --workers 1: wall time",
            f"{conc['wall']:.1f}s vs {seq['wall']:.1f}s ({speedup:.1f}x faster)", "faster than one at a time", speedup > 1.2),
        Row("concurrency", f"requests in flight at once with --workers {workers} (each tenant reads with 1 connection)",
            f"max {conc['max_in_flight']} (with --workers 1: {seq['max_in_flight']})", f"2..{workers}",
            2 <= conc["max_in_flight"] <= workers and seq["max_in_flight"] == 1),
        Row("concurrency", "rows per tenant and table, concurrent vs sequential run (one DuckDB file)",
            f"{'identical' if same else 'DIFFERENT'}: {len(seq['counts'])} (tenant, table) pairs, {sum(conc['counts'].values())} rows",
            "identical", same and conc["ok"] and seq["ok"]),
    ]


def _cli_run(home: Path, base: dict[str, Any], tenants: int, workers: int) -> dict[str, Any]:
    home.mkdir(parents=True)
    project = ['[destination]', 'name = "duckdb"', f'path = "{home / "bosco.duckdb"}"', ""]
    for t in range(tenants):
        project += [
            "[[tenants]]", f'id = "tenant{t}"', "  [tenants.sources.tiktok_ads]",
            f"  access_token = {{ env = \"{TOKEN_ENV}\" }}",
            f"  advertiser_ids = {json.dumps(base['advertiser_ids'])}",
            f'  base_url = "{base["base_url"]}"', f'  start_date = "{base["start_date"]}"', f'  end_date = "{base["end_date"]}"',
            "  page_size = 100", "  max_workers = 1", "  requests_per_second = 50",
            '  streams = ["campaigns", "report_campaign_daily"]', "",
        ]
    (home / "bosco.toml").write_text("\n".join(project))
    env = dict(os.environ, **BENCH_ENV, **{TOKEN_ENV: base["access_token"]})
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "from bosco_connectors.cli.app import main; main()", "run", "--config", str(home / "bosco.toml"),
                           "--workers", str(workers), "--json", "--state-dir", str(home / ".bosco")],
                          capture_output=True, text=True, env=env, cwd=home, timeout=900)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"bosco-sync run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    summary = json.loads(proc.stdout)
    import duckdb

    counts: dict[tuple[str, str], int] = {}
    with duckdb.connect(str(home / "bosco.duckdb"), read_only=True) as con:
        for table in ("tiktok_ads_campaigns", "tiktok_ads_report_campaign_daily"):
            for tenant, n in con.execute(f"SELECT tenant_id, count(*) FROM raw.{table} GROUP BY 1").fetchall():
                counts[(tenant, table)] = n
    return {"wall": wall, "counts": counts, "ok": summary["ok"]}


def _jsonable(config: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in config.items()}


if __name__ == "__main__":
    sync_child(json.loads(sys.argv[1]))
