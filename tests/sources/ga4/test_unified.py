"""GA4's traffic report reaches the unified ``fct_web_traffic_daily``.

The generic fact test (tests/test_unified_facts.py) cannot read GA4's positional rows: the same
check here, the documented totals read by header name from the fixture bodies
(cassettes/ga4/), never with the connector's code.
"""

from __future__ import annotations

from decimal import Decimal

import dlt
import duckdb

from bosco_connectors.recipes.runner import build
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.ga4 import connector
from bosco_connectors.sync import SyncJob, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("ga4"))


def documented_rows() -> list[dict[str, str]]:
    """Every documented traffic row as ``{API name: value}``, by each body's own headers."""
    out = []
    for exchange in FIXTURES.data("traffic_daily"):
        body = FIXTURES.body(exchange)
        names = [h["name"] for h in body["dimensionHeaders"] + body["metricHeaders"]]
        out += [dict(zip(names, [v["value"] for v in r["dimensionValues"] + r["metricValues"]])) for r in body["rows"]]
    return out


def test_documented_traffic_totals_reach_fct_web_traffic_daily(tmp_path):
    app = FixtureApp(Fixtures.load(fixture_folder("ga4")))
    db = tmp_path / "f.duckdb"
    with FakeApi([app]) as api:
        result = run_sync(SyncJob("t", "ga4", app.source_config(api.url(app.prefix)), streams=["traffic_daily"]),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
    assert result.ok, result.failure_line
    with duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_web_traffic_daily"])
        assert built.get("fct_web_traffic_daily").status == "built", [m.line() for m in built.models if m.status != "built"]
        rows = documented_rows()
        for column, name in (("sessions", "sessions"), ("users", "totalUsers"), ("new_users", "newUsers"),
                             ("engaged_sessions", "engagedSessions"), ("conversions", "keyEvents"), ("revenue", "totalRevenue")):
            (loaded,) = con.execute(f"select sum({column}) from analytics.fct_web_traffic_daily where platform = 'ga4'").fetchone()
            assert Decimal(str(loaded)) == sum(Decimal(r[name]) for r in rows), column
        keys = con.execute("select date, property_id, source, medium, campaign, currency from analytics.fct_web_traffic_daily "
                           "where platform = 'ga4' order by 1, 3, 4").fetchall()
    assert [(d.strftime("%Y%m%d"), *rest) for d, *rest in keys] == sorted(
        (r["date"], "123456789", r["sessionSource"], r["sessionMedium"], r["sessionCampaignName"], "USD") for r in rows)
    assert sum(Decimal(r["totalRevenue"]) for r in rows) == Decimal("5210.05")
