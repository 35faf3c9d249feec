"""Google Search Console: the Search Console API v1 (Search Analytics ``query``, ``sites.list``), declared.

Reference: https://developers.google.com/webmaster-tools/v1/api_reference_index (Search Console API,
version v1; the Search Analytics and Sites methods keep their ``webmasters/v3`` paths under
``https://searchconsole.googleapis.com/``). Machine-readable reference: Google's discovery document
``searchconsole:v1`` (googleapis/google-api-go-client, ``searchconsole/v1/searchconsole-api.json``).

Streams:

- ``sites``: every property the credential may read (``GET sites``: ``siteEntry[]`` of ``siteUrl``
  and ``permissionLevel``). A handful of rows: read in full every run.
- ``search_analytics_daily``: ``POST sites/{siteUrl}/searchAnalytics/query`` per configured
  property, grouped by ``date, query, page, country, device`` (the finest grain the API offers),
  search type ``web``, finalized data only (``dataState: final``). Rows are positional: ``keys``
  holds the dimension values in the order requested (`_keyed` names them). Paged with
  ``startRow``/``rowLimit`` (at most 25,000 rows a request); the docs page "until you reach the
  last page (a response with 0 rows)": a page shorter than ``rowLimit`` is that last page too.
  One day per request, as Google recommends for complete data
  (https://developers.google.com/webmaster-tools/v1/how-tos/all-your-data). Incremental on
  ``date`` with a 3-day look-back: "Data is typically available after 2-3 days" (same page), and
  days not final yet are not returned, so each run asks again for the last three days.
  Days are Google's reporting days in Pacific Time ("in PT time (UTC - 7:00/8:00)",
  https://developers.google.com/webmaster-tools/v1/searchanalytics/query).

Mapped into the unified ``organic_search_daily`` (clicks and impressions are counts; position
is Google's average position, 1 the top, averaged by impressions when rows are summed).

Auth: OAuth 2.0 bearer tokens with the ``webmasters.readonly`` scope, from a Google user's refresh
token or a service account's key (its e-mail added as a user of the property). Errors follow
Google's standard error responses (https://developers.google.com/webmaster-tools/v1/errors):
``{"error": {"errors": [{"domain", "reason", "message"}], "code", "message"}}``; quotas
(https://developers.google.com/webmaster-tools/limits): 1,200 queries a minute per site and per
user, and a load quota answered with ``quotaExceeded`` ("wait 15 minutes and try again").
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any, Mapping
from urllib.parse import quote

from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, IdList, SourceConfig
from bosco_connectors.framework.auth import OneOf, RefreshToken, ServiceAccount
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Expr, Maps
from bosco_connectors.framework.http import RetryPolicy
from bosco_connectors.framework.paginators import OffsetLimit
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import Records, snake_case
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
#: Read-only access to Search Console data.
WEBMASTERS_READONLY_SCOPE = "https://www.googleapis.com/auth/webmasters.readonly"
#: ``rowLimit``: "Must be a number from 1 to 25,000 (inclusive)".
MAX_ROW_LIMIT = 25_000
#: The dimensions of ``search_analytics_daily``, in the order ``keys`` carries their values.
DIMENSIONS = ("date", "query", "page", "country", "device")
#: A service account's key, or a Google user's refresh token: exactly one.
CREDENTIAL = OneOf(ServiceAccount(GOOGLE_TOKEN_URL, scope=WEBMASTERS_READONLY_SCOPE, extra="google-search-console"),
                   RefreshToken(GOOGLE_TOKEN_URL, scope=WEBMASTERS_READONLY_SCOPE))


class GoogleSearchConsoleConfig(SourceConfig):
    """Config of the ``google_search_console`` source (plus the fields every source accepts)."""

    site_urls: IdList = Field(min_length=1, description=(
        "Properties to read, as Search Console names them: 'https://www.example.com/' (URL prefix) "
        "or 'sc-domain:example.com' (Domain property); a list, or one comma-separated string."))
    client_id: str | None = Field(default=None, description="OAuth client id (refresh-token auth).")
    client_secret: SecretStr | None = Field(default=None, description="OAuth client secret (refresh-token auth).")
    refresh_token: SecretStr | None = Field(default=None, description="OAuth refresh token with the webmasters.readonly scope.")
    service_account_key: SecretStr | None = Field(
        default=None, description="Service account JSON key: the file's contents or its path (its e-mail must be a user of the property).")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint (default: Google's, or the key's token_uri).")
    page_size: int = Field(default=MAX_ROW_LIMIT, ge=1, le=MAX_ROW_LIMIT, description="rowLimit: rows per query (1 to 25,000).")
    requests_per_minute: float = Field(default=1200, gt=0, le=1200, description="Queries a minute (Google: 1,200 per site and per user).")

    @model_validator(mode="after")
    def _one_credential(self) -> "GoogleSearchConsoleConfig":
        if problem := CREDENTIAL.problem(self):
            raise ValueError(problem)
        bad = [u for u in self.site_urls if not u.startswith(("http://", "https://", "sc-domain:"))]
        if bad:
            raise ValueError(f"not Search Console properties: {', '.join(map(repr, bad[:3]))} "
                             "(expected 'https://www.example.com/' or 'sc-domain:example.com')")
        return self


# -- contracts: the columns of each raw table ---------------------------------------------


class Site(Contract):
    """One property the credential may read, from GET sites (``WmxSite``)."""

    site_url: str = Field(description="The property: 'https://www.example.com/' or 'sc-domain:example.com'.")
    permission_level: str | None = Field(default=None, description="SITE_OWNER, SITE_FULL_USER, SITE_RESTRICTED_USER, SITE_UNVERIFIED_USER.")


class SearchAnalyticsDaily(Contract):
    """One property, day, query, page, country and device (``ApiDataRow``; numbers are doubles)."""

    site_url: str
    date: dt.date = Field(description="Google's reporting day, in Pacific Time.")
    query: str
    page: str = Field(description="The landing page's canonical URL.")
    country: str = Field(description="ISO 3166-1 alpha-3 code, lower case (usa).")
    device: str = Field(description="DESKTOP, MOBILE or TABLET.")
    clicks: float | None = None
    impressions: float | None = None
    ctr: float | None = Field(default=None, description="clicks / impressions, 0 to 1.")
    position: float | None = Field(default=None, description="Average position; 1 is the top.")


# -- the API -------------------------------------------------------------------------------

API = Api(
    base_url="https://searchconsole.googleapis.com/webmasters/v3/",
    auth=CREDENTIAL,
    errors=ErrorMap(
        "Google Search Console", code=("error.errors.0.reason", "error.status"),
        codes={**dict.fromkeys(("quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded", "backendError",
                                "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL"), Action.RETRY),
               **dict.fromkeys(("authError", "UNAUTHENTICATED", "insufficientPermissions"), Action.AUTH),
               # "User does not have sufficient permission for site ...": that property is skipped, the others load
               "forbidden": Action.SKIP},
        hints={Action.AUTH: "check the credential, and that its Google user or service account is a user of each property"},
    ),
    rate=RateBudget(per_minute="requests_per_minute"),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=120.0),
)


def _sites(config: GoogleSearchConsoleConfig) -> list[Mapping[str, Any]]:
    """One read per property; ``site`` is its URL escaped for the path (``https%3A%2F%2F...``)."""
    return [{"site_url": url, "site": quote(url, safe="")} for url in config.site_urls]


def _keyed(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """A row's positional ``keys`` under the names of the dimensions requested."""
    keys = record.pop("keys", None)
    if not isinstance(keys, list) or len(keys) != len(DIMENSIONS):
        raise ResponseFormatError(f"a Search Analytics row has keys {keys!r:.80}, expected {len(DIMENSIONS)} values "
                                  f"({', '.join(DIMENSIONS)})", stream="search_analytics_daily")
    record.update(zip(DIMENSIONS, keys))
    record["date"] = dt.date.fromisoformat(record["date"])
    return record


def streams(config: GoogleSearchConsoleConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_ROW_LIMIT
    return [
        RestStream(
            name="sites", description="Every Search Console property the credential may read.", path="sites",
            records=Records("siteEntry", rename=snake_case("siteUrl", "permissionLevel")),
            contract=Site, primary_key=("site_url",),
            cursor=FullRefresh("sites.list has no filter and returns a handful of properties at once"),
        ),
        RestStream(
            name="search_analytics_daily",
            description="Clicks, impressions, CTR and average position per day, query, page, country and device.",
            path="sites/{site}/searchAnalytics/query", method="POST", partitions=_sites, path_only=("site_url",),
            params={"dimensions": list(DIMENSIONS), "type": "web", "dataState": "final"},
            window=WindowParams("startDate", "endDate"),
            paginator=lambda: OffsetLimit(limit=size, offset_param="startRow", limit_param="rowLimit"),
            records=Records("rows", from_partition=("site_url",)), transform=_keyed,
            contract=SearchAnalyticsDaily, primary_key=("site_url", *DIMENSIONS),
            cursor=Cursor("date", lookback=timedelta(days=3), window=timedelta(days=1)),
            unified=Maps(
                "organic_search_daily", date="date", property_id="site_url", query="query", page="page",
                country="country", device=Expr("lower(device)"), impressions="impressions", clicks="clicks",
                position="position",
                meanings={"date": "Google's reporting day in Pacific Time",
                          "country": "ISO 3166-1 alpha-3, lower case (usa)",
                          "clicks": "clicks from Google Search (web) results that landed on the property",
                          "impressions": "times a link to the property appeared in Google Search (web) results",
                          "position": "Google's average topmost position of the property in the results"},
            ),
        ),
    ]


connector = declare(
    "google_search_console", title="Google Search Console", api=API, config=GoogleSearchConsoleConfig, streams=streams,
    api_version="v1", docs_url="https://developers.google.com/webmaster-tools/v1/api_reference_index",
    category="organic",
    description="Google Search clicks, impressions and position per day, query, page, country and device, and the properties.",
    error_example={"error": {"errors": [{"domain": "global", "reason": "invalidParameter",
                                         "message": "Invalid string value: 'asdf'. Allowed values: [mostpopular]",
                                         "locationType": "parameter", "location": "chart"}],
                              "code": 400, "message": "Invalid string value: 'asdf'. Allowed values: [mostpopular]"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "GoogleSearchConsoleConfig"]
