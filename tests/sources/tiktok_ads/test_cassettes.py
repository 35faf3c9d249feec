"""Replay a recorded full sync of the tiny TikTok world into DuckDB, with no network.

Record with ``BOSCO_RECORD=1`` (the fake TikTok API serves the world and the cassette is
rewritten to business-api.tiktok.com); without it the cassette is replayed offline.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from bosco_connectors.framework.redaction import REDACTED
from bosco_connectors.sandbox.tiktok import FAKE_TOKEN, TikTokApp
from bosco_connectors.sources.tiktok_ads import connector, source
from bosco_connectors.testing.cassettes import cassette_dir, find_secrets, use_cassette

from .conftest import END, columns, fast_client_factory, expected_daily, loaded_totals, make_pipeline, query, totals

SEED = 11
PAGE_SIZE = 25  # small enough that the ad and ad group reports need several pages


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """Run the full sync once (per module) inside the cassette; return what the tests look at."""
    tmp_path = tmp_path_factory.mktemp("tiktok_cassette")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
        mp.setenv("DLT_PROJECT_DIR", str(tmp_path))
        mp.chdir(tmp_path)
        mp.setattr(connector, "client_factory", fast_client_factory())
        with use_cassette(connector, "full_sync", seed=SEED, size="tiny", end_date=END) as replay:
            config = {**replay.config, "page_size": PAGE_SIZE, "max_workers": 1}
            make_pipeline(tmp_path).run(source(**config), loader_file_format="parquet")
            recorded = [(r.method, r.uri) for r in replay.cassette.requests]
            if not replay.recording:
                assert replay.cassette.all_played, "every recorded request must be asked for again"
    world = TikTokApp(seed=SEED, size="tiny", end_date=END).world
    return tmp_path, world, recorded


def test_objects_match_the_world(synced):
    tmp_path, world, _ = synced
    (account,) = world.accounts
    assert query(tmp_path, "select advertiser_id, name, currency, timezone from raw.tiktok_ads_advertisers") == [
        (account.id, account.name, account.currency, account.timezone)
    ]
    campaigns = sorted((c.id, account.id, c.name) for c in account.campaigns)
    assert query(tmp_path, "select campaign_id, advertiser_id, campaign_name from raw.tiktok_ads_campaigns order by 1") == campaigns
    groups = sorted((g.id, c.id) for c in account.campaigns for g in c.ad_groups)
    assert query(tmp_path, "select adgroup_id, campaign_id from raw.tiktok_ads_ad_groups order by 1") == groups
    ads = sorted((ad.id, g.id, c.id) for c in account.campaigns for g in c.ad_groups for ad in g.ads)
    assert query(tmp_path, "select ad_id, adgroup_id, campaign_id from raw.tiktok_ads_ads order by 1") == ads


@pytest.mark.parametrize("level", ["advertiser", "campaign", "adgroup", "ad"])
def test_daily_report_totals_match_the_world(synced, level):
    tmp_path, world, _ = synced
    expected = expected_daily(world, level)
    assert loaded_totals(tmp_path, f"tiktok_ads_report_{level}_daily") == totals(expected)
    id_column = f"{level}_id"
    loaded = {
        (row[0], row[1]): (row[2], row[3])
        for row in query(tmp_path, f"select {id_column}, stat_time_day, spend, impressions from raw.tiktok_ads_report_{level}_daily")
    }
    assert loaded == {key: (v[0], v[1]) for key, v in expected.items()}


def test_ad_rows_carry_parent_ids_for_rollups(synced):
    tmp_path, world, _ = synced
    parents = {ad.id: (g.id, c.id) for a in world.accounts for c in a.campaigns for g in c.ad_groups for ad in g.ads}
    rows = query(tmp_path, "select distinct ad_id, adgroup_id, campaign_id, advertiser_id from raw.tiktok_ads_report_ad_daily")
    assert rows and all(parents[ad] == (group, campaign) for ad, group, campaign, _ in rows)
    assert {r[3] for r in rows} == {world.accounts[0].id}


def test_raw_columns_are_tiktoks_names(synced):
    tmp_path, _, _ = synced
    report = columns(tmp_path, "tiktok_ads_report_campaign_daily")
    for name in ("tenant_id", "advertiser_id", "campaign_id", "stat_time_day", "spend", "impressions", "clicks",
                 "conversion", "complete_payment", "total_complete_payment_rate", "ctr", "cpc", "cpm", "reach"):
        assert name in report
    campaigns = columns(tmp_path, "tiktok_ads_campaigns")
    for name in ("tenant_id", "campaign_id", "advertiser_id", "campaign_name", "objective_type", "operation_status"):
        assert name in campaigns
    assert query(tmp_path, "select distinct tenant_id from raw.tiktok_ads_report_campaign_daily") == [("default",)]


def test_paginated_report_replays_several_pages(synced):
    _, _, recorded = synced
    pages: dict[str, set[str]] = {}
    for _, uri in recorded:
        params = dict(parse_qsl(urlsplit(uri).query))
        assert urlsplit(uri).netloc == "business-api.tiktok.com"
        if "report/integrated/get/" in uri:
            pages.setdefault(params["data_level"], set()).add(params["page"])
            assert params["page_size"] == str(PAGE_SIZE)
    assert pages["AUCTION_AD"] >= {"1", "2", "3"}
    assert pages["AUCTION_ADGROUP"] >= {"1", "2"}


def test_cassette_holds_no_secret(synced):
    text = (cassette_dir() / "tiktok_ads" / "full_sync.yaml").read_text()
    assert FAKE_TOKEN not in text
    assert find_secrets(text, [FAKE_TOKEN]) == []
    # httpx lower-cases header names: the Access-Token header is kept, its value masked.
    assert f"access-token:\n      - '{REDACTED}'" in text
