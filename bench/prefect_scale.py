"""Prefect scale-out: many (tenant, source) syncs through the Prefect flow under a vendor limit.

200 tenants of ``tiktok_ads`` (one (tenant, source) job each: the ``campaigns`` stream of 8
advertisers, one page each, so 8 requests per job and 1,600 in all) in one ``bosco.toml``,
against the fake API every test uses (``FakeApi(latency=0.2)``: each request held 200 ms,
its in-flight counter is the referee). The project declares the vendor's app-wide budget
as ``[limits.tiktok_ads] in_flight = 5``, which the flow turns into a Prefect global
concurrency limit of 5 lanes (`orchestration.lanes`); each sync reads with
``max_workers = 5`` connections, so one sync can use the whole budget alone and two
syncs together would exceed it. Why 8 advertisers: a sync reads its first 3 pages inline
(`resources._run_concurrently` goes to threads once the pages show it waits), then the 5
partitions left on 5 threads, so one sync does reach 5 requests in flight.

Runs, each in its own fresh process (imports excluded from the timed part), against one
Prefect test harness (``prefect_test_harness``: a temporary local API on SQLite, no
network) started by this process:

- the plain path (`cli.runner.run_jobs`, what ``bosco-sync run --workers 1`` executes),
  once, with one worker: the same syncs without Prefect;
- the flow (`orchestration.prefect.run_flow`, what ``bosco-sync prefect run`` executes)
  with 1, 2 and 4 workers (the task runner's threads: the flow's own concurrency on one
  DuckDB file, whose loads take turns; a second flow run on the file is refused).

Figures: the wall time of each flow run (the call to ``run_flow``: flow run, plan, limits,
every sync) against the issue's bound ``1.3 x requests x latency / 5``; the fake API's
maximum of requests in flight (at most 5); Prefect's own overhead per task, as (flow with
one worker - plain path) / jobs, and split into its parts: the lanes' acquisition
(`vendor_turn`, timed by wrapping it), and the task run's time outside the sync (the task
run's start-to-end in Prefect's API minus the sync's own seconds).

``python -m bench prefect_scale [--quick]``; the smoke test (tests/bench) calls `measure`
at a tiny size, in this process.
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


def run(jobs: int = 200, advertisers: int = 8, pages: int = 1, latency: float = 0.2, limit: int = 5,
        sync_workers: int = 5, workers: tuple[int, ...] = (1, 2, 4)) -> list[Row]:
    return rows_for(measure(jobs, advertisers, pages, latency, limit, sync_workers, workers))


def measure(jobs: int, advertisers: int, pages: int, latency: float, limit: int, sync_workers: int,
            workers: tuple[int, ...], *, in_process: bool = False) -> dict[str, Any]:
    """Run the plain path once (1 worker) and the flow once per workers count; the figures.

    `in_process` runs every sync in this process (the smoke test), not in a fresh process per run.
    """
    from bosco_connectors.sandbox import FakeApi

    app = _Clocked(SOURCE, seed=7, size="tiny", end_date=END_DATE, accounts=advertisers, campaigns=pages * PAGE_SIZE,
                   ad_groups=1, ads=1, days=1)
    requests = jobs * advertisers * pages
    bound = SLACK * requests * latency / limit
    say(f"prefect_scale: {jobs} jobs x {advertisers * pages} requests, {latency * 1000:.0f} ms each, vendor limit {limit} "
        f"in flight, syncs of {sync_workers} connections; flow with {', '.join(map(str, workers))} workers "
        f"(bound {bound:.1f}s = {SLACK} x {requests} x {latency} s / {limit})")
    runs: dict[str, dict[str, Any]] = {}
    with FakeApi([app], latency=latency) as api, tempfile.TemporaryDirectory(prefix="bench-prefect-") as workdir, \
            _harness() as url:
        base = _jsonable(app.source_config(api.url(app.prefix)))
        for mode, count in [("plain", 1), *(("flow", w) for w in workers)]:
            key = f"{mode}-{count}"
            api.clear()
            api.max_in_flight, api.max_in_flight_by_vendor = 0, {}
            app.first = app.last = 0.0
            opts = {"mode": mode, "workers": count, "home": str(Path(workdir) / key), "base": base, "jobs": jobs,
                    "sync_workers": sync_workers, "limit": limit}
            out = one_run(opts) if in_process else _child(opts, url)
            out.update(max_in_flight=api.max_in_flight, requests_seen=len(api.requests),
                       window=(app.last - app.first + latency) if app.first else 0.0)
            runs[key] = out
            say(f"  {key}: {out['wall']:.1f}s, {out['synced']}/{jobs} syncs ok, {out['requests_seen']} requests "
                f"(first to last {out['window']:.1f}s), max in flight {out['max_in_flight']}, {out['rows']} rows; per sync: "
                f"extract {out['extract_mean']:.2f}s (lanes {out.get('lane_wait_mean', 0.0):.2f}s), "
                f"rest {out['rest_mean']:.2f}s")
    return {"jobs": jobs, "advertisers": advertisers, "pages": pages, "latency": latency, "limit": limit,
            "sync_workers": sync_workers, "workers": list(workers), "requests": requests, "bound": bound,
            "rows": jobs * advertisers * pages * PAGE_SIZE, "runs": runs}


def rows_for(result: dict[str, Any]) -> list[Row]:
    jobs, requests, limit, bound, runs = result["jobs"], result["requests"], result["limit"], result["bound"], result["runs"]
    latency = result["latency"]
    plain = runs["plain-1"]
    what = f"{jobs} syncs x {result['advertisers'] * result['pages']} requests x {latency * 1000:.0f} ms, vendor limit {limit}"
    out = [Row("prefect_scale", f"{what}: plain `bosco-sync run` path (run_jobs), 1 worker, no Prefect: wall time",
               f"{plain['wall']:.1f}s (per sync: extract {plain['extract_mean']:.2f}s, rest {plain['rest_mean']:.2f}s; "
               f"max in flight {plain['max_in_flight']}, {plain['synced']}/{jobs} syncs ok)")]
    for w in result["workers"]:
        r = runs[f"flow-{w}"]
        out += [
            Row("prefect_scale", f"{what}: Prefect flow, {w} worker{'s' if w > 1 else ''}: wall time",
                f"{r['wall']:.1f}s ({r['wall'] / bound * SLACK:.2f}x ideal; per sync: extract {r['extract_mean']:.2f}s "
                f"incl. lanes {r['lane_wait_mean']:.2f}s, rest {r['rest_mean']:.2f}s)",
                f"<= {bound:.1f}s ({SLACK} x {requests} x {latency} s / {limit})", r["wall"] <= bound),
            Row("prefect_scale", f"{what}: Prefect flow, {w} worker{'s' if w > 1 else ''}: requests in flight (fake API's count)",
                f"max {r['max_in_flight']}, {r['requests_seen']} requests, {r['synced']}/{jobs} syncs ok, {r['rows']} rows",
                f"<= {limit}, {requests} requests, all ok, {result['rows']} rows",
                r["max_in_flight"] <= limit and r["requests_seen"] == requests and r["synced"] == jobs
                and r["rows"] == result["rows"]),
        ]
    if 1 in result["workers"]:
        one = runs["flow-1"]
        per_task = (one["wall"] - plain["wall"]) / jobs
        out.append(Row("prefect_scale", "Prefect's overhead per task, 1 worker: (flow - plain path) / syncs",
                       f"{per_task * 1000:.0f} ms ({one['wall']:.1f}s - {plain['wall']:.1f}s over {jobs})"))
    for w in result["workers"]:
        r = runs[f"flow-{w}"]
        out.append(Row("prefect_scale", f"Prefect's overhead per task, {w} worker{'s' if w > 1 else ''}: lanes, task run",
                       f"lanes {r['lane_wait_mean'] * 1000:.0f} ms (median {r['lane_wait_median'] * 1000:.0f}), task run "
                       f"outside the sync {_ms(r['task_outside_mean'])} (median {_ms(r['task_outside_median'])}, "
                       f"{r['task_runs']} task runs read), first extract {r['first_sync_after']:.1f}s after the call "
                       f"(plain path: {plain['first_sync_after']:.1f}s)"))
    return out


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


# -- one run -----------------------------------------------------------------------------------


def write_project(home: Path, base: dict[str, Any], jobs: int, sync_workers: int, limit: int) -> Path:
    """A bosco.toml: `jobs` tenants of the source, one DuckDB file, the vendor limit declared."""
    home.mkdir(parents=True, exist_ok=True)
    lines = ["[destination]", 'name = "duckdb"', f'path = "{home / "bosco.duckdb"}"', "",
             f"[limits.{SOURCE}]", f"in_flight = {limit}", ""]
    for t in range(jobs):
        lines += [
            "[[tenants]]", f'id = "tenant{t:04d}"', f"  [tenants.sources.{SOURCE}]",
            f'  access_token = {{ env = "{TOKEN_ENV}" }}',
            f"  advertiser_ids = {json.dumps(base['advertiser_ids'])}",
            f'  base_url = "{base["base_url"]}"', f'  start_date = "{base["start_date"]}"', f'  end_date = "{base["end_date"]}"',
            f"  page_size = {PAGE_SIZE}", f"  max_workers = {sync_workers}", "  requests_per_second = 50",
            f'  streams = ["{STREAM}"]', "",
        ]
    path = home / "bosco.toml"
    path.write_text("\n".join(lines))
    return path


def one_run(opts: dict[str, Any]) -> dict[str, Any]:
    """One run of every job, by the plain path or the flow; its figures (JSON-able)."""
    from bosco_connectors.framework import hooks

    home = Path(opts["home"])
    project = write_project(home, opts["base"], opts["jobs"], opts["sync_workers"], opts["limit"])
    token = os.environ.get(TOKEN_ENV)
    os.environ[TOKEN_ENV] = opts["base"]["access_token"]
    phases: list[tuple[float, str, str]] = []
    lane_waits: list[float] = []
    task_runs: list[dict[str, Any]] = []
    flow = opts["mode"] == "flow"
    with hooks.on_phase(lambda e: phases.append((time.perf_counter(), e.tenant, e.phase))), \
            _timed_lanes(lane_waits) if flow else nullcontext(), _restored(TOKEN_ENV, token):
        started = time.perf_counter()
        if not flow:
            from bosco_connectors.cli.runner import plan_jobs, run_jobs

            summary = run_jobs(plan_jobs(project, [], [], None, None), home=home / ".bosco", workers=opts["workers"])
        else:
            from bosco_connectors.orchestration.prefect import run_flow

            summary, code, error = run_flow(config=str(project), workers=opts["workers"], recipes=False, retries=0,
                                            retry_delay_seconds=0, home=str(home / ".bosco"))
            if summary is None:
                raise RuntimeError(f"the flow did not run (exit {code}): {error}")
        wall = time.perf_counter() - started
    if flow:
        task_runs = _task_runs(len(summary["syncs"]))
    seconds = {s["tenant"]: s["seconds"] for s in summary["syncs"]}
    extract = _phase_seconds(phases, "extract", "normalize")
    outside = [t["seconds"] - seconds[t["tenant"]] for t in task_runs if t["tenant"] in seconds and t["seconds"] is not None]
    return {
        "wall": wall,
        "synced": sum(1 for s in summary["syncs"] if s["ok"]),
        "failures": summary["failures"][:3],
        "rows": summary["tables"].get(f"{SOURCE}_{STREAM}", 0),
        "tables": summary["tables"],
        "first_sync_after": (min(t for t, _, p in phases if p == "extract") - started) if phases else 0.0,
        "extract_mean": _mean(list(extract.values())),
        "rest_mean": _mean([seconds[t] - e for t, e in extract.items() if t in seconds]),
        "lane_wait_mean": _mean(lane_waits),
        "lane_wait_median": statistics.median(lane_waits) if lane_waits else 0.0,
        "task_runs": len(task_runs),
        "task_outside_mean": _mean(outside) if outside else None,
        "task_outside_median": statistics.median(outside) if outside else None,
    }


@contextmanager
def _restored(name: str, value: str | None) -> Iterator[None]:
    """Put an environment variable back as it was (`one_run` also runs inside the tests' process)."""
    try:
        yield
    finally:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def _timed_lanes(waits: list[float]) -> Iterator[None]:
    """Time each sync's acquisition of its lanes (the flow's `vendor_turn`, wrapped)."""
    from bosco_connectors.orchestration import prefect as flow

    original = flow.vendor_turn

    def timed(source: str, lanes: Any) -> Any:
        turn = original(source, lanes)

        @contextmanager
        def wrapped(client: Any) -> Iterator[None]:
            asked = time.perf_counter()
            with turn(client):
                waits.append(time.perf_counter() - asked)
                yield

        return wrapped

    flow.vendor_turn = timed
    try:
        yield
    finally:
        flow.vendor_turn = original


def _phase_seconds(phases: list[tuple[float, str, str]], start: str, end: str) -> dict[str, float]:
    begun = {tenant: t for t, tenant, phase in phases if phase == start}
    return {tenant: t - begun[tenant] for t, tenant, phase in phases if phase == end and tenant in begun}


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def _task_runs(expected: int, wait: float = 60.0) -> list[dict[str, Any]]:
    """The latest flow run's sync task runs: tenant and start-to-end seconds, as Prefect's API has them.

    Task run states reach the API as events, a little after the flow returns: wait until
    every task run has ended (or `wait` seconds).
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    deadline = time.monotonic() + wait
    with get_client(sync_client=True) as client:
        [flow_run] = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
        while True:
            runs: list[Any] = []
            while True:
                page = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])),
                                             limit=200, offset=len(runs))
                runs += page
                if len(page) < 200:
                    break
            syncs = [r for r in runs if r.name != "recipes"]
            done = [r for r in syncs if r.start_time and r.end_time]
            if len(done) >= expected or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    return [{"tenant": r.name.split("/", 1)[0],
             "seconds": (r.end_time - r.start_time).total_seconds() if r.start_time and r.end_time else None} for r in syncs]


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


def _child(opts: dict[str, Any], url: str) -> dict[str, Any]:
    env = {**os.environ, **BENCH_ENV, "PREFECT_API_URL": url, TOKEN_ENV: opts["base"]["access_token"]}
    proc = subprocess.run([sys.executable, "-m", "bench.prefect_scale", json.dumps(opts)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=3600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"prefect_scale {opts['mode']}-{opts['workers']} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len(MARK):])


if __name__ == "__main__":
    print(MARK + json.dumps(one_run(json.loads(sys.argv[1]))), flush=True)
