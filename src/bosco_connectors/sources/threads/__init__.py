"""Threads: the Threads API v1.0 (a profile's threads and insights), declared.

Reference: https://developers.facebook.com/documentation/threads/insights (Threads Insights API,
updated 2026-01-30; host ``https://graph.threads.net/v1.0/``), the media reference
(https://developers.facebook.com/docs/threads/threads-media: ``GET /me/threads`` and the
Threads Media fields) and the insights reference (``GET /{threads-media-id}/insights``,
``GET /{threads-user-id}/threads_insights``). Meta's Graph conventions hold: the error envelope
and codes, cursor paging and insight envelopes are those of `framework.meta_graph`, shared with
``instagram`` and ``facebook_pages``.

Streams (the token's Threads profile, ``me``):

- ``profile``: ``GET me?fields=id,username,name,threads_biography``.
- ``threads``: ``GET me/threads``: the profile's posts (id, media type, permalink, text,
  timestamp, quote flag), paged with cursors; no updated-at filter: read in full every run.
- ``thread_insights``: ``GET {threads-media-id}/insights?metric=views,likes,replies,reposts,quotes,shares``
  per post: lifetime totals (``period`` lifetime). They grow while a post is seen: re-read every
  run. ``REPOST_FACADE`` posts answer an empty list (they are other users' posts).
- ``profile_views_daily``: ``GET me/threads_insights?metric=views&since&until`` (Unix
  timestamps): the daily time series of views of the profile (``values[]`` with ``end_time``,
  Pacific midnights as in Meta's other insights). The other user metrics (likes, replies,
  reposts, quotes, clicks) come as one ``total_value`` for the whole range, not by day, so they
  are not read here: the post-level lifetime metrics carry them. ``since``/``until`` "do not work
  for dates before April 13, 2024": older windows are skipped. Incremental on the day, 3-day
  look-back (Meta's insights settle within 48 hours; Pacific days), 30-day windows.

Mapped into the unified ``social_content_daily``: a row per post on the Pacific day it was
published, with its lifetime views and interactions, and a profile row per day with its views.

Auth: a Threads user access token (``threads_basic``, ``threads_manage_insights``) in ``access_token``.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.meta_graph import (
    GRAPH_ERROR_EXAMPLE, INSIGHT_ROWS, INSIGHTS_ZONE, dated_insight, graph_cursor, graph_errors, insight_metric,
)
from bosco_connectors.framework.params import EPOCH, FromParent, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

BASE_URL = "https://graph.threads.net/v1.0/"
#: Lifetime metrics of a post ("Available Metrics" of Media Insights).
MEDIA_METRICS = ("views", "likes", "replies", "reposts", "quotes", "shares")
INTERACTIONS = ("likes", "replies", "reposts", "quotes", "shares")
THREAD_FIELDS = "id,media_product_type,media_type,permalink,username,text,timestamp,shortcode,is_quote_post"
DEFAULT_PAGE_SIZE = 25
#: "The user insights since and until parameters do not work for dates before April 13, 2024."
OLDEST_DAY = dt.date(2024, 4, 13)


class ThreadsConfig(SourceConfig):
    """Config of the ``threads`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="A Threads user access token with threads_basic and threads_manage_insights.")
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=100, description="limit: posts per page.")
    requests_per_second: float = Field(default=5.0, gt=0, description="Pace of requests.")


class Profile(Contract):
    """The token's Threads profile."""

    id: Id
    username: str | None = None
    name: str | None = None
    threads_biography: str | None = None


class Thread(Contract):
    """One post of the profile (Threads Media fields)."""

    id: Id
    media_product_type: str | None = Field(default=None, description="THREADS.")
    media_type: str | None = Field(default=None, description="TEXT_POST, IMAGE, VIDEO, CAROUSEL_ALBUM, AUDIO or REPOST_FACADE.")
    permalink: str | None = None
    username: str | None = None
    text: str | None = None
    timestamp: dt.datetime | None = Field(default=None, description="When it was published (UTC).")
    shortcode: str | None = None
    is_quote_post: bool | None = None


class ThreadInsight(Contract):
    """One post and metric: its lifetime total."""

    thread_id: Id
    timestamp: dt.datetime | None = Field(default=None, description="When the post was published (from the post).")
    metric: str = Field(description="views, likes, replies, reposts, quotes or shares.")
    period: str = Field(description="lifetime")
    value: int | None = None


class ProfileViewsDaily(Contract):
    """The profile's views of one Pacific day."""

    metric: str = Field(description="views")
    period: str = Field(description="day")
    date: dt.date = Field(description="The Pacific day the value covers (the day before its end_time).")
    end_time: dt.datetime | None = None
    value: int | None = None


API = Api(
    base_url=BASE_URL,
    auth=ApiKey("access_token", query="access_token"),
    errors=graph_errors("Threads"),
    rate=RateBudget(per_second="requests_per_second"),
)

#: Every row is the token's profile: its id, from the one ``profile`` record of the tenant.
PROFILE_ID = Lookup("profile", (), "id", on=())


def streams(config: ThreadsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else DEFAULT_PAGE_SIZE
    threads = RestStream(
        name="threads", description="The profile's posts.", path="me/threads", params={"fields": THREAD_FIELDS, "limit": size},
        paginator=graph_cursor, records=Records("data", formats={"timestamp": ISO_DATETIME}), contract=Thread, primary_key=("id",),
        cursor=FullRefresh("me/threads has no updated-at filter; interaction counts change on old posts too"),
    )
    return [
        RestStream(
            name="profile", description="The token's Threads profile.", path="me",
            params={"fields": "id,username,name,threads_biography"}, records=Records(), contract=Profile, primary_key=("id",),
            cursor=FullRefresh("one profile per token: its current fields"),
        ),
        threads,
        RestStream(
            name="thread_insights", description="Lifetime views and interactions of each post.", path="{thread_id}/insights",
            partitions=FromParent(threads, {"thread_id": "id", "timestamp": "timestamp"}), path_only=("timestamp",),
            params={"metric": ",".join(MEDIA_METRICS)},
            records=Records("data", **INSIGHT_ROWS, from_partition=("thread_id", "timestamp")),
            contract=ThreadInsight, primary_key=("thread_id", "metric"),
            cursor=FullRefresh("lifetime totals keep growing while a post is seen; every post is read again"),
            unified=Maps(
                "social_content_daily", date=DayOf("timestamp", Const(INSIGHTS_ZONE)), account_id=PROFILE_ID,
                content_id="thread_id", content_type=Const("post"), impressions=Expr(insight_metric("views")),
                engagements=Expr(f"case when metric in ({', '.join(repr(m) for m in INTERACTIONS)}) then value end"),
                meanings={"date": "the Pacific day the post was published (its lifetime totals land there)",
                          "impressions": "views: lifetime times the post was played or displayed (in development at Meta)",
                          "engagements": "likes + replies + reposts + quotes + shares, lifetime (nested replies not counted)"},
            ),
        ),
        RestStream(
            name="profile_views_daily", description="Views of the profile per Pacific day.", path="me/threads_insights",
            params={"metric": "views"}, window=WindowParams("since", "until", format=EPOCH, end_exclusive=True),
            oldest_day=lambda: OLDEST_DAY,
            records=Records("data", **INSIGHT_ROWS, formats={"end_time": ISO_DATETIME}),
            transform=dated_insight, contract=ProfileViewsDaily, primary_key=("metric", "date"),
            cursor=Cursor("date", lookback=timedelta(days=3), window=timedelta(days=30)),
            unified=Maps(
                "social_content_daily", date="date", account_id=PROFILE_ID, content_id=Const(""),
                content_type=Const("account"), impressions=Expr(insight_metric("views")),
                meanings={"date": "Meta's reporting day in Pacific time",
                          "impressions": "views: times the profile was viewed that day"},
            ),
        ),
    ]


connector = declare(
    "threads", title="Threads", api=API, config=ThreadsConfig, streams=streams, api_version="v1.0",
    docs_url="https://developers.facebook.com/documentation/threads/insights", category="organic",
    description="Threads profiles: posts with lifetime insights, and the profile's daily views.",
    error_example=GRAPH_ERROR_EXAMPLE,
)
source = source_function(connector)

__all__ = ["connector", "source", "ThreadsConfig"]
