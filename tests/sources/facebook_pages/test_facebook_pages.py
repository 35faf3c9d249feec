"""The declared facebook_pages source: documented bodies, Pacific days, the unified fact, errors, re-reads.

Expected values come from the fixture bodies (cassettes/facebook_pages/), never from the
connector's own code.
"""

from __future__ import annotations

import copy
from datetime import date

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.facebook_pages import API, connector, source
from bosco_connectors.testing.replay import Fixtures, fixture_folder
from ..meta_organic import params, query, social_rows
from ..meta_organic import run as replay

NAME = "facebook_pages"
FIXTURES = Fixtures.load(fixture_folder(NAME))
PAGE = FIXTURES.config["page_ids"][0]


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def run(tmp_path, answer_first=None, streams=None):
    return replay(NAME, source, tmp_path, answer_first, streams)


@pytest.fixture(scope="module")
def daily(module_tmp):
    """The documented sync of page_insights_daily the read-only tests below query (run once for the module)."""
    return module_tmp, run(module_tmp, streams=["page_insights_daily"])


def test_daily_values_land_on_the_pacific_day_their_end_time_closes(daily):
    tmp_path, _ = daily
    loaded = query(tmp_path, "select metric, date, value from raw.facebook_pages_page_insights_daily order by metric, date")
    # end_time 2026-11-01T07:00+0000 is midnight PDT (31 Oct ends); 2026-11-02T08:00+0000 midnight PST (1 Nov ends)
    day_of = {"2026-11-01T07:00:00+0000": date(2026, 10, 31), "2026-11-02T08:00:00+0000": date(2026, 11, 1)}
    expected = sorted((m["name"], day_of[v["end_time"]], v["value"]) for m in bodies("page_insights_daily")[0]["data"]
                      for v in m["values"])
    assert loaded == expected
    assert ("page_media_view", date(2026, 11, 1), 6120) in loaded


def test_insights_ask_the_current_metrics_by_day_and_never_follow_paging_next(daily):
    seen = [r for r in daily[1] if r.path.endswith("/insights")]
    assert len(seen) == 1  # the body's paging.next (the next date range) is not followed
    sent = params(seen[0])
    assert sent["metric"].split(",") == ["page_media_view", "page_total_media_view_unique", "page_post_engagements",
                                           "page_video_views", "page_daily_follows_unique"]
    assert (sent["period"], sent["since"], sent["until"]) == ("day", "2026-10-31", "2026-11-02")  # until: the day after
    assert not any("impressions" in m or m.startswith("page_fan") for m in sent["metric"].split(","))


def test_posts_page_with_the_after_cursor_and_each_post_gets_its_lifetime_insights(tmp_path):
    seen = run(tmp_path, streams=["posts", "post_insights"])
    posts = [p for body in bodies("posts") for p in body["data"]]
    assert sorted(r[0] for r in query(tmp_path, "select id from raw.facebook_pages_posts")) == sorted(p["id"] for p in posts)
    asked = [r for r in seen if r.path.endswith("/insights")]
    assert sorted(r.path.rsplit("/", 2)[-2] for r in asked) == sorted(p["id"] for p in posts)
    assert all("page_id" not in params(r) and "created_time" not in params(r) for r in asked)
    loaded = query(tmp_path, "select post_id, metric, value from raw.facebook_pages_post_insights")
    expected = [(m["id"].split("/")[0], m["name"], m["values"][0]["value"]) for body in bodies("post_insights") for m in body["data"]]
    assert sorted(loaded) == sorted(expected)


def test_the_unified_fact_has_a_page_row_per_day_and_post_rows_on_their_pacific_publication_day(tmp_path):
    run(tmp_path)
    rows = social_rows(connector, tmp_path)
    metrics = {m["name"]: [v["value"] for v in m["values"]] for m in bodies("page_insights_daily")[0]["data"]}
    page_rows = [r for r in rows if r[2] == ""]
    assert page_rows == [
        (date(2026, 10, 31), PAGE, "", "account", metrics["page_media_view"][0], metrics["page_total_media_view_unique"][0],
         metrics["page_post_engagements"][0], metrics["page_video_views"][0], metrics["page_daily_follows_unique"][0]),
        (date(2026, 11, 1), PAGE, "", "account", metrics["page_media_view"][1], metrics["page_total_media_view_unique"][1],
         metrics["page_post_engagements"][1], metrics["page_video_views"][1], metrics["page_daily_follows_unique"][1]),
    ]
    posts = {p["id"]: p for body in bodies("posts") for p in body["data"]}
    lifetime = {body["data"][0]["id"].split("/")[0]: {m["name"]: m["values"][0]["value"] for m in body["data"]}
                for body in bodies("post_insights")}
    post_rows = {r[2]: r for r in rows if r[2]}
    late = next(i for i, p in posts.items() if p["created_time"] == "2026-11-01T03:10:11+0000")  # 20:10 PDT on 31 Oct
    assert post_rows[late][0] == date(2026, 10, 31)
    assert post_rows[late][3:] == ("post", lifetime[late]["post_media_view"], lifetime[late]["post_total_media_view_unique"],
                                   None, None, None)
    assert sum(r[4] for r in post_rows.values()) == sum(v["post_media_view"] for v in lifetime.values())


def test_a_day_read_again_in_the_look_back_changes_its_rows_and_adds_none(tmp_path):
    run(tmp_path, streams=["page_insights_daily"])
    before = query(tmp_path, "select count(*) from raw.facebook_pages_page_insights_daily")[0][0]
    revised = copy.deepcopy(bodies("page_insights_daily")[0])
    revised["data"][0]["values"][1]["value"] = 6500  # page_media_view of 1 November, updated a day later
    seen = run(tmp_path, lambda r: FakeResponse.json(revised) if r.path.endswith("/insights") else None,
               streams=["page_insights_daily"])
    assert [params(r)["since"] for r in seen if r.path.endswith("/insights")] == ["2026-10-31"]  # 3-day look-back
    assert query(tmp_path, "select count(*) from raw.facebook_pages_page_insights_daily")[0][0] == before
    assert query(tmp_path, "select value from raw.facebook_pages_page_insights_daily "
                           "where metric = 'page_media_view' and date = '2026-11-01'") == [(6500,)]


# -- errors --------------------------------------------------------------------------------------


def _error(body: dict, status: int = 400):
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "https://graph.facebook.com/v27.0/1/insights"))
    return API.errors.policy().for_status(response, body)


def test_meta_throttling_codes_are_retried():
    assert isinstance(_error(FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)  # 32: Page request limit
    for code in (4, 17, 613, 80001, 1, 2):
        assert isinstance(_error({"error": {"message": "x", "type": "OAuthException", "code": code}}), RetryableApiError), code


def test_an_invalid_token_is_one_auth_line_with_metas_words():
    error = _error(FIXTURES.body(FIXTURES.error("auth_error")))
    assert isinstance(error, AuthError) and not isinstance(error, RetryableApiError)
    assert "Meta code 190" in str(error) and "changed their password" in str(error) and "EJplcsCHuLu" in str(error)
    assert isinstance(_error({"error": {"message": "(#200) Permissions error", "code": 200}}), AuthError)


def test_an_invalid_metric_fails_without_retrying():
    error = _error({"error": {"message": "(#100) The value must be a valid insights metric", "type": "OAuthException",
                              "code": 100, "fbtrace_id": "A1"}})
    assert type(error) is ApiError
