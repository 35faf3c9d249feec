"""LinkedIn Pages: the LinkedIn Community Management API (versioned ``/rest`` APIs, Rest.li 2.0), declared.

Reference: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics,
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/follower-statistics,
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api and
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api
(monthly ``LinkedIn-Version: YYYYMM`` versions, each supported at least a year:
https://learn.microsoft.com/en-us/linkedin/marketing/versioning). Base
``https://api.linkedin.com/rest/``, headers ``LinkedIn-Version`` and ``X-Restli-Protocol-Version:
2.0.0``, query values in Rest.li 2.0 form (`linkedin_ads.restli`, shared with LinkedIn Ads). OAuth
2.0: a refresh token of a member who administers the pages (scopes ``rw_organization_admin`` for
the statistics, ``r_organization_social`` for the posts), exchanged at
``https://www.linkedin.com/oauth/v2/accessToken``.

Per organization (page):

- ``organizations``: ``GET organizations/{id}`` (name, vanity name). Read whole.
- ``posts``: ``GET posts?q=author&author=urn:li:organization:{id}`` (``start``/``count`` paging,
  ``count`` at most 100 here; a page shorter than ``count`` is the last). Read whole: the finder
  filters by author only.
- ``share_statistics_daily``: ``organizationalEntityShareStatistics?q=organizationalEntity`` with
  ``timeIntervals=(timeRange:(start:<ms>,end:<ms>),timeGranularityType:DAY)``: one element per day
  of the page's organic (not sponsored) impressions, unique impressions, clicks, likes, comments,
  shares and engagement rate. "Returns share data only within the past 12 months, using a rolling
  12-month window": older windows are skipped.
- ``follower_statistics_daily``: ``organizationalEntityFollowerStatistics`` with the same
  ``timeIntervals``: organic and paid follower gains per day.

Days are UTC days (``timeRange.start``, epoch milliseconds at 00:00 UTC). Windows of 30 days;
incremental on the day with a 3-day look-back (our choice: the pages document no restatement
window; a day's statistics still grow while it is recent).

Mapped into the unified ``social_content_daily`` as account-level rows (``content_type``
``account``, ``content_id`` empty): impressions, unique impressions as reach, engagements (clicks
+ likes + comments + shares, LinkedIn's own engagement counts), followers gained (organic + paid).
LinkedIn's time-bound statistics are per page only (per-post statistics are lifetime totals).

Errors: ``{"message", "serviceErrorCode", "status"}``
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling); limits per
application and member per day, reset at midnight UTC, answered with HTTP 429
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

from pydantic import Field, SecretStr, field_validator

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import RefreshToken
from bosco_connectors.framework.declare import Api, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, Expr, Maps
from bosco_connectors.framework.http import RetryPolicy
from bosco_connectors.framework.paginators import OffsetLimit, SinglePage
from bosco_connectors.framework.params import DATE, ForEach, WindowParams
from bosco_connectors.framework.records import EPOCH_MILLIS, Records, snake_case
from bosco_connectors.framework.spec import Cursor, FullRefresh, Stream
from bosco_connectors.sources.linkedin_ads import RestliStream
from bosco_connectors.sources.linkedin_ads.restli import Raw

#: The newest monthly version this source was checked against.
LATEST_VERSION = "202607"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
MAX_PAGE_SIZE = 100
_ORGANIZATION = re.compile(r"^(?:urn:li:organization:)?([0-9]{1,20})$")
_MS = re.compile(r"(start|end):(\d+)")
DAY_MS = 86_400_000


class LinkedInPagesConfig(SourceConfig):
    """Config of the ``linkedin_pages`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="OAuth client id of your LinkedIn app.")
    client_secret: SecretStr = Field(description="OAuth client secret of the app.")
    refresh_token: SecretStr = Field(description="Refresh token of a page administrator (rw_organization_admin, r_organization_social).")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint.")
    organization_ids: IdList = Field(min_length=1, description="Organization (page) ids, or urn:li:organization URNs.")
    linkedin_version: str = Field(default=LATEST_VERSION, pattern=r"^20[0-9]{2}(0[1-9]|1[0-2])$",
                                  description="LinkedIn-Version header, YYYYMM (a supported monthly version).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Posts per page (count).")

    @field_validator("organization_ids")
    @classmethod
    def _organization_ids(cls, value: list[str]) -> list[str]:
        matches = [(_ORGANIZATION.match(v), v) for v in value]
        if bad := [v for m, v in matches if m is None]:
            raise ValueError(f"organization ids are numbers (or urn:li:organization:<number>); not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(m.group(1) for m, _ in matches if m))


# -- contracts -------------------------------------------------------------------------------


class Organization(Contract):
    """One page (``GET organizations/{id}``)."""

    id: Id
    localized_name: str | None = None
    vanity_name: str | None = Field(default=None, description="The page's URL name (linkedin.com/company/<vanity name>).")


class Post(Contract):
    """One post of the page (``posts?q=author``)."""

    id: str = Field(description="urn:li:share:... or urn:li:ugcPost:...")
    organization_id: Id
    author: str | None = None
    commentary: str | None = None
    visibility: str | None = None
    lifecycle_state: str | None = Field(default=None, description="PUBLISHED, DRAFT, ...")
    created_at: datetime | None = None
    published_at: datetime | None = None
    last_modified_at: datetime | None = None


class ShareStatisticsDaily(Contract):
    """The page's organic share statistics on one UTC day."""

    organization_id: Id
    day: date = Field(description="The UTC day (timeRange.start).")
    impression_count: int | None = None
    unique_impressions_count: int | None = Field(default=None, description="Unique members who saw the page's posts.")
    click_count: int | None = None
    like_count: int | None = None
    comment_count: int | None = None
    share_count: int | None = None
    engagement: float | None = Field(default=None, description="(clicks + likes + comments + shares) / impressions.")


class FollowerStatisticsDaily(Contract):
    """The page's follower gains on one UTC day."""

    organization_id: Id
    day: date = Field(description="The UTC day (timeRange.start).")
    organic_follower_gain: int | None = None
    paid_follower_gain: int | None = Field(default=None, description="Followers gained from sponsored content.")


# -- the API ---------------------------------------------------------------------------------


def _headers(config: Any) -> dict[str, str]:
    return {"LinkedIn-Version": getattr(config, "linkedin_version", None) or LATEST_VERSION, "X-Restli-Protocol-Version": "2.0.0"}


API = Api(
    base_url="https://api.linkedin.com/rest/",
    auth=RefreshToken(TOKEN_URL),
    headers=_headers,
    errors=ErrorMap(
        "LinkedIn", code="serviceErrorCode", message=("message",),
        codes={401: Action.AUTH},
        statuses={426: Action.FAIL},  # the LinkedIn-Version asked for has been sunset
        hints={Action.AUTH: "check the token, its rw_organization_admin and r_organization_social scopes, and that the "
                            "member is an administrator of each page"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=120.0),
)


class TimeIntervals(WindowParams):
    """The window as ``timeIntervals=(timeRange:(start:<ms>,end:<ms>),timeGranularityType:DAY)``: 00:00 UTC of
    the first day to 00:00 UTC after the last (the end excluded)."""

    def __init__(self, name: str = "timeIntervals") -> None:
        super().__init__(start=name, end=name, format=DATE)

    def render(self, window: Any) -> dict[str, Any]:
        if window.start is None:
            return {}
        first = _day(window.start)
        last = _day(window.end) if window.end is not None else first
        start, end = (int(datetime.combine(d, time.min, tzinfo=timezone.utc).timestamp() * 1000) for d in (first, last + timedelta(days=1)))
        return {self.start: Raw(f"(timeRange:(start:{start},end:{end}),timeGranularityType:DAY)")}

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        """(first, last) ISO days of a request's ``timeIntervals``."""
        found = dict(_MS.findall(str(params.get(self.start) or "")))
        if "start" not in found:
            return None, None
        first = datetime.fromtimestamp(int(found["start"]) / 1000, tz=timezone.utc).date()
        last = datetime.fromtimestamp((int(found["end"]) - DAY_MS) / 1000, tz=timezone.utc).date() if "end" in found else None
        return first.isoformat(), last.isoformat() if last else None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


PER_ORGANIZATION = ForEach("organization_ids", "organization_id")
ORGANIZATION = {"q": "organizationalEntity", "organizationalEntity": "urn:li:organization:{organization_id}"}
#: The statistics' camelCase names (ShareStatisticsData, followerGains) as columns.
METRIC_NAMES = snake_case("impressionCount", "uniqueImpressionsCount", "clickCount", "likeCount", "commentCount", "shareCount",
                          "shareMentionsCount", "commentMentionsCount", "organicFollowerGain", "paidFollowerGain")
ACCOUNT_ROW = dict(date="day", account_id="organization_id", content_id=Const(""), content_type=Const("account"))


def statistics(name: str, path: str, nested: str, contract: type[Contract], description: str, unified: Maps) -> RestliStream:
    return RestliStream(
        name=name, description=description, path=path, params=dict(ORGANIZATION), partitions=PER_ORGANIZATION,
        window=TimeIntervals(), paginator=SinglePage,
        records=Records("elements", flatten=(nested,), rename={"timeRange.start": "day", **METRIC_NAMES},
                        formats={"day": EPOCH_MILLIS}, drop=("organizationalEntity",), from_partition=("organization_id",)),
        transform=_as_day, contract=contract, primary_key=("organization_id", "day"),
        cursor=Cursor("day", lookback=timedelta(days=3), window=timedelta(days=30)), history=timedelta(days=365),
        unified=unified,
    )


def _as_day(record: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """``timeRange.start`` (00:00 UTC of the day) as the UTC day."""
    value = record.get("day")
    if isinstance(value, datetime):
        record["day"] = value.astimezone(timezone.utc).date()
    return record


def streams(config: LinkedInPagesConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestliStream(
            name="organizations", description="Each page: name and vanity name.", path="organizations/{organization_id}",
            partitions=PER_ORGANIZATION, paginator=SinglePage,
            records=Records(rename=snake_case("localizedName", "vanityName")), contract=Organization, primary_key=("id",),
            cursor=FullRefresh("a page is read whole by its id"),
        ),
        RestliStream(
            name="posts", description="Every post of each page.", path="posts",
            params={"q": "author", "author": "urn:li:organization:{organization_id}"},
            partitions=PER_ORGANIZATION, paginator=lambda: OffsetLimit(limit=size, offset_param="start", limit_param="count"),
            records=Records("elements", rename=snake_case("lifecycleState", "createdAt", "publishedAt", "lastModifiedAt"),
                            drop=("distribution", "lifecycleStateInfo", "content", "adContext"),
                            formats=dict.fromkeys(("created_at", "published_at", "last_modified_at"), EPOCH_MILLIS),
                            from_partition=("organization_id",)),
            contract=Post, primary_key=("id",),
            cursor=FullRefresh("the author finder has no changed-since filter: every run reads all"),
        ),
        statistics("share_statistics_daily", "organizationalEntityShareStatistics", "totalShareStatistics", ShareStatisticsDaily,
                   "The page's organic impressions, clicks, likes, comments and shares per UTC day.",
                   Maps("social_content_daily", **ACCOUNT_ROW, impressions="impression_count", reach="unique_impressions_count",
                        engagements=Expr("click_count + like_count + comment_count + share_count"),
                        meanings={"date": "a UTC day", "impressions": "organic impressions of the page's posts (sponsored not counted)",
                                  "reach": "uniqueImpressionsCount: unique members who saw the page's posts that day",
                                  "engagements": "clicks + likes (reactions) + comments + shares, organic"})),
        statistics("follower_statistics_daily", "organizationalEntityFollowerStatistics", "followerGains", FollowerStatisticsDaily,
                   "The page's organic and paid follower gains per UTC day.",
                   Maps("social_content_daily", **ACCOUNT_ROW, followers_gained=Expr("organic_follower_gain + paid_follower_gain"),
                        meanings={"date": "a UTC day",
                                  "followers_gained": "organicFollowerGain + paidFollowerGain (unfollows not subtracted)"})),
    ]


connector = declare(
    "linkedin_pages", title="LinkedIn Pages", api=API, config=LinkedInPagesConfig, streams=streams, api_version=LATEST_VERSION,
    docs_url="https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics",
    category="organic",
    support_policy="https://learn.microsoft.com/en-us/linkedin/marketing/versioning (monthly versions, each supported at "
                   "least one year; a sunset version answers HTTP 426)",
    description="LinkedIn company pages: daily organic share statistics and follower gains, the pages and their posts.",
    error_example={"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401},
)
source = source_function(connector)

__all__ = ["connector", "source", "LinkedInPagesConfig", "TimeIntervals"]
