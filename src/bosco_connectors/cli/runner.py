"""Plan the syncs a command asked for, run them (concurrently, bounded), and summarise;
show and reset the cursors they saved."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..destinations import checked_dataset
from ..framework import interrupt
from ..framework.deadline import DeadlineExceeded, check_run_deadline
from ..framework.errors import BoscoError, ConfigError, cause_chain
from ..framework.tenants import check_tenant_id
from ..project import DEFAULT_PROJECT_FILE, Project, TenantSource, load_project, resolve_config
from ..sync import DEFAULT_DATASET, SyncJob, SyncResult, make_pipeline, reset_state, run_sync, stored_cursors
from .lock import DatabaseTurns
from .progress_lines import ProgressLines
from .signals import StopOnSignal
from .workdir import pipelines_dir

DESTINATIONS = ("duckdb", "snowflake")


@dataclass
class Plan:
    jobs: list[TenantSource]
    destination: str
    destination_options: dict[str, Any] = field(default_factory=dict)
    dataset: str = DEFAULT_DATASET
    project: Project | None = None
    #: Job configs are final (the demo builds them); no references to resolve.
    preresolved: bool = False

    def make_destination(self, **extra: Any) -> Any:
        from ..destinations import get_destination

        return get_destination(self.destination, **{**self.destination_options, **extra})

    @property
    def duckdb_file(self) -> Path | None:
        """The DuckDB file loaded into (None for other destinations)."""
        if self.destination != "duckdb":
            return None
        from ..destinations.duckdb import duckdb_path

        return duckdb_path(self.destination_options.get("path"))


def plan_jobs(
    config_path: Path | None,
    sources: list[str],
    tenants: list[str],
    destination: str | None,
    duckdb_path: Path | None,
    *,
    project: Project | None = None,
) -> Plan:
    """Decide which (tenant, source) pairs to run and where to load them.

    `project` is an already parsed project file (a deployment carries its text), used
    instead of reading `config_path`.

    A source or tenant the project does not know (or, without a project, a source that
    is not registered) is a `ConfigError` listing the known names, before anything is
    read or written.
    """
    for tenant in tenants:
        check_tenant_id(tenant, where="--tenant")
    if project is None and (config_path is not None or Path(DEFAULT_PROJECT_FILE).exists()):
        project = load_project(config_path or DEFAULT_PROJECT_FILE)
    if project is not None:
        jobs = project.jobs
        configured_sources = {j.source for j in jobs}
        missing = [s for s in sources if s not in configured_sources]
        if missing:
            raise ConfigError(f"source(s) {', '.join(missing)} not configured in {project.path} (configured: {', '.join(sorted(configured_sources))})")
        missing_t = [t for t in tenants if t not in project.tenants()]
        if missing_t:
            raise ConfigError(f"tenant(s) {', '.join(missing_t)} not in {project.path} (tenants: {', '.join(project.tenants())})")
        jobs = [j for j in jobs if (not sources or j.source in sources) and (not tenants or j.tenant_id in tenants)]
        if not jobs:
            raise ConfigError(
                f"tenant(s) {', '.join(tenants)} have no source {', '.join(sources)} in {project.path} "
                f"(their sources: {', '.join(sorted({j.source for j in project.jobs if j.tenant_id in tenants}))})"
            )
        dest_cfg = dict(project.destination)
    else:
        if not sources:
            raise ConfigError(
                f"nothing to run: name the source(s) to sync, or write a {DEFAULT_PROJECT_FILE} "
                "listing tenants and their sources (see README, 'Running from cron')"
            )
        from ..framework.registry import source_names

        for name in sources:
            if name not in source_names():
                raise ConfigError(f"unknown source '{name}' (registered: {', '.join(source_names()) or 'none'})")
        jobs = [TenantSource(t, s, {}, None) for t in (tenants or ["default"]) for s in sources]
        dest_cfg = {}
    name = (destination or dest_cfg.pop("name", None) or "duckdb").lower()
    dest_cfg.pop("name", None)
    if name not in DESTINATIONS:
        raise ConfigError(f"unknown destination '{name}' (choose {' or '.join(DESTINATIONS)})")
    dataset = checked_dataset(dest_cfg.pop("dataset", DEFAULT_DATASET), f"{project.path}: " if project else "")
    if name == "duckdb":
        # One precedence for the file, as most CLIs have it: the flag, then the environment, then bosco.toml.
        from ..destinations.duckdb import ENV_PATH

        chosen = duckdb_path or os.environ.get(ENV_PATH) or dest_cfg.get("path")
        if chosen:
            dest_cfg["path"] = str(chosen)
    if name != "duckdb":
        dest_cfg.pop("path", None)
    return Plan(jobs, name, dest_cfg, dataset, project)


def _job_config(job: TenantSource, plan: Plan) -> dict[str, Any]:
    """Resolve credential references, or read `sources.<name>.*` from dlt config/secrets."""
    where = f"tenant {job.tenant_id} source {job.source}"
    if plan.preresolved:
        return dict(job.config)
    if plan.project is not None:
        return resolve_config(job.config, where=where)
    import dlt

    from ..framework.registry import get_connector

    connector = get_connector(job.source)
    config: dict[str, Any] = {}
    for field_name in connector.config_model.model_fields:
        key = f"sources.{job.source}.{field_name}"
        value = dlt.secrets.get(key)
        if value is None:
            value = dlt.config.get(key)
        if value is not None:
            config[field_name] = value
    return config


def run_jobs(
    plan: Plan,
    *,
    home: Path,
    full_refresh: bool = False,
    backfill_start: date | None = None,
    workers: int = 1,
    console: Any = None,
) -> dict[str, Any]:
    """Run every planned job and return the summary (also what ``--json`` prints).

    SIGINT and SIGTERM stop the run (cli/signals.py): the summary then has an
    ``interrupted`` entry naming the sync that was stopped and those never started.
    """
    started_at = datetime.now(timezone.utc)
    started = time.monotonic()
    print_lock = threading.Lock()

    def say(message: str) -> None:
        if console is not None:
            with print_lock:
                console.print(message, markup=False)

    pipelines = pipelines_dir(home, say)
    sequential = workers <= 1 or len(plan.jobs) <= 1
    stopper = StopOnSignal(raise_now=sequential)
    database = plan.duckdb_file
    turns = DatabaseTurns(database) if database is not None else None

    begun: set[int] = set()

    def one(index: int, job: TenantSource) -> SyncResult:
        begun.add(index)
        return run_planned(
            job, plan, pipelines=pipelines, full_refresh=full_refresh, backfill_start=backfill_start,
            load_lock=_WriteTurn(stopper, turns), say=say,
        )

    outcomes: dict[int, SyncResult] = {}
    with stopper, ProgressLines(console, say):
        if sequential:
            try:
                for index, job in enumerate(plan.jobs):
                    interrupt.check()
                    outcomes[index] = one(index, job)
            except interrupt.Interrupted:
                pass
        else:
            def guarded(index: int, job: TenantSource) -> None:
                if interrupt.stop_requested():
                    return
                try:
                    outcomes[index] = one(index, job)
                except interrupt.Interrupted:
                    pass

            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bosco-sync") as pool:
                list(pool.map(guarded, range(len(plan.jobs)), plan.jobs))
        signum = interrupt.stop_requested()
    for index in begun - set(outcomes):  # stopped on the main thread outside run_sync
        job = plan.jobs[index]
        outcomes[index] = SyncResult(job.tenant_id, job.source, ok=False, error="interrupted", interrupted=True)
    results = [outcomes[i] for i in sorted(outcomes)]
    stopped = [plan.jobs[i] for i in sorted(outcomes) if outcomes[i].interrupted]
    not_started = [job for i, job in enumerate(plan.jobs) if i not in begun]
    return summarise(
        plan, results, started_at=started_at, seconds=time.monotonic() - started,
        interrupted=_interruption(signum, stopped, not_started) if signum else None,
    )


def summarise(plan: Plan, results: list[SyncResult], *, started_at: datetime, seconds: float,
              interrupted: dict[str, Any] | None = None) -> dict[str, Any]:
    """A run's summary (what ``--json`` prints), from its syncs' results in plan order.

    One shape for every way the syncs ran (the CLI's threads, the Prefect flow's tasks),
    so `exit_code` and the rendering serve both.
    """
    tables: dict[str, int] = {}
    for r in results:
        for table, n in r.rows.items():
            tables[table] = tables.get(table, 0) + n
    return {
        "ok": all(r.ok for r in results) and not interrupted,
        "started_at": started_at.isoformat(),
        "seconds": round(seconds, 3),
        "destination": plan.destination,
        "dataset": plan.dataset,
        "syncs": [dict(r.as_dict(), exit_code=r.exit_code) for r in results],
        "tables": dict(sorted(tables.items())),
        "failures": [r.failure_line for r in results if not r.ok and not r.interrupted],
        #: Syncs that loaded, but without some partitions the vendor refused (exit code 5).
        "partial": [line for r in results if r.ok for line in r.partial_lines],
        "interrupted": interrupted,
    }


#: Exit codes a run's summary maps to (documented in `bosco-sync --help`).
EXIT_OK, EXIT_FAILED, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 5, 130


def exit_code(summary: dict[str, Any]) -> int:
    """The process exit code a run's summary means (the highest of its failures' codes)."""
    if summary["interrupted"]:
        return EXIT_INTERRUPTED
    if summary["ok"]:
        return EXIT_PARTIAL if summary.get("partial") else EXIT_OK
    return max((f["exit_code"] for f in summary["syncs"] if not f["ok"]), default=EXIT_FAILED) or EXIT_FAILED


def run_planned(
    job: TenantSource,
    plan: Plan,
    *,
    pipelines: Path,
    full_refresh: bool = False,
    backfill_start: date | None = None,
    load_lock: Any = None,
    extract_turn: Callable[[Any], Any] | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> SyncResult:
    """One planned sync: its credentials resolved, its destination made, then `run_sync`.

    A credential that cannot be resolved is a failed result with exit code 2, never an
    exception, so every runner (the CLI's threads, the Prefect flow's tasks) reports it alike.
    """
    say(f"-> {job.tenant_id}/{job.source}: starting")
    try:
        check_run_deadline()  # past the run's deadline, no further sync starts
        config = _job_config(job, plan)
        destination = plan.make_destination(query_tag=_query_tag(job)) if plan.destination == "snowflake" else plan.make_destination()
    except DeadlineExceeded as exc:
        result = SyncResult(job.tenant_id, job.source, ok=False, error=f"not started: {exc.reason}", exit_code=1)
    except ConfigError as exc:
        result = SyncResult(job.tenant_id, job.source, ok=False, error=str(exc), exit_code=2, error_type=ConfigError)
    else:
        result = run_sync(
            SyncJob(job.tenant_id, job.source, config, job.streams),
            destination=destination,
            pipelines_dir=pipelines,
            dataset=plan.dataset,
            full_refresh=full_refresh,
            backfill_start=backfill_start,
            load_lock=load_lock,
            on_event=lambda m: say(f"   {m}"),
            extract_turn=extract_turn,
        )
    if result.ok:
        say(f"ok {job.tenant_id}/{job.source}: {sum(result.rows.values())} rows in {result.seconds:.1f}s")
    elif not result.interrupted:
        say(f"!! {job.tenant_id}/{job.source}: failed")
    return result


class _WriteTurn:
    """Held by one sync around each step that writes: DuckDB's one writer, no stop half-way."""

    def __init__(self, stopper: StopOnSignal, turns: DatabaseTurns | None) -> None:
        self.stopper = stopper
        self.turns = turns
        self._held: ExitStack | None = None

    def __enter__(self) -> None:
        with ExitStack() as stack:
            stack.enter_context(self.stopper.shielded())
            if self.turns is not None:
                stack.enter_context(self.turns)
            self._held = stack.pop_all()

    def __exit__(self, *exc: object) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.close()


def _interruption(signum: int, stopped: list[TenantSource], not_started: list[TenantSource]) -> dict[str, Any]:
    """What a stopped run says about itself: the `interrupted ...` line and its parts."""
    names = lambda jobs: [f"{j.tenant_id}/{j.source}" for j in jobs]  # noqa: E731
    parts = []
    if stopped:
        parts.append(f"stopped {', '.join(names(stopped))} (the next run completes it)")
    if not_started:
        parts.append(f"not started: {', '.join(names(not_started))}")
    line = f"interrupted by {interrupt.signal_name(signum)}: " + ("; ".join(parts) or "every sync had finished")
    return {"signal": interrupt.signal_name(signum), "stopped": names(stopped), "not_started": names(not_started), "line": line}


def _query_tag(job: TenantSource) -> str:
    return f'{{"app":"bosco-sync","tenant":"{job.tenant_id}","source":"{job.source}"}}'


def show_state(plan: Plan, *, wait: float = 60.0, on_wait: Callable[[], None] = lambda: None) -> list[dict[str, Any]]:
    """Saved cursors per tenant, source and stream, read from the destination, read only.

    Nothing is written, locally or in the destination, so a run going on meanwhile is not
    disturbed. A DuckDB file is read between a run's loads (`DatabaseTurns`): if a run is
    loading, `on_wait` is called and the read waits up to `wait` seconds.
    """
    from ..framework.registry import get_connector
    from ..framework.resources import READ_AT
    from ..framework.spec import Cursor

    database = plan.duckdb_file
    rows = []
    for job in plan.jobs:
        connector = get_connector(job.source)
        if database is None:
            saved = stored_cursors(plan.make_destination(), job.tenant_id, job.source, dataset=plan.dataset)
        elif not database.exists():
            saved = {}  # never loaded; reading must not create the file
        else:
            saved = _read_duckdb(plan, job, database, wait, on_wait)
        for stream in connector.streams:
            cursor = stream.cursor.field if isinstance(stream.cursor, Cursor) else None
            value = saved.get(stream.name, {}).get(cursor, {}).get("last_value") if cursor else None
            rows.append({"tenant": job.tenant_id, "source": job.source, "stream": stream.name, "cursor": cursor, "last_value": value,
                         "last_synced": saved.get(stream.name, {}).get(READ_AT)})
    return rows


def _read_duckdb(plan: Plan, job: TenantSource, database: Path, wait: float, on_wait: Callable[[], None]) -> dict[str, Any]:
    """Read one pipeline's cursors in a reader's turn, retrying while another program writes the file.

    A writer that is not a bosco-sync run (a recipes build, a DuckDB shell) does not take
    turns; DuckDB then refuses the read-only connection, which is retried until `wait`.
    """
    from .lock import DatabaseBusy

    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            with DatabaseTurns(database).reading(wait=max(0.0, deadline - time.monotonic()), on_wait=on_wait):
                return stored_cursors(plan.make_destination(read_only=True), job.tenant_id, job.source, dataset=plan.dataset)
        except DatabaseBusy as exc:
            raise Busy(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - DuckDB's errors come wrapped by dlt
            if "Could not set lock" not in _messages(exc):
                raise BoscoError(f"cannot read the saved cursors in {database}: {_innermost(exc)}") from None
            if time.monotonic() >= deadline:
                raise Busy(f"{database} is being written by another program; try again when it is done") from None
            if not told:
                on_wait()
                told = True
            time.sleep(0.1)


class Busy(BoscoError):
    """The destination stayed busy for longer than a read-only command waits."""

    exit_code = 3


def _messages(exc: BaseException) -> str:
    return " ".join(str(e) for e in cause_chain(exc))


def _innermost(exc: BaseException) -> str:
    """The root cause in one line (dlt's wrappers add paragraphs of advice around it)."""
    from ..framework.redaction import redact

    root = cause_chain(exc)[-1]
    text = str(root).strip().splitlines()[0] if str(root).strip() else ""
    return redact(f"{type(root).__name__}: {text}".rstrip(": "))


def reset_jobs_state(plan: Plan, *, home: Path, streams: list[str] | None) -> bool:
    """Forget the saved cursors of the planned jobs (the caller holds the run lock).

    It writes to the destination, so it takes a writer's turn at a DuckDB file, as a
    run's load does: a `state show` reading meanwhile is waited for, not broken.
    """
    from ..framework.registry import get_connector

    for job in plan.jobs:
        connector = get_connector(job.source)
        for s in streams or []:
            connector.stream(s)  # unknown stream -> ConfigError, before anything is written
    database = plan.duckdb_file
    done = False
    with DatabaseTurns(database) if database is not None else nullcontext():
        for job in plan.jobs:
            pipeline = make_pipeline(job.tenant_id, job.source, plan.make_destination(), pipelines_dir=pipelines_dir(home), dataset=plan.dataset)
            done = reset_state(pipeline, job.source, streams) or done
    return done
