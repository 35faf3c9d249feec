"""``bosco.toml``'s syncs as a Prefect flow: one task per (tenant, source), on any number of workers.

```python
from bosco_connectors.orchestration.prefect import bosco_sync
bosco_sync(config="bosco.toml")            # or: bosco-sync prefect run / serve / deploy prefect
```

The flow does what ``bosco-sync run`` does and reports it the same way: the same
summary (`cli.runner.summarise`, also a Prefect artifact), the same ``FAILED tenant=..
source=.. stream=..`` lines, the same exit code (`run_flow`). What Prefect adds:

- **retries** of a task whose sync failed with a transient vendor error (a
  `RetryableApiError` that outlasted the client's own retries); a bad credential, a
  configuration error or a contract violation fails once and is not retried;
- **vendor limits shared by every worker**: a source's app-wide budget (`AppLimits`,
  declared from the vendor's docs, raised per project in ``[limits.<source>]``) is a
  Prefect global concurrency limit of N lanes (`orchestration.lanes`), created or updated
  when the flow starts; a sync holds its lanes while it calls the API only, and paces its
  requests to its share, so the sum over all workers stays within the vendor's figure.
  Its share is fair (`lanes.fair_share`): with J syncs of the source on T task threads,
  N // min(J, T) lanes (at least 1), so that syncs running at once share the budget;
- **recipes once per run, after every load** (not per tenant): the facts are one table
  for all tenants, and an incremental build rebuilds the dates whose inputs changed for
  all of them in one pass, so a build per tenant would redo the same DDL N times and
  race its siblings on the same tables. A data-quality failure is a failed task whose
  message is the CLI's ``FAILED test ...`` line.

Destinations: DuckDB has one writer, so a second flow on the same DuckDB file (another
worker) is refused with one line; Snowflake takes concurrent loads, and dlt's state per
(tenant, source) pipeline is kept in the warehouse, so any worker can run any task.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

try:
    from prefect import flow, get_run_logger, task
    from prefect.artifacts import create_markdown_artifact
    from prefect.cache_policies import NO_CACHE
    from prefect.client.orchestration import get_client
    from prefect.concurrency.sync import concurrency
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect.utilities.annotations import opaque
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError("the Prefect flow needs the prefect extra: pip install 'bosco-connectors[prefect]'") from exc

from ..cli.runner import Plan, exit_code, plan_jobs, run_planned, summarise
from ..framework.errors import ConfigError, RetryableApiError
from ..framework.registry import get_connector
from ..project import TenantSource, parse_project
from ..sync import SyncResult
from .lanes import (
    LanePool, LaneRefused, Lanes, Reading, fit, lanes_for, lanes_while_used, lanes_wanted, limit_name,
    starving_limit_name, workers_limit_name,
)

FLOW_NAME = "bosco-sync"
SUMMARY_KEY = "bosco-sync-summary"
#: Lanes are leased, so a worker killed with SIGKILL gives them back when the lease ends
#: (Prefect's minimum is 60 s); a live worker renews its lease in the background.
LEASE_SECONDS = 60.0
#: The longest one ask of Prefect's API may take (a lane's is refused at once when none is
#: free, `lane`; the presence's slot, never short, may wait). A holder that timed out asks
#: again only while a sync of its worker still wants the lane.
ASK_SECONDS = 30.0
#: A lane no sync of this worker wants is given back after this long (`LanePool`).
LINGER_SECONDS = float(os.environ.get("BOSCO_PREFECT_LANE_LINGER", "2"))
#: The counter of workers present for a source's lanes counts, it does not bound.
WORKERS_LIMIT = 100_000
#: Syncs one flow run (one worker) runs at once.
TASK_WORKERS = int(os.environ.get("BOSCO_PREFECT_TASK_WORKERS", "4"))


class SyncFailed(Exception):
    """A failed sync; the message is the CLI's ``FAILED ...`` line."""

    def __init__(self, result: SyncResult) -> None:
        super().__init__(result.failure_line)
        self.result = result
        #: Only a transient vendor error is worth another attempt.
        self.retryable = result.error_type is not None and issubclass(result.error_type, RetryableApiError)


class RecipesFailed(Exception):
    """A model failed to build or a data-quality test failed; the message has the CLI's lines."""

    def __init__(self, outcome: dict[str, Any]) -> None:
        super().__init__("\n".join(outcome["failures"]) or "the recipes failed")
        self.outcome = outcome


class RunFailed(Exception):
    """The flow's failure: its message lists the failures, `summary` is the run's summary."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__("\n".join(summary["failures"]) or "the run failed")
        self.summary = summary


@dataclass(frozen=True)
class RunContext:
    """What every task of one flow run shares (in memory: tasks run on the flow's threads)."""

    plan: Plan
    pipelines: Path
    lanes: dict[str, Lanes]
    #: This worker's lanes of each source, handed between its syncs (`LanePool`).
    pools: dict[str, LanePool] = field(default_factory=dict)
    #: Syncs of each source in the plan, and the task runner's threads: the fair share.
    jobs: dict[str, int] = field(default_factory=dict)
    threads: int = 1
    full_refresh: bool = False
    backfill_start: date | None = None
    load_lock: Any = None


# -- vendor lanes ---------------------------------------------------------------------------


def app_lanes(plan: Plan) -> dict[str, Lanes]:
    """The lanes of every planned source that has an app-wide budget (the project's
    ``[limits.<source>]`` first, else the source's declared `AppLimits`)."""
    overrides = plan.project.limits if plan.project is not None else {}
    out: dict[str, Lanes] = {}
    for source in sorted({job.source for job in plan.jobs}):
        limits = overrides.get(source) or get_connector(source).app_limits
        if limits:
            out[source] = lanes_for(limits)
    return out


def ensure_limits(lanes: dict[str, Lanes]) -> None:
    """Create or update one Prefect global concurrency limit per source: N lanes."""
    with get_client(sync_client=True) as client:
        for source, lane in lanes.items():
            client.upsert_global_concurrency_limit_by_name(limit_name(source), lane.count)
            client.upsert_global_concurrency_limit_by_name(workers_limit_name(source), WORKERS_LIMIT)
            client.upsert_global_concurrency_limit_by_name(starving_limit_name(source), WORKERS_LIMIT)


def lane_pools(lanes: dict[str, Lanes]) -> dict[str, LanePool]:
    """One `LanePool` per source with lanes: this worker's lanes, taken one at a time from
    the source's Prefect global concurrency limit (leased, the lease renewed while held),
    at most its share among the workers present (a slot each of a second limit).

    A lane is asked for once (`lane`): refused, the pool asks again when its next reading
    of the counters sees a lane free (every `PRESENCE_SECONDS` while a sync here waits or a
    worker starves, every `CALM_SECONDS` otherwise)."""
    quiet_refusals()

    @contextmanager
    def present(source: str) -> Iterator[Callable[[bool], Reading]]:
        workers, lanes_name = workers_limit_name(source), limit_name(source)
        with concurrency(workers, occupy=1, timeout_seconds=ASK_SECONDS, lease_duration=LEASE_SECONDS, strict=True), \
                get_client(sync_client=True) as client:
            starving = StarvingSlot(starving_limit_name(source))

            def read(starves: bool) -> Reading:
                starving.hold(starves)
                shared = client.read_global_concurrency_limit_by_name(lanes_name)
                return Reading(workers=client.read_global_concurrency_limit_by_name(workers).active_slots,
                               free=max(0, shared.limit - shared.active_slots),
                               starving=client.read_global_concurrency_limit_by_name(starving.name).active_slots)

            try:
                yield read
            finally:
                starving.hold(False)

    return {
        source: LanePool(lambda source=source: lane(limit_name(source)), count=lane_count.count, linger=LINGER_SECONDS,
                         name=limit_name(source), presence=lambda source=source: present(source), refresh=PRESENCE_SECONDS,
                         calm=CALM_SECONDS)
        for source, lane_count in lanes.items()
    }


#: How often a worker's pool reads the counters (workers present, lanes free, workers
#: starving) while one of its syncs waits for a lane or a worker starves; and otherwise.
PRESENCE_SECONDS = 0.5
CALM_SECONDS = 1.0


class StarvingSlot:
    """This worker's slot of the counter of starving workers (wanting lanes, holding none),
    held while it starves: the others' pools then hold at most floor(N / workers) lanes.
    Taken with Prefect's ``concurrency``, as a lane is: leased (a killed worker's slot ends
    with its lease) and renewed by Prefect while held."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._held: ExitStack | None = None

    def hold(self, starving: bool) -> None:
        if starving and self._held is None:
            held = ExitStack()
            held.enter_context(concurrency(self.name, occupy=1, timeout_seconds=ASK_SECONDS,
                                           lease_duration=LEASE_SECONDS, strict=True))
            self._held = held
        elif not starving and self._held is not None:
            held, self._held = self._held, None
            held.close()


@contextmanager
def lane(name: str) -> Iterator[None]:
    """One lane of the limit `name`, leased (Prefect renews the lease while it is held);
    `LaneRefused` at once when none is free, rather than Prefect's wait of Retry-After."""
    with ExitStack() as stack:
        try:
            stack.enter_context(concurrency(name, occupy=1, timeout_seconds=ASK_SECONDS, max_retries=0,
                                            lease_duration=LEASE_SECONDS, strict=True))
        except Exception as exc:
            if _locked(exc):
                raise LaneRefused(name) from None
            raise
        yield


def _locked(exc: BaseException) -> bool:
    """Whether an ask failed with 423 Locked: Prefect raises it wrapped in its
    `ConcurrencySlotAcquisitionError`, or (from its service's thread) as the HTTP error itself."""
    for error in (exc, exc.__cause__):
        if getattr(getattr(error, "response", None), "status_code", None) == 423:
            return True
    return False


class _RefusedAsk(logging.Filter):
    """Drops Prefect's ERROR line for an ask made with ``max_retries=0`` (ours: `lane`),
    which Prefect's slot service logs at every 423 before raising it to the asker; the
    pool expects a refusal, and any other failure reaches the syncs through the pool."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        item = args[1] if len(args) == 2 else None
        return not (args and args[0] == "ConcurrencySlotAcquisitionWithLeaseService"
                    and isinstance(item, tuple) and len(item) > 3 and item[3] == 0)


def quiet_refusals() -> None:
    service_log = logging.getLogger("prefect._internal.concurrency")
    if not any(isinstance(f, _RefusedAsk) for f in service_log.filters):
        service_log.addFilter(_RefusedAsk())


@contextmanager
def pooled(pools: dict[str, LanePool]) -> Iterator[dict[str, LanePool]]:
    try:
        yield pools
    finally:
        for pool in pools.values():
            pool.close()


def vendor_turn(pool: LanePool, lanes: Lanes, jobs: int = 1, threads: int = 1) -> Callable[[Any], Any]:
    """`run_sync`'s ``extract_turn``: hold the sync's lanes while it calls the API.

    Its fair share of them (`lanes.lanes_wanted`) as one of `jobs` syncs of the source
    on `threads` task threads, from this worker's `pool`."""

    @contextmanager
    def turn(client: Any) -> Iterator[None]:
        taken = lanes_wanted(client, lanes, jobs, threads)
        fit(client, lanes.share(taken))
        with lanes_while_used(pool, client, taken):
            yield

    return turn


# -- tasks --------------------------------------------------------------------------------


def _retry_only_transient(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except SyncFailed as exc:
        return exc.retryable
    except Exception:  # noqa: BLE001 - anything else is not a vendor hiccup
        return False
    return False


@task(name="sync", task_run_name="{job.tenant_id}/{job.source}", cache_policy=NO_CACHE,
      retries=2, retry_delay_seconds=30, retry_condition_fn=_retry_only_transient)
def sync_one(job: TenantSource, context: RunContext) -> SyncResult:
    """One (tenant, source) sync; raises `SyncFailed` (the CLI's line) when it fails."""
    logger = get_run_logger()
    lanes = context.lanes.get(job.source)
    result = run_planned(
        job, context.plan, pipelines=context.pipelines, full_refresh=context.full_refresh,
        backfill_start=context.backfill_start, load_lock=context.load_lock,
        extract_turn=vendor_turn(context.pools[job.source], lanes, context.jobs.get(job.source, 1), context.threads)
        if lanes else None,
        say=logger.info,
    )
    for line in result.partial_lines:
        logger.warning(line)
    if not result.ok:
        raise SyncFailed(result)
    return result


@task(name="recipes", task_run_name="recipes", cache_policy=NO_CACHE)
def build_recipes(plan: Plan) -> dict[str, Any]:
    """Build the recipes incrementally and run their data-quality tests (as `recipes build`)."""
    from ..cli.recipes_cmd import build_and_test

    outcome = build_and_test(plan, select=None, run_tests=True)
    for line in outcome["warnings"]:
        get_run_logger().warning(line)
    if not outcome["ok"]:
        raise RecipesFailed(outcome)
    return outcome


# -- the flow -----------------------------------------------------------------------------


def plan_run(config: str | None, project: str | None, sources: list[str] | None, tenants: list[str] | None) -> Plan:
    """The planned syncs of a project given as a path (`config`) or as its text (`project`)."""
    parsed = parse_project(project, config or "bosco.toml (deployment)") if project is not None else None
    return plan_jobs(Path(config) if config else None, sources or [], tenants or [], None, None, project=parsed)


@contextmanager
def only_worker(plan: Plan) -> Iterator[None]:
    """On DuckDB, be the only flow run loading into the file, or stop with one line.

    A lock beside the file (`cli.lock.RunLock`; the kernel frees it when a worker dies),
    taken for the whole run: loads of this run's own threads already take turns.
    """
    database = plan.duckdb_file
    if database is None:
        yield
        return
    from ..cli.lock import AlreadyRunning, RunLock

    try:
        lock = RunLock(database.with_name(database.name + ".workers.lock")).acquire()
    except AlreadyRunning as exc:
        raise ConfigError(
            f"another worker is already running bosco-sync on the DuckDB file {database} ({exc.holder}): "
            "DuckDB has one writer, so run one worker (or `bosco-sync prefect serve`), "
            "or load into Snowflake to run several"
        ) from None
    try:
        yield
    finally:
        lock.release()


@flow(name=FLOW_NAME, task_runner=ThreadPoolTaskRunner(max_workers=TASK_WORKERS), validate_parameters=True)
def bosco_sync(
    config: str | None = None,
    project: str | None = None,
    sources: list[str] | None = None,
    tenants: list[str] | None = None,
    full_refresh: bool = False,
    start_date: str | None = None,
    recipes: bool = True,
    retries: int = 2,
    retry_delay_seconds: float = 30.0,
    home: str | None = None,
) -> dict[str, Any]:
    """Sync every (tenant, source) of a bosco.toml, then build the recipes once.

    `config` is a path on the worker; `project` is the file's text (what `deploy prefect`
    stores, so any worker can run it). Returns the run's summary; fails (`RunFailed`,
    whose message has the FAILED lines) when a sync or the recipes failed.
    """
    started_at, started = datetime.now(timezone.utc), time.monotonic()
    logger = get_run_logger()
    from ..cli.lock import DatabaseTurns
    from ..cli.workdir import pipelines_dir

    plan = plan_run(config, project, sources, tenants)
    plan.make_destination()  # a destination problem is one line, not one per sync
    lanes = app_lanes(plan)
    ensure_limits(lanes)
    home_dir = Path(home or os.environ.get("BOSCO_HOME", ".bosco"))
    with only_worker(plan), pooled(lane_pools(lanes)) as pools:
        database = plan.duckdb_file
        context = RunContext(
            plan=plan, pipelines=pipelines_dir(home_dir, logger.info), lanes=lanes, pools=pools,
            jobs=dict(Counter(job.source for job in plan.jobs)), threads=_task_threads(), full_refresh=full_refresh,
            backfill_start=date.fromisoformat(start_date) if start_date else None,
            load_lock=DatabaseTurns(database) if database is not None else nullcontext(),
        )
        runner = sync_one.with_options(retries=retries, retry_delay_seconds=retry_delay_seconds)
        # `opaque`: Prefect would otherwise walk the whole context (the plan: every job of
        # the run) looking for futures, twice per task: 50 ms a task with 200 jobs, and
        # growing with the jobs, so quadratic over a run.
        futures = [runner.submit(job, opaque(context)) for job in plan.jobs]
        results = [_result_of(job, future) for job, future in zip(plan.jobs, futures)]
        summary = summarise(plan, results, started_at=started_at, seconds=time.monotonic() - started)
        summary["recipes"] = _recipes(plan, results) if recipes else None
        if summary["recipes"]:
            summary["failures"] += summary["recipes"]["failures"]  # the lines `recipes build` prints
    summary["seconds"] = round(time.monotonic() - started, 3)
    summary["exit_code"] = flow_exit_code(summary)
    create_markdown_artifact(summary_markdown(summary), key=SUMMARY_KEY, description="bosco-sync run summary")
    for line in summary["failures"]:
        logger.error(line)
    if summary["exit_code"] not in (0, 5):  # 5: loaded, with accounts the vendor refused (PARTIAL lines)
        raise RunFailed(summary)
    return summary


def _task_threads() -> int:
    """The threads of this flow run's task runner (`run_flow`'s ``workers``, else `TASK_WORKERS`;
    unbounded: as many as there are syncs)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    threads = getattr(getattr(context, "task_runner", None), "_max_workers", None)
    return threads if isinstance(threads, int) and threads > 0 else TASK_WORKERS


def _result_of(job: TenantSource, future: Any) -> SyncResult:
    """The task's `SyncResult`, whether it succeeded, failed, or crashed before reporting."""
    future.wait()
    state = future.state
    if state.is_completed():
        return future.result()
    error = state.result(raise_on_failure=False)
    if isinstance(error, SyncFailed):
        return error.result
    reason = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else (state.message or state.name)
    return SyncResult(job.tenant_id, job.source, ok=False, error=f"the task ended {state.name}: {reason}", exit_code=1)


def _recipes(plan: Plan, results: list[SyncResult]) -> dict[str, Any] | None:
    """Build once every load is done; nothing to build when no sync loaded."""
    if not any(r.ok for r in results):
        return None
    future = build_recipes.submit(plan)
    future.wait()
    state = future.state
    if state.is_completed():
        return future.result()
    error = state.result(raise_on_failure=False)
    if isinstance(error, RecipesFailed):
        return error.outcome
    return {"ok": False, "build_failed": True, "failures": [f"FAILED recipes: {type(error).__name__}: {error}"], "warnings": []}


def flow_exit_code(summary: dict[str, Any]) -> int:
    """`bosco-sync run`'s code for the syncs; if they passed, the recipes' (1 build, 4 tests)."""
    code = exit_code(summary)
    recipes = summary.get("recipes")
    if code in (0, 5) and recipes and not recipes["ok"]:
        return 1 if recipes.get("build_failed") else 4
    return code


def summary_markdown(summary: dict[str, Any]) -> str:
    """The run summary artifact: rows per table, and requests and retries per sync."""
    lines = [
        f"# bosco-sync: {'ok' if summary['exit_code'] == 0 else 'exit ' + str(summary['exit_code'])}",
        f"{len(summary['syncs'])} syncs into {summary['destination']}.{summary['dataset']} in {summary['seconds']:.1f} s",
        "",
        "| tenant | source | ok | rows | requests | retries | seconds | error |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for s in summary["syncs"]:
        error = (s["error"] or "").replace("|", "\\|")
        lines.append(f"| {s['tenant']} | {s['source']} | {'yes' if s['ok'] else 'no'} | {s['total_rows']} | "
                     f"{s['requests']} | {s['retries']} | {s['seconds']:.1f} | {error} |")
    lines += ["", "| table | rows |", "|---|---:|"] + [f"| {t} | {n} |" for t, n in summary["tables"].items()]
    recipes = summary.get("recipes")
    if recipes:
        lines += ["", f"Recipes: {len(recipes.get('built', []))} built, {recipes.get('tests_run', 0)} tests, "
                      f"{len(recipes['failures'])} failures"]
    lines += [""] + [f"    {line}" for line in [*summary["failures"], *summary.get("partial", [])]]
    return "\n".join(lines)


def run_flow(**parameters: Any) -> tuple[dict[str, Any] | None, int, str | None]:
    """Run the flow here; (summary, exit code, error line) as ``bosco-sync run`` reports them.

    A problem found before any sync (configuration, destination, DuckDB taken) has no
    summary: the error line and exit code 2.
    """
    workers = parameters.pop("workers", None)
    runnable = bosco_sync.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers)) if workers else bosco_sync
    state = runnable(**parameters, return_state=True)
    if state.is_completed():
        summary = state.result()
        return summary, summary["exit_code"], None
    error = state.result(raise_on_failure=False)
    if isinstance(error, RunFailed):
        return error.summary, error.summary["exit_code"], None
    if isinstance(error, ConfigError):
        return None, 2, str(error)
    return None, 1, f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(state.message)
