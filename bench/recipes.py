"""Recipes: a full build over ~10M fact rows on DuckDB, then an incremental build after one new day.

The raw tables are synthesised inside DuckDB with SQL (``range()``), in the shape the
``tiktok_ads`` source loads them: ``raw.tiktok_ads_report_campaign_daily`` (one row
per tenant, campaign and day, metrics typed as the Arrow contract types them), with
``raw.tiktok_ads_campaigns`` and ``raw.tiktok_ads_advertisers`` as dlt loads objects.
By default the build is the fact: ``fct_campaign_performance`` and every recipe it
reads (the recipe files are copied as they are into a scratch recipes folder); with
``scope="all"`` (``python -m bench recipes --whole-catalog``) it is every recipe that
can build from those tables, metrics and ML features included. Then one new day
arrives for every campaign and the same recipes are built again: the incremental
build should cost at most a fifth of the full one.
"""

from __future__ import annotations

import inspect
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from .common import END_DATE, Row, fmt_int, say

TENANTS, ADVERTISERS = 5, 4
DAYS = 365


def synthesise(con: Any, rows: int) -> tuple[int, int]:
    """Create the raw tables; return (report rows, campaigns)."""
    campaigns_per = max(1, rows // (TENANTS * ADVERTISERS * DAYS))
    last = END_DATE - timedelta(days=1)  # END_DATE is the "new day" added later
    con.execute("CREATE SCHEMA raw")
    con.execute(f"""
        CREATE TABLE raw.tiktok_ads_advertisers AS
        SELECT 'tenant' || t AS tenant_id, CAST(7000000000000000 + t * 1000 + a AS VARCHAR) AS advertiser_id,
               'Advertiser ' || t || '-' || a AS name, ['USD', 'EUR', 'GBP'][1 + a % 3] AS currency, 'UTC' AS timezone,
               'UTC' AS display_timezone, 'STATUS_ENABLE' AS status, 'ROLE_ADVERTISER' AS role, 'Company ' || t AS company,
               'US' AS country, 1000.0 AS balance, TIMESTAMPTZ '2025-01-01 00:00:00+00' AS create_time,
               '1' AS _dlt_load_id, md5(t || '-' || a) AS _dlt_id
        FROM range({TENANTS}) AS r1(t), range({ADVERTISERS}) AS r2(a)""")
    con.execute(f"""
        CREATE TABLE raw.tiktok_ads_campaigns AS
        SELECT 'tenant' || t AS tenant_id, CAST(1700000000000000 + t * 10000000 + a * 100000 + c AS VARCHAR) AS campaign_id,
               CAST(7000000000000000 + t * 1000 + a AS VARCHAR) AS advertiser_id, 'Campaign ' || c AS campaign_name,
               'WEB_CONVERSIONS' AS objective_type, 'ENABLE' AS operation_status, 'CAMPAIGN_STATUS_ENABLE' AS secondary_status,
               100.0 AS budget, 'BUDGET_MODE_DAY' AS budget_mode, TIMESTAMPTZ '2025-01-01 00:00:00+00' AS create_time,
               TIMESTAMPTZ '2025-01-02 00:00:00+00' AS modify_time, '1' AS _dlt_load_id, md5(t || '-' || a || '-' || c) AS _dlt_id
        FROM range({TENANTS}) AS r1(t), range({ADVERTISERS}) AS r2(a), range({campaigns_per}) AS r3(c)""")
    con.execute(f"CREATE TABLE raw.tiktok_ads_report_campaign_daily AS {_report_rows(f'range({DAYS})', last)}")
    n = con.execute("SELECT count(*) FROM raw.tiktok_ads_report_campaign_daily").fetchone()[0]
    return int(n), TENANTS * ADVERTISERS * campaigns_per


def _report_rows(days: str, last: Any) -> str:
    """Report rows for every campaign and each day offset in `days` (0 = `last`)."""
    return f"""
        SELECT c.tenant_id, c.advertiser_id, CAST(DATE '{last.isoformat()}' - CAST(d AS INTEGER) AS DATE) AS stat_time_day,
               round((hash(c.campaign_id, d) % 100000) / 100.0, 2) AS spend,
               CAST(200 + hash(c.campaign_id, d, 1) % 20000 AS BIGINT) AS impressions,
               CAST(hash(c.campaign_id, d, 2) % 200 AS BIGINT) AS clicks,
               CAST(150 + hash(c.campaign_id, d, 3) % 15000 AS BIGINT) AS reach,
               1.0 AS ctr, 0.5 AS cpc, 6.0 AS cpm,
               CAST(hash(c.campaign_id, d, 4) % 10 AS BIGINT) AS conversion,
               CAST(hash(c.campaign_id, d, 4) % 10 AS BIGINT) AS complete_payment,
               round((hash(c.campaign_id, d, 5) % 50000) / 100.0, 2) AS total_complete_payment_rate,
               c.campaign_id, c.campaign_name
        FROM raw.tiktok_ads_campaigns AS c, {days} AS r(d)"""


FACT = "fct_campaign_performance"


def fact_recipes(target: Path) -> Path:
    """Copy `FACT` and every recipe file it reads (and the seeds) into `target`, as they are."""
    from bosco_connectors.recipes import load_catalog, recipes_root
    from bosco_connectors.recipes.catalog import upstream_of

    root = recipes_root()
    catalog = load_catalog(root)
    by_name = {r.name: r for r in catalog}
    wanted: set[str] = set()
    todo = {FACT}
    while todo:  # the fact, what it reads, and the models its tests refer to (relationships)
        wanted |= todo
        found = upstream_of(catalog, todo) | {rel.target for name in todo for rel in by_name[name].relationships}
        todo = found - wanted
    for recipe in catalog:
        # Staging written from a source's unified mapping has no file: the build writes it again.
        if (recipe.name in wanted or recipe.layer == "seeds") and recipe.path.is_relative_to(root):
            dest = target / recipe.path.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(recipe.path, dest)
    return target


def run(rows: int = 10_000_000, scope: str = "fact") -> list[Row]:
    from bosco_connectors.recipes import build as build_recipes

    with tempfile.TemporaryDirectory(prefix="bench-recipes-") as workdir:
        import duckdb

        root = fact_recipes(Path(workdir) / "recipes") if scope == "fact" else None

        def build(con: Any, **kw: Any) -> Any:
            return build_recipes(con, root=root, **kw)

        what = f"{FACT} and its upstream recipes" if scope == "fact" else "every buildable recipe"
        con = duckdb.connect(str(Path(workdir) / "recipes.duckdb"))
        t0 = time.perf_counter()
        report_rows, campaigns = synthesise(con, rows)
        say(f"recipes: {fmt_int(report_rows)} raw report rows ({campaigns} campaigns x {DAYS} days) synthesised in {time.perf_counter() - t0:.1f}s")
        incremental_supported = "full_refresh" in inspect.signature(build_recipes).parameters

        t0 = time.perf_counter()
        full = build(con, full_refresh=True) if incremental_supported else build(con)
        full_s = time.perf_counter() - t0
        fact = _fact_rows(con)
        say(f"  full build: {full_s:.1f}s, {len(full.built)} models built, {len(full.skipped)} skipped, {len(full.failed)} failed; fct_campaign_performance {fmt_int(fact)} rows")
        for m in full.failed:
            say(f"    failed {m.name}: {m.reason}")
        say("    slowest: " + _slowest(full.models))
        table = [Row("recipes", f"full build of {what}, {fmt_int(fact)} rows in {FACT}",
                     f"{full_s:.1f}s ({len(full.built)} models)", "no failed model", not full.failed and fact >= report_rows)]

        con.execute(f"INSERT INTO raw.tiktok_ads_report_campaign_daily {_report_rows('range(1)', END_DATE)}")
        t0 = time.perf_counter()
        again = build(con)
        incr_s = time.perf_counter() - t0
        modes = _modes(again.models)
        fact_after = _fact_rows(con)
        say(f"  after one new day ({campaigns} rows): {incr_s:.1f}s, modes {modes}; fct_campaign_performance {fmt_int(fact_after)} rows")
        say("    slowest: " + _slowest(again.models))
        if not incremental_supported or not modes.get("incremental"):
            table.append(Row("recipes", "incremental build after one new day / full build", f"not implemented ({incr_s / full_s:.2f} as a full rebuild)", "<= 0.20", False))
        else:
            ratio = incr_s / full_s
            correct = fact_after == fact + campaigns and _totals_match(con)
            table.append(Row("recipes", "incremental build after one new day / full build",
                             f"{incr_s:.1f}s / {full_s:.1f}s = {ratio:.2f} ({_render(modes)})", "<= 0.20", ratio <= 0.2))
            table.append(Row("recipes", "fact after the incremental build: new day's rows, spend total = raw",
                             f"{fmt_int(fact_after - fact)} new rows, totals {'match' if correct else 'DIFFER'}", f"{campaigns} new rows, totals match", correct))
        con.close()
    return table


def _fact_rows(con: Any) -> int:
    return int(con.execute("SELECT count(*) FROM analytics.fct_campaign_performance").fetchone()[0])


def _totals_match(con: Any) -> bool:
    raw, fact = con.execute("""
        SELECT (SELECT round(sum(spend), 2) FROM raw.tiktok_ads_report_campaign_daily),
               (SELECT round(sum(spend), 2) FROM analytics.fct_campaign_performance WHERE platform = 'tiktok_ads')""").fetchone()
    return raw == fact


def _modes(models: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in models:
        key = getattr(m, "mode", None) or m.status
        out[key] = out.get(key, 0) + 1
    return out


def _slowest(models: list[Any], n: int = 6) -> str:
    top = sorted((m for m in models if m.status == "built"), key=lambda m: -m.seconds)[:n]
    return ", ".join(f"{m.name} {m.seconds:.1f}s ({getattr(m, 'mode', None) or 'built'})" for m in top)


def _render(modes: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(modes.items()))
