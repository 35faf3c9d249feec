"""Outbrain: the Outbrain Amplify API v0.1 (advertiser side), declared.

Reference: Outbrain's own API Blueprint, https://amplifyv01.docs.apiary.io/ (Amplify API v0.1, base
``https://api.outbrain.com/amplify/v0.1/``; the version of 2026-08-13 was read). Every request
carries the ``OB-TOKEN-V1`` header. A token is valid 30 days and is made on the "Amplify API Token"
page of my.outbrain.com or by ``GET /login`` with the user's basic auth, which is limited to 2
calls per hour per user: Outbrain recommends storing one token and renewing it within its 30
days, so the token is a config secret the user renews, not a grant this source calls each run.

Streams: the marketers (Outbrain's accounts) the token may read (``GET marketers``), the
campaigns of each configured marketer (``GET marketers/{id}/campaigns``, archived ones included,
paged by ``offset``/``limit`` up to 50 with ``totalCount``), and the "Periodic by campaign"
report with the ``daily`` breakdown (``GET reports/marketers/{id}/campaigns/periodic``): every
campaign of the marketer in one answer (``campaignResults``), each with its days in ``results``.
``limit`` and ``offset`` page each campaign's days ("number of results to return in this request
for each campaign", at most 500), not the campaigns; a campaign's ``totalResults`` says how many
days it has, so pages follow while one has more (`OffsetPerRecord`). Outbrain has no ad groups:
its ads (promoted links) are not loaded here.

Look-back: conversions are reported on the day of the conversion (``conversionsByClickDate``
false, Outbrain's default), so a conversion up to a conversion event's window after its click
(60 days in the documented examples) adds to a recent day instead of rewriting an old one; what
still changes is the last day or so while its data is final (reports lag 10-30 minutes,
``GET reports/fullDay`` names the last complete day). Three days are re-read per run;
``lookback_days`` re-reads more. Windows of 30 days keep answers small (the reference caps no
range; history goes back 3 years). Money (``spend``, ``totalSumValue``, ``ecpc``...) is Money:
"a decimal number with precision of 2 digits", in the marketer's currency, "available in each
of the marketer's budget object": each campaign's ``currency`` (the currency of its budget)
gives the report's currency. The marketer object documents no currency and no time zone
(the reference writes its times in US Eastern Time and says no more of report days).

Rate limits: 30 report requests per minute per marketer, 30 requests per second per token;
a 429 says how long the limit holds in its ``rate-limit-msec-left`` header (milliseconds).
Errors come as ``{"moreInfo", "errorMessage"}`` with HTTP 400, 401, 403, 404 or 429.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.paginators import OffsetLimit, OffsetPerRecord
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import CURRENCY, DATE_PREFIX, Records, snake_case
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Lookup, Performance

#: Days per campaign per report request: Outbrain's ``limit`` ("maximal value 500").
MAX_RESULTS = 500
#: Campaigns per page of the campaigns collection ("default is 25, maximum is 50").
CAMPAIGNS_PAGE = 50
WINDOW_DAYS = 30


class OutbrainConfig(SourceConfig):
    """Config of the ``outbrain`` source (plus the fields every source accepts)."""

    token: SecretStr = Field(description="An Amplify API token (OB-TOKEN-V1), valid 30 days: from the Amplify API Token "
                                         "page of my.outbrain.com or GET /login with your Outbrain user's basic auth.")
    marketer_ids: IdList = Field(min_length=1, description="Marketer ids to read (GET /marketers lists them); a list or one comma-separated string.")
    results_per_page: int = Field(
        default=WINDOW_DAYS + 1, ge=1, le=MAX_RESULTS,
        description="Days per campaign per report request (Outbrain's limit, at most 500); more days are read page by page.")
    requests_per_minute: float = Field(
        default=30.0, gt=0, le=1800, description="Pace of requests: Outbrain allows each marketer 30 report requests per minute.")


# -- contracts: the columns of each raw table, Outbrain's names in snake_case (as they land) ------


class Marketer(Contract):
    """A marketer (customer account) the token may read (GET marketers)."""

    id: Id
    name: str | None = None
    enabled: bool | None = None
    last_modified: str | None = Field(default=None, description="'yyyy-MM-dd HH:mm:ss', US Eastern Time (kept as sent).")
    creation_time: str | None = Field(default=None, description="'yyyy-MM-dd HH:mm:ss', US Eastern Time (kept as sent).")
    blocked_sites: dict[str, Any] | None = None


class Campaign(Contract):
    """One campaign of a marketer (GET marketers/{id}/campaigns)."""

    id: Id
    marketer_id: Id
    name: str | None = None
    enabled: bool | None = Field(default=None, description="False when the campaign is paused.")
    auto_archived: bool | None = None
    on_air_reason: str | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code of the campaign's budget: the marketer's currency.")
    cpc: Decimal | None = Field(default=None, description="Bid per click, in the currency.")
    minimum_cpc: Decimal | None = None
    amount_spent: Decimal | None = None
    objective: str | None = None
    last_modified: str | None = Field(default=None, description="'yyyy-MM-dd HH:mm:ss', US Eastern Time (kept as sent).")
    creation_time: str | None = None
    targeting: dict[str, Any] | None = None
    feeds: list[str] | None = Field(default=None, description="RSS feeds of the campaign's content.")
    budget: dict[str, Any] | None = Field(default=None, description="The campaign's Budget object (amount, currency, dates, pacing).")
    suffix_tracking_code: str | None = None
    prefix_tracking_code: dict[str, Any] | None = None
    live_status: dict[str, Any] | None = None


class CampaignDay(Contract):
    """One campaign and day (Periodic by campaign, daily breakdown): a ``results`` item with its campaign."""

    marketer_id: Id = Field(description="The marketer the report was read for (not in Outbrain's rows).")
    campaign_id: Id
    from_date: dt.date = Field(description="The day (metadata.fromDate, 'yyyy-MM-dd').")
    to_date: dt.date | None = None
    id: str | None = Field(default=None, description="The period's id in the report (the day, for daily rows).")
    last_capping_time: str | None = Field(default=None, description="When the campaign hit its daily cap that day, if it did.")
    total_results: int | None = Field(default=None, description="Days the campaign has in the requested range.")
    impressions: int | None = None
    clicks: int | None = Field(default=None, description="Clicks on the campaign's promoted links.")
    total_conversions: float | None = Field(default=None, description="Conversions from clicks and views, on their conversion day.")
    conversions: float | None = Field(default=None, description="Conversions from clicks.")
    view_conversions: float | None = None
    spend: Decimal | None = Field(default=None, description="Spend in the marketer's currency units.")
    ecpc: Decimal | None = None
    ctr: float | None = None
    conversion_rate: float | None = None
    view_conversion_rate: float | None = None
    cpa: Decimal | None = None
    total_cpa: Decimal | None = None
    total_value: Decimal | None = None
    total_sum_value: Decimal | None = Field(default=None, description="Value of all conversions (clicks and views).")
    sum_value: Decimal | None = Field(default=None, description="Value of conversions from clicks.")
    view_sum_value: Decimal | None = None
    total_average_value: Decimal | None = None
    average_value: Decimal | None = None
    view_average_value: Decimal | None = None
    roas: float | None = None
    total_roas: float | None = None


# -- the API: what every request shares -----------------------------------------------------

API = Api(
    base_url="https://api.outbrain.com/amplify/v0.1/",
    auth=ApiKey("token", header="OB-TOKEN-V1"),
    errors=ErrorMap(
        # {"moreInfo": "get-budget", "errorMessage": "access denied"}: only error bodies carry moreInfo (the
        # operation that failed, no error code); the HTTP status says what it means.
        "Outbrain", code="moreInfo", message=("errorMessage",),
        statuses={400: Action.FAIL, 401: Action.AUTH, 403: Action.AUTH, 404: Action.FAIL, 429: Action.RETRY},
        retry_after_header="rate-limit-msec-left", retry_after_unit=0.001,
        hints={Action.AUTH: "check the OB-TOKEN-V1 token (valid 30 days; a password or email change revokes it) and "
                            "that the marketer ids are ones its user may read (GET /marketers)"},
    ),
    rate=RateBudget(per_minute="requests_per_minute"),
)

PER_MARKETER = ForEach("marketer_ids", "marketer_id")
MONEY = ("spend", "ecpc", "cpa", "total_cpa", "total_value", "total_sum_value", "sum_value", "view_sum_value",
         "total_average_value", "average_value", "view_average_value")
#: Outbrain's camelCase names, as the columns land (snake_case).
MARKETER_FIELDS = snake_case("lastModified", "creationTime", "blockedSites")
CAMPAIGN_FIELDS = snake_case("marketerId", "autoArchived", "onAirReason", "minimumCpc", "amountSpent", "lastModified",
                             "creationTime", "suffixTrackingCode", "prefixTrackingCode", "liveStatus")
REPORT_FIELDS = snake_case("campaignId", "fromDate", "toDate", "lastCappingTime", "totalResults", "totalConversions",
                           "viewConversions", "conversionRate", "viewConversionRate", "totalCpa", "totalValue", "totalSumValue",
                           "sumValue", "viewSumValue", "totalAverageValue", "averageValue", "viewAverageValue", "totalRoas")


def streams(config: OutbrainConfig | None) -> list[Stream]:
    per_page = config.results_per_page if config is not None else WINDOW_DAYS + 1
    campaigns = RestStream(
        name="campaigns", description="Every campaign of each marketer, archived ones included.",
        path="marketers/{marketer_id}/campaigns", params={"includeArchived": "true"}, partitions=PER_MARKETER,
        paginator=lambda: OffsetLimit(limit=CAMPAIGNS_PAGE, total_path="totalCount"), records=Records("campaigns", rename=CAMPAIGN_FIELDS),
        contract=Campaign, primary_key=("id",),
        cursor=FullRefresh("daysToLookBackForChanges filters by whole days only; the list is read whole, 50 a page"),
        unified=Entity("campaign", id="id", name="name", account="marketer_id", status="enabled", active_status="true",
                       objective="objective"),
    )
    return [
        RestStream(
            name="marketers", description="Every marketer (account) the token may read.",
            path="marketers", records=Records("marketers", rename=MARKETER_FIELDS), contract=Marketer, primary_key=("id",),
            cursor=FullRefresh("the endpoint lists the user's marketers and takes no filter"),
            unified=Entity("account", id="id", name="name", status="enabled", active_status="true"),
        ),
        campaigns,
        RestStream(
            name="campaign_daily", description="Periodic by campaign report, daily breakdown: one row per campaign and day.",
            path="reports/marketers/{marketer_id}/campaigns/periodic",
            params={"breakdown": "daily", "includeArchivedCampaigns": "true"}, partitions=PER_MARKETER,
            window=WindowParams("from", "to"), paginator=lambda: OffsetPerRecord(limit=per_page),
            records=Records("campaignResults", explode="results", flatten=("metadata", "metrics"),
                            rename=REPORT_FIELDS, formats={"from_date": DATE_PREFIX, "to_date": DATE_PREFIX},
                            units={m: CURRENCY for m in MONEY}, from_partition=("marketer_id",)),
            contract=CampaignDay, primary_key=("marketer_id", "campaign_id", "from_date"), arrow=True,
            cursor=Cursor("from_date", lookback=timedelta(days=3), window=timedelta(days=WINDOW_DAYS)),
            unified=Performance(
                "campaign", date="from_date", account="marketer_id", campaign="campaign_id",
                spend="spend", impressions="impressions", clicks="clicks", conversions="total_conversions",
                conversion_value="total_sum_value",
                currency=Lookup("campaigns", "id", "currency", on="campaign"),
                campaign_name=Lookup("campaigns", "id", "name", on="campaign"),
                account_name=Lookup("marketers", "id", "name"),
                clicks_are="clicks on the campaign's promoted links",
                conversions_are="totalConversions: conversions of the marketer's conversion events from clicks and views, "
                                "counted on the day of the conversion (Outbrain's default; conversion windows up to 60 days)",
                conversion_value_is="totalSumValue: the value reported for all those conversions",
                date_is="a day as Outbrain reports it (its reference gives times in US Eastern Time)",
            ),
        ),
    ]


connector = declare(
    "outbrain", title="Outbrain", api=API, config=OutbrainConfig, streams=streams, api_version="v0.1",
    docs_url="https://amplifyv01.docs.apiary.io/", category="ads",
    support_policy="https://amplifyv01.docs.apiary.io/ (Amplify API v0.1 is the only version; no sunset announced)",
    description="Outbrain Amplify API: marketers, campaigns and the daily Periodic by campaign report.",
    # The documented error body (Overview and Entities, "Error Handling").
    error_example={"moreInfo": "get-budget", "errorMessage": "access denied"},
)
source = source_function(connector)

__all__ = ["connector", "source", "OutbrainConfig"]
