"""The declared linkedin_pages source: daily page statistics, the Rest.li time intervals, facts, errors.

Expected values come from the fixture bodies (cassettes/linkedin_pages/), never from the connector.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.framework.spec import Window
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.linkedin_pages import API, TimeIntervals, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("linkedin_pages"))
ORG = "2414183"


def elements(stream: str) -> list[dict]:
    return [e for x in FIXTURES.data(stream) for e in FIXTURES.body(x)["elements"]]


def utc_day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).date()


def run(tmp_path: Path, answer_first=None, streams=None) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder("linkedin_pages")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="lip_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**app.source_config(api.url(app.prefix)), streams=streams))
    assert not app.unmatched, app.unmatched
    return seen


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_daily_statistics_load_on_their_utc_day(tmp_path):
    run(tmp_path)
    shares = query(tmp_path, "select organization_id, day, impression_count, unique_impressions_count, click_count, like_count, "
                             "comment_count, share_count, engagement from raw.linkedin_pages_share_statistics_daily order by day")
    assert shares == [(ORG, utc_day(e["timeRange"]["start"]), *(e["totalShareStatistics"][k] for k in (
        "impressionCount", "uniqueImpressionsCount", "clickCount", "likeCount", "commentCount", "shareCount", "engagement")))
        for e in elements("share_statistics_daily")]
    assert shares[0][1] == date(2026, 11, 1)
    followers = query(tmp_path, "select day, organic_follower_gain, paid_follower_gain from raw.linkedin_pages_follower_statistics_daily order by day")
    assert followers == [(utc_day(e["timeRange"]["start"]), e["followerGains"]["organicFollowerGain"], e["followerGains"]["paidFollowerGain"])
                         for e in elements("follower_statistics_daily")]
    posts = query(tmp_path, "select id, organization_id, lifecycle_state, created_at from raw.linkedin_pages_posts order by created_at")
    assert sorted(p[0] for p in posts) == sorted(e["id"] for e in elements("posts"))
    oldest = min(e["createdAt"] for e in elements("posts"))  # epoch milliseconds
    assert posts[0][3] == datetime.fromtimestamp(oldest / 1000, tz=timezone.utc)


def test_time_intervals_are_sent_in_rest_li_form_from_midnight_utc_to_the_next_midnight(tmp_path):
    seen = run(tmp_path, streams=["share_statistics_daily"])
    (request,) = [r for r in seen if r.path.endswith("/organizationalEntityShareStatistics")]
    assert request.arg("timeIntervals") == "(timeRange:(start:1793491200000,end:1793664000000),timeGranularityType:DAY)"
    assert request.arg("organizationalEntity") == "urn:li:organization:2414183"
    assert TimeIntervals().parse({"timeIntervals": request.arg("timeIntervals")}) == ("2026-11-01", "2026-11-02")
    assert TimeIntervals().render(Window(date(2026, 11, 1), date(2026, 11, 1)))["timeIntervals"] == \
        "(timeRange:(start:1793491200000,end:1793577600000),timeGranularityType:DAY)"


def test_a_day_read_again_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path, streams=["share_statistics_daily"])
    changed = copy.deepcopy(FIXTURES.body(FIXTURES.data("share_statistics_daily")[0]))
    changed["elements"][1]["totalShareStatistics"]["impressionCount"] = 2100

    def later(request):
        return FakeResponse.json(changed) if request.path.endswith("/organizationalEntityShareStatistics") else None

    run(tmp_path, later, streams=["share_statistics_daily"])
    assert query(tmp_path, "select day, impression_count from raw.linkedin_pages_share_statistics_daily order by day") == [
        (date(2026, 11, 1), 2431), (date(2026, 11, 2), 2100)]


def test_engagements_and_follower_gains_reach_the_account_rows(tmp_path):
    """What the generic fact test cannot read (expressions over several fields), checked the same way."""
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(fixture_folder("linkedin_pages")))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        assert build(con, select=["fct_social_content_daily"]).get("fct_social_content_daily").status == "built"
    rows = con.execute("select date, account_id, content_id, content_type, impressions, reach, engagements, followers_gained "
                       "from analytics.fct_social_content_daily where platform = 'linkedin_pages' order by date").fetchall()
    con.close()
    shares, gains = elements("share_statistics_daily"), elements("follower_statistics_daily")
    assert rows == [(utc_day(s["timeRange"]["start"]), ORG, "", "account", s["totalShareStatistics"]["impressionCount"],
                     s["totalShareStatistics"]["uniqueImpressionsCount"],
                     sum(s["totalShareStatistics"][k] for k in ("clickCount", "likeCount", "commentCount", "shareCount")),
                     g["followerGains"]["organicFollowerGain"] + g["followerGains"]["paidFollowerGain"]) for s, g in zip(shares, gains)]
    assert sum(Decimal(r[7]) for r in rows) == 28


# -- errors --------------------------------------------------------------------------------------


def _error(status: int, body: dict):
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "https://api.linkedin.com/rest/organizationalEntityShareStatistics"))
    return API.errors.policy().for_status(response, body)


def test_the_documented_errors():
    assert isinstance(_error(429, FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)
    assert isinstance(_error(401, FIXTURES.body(FIXTURES.error("auth_error"))), AuthError)
    sunset = _error(426, {"message": "Requested version 20230101 is not active", "status": 426})
    assert isinstance(sunset, ApiError) and not isinstance(sunset, (RetryableApiError, AuthError))
