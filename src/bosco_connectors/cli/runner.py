"""Plan the syncs a command asked for, run them (concurrently, bounded), and summarise."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ..destinations import checked_dataset
from ..framework.errors import ConfigError
from ..framework.tenants import check_tenant_id
from ..project import DEFAULT_PROJECT_FILE, Project, TenantSource, load_project, resolve_config
from ..sync import DEFAULT_DATASET, SyncJob, SyncResult, make_pipeline, read_state, reset_state, run_sync

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


def plan_jobs(
    config_path: Path | None,
    sources: list[str],
    tenants: list[str],
    destination: str | None,
    duckdb_path: Path | None,
    *,
    allow_unconfigured: bool = False,
) -> Plan:
    """Decide which (tenant, source) pairs to run and where to load them."""
    for tenant in tenants:
        check_tenant_id(tenant, where="--tenant")
    project = None
    if config_path is not None or Path(DEFAULT_PROJECT_FILE).exists():
        project = load_project(config_path or DEFAULT_PROJECT_FILE)
    if project is not None:
        jobs = project.jobs
        configured_sources = {j.source for j in jobs}
        missing = [s for s in sources if s not in configured_sources]
        if missing and not allow_unconfigured:
            raise ConfigError(f"source(s) {', '.join(missing)} not configured in {project.path} (configured: {', '.join(sorted(configured_sources))})")
        missing_t = [t for t in tenants if t not in project.tenants()]
        if missing_t and not allow_unconfigured:
            raise ConfigError(f"tenant(s) {', '.join(missing_t)} not in {project.path} (tenants: {', '.join(project.tenants())})")
        jobs = [j for j in jobs if (not sources or j.source in sources) and (not tenants or j.tenant_id in tenants)]
        if allow_unconfigured and not jobs:
            jobs = [TenantSource(t, s, {}) for t in (tenants or ["default"]) for s in sources]
        dest_cfg = dict(project.destination)
    else:
        if not sources:
            raise ConfigError(
                f"nothing to run: name the source(s) to sync, or write a {DEFAULT_PROJECT_FILE} "
                "listing tenants and their sources (see README, 'Running from cron')"
            )
        jobs = [TenantSource(t, s, {}, None) for t in (tenants or ["default"]) for s in sources]
        dest_cfg = {}
    name = (destination or dest_cfg.pop("name", None) or "duckdb").lower()
    dest_cfg.pop("name", None)
    if name not in DESTINATIONS:
        raise ConfigError(f"unknown destination '{name}' (choose {' or '.join(DESTINATIONS)})")
    dataset = checked_dataset(dest_cfg.pop("dataset", DEFAULT_DATASET), f"{project.path}: " if project else "")
    if name == "duckdb" and duckdb_path is not None:
        dest_cfg["path"] = str(duckdb_path)
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
    """Run every planned job and return the summary (also what ``--json`` prints)."""
    started_at = datetime.now(timezone.utc)
    started = time.monotonic()
    load_lock = threading.Lock() if plan.destination == "duckdb" else None
    pipelines_dir = home / "pipelines"
    print_lock = threading.Lock()

    def say(message: str) -> None:
        if console is not None:
            with print_lock:
                console.print(message, markup=False)

    def one(job: TenantSource) -> SyncResult:
        say(f"-> {job.tenant_id}/{job.source}: starting")
        try:
            config = _job_config(job, plan)
            destination = plan.make_destination(query_tag=_query_tag(job)) if plan.destination == "snowflake" else plan.make_destination()
        except ConfigError as exc:
            result = SyncResult(job.tenant_id, job.source, ok=False, error=str(exc), exit_code=2)
        else:
            result = run_sync(
                SyncJob(job.tenant_id, job.source, config, job.streams),
                destination=destination,
                pipelines_dir=pipelines_dir,
                dataset=plan.dataset,
                full_refresh=full_refresh,
                backfill_start=backfill_start,
                load_lock=load_lock,
                on_event=lambda m: say(f"   {m}"),
            )
        if result.ok:
            say(f"ok {job.tenant_id}/{job.source}: {sum(result.rows.values())} rows in {result.seconds:.1f}s")
        else:
            say(f"!! {job.tenant_id}/{job.source}: failed")
        return result

    if workers <= 1 or len(plan.jobs) <= 1:
        results = [one(job) for job in plan.jobs]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bosco-sync") as pool:
            results = list(pool.map(one, plan.jobs))
    tables: dict[str, int] = {}
    for r in results:
        for table, n in r.rows.items():
            tables[table] = tables.get(table, 0) + n
    return {
        "ok": all(r.ok for r in results),
        "started_at": started_at.isoformat(),
        "seconds": round(time.monotonic() - started, 3),
        "destination": plan.destination,
        "dataset": plan.dataset,
        "syncs": [dict(r.as_dict(), exit_code=r.exit_code) for r in results],
        "tables": dict(sorted(tables.items())),
        "failures": [r.failure_line for r in results if not r.ok],
    }


def _query_tag(job: TenantSource) -> str:
    return f'{{"app":"bosco-sync","tenant":"{job.tenant_id}","source":"{job.source}"}}'


def show_state(plan: Plan, *, home: Path) -> list[dict[str, Any]]:
    from ..framework.registry import get_connector
    from ..framework.spec import Cursor

    rows = []
    for job in plan.jobs:
        connector = get_connector(job.source)
        pipeline = make_pipeline(job.tenant_id, job.source, plan.make_destination(), pipelines_dir=home / "pipelines", dataset=plan.dataset)
        saved = read_state(pipeline, job.source)
        for stream in connector.streams:
            cursor = stream.cursor.field if isinstance(stream.cursor, Cursor) else None
            value = saved.get(stream.name, {}).get(cursor, {}).get("last_value") if cursor else None
            rows.append({"tenant": job.tenant_id, "source": job.source, "stream": stream.name, "cursor": cursor, "last_value": value})
    return rows


def reset_jobs_state(plan: Plan, *, home: Path, streams: list[str] | None) -> bool:
    from ..framework.registry import get_connector

    done = False
    for job in plan.jobs:
        connector = get_connector(job.source)
        for s in streams or []:
            connector.stream(s)  # unknown stream -> ConfigError
        pipeline = make_pipeline(job.tenant_id, job.source, plan.make_destination(), pipelines_dir=home / "pipelines", dataset=plan.dataset)
        done = reset_state(pipeline, job.source, streams) or done
    return done
