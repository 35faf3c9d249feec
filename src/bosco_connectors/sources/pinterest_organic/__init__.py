"""Pinterest Organic: a business account's organic analytics on the Pinterest REST API v5, declared.

Reference: https://developers.pinterest.com/docs/api/v5/ (OpenAPI 5.23.0, published as
github.com/pinterest/api-description ``v5/openapi.json``; base ``https://api.pinterest.com/v5/``).
Host, OAuth refresh, error envelope and ``bookmark`` paging are shared with ``pinterest_ads``
(`framework.pinterest_v5`). Scopes: ``user_accounts:read``, ``pins:read``, ``boards:read``.

Streams (the token's user account, "the operation user_account"):

- ``user_account``: GET /user_account (operation ``user_account/get``, schema ``Account``):
  id, username, account type, follower, following, pin and board counts, monthly views.
- ``pins``: GET /pins (``pins/list``): every Pin the account owns, paged with ``bookmark``
  (``page_size`` at most 250; a null ``bookmark`` ends). The list has no updated-at filter:
  read in full every run.
- ``user_account_analytics_daily``: GET /user_account/analytics (``user_account/analytics``)
  with ``content_type=ORGANIC``: the account's daily organic ``IMPRESSION``, ``ENGAGEMENT``,
  ``PIN_CLICK``, ``OUTBOUND_CLICK`` and ``SAVE`` (``all.daily_metrics``: one ``date``,
  ``data_status`` and ``metrics`` object a day).
- ``pin_analytics_daily``: GET /pins/{pin_id}/analytics (``pins/analytics``) per Pin: daily
  ``IMPRESSION``, ``PIN_CLICK``, ``OUTBOUND_CLICK``, ``SAVE`` (the standard Pin metrics every Pin
  format answers; video metrics are for video Pins only). The multi-Pin GET /pins/analytics is
  "in beta and not available to all apps": not used.

Dates: ``start_date``/``end_date`` are UTC days, both inclusive; "Cannot be more than 90 days
back from today" and at most 90 days apart: windows of 90 days, history 90 days. Each day carries
a ``data_status`` (READY, PROCESSING, ESTIMATE, BEFORE_...): the API documents no delay in days,
so the look-back is 7 days (safe choice: days still PROCESSING or ESTIMATE are read again until
they settle). Metrics are counts (JSON numbers); no money.

Mapped into the unified ``social_content_daily``: an account row a day (organic impressions
and engagements) and a row per Pin and day. Errors: 2 and 3 stop (authentication, scope), 8
(HTTP 429) is retried, 50 "Pin not found" and 404 skip that Pin (deleted since it was listed).
Rate limits (https://developers.pinterest.com/docs/reference/rate-limits/): the analytics
endpoints are in the ``org_analytics`` category, the lists in ``org_read``; Standard access allows
100 requests a second per user per app in all; the default pace here is 300 a minute.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action
from bosco_connectors.framework.facts import Const, Expr, Maps
from bosco_connectors.framework.paginators import SinglePage
from bosco_connectors.framework.params import FromParent, WindowParams
from bosco_connectors.framework.pinterest_v5 import (
    AUTH_HINT, BASE_URL, MAX_PAGE_SIZE, TOKEN_URL, bookmark_paging, pinterest_auth, pinterest_errors,
)
from bosco_connectors.framework.records import DATE_PREFIX, ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

#: "Cannot be more than 90 days back from today", "more than 90 days past start_date".
HISTORY = timedelta(days=90)
LOOKBACK = timedelta(days=7)
ACCOUNT_METRICS = ("IMPRESSION", "ENGAGEMENT", "PIN_CLICK", "OUTBOUND_CLICK", "SAVE")
PIN_METRICS = ("IMPRESSION", "PIN_CLICK", "OUTBOUND_CLICK", "SAVE")
METRIC_COLUMNS = {name: name.lower() for name in ACCOUNT_METRICS}


class PinterestOrganicConfig(SourceConfig):
    """Config of the ``pinterest_organic`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The Pinterest app's id.")
    client_secret: SecretStr = Field(description="The Pinterest app's secret key.")
    refresh_token: SecretStr = Field(
        description="A refresh token of the business account's user (scopes user_accounts:read, pins:read, boards:read).")
    token_url: str | None = Field(default=None, description=f"Override the token endpoint (default {TOKEN_URL}).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Pins per page (1-250).")
    requests_per_minute: float = Field(default=300, gt=0, le=6000, description="Request budget (per user per app).")


class UserAccount(Contract):
    """The token's user account, from GET /user_account (schema ``Account``)."""

    id: Id
    username: str | None = None
    account_type: str | None = Field(default=None, description="PINNER or BUSINESS.")
    business_name: str | None = None
    website_url: str | None = None
    follower_count: int | None = None
    following_count: int | None = None
    pin_count: int | None = Field(default=None, description="Created and saved Pins.")
    board_count: int | None = None
    monthly_views: int | None = None


class Pin(Contract):
    """One Pin the account owns, from GET /pins (schema ``Pin``)."""

    id: Id
    created_at: dt.datetime | None = None
    title: str | None = None
    description: str | None = None
    link: str | None = None
    alt_text: str | None = None
    dominant_color: str | None = None
    board_id: Id | None = None
    board_section_id: Id | None = None
    parent_pin_id: Id | None = None
    media_type: str | None = Field(default=None, description="media.media_type: image, video, multiple_images, ...")
    creative_type: str | None = None
    has_been_promoted: bool | None = None
    is_owner: bool | None = None
    is_standard: bool | None = None


class UserAccountDaily(Contract):
    """The account's organic metrics of one UTC day (``all.daily_metrics``)."""

    date: dt.date
    data_status: str | None = Field(default=None, description="READY, PROCESSING, ESTIMATE or a BEFORE_... reason.")
    impression: int | None = None
    engagement: int | None = Field(default=None, description="Saves, Pin clicks, outbound clicks and carousel swipes.")
    pin_click: int | None = None
    outbound_click: int | None = None
    save: int | None = None


class PinDaily(Contract):
    """One Pin's metrics of one UTC day."""

    pin_id: Id
    date: dt.date
    data_status: str | None = None
    impression: int | None = None
    pin_click: int | None = None
    outbound_click: int | None = None
    save: int | None = None


API = Api(
    base_url=BASE_URL,
    auth=pinterest_auth(),
    errors=pinterest_errors(
        {50: Action.SKIP, 404: Action.SKIP},
        hints={Action.AUTH: f"{AUTH_HINT} (user_accounts:read, pins:read, boards:read); analytics need a business account",
               Action.SKIP: "the Pin was deleted or left the account after it was listed"}),
    rate=RateBudget(per_minute="requests_per_minute"),
)

ACCOUNT_ID = Lookup("user_account", (), "id", on=())
DAILY = dict(window=WindowParams("start_date", "end_date"), history=HISTORY,
             cursor=Cursor("date", lookback=LOOKBACK, window=HISTORY))


def daily_records(**extra: object) -> Records:
    return Records("all.daily_metrics", flatten=("metrics",), rename=METRIC_COLUMNS, formats={"date": DATE_PREFIX},
                   **extra)  # type: ignore[arg-type]


def streams(config: PinterestOrganicConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    pins = RestStream(
        name="pins", description="Every Pin the account owns.", path="pins", params={"page_size": size},
        paginator=bookmark_paging,
        records=Records("items", rename={"media.media_type": "media_type"}, formats={"created_at": ISO_DATETIME}),
        contract=Pin, primary_key=("id",),
        cursor=FullRefresh("GET /pins has no updated-at filter; every run lists every Pin"),
    )
    return [
        RestStream(
            name="user_account", description="The business account: counts of followers, Pins, boards.", path="user_account",
            paginator=SinglePage, records=Records(), contract=UserAccount, primary_key=("id",),
            cursor=FullRefresh("one account per token: its current profile"),
        ),
        pins,
        RestStream(
            name="user_account_analytics_daily", description="The account's organic impressions and engagements per UTC day.",
            path="user_account/analytics",
            params={"content_type": "ORGANIC", "metric_types": ",".join(ACCOUNT_METRICS)},
            records=daily_records(), contract=UserAccountDaily, primary_key=("date",), **DAILY,  # type: ignore[arg-type]
            unified=Maps(
                "social_content_daily", date="date", account_id=ACCOUNT_ID, content_id=Const(""),
                content_type=Const("account"), impressions="impression", engagements="engagement",
                meanings={"date": "a UTC day (Pinterest's analytics days)",
                          "impressions": "IMPRESSION: times the account's Pins were shown, organic only (content_type=ORGANIC)",
                          "engagements": "ENGAGEMENT: saves, Pin clicks, outbound clicks and carousel swipes, organic only"},
            ),
        ),
        RestStream(
            name="pin_analytics_daily", description="Each Pin's impressions, clicks and saves per UTC day.",
            path="pins/{pin_id}/analytics", partitions=FromParent(pins, {"pin_id": "id"}),
            params={"metric_types": ",".join(PIN_METRICS)},
            records=daily_records(from_partition=("pin_id",)), contract=PinDaily, primary_key=("pin_id", "date"),
            **DAILY,  # type: ignore[arg-type]
            unified=Maps(
                "social_content_daily", date="date", account_id=ACCOUNT_ID, content_id="pin_id", content_type=Const("pin"),
                impressions="impression", engagements=Expr("pin_click + outbound_click + save"),
                meanings={"date": "a UTC day (Pinterest's analytics days)",
                          "impressions": "IMPRESSION: times the Pin was shown (the per-Pin endpoint has no organic or paid "
                                         "filter)",
                          "engagements": "PIN_CLICK + OUTBOUND_CLICK + SAVE (the per-Pin endpoint has no ENGAGEMENT metric)"},
            ),
        ),
    ]


connector = declare(
    "pinterest_organic", title="Pinterest Organic", api=API, config=PinterestOrganicConfig, streams=streams,
    api_version="v5", docs_url="https://developers.pinterest.com/docs/api/v5/", category="organic",
    support_policy="https://developers.pinterest.com/docs/api/v5/ (v5 is current; OpenAPI 5.23.0, 2025-12; no sunset announced)",
    description="Pinterest business accounts (API v5): the account, its Pins, daily organic account analytics and "
                "daily analytics per Pin.",
    error_example={"code": 2, "message": "Authentication failed."},
)
source = source_function(connector)

__all__ = ["connector", "source", "PinterestOrganicConfig"]
