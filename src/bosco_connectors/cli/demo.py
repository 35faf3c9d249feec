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
    err.print("building recipes (exchange rates: the demo's illustrative seed, into USD)")
    build = build_and_test(plan, select=None, run_tests=True, seeds_dir=SEEDS)
    preview = _preview(duckdb_path)
    blended = _blended(duckdb_path)
    facts = _facts(duckdb_path)
    if as_json:
        print(json.dumps({"sync": summary, "skipped": skipped, "recipes": build, "daily_campaign_summary": preview,
                          "blended": blended, "facts": facts}, indent=2, default=str))
    else:
        from .output import render_summary

        render_summary(summary, out)
        _render_build(build, out)
        if preview:
            _render_preview(preview, out)
        _render_blended(blended, out)
        _render_facts(facts, out)
        out.print(f"\nDuckDB file: {duckdb_path.resolve()}\nnext:", markup=False)
        query = NEXT_QUERY if preview else _facts_query(facts)
        for command in next_commands(duckdb_path, query):
            out.print(f"  {command}", markup=False)
    for failure in build.get("failures", []):
        err.print(failure, markup=False)
    return 0 if build["ok"] else 4


#: The demo's seeds (`--seeds-dir`): illustrative exchange rates into USD, so that its money
#: is shown in one reporting currency, not summed across currencies.
SEEDS = Path(__file__).resolve().parents[1] / "sandbox" / "seeds"

#: The query the demo suggests last: what each platform spent and claims it earned, in the reporting currency.
NEXT_QUERY = ("select platform, reporting_currency, round(sum(spend_reporting), 2) as spend, "
              "round(sum(revenue_reporting), 2) as revenue, round(sum(revenue_reporting) / sum(spend_reporting), 2) as roas "
              "from analytics.daily_campaign_summary group by all order by platform")


def _facts_query(facts: dict[str, dict[str, int]]) -> str:
    """Without an ad platform: a look at the first fact the demo filled."""
    table = next((name for name, counts in facts.items() if counts), "fct_orders")
    return f"select * from analytics.{table} limit 20"


def next_commands(path: Path, query: str = NEXT_QUERY) -> list[str]:
    """What to run after the demo, with the flag that names its database unless the commands find it."""
    import shlex

    flag = "" if _is_default_place(path) else f" --duckdb-path {shlex.quote(str(path))}"
    return [
        f"bosco-sync query{flag} \"{query}\"",
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


def demo_pipelines(path: Path) -> list[tuple[str, str]]:
    """(tenant, source) of every sync the demo's database holds state for (``bosco__demo__stripe``),
    so that `state show` needs no bosco.toml there."""
    import duckdb

    from ..framework.registry import source_names

    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [n for (n,) in con.execute("SELECT DISTINCT pipeline_name FROM raw._dlt_pipeline_state ORDER BY 1").fetchall()]
    except duckdb.Error:
        return []
    finally:
        con.close()
    known = set(source_names())
    pairs = [tuple(n.split("__")[1:3]) for n in names if n.startswith("bosco__") and n.count("__") == 2]
    return [(tenant, source) for tenant, source in pairs if source in known]


def demo_seeds(plan: Any, seeds_dir: Path | None) -> Path | None:
    """The seeds a recipes command uses: `seeds_dir` when given (or ``$BOSCO_SEEDS_DIR``), else the
    demo's own for a demo's database, so a rebuild keeps its money in one reporting currency."""
    import os

    from ..recipes.catalog import ENV_SEEDS_DIR

    if seeds_dir is not None or os.environ.get(ENV_SEEDS_DIR) or plan.destination != "duckdb":
        return seeds_dir
    return SEEDS if is_demo_database(plan.duckdb_file) else None


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


def _has_table(con: Any, name: str) -> bool:
    """The recipes built `analytics.<name>` (a model whose sources the demo did not run is not built)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'analytics' "
                            "AND table_name = ?", [name]).fetchone()[0])


def _facts(path: Path) -> dict[str, dict[str, int]]:
    """Rows per platform in every unified fact the recipes built (``fct_orders``: stripe 6, ...)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'analytics' "
                                            "AND table_name LIKE 'fct%' ORDER BY table_name").fetchall()]
        out: dict[str, dict[str, int]] = {}
        for table in tables:
            columns = {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' "
                                                 "AND table_name = ?", [table]).fetchall()}
            if "platform" in columns:
                rows = con.execute(f'SELECT platform, count(*) FROM analytics."{table}" GROUP BY platform ORDER BY platform').fetchall()
                out[table] = {str(p): n for p, n in rows}
        return out
    finally:
        con.close()


def _preview(path: Path) -> list[dict[str, Any]]:
    """Per platform: what it spent and claims it earned, in the reporting currency.

    A total that could not be converted (a currency without a rate) is summed in the
    accounts' own currencies and says so in its ``currency`` (``mixed: EUR, USD``).
    """
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        if not _has_table(con, "daily_campaign_summary"):
            return []  # no ad platform among the demo's sources
        rows = con.execute(
            """
            SELECT platform, count(DISTINCT campaign_id) AS campaigns, sum(clicks) AS clicks,
                   CASE WHEN count(*) FILTER (WHERE spend_reporting IS NULL) = 0 THEN any_value(reporting_currency)
                        ELSE 'mixed: ' || string_agg(DISTINCT currency, ', ' ORDER BY currency) END AS currency,
                   CASE WHEN count(*) FILTER (WHERE spend_reporting IS NULL) = 0 THEN sum(spend_reporting) ELSE sum(spend) END AS spend,
                   CASE WHEN count(*) FILTER (WHERE revenue_reporting IS NULL) = 0 THEN sum(revenue_reporting) ELSE sum(revenue) END AS revenue
            FROM analytics.daily_campaign_summary GROUP BY platform ORDER BY platform
            """
        ).fetchall()
    finally:
        con.close()
    out = []
    for platform, campaigns, clicks, currency, spend, revenue in rows:
        out.append({
            "platform": platform, "campaigns": campaigns, "currency": currency,
            "spend": round(spend, 2), "revenue": round(revenue, 2),
            "roas": round(revenue / spend, 2) if spend else None,
            "cpc": round(spend / clicks, 2) if clicks else None,
        })
    return out


def _blended(path: Path) -> dict[str, Any] | None:
    """All platforms against the store (daily_marketing_efficiency), when the demo has one."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        if not _has_table(con, "daily_marketing_efficiency"):
            return None
        row = con.execute(
            """
            SELECT CASE WHEN bool_or(spend_missing_fx OR revenue_missing_fx) OR count(DISTINCT coalesce(reporting_currency, currency)) > 1
                        THEN 'mixed: ' || string_agg(DISTINCT currency, ', ') ELSE any_value(coalesce(reporting_currency, currency)) END,
                   sum(ad_spend), sum(platform_conversion_value), sum(orders), sum(net_revenue)
            FROM analytics.daily_marketing_efficiency
            """
        ).fetchone()
    finally:
        con.close()
    currency, spend, claimed, orders, revenue = row
    if not orders:
        return None
    return {
        "currency": currency, "ad_spend": round(spend or 0, 2), "platforms_claim": round(claimed or 0, 2),
        "orders": int(orders), "store_net_revenue": round(revenue or 0, 2),
        "mer": round(revenue / spend, 2) if spend else None,
        "claimed_over_store": round(claimed / revenue, 2) if revenue else None,
    }


def _render_build(build: dict[str, Any], out: Any) -> None:
    from rich.table import Table

    table = Table(title=f"recipes: {len(build['built'])} built, {len(build['skipped'])} skipped, "
                        f"{build['tests_run']} tests, {len(build['failures'])} failed")
    table.add_column("model")
    table.add_column("rows", justify="right")
    for model in build["built"]:
        table.add_row(model["name"], str(model.get("rows", "")))
    out.print(table)
    if build["skipped"]:
        out.print(f"{len(build['skipped'])} models skipped: their sources were not synced "
                  "(`bosco-sync recipes build` lists each and why)", markup=False)


PREVIEW_COLUMNS = ("platform", "campaigns", "currency", "spend", "revenue", "roas", "cpc")


def _render_preview(preview: list[dict[str, Any]], out: Any) -> None:
    from rich.table import Table

    table = Table(title="analytics.daily_campaign_summary by platform (revenue: what each platform claims)")
    for key in PREVIEW_COLUMNS:
        table.add_column(key, justify="left" if key in ("platform", "currency") else "right")
    for row in preview:
        table.add_row(*(_money(row[k]) if k in ("spend", "revenue") else str(row[k]) for k in PREVIEW_COLUMNS))
    out.print(table)


def _render_facts(facts: dict[str, dict[str, int]], out: Any) -> None:
    from rich.table import Table

    table = Table(title="unified facts: rows per platform")
    for key in ("table", "platform", "rows"):
        table.add_column(key, justify="right" if key == "rows" else "left")
    for name, counts in facts.items():
        for platform, rows in counts.items():
            table.add_row(f"analytics.{name}", platform, str(rows))
    out.print(table)


def _render_blended(blended: dict[str, Any] | None, out: Any) -> None:
    if not blended:
        return
    out.print(
        f"store: {blended['orders']} orders, {_money(blended['store_net_revenue'])} {blended['currency']} net revenue; "
        f"ad spend {_money(blended['ad_spend'])} (MER {blended['mer']}); the platforms together claim "
        f"{_money(blended['platforms_claim'])}, {blended['claimed_over_store']}x the store's revenue "
        "(each counts the orders it touched, so their claims overlap)",
        markup=False,
    )


def _money(value: Any) -> str:
    return f"{value:,.2f}" if isinstance(value, (int, float)) else str(value)
