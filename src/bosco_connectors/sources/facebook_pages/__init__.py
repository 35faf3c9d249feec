"""Facebook Pages: the Pages API (Graph API v27.0): pages, posts, page and post insights, declared.

Reference: https://developers.facebook.com/docs/pages-api (Graph API v27.0, released 2026-11-04;
host ``https://graph.facebook.com/v27.0/``). Insights: https://developers.facebook.com/docs/graph-api/reference/insights
(page and post metrics), https://developers.facebook.com/docs/pages-api/insights/page (how daily
values are dated). Host, errors and paging are Meta's, shared with ``instagram`` (`framework.meta_graph`).

Metrics are the current ones. Meta removed ``page_impressions``/``post_impressions`` and the
``page_fans`` family on 2025-11-15 (use ``page_media_view``/``post_media_view``, ``page_follows``)
and the reach metrics ``page_impressions_unique``/``post_impressions_unique`` with v26.0 (use
``page_total_media_view_unique``/``post_total_media_view_unique``): https://developers.facebook.com/docs/pages-api/changelog,
https://developers.facebook.com/docs/graph-api/changelog/version25.0,
https://developers.facebook.com/documentation/pages-api/platforminsights/page/deprecated-metrics.

Streams:

- ``pages``: each configured Page (``GET {page-id}?fields=...``): name, category, link, followers.
- ``page_insights_daily``: ``GET {page-id}/insights`` with ``period=day``, one row per metric and
  day (``data[].values[]``): views (``page_media_view``), viewers (``page_total_media_view_unique``),
  post engagements, video views and new follows. ``since``/``until`` select the days ("Only 90
  days of insights can be viewed at one time"; ``until`` is the end of the last day, so it is
  sent as the day after). The answer's ``paging.next`` points at the next date range, not at
  more rows of this one: it is never followed. Incremental on the day with a 3-day look-back:
  "Most metrics will update once every 24 hours" (reference above) and Meta's insights may be
  delayed up to 48 hours (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights);
  each run reads the last three days again.
- ``posts``: the Page's posts (``GET {page-id}/posts``), paged with cursors.
- ``post_insights``: ``GET {post-id}/insights`` per post, lifetime totals (``period=lifetime``):
  views, viewers and clicks. Totals grow as long as a post is seen: re-read on every run.

Mapped into the unified ``social_content_daily``: a page-level row per Page and day (the daily
metrics), and a row per post on the Pacific day it was published, carrying its lifetime views
and viewers. The page-level row already counts the posts' views of that day: sum one level,
never both (``daily_channel_summary`` reads the page level where there is one).

Auth: a Page access token (``pages_read_engagement``, ``read_insights``) in ``access_token``.
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
from bosco_connectors.framework.params import FromParent, ForEach, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream

#: Daily Page metrics (period ``day``), current as of v27.0.
PAGE_METRICS = ("page_media_view", "page_total_media_view_unique", "page_post_engagements", "page_video_views",
                "page_daily_follows_unique")
#: Lifetime post metrics (period ``lifetime``), current as of v27.0.
POST_METRICS = ("post_media_view", "post_total_media_view_unique", "post_clicks")
#: The Graph API's default page size for edges (https://developers.facebook.com/docs/graph-api/results).
DEFAULT_PAGE_SIZE = 25
#: "Only 90 days of insights can be viewed at one time when using the since and until parameters."
MAX_INSIGHT_DAYS = 90


class FacebookPagesConfig(SourceConfig):
    """Config of the ``facebook_pages`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="A Page access token with pages_read_engagement and read_insights.")
    page_ids: IdList = Field(min_length=1, description="Facebook Page ids; a list, or one comma-separated string.")
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=100, description="limit: posts per page.")
    requests_per_second: float = Field(default=5.0, gt=0, description="Pace of requests (Meta counts calls per Page and hour).")


# -- contracts ----------------------------------------------------------------------------


class Page(Contract):
    """One Facebook Page (Page node fields)."""

    id: Id
    name: str | None = None
    category: str | None = None
    link: str | None = None
    followers_count: int | None = Field(default=None, description="People following the Page, now.")


class PageInsightDaily(Contract):
    """One Page, metric and day (an ``InsightsResult`` value with ``period=day``)."""

    page_id: Id
    metric: str = Field(description="The metric's name: page_media_view, page_total_media_view_unique, ...")
    period: str = Field(description="day")
    date: dt.date = Field(description="The Pacific day the value covers (the day before its end_time).")
    end_time: dt.datetime | None = Field(default=None, description="The Pacific midnight that ends the day, in UTC.")
    value: int | None = None


class Post(Contract):
    """One post of a Page (Post node fields)."""

    id: Id
    page_id: Id
    created_time: dt.datetime | None = None
    message: str | None = None
    permalink_url: str | None = None


class PostInsight(Contract):
    """One post and metric: its lifetime total (``period=lifetime``)."""

    post_id: Id
    page_id: Id
    created_time: dt.datetime | None = Field(default=None, description="When the post was published (from the post).")
    metric: str = Field(description="post_media_view, post_total_media_view_unique or post_clicks.")
    period: str = Field(description="lifetime")
    value: int | None = None


# -- the API ------------------------------------------------------------------------------

API = Api(
    base_url=f"{GRAPH_URL}/{GRAPH_VERSION}/",
    auth=ApiKey("access_token", query="access_token"),
    errors=graph_errors("Meta"),
    rate=RateBudget(per_second="requests_per_second"),
)




def streams(config: FacebookPagesConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else DEFAULT_PAGE_SIZE
    per_page = ForEach("page_ids", "page_id")
    posts = RestStream(
        name="posts", description="The posts of each Page.", path="{page_id}/posts", partitions=per_page,
        params={"fields": "id,created_time,message,permalink_url", "limit": size}, paginator=graph_cursor,
        records=Records("data", from_partition=("page_id",), formats={"created_time": ISO_DATETIME}),
        contract=Post, primary_key=("id",),
        cursor=FullRefresh("the posts edge has no updated-at filter; posts are read again with their insights"),
    )
    return [
        RestStream(
            name="pages", description="Each configured Page.", path="{page_id}", partitions=per_page,
            params={"fields": "id,name,category,link,followers_count"}, records=Records(),
            contract=Page, primary_key=("id",), cursor=FullRefresh("one node per configured Page"),
        ),
        RestStream(
            name="page_insights_daily", description="Daily Page views, viewers, post engagements, video views and new follows.",
            path="{page_id}/insights", partitions=per_page,
            params={"metric": ",".join(PAGE_METRICS), "period": "day"},
            window=WindowParams("since", "until", end_exclusive=True),
            records=Records("data", **INSIGHT_ROWS,
                            from_partition=("page_id",), formats={"end_time": ISO_DATETIME}),
            transform=dated_insight, contract=PageInsightDaily, primary_key=("page_id", "metric", "date"),
            cursor=Cursor("date", lookback=timedelta(days=3), window=timedelta(days=MAX_INSIGHT_DAYS)),
            unified=Maps(
                "social_content_daily", date="date", account_id="page_id", content_id=Const(""),
                content_type=Const("account"),
                impressions=Expr(insight_metric("page_media_view")),
                reach=Expr(insight_metric("page_total_media_view_unique")),
                engagements=Expr(insight_metric("page_post_engagements")),
                video_views=Expr(insight_metric("page_video_views")),
                followers_gained=Expr(insight_metric("page_daily_follows_unique")),
                meanings={"date": "Meta's reporting day in Pacific time",
                          "impressions": "page_media_view: times the Page's content was played or displayed (Meta's views; replaced impressions in 2025)",
                          "reach": "page_total_media_view_unique: people who saw the Page's content that day (Meta's viewers)",
                          "engagements": "page_post_engagements: reactions, comments, shares and clicks on the Page's posts",
                          "video_views": "page_video_views: times the Page's videos played for 3 seconds or more",
                          "followers_gained": "page_daily_follows_unique: people who followed the Page that day"},
            ),
        ),
        posts,
        RestStream(
            name="post_insights", description="Lifetime views, viewers and clicks of each post.",
            path="{post_id}/insights",
            partitions=FromParent(posts, {"post_id": "id", "page_id": "page_id", "created_time": "created_time"}),
            path_only=("page_id", "created_time"), params={"metric": ",".join(POST_METRICS), "period": "lifetime"},
            records=Records("data", **INSIGHT_ROWS,
                            from_partition=("post_id", "page_id", "created_time")),
            contract=PostInsight, primary_key=("post_id", "metric"),
            cursor=FullRefresh("lifetime totals keep growing while a post is seen; every post is read again"),
            unified=Maps(
                "social_content_daily", date=DayOf("created_time", Const(INSIGHTS_ZONE)), account_id="page_id",
                content_id="post_id", content_type=Const("post"),
                impressions=Expr(insight_metric("post_media_view")),
                reach=Expr(insight_metric("post_total_media_view_unique")),
                meanings={"date": "the Pacific day the post was published (its lifetime totals land there)",
                          "impressions": "post_media_view: lifetime times the post was played or displayed (Meta's views)",
                          "reach": "post_total_media_view_unique: lifetime people who saw the post (Meta's viewers)"},
            ),
        ),
    ]


connector = declare(
    "facebook_pages", title="Facebook Pages", api=API, config=FacebookPagesConfig, streams=streams,
    api_version=GRAPH_VERSION, docs_url="https://developers.facebook.com/docs/pages-api", category="organic",
    supported_until=GRAPH_VERSION_UNTIL, support_policy="https://developers.facebook.com/docs/graph-api/guides/versioning",
    description="Facebook Page views, viewers, engagements, video views and follows per day, and posts with their lifetime insights.",
    error_example=GRAPH_ERROR_EXAMPLE,
)
source = source_function(connector)

__all__ = ["connector", "source", "FacebookPagesConfig"]
