"""The declared instagram source: documented bodies, Pacific days, the unified fact, errors, re-reads.

Expected values come from the fixture bodies (cassettes/instagram/), never from the
connector's own code.
"""

from __future__ import annotations

import copy
from datetime import date

import httpx

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.instagram import API, connector, source
from bosco_connectors.testing.replay import Fixtures, fixture_folder

from ..meta_organic import params, query, social_rows
from ..meta_organic import run as replay

NAME = "instagram"
FIXTURES = Fixtures.load(fixture_folder(NAME))


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def run(tmp_path, answer_first=None, streams=None):
    return replay(NAME, source, tmp_path, answer_first, streams)


ACCOUNT = bodies("accounts")[0]["instagram_business_account"]
MEDIA = {m["id"]: m for body in bodies("media") for m in body["data"]}
LIFETIME = {body["data"][0]["id"].split("/")[0]: {m["name"]: m["values"][0]["value"] for m in body["data"]}
            for body in bodies("media_insights")}


def test_the_pages_instagram_account_loads_with_its_page(tmp_path):
    run(tmp_path, streams=["accounts"])
    assert query(tmp_path, "select id, page_id, username, followers_count, media_count from raw.instagram_accounts") == [
        (ACCOUNT["id"], FIXTURES.config["page_ids"][0], ACCOUNT["username"], ACCOUNT["followers_count"], ACCOUNT["media_count"])]


def test_every_media_read_over_two_pages_gets_its_lifetime_insights_with_the_current_metrics(tmp_path):
    seen = run(tmp_path, streams=["media", "media_insights"])
    assert sorted(r[0] for r in query(tmp_path, "select id from raw.instagram_media")) == sorted(MEDIA)
    asked = [r for r in seen if r.path.endswith("/insights")]
    assert sorted(r.path.rsplit("/", 2)[-2] for r in asked) == sorted(MEDIA)
    for request in asked:
        sent = params(request)
        assert sent["metric"].split(",") == ["views", "reach", "total_interactions", "saved", "shares"]
        assert not {"ig_user_id", "timestamp", "media_product_type"} & set(sent)  # they only fill the row
    loaded = query(tmp_path, "select media_id, metric, value from raw.instagram_media_insights")
    assert sorted(loaded) == sorted((m, k, v) for m, values in LIFETIME.items() for k, v in values.items())


def test_the_unified_fact_puts_media_on_their_pacific_day_and_the_account_row_per_day(tmp_path):
    run(tmp_path)
    rows = social_rows(connector, tmp_path)
    by_content = {(r[0], r[2]): r for r in rows}
    reel = next(i for i, m in MEDIA.items() if m["media_product_type"] == "REELS")
    assert MEDIA[reel]["timestamp"] == "2026-11-01T04:30:12+0000"  # 21:30 PDT on 31 October
    assert by_content[(date(2026, 10, 31), reel)][1:] == (
        ACCOUNT["id"], reel, "reels", LIFETIME[reel]["views"], LIFETIME[reel]["reach"],
        LIFETIME[reel]["total_interactions"], LIFETIME[reel]["views"], None)
    feed = [r for r in rows if r[3] == "feed"]
    assert len(feed) == 2 and all(r[7] is None for r in feed)  # views of posts are not video views
    assert sum(r[6] for r in rows if r[2]) == sum(v["total_interactions"] for v in LIFETIME.values())
    daily = {m["name"]: [v["value"] for v in m["values"]] for m in bodies("account_insights_daily")[0]["data"]}
    assert [r for r in rows if r[2] == ""] == [
        (date(2026, 10, 31), ACCOUNT["id"], "", "account", None, daily["reach"][0], None, None, daily["follower_count"][0]),
        (date(2026, 11, 1), ACCOUNT["id"], "", "account", None, daily["reach"][1], None, None, daily["follower_count"][1]),
    ]


def test_a_day_read_again_in_the_look_back_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path, streams=["account_insights_daily"])
    before = query(tmp_path, "select count(*) from raw.instagram_account_insights_daily")[0][0]
    revised = copy.deepcopy(bodies("account_insights_daily")[0])
    revised["data"][0]["values"][1]["value"] = 3290  # reach of 1 November, revised within 48 hours
    seen = run(tmp_path, lambda r: FakeResponse.json(revised) if r.path.endswith(f"{ACCOUNT['id']}/insights") else None,
               streams=["account_insights_daily"])
    asked = [params(r) for r in seen if r.path.endswith(f"{ACCOUNT['id']}/insights")]
    assert [(a["since"], a["until"], a["period"]) for a in asked] == [("2026-10-31", "2026-11-02", "day")]
    assert query(tmp_path, "select count(*) from raw.instagram_account_insights_daily")[0][0] == before
    assert query(tmp_path, "select value from raw.instagram_account_insights_daily "
                           "where metric = 'reach' and date = '2026-11-01'") == [(3290,)]


def _error(body: dict, status: int = 400):
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "https://graph.facebook.com/v27.0/1/insights"))
    return API.errors.policy().for_status(response, body)


def test_the_documented_rate_limit_is_retried_and_an_invalid_token_stops():
    assert isinstance(_error(FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)
    assert isinstance(_error({"error": {"message": "x", "code": 80002}}), RetryableApiError)  # Instagram business use case
    error = _error(FIXTURES.body(FIXTURES.error("auth_error")))
    assert isinstance(error, AuthError) and "Meta code 190" in str(error)
