"""Everflow: the Network API's offers and the aggregated report by day, offer and affiliate.

Reference: https://developers.everflow.io/ (API v1, the reference of 2026; ``/v1/`` in the path,
"existing integrations on v1 will continue to work"):
"Aggregated Data Reports" (https://developers.everflow.io/docs/network/reporting/aggregated_data,
``POST /v1/networks/reporting/entity/table``), "Get Reporting Summary"
(https://developers-beta.everflow.io/api-reference/post-networksreportingentitysummary: the
network's metric names), "Paging" (https://developers.everflow.io/user-guide/paging),
"Request & Response Format" (https://developers.everflow.io/user-guide/request-response-format:
integer ids, money "as decimals in full currency units, not cents", epoch-second timestamps)
and "Errors" (https://developers.everflow.io/docs/user-guide/errors). Base
``https://api.eflow.team/v1/``; the network's API key (Control Center > Security) in the
``X-Eflow-API-Key`` header. Errors are ``{"error": "<message>"}``: 401 a missing or revoked
key, 403 a key of the wrong portal (an affiliate key on a network endpoint), 429 past the rate
limit, 5xx Everflow's side.

Streams:

- ``offers``: every offer of the network (``GET networks/offers``, paged by ``page`` and
  ``page_size`` up to 2,000, the ``paging.total_count`` ends the read): its advertiser, status
  and currency. The offer is the program affiliates promote: the unified account.
- ``affiliate_offer_daily``: the aggregated report pivoted by ``offer`` and ``affiliate``
  (``POST networks/reporting/entity/table``, body ``from``/``to`` (``YYYY-MM-DD``, inclusive),
  ``timezone_id``, ``currency_id``, ``columns``). Its rows name no day (a time column would
  have to be the only one of its kind and is sent as an epoch id): one request per day, the day
  stamped on its rows. Each row carries its dimensions as ``columns[]`` of ``{column_type, id,
  label}`` and its metrics in ``reporting``. The table stops at 10,000 rows and then answers
  ``incomplete_results: true``: that fails the day as "too much data" rather than load a
  partial day. Money in the requested ``currency_id``, in currency units; days in the requested
  ``timezone_id`` (Everflow's time zone ids, ``GET /v1/meta/timezones``: 67 is UTC).
  Incremental on the day with a 30-day look-back: Everflow's conversions stay pending until
  approved or rejected, and networks post reporting adjustments to past days
  (``POST /v1/networks/reporting/adjustments``); the reference documents no restatement
  window, so 30 days is our choice (raise ``lookback_days`` for longer approval cycles).

``affiliate_offer_daily`` maps into the unified ``affiliate_performance_daily`` (program = the
offer, partner = the affiliate) and, as impact and awin do, into the campaign performance
(account = the offer, campaign = the affiliate, spend = the payout owed to the affiliate).
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.paginators import PageNumber, SinglePage
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import EPOCH_SECONDS, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Performance

#: ``page_size``: "The maximum page size is typically 2000".
MAX_PAGE_SIZE = 2000
#: Everflow's time zone id of UTC (``GET /v1/meta/timezones``).
UTC_TIMEZONE_ID = 67
#: The two dimensions of the daily report, in the order asked.
PIVOT = [{"column": "offer"}, {"column": "affiliate"}]


class EverflowConfig(SourceConfig):
    """Config of the ``everflow`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="The network's API key (Control Center > Security > API keys), "
                                           "sent as X-Eflow-API-Key.")
    timezone_id: int = Field(default=UTC_TIMEZONE_ID, ge=1, description=(
        "Everflow's id of the time zone whose days the report is cut into (GET /v1/meta/timezones; 67 is UTC). "
        "Use the network's reporting time zone to match the Everflow UI."))
    currency_id: str = Field(default="USD", min_length=3, max_length=3, description="ISO 4217 currency the report's money is stated in.")
    lookback_days: int = Field(default=30, ge=1, le=366, description="Days re-read on every run (pending conversions, adjustments).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Offers per page (at most 2000).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Requests per second (our default; Everflow answers 429 past its limit).")


# -- contracts -----------------------------------------------------------------------------


class Offer(Contract):
    """One offer of the network, from GET networks/offers."""

    network_offer_id: Id
    network_id: Id | None = None
    network_advertiser_id: Id | None = None
    network_offer_group_id: Id | None = None
    name: str | None = None
    offer_status: str | None = Field(default=None, description="active, paused, pending or deleted.")
    currency_id: str | None = Field(default=None, description="The offer's currency (ISO 4217).")
    visibility: str | None = None
    destination_url: str | None = None
    time_created: dt.datetime | None = Field(default=None, description="From epoch seconds.")
    time_saved: dt.datetime | None = Field(default=None, description="Last update, from epoch seconds.")


class AffiliateOfferDay(Contract):
    """One offer, affiliate and day, from POST networks/reporting/entity/table."""

    date: dt.date = Field(description="The day asked (from = to), in the configured Everflow time zone.")
    offer_id: Id = Field(description="The offer column's id.")
    affiliate_id: Id = Field(description="The affiliate column's id.")
    offer_name: str | None = None
    affiliate_name: str | None = None
    currency_id: str = Field(description="The currency asked for (currency_id): every money column is in it.")
    imp: int | None = None
    total_click: int | None = None
    unique_click: int | None = None
    invalid_click: int | None = None
    duplicate_click: int | None = None
    gross_click: int | None = None
    cv: int | None = Field(default=None, description="Conversions (base events).")
    invalid_cv_scrub: int | None = None
    view_through_cv: int | None = None
    total_cv: int | None = None
    event: int | None = Field(default=None, description="Post-conversion events.")
    payout: Decimal | None = Field(default=None, description="Owed to the affiliate, in currency units.")
    revenue: Decimal | None = Field(default=None, description="Earned from the advertiser, in currency units.")
    event_revenue: Decimal | None = None
    gross_sales: Decimal | None = Field(default=None, description="The conversions' sale amounts, in currency units.")
    profit: Decimal | None = None
    media_buying_cost: Decimal | None = None


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://api.eflow.team/v1/",
    auth=ApiKey("api_key", header="X-Eflow-API-Key"),
    errors=ErrorMap(
        # ``{"error": "<message>"}`` at any status; a 10,000-row table says ``incomplete_results: true``.
        "Everflow", code=("error", "incomplete_results"), ok=(False,), message=("error",),
        codes={True: Action.SPLIT},
        statuses={400: Action.FAIL, 401: Action.AUTH, 403: Action.AUTH, 404: Action.FAIL, 429: Action.RETRY},
        hints={Action.AUTH: "check the network API key (Control Center > Security); an affiliate or advertiser key "
                            "cannot read Network API endpoints",
               Action.SPLIT: "the day has more than 10,000 offer and affiliate rows"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def pivot_columns(row: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """The row's ``columns[]`` as offer and affiliate ids and names; the asked currency on it."""
    for column in row.pop("columns", None) or ():
        kind = column.get("column_type")
        if kind in ("offer", "affiliate"):
            row[f"{kind}_id"] = column.get("id")
            row[f"{kind}_name"] = column.get("label")
    row["currency_id"] = ctx.config.currency_id
    return row


def streams(config: EverflowConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    lookback = timedelta(days=config.lookback_days if config is not None else 30)
    return [
        RestStream(
            name="offers", description="Every offer of the network: advertiser, status, currency.", path="networks/offers",
            paginator=lambda: PageNumber(page_size=size, total_items_path="paging.total_count"),
            records=Records("offers", formats={"time_created": EPOCH_SECONDS, "time_saved": EPOCH_SECONDS},
                            drop=("relationship", "html_description", "internal_notes", "terms_and_conditions")),
            contract=Offer, primary_key=("network_offer_id",),
            cursor=FullRefresh("the offers list is small and has no changed-since parameter"),
            unified=Entity("account", id="network_offer_id", name="name", status="offer_status", active_status="active"),
        ),
        RestStream(
            name="affiliate_offer_daily", description="Clicks, conversions, payout and revenue per offer, affiliate and day.",
            path="networks/reporting/entity/table", method="POST",
            params={"timezone_id": "{timezone_id}", "currency_id": "{currency_id}", "columns": PIVOT, "query": {"filters": []}},
            window=WindowParams("from", "to"), paginator=SinglePage,
            records=Records("table", flatten=("reporting",), window_day="date"),
            transform=pivot_columns, contract=AffiliateOfferDay, primary_key=("offer_id", "affiliate_id", "date"),
            cursor=Cursor("date", lookback=lookback, window=timedelta(days=1)),
            unified=(
                Maps("affiliate_performance_daily", date="date", program_id="offer_id", partner_id="affiliate_id",
                     partner_name="affiliate_name", clicks="total_click", actions="cv", sale_amount="gross_sales",
                     commission="payout", currency="currency_id",
                     meanings={"date": "the day in the configured Everflow time zone (timezone_id)",
                               "program_id": "the Everflow offer",
                               "clicks": "total_click: every click on the affiliate's tracking links, unique or not",
                               "actions": "cv: base conversions, pending and approved (post-conversion events apart)",
                               "sale_amount": "gross_sales: the conversions' sale amounts",
                               "commission": "payout: owed to the affiliate for the day's conversions and events"}),
                Performance(
                    "campaign", date="date", account="offer_id", account_name="offer_name",
                    campaign="affiliate_id", campaign_name="affiliate_name",
                    spend="payout", impressions="imp", clicks="total_click", conversions="cv",
                    conversion_value="gross_sales", currency="currency_id",
                    clicks_are="total_click: clicks on the affiliate's Everflow tracking links",
                    conversions_are="cv: the offer's base conversions credited to the affiliate that day",
                    conversion_value_is="gross_sales: the conversions' sale amounts",
                    date_is="the day in the configured Everflow time zone",
                ),
            ),
        ),
    ]


connector = declare(
    "everflow", title="Everflow", api=API, config=EverflowConfig, streams=streams, api_version="v1",
    docs_url="https://developers.everflow.io/docs/network/reporting/aggregated_data", category="affiliate",
    description="Everflow Network API: offers, and clicks, conversions, payout and sales per offer, affiliate and day.",
    # The documented error body (https://everflowtechnologies.mintlify.app/user-guide/errors).
    error_example={"error": "Invalid parameters."},
)
source = source_function(connector)

__all__ = ["connector", "source", "EverflowConfig"]
