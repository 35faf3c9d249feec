"""The generated fake API, a sync and the recipes: LinkedIn's rows reach the unified facts.

The source is not installed in this checkout (its entry point arrives with the next
install), so the test registers it for the block and adds its generated staging models
to the recipe catalog, as an installed source gets them. Expected numbers come from the
fake `World`, never from the connector or the recipes.
"""

from __future__ import annotations

from decimal import Decimal
from datetime import date

import duckdb
import pytest

from bosco_connectors.destinations import get_destination
from bosco_connectors.framework.registry import provisional
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.recipes import build, catalog
from bosco_connectors.sandbox import FakeApi, sandbox_config
from bosco_connectors.sandbox.generated import GeneratedApp
from bosco_connectors.sources.linkedin_ads import connector
from bosco_connectors.sync import SyncJob, run_sync

END = date(2026, 11, 20)


@pytest.fixture
def built(tmp_path, monkeypatch):
    generated = catalog.generated_staging
    monkeypatch.setattr(catalog, "generated_staging",
                        lambda: {**generated(), **{n: ("linkedin_ads", sql) for n, sql in staging_models(connector).items()}})
    monkeypatch.setattr(catalog, "_CATALOGS", {})
    with provisional(connector):
        app = GeneratedApp("linkedin_ads", seed=3, size="tiny", end_date=END)
        with FakeApi([app]) as api:
            result = run_sync(SyncJob("demo", "linkedin_ads", sandbox_config(api, connector)),
                              destination=get_destination("duckdb", path=str(tmp_path / "b.duckdb")), pipelines_dir=tmp_path / "p")
        assert result.ok, result.failure_line
        conn = duckdb.connect(str(tmp_path / "b.duckdb"))
        outcome = build(conn)
        assert outcome.ok, [m.line() for m in outcome.failed]
    yield app.world, conn
    conn.close()


def test_campaign_groups_are_the_unified_campaigns(built):
    world, conn = built
    expected = {}
    for account in world.accounts:
        for campaign in account.campaigns:  # the world's campaigns are served as LinkedIn campaign groups
            ads = [ad for group in campaign.ad_groups for ad in group.ads]
            for day in world.days:
                metrics = [world.ad_metrics(ad.id, day) for ad in ads]
                if sum(m.impressions for m in metrics):
                    expected[(campaign.id, day)] = (Decimal(str(round(sum(m.spend for m in metrics), 2))), sum(m.impressions for m in metrics),
                                                    account.currency, campaign.name)
    rows = conn.execute("select campaign_id, date, round(spend, 2), impressions, currency, campaign_name "
                        "from analytics.fct_campaign_performance where platform = 'linkedin_ads'").fetchall()
    assert {(r[0], r[1]): r[2:] for r in rows} == expected


def test_ads_carry_their_campaign_group_through_their_campaign(built):
    """A creative names only its campaign: the the ads staging joins the campaign group."""
    world, conn = built
    expected = {(ad.id, ad.ad_group_id, ad.campaign_id) for account in world.accounts for ad in world.ads(account.id)}
    assert set(conn.execute("select ad_id, ad_group_id, campaign_id from analytics.dim_ads where platform = 'linkedin_ads'").fetchall()) == expected
