"""``bosco-sync demo``: the whole product in one command, with no credentials.

Starts the local fake APIs of every source that has one, syncs them as tenant
``demo`` into a fresh DuckDB file, builds the recipes and prints what came out.
A source whose extra is not installed is skipped, with the line that installs it;
the others run and the recipes are built from what they loaded.

The demo writes only to a file it created itself: a new database carries the table
``main._bosco_demo``, and an existing path is replaced only if it holds that table.
Anything else at the path (a user's database, a text file) is refused, untouched.
Its pipeline state lives in a scratch folder that is removed afterwards.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from ..project import TenantSource

#: The table that marks a database as the demo's own.
MARKER = "_bosco_demo"
#: Where the demo writes unless --duckdb-path says otherwise; the commands that read a
#: database find it there when no other file is named (`demo_database_here`).
DEFAULT_FILE = "bosco_demo.duckdb"


#: What ``bosco-sync demo`` syncs unless ``--sources`` says otherwise: three ad platforms,
#: web analytics and a store, enough for every unified table in a few seconds.
DEFAULT_SOURCES = ("facebook_ads", "ga4", "google_ads", "shopify", "tiktok_ads")


def chosen_sources(names: str | None) -> list[Any]:
    """The connectors ``--sources`` names (``all``: every source with a fake API), or the default five."""
    from ..framework.errors import ConfigError
    from ..framework.registry import all_connectors, get_connector

    if names and names.strip().lower() == "all":
        return [c for c in all_connectors() if c.sandbox]
    wanted = [n.strip() for n in names.split(",") if n.strip()] if names else list(DEFAULT_SOURCES)
    connectors = [get_connector(n) for n in wanted]
    without = [c.name for c in connectors if not c.sandbox]
    if without:
        raise ConfigError(f"no fake API for {', '.join(without)}: the demo cannot serve it")
    return connectors


def runnable(connectors: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """The connectors whose extras are installed, and why each other one is skipped (one line each)."""
    from ..framework.extras import MissingExtra, missing_extras

    skipped = {c.name: str(MissingExtra(c.name, missing_extras(c)[0])) for c in connectors if missing_extras(c)}
    return [c for c in connectors if c.name not in skipped], skipped


def run_demo(duckdb_path: Path, size: str, seed: int, as_json: bool, home: Path, out: Any, err: Any,
             sources: str | None = None) -> int:
    from ..framework.errors import ConfigError
    from ..sandbox import sandbox_config, serve
    from ..sandbox.world import SIZES
    from .recipes_cmd import build_and_test
    from .runner import Plan, run_jobs

    if size not in SIZES:
        err.print(f"error: --size must be one of {', '.join(SIZES)}", markup=False)
        return 2
    problem = claim_database(duckdb_path)
    if problem:
        err.print(f"error: {problem}", markup=False)
        return 2

    try:
        connectors, skipped = runnable(chosen_sources(sources))
    except ConfigError as exc:
        err.print(f"error: {exc}", markup=False)
        return 2
    for line in skipped.values():
        err.print(f"skipped {line}", markup=False)
    api = serve(connectors, seed=seed, size=size)
    home.mkdir(parents=True, exist_ok=True)
    try:
        # A demo always starts clean: stale local state would otherwise skip the history.
        with tempfile.TemporaryDirectory(prefix="demo-", dir=home) as scratch:
            err.print(f"fake APIs for {', '.join(c.name for c in connectors) or 'no source'} on {api.url('')}")
            jobs = [TenantSource("demo", c.name, sandbox_config(api, c)) for c in connectors]
            plan = Plan(jobs, "duckdb", {"path": str(duckdb_path)}, preresolved=True)
            summary = run_jobs(plan, home=Path(scratch), workers=1, console=err)
    finally:
        api.stop()
    if summary["interrupted"]:
        err.print(summary["interrupted"]["line"], markup=False)
        return 130
    if not summary["ok"]:
        for line in summary["failures"]:
            err.print(line, markup=False)
        return 1
    err.print("building recipes")
    build = build_and_test(plan, select=None, run_tests=True)
    preview = _preview(duckdb_path)
    if as_json:
        print(json.dumps({"sync": summary, "skipped": skipped, "recipes": build, "daily_campaign_summary": preview},
                         indent=2, default=str))
    else:
        from .output import render_summary

        render_summary(summary, out)
        _render_build(build, out)
        _render_preview(preview, out)
        out.print(f"\nDuckDB file: {duckdb_path.resolve()}\nnext:", markup=False)
        for command in next_commands(duckdb_path):
            out.print(f"  {command}", markup=False)
    for failure in build.get("failures", []):
        err.print(failure, markup=False)
    return 0 if build["ok"] else 4


#: The query the demo suggests last: what each platform spent and claims it earned.
NEXT_QUERY = ("select platform, sum(spend) as spend, sum(revenue) as revenue, round(sum(revenue) / sum(spend), 2) as roas "
              "from analytics.daily_campaign_summary group by platform order by platform")


def next_commands(path: Path) -> list[str]:
    """What to run after the demo, with the flag that names its database unless the commands find it."""
    import shlex

    flag = "" if _is_default_place(path) else f" --duckdb-path {shlex.quote(str(path))}"
    return [
        f"bosco-sync query{flag} \"{NEXT_QUERY}\"",
        f"bosco-sync recipes test{flag}",
        f"bosco-sync recipes build{flag}",
    ]


def _is_default_place(path: Path) -> bool:
    try:
        return path.resolve() == (Path.cwd() / DEFAULT_FILE).resolve()
    except OSError:
        return False


def demo_database_here(chosen: str | None) -> Path | None:
    """The demo's database, for a command that reads one and was told no file (`chosen`, the
    flag or bosco.toml's path, is None; ``BOSCO_DUCKDB_PATH`` is unset): ``./bosco_demo.duckdb``
    when it is a demo's and there is no ``./bosco.duckdb``. `run` never uses it: the next demo
    replaces that file."""
    import os

    from ..destinations.duckdb import DEFAULT_FILE as RUN_FILE, ENV_PATH

    if chosen or os.environ.get(ENV_PATH) or Path(RUN_FILE).exists():
        return None
    here = Path(DEFAULT_FILE)
    return here if is_demo_database(here) else None


def reading_demo_database(plan: Any, say: Any) -> Any:
    """`plan`, pointed at the demo's database when `demo_database_here` finds it (said on `say`)."""
    if plan.destination == "duckdb":
        here = demo_database_here(plan.destination_options.get("path"))
        if here is not None:
            plan.destination_options["path"] = str(here)
            say(f"note: no bosco.duckdb here; using the demo's database {here} (--duckdb-path names another)")
    return plan


def claim_database(path: Path) -> str | None:
    """Make `path` a fresh, marked demo database; or say why not (None when done).

    A previous demo's database is replaced; nothing else is ever deleted or written.
    """
    import duckdb

    from ..destinations.duckdb import duckdb_path
    from ..framework.errors import ConfigError

    try:
        target = duckdb_path(path)
    except ConfigError as exc:
        return str(exc)
    wal = target.with_name(target.name + ".wal")
    if target.exists() or target.is_symlink():
        if not is_demo_database(target):
            return (f"{path} exists and is not a database made by bosco-sync demo; "
                    "give another --duckdb-path, or remove it yourself")
        target.unlink()
        wal.unlink(missing_ok=True)
    elif wal.exists():
        return f"{wal} exists without its database; give another --duckdb-path, or remove it yourself"
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target))
    try:
        con.execute(f"CREATE TABLE main.{MARKER} AS SELECT now() AS created_at, "
                    "'made by bosco-sync demo; the next demo at this path replaces this file' AS note")
    finally:
        con.close()
    return None


def is_demo_database(path: Path) -> bool:
    """True for a DuckDB file that holds the demo's marker table (and only then)."""
    import duckdb

    if path.is_symlink() or not path.is_file():
        return False
    with open(path, "rb") as f:
        if f.read(12)[8:12] != b"DUCK":  # DuckDB's magic bytes: never open anything else
            return False
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False
    try:
        return bool(con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", [MARKER]
        ).fetchone()[0])
    except duckdb.Error:
        return False
    finally:
        con.close()


def _preview(path: Path) -> list[dict[str, Any]]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            """
            SELECT platform, count(DISTINCT campaign_id) AS campaigns, count(*) AS rows,
                   round(sum(spend), 2) AS spend, round(sum(revenue), 2) AS revenue,
                   round(sum(revenue) / nullif(sum(spend), 0), 2) AS roas
            FROM analytics.daily_campaign_summary GROUP BY platform ORDER BY platform
            """
        ).fetchall()
    finally:
        con.close()
    keys = ("platform", "campaigns", "rows", "spend", "revenue", "roas")
    return [dict(zip(keys, r)) for r in rows]


def _render_build(build: dict[str, Any], out: Any) -> None:
    from rich.table import Table

    table = Table(title=f"recipes: {len(build['built'])} built, {len(build['skipped'])} skipped, "
                        f"{build['tests_run']} tests, {len(build['failures'])} failed")
    table.add_column("model")
    table.add_column("rows", justify="right")
    for model in build["built"]:
        table.add_row(model["name"], str(model.get("rows", "")))
    for model in build["skipped"]:
        table.add_row(f"{model['name']} (skipped: {model['reason']})", "")
    out.print(table)


def _render_preview(preview: list[dict[str, Any]], out: Any) -> None:
    from rich.table import Table

    table = Table(title="analytics.daily_campaign_summary by platform")
    for key in ("platform", "campaigns", "rows", "spend", "revenue", "roas"):
        table.add_column(key, justify="left" if key == "platform" else "right")
    for row in preview:
        table.add_row(*(str(row[k]) for k in ("platform", "campaigns", "rows", "spend", "revenue", "roas")))
    out.print(table)
