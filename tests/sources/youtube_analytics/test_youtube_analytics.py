"""The declared youtube_analytics source: positional report rows, the unified social facts, errors.

Expected values come from the fixture bodies (cassettes/youtube_analytics/), read by position
with each body's own ``columnHeaders`` here, never with the connector's code.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.youtube_analytics import API, ReportsQuery, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("youtube_analytics"))
CHANNEL = FIXTURES.body(FIXTURES.data("channels")[0])["items"][0]


def named_rows(stream: str) -> list[tuple[str | None, dict]]:
    """``(video id of the request's filter, {header name: value})`` for every documented row."""
    out = []
    for exchange in FIXTURES.data(stream):
        body = FIXTURES.body(exchange)
        names = [h["name"] for h in body["columnHeaders"]]
        video = (exchange.request.get("query") or {}).get("filters", "").removeprefix("video==") or None
        out += [(video, dict(zip(names, row))) for row in body.get("rows", [])]
    return out


def run(tmp_path: Path, answer_first=None, streams=None) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder("youtube_analytics")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="yt_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**app.source_config(api.url(app.prefix)), streams=streams))
    assert not app.unmatched, app.unmatched
    return seen


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_positional_rows_load_under_their_column_headers(tmp_path):
    run(tmp_path)
    channel = query(tmp_path, "select day, views, estimated_minutes_watched, likes, dislikes, comments, shares, "
                              "subscribers_gained, subscribers_lost from raw.youtube_analytics_channel_daily order by day")
    assert channel == [(date.fromisoformat(r["day"]), r["views"], r["estimatedMinutesWatched"], r["likes"], r["dislikes"],
                        r["comments"], r["shares"], r["subscribersGained"], r["subscribersLost"])
                       for _, r in named_rows("channel_daily")]
    videos = query(tmp_path, "select video_id, day, views, likes from raw.youtube_analytics_video_daily order by 1, 2")
    assert videos == sorted((v, date.fromisoformat(r["day"]), r["views"], r["likes"]) for v, r in named_rows("video_daily"))
    assert ("Zk2bH5qY8sM", date(2026, 11, 1), 177, 11) in videos


def test_the_channel_and_its_uploads_load_as_documented(tmp_path):
    run(tmp_path, streams=["channels", "videos"])
    (row,) = query(tmp_path, "select id, title, uploads_playlist_id, view_count, subscriber_count, video_count, "
                             "hidden_subscriber_count, published_at from raw.youtube_analytics_channels")
    assert row[:7] == (CHANNEL["id"], CHANNEL["snippet"]["title"], CHANNEL["contentDetails"]["relatedPlaylists"]["uploads"],
                       1843210, 12400, 3, False)  # uint64 counts sent as text load as numbers
    assert row[7] == datetime(2019, 3, 14, 16, 2, 11, tzinfo=timezone.utc)
    uploads = [i for e in FIXTURES.data("videos") for i in FIXTURES.body(e)["items"]]
    assert query(tmp_path, "select video_id, channel_id, title, position from raw.youtube_analytics_videos order by position") == sorted(
        ((i["contentDetails"]["videoId"], i["snippet"]["channelId"], i["snippet"]["title"], i["snippet"]["position"]) for i in uploads),
        key=lambda r: r[3])


def test_each_upload_is_asked_for_alone_on_the_analytics_host_path(tmp_path):
    seen = run(tmp_path, streams=["channels", "videos", "video_daily"])
    reports = [r for r in seen if r.path.endswith("/v2/reports")]
    assert sorted(r.arg("filters") for r in reports) == sorted(f"video=={v}" for v in ("dQ8kFv2mT1A", "pL3xR7wN9cE", "Zk2bH5qY8sM"))
    assert {(r.arg("ids"), r.arg("dimensions"), r.arg("startDate"), r.arg("endDate")) for r in reports} == {
        ("channel==MINE", "day", "2026-11-01", "2026-11-02")}
    assert all(r.arg("video_id") is None for r in reports)  # the partition goes into the filter only


def test_documented_totals_reach_fct_social_content_daily(tmp_path):
    """The generic fact test cannot read positional rows: the same check, totals read by header name."""
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(fixture_folder("youtube_analytics")))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_social_content_daily"])
    assert built.get("fct_social_content_daily").status == "built", [m.line() for m in built.models if m.status != "built"]
    channel, videos = [r for _, r in named_rows("channel_daily")], [r for _, r in named_rows("video_daily")]

    def total(content_type: str, column: str) -> Decimal | None:
        value = con.execute(f"select sum({column}) from analytics.fct_social_content_daily where platform = 'youtube_analytics' "
                            "and content_type = ?", [content_type]).fetchone()[0]
        return None if value is None else Decimal(str(value))

    assert total("account", "video_views") == sum(r["views"] for r in channel) == 2908
    assert total("video", "video_views") == sum(r["views"] for r in videos) == 2726
    assert total("account", "engagements") == sum(r["likes"] + r["comments"] + r["shares"] for r in channel)
    assert total("video", "engagements") == sum(r["likes"] + r["comments"] + r["shares"] for r in videos)
    assert total("account", "followers_gained") == sum(r["subscribersGained"] for r in channel)
    assert total("video", "followers_gained") is None  # followers are account-level
    assert total("account", "impressions") is None  # not reported by these reports: NULL, never 0
    keys = con.execute("select distinct account_id, content_id from analytics.fct_social_content_daily "
                       "where platform = 'youtube_analytics' order by 2").fetchall()
    assert keys == [(CHANNEL["id"], ""), *sorted((CHANNEL["id"], v) for v in {v for v, _ in named_rows("video_daily")})]
    con.close()


def test_a_day_read_again_in_the_look_back_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path, streams=["channel_daily"])
    changed = copy.deepcopy(FIXTURES.body(FIXTURES.data("channel_daily")[0]))
    changed["rows"][-1][1] = 1400  # 2026-11-02's views, restated

    def later(request):
        return FakeResponse.json(changed) if request.path.endswith("/v2/reports") else None

    run(tmp_path, later, streams=["channel_daily"])
    assert query(tmp_path, "select day, views from raw.youtube_analytics_channel_daily order by day") == [
        (date(2026, 11, 1), 1520), (date(2026, 11, 2), 1400)]


def test_headers_that_do_not_match_the_request_fail_the_stream():
    stream = next(s for s in connector.streams if isinstance(s, ReportsQuery))
    body = copy.deepcopy(FIXTURES.body(FIXTURES.data("channel_daily")[0]))
    body["columnHeaders"][1], body["columnHeaders"][2] = body["columnHeaders"][2], body["columnHeaders"][1]
    with pytest.raises(ResponseFormatError, match="columnHeaders"):
        stream.decode(body, {})
    assert stream.decode({"kind": "youtubeAnalytics#resultTable", "columnHeaders": body["columnHeaders"]}, {}) == []  # no rows: no data


# -- errors --------------------------------------------------------------------------------------


def _error(status: int, body: dict):
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "https://youtubeanalytics.googleapis.com/v2/reports"))
    return API.errors.policy().for_status(response, body)


def test_rate_limits_are_retried():
    assert isinstance(_error(429, FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)


def test_an_invalid_credential_is_an_auth_error():
    assert isinstance(_error(401, FIXTURES.body(FIXTURES.error("auth_error"))), AuthError)


def test_the_daily_data_api_quota_fails_at_once_and_says_when_it_resets():
    error = _error(403, FIXTURES.body(FIXTURES.error("quota_exhausted")))
    assert isinstance(error, ApiError) and not isinstance(error, (RetryableApiError, AuthError))
    assert "midnight Pacific Time" in str(error)
