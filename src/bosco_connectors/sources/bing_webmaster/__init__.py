"""Bing Webmaster Tools: the Bing Webmaster API (JSON protocol), declared.

Reference: https://learn.microsoft.com/en-us/bingwebmaster/ (Bing Webmaster API, ``IWebmasterApi``;
methods and classes: https://learn.microsoft.com/en-us/dotnet/api/microsoft.bing.webmaster.api.interfaces.iwebmasterapi);
the API has one unversioned surface. JSON protocol (https://learn.microsoft.com/en-us/bingwebmaster/api-protocols):
``GET https://ssl.bing.com/webmaster/api.svc/json/METHOD_NAME?apikey=API_KEY&param=VALUE``; every
answer is WCF's JSON wrapper ``{"d": [...]}``, each item tagged ``__type``, dates written as
.NET JSON dates ``/Date(<ms since 1970>[+-hhmm])/`` (read as the day in that offset, `MS_JSON_DAY`).

Streams (one read per configured site; no method takes a date range or pages):

- ``sites``: ``GetUserSites``, the sites of the key's user (``Url``, ``IsVerified``, ...).
- ``traffic_daily``: ``GetRankAndTrafficStats``, the site's clicks and impressions per day
  (``RankAndTrafficStats``: ``Date``, ``Clicks``, ``Impressions``; no position at this level).
  Mapped into the unified ``organic_search_daily`` as the property's daily totals (query, page,
  country and device NULL: Bing reports none of them per day).
- ``query_stats``: ``GetQueryStats``, clicks, impressions and average click and impression
  positions per top query and period (``QueryStats``).
- ``page_stats``: ``GetPageStats``, the same per top page (``QueryStats`` again: its ``Query``
  holds the page's URL, loaded as ``page``).

The query and page statistics come one row per item and week (Bing's reports are weekly, the
``Date`` marking the period; peers that read this API agree, see SOURCES.md), so they are not
mapped into a daily fact: summed into days they would put a week on one day. ``AvgClickPosition``
is -1 for an item without clicks (kept as sent).

No method filters by date: each run reads the history Bing answers with and merges it on the
primary key (`FullRefresh`), so a day Bing revises later is updated in place, never added twice.

Errors (https://learn.microsoft.com/en-us/dotnet/api/microsoft.bing.webmaster.api.interfaces.apierrorcode):
``{"ErrorCode": <ApiErrorCode>, "Message": "ERROR!!! <name>"}`` with HTTP 400: ``ThrottleUser`` (4)
and ``ThrottleHost`` (5) are retried, ``InvalidApiKey`` (3), ``UserBlocked`` (6) and ``UserNotFound``
(10) are auth errors, ``NotAuthorized`` (14), ``InvalidUrl`` (7) and ``NotFound`` (11) skip that site.
Rate: Bing announced 3 requests a second per key
(https://blogs.bing.com/webmaster/2012/11/07/breaking-change-in-webmaster-api-soappox-protocol).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.records import MS_JSON_DAY, Records
from bosco_connectors.framework.spec import FullRefresh, RestStream, Stream

#: ApiErrorCode values (the enum's documented numbers).
THROTTLE_USER, THROTTLE_HOST = 4, 5
INVALID_API_KEY, USER_BLOCKED, USER_NOT_FOUND = 3, 6, 10
INVALID_URL, NOT_FOUND, NOT_AUTHORIZED = 7, 11, 14


class BingWebmasterConfig(SourceConfig):
    """Config of the ``bing_webmaster`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="Bing Webmaster Tools API key (Settings > API access), sent as the apikey parameter.")
    site_urls: IdList = Field(min_length=1, description=(
        "Sites to read, exactly as Bing Webmaster Tools lists them ('https://www.example.com/'); "
        "a list, or one comma-separated string."))
    requests_per_second: float = Field(default=3.0, gt=0, le=3.0, description="Requests a second (Bing: 3 per key).")

    @model_validator(mode="after")
    def _urls(self) -> "BingWebmasterConfig":
        bad = [u for u in self.site_urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"not site URLs: {', '.join(map(repr, bad[:3]))} (expected 'https://www.example.com/')")
        return self


# -- contracts -----------------------------------------------------------------------------


class Site(Contract):
    """One site of the key's user (``Site``)."""

    url: str
    is_verified: bool | None = None
    authentication_code: str | None = Field(default=None, description="The meta tag / XML file verification code.")
    dns_verification_code: str | None = None


class TrafficDaily(Contract):
    """One site and day (``RankAndTrafficStats``)."""

    site_url: str
    date: dt.date = Field(description="Bing's day: the .NET date's calendar day in the offset it carries.")
    clicks: int | None = None
    impressions: int | None = None


class QueryStats(Contract):
    """One top query and period (``QueryStats``)."""

    site_url: str
    query: str
    date: dt.date = Field(description="The period's date, as Bing dates it (weekly rows).")
    clicks: int | None = None
    impressions: int | None = None
    avg_click_position: float | None = Field(default=None, description="-1 when the query had no click.")
    avg_impression_position: float | None = None


class PageStats(Contract):
    """One top page and period (``QueryStats``, whose ``Query`` is the page URL)."""

    site_url: str
    page: str
    date: dt.date = Field(description="The period's date, as Bing dates it (weekly rows).")
    clicks: int | None = None
    impressions: int | None = None
    avg_click_position: float | None = Field(default=None, description="-1 when the page had no click.")
    avg_impression_position: float | None = None


# -- the API -------------------------------------------------------------------------------

API = Api(
    base_url="https://ssl.bing.com/webmaster/api.svc/json/",
    auth=ApiKey("api_key", query="apikey"),
    errors=ErrorMap(
        "Bing Webmaster", code="ErrorCode", message=("Message",),
        codes={THROTTLE_USER: Action.RETRY, THROTTLE_HOST: Action.RETRY,
               INVALID_API_KEY: Action.AUTH, USER_BLOCKED: Action.AUTH, USER_NOT_FOUND: Action.AUTH,
               NOT_AUTHORIZED: Action.SKIP, INVALID_URL: Action.SKIP, NOT_FOUND: Action.SKIP},
        hints={Action.AUTH: "check the API key (Bing Webmaster Tools > Settings > API access)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)



def _per_site(config: BingWebmasterConfig) -> list[dict[str, str]]:
    """One read per site. (Not a `ForEach`: the generated fake fills ForEach fields with its ad
    world's account ids, which are no site URLs; a function keeps the documented sites.)"""
    return [{"site_url": url} for url in config.site_urls]

RENAME = {"Url": "url", "IsVerified": "is_verified", "AuthenticationCode": "authentication_code",
          "DnsVerificationCode": "dns_verification_code", "Date": "date", "Clicks": "clicks", "Impressions": "impressions",
          "Query": "query", "AvgClickPosition": "avg_click_position", "AvgImpressionPosition": "avg_impression_position"}


def _records(**rename: str) -> Records:
    return Records("d", rename={**RENAME, **rename}, formats={"date": MS_JSON_DAY}, from_partition=("site_url",))


def streams(config: BingWebmasterConfig | None) -> list[Stream]:
    history = FullRefresh("Bing's methods take no date: each run reads the history Bing answers with, merged on the key")
    per_site = {"partitions": _per_site, "params": {"siteUrl": "{site_url}"}, "cursor": history}
    return [
        RestStream(
            name="sites", arrow=True, description="The sites of the API key's user.", path="GetUserSites",
            records=Records("d", rename=RENAME), contract=Site, primary_key=("url",),
            cursor=FullRefresh("GetUserSites takes no parameter and returns every site at once"),
        ),
        RestStream(
            name="traffic_daily", description="Clicks and impressions of the site per day (GetRankAndTrafficStats).",
            path="GetRankAndTrafficStats", records=_records(), contract=TrafficDaily, primary_key=("site_url", "date"),
            unified=Maps(
                "organic_search_daily", date="date", property_id="site_url", clicks="clicks", impressions="impressions",
                meanings={"clicks": "clicks from Bing search results to the site, all queries and pages",
                          "impressions": "times the site appeared in Bing search results, all queries and pages"},
            ),
            **per_site,
        ),
        RestStream(
            name="query_stats", description="Clicks, impressions and average positions per top query and week (GetQueryStats).",
            path="GetQueryStats", records=_records(), contract=QueryStats, primary_key=("site_url", "query", "date"),
            **per_site,
        ),
        RestStream(
            name="page_stats", description="Clicks, impressions and average positions per top page and week (GetPageStats).",
            path="GetPageStats", records=_records(Query="page"), contract=PageStats, primary_key=("site_url", "page", "date"),
            **per_site,
        ),
    ]


connector = declare(
    "bing_webmaster", title="Bing Webmaster Tools", api=API, config=BingWebmasterConfig, streams=streams,
    api_version="json", docs_url="https://learn.microsoft.com/en-us/bingwebmaster/",
    category="organic",
    description="Bing search clicks and impressions per site and day, top queries and pages per week, and the sites.",
    error_example={"ErrorCode": 8, "Message": "ERROR!!! InvalidParameter"},
)
source = source_function(connector)

__all__ = ["connector", "source", "BingWebmasterConfig"]
