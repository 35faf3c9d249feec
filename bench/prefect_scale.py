"""Prefect scale-out: many (tenant, source) syncs through the Prefect flow under a vendor limit.

200 tenants of ``tiktok_ads`` (one (tenant, source) job each: the ``campaigns`` stream of 8
advertisers, one page each, so 8 requests per job and 1,600 in all), against the fake API
every test uses (``FakeApi(latency=0.2)``: each request held 200 ms; its in-flight counter,
across every worker, is the referee). The project declares the vendor's app-wide budget as
``[limits.tiktok_ads] in_flight = 5``, which the flow turns into a Prefect global
concurrency limit of 5 lanes (`orchestration.lanes`); each sync may read with
``max_workers = 5`` connections, and takes its fair share of the lanes (5 // min(jobs,
threads), `lanes.fair_share`): with 8 threads per worker, 1 lane, 1 request in flight.

A *worker* is a process running one flow run (`orchestration.prefect.run_flow`, what
``bosco-sync prefect run`` executes) with `threads` task threads, all of them against
one Prefect API (``prefect_test_harness``: a temporary local API on SQLite, no network,
started by this process; ``PREFECT_API_URL`` points the workers to it), so the lanes are
one counter for all. The jobs are split among W = 1, 2, 4 workers, each with its own
``bosco.toml`` and its own DuckDB file (DuckDB takes one writer per file, and the flow
refuses a second worker on one file; this stands in for Snowflake, which takes concurrent
loads from any number of workers). Every worker imports first and waits; they start
together and the wall time runs from that start to the last one's end.

Prefect's own overhead per task is measured apart, on syncs where it is not hidden by
concurrency: `overhead_jobs` syncs of ``max_workers = 1`` against the fake answering at
once, one after the other, by the plain path (`cli.runner.run_jobs`, ``bosco-sync run
--workers 1``) and by the flow with one worker of one thread: (flow - plain) / jobs.
The main runs add its parts under load: the wait for lanes (`LanePool.take`, timed by
wrapping it) and the task run's time outside the sync (the task run's start-to-end in
Prefect's API minus the sync's own seconds).

``python -m bench prefect_scale [--quick]``; the smoke test (tests/bench, slow) runs it
at a tiny size.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Iterator

from .common import BENCH_ENV, END_DATE, ROOT, Row, say
from .concurrency import _Clocked, _jsonable

SOURCE = "tiktok_ads"
STREAM = "campaigns"
TOKEN_ENV = "BENCH_PREFECT_TIKTOK_TOKEN"
#: The issue's bound: wall time within this many times requests x latency / limit.
SLACK = 1.3
PAGE_SIZE = 10
MARK = "BENCH_RESULT "
READY = "BENCH_READY"


def run(jobs: int = 200, advertisers: int = 8, pages: int = 1, latency: float = 0.2, limit: int = 5,
        sync_workers: int = 5, workers: tuple[int, ...] = (1, 2, 4), threads: int = 8,
        overhead_jobs: int = 40) -> list[Row]:
    return rows_for(measure(jobs, advertisers, pages, latency, limit, sync_workers, workers, threads, overhead_jobs))


def measure(jobs: int, advertisers: int, pages: int, latency: float, limit: int, sync_workers: int,
            workers: tuple[int, ...], threads: int, overhead_jobs: int) -> dict[str, Any]:
    """The overhead pair (plain path, flow of one thread: no latency, one by one), then the
    flow with each count of worker processes; the figures."""
    from bosco_connectors.sandbox import FakeApi

    def clocked() -> _Clocked:
        return _Clocked(SOURCE, seed=7, size="tiny", end_date=END_DATE, accounts=advertisers, campaigns=pages * PAGE_SIZE,
                        ad_groups=1, ads=1, days=1)

    app, instant = clocked(), clocked()
    requests = jobs * advertisers * pages
    bound = SLACK * requests * latency / limit
    say(f"prefect_scale: {jobs} jobs x {advertisers * pages} requests, {latency * 1000:.0f} ms each, vendor limit {limit} "
        f"in flight, syncs of up to {sync_workers} connections; flow with {', '.join(map(str, workers))} worker processes "
        f"of {threads} threads (bound {bound:.1f}s = {SLACK} x {requests} x {latency} s / {limit}); overhead on "
        f"{overhead_jobs} syncs one by one")
    runs: dict[str, dict[str, Any]] = {}
    with FakeApi([app], latency=latency) as api, FakeApi([instant], latency=0.0) as fast, \
            tempfile.TemporaryDirectory(prefix="bench-prefect-") as workdir, _harness() as url:
        plan: list[tuple[str, FakeApi, _Clocked, int, dict[str, Any]]] = [
            ("plain-1x1", fast, instant, 1, {"mode": "plain", "threads": 1, "jobs": overhead_jobs, "sync_workers": 1}),
            ("flow-1x1", fast, instant, 1, {"mode": "flow", "threads": 1, "jobs": overhead_jobs, "sync_workers": 1}),
            *((f"flow-{w}", api, app, w, {"mode": "flow", "threads": threads, "jobs": jobs, "sync_workers": sync_workers})
              for w in workers),
        ]
        for key, fake, served, count, opts in plan:
            fake.clear()
            fake.max_in_flight, fake.max_in_flight_by_vendor = 0, {}
            served.first = served.last = 0.0
            base = _jsonable(served.source_config(fake.url(served.prefix)))
            children = [{**opts, "key": key, "worker": i, "tenants": _split(opts["jobs"], count, i), "limit": limit,
                         "home": str(Path(workdir) / key / f"w{i}"), "base": base} for i in range(count)]
            out = _together(children, url)
            out.update(max_in_flight=fake.max_in_flight, requests_seen=len(fake.requests), processes=count,
                       window=(served.last - served.first + fake.latency) if served.first else 0.0)
            runs[key] = out
            say(f"  {key}: {out['wall']:.1f}s, {out['synced']}/{opts['jobs']} syncs ok, {out['requests_seen']} requests "
                f"(first to last {out['window']:.1f}s), max in flight {out['max_in_flight']}, {out['rows']} rows; per sync: "
                f"extract {out['extract_mean']:.2f}s (lanes {out['lane_wait_mean']:.2f}s), rest {out['rest_mean']:.2f}s; "
                f"workers' walls {', '.join(f'{w:.1f}' for w in out['walls'])}s, CPU {out['cpu']:.0f}s")
    return {"jobs": jobs, "advertisers": advertisers, "pages": pages, "latency": latency, "limit": limit,
            "sync_workers": sync_workers, "workers": list(workers), "threads": threads, "overhead_jobs": overhead_jobs,
            "requests": requests, "bound": bound, "rows": jobs * advertisers * pages * PAGE_SIZE,
            "overhead_rows": overhead_jobs * advertisers * pages * PAGE_SIZE, "runs": runs, "load": _load()}


def _split(jobs: int, workers: int, index: int) -> list[int]:
    """The tenants (numbers) of worker `index` of `workers`: an even split of `jobs`."""
    return list(range(index, jobs, workers))


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "n/a"


def rows_for(result: dict[str, Any]) -> list[Row]:
    jobs, requests, limit, bound, runs = result["jobs"], result["requests"], result["limit"], result["bound"], result["runs"]
    latency, threads = result["latency"], result["threads"]
    what = f"{jobs} syncs x {result['advertisers'] * result['pages']} requests x {latency * 1000:.0f} ms, vendor limit {limit}"
    out: list[Row] = []
    for w in result["workers"]:
        r = runs[f"flow-{w}"]
        who = f"Prefect flow, {w} worker process{'es' if w > 1 else ''} x {threads} threads"
        out += [
            Row("prefect_scale", f"{what}: {who}: wall time",
                f"{r['wall']:.1f}s ({r['wall'] / bound * SLACK:.2f}x ideal; per sync: extract {r['extract_mean']:.2f}s "
                f"incl. lanes {r['lane_wait_mean']:.2f}s, rest {r['rest_mean']:.2f}s)",
                f"<= {bound:.1f}s ({SLACK} x {requests} x {latency} s / {limit})", r["wall"] <= bound),
            Row("prefect_scale", f"{what}: {who}: requests in flight (fake API's count, all workers)",
                f"max {r['max_in_flight']}, {r['requests_seen']} requests, {r['synced']}/{jobs} syncs ok, {r['rows']} rows",
                f"<= {limit}, {requests} requests, all ok, {result['rows']} rows",
                r["max_in_flight"] <= limit and r["requests_seen"] == requests and r["synced"] == jobs
                and r["rows"] == result["rows"]),
        ]
    plain, one = runs["plain-1x1"], runs["flow-1x1"]
    n = result["overhead_jobs"]
    per_task = (one["wall"] - plain["wall"]) / n
    out.append(Row("prefect_scale", "machine: load average when the runs ended (1/5/15 min)", result["load"]))
    out.append(Row("prefect_scale", f"Prefect's overhead per task: (flow, 1 worker x 1 thread - plain path, 1 worker) / {n} "
                                    "syncs of 1 connection, fake answering at once",
                   f"{per_task * 1000:.0f} ms ({one['wall']:.1f}s - {plain['wall']:.1f}s; per sync: lanes "
                   f"{one['lane_wait_mean'] * 1000:.0f} ms, task run outside the sync {_ms(one['task_outside_mean'])}, "
                   f"sync {one['sync_mean']:.2f}s vs {plain['sync_mean']:.2f}s; CPU per sync "
                   f"{one['cpu'] / n * 1000:.0f} ms vs {plain['cpu'] / n * 1000:.0f} ms)",
                   f"all {n} + {n} syncs ok", plain["synced"] == n and one["synced"] == n))
    for w in result["workers"]:
        r = runs[f"flow-{w}"]
        out.append(Row("prefect_scale", f"Prefect's overhead per task, {w} worker process{'es' if w > 1 else ''}: lanes, task run",
                       f"lanes {r['lane_wait_mean'] * 1000:.0f} ms (median {r['lane_wait_median'] * 1000:.0f}), task run "
                       f"outside the sync {_ms(r['task_outside_mean'])} (median {_ms(r['task_outside_median'])}, "
                       f"{r['task_runs']} task runs read), first extract {r['first_sync_after']:.1f}s after the start; "
                       f"CPU of the workers {r['cpu']:.0f}s ({r['cpu'] / max(1, r['synced']) * 1000:.0f} ms per sync), "
                       f"requests first to last {r['window']:.1f}s"))
    return out


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


# -- one worker ---------------------------------------------------------------------------------


def write_project(home: Path, base: dict[str, Any], tenants: list[str], sync_workers: int, limit: int) -> Path:
    """A bosco.toml: the worker's tenants of the source, its own DuckDB file, the vendor limit declared."""
    home.mkdir(parents=True, exist_ok=True)
    lines = ["[destination]", 'name = "duckdb"', f'path = "{home / "bosco.duckdb"}"', "",
             f"[limits.{SOURCE}]", f"in_flight = {limit}", ""]
    for tenant in tenants:
        lines += [
            "[[tenants]]", f'id = "{tenant}"', f"  [tenants.sources.{SOURCE}]",
            f'  access_token = {{ env = "{TOKEN_ENV}" }}',
            f"  advertiser_ids = {json.dumps(base['advertiser_ids'])}",
            f'  base_url = "{base["base_url"]}"', f'  start_date = "{base["start_date"]}"', f'  end_date = "{base["end_date"]}"',
            f"  page_size = {PAGE_SIZE}", f"  max_workers = {sync_workers}", "  requests_per_second = 50",
            f'  streams = ["{STREAM}"]', "",
        ]
    path = home / "bosco.toml"
    path.write_text("\n".join(lines))
    return path


def _tenant(key: str, number: int) -> str:
    """Tenant ids unique across runs (task runs are found by name in the one Prefect API)."""
    return f"{key.replace('-', '')}t{number:04d}"


def one_run(opts: dict[str, Any], go: Any = None) -> dict[str, Any]:
    """One worker's run of its jobs, by the plain path or the flow; its figures (JSON-able).

    `go()` is called once everything is imported and written: it returns when to start."""
    from bosco_connectors.framework import hooks

    if opts["mode"] == "plain":
        from bosco_connectors.cli.runner import plan_jobs, run_jobs
    else:
        from bosco_connectors.orchestration.prefect import run_flow

    home = Path(opts["home"])
    tenants = [_tenant(opts["key"], t) for t in opts["tenants"]]
    project = write_project(home, opts["base"], tenants, opts["sync_workers"], opts["limit"])
    os.environ[TOKEN_ENV] = opts["base"]["access_token"]
    phases: list[tuple[float, str, str]] = []
    lane_waits: list[float] = []
    flow = opts["mode"] == "flow"
    if go is not None:
        go()
    with hooks.on_phase(lambda e: phases.append((time.perf_counter(), e.tenant, e.phase))), \
            _timed_lanes(lane_waits) if flow else nullcontext():
        began, started, cpu = time.time(), time.perf_counter(), time.process_time()
        if not flow:
            summary = run_jobs(plan_jobs(project, [], [], None, None), home=home / ".bosco", workers=opts["threads"])
        else:
            summary, code, error = run_flow(config=str(project), workers=opts["threads"], recipes=False, retries=0,
                                            retry_delay_seconds=0, home=str(home / ".bosco"))
            if summary is None:
                raise RuntimeError(f"the flow did not run (exit {code}): {error}")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    task_runs = _task_runs([f"{t}/{SOURCE}" for t in tenants]) if flow else []
    seconds = {s["tenant"]: s["seconds"] for s in summary["syncs"]}
    extract = _phase_seconds(phases, "extract", "normalize")
    outside = [t["seconds"] - seconds[t["tenant"]] for t in task_runs if t["tenant"] in seconds and t["seconds"] is not None]
    return {
        "began": began,
        "ended": began + wall,
        "wall": wall,
        "cpu": cpu,
        "synced": sum(1 for s in summary["syncs"] if s["ok"]),
        "failures": summary["failures"][:3],
        "rows": summary["tables"].get(f"{SOURCE}_{STREAM}", 0),
        "first_sync_after": (min(t for t, _, p in phases if p == "extract") - started) if phases else 0.0,
        "extracts": list(extract.values()),
        "rests": [seconds[t] - e for t, e in extract.items() if t in seconds],
        "syncs": list(seconds.values()),
        "lane_waits": lane_waits,
        "outside": outside,
        "task_runs": len(task_runs),
    }


def _combined(outs: list[dict[str, Any]]) -> dict[str, Any]:
    """The workers' figures as one run: wall time from the first start to the last end."""
    def pooled(name: str) -> list[float]:
        return [x for o in outs for x in o[name]]

    began = min(o["began"] for o in outs)
    lane_waits, outside = pooled("lane_waits"), pooled("outside")
    return {
        "wall": max(o["ended"] for o in outs) - began,
        "walls": [o["wall"] for o in outs],
        "cpu": sum(o["cpu"] for o in outs),
        "synced": sum(o["synced"] for o in outs),
        "failures": [f for o in outs for f in o["failures"]][:3],
        "rows": sum(o["rows"] for o in outs),
        "first_sync_after": min(o["began"] + o["first_sync_after"] for o in outs) - began,
        "extract_mean": _mean(pooled("extracts")),
        "rest_mean": _mean(pooled("rests")),
        "sync_mean": _mean(pooled("syncs")),
        "lane_wait_mean": _mean(lane_waits),
        "lane_wait_median": statistics.median(lane_waits) if lane_waits else 0.0,
        "task_runs": sum(o["task_runs"] for o in outs),
        "task_outside_mean": _mean(outside) if outside else None,
        "task_outside_median": statistics.median(outside) if outside else None,
    }


@contextmanager
def _timed_lanes(waits: list[float]) -> Iterator[None]:
    """Time each sync's wait for its lanes (`LanePool.take`, at the sync's first request)."""
    from bosco_connectors.orchestration.lanes import LanePool

    original = LanePool.take

    def timed(pool: LanePool, lanes: int) -> None:
        asked = time.perf_counter()
        original(pool, lanes)
        waits.append(time.perf_counter() - asked)

    LanePool.take = timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        LanePool.take = original  # type: ignore[method-assign]


def _phase_seconds(phases: list[tuple[float, str, str]], start: str, end: str) -> dict[str, float]:
    begun = {tenant: t for t, tenant, phase in phases if phase == start}
    return {tenant: t - begun[tenant] for t, tenant, phase in phases if phase == end and tenant in begun}


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def _task_runs(names: list[str], wait: float = 60.0) -> list[dict[str, Any]]:
    """The sync task runs of these names: tenant and start-to-end seconds, as Prefect's API has them.

    Task run states reach the API as events, a little after the flow returns: wait until
    every task run has ended (or `wait` seconds).
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    deadline = time.monotonic() + wait
    with get_client(sync_client=True) as client:
        while True:
            runs: list[Any] = []
            for i in range(0, len(names), 100):
                batch = names[i:i + 100]
                runs += client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=batch)),
                                              limit=len(batch) * 2)
            done = [r for r in runs if r.start_time and r.end_time]
            if len(done) >= len(names) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    return [{"tenant": r.name.split("/", 1)[0],
             "seconds": (r.end_time - r.start_time).total_seconds() if r.start_time and r.end_time else None} for r in runs]


# -- processes -----------------------------------------------------------------------------------


@contextmanager
def _harness() -> Iterator[str]:
    """Prefect's test harness: a temporary local API (SQLite, loopback); its URL."""
    from prefect.testing.utilities import prefect_test_harness

    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=180):
        say(f"  Prefect test harness up in {time.perf_counter() - started:.1f}s")
        yield _api_url()


def _api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def _together(children: list[dict[str, Any]], url: str, timeout: float = 3600.0) -> dict[str, Any]:
    """Run one worker process per `children` entry against the Prefect API at `url`: each
    imports and writes its project, says it is ready, and all start at once; their figures."""
    env = {**os.environ, **BENCH_ENV, "PREFECT_API_URL": url}
    procs = []
    for opts in children:
        log = Path(opts["home"]).parent / f"w{opts['worker']}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        out = open(log.with_suffix(".out"), "w+")
        err = open(log, "w")
        proc = subprocess.Popen([sys.executable, "-m", "bench.prefect_scale", json.dumps(opts)], stdin=subprocess.PIPE,
                                stdout=out, stderr=err, text=True, env=env, cwd=ROOT)
        procs.append((opts, proc, out, err, log))
    try:
        deadline = time.monotonic() + 300
        for opts, proc, out, _, log in procs:
            while READY not in Path(out.name).read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"prefect_scale {opts['key']} worker {opts['worker']} did not start:\n"
                                       f"{log.read_text()[-3000:]}")
                time.sleep(0.1)
        for _, proc, *_ in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for opts, proc, out, err, log in procs:
            code = proc.wait(timeout=timeout)
            lines = [line for line in Path(out.name).read_text().splitlines() if line.startswith(MARK)]
            if code != 0 or not lines:
                raise RuntimeError(f"prefect_scale {opts['key']} worker {opts['worker']} failed ({code}):\n"
                                   f"{log.read_text()[-3000:]}")
            results.append(json.loads(lines[-1][len(MARK):]))
    finally:
        for _, proc, out, err, _ in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            out.close()
            err.close()
    return _combined(results)


def _wait_for_go() -> None:
    print(READY, flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    print(MARK + json.dumps(one_run(json.loads(sys.argv[1]), go=_wait_for_go)), flush=True)
