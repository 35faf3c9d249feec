"""Replay a recorded full sync of a two-account Meta world into DuckDB, with no network.

Record with ``BOSCO_RECORD=1`` (the fake Meta API serves the world, the SDK's ``requests``
traffic is recorded by vcrpy and rewritten to graph.facebook.com); without it the
cassette is replayed offline.
"""

from __future__ import annotations

from decimal import Decimal
import hashlib
import hmac
import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest
import yaml

from bosco_connectors.framework.redaction import REDACTED
from bosco_connectors.sandbox.facebook_ads import FAKE_APP_SECRET, FAKE_TOKEN, FacebookAdsApp
from bosco_connectors.sources.facebook_ads import connector, source
from bosco_connectors.testing.cassettes import cassette_dir, find_secrets, use_cassette

from .conftest import END, LEVEL_KEY, FakeClock, client_factory, columns, expected_daily, make_pipeline, query, totals

WORLD = {"seed": 11, "size": "tiny", "end_date": END, "accounts": 2}
PAGE_SIZE = 10  # several pages of insights rows at ad, ad set and campaign level


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """Run the full sync once (per module) inside the cassette; return what the tests look at."""
    tmp_path = tmp_path_factory.mktemp("fb_cassette")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
        mp.setenv("DLT_PROJECT_DIR", str(tmp_path))
        mp.chdir(tmp_path)
        mp.setattr(connector, "client_factory", client_factory(FakeClock()))
        with use_cassette(connector, "full_sync", **WORLD) as replay:
            config = {**replay.config, "page_size": PAGE_SIZE, "max_workers": 1}
            make_pipeline(tmp_path).run(source(**config), loader_file_format="parquet")
            recorded = [(r.method, r.uri) for r in replay.cassette.requests]
            if not replay.recording:
                assert replay.cassette.all_played, "every recorded request must be asked for again"
    world = FacebookAdsApp(**WORLD).world
    return tmp_path, world, recorded


def test_objects_match_the_world(synced):
    tmp_path, world, _ = synced
    accounts = sorted((a.id, f"act_{a.id}", a.name, a.currency) for a in world.accounts)
    assert query(tmp_path, "select account_id, id, name, currency from raw.facebook_ads_ad_accounts order by 1") == accounts
    campaigns = sorted((c.id, a.id, c.name) for a in world.accounts for c in a.campaigns)
    assert query(tmp_path, "select id, account_id, name from raw.facebook_ads_campaigns order by 1") == campaigns
    ad_sets = sorted((g.id, c.id, a.id) for a in world.accounts for c in a.campaigns for g in c.ad_groups)
    assert query(tmp_path, "select id, campaign_id, account_id from raw.facebook_ads_ad_sets order by 1") == ad_sets
    ads = sorted((ad.id, g.id, c.id) for a in world.accounts for c in a.campaigns for g in c.ad_groups for ad in g.ads)
    assert query(tmp_path, "select id, adset_id, campaign_id from raw.facebook_ads_ads order by 1") == ads
    (creatives, linked), = query(
        tmp_path,
        "select count(*), count(a.id) from raw.facebook_ads_ad_creatives c "
        "left join raw.facebook_ads_ads a on a.creative_id = c.id",
    )
    assert creatives == linked == len(ads)


def test_budgets_and_times_are_typed(synced):
    tmp_path, world, _ = synced
    budgets = dict(query(tmp_path, "select id, daily_budget from raw.facebook_ads_campaigns"))
    for account in world.accounts:
        for campaign in account.campaigns:
            assert budgets[campaign.id] == int(campaign.daily_budget * 100)  # minor units, as Meta sends
    (tz,), = query(tmp_path, "select distinct typeof(updated_time) from raw.facebook_ads_ads")
    assert tz == "TIMESTAMP WITH TIME ZONE"


@pytest.mark.parametrize("level", ["account", "campaign", "adset", "ad"])
def test_insights_totals_match_the_world(synced, level):
    tmp_path, world, _ = synced
    expected = expected_daily(world, level)
    want = totals(expected)
    (rows, spend, impressions, clicks, purchases, value, leads, conversions, conversion_value), = query(
        tmp_path,
        f"select count(*), round(sum(spend), 2), sum(impressions), sum(clicks), sum(actions_omni_purchase), "
        f"round(sum(action_values_omni_purchase), 2), sum(actions_lead), sum(conversions), round(sum(conversion_value), 2) "
        f"from raw.facebook_ads_insights_{level}_daily",
    )
    money = lambda x: Decimal(str(x))  # noqa: E731 - loaded exact: the world's amounts as written
    assert (rows, spend, impressions, clicks) == (want["rows"], money(want["spend"]), want["impressions"], want["clicks"])
    assert (purchases, value, leads) == (want["purchases"], money(want["value"]), want["leads"])
    # the default conversions are omni_purchase + lead; the value comes from purchases only
    assert (conversions, conversion_value) == (want["purchases"] + want["leads"], money(want["value"]))
    key = LEVEL_KEY[level]
    loaded = {
        (r[0], r[1]): (r[2], r[3])
        for r in query(tmp_path, f"select {key}, date_start, spend, impressions from raw.facebook_ads_insights_{level}_daily")
    }
    assert loaded == {k: (money(v["spend"]), v["impressions"]) for k, v in expected.items()}


def test_insights_keep_actions_as_json_and_currency(synced):
    tmp_path, world, _ = synced
    currencies = {a.id: a.currency for a in world.accounts}
    rows = query(tmp_path, "select account_id, account_currency, actions, action_values, conversions "
                           "from raw.facebook_ads_insights_campaign_daily")
    assert {r[0]: r[1] for r in rows} == currencies
    for _, _, actions, values, conversions in rows:
        parsed = {a["action_type"]: float(a["value"]) for a in orjson.loads(actions)}
        assert parsed.get("omni_purchase", 0) + parsed.get("lead", 0) == conversions
        if values is not None:
            assert {v["action_type"] for v in orjson.loads(values)} <= {"omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase"}


def test_raw_columns_are_metas_names(synced):
    tmp_path, _, _ = synced
    ad_daily = columns(tmp_path, "facebook_ads_insights_ad_daily")
    for name in ("tenant_id", "account_id", "account_currency", "ad_id", "adset_id", "campaign_id", "date_start",
                 "date_stop", "spend", "impressions", "clicks", "reach", "actions", "action_values", "conversions",
                 "conversion_value", "actions_omni_purchase", "action_values_omni_purchase", "actions_lead"):
        assert name in ad_daily
    for name in ("tenant_id", "id", "account_id", "name", "objective", "effective_status", "daily_budget", "updated_time"):
        assert name in columns(tmp_path, "facebook_ads_campaigns")
    assert query(tmp_path, "select distinct tenant_id from raw.facebook_ads_insights_ad_daily") == [("default",)]


def test_edges_and_results_replay_several_pages(synced):
    _, _, recorded = synced
    pages = Counter()
    for _, uri in recorded:
        parts = urlsplit(uri)
        assert parts.netloc == "graph.facebook.com" and parts.path.startswith("/v26.0/")
        if dict(parse_qsl(parts.query)).get("after"):
            pages[re.sub(r"\d{6,}", "N", parts.path)] += 1
    # per account: 80 ad rows, 40 ad set rows, 20 campaign rows, 10 per page
    assert pages["/v26.0/N/insights"] == 2 * (7 + 3 + 1)


def test_cassette_holds_no_secret_not_even_in_paging_next(synced):
    text = (cassette_dir() / "facebook_ads" / "full_sync.yaml").read_text()
    proof = hmac.new(FAKE_APP_SECRET.encode(), FAKE_TOKEN.encode(), hashlib.sha256).hexdigest()
    for secret in (FAKE_TOKEN, FAKE_APP_SECRET, proof):
        assert secret not in text
    assert find_secrets(text, [FAKE_TOKEN, FAKE_APP_SECRET, proof]) == []
    cassette = yaml.safe_load(text)
    nexts = []
    for interaction in cassette["interactions"]:
        query = dict(parse_qsl(urlsplit(interaction["request"]["uri"]).query))
        assert query["access_token"] == REDACTED and query["appsecret_proof"] == REDACTED
        body = interaction["response"]["body"]["string"]
        paging = orjson.loads(body).get("paging", {}) if body.startswith("{") else {}
        if "next" in paging:
            nexts.append(paging["next"])
    assert nexts, "the cassette should hold paging.next URLs"
    for url in nexts:
        query = dict(parse_qsl(urlsplit(url).query))
        assert urlsplit(url).netloc == "graph.facebook.com"
        assert query["access_token"] == REDACTED and query["appsecret_proof"] == REDACTED
