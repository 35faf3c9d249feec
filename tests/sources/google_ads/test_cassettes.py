"""Replay a recorded full sync (REST) of a tiny Google Ads world into DuckDB, with no network.

Record with ``BOSCO_RECORD=1``: the fake API serves the world and the cassette is
rewritten to googleads.googleapis.com. Without it the cassette is replayed offline and
the loaded tables are compared with the World, spend to the micro.
"""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
import yaml

from bosco_connectors.framework.redaction import REDACTED
from bosco_connectors.sandbox.google_ads import (
    FAKE_CLIENT_SECRET,
    FAKE_DEVELOPER_TOKEN,
    FAKE_REFRESH_TOKEN,
)
from bosco_connectors.sources.google_ads import connector, source
from bosco_connectors.testing.cassettes import cassette_dir, find_secrets, use_cassette

from .conftest import (
    END,
    expected_daily,
    fast_client_factory,
    make_pipeline,
    query,
    world_of,
    world_spend,
)

SEED = 11
BATCH = 5  # small batches: the larger reports arrive as several batches in one response
CASSETTE = "full_sync"


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("google_ads_cassette")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
        mp.setenv("DLT_PROJECT_DIR", str(tmp_path))
        mp.chdir(tmp_path)
        mp.setattr(connector, "client_factory", fast_client_factory())
        with use_cassette(connector, CASSETTE, seed=SEED, size="tiny", end_date=END, batch_size=BATCH) as replay:
            make_pipeline(tmp_path).run(source(**{**replay.config, "max_workers": 1}), loader_file_format="parquet")
            if not replay.recording:
                assert replay.cassette.all_played, "every recorded request must be asked for again"
    return tmp_path, world_of(SEED)


def _interactions():
    return yaml.safe_load((cassette_dir() / "google_ads" / f"{CASSETTE}.yaml").read_text())["interactions"]


@pytest.mark.parametrize("stream", ["campaign_daily", "ad_group_daily", "ad_daily"])
def test_replayed_rows_match_the_world(synced, stream):
    tmp_path, world = synced
    id_column, level = {"campaign_daily": ("campaign_id", "campaign"), "ad_group_daily": ("ad_group_id", "ad_group"), "ad_daily": ("ad_id", "ad")}[stream]
    loaded = {(r[0], r[1]): tuple(r[2:]) for r in query(tmp_path, f"select {id_column}, date, cost_micros, impressions, clicks, conversions from raw.google_ads_{stream}")}
    assert loaded == expected_daily(world, level)


@pytest.mark.parametrize("stream", ["campaign_daily", "ad_group_daily", "ad_daily", "keyword_daily", "search_terms"])
def test_replayed_spend_is_exact(synced, stream):
    tmp_path, world = synced
    ((cost, micros),) = query(tmp_path, f"select sum(cost), sum(cost_micros) from raw.google_ads_{stream}")
    assert cost == world_spend(world) == Decimal(micros) / 1_000_000


def test_replayed_objects_match_the_world(synced):
    tmp_path, world = synced
    (account,) = world.accounts
    assert query(tmp_path, "select customer_id, currency_code from raw.google_ads_customers") == [(account.id, account.currency)]
    assert query(tmp_path, "select count(*) from raw.google_ads_campaigns")[0][0] == len(account.campaigns)
    assert query(tmp_path, "select count(*) from raw.google_ads_ads")[0][0] == len(world.ads(account.id))


def test_cassette_looks_like_google(synced):
    interactions = _interactions()
    uris = [i["request"]["uri"] for i in interactions]
    assert all(u.startswith("https://googleads.googleapis.com/") for u in uris)
    searches = [i for i in interactions if i["request"]["uri"].endswith("/googleAds:searchStream")]
    assert all(i["request"]["method"] == "POST" and "/v26/customers/" in i["request"]["uri"] for i in searches)
    for interaction in searches:
        body = orjson.loads(interaction["response"]["body"]["string"])
        assert isinstance(body, list) and all("requestId" in batch and "fieldMask" in batch for batch in body)
    costs = [r["metrics"]["costMicros"] for i in searches for b in orjson.loads(i["response"]["body"]["string"]) for r in b.get("results", []) if "metrics" in r]
    assert costs and all(isinstance(c, str) for c in costs)  # int64 travels as a JSON string
    assert max(len(orjson.loads(i["response"]["body"]["string"])) for i in searches) >= 3


def test_cassette_holds_no_secret(synced):
    text = (cassette_dir() / "google_ads" / f"{CASSETTE}.yaml").read_text()
    secrets = [FAKE_DEVELOPER_TOKEN, FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN]
    assert find_secrets(text, secrets) == []
    assert "ya29." not in text  # minted access tokens are masked too
    # (No developer-token header since Google sunset it on 2026-09-09; one sent anyway is masked too.)
    headers = [i["request"]["headers"] for i in _interactions() if "authorization" in i["request"]["headers"]]
    assert headers and all(h["authorization"] == [REDACTED] and h.get("developer-token", [REDACTED]) == [REDACTED] for h in headers)
