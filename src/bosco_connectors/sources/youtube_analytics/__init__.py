"""YouTube Analytics: the YouTube Analytics API v2 (``reports.query``) and the YouTube Data API v3
(``channels.list``, ``playlistItems.list``) for one channel, declared.

References: https://developers.google.com/youtube/analytics/reference/reports/query (v2,
``GET https://youtubeanalytics.googleapis.com/v2/reports``), the channel reports it answers
(https://developers.google.com/youtube/analytics/channel_reports), and the Data API v3
(https://developers.google.com/youtube/v3/docs/channels/list,
https://developers.google.com/youtube/v3/docs/playlistItems/list, on
``https://www.googleapis.com/youtube/v3/``). Machine-readable reference: Google's discovery
documents ``youtubeAnalytics:v2`` and ``youtube:v3`` (googleapis/google-api-php-client-services,
``src/YouTubeAnalytics.php``, ``src/YouTube/*.php``). Two hosts: `ServiceHosts` sends the Data
API's ``youtube/v3/`` paths to ``www.googleapis.com``.

Streams (the channel the OAuth token was granted for: ``ids=channel==MINE``, ``mine=true``):

- ``channels``: the channel (``part=snippet,contentDetails,statistics``): title, country, its
  uploads playlist, lifetime counts (``statistics`` counts are uint64 text). Read in full.
- ``videos``: the channel's uploads, from its uploads playlist (``playlistItems.list``,
  ``maxResults`` at most 50, ``pageToken`` until the answer has no ``nextPageToken``). Read in
  full: the Data API has no changed-since filter.
- ``channel_daily``: the channel's basic user-activity report by ``day`` (views, watch time,
  likes, dislikes, comments, shares, subscribers gained and lost).
- ``video_daily``: the same report for each upload (``filters=video==<id>``): the channel
  reports offer ``day`` and ``video`` together in no report, so one query per video.

Rows are positional: ``columnHeaders`` names each value in request order (dimensions, then
metrics), `ReportsQuery.decode` names them. A day-dimension report has one row per day and is
not paged; windows of 30 days. Incremental on ``day`` with a 7-day look-back: the reference
says only that a ``day`` query "will not contain rows for the most recent days" and that the
answer stops at "the last day ... for which all metrics in the query are available"
(https://developers.google.com/youtube/analytics/data_model); it documents no restatement
window, so the last week is read again (our choice). Days are YouTube Analytics' reporting
days (the reference names no zone).

Mapped into the unified ``social_content_daily``: channel rows as account-level rows
(``content_type`` ``account``, ``content_id`` empty, with subscribers gained as followers
gained), video rows per video. Engagements are likes + comments + shares (YouTube reports no
saves or clicks here); YouTube reports no impressions or reach in these reports (left NULL).
Channel and video rows overlap: sum one content type at a time.

Auth: OAuth 2.0 refresh token of the channel's owner with the ``yt-analytics.readonly`` and
``youtube.readonly`` scopes. Errors follow Google's JSON error model
(https://cloud.google.com/apis/design/errors; the Data API's reasons:
https://developers.google.com/youtube/v3/docs/errors): ``error.errors[0].reason``
(``quotaExceeded``: the Data API's daily quota, reset at midnight Pacific Time, fails the run;
``rateLimitExceeded`` retried), else ``error.status``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import RefreshToken
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Const, Expr, Maps
from bosco_connectors.framework.hosts import ServiceHosts, hosts_unless_base_url
from bosco_connectors.framework.http import RetryPolicy
from bosco_connectors.framework.paginators import CursorInBody, PageRequest, SinglePage
from bosco_connectors.framework.params import FromParent, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
#: Reports (yt-analytics.readonly) and the channel's own resources (youtube.readonly).
SCOPES = "https://www.googleapis.com/auth/yt-analytics.readonly https://www.googleapis.com/auth/youtube.readonly"
DATA_API = "https://www.googleapis.com/"
#: playlistItems.list ``maxResults``: 0 to 50.
MAX_PAGE_SIZE = 50
DIMENSIONS = ("day",)
#: Channel reports, "Time-based" user activity: metrics of both daily reports, in request order.
METRICS = ("views", "estimatedMinutesWatched", "likes", "dislikes", "comments", "shares", "subscribersGained",
           "subscribersLost")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def column(name: str) -> str:
    """A YouTube Analytics name as a column: ``estimatedMinutesWatched`` -> ``estimated_minutes_watched``."""
    return _CAMEL.sub("_", name).lower()


class YoutubeAnalyticsConfig(SourceConfig):
    """Config of the ``youtube_analytics`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="OAuth client id of your Google Cloud app.")
    client_secret: SecretStr = Field(description="OAuth client secret of the app.")
    refresh_token: SecretStr = Field(description=(
        "Refresh token of the channel's owner with the yt-analytics.readonly and youtube.readonly scopes."))
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint (default: Google's).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Uploads per playlistItems page (1-50).")
    requests_per_second: float = Field(default=5.0, gt=0, le=50, description="Requests a second, across both APIs.")


# -- contracts -------------------------------------------------------------------------------


class Channel(Contract):
    """The authorized channel (``channels.list``, ``mine=true``)."""

    id: Id = Field(description="The channel id (UC...).")
    title: str | None = None
    custom_url: str | None = Field(default=None, description="The channel's handle (@name).")
    country: str | None = None
    published_at: dt.datetime | None = Field(default=None, description="When the channel was created.")
    uploads_playlist_id: str | None = Field(default=None, description="The playlist of the channel's uploaded videos.")
    view_count: int | None = Field(default=None, description="Lifetime views (sent as text).")
    subscriber_count: int | None = Field(default=None, description="Subscribers, rounded to three significant figures.")
    hidden_subscriber_count: bool | None = None
    video_count: int | None = Field(default=None, description="Public videos.")


class Video(Contract):
    """One upload of the channel, from its uploads playlist (``playlistItems.list``)."""

    video_id: Id
    channel_id: str | None = None
    title: str | None = None
    description: str | None = None
    video_published_at: dt.datetime | None = Field(default=None, description="When the video was published.")
    published_at: dt.datetime | None = Field(default=None, description="When it was added to the uploads playlist.")
    position: int | None = Field(default=None, description="Its place in the playlist, 0 first.")
    playlist_item_id: str | None = None


class ChannelDaily(Contract):
    """The channel's user activity on one day (``reports.query``, dimension ``day``)."""

    day: dt.date = Field(description="YouTube Analytics' reporting day.")
    views: int | None = None
    estimated_minutes_watched: int | None = Field(default=None, description="Minutes watched.")
    likes: int | None = None
    dislikes: int | None = None
    comments: int | None = None
    shares: int | None = None
    subscribers_gained: int | None = None
    subscribers_lost: int | None = None


class VideoDaily(ChannelDaily):
    """One video's user activity on one day (``filters=video==<id>``)."""

    video_id: Id


# -- the API ---------------------------------------------------------------------------------

CREDENTIAL = RefreshToken(GOOGLE_TOKEN_URL, scope=SCOPES)

API = Api(
    base_url="https://youtubeanalytics.googleapis.com/",
    auth=CREDENTIAL,
    errors=ErrorMap(
        "YouTube", code=("error.errors.0.reason", "error.status"), message=("error.message",),
        codes={**dict.fromkeys(("rateLimitExceeded", "userRateLimitExceeded", "backendError", "RESOURCE_EXHAUSTED",
                                "UNAVAILABLE", "INTERNAL"), Action.RETRY),
               **dict.fromkeys(("authError", "UNAUTHENTICATED", "insufficientPermissions", "forbidden",
                                "PERMISSION_DENIED"), Action.AUTH),
               # the Data API's daily quota (reset at midnight Pacific Time): retrying today cannot help
               "quotaExceeded": Action.FAIL},
        hints={Action.AUTH: "check the refresh token, its yt-analytics.readonly and youtube.readonly scopes, and that "
                            "it was granted by the channel's owner",
               Action.FAIL: "the YouTube Data API's daily quota resets at midnight Pacific Time"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=120.0),
    client_class=ServiceHosts,
    client_options=hosts_unless_base_url({"youtube/v3/": DATA_API}),
)


@dataclass(kw_only=True)
class ReportsQuery(RestStream):
    """One ``reports.query`` of the channel. Its rows are positional: values are named by the
    response's ``columnHeaders`` (dimensions, then metrics, in request order)."""

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        if not isinstance(body, dict):
            raise ResponseFormatError("reports.query answered without a JSON object", stream=self.name)
        return response, {**body, "rows": self.decode(body, ctx.partition)}

    def decode(self, body: dict[str, Any], partition: Any) -> list[dict[str, Any]]:
        """``rows`` (lists) -> records: ``day`` a date, metrics as sent, the partition's video id added."""
        rows = body.get("rows") or []
        names = [h.get("name") for h in body.get("columnHeaders") or []]
        wanted = [*DIMENSIONS, *METRICS]
        if rows and names != wanted:
            raise ResponseFormatError(f"reports.query columnHeaders {names} do not match the request {wanted}", stream=self.name)
        common = {k: partition[k] for k in ("video_id",) if k in (partition or {})}
        out = []
        for row in rows:
            if not isinstance(row, list) or len(row) != len(names):
                raise ResponseFormatError(f"a reports.query row has {len(row) if isinstance(row, list) else 'no'} values, "
                                          f"expected {len(names)}", stream=self.name)
            record = {**common, **{column(n): v for n, v in zip(names, row)}}
            record["day"] = dt.date.fromisoformat(record["day"])
            out.append(record)
        return out

    # -- the generated fake (sandbox.generated) serves the documented rows of the video asked for --

    def fake_records(self, app: Any, route: Any) -> Iterator[list[Any]]:
        """The documented rows of the exchange whose ``filters`` is the request's (none: the channel's)."""
        wanted = route.params.get("filters")
        for exchange in app.fixtures.data(self.name):
            if (exchange.request.get("query") or {}).get("filters") == wanted:
                yield from copy.deepcopy(app.fixtures.body(exchange).get("rows") or [])

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[list[Any]]) -> dict[str, Any]:
        body["rows"] = records
        return body


ENGAGEMENTS = Expr("likes + comments + shares")
CHANNEL = Lookup("channels", (), "id", on=())
MEANINGS = {
    "date": "YouTube Analytics' reporting day",
    "video_views": "views (for Shorts since 2025-03-31: every start or replay, no minimum watch time)",
    "engagements": "likes + comments + shares (YouTube reports no saves or clicks here; dislikes left out)",
}


def report(name: str, description: str, contract: type[Contract], **more: Any) -> ReportsQuery:
    return ReportsQuery(
        name=name, description=description, path="v2/reports",
        params={"ids": "channel==MINE", "dimensions": ",".join(DIMENSIONS), "metrics": ",".join(METRICS), **more.pop("params", {})},
        window=WindowParams("startDate", "endDate"), paginator=SinglePage, records="rows", contract=contract, arrow=True,
        cursor=Cursor("day", lookback=timedelta(days=7), window=timedelta(days=30)), **more,
    )


def streams(config: YoutubeAnalyticsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    channels = RestStream(
        name="channels", description="The authorized channel: title, country, uploads playlist, lifetime counts.",
        path="youtube/v3/channels", params={"part": "snippet,contentDetails,statistics", "mine": "true"},
        paginator=SinglePage,
        records=Records("items", rename={
            "snippet.title": "title", "snippet.customUrl": "custom_url", "snippet.country": "country",
            "snippet.publishedAt": "published_at", "contentDetails.relatedPlaylists.uploads": "uploads_playlist_id",
            "statistics.viewCount": "view_count", "statistics.subscriberCount": "subscriber_count",
            "statistics.hiddenSubscriberCount": "hidden_subscriber_count", "statistics.videoCount": "video_count"},
            formats={"published_at": ISO_DATETIME}, drop=("kind", "etag")),
        contract=Channel, primary_key=("id",),
        cursor=FullRefresh("one channel per token, read whole"),
    )
    videos = RestStream(
        name="videos", description="The channel's uploads, from its uploads playlist.", path="youtube/v3/playlistItems",
        params={"part": "snippet,contentDetails", "maxResults": size},
        partitions=FromParent(channels, {"playlistId": "uploads_playlist_id"}),
        paginator=lambda: CursorInBody(token_path="nextPageToken", param="pageToken"),
        records=Records("items", rename={
            "id": "playlist_item_id", "contentDetails.videoId": "video_id", "snippet.channelId": "channel_id",
            "snippet.title": "title", "snippet.description": "description", "snippet.position": "position",
            "snippet.publishedAt": "published_at", "contentDetails.videoPublishedAt": "video_published_at"},
            formats={"published_at": ISO_DATETIME, "video_published_at": ISO_DATETIME}, drop=("kind", "etag")),
        contract=Video, primary_key=("video_id",),
        cursor=FullRefresh("playlistItems.list has no changed-since filter: the uploads are read whole"),
    )
    return [
        channels,
        videos,
        report("channel_daily", "The channel's views, watch time, likes, comments, shares and subscribers per day.",
               ChannelDaily, primary_key=("day",),
               unified=Maps("social_content_daily", date="day", account_id=CHANNEL, content_id=Const(""),
                            content_type=Const("account"), video_views="views", engagements=ENGAGEMENTS,
                            followers_gained="subscribers_gained",
                            meanings={**MEANINGS, "followers_gained": "subscribersGained (subscribers lost not subtracted)"})),
        # ``sort=day`` as well: one video's rows in day order (and this stream's requests told apart from the channel's)
        report("video_daily", "Each upload's views, watch time, likes, comments and shares per day.", VideoDaily,
               params={"filters": "video=={video_id}", "sort": "day"}, primary_key=("video_id", "day"),
               partitions=FromParent(videos, {"video_id": "video_id"}),
               unified=Maps("social_content_daily", date="day", account_id=CHANNEL, content_id="video_id",
                            content_type=Const("video"), video_views="views", engagements=ENGAGEMENTS, meanings=MEANINGS)),
    ]


connector = declare(
    "youtube_analytics", title="YouTube Analytics", api=API, config=YoutubeAnalyticsConfig, streams=streams,
    api_version="v2", docs_url="https://developers.google.com/youtube/analytics/reference/reports/query",
    category="organic",
    support_policy="https://developers.google.com/youtube/terms/deprecation-policy (core dimensions and metrics; "
                   "v1 was retired on 2018-10-31)",
    description="YouTube channel and per-video views, watch time, likes, comments, shares and subscribers per day, "
                "and the channel's uploads.",
    # The Data API's quotaExceeded (https://developers.google.com/youtube/v3/docs/errors), in Google's JSON error model.
    error_example={"error": {"code": 403, "message": "The request cannot be completed because you have exceeded your quota.",
                             "errors": [{"message": "The request cannot be completed because you have exceeded your quota.",
                                         "domain": "youtube.quota", "reason": "quotaExceeded"}]}},
)
source = source_function(connector)

__all__ = ["connector", "source", "YoutubeAnalyticsConfig"]
