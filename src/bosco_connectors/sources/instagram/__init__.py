"""Instagram: the Instagram Graph API with Facebook Login (Graph API v27.0), declared.

Reference: https://developers.facebook.com/docs/instagram-platform (Instagram API with Facebook Login,
Graph API v27.0, released 2026-11-04; host ``https://graph.facebook.com/v27.0/``): the Page's
``instagram_business_account``, the IG User's ``media`` edge, IG Media insights
(https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights) and IG User
insights (https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights).
Host, errors and paging are Meta's, shared with ``facebook_pages`` (`framework.meta_graph`).

Metrics are the current ones: ``impressions``, ``plays``, ``video_views`` and the reels play
counts were removed for all versions on 2025-04-21 in favour of ``views`` (same pages).

Streams:

- ``accounts``: the Instagram professional account of each configured Facebook Page
  (``GET {page-id}?fields=instagram_business_account{...}``): username, followers, media count.
- ``media``: the account's posts and reels (``GET {ig-user-id}/media``), paged with cursors.
  The edge has no updated-at filter: read in full every run.
- ``media_insights``: ``GET {ig-media-id}/insights`` per media, lifetime totals of ``views``,
  ``reach``, ``total_interactions``, ``saved`` and ``shares`` (metrics every FEED and REELS media
  answers). Totals grow while a media is seen, and "Data used to calculate metrics can be delayed
  up to 48 hours": re-read on every run.
- ``account_insights_daily``: ``GET {ig-user-id}/insights`` with ``period=day``: the account's daily
  ``reach`` and ``follower_count`` (new followers that day), one row per metric and day, ``since``/``until``
  at most 30 days apart. Incremental on the day with a 3-day look-back (the 48-hour delay above,
  and Meta's Pacific days).

Stories (``GET {ig-user-id}/stories``) are left out: their insights live 24 hours and are meant to
be caught by the ``story_insights`` webhook, which a batch sync cannot receive.

Mapped into the unified ``social_content_daily``: a row per media on the Pacific day it was
published, with its lifetime views, reach and interactions, and an account-level row per day
with reach and new followers.

Auth: a User or Page access token with ``instagram_basic``, ``instagram_manage_insights``,
``pages_read_engagement`` and ``pages_show_list``, in ``access_token``.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.meta_graph import (
    GRAPH_ERROR_EXAMPLE, GRAPH_URL, GRAPH_VERSION, GRAPH_VERSION_UNTIL, INSIGHT_ROWS, INSIGHTS_ZONE, dated_insight, graph_cursor,
    graph_errors, insight_metric,
)
from bosco_connectors.framework.params import ForEach, FromParent, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream

#: Lifetime metrics every FEED and REELS media answers (v27.0).
MEDIA_METRICS = ("views", "reach", "total_interactions", "saved", "shares")
#: Daily account metrics with a time series (``period=day``).
ACCOUNT_METRICS = ("reach", "follower_count")
ACCOUNT_FIELDS = "id,username,name,followers_count,follows_count,media_count"
MEDIA_FIELDS = "id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count"
#: The Graph API's default page size for edges (https://developers.facebook.com/docs/graph-api/results).
DEFAULT_PAGE_SIZE = 25
#: ``follower_count``: only the last 30 days; ``since``/``until`` at most 30 days apart.
MAX_INSIGHT_DAYS = 30


class InstagramConfig(SourceConfig):
    """Config of the ``instagram`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="A Facebook User or Page access token with instagram_basic and instagram_manage_insights.")
    page_ids: IdList = Field(min_length=1, description="Facebook Page ids whose Instagram professional accounts to read.")
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=100, description="limit: media per page.")
    requests_per_second: float = Field(default=5.0, gt=0, description="Pace of requests (Meta counts calls per account and hour).")


# -- contracts ----------------------------------------------------------------------------


class Account(Contract):
    """One Instagram professional account (IG User fields), with the Page it is connected to."""

    id: Id
    page_id: Id
    username: str | None = None
    name: str | None = None
    followers_count: int | None = None
    follows_count: int | None = None
    media_count: int | None = None


class Media(Contract):
    """One post or reel (IG Media fields)."""

    id: Id
    ig_user_id: Id
    caption: str | None = None
    media_type: str | None = Field(default=None, description="CAROUSEL_ALBUM, IMAGE or VIDEO.")
    media_product_type: str | None = Field(default=None, description="AD, FEED, STORY or REELS.")
    permalink: str | None = None
    timestamp: dt.datetime | None = Field(default=None, description="When it was published (UTC).")
    like_count: int | None = None
    comments_count: int | None = None


class MediaInsight(Contract):
    """One media and metric: its lifetime total."""

    media_id: Id
    ig_user_id: Id
    timestamp: dt.datetime | None = Field(default=None, description="When the media was published (from the media).")
    media_product_type: str | None = None
    metric: str = Field(description="views, reach, total_interactions, saved or shares.")
    period: str = Field(description="lifetime")
    value: int | None = None


class AccountInsightDaily(Contract):
    """One account, metric and day (``period=day`` time series)."""

    ig_user_id: Id
    metric: str = Field(description="reach or follower_count.")
    period: str = Field(description="day")
    date: dt.date = Field(description="The Pacific day the value covers (the day before its end_time).")
    end_time: dt.datetime | None = None
    value: int | None = None


# -- the API ------------------------------------------------------------------------------

API = Api(
    base_url=f"{GRAPH_URL}/{GRAPH_VERSION}/",
    auth=ApiKey("access_token", query="access_token"),
    errors=graph_errors("Meta"),
    rate=RateBudget(per_second="requests_per_second"),
)




def streams(config: InstagramConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else DEFAULT_PAGE_SIZE
    accounts = RestStream(
        name="accounts", description="The Instagram professional account of each configured Page.", path="{page_id}",
        partitions=ForEach("page_ids", "page_id"), params={"fields": f"instagram_business_account{{{ACCOUNT_FIELDS}}}"},
        records=Records("instagram_business_account", from_partition=("page_id",)),
        contract=Account, primary_key=("id",), cursor=FullRefresh("one account per configured Page"),
    )
    per_account = FromParent(accounts, {"ig_user_id": "id"})
    media = RestStream(
        name="media", description="The account's posts and reels.", path="{ig_user_id}/media", partitions=per_account,
        params={"fields": MEDIA_FIELDS, "limit": size}, paginator=graph_cursor,
        records=Records("data", from_partition=("ig_user_id",), formats={"timestamp": ISO_DATETIME}),
        contract=Media, primary_key=("id",),
        cursor=FullRefresh("the media edge has no updated-at filter; like and comment counts change on old media too"),
    )
    return [
        accounts,
        media,
        RestStream(
            name="media_insights", description="Lifetime views, reach, interactions, saves and shares of each media.",
            path="{media_id}/insights",
            partitions=FromParent(media, {"media_id": "id", "ig_user_id": "ig_user_id", "timestamp": "timestamp",
                                          "media_product_type": "media_product_type"}),
            path_only=("ig_user_id", "timestamp", "media_product_type"), params={"metric": ",".join(MEDIA_METRICS)},
            records=Records("data", **INSIGHT_ROWS, from_partition=("media_id", "ig_user_id", "timestamp", "media_product_type")),
            contract=MediaInsight, primary_key=("media_id", "metric"),
            cursor=FullRefresh("lifetime totals keep growing while a media is seen; every media is read again"),
            unified=Maps(
                "social_content_daily", date=DayOf("timestamp", Const(INSIGHTS_ZONE)), account_id="ig_user_id",
                content_id="media_id", content_type=Expr("lower(media_product_type)"),
                impressions=Expr(insight_metric("views")), reach=Expr(insight_metric("reach")),
                engagements=Expr(insight_metric("total_interactions")),
                video_views=Expr("case when metric = 'views' and media_product_type = 'REELS' then value end"),
                meanings={"date": "the Pacific day the media was published (its lifetime totals land there)",
                          "content_type": "feed (posts, carousels) or reels",
                          "impressions": "views: lifetime times the media was played or displayed (replaced impressions in 2025)",
                          "reach": "reach: lifetime unique accounts that saw the media",
                          "engagements": "total_interactions: likes, saves, comments and shares, minus unlikes, unsaves and deleted comments; organic only",
                          "video_views": "views of reels (Meta counts a reel's plays as its views)"},
            ),
        ),
        RestStream(
            name="account_insights_daily", description="The account's daily reach and new followers.",
            path="{ig_user_id}/insights", partitions=per_account,
            params={"metric": ",".join(ACCOUNT_METRICS), "period": "day"},
            window=WindowParams("since", "until", end_exclusive=True),
            records=Records("data", **INSIGHT_ROWS, from_partition=("ig_user_id",), formats={"end_time": ISO_DATETIME}),
            transform=dated_insight, contract=AccountInsightDaily, primary_key=("ig_user_id", "metric", "date"),
            cursor=Cursor("date", lookback=timedelta(days=3), window=timedelta(days=MAX_INSIGHT_DAYS)),
            unified=Maps(
                "social_content_daily", date="date", account_id="ig_user_id", content_id=Const(""),
                content_type=Const("account"), reach=Expr(insight_metric("reach")),
                followers_gained=Expr(insight_metric("follower_count")),
                meanings={"date": "Meta's reporting day in Pacific time",
                          "reach": "reach: unique accounts that saw any of the account's content that day",
                          "followers_gained": "follower_count: accounts that followed the account that day (not reported under 100 followers)"},
            ),
        ),
    ]


connector = declare(
    "instagram", title="Instagram", api=API, config=InstagramConfig, streams=streams,
    api_version=GRAPH_VERSION, docs_url="https://developers.facebook.com/docs/instagram-platform", category="organic",
    supported_until=GRAPH_VERSION_UNTIL, support_policy="https://developers.facebook.com/docs/graph-api/guides/versioning",
    description="Instagram professional accounts of Facebook Pages: media with lifetime insights, and daily account reach and new followers.",
    error_example=GRAPH_ERROR_EXAMPLE,
)
source = source_function(connector)

__all__ = ["connector", "source", "InstagramConfig"]
