"""``bosco-sync deploy prefect``, ``bosco-sync prefect serve|run``: the flow of
`orchestration.prefect` on a work pool, on this machine, or once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..framework.errors import BoscoError, ConfigError

DEFAULT_DEPLOYMENT = "bosco-sync"


def _flow_module() -> Any:
    try:
        from ..orchestration import prefect as module
    except ImportError as exc:
        raise ConfigError(str(exc)) from None
    return module


def checked_project(config: Path) -> tuple[str, Any]:
    """The project file's text and plan, checked as `bosco-sync run` checks it."""
    from ..project import parse_project

    module = _flow_module()
    if not config.is_file():
        raise ConfigError(f"config file {config} does not exist")
    text = config.read_text()
    parse_project(text, config)
    plan = module.plan_run(str(config), None, None, None)
    return text, plan


def deploy(config: Path, cron: str | None, work_pool: str, name: str, workers: int | None) -> tuple[Any, str]:
    """Create or update the deployment; returns its id and a note for the operator.

    The deployment carries the project file's text (references to secrets, never their
    values), so a worker anywhere runs it without the file; run this again after
    editing bosco.toml. The flow is imported by module path, so workers need
    ``bosco-connectors[prefect]`` installed, nothing else.
    """
    from prefect.deployments.runner import EntrypointType, RunnerDeployment

    module = _flow_module()
    text, plan = checked_project(config)
    one_writer = plan.destination == "duckdb"
    deployment = RunnerDeployment.from_flow(
        module.bosco_sync, name=name, cron=cron, parameters={"project": text},
        entrypoint_type=EntrypointType.MODULE_PATH, work_pool_name=work_pool,
        # DuckDB has one writer: Prefect queues a second run instead of starting it.
        concurrency_limit=1 if one_writer else None,
        job_variables={"env": {"BOSCO_PREFECT_TASK_WORKERS": str(workers)}} if workers else None,
        description=f"bosco-sync of {config.name}: {len(plan.jobs)} syncs into {plan.destination}",
    )
    deployment_id = deployment.apply(work_pool_name=work_pool)
    note = (
        "DuckDB has one writer: the deployment runs one flow at a time; use one worker, or Snowflake to run several"
        if one_writer else f"{len(plan.jobs)} syncs; vendor limits are shared by every worker of pool {work_pool}"
    )
    return deployment_id, note


def serve_arguments(config: Path, cron: str | None, name: str) -> dict[str, Any]:
    """`Flow.serve`'s arguments: the path, so edits to bosco.toml apply to the next run."""
    checked_project(config)
    return {"name": name, "cron": cron, "parameters": {"config": str(config.resolve())}}


def serve(config: Path, cron: str | None, name: str) -> None:
    _flow_module().bosco_sync.serve(**serve_arguments(config, cron, name))


__all__ = ["BoscoError", "DEFAULT_DEPLOYMENT", "checked_project", "deploy", "serve", "serve_arguments"]
