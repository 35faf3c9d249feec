"""The declared threads source: documented bodies, Pacific days, the unified fact, errors, re-reads.

Expected values come from the fixture bodies (cassettes/threads/), never from the connector's own code.
"""

from __future__ import annotations

import copy
from datetime import date

import httpx

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.threads import API, connector, source
from bosco_connectors.testing.replay import Fixtures, fixture_folder

from ..meta_organic import params, query, social_rows
from ..meta_organic import run as replay

NAME = "threads"
FIXTURES = Fixtures.load(fixture_folder(NAME))


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def run(tmp_path, answer_first=None, streams=None):
    return replay(NAME, source, tmp_path, answer_first, streams)


PROFILE = bodies("profile")[0]
POSTS = {p["id"]: p for body in bodies("threads") for p in body["data"]}
LIFETIME = {body["data"][0]["id"].split("/")[0]: {m["name"]: m["values"][0]["value"] for m in body["data"]}
            for body in bodies("thread_insights")}


def test_every_post_over_two_pages_gets_its_lifetime_insights(tmp_path):
    seen = run(tmp_path, streams=["threads", "thread_insights"])
    assert sorted(r[0] for r in query(tmp_path, "select id from raw.threads_threads")) == sorted(POSTS) and len(POSTS) == 3
    asked = [r for r in seen if r.path.endswith("/insights")]
    assert sorted(r.path.rsplit("/", 2)[-2] for r in asked) == sorted(POSTS)
    assert {params(r)["metric"] for r in asked} == {"views,likes,replies,reposts,quotes,shares"}
    assert all("timestamp" not in params(r) for r in asked)  # it only fills the row
    loaded = query(tmp_path, "select thread_id, metric, value from raw.threads_thread_insights")
    assert sorted(loaded) == sorted((t, k, v) for t, values in LIFETIME.items() for k, v in values.items())


def test_profile_views_are_asked_with_unix_bounds_and_land_on_pacific_days(tmp_path):
    seen = run(tmp_path, streams=["profile_views_daily"])
    [asked] = [params(r) for r in seen if r.path.endswith("threads_insights")]
    assert (asked["metric"], asked["since"], asked["until"]) == ("views", "1793404800", "1793664000")  # 31 Oct .. 3 Nov 00:00 UTC
    assert query(tmp_path, "select date, value from raw.threads_profile_views_daily order by date") == [
        (date(2026, 10, 31), 128), (date(2026, 11, 1), 143)]  # end_time 1 Nov 07:00 UTC (PDT), 2 Nov 08:00 UTC (PST)


def test_the_unified_fact_puts_posts_on_their_pacific_day_and_the_profile_row_per_day(tmp_path):
    run(tmp_path)
    rows = social_rows(connector, tmp_path)
    early = "18045367894123457"
    assert POSTS[early]["timestamp"] == "2026-11-01T06:45:00+0000"  # 23:45 PDT on 31 October
    v = LIFETIME[early]
    assert [r for r in rows if r[2] == early] == [
        (date(2026, 10, 31), PROFILE["id"], early, "post", v["views"], None,
         v["likes"] + v["replies"] + v["reposts"] + v["quotes"] + v["shares"], None, None)]
    assert [r for r in rows if r[2] == ""] == [
        (date(2026, 10, 31), PROFILE["id"], "", "account", 128, None, None, None, None),
        (date(2026, 11, 1), PROFILE["id"], "", "account", 143, None, None, None, None)]


def test_a_day_read_again_in_the_look_back_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path, streams=["profile_views_daily"])
    revised = copy.deepcopy(bodies("profile_views_daily")[0])
    revised["data"][0]["values"][1]["value"] = 150
    run(tmp_path, lambda r: FakeResponse.json(revised) if r.path.endswith("threads_insights") else None,
        streams=["profile_views_daily"])
    assert query(tmp_path, "select date, value from raw.threads_profile_views_daily order by date") == [
        (date(2026, 10, 31), 128), (date(2026, 11, 1), 150)]


def _error(body: dict, status: int = 400):
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "https://graph.threads.net/v1.0/me/threads"))
    return API.errors.policy().for_status(response, body)


def test_the_documented_rate_limit_is_retried_and_an_expired_token_stops():
    assert isinstance(_error(FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)
    error = _error(FIXTURES.body(FIXTURES.error("auth_error")))
    assert isinstance(error, AuthError) and "Threads code 190" in str(error)
