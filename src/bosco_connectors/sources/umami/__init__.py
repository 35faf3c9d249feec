"""Umami: the Umami API (websites and their expanded metrics per day), declared.

Reference: https://umami.is/docs/api/website-stats and https://umami.is/docs/api/websites (the
pages' sources: github.com/umami-software/docs ``content/api/website-stats.mdx``,
``websites.mdx``, ``authentication.mdx``, ``cloud/api-key.mdx``, read at commit 8a74c5d); types
and error bodies from the OpenAPI contracts the server generates (github.com/umami-software/umami
``src/app/api/websites/[websiteId]/metrics/expanded/contract.generated.ts``, ``src/lib/response.ts``).

- Hosts: Umami Cloud ``https://api.umami.is/v1/`` with an API key in ``x-umami-api-key`` (50
  calls every 15 seconds per key); a self-hosted server ``https://<host>/api/`` (``base_url``)
  with ``Authorization: Bearer <token>``, the token from ``POST /api/auth/login`` (config
  ``access_token``: this source does not log in with a user's password).
- ``GET websites`` pages by ``page``/``pageSize``; ``count`` is the total.
- ``GET websites/{id}/metrics/expanded?type=...&startAt&endAt`` (epoch milliseconds, both
  bounds inclusive) answers one row per value of the type for the whole range:
  ``{name, pageviews, visitors, visits, bounces, totaltime}``, numbers. A day is therefore one
  request (the window is one day), the day written on its rows. ``type=referrer`` pages by
  ``limit``/``offset`` (500 by default; a short page is the last); ``type=channel`` is answered
  whole (the server ignores limit and offset for it).
- Days are UTC days: startAt and endAt are the UTC day's first and last millisecond (the
  metrics endpoint buckets nothing itself; a website has no time zone of its own in the API).
- Errors: ``{"error": {"message", "code", "status"}}``: ``unauthorized`` (401) and
  ``forbidden`` (403) are credential problems, ``too-many-requests`` (429) and
  ``server-error`` are retried, ``bad-request`` fails.

Streams: ``websites`` (in full: no updated-since filter), ``referrer_daily`` (per website,
UTC day and referrer domain) and ``channel_daily`` (per website, UTC day and channel: direct,
referral, organicSearch, paidSocial, email, ...: Umami's classification of each visit from
its referrer, url query and utm_medium). Incremental on ``date`` with a 2-day look-back:
counts are real time, and a visit open at midnight goes on (our choice; Umami documents no
freshness window).

Unified model: ``channel_daily`` maps into ``web_traffic_daily`` (channel as the medium;
visits are sessions, visitors are users). Referrer rows count the same visits again by
referrer (and leave direct visits out), so they stay a raw table. Umami's API reports no
conversions for these metrics.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey, OneOf
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.http import RetryPolicy
from bosco_connectors.framework.paginators import OffsetLimit, PageNumber, SinglePage
from bosco_connectors.framework.params import EPOCH_MS, FromParent, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records, snake_case
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

#: ``limit`` of metrics pages (the documented default, 500).
METRICS_PAGE_SIZE = 500
WEBSITES_PAGE_SIZE = 100

CREDENTIAL = OneOf(ApiKey("api_key", header="x-umami-api-key"), ApiKey("access_token", header="Authorization", prefix="Bearer "))


class UmamiConfig(SourceConfig):
    """Config of the ``umami`` source (plus the fields every source accepts)."""

    api_key: SecretStr | None = Field(default=None, description="Umami Cloud: an API key (Settings > API keys).")
    access_token: SecretStr | None = Field(default=None, description=(
        "Self-hosted: a token from POST /api/auth/login (set base_url to https://<host>/api/)."))
    page_size: int = Field(default=WEBSITES_PAGE_SIZE, ge=1, le=100, description="Websites a page (pageSize).")
    metrics_page_size: int = Field(default=METRICS_PAGE_SIZE, ge=1, le=METRICS_PAGE_SIZE, description="Rows a metrics page (limit).")
    requests_per_second: float = Field(default=3.0, gt=0, description="Pace (Umami Cloud: 50 calls every 15 seconds per key).")

    @model_validator(mode="after")
    def _one_credential(self) -> "UmamiConfig":
        problem = CREDENTIAL.problem(self)
        if problem:
            raise ValueError(problem)
        return self


# -- contracts ------------------------------------------------------------------------------


class Website(Contract):
    """One website, from GET websites."""

    id: Id
    name: str | None = None
    domain: str | None = None
    share_id: str | None = None
    team_id: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None


class ExpandedMetrics(Contract):
    """One value of a metrics type on one UTC day of one website."""

    website_id: Id
    date: dt.date = Field(description="The UTC day the request's startAt..endAt covered.")
    name: str = Field(description="The type's value (a referrer domain, a channel).")
    pageviews: int | None = Field(default=None, description="Page hits.")
    visitors: int | None = Field(default=None, description="Unique visitors (sessions: Umami's visitor is a session id).")
    visits: int | None = Field(default=None, description="Visits (a visit ends after 30 minutes without events).")
    bounces: int | None = Field(default=None, description="Visits of a single page view.")
    totaltime: int | None = Field(default=None, description="Time spent on the website, summed over visits (the docs name no unit).")


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://api.umami.is/v1/",
    auth=CREDENTIAL,
    errors=ErrorMap("Umami", code="error.code", message=("error.message",),
                    codes={"unauthorized": Action.AUTH, "forbidden": Action.AUTH, "too-many-requests": Action.RETRY,
                           "server-error": Action.RETRY, "bad-request": Action.FAIL},
                    hints={Action.AUTH: "check the API key (Umami Cloud) or the token and base_url (self-hosted), "
                                        "and that the user can view the website"}),
    rate=RateBudget(per_second="requests_per_second"),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def on_its_day(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """The UTC day the request covered, which the answer does not repeat."""
    start = ctx.window.start
    return {**record, "date": start.date() if isinstance(start, dt.datetime) else start}


def streams(config: UmamiConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else WEBSITES_PAGE_SIZE
    rows = config.metrics_page_size if config is not None else METRICS_PAGE_SIZE
    websites = RestStream(
        name="websites", description="The websites the key's user (and its teams) can view.", path="websites",
        params={"includeTeams": "true"},
        paginator=lambda: PageNumber(page_size=size, page_param="page", size_param="pageSize",
                                     total_items_path="count"),
        records=Records("data", rename=snake_case("shareId", "teamId", "createdAt", "updatedAt", "deletedAt"),
                        drop=("user", "userId", "createdBy", "resetAt"),
                        formats={t: ISO_DATETIME for t in ("created_at", "updated_at", "deleted_at")}),
        contract=Website, primary_key=("id",), cursor=FullRefresh("GET websites takes no updated-since filter; websites are few"),
    )

    def metrics(name: str, kind: str, description: str, paged: bool, unified: Maps | None = None) -> RestStream:
        return RestStream(
            name=name, description=description, path="websites/{website_id}/metrics/expanded", params={"type": kind},
            partitions=FromParent(websites, {"website_id": "id"}),
            window=WindowParams("startAt", "endAt", format=EPOCH_MS),
            paginator=(lambda: OffsetLimit(limit=rows)) if paged else SinglePage,
            records=Records(from_partition=("website_id",)), transform=on_its_day, contract=ExpandedMetrics,
            primary_key=("website_id", "date", "name"), arrow=True,
            cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=1)), unified=unified,
        )

    return [
        websites,
        metrics("referrer_daily", "referrer", "Page views, visitors, visits, bounces and time per UTC day and referrer "
                "domain.", paged=True),
        metrics("channel_daily", "channel", "The same per UTC day and channel (direct, referral, organicSearch, "
                "paidSocial, email, ...).", paged=False, unified=Maps(
                    "web_traffic_daily", date="date", property_id="website_id", medium="name", sessions="visits",
                    users="visitors",
                    meanings={"date": "the UTC day (startAt..endAt of the request: Umami's API gives websites no time zone)",
                              "property_id": "the website's id (its name by the websites table)",
                              "medium": "Umami's channel: direct, referral, organic/paid Search, Social, Shopping, Video, "
                                        "email, sms, affiliate, paidAds; classified from referrer, url query and utm_medium",
                              "sessions": "visits: a visit ends after 30 minutes without events",
                              "users": "visitors: distinct sessions (cookieless: one person on two devices is two)"})),
    ]


connector = declare(
    "umami", title="Umami", api=API, config=UmamiConfig, streams=streams, api_version="v1 (Cloud) / self-hosted /api",
    docs_url="https://umami.is/docs/api/website-stats", category="analytics",
    support_policy="https://umami.is/docs/cloud/api-changelog (changes to api.umami.is are listed there)",
    description="Umami (Cloud or self-hosted): websites and their visits, visitors and page views per UTC day by referrer "
                "and channel.",
    # src/lib/response.ts unauthorized() (HTTP 401).
    error_example={"error": {"message": "Unauthorized", "code": "unauthorized", "status": 401}},
)
source = source_function(connector)

__all__ = ["connector", "source", "UmamiConfig"]
