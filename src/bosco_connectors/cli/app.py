"""``bosco-sync``: run syncs from cron, inspect sources and state, build recipes, try the demo.

Made for cron: no prompts, progress on stderr, a summary on stdout (``--json`` for
machines), and exit codes that say what happened:

    0  every sync succeeded
    1  at least one sync failed (one line per failure: tenant, source, stream, reason)
    2  bad usage or configuration (nothing was synced)
    3  another bosco-sync run holds the lock (nothing was synced)
    4  data-quality tests failed (recipes)
    5  every sync loaded, but some skipped an account the vendor refused (one PARTIAL
       line each: tenant, source, stream, the account and why)
  130  interrupted by SIGINT (Ctrl-C) or SIGTERM: no further sync started, and one
       line says which sync was stopped and which never started; the next run
       completes what the stopped one left

Heavy imports (dlt, destinations, sources) happen inside the commands, so that
``bosco-sync --help`` starts fast and imports no vendor SDK or database driver.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any, Optional

import typer

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_LOCKED, EXIT_TESTS = 0, 1, 2, 3, 4
EXIT_PARTIAL = 5
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

app = typer.Typer(
    name="bosco-sync",
    help="Sync marketing sources into DuckDB or Snowflake and build the unified marketing tables.",
    epilog=(
        "Exit codes: 0 every sync succeeded; 1 a sync failed (one line per failure on stderr); "
        "2 bad usage or configuration; 3 another run holds the lock; 4 data-quality tests failed; "
        "5 partial: an account the vendor refused was skipped (one PARTIAL line each), the rest loaded; "
        "130 interrupted by SIGINT/SIGTERM (the next run completes what was stopped)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: a flag shows no `<bool>` type (it takes no value), nothing is cut to a box.
    rich_markup_mode=None,
)
state_app = typer.Typer(help="Inspect or reset saved cursors.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(state_app, name="state")


#: The width of output that is not a terminal (a pipe, a file, cron's mail): wide enough
#: that no table column is ever cut (``facebook…``); tables take only the width they need.
UNBOUNDED_WIDTH = 100_000


def _console(stderr: bool):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else UNBOUNDED_WIDTH
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def _stderr():
    return _console(stderr=True)


def _stdout():
    return _console(stderr=False)


def _setup_logging(verbose: int) -> None:
    from ..framework.redaction import RedactingFilter

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # dlt logs through its own logger; keep it quiet unless asked, and redacted always.
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "DEBUG" if verbose > 1 else "WARNING")
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    for name in ("dlt",):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.propagate = False
        lg.setLevel(logging.DEBUG if verbose > 1 else logging.ERROR)
    # -v is our progress and decisions; the HTTP libraries' own lines (one per request) need -vv.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET if verbose > 1 else logging.WARNING)


def _fail(message: str, code: int = EXIT_CONFIG) -> typer.Exit:
    from rich.markup import escape

    from ..framework.redaction import redact

    # Escaped: messages quote TOML such as "[tenants.sources.<name>]", which is not markup.
    _stderr().print(f"[bold red]error:[/] {escape(redact(message))}", markup=True)
    return typer.Exit(code)


def _state_dir(state_dir: Optional[Path]) -> Path:
    return Path(state_dir or os.environ.get("BOSCO_HOME", ".bosco"))


# -- sources ---------------------------------------------------------------------------


@app.command()
def sources(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
    as_markdown: bool = typer.Option(False, "--markdown", help="Print the catalog as Markdown (docs/sources.md)."),
) -> None:
    """List registered sources and their streams (keys, cursors, look-back), without importing them."""
    from ..catalog import described as catalog, markdown

    described, problems = catalog()
    for problem in problems:
        _stderr().print(f"warning: {problem}", markup=False)
    if as_json or as_markdown:
        typer.echo(markdown(described) if as_markdown else json.dumps(described, indent=2, default=str), nl=not as_markdown)
        raise typer.Exit(EXIT_CONFIG if problems else EXIT_OK)
    from rich.table import Table

    table = Table(title="bosco-connectors sources", show_lines=False)
    for col in ("source", "api", "stream", "primary key", "cursor", "look-back", "window"):
        table.add_column(col)
    for src in described:
        for i, stream in enumerate(src["streams"]):
            table.add_row(
                src["name"] if i == 0 else "",
                src["api_version"] if i == 0 else "",
                stream["name"],
                ", ".join(stream["primary_key"]),
                stream["cursor"] or "full refresh",
                stream["lookback"] or "-",
                stream["window"] or "-",
            )
    _stdout().print(table)
    raise typer.Exit(EXIT_CONFIG if problems else EXIT_OK)


# -- run -------------------------------------------------------------------------------


@app.command()
def run(
    source_names: list[str] = typer.Argument(None, metavar="[SOURCE]...", help="Only these sources (default: all in the config)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Project file (default: ./bosco.toml if present)."),
    tenant: list[str] = typer.Option(None, "--tenant", "-t", help="Only these tenants (repeatable)."),
    destination: Optional[str] = typer.Option(None, "--destination", "-d", help="duckdb (default) or snowflake."),
    duckdb_path: Optional[Path] = typer.Option(None, "--duckdb-path", help="DuckDB file (default: ./bosco.duckdb)."),
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Forget saved cursors and re-read from start_date."),
    start_date: Optional[str] = typer.Option(None, "--start-date", help="Backfill from this date (YYYY-MM-DD); saved cursors are kept."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=32, help="Syncs run at the same time."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    state_dir: Optional[Path] = typer.Option(None, "--state-dir", help="Where pipelines and the lock live (default: ./.bosco)."),
    deadline_minutes: float = typer.Option(
        23 * 60, "--deadline-minutes", min=0.001,
        help="The whole run's deadline: past it no sync starts and running streams fail, so a hung API "
        "never holds the lock into the next day's run (default: 23 hours).",
    ),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="-v info, -vv debug (secrets are always redacted)."),
) -> None:
    """Run syncs (non-interactive; see exit codes in `bosco-sync --help`)."""
    _setup_logging(verbose)
    from .lock import AlreadyRunning, RunLock
    from .runner import plan_jobs, run_jobs

    from ..framework.errors import BoscoError

    backfill = None
    if start_date:
        try:
            backfill = date.fromisoformat(start_date)
        except ValueError:
            raise _fail(f"--start-date must be YYYY-MM-DD, got {start_date!r}")
        from ..framework.connector import not_in_the_future

        try:
            not_in_the_future(backfill, "--start-date")
        except ValueError as exc:
            raise _fail(str(exc))
    home = _state_dir(state_dir)
    try:
        plan = plan_jobs(config, source_names or [], tenant or [], destination, duckdb_path)
        plan.make_destination()  # a destination problem is one line, not one per sync
    except BoscoError as exc:
        raise _fail(str(exc))
    try:
        lock = RunLock(home / "bosco-sync.lock").acquire()
    except AlreadyRunning as exc:
        raise _fail(str(exc), EXIT_LOCKED)
    try:
        if lock.stale_holder:
            _stderr().print(f"note: freed a stale lock left by a run that died ({lock.stale_holder})")
        from ..framework.deadline import set_run_deadline

        set_run_deadline(deadline_minutes)
        summary = run_jobs(plan, home=home, full_refresh=full_refresh, backfill_start=backfill, workers=workers, console=_stderr())
    finally:
        set_run_deadline(None)
        lock.release()
    _print_summary(summary, as_json)
    raise typer.Exit(_exit_code(summary))


def _exit_code(summary: dict[str, Any]) -> int:
    from .runner import exit_code

    return exit_code(summary)


def _print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
    else:
        from .output import render_summary

        render_summary(summary, _stdout())
    err = _stderr()
    for line in [*summary["failures"], *summary.get("partial", [])]:
        err.print(line, markup=False)
    if summary["interrupted"]:
        err.print(summary["interrupted"]["line"], markup=False)


# -- state -----------------------------------------------------------------------------


@state_app.command("show")
def state_show(
    config: Optional[Path] = typer.Option(None, "--config", "-c"),
    tenant: list[str] = typer.Option(None, "--tenant", "-t"),
    source: list[str] = typer.Option(None, "--source", "-s"),
    destination: Optional[str] = typer.Option(None, "--destination", "-d"),
    duckdb_path: Optional[Path] = typer.Option(None, "--duckdb-path"),
    as_json: bool = typer.Option(False, "--json"),
    state_dir: Optional[Path] = typer.Option(None, "--state-dir", hidden=True, help="Not used: cursors are read from the destination."),
    wait: float = typer.Option(60.0, "--wait", min=0, help="Seconds to wait while a run is loading into the DuckDB file."),
) -> None:
    """Show the cursors saved in the destination per tenant, source and stream.

    Read only: a run going on meanwhile is never disturbed. While it is loading into the
    DuckDB file, this waits for the load to end (up to --wait seconds, then exit 3).
    """
    _setup_logging(0)
    from ..framework.errors import BoscoError
    from .runner import plan_jobs, show_state

    def waiting() -> None:
        _stderr().print(f"note: a run is loading into the DuckDB file; waiting for it (up to {wait:.0f}s)", markup=False)

    try:
        plan = _demo_state_plan(config, source or [], tenant or [], destination, duckdb_path) \
            or plan_jobs(config, source or [], tenant or [], destination, duckdb_path)
        rows = show_state(plan, wait=wait, on_wait=waiting)
    except BoscoError as exc:
        raise _fail(str(exc), getattr(exc, "exit_code", EXIT_CONFIG))
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    from rich.table import Table

    table = Table(title="saved cursors")
    for col in ("tenant", "source", "stream", "cursor", "last value", "last synced (UTC)"):
        table.add_column(col)
    for r in rows:
        synced = r["last_synced"] or ("never synced" if r["last_value"] is None else "-")
        value = str(r["last_value"]) if r["last_value"] is not None else ("full refresh" if not r["cursor"] else "-")
        table.add_row(r["tenant"], r["source"], r["stream"], r["cursor"] or "-", value, synced)
    _stdout().print(table)


def _demo_state_plan(config: Optional[Path], sources: list[str], tenants: list[str], destination: Optional[str],
                     duckdb_path: Optional[Path]) -> Any:
    """In a demo's folder with no bosco.toml and no file named: the syncs the demo's database holds
    (said on stderr), so `state show` after `bosco-sync demo` shows them; None otherwise."""
    from ..destinations.duckdb import ENV_PATH
    from ..project import DEFAULT_PROJECT_FILE
    from .demo import demo_database_here, demo_pipelines
    from .runner import Plan, TenantSource

    if config is not None or Path(DEFAULT_PROJECT_FILE).exists() or (destination or "duckdb") != "duckdb" or os.environ.get(ENV_PATH):
        return None
    here = demo_database_here(str(duckdb_path) if duckdb_path else None)
    if here is None:
        return None
    jobs = [TenantSource(t, s, {}, None) for t, s in demo_pipelines(here)
            if (not sources or s in sources) and (not tenants or t in tenants)]
    if not jobs:
        return None
    _stderr().print(f"note: no bosco.toml here; showing the demo's database {here} (--duckdb-path names another)", markup=False)
    return Plan(jobs, "duckdb", {"path": str(here)})


@state_app.command("reset")
def state_reset(
    tenant: str = typer.Option(..., "--tenant", "-t", help="The tenant whose cursors to forget."),
    source: str = typer.Option(..., "--source", "-s", help="The source whose cursors to forget."),
    stream: list[str] = typer.Option(None, "--stream", help="Only these streams (default: all)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c"),
    destination: Optional[str] = typer.Option(None, "--destination", "-d"),
    duckdb_path: Optional[Path] = typer.Option(None, "--duckdb-path"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    state_dir: Optional[Path] = typer.Option(None, "--state-dir"),
) -> None:
    """Forget saved cursors of one tenant's source: the next run re-reads from start_date.

    Loaded rows are kept (they are merged again on their keys); other tenants are untouched.
    """
    _setup_logging(0)
    from ..framework.errors import BoscoError
    from .lock import AlreadyRunning, RunLock
    from .runner import plan_jobs, reset_jobs_state

    home = _state_dir(state_dir)
    try:
        # Names are checked as `run` checks them, before asking and before anything is written.
        plan = plan_jobs(config, [source], [tenant], destination, duckdb_path)
    except BoscoError as exc:
        raise _fail(str(exc))
    if not yes:
        if not sys.stdin.isatty():
            raise _fail("state reset needs --yes when not run from a terminal")
        typer.confirm(f"Forget saved cursors of {tenant}/{source}?", abort=True)
    try:
        with RunLock(home / "bosco-sync.lock"):
            done = reset_jobs_state(plan, home=home, streams=stream or None)
    except AlreadyRunning as exc:
        raise _fail(str(exc), EXIT_LOCKED)
    except BoscoError as exc:
        raise _fail(str(exc))
    _stdout().print(f"reset {tenant}/{source}: " + ("cursors forgotten" if done else "nothing was saved"))


# -- recipes ---------------------------------------------------------------------------

recipes_app = typer.Typer(help="Build and test the unified marketing tables.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(recipes_app, name="recipes")


@recipes_app.command("list")
def recipes_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List recipes, their layer and what they depend on."""
    from .recipes_cmd import list_cmd

    list_cmd(as_json, _stdout())


@recipes_app.command("build")
def recipes_build(
    select: list[str] = typer.Option(None, "--select", help="A model and what depends on it (repeatable)."),
    destination: Optional[str] = typer.Option(None, "--destination", "-d"),
    duckdb_path: Optional[Path] = typer.Option(None, "--duckdb-path"),
    config: Optional[Path] = typer.Option(None, "--config", "-c"),
    skip_tests: bool = typer.Option(False, "--skip-tests", help="Do not run data-quality tests after the build."),
    full_refresh: bool = typer.Option(
        False, "--full-refresh", help="Rebuild incremental tables in full instead of only the dates whose inputs changed."
    ),
    seeds_dir: Optional[Path] = typer.Option(
        None, "--seeds-dir", help="A folder of seed CSVs (e.g. exchange_rates.csv) replacing the shipped ones of the same name."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Build the recipes on the destination, then run their data-quality tests.

    Exit codes: 0 ok, 1 a model failed to build, 2 configuration error, 4 a data-quality test failed.
    """
    _setup_logging(0)
    from .recipes_cmd import build_cmd

    code = build_cmd(
        select or None, destination, duckdb_path, config, not skip_tests, as_json, _stdout(), _stderr(),
        full_refresh=full_refresh, seeds_dir=seeds_dir,
    )
    raise typer.Exit(code)


@recipes_app.command("test")
def recipes_test(
    select: list[str] = typer.Option(None, "--select", help="A model and what depends on it (repeatable)."),
    destination: Optional[str] = typer.Option(None, "--destination", "-d"),
    duckdb_path: Optional[Path] = typer.Option(None, "--duckdb-path"),
    config: Optional[Path] = typer.Option(None, "--config", "-c"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run the data-quality tests declared beside the recipes (exit 4 when one fails)."""
    _setup_logging(0)
    from .recipes_cmd import test_cmd

    raise typer.Exit(test_cmd(select or None, destination, duckdb_path, config, as_json, _stdout(), _stderr()))


# -- Prefect -----------------------------------------------------------------------------

deploy_app = typer.Typer(help="Deploy the syncs to an orchestrator.", no_args_is_help=True)
app.add_typer(deploy_app, name="deploy")
prefect_app = typer.Typer(help="Run the syncs as a Prefect flow (pip install 'bosco-connectors[prefect]').", no_args_is_help=True)
app.add_typer(prefect_app, name="prefect")


@deploy_app.command("prefect")
def deploy_prefect(
    config: Path = typer.Option(Path("bosco.toml"), "--config", "-c", help="Project file; its text is stored in the deployment."),
    cron: Optional[str] = typer.Option(None, "--cron", help='Schedule, e.g. "15 3 * * *" (none: run on demand).'),
    work_pool: str = typer.Option(..., "--work-pool", help="The Prefect work pool whose workers run it."),
    name: str = typer.Option("bosco-sync", "--name", help="Deployment name (created, or updated if it exists)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1, max=64, help="Syncs each flow run runs at once (default 4)."),
) -> None:
    """Create or update a Prefect deployment of the flow (one task per tenant and source)."""
    _setup_logging(0)
    from .prefect_cmd import deploy

    from ..framework.errors import BoscoError

    try:
        deployment_id, note = deploy(config, cron, work_pool, name, workers)
    except BoscoError as exc:
        raise _fail(str(exc))
    _stdout().print(f"deployment bosco-sync/{name} ({deployment_id}) on work pool {work_pool}" + (f", cron {cron}" if cron else ""), markup=False)
    _stderr().print(f"note: {note}", markup=False)


@prefect_app.command("serve")
def prefect_serve(
    config: Path = typer.Option(Path("bosco.toml"), "--config", "-c", help="Project file (read again at each run)."),
    cron: Optional[str] = typer.Option(None, "--cron", help='Schedule, e.g. "15 3 * * *".'),
    name: str = typer.Option("bosco-sync", "--name", help="Deployment name."),
) -> None:
    """Serve the flow from this machine (no work pool needed); runs until stopped."""
    _setup_logging(0)
    from .prefect_cmd import serve

    from ..framework.errors import BoscoError

    try:
        serve(config, cron, name)
    except BoscoError as exc:
        raise _fail(str(exc))


@prefect_app.command("run")
def prefect_run(
    config: Path = typer.Option(Path("bosco.toml"), "--config", "-c", help="Project file."),
    tenant: list[str] = typer.Option(None, "--tenant", "-t", help="Only these tenants (repeatable)."),
    source: list[str] = typer.Option(None, "--source", "-s", help="Only these sources (repeatable)."),
    workers: int = typer.Option(4, "--workers", "-w", min=1, max=64, help="Syncs run at the same time."),
    no_recipes: bool = typer.Option(False, "--no-recipes", help="Do not build the recipes after the loads."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Run the flow once here (on PREFECT_API_URL, or a temporary local server); exit codes as `run`."""
    _setup_logging(0)
    from .prefect_cmd import checked_project

    from ..framework.errors import BoscoError

    try:
        checked_project(config)
        from ..orchestration.prefect import run_flow

        summary, code, error = run_flow(config=str(config), tenants=tenant or None, sources=source or None,
                                        workers=workers, recipes=not no_recipes)
    except BoscoError as exc:
        raise _fail(str(exc))
    if summary is None:
        raise _fail(error or "the flow failed", code)
    _print_summary(summary, as_json)
    raise typer.Exit(code)


# -- demo and scaffolding --------------------------------------------------------------


@app.command()
def demo(
    duckdb_path: Path = typer.Option(
        Path("bosco_demo.duckdb"), "--duckdb-path",  # demo.DEFAULT_FILE
        help="Where the demo database goes: a new file, or an earlier demo's database (anything else is refused).",
    ),
    size: str = typer.Option("small", "--size", help="Fake data size: tiny, small, medium, large."),
    seed: int = typer.Option(7, "--seed", help="Fake data seed."),
    sources: Optional[str] = typer.Option(
        None, "--sources", help="Comma-separated sources to include, or 'all' (default: Google, Meta, TikTok, GA4, Shopify).",
    ),
    as_json: bool = typer.Option(False, "--json"),
    state_dir: Optional[Path] = typer.Option(None, "--state-dir"),
) -> None:
    """Start the local fake APIs, sync sources into DuckDB, build the recipes, print a summary.

    The demo writes only to a database it made: an existing --duckdb-path that is not an
    earlier demo's database is refused (exit 2) and left untouched.
    """
    _setup_logging(0)
    from .demo import run_demo

    raise typer.Exit(run_demo(duckdb_path, size, seed, as_json, _state_dir(state_dir) / "demo", _stdout(), _stderr(), sources=sources))


@app.command()
def query(
    sql: str = typer.Argument(..., metavar="SQL", help='One query, e.g. "select * from analytics.daily_campaign_summary limit 10".'),
    destination: Optional[str] = typer.Option(None, "--destination", "-d"),
    duckdb_path: Optional[Path] = typer.Option(None, "--duckdb-path", help="DuckDB file (default: as `run`, else the demo's database here)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c"),
    max_rows: int = typer.Option(1000, "--max-rows", min=1, help="Print at most this many rows."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as a JSON list of objects."),
    wait: float = typer.Option(60.0, "--wait", min=0, help="Seconds to wait while a run is loading into the DuckDB file."),
) -> None:
    """Run one SQL query on the destination (DuckDB read only) and print the rows as a table.

    Exit codes: 0 ok, 1 the database refused the query, 2 configuration error, 3 a load kept the file busy.
    """
    _setup_logging(0)
    from .query_cmd import run_query

    raise typer.Exit(run_query(sql, destination=destination, duckdb_path=duckdb_path, config=config, max_rows=max_rows,
                               as_json=as_json, wait=wait, out=_stdout(), err=_stderr()))


@app.command()
def sandbox(
    source_names: list[str] = typer.Argument(None, metavar="[SOURCE]...", help="Only these sources (default: every source with a fake API)."),
    port: int = typer.Option(8765, "--port", "-p", min=0, max=65535, help="Local port to serve on (0: any free port)."),
    size: str = typer.Option("small", "--size", help="Fake data size: tiny, small, medium, large."),
    seed: int = typer.Option(7, "--seed", help="Fake data seed (the same seed serves the same accounts and numbers)."),
    as_json: bool = typer.Option(False, "--json", help="Print the sources' options as one JSON line instead of a bosco.toml."),
) -> None:
    """Serve the fake vendor APIs on 127.0.0.1 until Ctrl-C; print each source's base_url and demo credentials.

    What is printed is a bosco.toml for `bosco-sync run --config`, and the options to pass to
    `<source>.source(...)` in Python (see the README's example).
    """
    _setup_logging(0)
    from .sandbox_cmd import run_sandbox

    raise typer.Exit(run_sandbox(source_names or [], port=port, seed=seed, size=size, as_json=as_json, out=_stdout(), err=_stderr()))


@app.command("new-source")
def new_source(
    name: str = typer.Argument(..., help="lower_snake_case name of the new source, e.g. pinterest_ads."),
    package: Optional[Path] = typer.Option(
        None, "--package", help="Create a standalone plugin package in this folder instead of inside this repository."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
) -> None:
    """Scaffold a declared source and its documented fixtures; its conformance kit passes as generated."""
    from ..framework.errors import BoscoError
    from .scaffold import next_steps, scaffold

    try:
        written = scaffold(name, package, force=force)
    except BoscoError as exc:
        raise _fail(str(exc))
    out = _stdout()
    for item in written:
        out.print(f"{item.action} {_shown(item.path)}", markup=False)
    out.print("next steps:", markup=False)
    for number, step in enumerate(next_steps(name, package), 1):
        out.print(f"  {number}. {step}", markup=False)


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is under it (shorter to read)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
