"""Spotify Ads: the Ads API v3 (ad accounts, campaigns, ad sets, ads, daily aggregate reports), declared.

Reference: https://developer.spotify.com/documentation/ads-api (Ads API 3.0.0), whose OpenAPI
description Spotify publishes in its own repository github.com/spotify/ads-agentic-tools
(``skills/api-reference/references/external-v3.yaml``, ``info.version: 3.0.0``, server
``https://api-partner.spotify.com/ads/v3``), with the examples and notes beside it
(``skills/api-reference/examples/aggregate-report.md``, ``references/schemas.md``). OAuth 2.0
(authorization code, then refresh tokens) against ``https://accounts.spotify.com/api/token``,
the app's client id and secret as HTTP basic auth; the access token as ``Authorization: Bearer``.
Errors are ``{sp_trace_id, messages[], error_codes[{code, definition}]}`` (``ErrorResponse``):
400 a bad request, 401 an expired or wrong token, 403 an ad account the user cannot read (that
account is skipped), 404, 429 too many requests, 500.

Streams (per configured ad account, ids are UUIDs):

- ``ad_accounts``: ``GET ad_accounts/{id}``: name, status, country and ``currency_code`` (the
  billing currency every report amount is stated in). No time zone: reports cut days in UTC.
- ``campaigns``, ``ad_sets``, ``ads``: ``GET ad_accounts/{id}/campaigns|ad_sets|ads``, paged by
  ``offset`` and ``limit`` (at most 50), ``paging.total_results`` ends the read; records under
  ``campaigns``, ``ad_sets``, ``ads``. Ad set budgets and bids are micro amounts
  (``budget.micro_amount``, ``bid_micro_amount``), loaded in currency units. Read whole (no
  changed-since filter).
- ``campaign_daily``: ``GET ad_accounts/{id}/aggregate_reports?entity_type=CAMPAIGN&granularity=DAY``
  with ``report_start``/``report_end`` at UTC midnight (the last day's midnight ends the range,
  inclusive; at most 90 days a request), the metrics named by repeated ``fields`` parameters,
  paged by ``continuation_token`` until it is empty. Each row is one campaign and day
  (``start_time``) with its metrics as ``stats[]`` of ``{field_type, field_value}`` (JSON
  numbers). ``SPEND`` there is in the account's currency, not micros (Spotify's note: "do not
  divide by 1,000,000"). Incremental on the day with a 7-day look-back: delivery metrics settle
  within days; Spotify documents no restatement window, so a week is our choice.

The report maps into the unified campaign performance: clicks are ad clicks, impressions the
ad's impressions (on and off Spotify as ``IMPRESSIONS`` counts them); conversions are not read
(pixel conversions need a measurement setup and are not part of the default fields): 0.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import RefreshToken
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.paginators import CursorInBody, OffsetLimit, SinglePage
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import DATE_PREFIX, ISO_DATETIME, MICROS, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Lookup, Performance

TOKEN_URL = "https://accounts.spotify.com/api/token"
#: ``limit`` of the list endpoints: "maximum: 50".
MAX_PAGE_SIZE = 50
#: DAY reports: "The start and end date must be within 90 days of each other".
MAX_DAYS = 90
#: The aggregate report's metrics (``ReportFieldType``), as repeated ``fields`` parameters.
FIELDS = ["IMPRESSIONS", "CLICKS", "SPEND", "CTR", "REACH", "FREQUENCY", "COMPLETES", "STARTS", "FIRST_QUARTILES",
          "MIDPOINTS", "THIRD_QUARTILES", "VIDEO_VIEWS", "OFF_SPOTIFY_IMPRESSIONS", "STREAMS", "LISTENERS", "NEW_LISTENERS"]


class SpotifyAdsConfig(SourceConfig):
    """Config of the ``spotify_ads`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="Client id of your Spotify developer app with Ads API access.")
    client_secret: SecretStr = Field(description="Client secret of the app.")
    refresh_token: SecretStr = Field(description="Refresh token of a user with access to the ad accounts.")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint.")
    ad_account_ids: IdList = Field(min_length=1, description="Ad account ids (UUIDs, Ads Manager > Account settings); "
                                                             "a list, or one comma-separated string.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Objects or report rows per page (at most 50).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Requests per second (our default; Spotify answers 429 past its limit).")


# -- contracts -----------------------------------------------------------------------------


class AdAccount(Contract):
    """One ad account, from GET ad_accounts/{ad_account_id}."""

    id: Id
    name: str | None = None
    business_id: Id | None = None
    status: str | None = None
    country_code: str | None = None
    industry: str | None = None
    currency_code: str | None = Field(default=None, description="The billing currency: every report amount is in it.")
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Campaign(Contract):
    """One campaign, from GET ad_accounts/{ad_account_id}/campaigns."""

    id: Id
    ad_account_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="ACTIVE, PAUSED, ARCHIVED...")
    objective: str | None = None
    purchase_order: str | None = None
    delivery_goal_group: str | None = Field(default=None, description="AWARENESS, WEBSITE_TRAFFIC, APP_PROMOTION...")
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class AdSet(Contract):
    """One ad set, from GET ad_accounts/{ad_account_id}/ad_sets."""

    id: Id
    ad_account_id: Id
    campaign_id: Id
    name: str | None = None
    status: str | None = None
    is_paused: bool | None = None
    asset_format: str | None = None
    cost_model: str | None = None
    category: str | None = None
    bid_amount: Decimal | None = Field(default=None, description="bid_micro_amount, in currency units.")
    budget_amount: Decimal | None = Field(default=None, description="budget.micro_amount, in currency units.")
    budget_type: str | None = Field(default=None, description="DAILY or LIFETIME.")
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Ad(Contract):
    """One ad, from GET ad_accounts/{ad_account_id}/ads."""

    id: Id
    ad_account_id: Id
    ad_set_id: Id
    name: str | None = None
    status: str | None = None
    advertiser_name: str | None = None
    tagline: str | None = None
    ad_preview_url: str | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class CampaignDaily(Contract):
    """One campaign and UTC day, from GET ad_accounts/{ad_account_id}/aggregate_reports."""

    ad_account_id: Id
    campaign_id: Id = Field(description="The row's entity_id.")
    date: dt.date = Field(description="The UTC day of the row's start_time.")
    campaign_name: str | None = None
    campaign_status: str | None = None
    impressions: int | None = None
    clicks: int | None = None
    spend: Decimal | None = Field(default=None, description="SPEND, in the account's currency (not micros).")
    ctr: float | None = None
    reach: int | None = None
    frequency: float | None = None
    completes: int | None = None
    starts: int | None = None
    first_quartiles: int | None = None
    midpoints: int | None = None
    third_quartiles: int | None = None
    video_views: int | None = None
    off_spotify_impressions: int | None = None
    streams: int | None = None
    listeners: int | None = None
    new_listeners: int | None = None


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://api-partner.spotify.com/ads/v3/",
    auth=RefreshToken(TOKEN_URL, client_auth="basic"),
    errors=ErrorMap(
        "Spotify Ads", code=("error_codes.0.code", "messages.0"), message=("messages.0", "error_codes.0.definition", "error_description", "error"),
        request_id="sp_trace_id",
        statuses={400: Action.FAIL, 401: Action.AUTH, 403: Action.SKIP, 404: Action.FAIL, 429: Action.RETRY},
        hints={Action.AUTH: "check the app's client id and secret and the user's refresh token"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

PER_ACCOUNT = ForEach("ad_account_ids", "ad_account_id")
TIMES = {"created_at": ISO_DATETIME, "updated_at": ISO_DATETIME, "start_time": ISO_DATETIME, "end_time": ISO_DATETIME}
#: report_start / report_end: "UTC midnight timestamps must be used".
MIDNIGHT = "%Y-%m-%dT00:00:00Z"


def stats_as_columns(row: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """A report row's ``stats[]`` pairs as columns (``SPEND`` -> ``spend``)."""
    for stat in row.pop("stats", None) or ():
        if stat.get("field_type"):
            row[str(stat["field_type"]).lower()] = stat.get("field_value")
    return row


def lists(name: str, path: str, contract: type[Contract], size: int, unified: Entity, **records: Any) -> RestStream:
    return RestStream(
        name=name, description=f"Every {name[:-1].replace('_', ' ')} of each ad account.", path=f"ad_accounts/{{ad_account_id}}/{path}",
        partitions=PER_ACCOUNT, paginator=lambda: OffsetLimit(limit=size, total_path="paging.total_results"),
        records=Records(path, formats=TIMES, from_partition=("ad_account_id",), **records),
        contract=contract, primary_key=("id",),
        cursor=FullRefresh(f"the {name} list has no changed-since filter; read whole"), unified=unified,
    )


def streams(config: SpotifyAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    currency = Lookup("ad_accounts", "id", "currency_code")
    return [
        RestStream(
            name="ad_accounts", description="Each configured ad account: name, status, billing currency.",
            path="ad_accounts/{ad_account_id}", partitions=PER_ACCOUNT, paginator=SinglePage,
            records=Records(formats=TIMES, drop=("billing_address", "tax_id", "legal_entity_name", "website", "ad_account_role")),
            contract=AdAccount, primary_key=("id",),
            cursor=FullRefresh("one object per configured account"),
            unified=Entity("account", id="id", name="name", currency="currency_code", status="status", active_status="ACTIVE"),
        ),
        lists("campaigns", "campaigns", Campaign, size,
              Entity("campaign", id="id", name="name", account="ad_account_id", objective="objective",
                     status="status", active_status="ACTIVE")),
        lists("ad_sets", "ad_sets", AdSet, size,
              Entity("ad_group", id="id", name="name", account="ad_account_id", campaign="campaign_id",
                     status="status", active_status="ACTIVE"),
              rename={"bid_micro_amount": "bid_amount", "budget.micro_amount": "budget_amount", "budget.type": "budget_type"},
              units={"bid_amount": MICROS, "budget_amount": MICROS},
              drop=("targets", "frequency_caps", "cost_modifiers", "delivery", "promotion", "bid_strategy", "pacing",
                    "reject_reasons", "slot_positions", "video_delivery_formats", "delivery_goal", "base_rate_micro_amount")),
        lists("ads", "ads", Ad, size,
              Entity("ad", id="id", name="name", account="ad_account_id", ad_group="ad_set_id",
                     campaign=Lookup("ad_sets", "id", "campaign_id", on="ad_group"), status="status", active_status="ACTIVE"),
              drop=("call_to_action", "delivery", "assets", "third_party_tracking", "catalog", "reject_reasons")),
        RestStream(
            name="campaign_daily", description="Daily delivery and spend per campaign (UTC days).",
            path="ad_accounts/{ad_account_id}/aggregate_reports", partitions=PER_ACCOUNT,
            params={"entity_type": "CAMPAIGN", "granularity": "DAY", "fields": FIELDS, "limit": size},
            window=WindowParams("report_start", "report_end", format=MIDNIGHT),
            paginator=lambda: CursorInBody("continuation_token", "continuation_token"),
            # The row's day is the date of its start_time (a UTC midnight): declared, so the demo's fake
            # writes each world day there too.
            records=Records("rows", rename={"entity_id": "campaign_id", "entity_name": "campaign_name",
                                            "entity_status": "campaign_status", "start_time": "date"},
                            formats={"date": DATE_PREFIX},
                            drop=("entity_type", "parent_entity", "end_time"), from_partition=("ad_account_id",)),
            transform=stats_as_columns, contract=CampaignDaily, primary_key=("ad_account_id", "campaign_id", "date"),
            cursor=Cursor("date", lookback=timedelta(days=7), window=timedelta(days=MAX_DAYS)),
            unified=Performance(
                "campaign", date="date", account="ad_account_id", campaign="campaign_id", campaign_name="campaign_name",
                spend="spend", impressions="impressions", clicks="clicks", conversions="null", conversion_value=None,
                currency=currency, sums_into=("account",),
                clicks_are="CLICKS: clicks on the ad (its companion display or video)",
                conversions_are="not read: Spotify's conversion metrics need a pixel or CAPI setup: 0",
                date_is="the UTC day of the row's start_time (Spotify cuts report days in UTC)",
            ),
        ),
    ]


connector = declare(
    "spotify_ads", title="Spotify Ads", api=API, config=SpotifyAdsConfig, streams=streams, api_version="v3 (3.0.0)",
    docs_url="https://developer.spotify.com/documentation/ads-api", category="ads",
    description="Spotify Ads API v3: ad accounts, campaigns, ad sets, ads and daily campaign delivery and spend.",
    # The documented ErrorResponse example (external-v3.yaml, components.schemas.ErrorResponse.example).
    error_example={"sp_trace_id": "800c5a14-b8fd-4dc0-a4fa-38184111f67a", "messages": ["Custom Error Message"]},
)
source = source_function(connector)

__all__ = ["connector", "source", "SpotifyAdsConfig"]
