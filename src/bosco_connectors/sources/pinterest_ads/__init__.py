"""Pinterest Ads: the Pinterest REST API v5, declared.

Reference: https://developers.pinterest.com/docs/api/v5/ (OpenAPI 5.23.0, published as
github.com/pinterest/api-description ``v5/openapi.json``; base ``https://api.pinterest.com/v5/``).
Auth: OAuth 2.0; the access token is refreshed from a long-lived (continuous, 60-day)
refresh token at ``/v5/oauth/token``, the app's id and secret sent as HTTP basic auth.

Per ad account: the account (GET /ad_accounts/{id}: name, currency, country), its
campaigns, ad groups and ads (``entity_statuses`` ACTIVE, PAUSED and ARCHIVED: archived
objects keep their history), paged with ``bookmark`` (at most 250 a page; the last page's
bookmark is null), and daily reports at campaign, ad group and ad (``PIN_PROMOTION``)
level from the asynchronous reports: POST /ad_accounts/{id}/reports (JSON body) answers a
``token``, GET /ad_accounts/{id}/reports?token= answers ``report_status`` (IN_PROGRESS,
FINISHED; DOES_NOT_EXIST, EXPIRED, FAILED and CANCELLED start the job again) and, once
finished, a ``url`` to the file (valid five minutes). The JSON file is an object keyed by
entity id, each value that entity's rows, one per ``DATE`` (`files.JsonGroups`).
The synchronous analytics endpoints were not chosen: they need the entity ids (250 a
request) and reach only 90 days back, where a report job covers an account in one request,
186 days at a time, as far as 914 days back (the create endpoint's description).

Money: every ``*_MICRO_DOLLAR`` column is in micro-units of the ad account's currency,
despite its name ("Any metrics defined as MICRO_DOLLARS returns a value based on the
advertiser profile's currency field", the ``columns`` parameter of the analytics
endpoints); loaded divided by 1e6 as exact decimals; the currency is the account's.
Dates: reports take ``start_date``/``end_date`` documented as UTC; Pinterest documents no
time zone on the ad account in v5 (``reporting_timezone`` is a closed beta).

Look-back: conversions are reported on the day of the ad action (``conversion_report_time``
TIME_OF_AD_ACTION) within the attribution windows the report asks for (``click_window_days``
30, ``engagement_window_days`` 30, ``view_window_days`` 1 by default: the create
endpoint's defaults, configurable), so a day's conversions keep changing for as long as
the longest window: the look-back is that window (30 days by default).

Errors are ``{"code": <int>, "message": ...}`` with the HTTP status: code 2
(authentication failed) and 3 (token lacks the scope) are auth errors, 29 (not permitted
to access the resource: one ad account) skips that account, 8 (rate limit, HTTP 429) is
retried. Rate limits (https://developers.pinterest.com/docs/reference/rate-limits/):
ads_analytics 300 and ads_read 1,000 requests a minute per user per app (Standard access).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action
from ...framework.files import JsonGroups
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, Poll
from ...framework.paginators import SinglePage
from ...framework.pinterest_v5 import AUTH_HINT, BASE_URL, MAX_PAGE_SIZE, TOKEN_URL, bookmark_paging, pinterest_auth, pinterest_errors
from ...framework.params import ForEach, WindowParams
from ...framework.records import DATE_PREFIX, EPOCH_SECONDS, MICROS, Records
from ...framework.spec import Contract, Cursor, FullRefresh, RestStream, Stream, utc_today
from ...framework.unified import Entity, Lookup, Performance
from .contracts import Ad, AdAccount, AdDaily, AdGroup, AdGroupDaily, Campaign, CampaignDaily

#: Attribution windows the reports accept (ConversionAttributionWindowDays).
WindowDays = Literal[0, 1, 7, 14, 30, 60]
#: A report job's longest range and how far back it reaches (non-hourly granularity).
REPORT_RANGE, REPORT_HISTORY = timedelta(days=186), timedelta(days=914)
_AD_ACCOUNT_ID = re.compile(r"^\d{1,18}$")


class PinterestAdsConfig(SourceConfig):
    """Config of the ``pinterest_ads`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The Pinterest app's id.")
    client_secret: SecretStr = Field(description="The Pinterest app's secret key.")
    refresh_token: SecretStr = Field(description="A refresh token of a user with access to the ad accounts (scope ads:read).")
    ad_account_ids: IdList = Field(min_length=1, description="Ad account ids (numeric); a list, or one comma-separated string.")
    token_url: str | None = Field(default=None, description=f"Override the token endpoint (default {TOKEN_URL}).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Objects per page (1-250).")
    click_window_days: WindowDays = Field(default=30, description="Conversion attribution window after a Pin click, in days.")
    engagement_window_days: WindowDays = Field(default=30, description="Conversion attribution window after an engagement.")
    view_window_days: WindowDays = Field(default=1, description="Conversion attribution window after a view, in days.")
    requests_per_minute: float = Field(
        default=300, gt=0, le=6000, description="Request budget (ads_analytics: 300 a minute per user per app, Standard access).")

    @field_validator("ad_account_ids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        if bad := [v for v in value if not _AD_ACCOUNT_ID.match(v)]:
            raise ValueError(f"ad account ids are numeric (up to 18 digits); not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))


API = Api(
    base_url=BASE_URL,
    auth=pinterest_auth(),
    errors=pinterest_errors(
        {29: Action.SKIP},
        hints={Action.AUTH: f"{AUTH_HINT} (ads:read)",
               Action.SKIP: "give the token's user a Business Access role (Admin, Analyst, Campaign Manager) on the ad account"},
    ),
    rate=RateBudget(per_minute="requests_per_minute"),
)

PER_ACCOUNT = ForEach("ad_account_ids", "ad_account_id")
TIMES = {name: EPOCH_SECONDS for name in ("created_time", "updated_time", "start_time", "end_time")}
#: Archived objects are asked for too (the endpoints' default is ACTIVE and PAUSED): their history still counts.
ENTITY_STATUSES = ["ACTIVE", "PAUSED", "ARCHIVED"]
ACTIVE = "ACTIVE"
ACCOUNT = dict(account_name=Lookup("ad_accounts", "id", "name"), currency=Lookup("ad_accounts", "id", "currency"))
#: What Pinterest's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="paid Pin clicks (CLICKTHROUGH_1: clicks that open the Pin or go to its destination)",
    conversions_are="conversions of every Pinterest Tag event type after an ad click, engagement or view (TOTAL_CONVERSIONS)",
    conversion_value_is="value of those conversions (TOTAL_CONVERSIONS_VALUE_IN_MICRO_DOLLAR), in the ad account's currency",
    date_is="a report day as Pinterest's reports count it (start and end dates documented as UTC)",
)
#: The metrics every level asks for, and the money columns among them (micro-units, renamed).
METRICS = ("SPEND_IN_MICRO_DOLLAR", "IMPRESSION_1", "IMPRESSION_2", "CLICKTHROUGH_1", "CLICKTHROUGH_2", "OUTBOUND_CLICK_1",
           "TOTAL_CONVERSIONS", "TOTAL_CONVERSIONS_VALUE_IN_MICRO_DOLLAR", "TOTAL_CHECKOUT", "TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR")
MONEY = {"SPEND_IN_MICRO_DOLLAR": "spend", "TOTAL_CONVERSIONS_VALUE_IN_MICRO_DOLLAR": "total_conversions_value",
         "TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR": "total_checkout_value"}
#: Report level: (stream, the id column the file is keyed by, attribute columns, contract, unified level).
LEVELS: dict[str, tuple[str, str, tuple[str, ...], type[Contract], str]] = {
    "CAMPAIGN": ("campaign_daily", "CAMPAIGN_ID", ("CAMPAIGN_NAME",), CampaignDaily, "campaign"),
    "AD_GROUP": ("ad_group_daily", "AD_GROUP_ID", ("AD_GROUP_NAME", "CAMPAIGN_ID", "CAMPAIGN_NAME"), AdGroupDaily, "ad_group"),
    "PIN_PROMOTION": ("ad_daily", "AD_ID", ("AD_NAME", "PIN_ID", "AD_GROUP_ID", "AD_GROUP_NAME", "CAMPAIGN_ID", "CAMPAIGN_NAME"),
                      AdDaily, "ad"),
}
REPORT_STATUSES = {"IN_PROGRESS": RUNNING, "FINISHED": DONE,
                   "DOES_NOT_EXIST": FAILED, "EXPIRED": FAILED, "FAILED": FAILED, "CANCELLED": FAILED}


def column(name: str) -> str:
    """The raw column of a report column: lower case; money without its unit (it loads in currency units)."""
    return MONEY.get(name, name.lower())


def objects(name: str, path: str, contract: type[Contract], size: int, unified: Entity, **records: object) -> RestStream:
    return RestStream(
        name=name, description=f"Every {name.replace('_', ' ')[:-1]} of each ad account (active, paused, archived), from GET /{path}.",
        path=path, params={"page_size": size, "entity_statuses": ENTITY_STATUSES}, partitions=PER_ACCOUNT,
        paginator=bookmark_paging, records=Records("items", formats=TIMES, **records),  # type: ignore[arg-type]
        contract=contract, primary_key=("id",), unified=unified,
        cursor=FullRefresh(f"/{path} filters by id and status only (no update time): every run reads them all"),
    )


def report(level: str, config: PinterestAdsConfig | None) -> AsyncReportStream:
    name, key, attributes, contract, unified_level = LEVELS[level]
    click, engagement, view = (config.click_window_days, config.engagement_window_days, config.view_window_days) \
        if config is not None else (30, 30, 1)
    columns = (key, *attributes, *METRICS)
    ids = {"campaign": "campaign_id", "ad_group": "ad_group_id", "ad": "ad_id"}
    names = {f"{lv}_name": f"{col[:-3]}_name" for lv, col in ids.items()}
    in_row = {k: v for k, v in {**ids, **names}.items() if v.upper() in columns}
    return AsyncReportStream(
        name=name, description=f"Daily {level} report (asynchronous job): one row per {key} and day.",
        report=AsyncReport(
            name=f"{name} report",
            create=Create("ad_accounts/{ad_account_id}/reports", job_id="token",
                          body={"level": level, "granularity": "DAY", "columns": list(columns), "report_format": "JSON",
                                "click_window_days": click, "engagement_window_days": engagement, "view_window_days": view,
                                "conversion_report_time": "TIME_OF_AD_ACTION"},
                          window=WindowParams("start_date", "end_date", in_body=True)),
            poll=Poll("ad_accounts/{ad_account_id}/reports", params={"token": "{job_id}"}, status="report_status", url="url",
                      statuses=REPORT_STATUSES),
            download=Download(JsonGroups(group_by=key)),
            deadline=timedelta(minutes=30), first_poll=5, max_poll=60,
        ),
        partitions=PER_ACCOUNT,
        records=Records(rename={c: column(c) for c in (*columns, "DATE")}, units={money: MICROS for money in MONEY.values()},
                        formats={"date": DATE_PREFIX}, from_partition=("ad_account_id",)),
        contract=contract, primary_key=(ids[unified_level], "date"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=max(click, engagement, view)), window=REPORT_RANGE),
        oldest_day=lambda: utc_today() - REPORT_HISTORY,
        unified=Performance(unified_level, date="date", account="ad_account_id", spend="spend", impressions="impression_1",
                            clicks="clickthrough_1", conversions="total_conversions", conversion_value="total_conversions_value",
                            sums_into=("account",) if level == "CAMPAIGN" else (), **ACCOUNT, **in_row, **MEANINGS),
    )


def streams(config: PinterestAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    micro = {"budget": MICROS, "bid": MICROS}
    return [
        RestStream(
            name="ad_accounts", description="Each ad account: name, currency, country.", path="ad_accounts/{ad_account_id}",
            partitions=PER_ACCOUNT, paginator=SinglePage, records=Records(formats=TIMES), contract=AdAccount,
            primary_key=("id",), cursor=FullRefresh("GET /ad_accounts/{id} returns the account's current settings"),
            unified=Entity("account", id="id", name="name", currency="currency"),
        ),
        objects("campaigns", "ad_accounts/{ad_account_id}/campaigns", Campaign, size,
                Entity("campaign", id="id", name="name", account="ad_account_id", objective="objective_type",
                       status="status", active_status=ACTIVE)),
        objects("ad_groups", "ad_accounts/{ad_account_id}/ad_groups", AdGroup, size,
                Entity("ad_group", id="id", name="name", account="ad_account_id", campaign="campaign_id",
                       status="status", active_status=ACTIVE),
                rename={"budget_in_micro_currency": "budget", "bid_in_micro_currency": "bid"}, units=micro),
        objects("ads", "ad_accounts/{ad_account_id}/ads", Ad, size,
                Entity("ad", id="id", name="name", account="ad_account_id", campaign="campaign_id", ad_group="ad_group_id",
                       status="status", active_status=ACTIVE)),
        *(report(level, config) for level in LEVELS),
    ]


connector = declare(
    "pinterest_ads", title="Pinterest Ads", api=API, config=PinterestAdsConfig, streams=streams, api_version="v5",
    docs_url="https://developers.pinterest.com/docs/api/v5/", category="ads",
    support_policy="https://developers.pinterest.com/docs/api/v5/ (v5 is current; OpenAPI 5.23.0, 2025-12; no sunset announced)",
    description="Pinterest Ads (API v5): ad accounts, campaigns, ad groups, ads and daily reports from asynchronous report jobs.",
    # The documented error body (401 example of the v5 OpenAPI description).
    error_example={"code": 2, "message": "Authentication failed."},
)
source = source_function(connector)

__all__ = ["connector", "source", "PinterestAdsConfig"]
