"""Throughput: a ~1M-row ad-level daily report, fake API on loopback -> DuckDB.

Three contenders load the same pages from the same server process (see `contenders`):
our ``tiktok_ads`` sync, a hand-written single-threaded raw loader, and dlt's own
``rest_api`` source. The server renders each page once during an untimed warm-up pass
and then serves it from memory, so every contender pays the same, small server cost
and the figures measure the client side. Ours and raw alternate for ``repeats`` rounds
(the machine is shared, so the best round of each is compared); rest_api runs once.
Then, for information, a third of the rows from a slow API (`latency` per page, no
page cache), ours against raw: what the reader threads are for.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from typing import Any

from .common import END_DATE, Row, fmt_int, run_child, say
from .fakeapp import expected_rows, world_for
from .serve import fake_server, server_stats

LABELS = {
    "ours": "ours (tiktok_ads report_ad_daily via run_sync, max_workers={workers}: inline while the API answers fast)",
    "raw": "raw baseline (1 thread: httpx + orjson + Arrow + DuckDB INSERT per 50k rows, no dlt)",
    "rest_api": "dlt rest_api (page_number paginator, parallelized, parquet)",
}


def contender(name: str, info: dict[str, Any], workers: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as workdir:
        opts = {"config": info["config"], "workdir": workdir, "workers": workers}
        result = run_child("bench.contenders", name, json.dumps(opts), env=env)
    result["rows_per_s"] = result["rows"] / result["seconds"]
    phases = result.get("phase_seconds") or {}
    detail = f" ({', '.join(f'{k} {v:.1f}s' for k, v in phases.items())})" if len(phases) > 2 else ""
    if name == "ours":
        detail += "; " + ("; ".join(result["threads"]) if result.get("threads") else "read inline throughout")
    say(f"  {name:9s} {fmt_int(result['rows'])} rows in {result['seconds']:.1f}s = {fmt_int(result['rows_per_s'])} rows/s, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB, cpu {result['cpu']:.1f}s{detail}")
    return result


def run(rows: int = 1_000_000, repeats: int = 3, workers: int = 4, with_rest_api: bool = True, latency: float = 0.05) -> list[Row]:
    world = world_for(rows)
    expected = expected_rows(world)
    say(f"throughput: {fmt_int(expected)} rows ({world['accounts']} advertisers x {world['days']} days x "
        f"{expected // world['accounts'] // world['days']} ads), pages of 1,000")
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "raw": [], "rest_api": []}
    with fake_server(world, END_DATE, cache=True) as info:
        say("  warm-up: the server renders every page once (untimed)")
        contender("raw", info, workers)
        for i in range(repeats):
            for name in (("raw", "ours") if i % 2 == 0 else ("ours", "raw")):
                runs[name].append(contender(name, info, workers))
        if with_rest_api:
            runs["rest_api"].append(contender("rest_api", info, workers))
        stats = server_stats(info)
    say(f"  server: {stats['requests']} requests, at most {stats['max_in_flight']} in flight")
    return rows_for(runs, expected, workers) + slow_api(rows // 3, workers, latency)


def slow_api(rows: int, workers: int, latency: float) -> list[Row]:
    """The same report from an API that takes `latency` per page: where reader threads pay."""
    world = world_for(rows)
    say(f"throughput, slow API: {fmt_int(expected_rows(world))} rows, every page held {latency * 1000:.0f} ms by the server")
    with fake_server(world, END_DATE, latency=latency) as info:
        raw = contender("raw", info, workers)
        server_stats(info, reset=True)
        ours = contender("ours", info, workers)
        peak = server_stats(info)["max_in_flight"]
    ratio = ours["rows_per_s"] / raw["rows_per_s"]
    return [Row("throughput", f"slow API ({latency * 1000:.0f} ms per page, {fmt_int(ours['rows'])} rows): ours / raw",
                f"{ratio:.1f}x ({fmt_int(ours['rows_per_s'])} vs {fmt_int(raw['rows_per_s'])} rows/s; ours up to {peak} requests at once)", "")]


def rows_for(runs: dict[str, list[dict[str, Any]]], expected: int, workers: int) -> list[Row]:
    best = {name: max(r["rows_per_s"] for r in rs) for name, rs in runs.items() if rs}
    table: list[Row] = []
    for name in ("ours", "raw", "rest_api"):
        if name not in best:
            continue
        rs = runs[name]
        peak = max(r["peak_rss_mb"] for r in rs)
        complete = all(r["rows"] == expected for r in rs)
        spread = "" if len(rs) == 1 else f" (best of {len(rs)}; median {fmt_int(statistics.median(r['rows_per_s'] for r in rs))})"
        table.append(Row("throughput", LABELS[name].format(workers=workers),
                         f"{fmt_int(best[name])} rows/s{spread}, peak RSS {peak:.0f} MB",
                         f"all {fmt_int(expected)} rows loaded", complete))
    if "raw" in best:
        pairs = [o["rows_per_s"] / r["rows_per_s"] for o, r in zip(runs["ours"], runs["raw"])]
        ratio = best["ours"] / best["raw"]
        table.append(Row("throughput", "ours / raw (best vs best)",
                         f"{ratio:.2f} (round by round: {', '.join(f'{p:.2f}' for p in pairs)})", ">= 0.80", ratio >= 0.80))
    if "rest_api" in best:
        ratio = best["ours"] / best["rest_api"]
        table.append(Row("throughput", "ours / dlt rest_api", f"{ratio:.1f}x", "> 1.0x", ratio > 1.0))
    return table
