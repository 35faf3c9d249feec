"""The generated fake API, a sync and the recipes: StackAdapt's rows reach the unified facts.

The sync and build are `tests/sources/demo_world.built_world`. Expected numbers come from
the fake `World`, never from the connector or the recipes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bosco_connectors.sources.stackadapt import connector

from ..demo_world import built_world


@pytest.fixture
def built(tmp_path, monkeypatch):
    yield from built_world(connector, tmp_path, monkeypatch)


def world_daily(world, ads_of):
    """(id, day) -> (spend, impressions) over the ads `ads_of(account)` yields as (id, ads)."""
    out = {}
    for account in world.accounts:
        for key, ads in ads_of(account):
            for day in world.days:
                metrics = [world.ad_metrics(ad.id, day) for ad in ads]
                if sum(m.impressions for m in metrics):
                    out[(key, day)] = (Decimal(str(round(sum(m.spend for m in metrics), 2))), sum(m.impressions for m in metrics))
    return out


def test_campaign_group_and_account_facts_match_the_world(built):
    world, conn = built
    campaigns = world_daily(world, lambda a: [(c.id, [ad for g in c.ad_groups for ad in g.ads]) for c in a.campaigns])
    rows = conn.execute("select campaign_id, date, round(spend, 2), impressions, currency from analytics.fct_campaign_performance "
                        "where platform = 'stackadapt'").fetchall()
    assert {(r[0], r[1]): r[2:4] for r in rows} == campaigns
    assert all(r[4] for r in rows)  # the account's currency, joined from the advertisers
    accounts = world_daily(world, lambda a: [(a.id, world.ads(a.id))])  # no advertiser-level query declared: campaign groups summed
    rows = conn.execute("select account_id, date, round(spend, 2), impressions from analytics.fct_account_performance "
                        "where platform = 'stackadapt'").fetchall()
    assert {(r[0], r[1]): r[2:] for r in rows} == accounts


def test_ads_carry_their_campaign_group_through_their_campaign(built):
    """An ad names only its campaign (the unified ad group): the staging joins the campaign's group.

    (dim_ads is not built here: it needs ad-level facts, and this source declares no ad-level delivery.)"""
    world, conn = built
    expected = {(ad.id, ad.ad_group_id, ad.campaign_id) for account in world.accounts for ad in world.ads(account.id)}
    assert set(conn.execute("select ad_id, ad_group_id, campaign_id from analytics.int_unified_ads where platform = 'stackadapt'").fetchall()) == expected
