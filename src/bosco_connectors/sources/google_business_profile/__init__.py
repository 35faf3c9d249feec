"""Google Business Profile: daily performance (Performance API v1) and reviews (My Business API v4), declared.

References (Google's discovery documents and the reference pages rendered from them):

- Business Profile Performance API v1, ``locations.fetchMultiDailyMetricsTimeSeries``
  (https://developers.google.com/my-business/reference/performance/rest/v1/locations/fetchMultiDailyMetricsTimeSeries;
  discovery document ``businessprofileperformance:v1``, revision 20230607, as kept in
  googleapis/google-api-go-client ``businessprofileperformance/v1/businessprofileperformance-api.json``):
  ``GET https://businessprofileperformance.googleapis.com/v1/locations/{id}:fetchMultiDailyMetricsTimeSeries``
  with repeated ``dailyMetrics`` and ``dailyRange.startDate``/``endDate`` as ``year``/``month``/``day``
  query fields (`framework.params.dotted_query`). The answer nests ``multiDailyMetricTimeSeries[]``
  > ``dailyMetricTimeSeries[]`` (``dailyMetric``, ``timeSeries.datedValues[]`` of ``date`` {year, month,
  day} and ``value``, an int64 as a string that "will not be present when the value is zero"); every
  ``MultiDailyMetricTimeSeries`` is read (``*`` in the records path), however Google groups the series.
- My Business API v4, ``accounts.locations.reviews.list``
  (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list):
  ``GET https://mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/reviews``, ``pageSize`` at most
  50, ``nextPageToken`` "not present" on the last page; ``Review`` (``reviewId``, ``reviewer``,
  ``starRating`` enum ONE..FIVE or STAR_RATING_UNSPECIFIED, ``comment``, ``createTime``,
  ``updateTime``, ``reviewReply``), https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews.

Streams, per configured location (an account id and its location ids):

- ``daily_metrics``: one row per location, metric and day (impressions on Maps and Search by
  device, calls, website clicks, direction requests, conversations, bookings, food orders and
  menu clicks). A day a metric was zero has its value left out by Google: loaded as 0. Incremental
  on the day; the API documents no data delay, so the look-back is 7 days (a safe choice: the
  Business Profile insights are known to settle over several days); windows of 90 days.
- ``reviews``: every review of each location, newest update first (the list's default order
  ``updateTime desc``; it has no date filter): read in full every run and merged on the review,
  so an edited review or a new owner reply changes its row.

Mapped into the unified ``social_content_daily`` (a location row a day: impressions and the
profile's interactions) and ``reviews`` (rating from the ``starRating`` enum, 1 to 5; no title,
product or verification: Google reports none). Days: Google names the day without a zone.

Auth: OAuth 2.0 user credentials (client id and secret, refresh token) with the
``https://www.googleapis.com/auth/business.manage`` scope; the project needs Business Profile
API access ("If you have a quota of 0 after enabling the API, please request for GBP API access").
Errors: Google's ``{"error": {"code", "message", "status"}}``: RESOURCE_EXHAUSTED, UNAVAILABLE and
INTERNAL are retried, UNAUTHENTICATED stops, PERMISSION_DENIED, NOT_FOUND and FAILED_PRECONDITION
(an unverified location: "only valid if the specified location is verified") skip that location.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import RefreshToken
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.hosts import ServiceHosts, hosts_unless_base_url
from bosco_connectors.framework.paginators import CursorInBody
from bosco_connectors.framework.params import DateParts, ForEach, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream

MY_BUSINESS = "https://mybusiness.googleapis.com/"
PERFORMANCE = "https://businessprofileperformance.googleapis.com/"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/business.manage"
#: ``pageSize``: "The maximum pageSize is 50."
MAX_PAGE_SIZE = 50
#: The daily metrics of ``DailyMetric`` (DAILY_METRIC_UNKNOWN left out).
IMPRESSIONS = ("BUSINESS_IMPRESSIONS_DESKTOP_MAPS", "BUSINESS_IMPRESSIONS_DESKTOP_SEARCH",
               "BUSINESS_IMPRESSIONS_MOBILE_MAPS", "BUSINESS_IMPRESSIONS_MOBILE_SEARCH")
INTERACTIONS = ("BUSINESS_CONVERSATIONS", "BUSINESS_DIRECTION_REQUESTS", "CALL_CLICKS", "WEBSITE_CLICKS",
                "BUSINESS_BOOKINGS", "BUSINESS_FOOD_ORDERS", "BUSINESS_FOOD_MENU_CLICKS")
DAILY_METRICS = IMPRESSIONS + INTERACTIONS
#: ``StarRating``: "ONE: One star out of a maximum of five" ... "FIVE: The maximum star rating".
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
GOOGLE_DATE = DateParts()


class GoogleBusinessProfileConfig(SourceConfig):
    """Config of the ``google_business_profile`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="OAuth client id of the Google Cloud project with Business Profile API access.")
    client_secret: SecretStr = Field(description="OAuth client secret.")
    refresh_token: SecretStr = Field(description="Refresh token of a user who manages the locations (scope business.manage).")
    token_url: str | None = Field(default=None, description=f"Override the token endpoint (default {GOOGLE_TOKEN_URL}).")
    account_id: str = Field(pattern=r"^\d+$", description="The Business Profile account id (accounts/{account_id}).")
    location_ids: IdList = Field(min_length=1, description="Location ids (locations/{location_id}); a list, or one comma-separated string.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Reviews per page (at most 50).")
    requests_per_minute: float = Field(default=300, gt=0, description="Request pace (Google's default quota: 300 a minute).")


class DailyMetric(Contract):
    """One location, metric and day."""

    location_id: Id
    daily_metric: str = Field(description="A DailyMetric: BUSINESS_IMPRESSIONS_MOBILE_MAPS, CALL_CLICKS, ...")
    date: dt.date
    value: int = Field(description="The count; 0 where Google leaves the value out (it does for zero).")


class Review(Contract):
    """One review of a location (``Review``)."""

    review_id: Id = Field(description="reviewId: the encrypted unique identifier.")
    location_id: Id
    name: str | None = Field(default=None, description="accounts/{a}/locations/{l}/reviews/{reviewId}")
    reviewer_display_name: str | None = None
    reviewer_is_anonymous: bool | None = None
    star_rating: str | None = Field(default=None, description="ONE, TWO, THREE, FOUR, FIVE or STAR_RATING_UNSPECIFIED.")
    comment: str | None = None
    create_time: dt.datetime
    update_time: dt.datetime | None = None
    reply_comment: str | None = None
    reply_update_time: dt.datetime | None = None


API = Api(
    base_url=MY_BUSINESS,  # paths carry the version: v4/... (My Business), v1/... (Performance, its own host)
    auth=RefreshToken(GOOGLE_TOKEN_URL, scope=SCOPE),
    errors=ErrorMap(
        "Google Business Profile", code="error.status",
        codes={**dict.fromkeys(("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL"), Action.RETRY),
               "UNAUTHENTICATED": Action.AUTH,
               **dict.fromkeys(("PERMISSION_DENIED", "NOT_FOUND", "FAILED_PRECONDITION"), Action.SKIP)},
        hints={Action.AUTH: "check the refresh token and its business.manage scope",
               Action.SKIP: "the user must manage the location, and reviews need a verified location"},
    ),
    rate=RateBudget(per_minute="requests_per_minute"),
    client_class=ServiceHosts,
    client_options=hosts_unless_base_url({"v1/": PERFORMANCE}),
)

PER_LOCATION = ForEach("location_ids", "location_id")
REVIEW_TIMES = {name: ISO_DATETIME for name in ("create_time", "update_time", "reply_update_time")}


def day_of(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """A dated value's ``{year, month, day}`` as a day; its missing value (Google's zero) as 0."""
    record["date"] = GOOGLE_DATE.parse(record["date"])
    record["value"] = int(record.get("value") or 0)
    return record


def metric_sum(names: tuple[str, ...]) -> Expr:
    listed = ", ".join(f"'{n}'" for n in names)
    return Expr(f"case when daily_metric in ({listed}) then value end")


class DailyMetricsStream(RestStream):
    """The performance answer: each ``MultiDailyMetricTimeSeries`` holds a list of metric series."""

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        """The generated fake's page: the metric series under one ``MultiDailyMetricTimeSeries``."""
        return {**body, "multiDailyMetricTimeSeries": [{"dailyMetricTimeSeries": records}]}


def streams(config: GoogleBusinessProfileConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        DailyMetricsStream(
            name="daily_metrics", description="Each location's daily impressions and interactions, one row per metric and day.",
            path="v1/locations/{location_id}:fetchMultiDailyMetricsTimeSeries", partitions=PER_LOCATION,
            params={"dailyMetrics": list(DAILY_METRICS)},
            window=WindowParams("dailyRange.startDate", "dailyRange.endDate", format=GOOGLE_DATE),
            records=Records("multiDailyMetricTimeSeries.*.dailyMetricTimeSeries", explode="timeSeries.datedValues",
                            rename={"dailyMetric": "daily_metric"}, from_partition=("location_id",)),
            transform=day_of, contract=DailyMetric, primary_key=("location_id", "daily_metric", "date"),
            cursor=Cursor("date", lookback=timedelta(days=7), window=timedelta(days=90)),
            unified=Maps(
                "social_content_daily", date="date", account_id="location_id", content_id=Const(""),
                content_type=Const("location"), impressions=metric_sum(IMPRESSIONS), engagements=metric_sum(INTERACTIONS),
                meanings={"date": "the day as Google reports it (the API names no time zone)",
                          "account_id": "the Business Profile location",
                          "impressions": "BUSINESS_IMPRESSIONS_* on Maps and Search, desktop and mobile: unique users a day "
                                         "(several views by one user in a day count once)",
                          "engagements": "calls, website clicks, direction requests, conversations, bookings, food orders "
                                         "and menu clicks from the profile"},
            ),
        ),
        RestStream(
            name="reviews", description="Every review of each location: stars, comment, owner reply.",
            path="v4/accounts/{account_id}/locations/{location_id}/reviews", partitions=PER_LOCATION,
            params={"pageSize": size}, paginator=lambda: CursorInBody("nextPageToken", "pageToken"),
            records=Records("reviews", rename={
                "reviewId": "review_id", "starRating": "star_rating", "createTime": "create_time", "updateTime": "update_time",
                "reviewer.displayName": "reviewer_display_name", "reviewer.isAnonymous": "reviewer_is_anonymous",
                "reviewReply.comment": "reply_comment", "reviewReply.updateTime": "reply_update_time"},
                formats=REVIEW_TIMES, drop=("reviewMediaItems",), from_partition=("location_id",)),
            contract=Review, primary_key=("review_id",),
            cursor=FullRefresh("reviews.list has no date filter (ordered by updateTime desc): every run reads every review, "
                               "and edited ones and new replies are merged"),
            unified=Maps(
                "reviews", review_date=DayOf("create_time"), review_id="review_id",
                rating=Expr("case star_rating " + " ".join(f"when '{k}' then {v}" for k, v in STARS.items()) + " end"),
                meanings={"review_date": "the UTC day of createTime",
                          "rating": "starRating ONE..FIVE as 1..5 (STAR_RATING_UNSPECIFIED: not reported)"},
            ),
        ),
    ]


connector = declare(
    "google_business_profile", title="Google Business Profile", api=API, config=GoogleBusinessProfileConfig,
    streams=streams, api_version="Performance v1, My Business v4.9",
    docs_url="https://developers.google.com/my-business/reference/performance/rest", category="reviews",
    support_policy="https://developers.google.com/my-business/content/sunset-dates (reviews stay on v4; "
                   "v4 reportInsights moved to the Performance API)",
    description="Google Business Profile locations: daily impressions and interactions, and every review with its rating.",
    error_example={"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "GoogleBusinessProfileConfig"]
