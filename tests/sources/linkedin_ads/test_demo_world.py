"""The generated fake API, a sync and the recipes: LinkedIn's rows reach the unified facts.

The sync and build are `tests/sources/demo_world.built_world`. Expected numbers come from
the fake `World`, never from the connector or the recipes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bosco_connectors.sources.linkedin_ads import connector

from ..demo_world import built_world


@pytest.fixture
def built(tmp_path, monkeypatch):
    yield from built_world(connector, tmp_path, monkeypatch)


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
