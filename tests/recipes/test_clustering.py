"""Snowflake clusters the unified facts by (date, tenant_id); no other model, no other engine."""

from __future__ import annotations

import sqlglot

from bosco_connectors.recipes import load_catalog, render_create


def _cluster(sql: str) -> list[str] | None:
    properties = sqlglot.parse_one(sql, read="snowflake").args.get("properties")
    clusters = [p for p in (properties.expressions if properties else []) if isinstance(p, sqlglot.exp.ClusterProperty)]
    return [c.name for c in clusters[0].expressions] if clusters else None


def _members(recipe) -> list[str] | None:
    """Every model its union could read (the build passes those whose tables exist)."""
    if recipe.union is None:
        return None
    return list(recipe.union.members)


def test_the_facts_are_clustered_by_date_then_tenant_on_snowflake_only() -> None:
    catalog = {r.name: r for r in load_catalog()}
    fact = catalog["fct_ad_performance"]
    sql = render_create(fact, dialect="snowflake", union_members=_members(fact))
    assert " ".join(sql.split()).startswith("CREATE OR REPLACE TABLE analytics.fct_ad_performance CLUSTER BY (date, tenant_id) AS")
    assert _cluster(sql) == ["date", "tenant_id"]
    assert "CLUSTER" not in render_create(fact, dialect="duckdb", union_members=_members(fact)).upper()
    assert _cluster(render_create(catalog["dim_ads"], dialect="snowflake", union_members=_members(catalog["dim_ads"]))) is None
    clustered = sorted(r.name for r in catalog.values() if r.layer == "marts" and r.incremental and "tenant_id" in r.grain)
    assert "fct_campaign_performance" in clustered and len(clustered) >= 8
    assert _cluster(render_create(catalog["stg_tiktok_ads__ad_daily"], dialect="snowflake")) is None
    for name in clustered:
        assert _cluster(render_create(catalog[name], dialect="snowflake", union_members=_members(catalog[name]))) == [catalog[name].incremental, "tenant_id"]
