"""Search Ads 360: the Search Ads 360 Reporting API v0 (``searchAds360:search``), declared.

Reference: https://developers.google.com/search-ads/reporting/api/reference/rest (v0, the
one major version; minor versions update the same endpoint in place:
https://developers.google.com/search-ads/reporting/concepts/versioning). Field names and
types: the API's protocol buffers, ``google/ads/searchads360/v0`` in github.com/googleapis/googleapis.
Google's discovery service also lists a ``searchads360`` "v23" surface; no reference page
documents it, so this source follows v0.

Every stream is one query in the Search Ads 360 Query Language, close to Google Ads' GAQL
(`framework.gaql` serves both), sent per customer to
``POST https://searchads360.googleapis.com/v0/customers/{customer_id}/searchAds360:search``
with ``{"query", "pageSize"}``; pages follow ``nextPageToken`` (sent back as ``pageToken``),
absent on the last page. Rows are the protobuf JSON mapping: one object per resource,
lowerCamelCase names, int64 values (ids, impressions, clicks, ``costMicros``) as JSON strings.

Auth: OAuth 2.0 access tokens minted from a Google user's refresh token at
``https://oauth2.googleapis.com/token`` (scope ``https://www.googleapis.com/auth/doubleclicksearch``),
and, for customers reached through a manager account, the ``login-customer-id`` header
(https://developers.google.com/search-ads/reporting/api/reference/rest/auth).

Streams, per customer: ``customers`` (name, currency, time zone, status), ``campaigns``,
``ad_groups``, ``ads`` (ad_group_ad), read in full each run (their ``last_modified_time``
is in each customer's own time zone, no cursor across customers), and daily reports
``campaign_daily``, ``ad_group_daily`` and ``ad_daily`` (``segments.date``, the engine
account's day): cost (``metrics.cost_micros``, micros of the customer's currency, loaded
as ``cost`` in currency units), impressions, clicks, conversions and conversions value,
all conversions and their value. Reports are incremental on the date with a 30-day
look-back: conversions are credited to the day of the click and keep arriving for the
length of the conversion window (Floodlight's lookback window, 30 days unless the
advertiser sets another, up to 90: raise ``lookback_days`` then); engine metrics are
fresh within about 6 hours (https://support.google.com/sa360/answer/1185359). Windows of
``window_days`` (90) keep each query small; the API caps no range.

Errors are Google's (https://cloud.google.com/apis/design/errors): ``{"error": {"code",
"message", "status", "details"}}``, the canonical ``status`` decides. Limits
(https://developers.google.com/search-ads/reporting/concepts/quotas): 3,000 queries per
minute per project, 150,000 per day; over them, RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr, field_validator

from ...framework import Contract, Id, IdList, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, AppLimits, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.gaql import DateRange, F, build_query, records
from ...framework.http import RetryPolicy
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import ForEach
from ...framework.records import DATE_PREFIX, MICROS
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
#: The search method's own example asks for 10,000 rows a page; the server may send fewer.
MAX_PAGE_SIZE = 10_000


def _customer_id(value: str) -> str:
    """Customer ids as the UI shows them (123-456-7890) or as the API wants them (digits)."""
    text = str(value).strip().replace("-", "")
    if not text.isdigit():
        raise ValueError(f"customer ids are digits, optionally written 123-456-7890; not valid: {value!r}")
    return text


class Sa360Config(SourceConfig):
    """Config of the ``sa360`` source (plus the fields every source accepts)."""

    client_id: str = Field(min_length=1, description="OAuth 2.0 client id of your Google Cloud project.")
    client_secret: SecretStr = Field(description="OAuth 2.0 client secret.")
    refresh_token: SecretStr = Field(
        description="Refresh token of a Search Ads 360 user, with the https://www.googleapis.com/auth/doubleclicksearch scope.")
    customer_ids: IdList = Field(min_length=1, description="Client (sub-manager or client) accounts to read; a list, or one "
                                 "comma-separated string, digits with or without dashes.")
    login_customer_id: str | None = Field(
        default=None, description="The manager account the customers are reached through (login-customer-id header).")
    token_url: str | None = Field(default=None, description="Override the OAuth 2.0 token endpoint (sandboxes, tests).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per search page (pageSize).")
    window_days: int = Field(default=90, ge=1, le=366, description="Days per report query.")

    @field_validator("customer_ids")
    @classmethod
    def _customers(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_customer_id(v) for v in value))

    @field_validator("login_customer_id")
    @classmethod
    def _manager(cls, value: str | None) -> str | None:
        return _customer_id(value) if value not in (None, "") else None


def _headers(config: Any) -> dict[str, str]:
    """``login-customer-id``: the manager through which a client account is read."""
    manager = getattr(config, "login_customer_id", None)
    return {"login-customer-id": manager} if manager else {}


GOOGLE_RETRY = ("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED")
API = Api(
    base_url="https://searchads360.googleapis.com/v0/",
    auth=RefreshToken(GOOGLE_TOKEN_URL),
    headers=_headers,
    errors=ErrorMap(
        "Google", code="error.status",
        # the SearchAds360Failure's own words first (its errors[].message), else Google's line
        message=("error.details.0.errors.0.message", "error.message"),
        codes={**dict.fromkeys(GOOGLE_RETRY, Action.RETRY), **dict.fromkeys(("UNAUTHENTICATED", "PERMISSION_DENIED"), Action.AUTH)},
        hints={Action.AUTH: "check the refresh token, that its user can read every configured customer, and "
                            "login_customer_id for customers reached through a manager account"},
    ),
    rate=RateBudget(per_minute=3000),
    app_limits=AppLimits(per_minute=3000, docs="https://developers.google.com/search-ads/reporting/concepts/quotas"),  # per project
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


# -- contracts: one row per query row, named by the field lists below -----------------------------


class Customer(Contract):
    """One customer (account), from ``FROM customer``."""

    customer_id: Id
    descriptive_name: str | None = None
    currency_code: str | None = Field(default=None, description="ISO 4217; every cost of the customer is in it.")
    time_zone: str | None = Field(default=None, description="The customer's time zone (IANA name).")
    status: str | None = Field(default=None, description="ENABLED, CANCELED, SUSPENDED or CLOSED.")
    account_type: str | None = Field(default=None, description="The engine: GOOGLE_ADS, MICROSOFT, YAHOO_JAPAN, BAIDU, ...")
    manager: bool | None = None
    engine_id: str | None = None
    creation_time: str | None = Field(default=None, description="yyyy-MM-dd HH:mm:ss in the customer's time zone.")
    last_modified_time: str | None = Field(default=None, description="yyyy-MM-dd HH:mm:ss.ssssss in the customer's time zone.")


class Campaign(Contract):
    """One campaign, from ``FROM campaign``."""

    customer_id: Id
    campaign_id: Id
    campaign_name: str | None = None
    status: str | None = Field(default=None, description="ENABLED, PAUSED or REMOVED.")
    serving_status: str | None = None
    advertising_channel_type: str | None = None
    start_date: str | None = Field(default=None, description="YYYY-MM-DD in the customer's time zone.")
    end_date: str | None = Field(default=None, description="YYYY-MM-DD; 2037-12-30 means no end.")
    engine_id: str | None = None
    creation_time: str | None = None
    last_modified_time: str | None = None


class AdGroup(Contract):
    """One ad group, from ``FROM ad_group``."""

    customer_id: Id
    campaign_id: Id
    ad_group_id: Id
    ad_group_name: str | None = None
    status: str | None = Field(default=None, description="ENABLED, PAUSED or REMOVED.")
    type: str | None = None
    engine_id: str | None = None
    creation_time: str | None = None
    last_modified_time: str | None = None


class Ad(Contract):
    """One ad of an ad group, from ``FROM ad_group_ad`` (an ad id is unique within its ad group)."""

    customer_id: Id
    campaign_id: Id
    ad_group_id: Id
    ad_id: Id
    ad_name: str | None = None
    ad_type: str | None = None
    status: str | None = Field(default=None, description="ENABLED, PAUSED or REMOVED.")
    engine_id: str | None = None
    creation_time: str | None = None
    last_modified_time: str | None = None


class _Daily(Contract):
    """The metrics every daily report selects."""

    customer_id: Id
    date: dt.date = Field(description="segments.date: the engine account's day.")
    cost: Decimal | None = Field(default=None, description="metrics.cost_micros, in the customer's currency units.")
    impressions: int | None = None
    clicks: int | None = None
    conversions: float | None = None
    conversions_value: float | None = None
    all_conversions: float | None = None
    all_conversions_value: float | None = None


class CampaignDaily(_Daily):
    campaign_id: Id


class AdGroupDaily(_Daily):
    campaign_id: Id
    ad_group_id: Id


class AdDaily(_Daily):
    campaign_id: Id
    ad_group_id: Id
    ad_id: Id


# -- the queries ---------------------------------------------------------------------------------

CUSTOMER, CAMPAIGN, AD_GROUP = F("customer.id"), F("campaign.id"), F("ad_group.id")
AD = F("ad_group_ad.ad.id", "ad_id")
METRICS = (
    F("segments.date"), F("metrics.cost_micros", "cost"), F("metrics.impressions"), F("metrics.clicks"),
    F("metrics.conversions"), F("metrics.conversions_value"), F("metrics.all_conversions"), F("metrics.all_conversions_value"),
)
QUERIES = {  # stream: (resource, fields)
    "customers": ("customer", (CUSTOMER, *(F(f"customer.{name}", name) for name in (
        "descriptive_name", "currency_code", "time_zone", "status", "account_type", "manager", "engine_id",
        "creation_time", "last_modified_time")))),
    "campaigns": ("campaign", (CUSTOMER, CAMPAIGN, F("campaign.name"), *(F(f"campaign.{name}", name) for name in (
        "status", "serving_status", "advertising_channel_type", "start_date", "end_date", "engine_id",
        "creation_time", "last_modified_time")))),
    "ad_groups": ("ad_group", (CUSTOMER, CAMPAIGN, AD_GROUP, F("ad_group.name"), *(F(f"ad_group.{name}", name) for name in (
        "status", "type", "engine_id", "creation_time", "last_modified_time")))),
    "ads": ("ad_group_ad", (CUSTOMER, CAMPAIGN, AD_GROUP, AD, F("ad_group_ad.ad.name", "ad_name"), F("ad_group_ad.ad.type", "ad_type"),
                            *(F(f"ad_group_ad.{name}", name) for name in ("status", "engine_id", "creation_time", "last_modified_time")))),
    "campaign_daily": ("campaign", (CUSTOMER, CAMPAIGN, *METRICS)),
    "ad_group_daily": ("ad_group", (CUSTOMER, CAMPAIGN, AD_GROUP, *METRICS)),
    "ad_daily": ("ad_group_ad", (CUSTOMER, CAMPAIGN, AD_GROUP, AD, *METRICS)),
}

PER_CUSTOMER = ForEach("customer_ids", "customer_id")
ACTIVE = "ENABLED"
IN_FULL = ("entity lists are read whole: their last_modified_time is in each customer's own time zone, "
           "so it is no cursor across customers")
#: What Search Ads 360's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="clicks on the ad, as the engine (Google Ads, Microsoft Advertising, ...) reports them",
    conversions_are="conversions of the actions counted in the conversions column (include_in_conversions_metric), "
                    "credited to the click's day",
    conversion_value_is="conversions_value: the value of those conversions",
    date_is="a day in the engine account's time zone",
)
ACCOUNT = dict(account_name=Lookup("customers", "customer_id", "descriptive_name"),
               currency=Lookup("customers", "customer_id", "currency_code"))
NAMES = dict(campaign_name=Lookup("campaigns", "campaign_id", "campaign_name", on="campaign"),
             ad_group_name=Lookup("ad_groups", "ad_group_id", "ad_group_name", on="ad_group"),
             ad_name=Lookup("ads", ("ad_group_id", "ad_id"), "ad_name", on=("ad_group", "ad")))


def search(name: str, size: int, **declared: Any) -> RestStream:
    """One stream: its query, sent per customer, paged by token."""
    resource, fields = QUERIES[name]
    daily = name.endswith("_daily")
    declared.setdefault("paginator", lambda: CursorInBody(token_path="nextPageToken", param="pageToken"))
    return RestStream(
        name=name, path="customers/{customer_id}/searchAds360:search", method="POST",
        params={"query": build_query(resource, fields), "pageSize": size}, partitions=PER_CUSTOMER,
        records=records(fields, units={"cost": MICROS}, formats={"date": DATE_PREFIX}) if daily else records(fields),
        window=DateRange() if daily else None, arrow=daily, **declared,
    )


#: The levels a report row names, by the report's level.
LEVEL_IDS = {"campaign": ("campaign",), "ad_group": ("campaign", "ad_group"), "ad": ("campaign", "ad_group", "ad")}


def report(name: str, level: str, contract: type[Contract], keys: tuple[str, ...], size: int, days: int) -> RestStream:
    """A daily report at `level`; `keys` identify its row within a customer and day."""
    ids = {lv: f"{lv}_id" for lv in LEVEL_IDS[level]}
    names = {f"{lv}_name": NAMES[f"{lv}_name"] for lv in ids}
    return search(
        name, size, description=f"Daily {level.replace('_', ' ')} performance of each customer.", contract=contract,
        primary_key=("customer_id", *keys, "date"),
        cursor=Cursor("date", lookback=timedelta(days=30), window=timedelta(days=days)),
        unified=Performance(level, date="date", account="customer_id", spend="cost", impressions="impressions", clicks="clicks",
                            conversions="conversions", conversion_value="conversions_value", **ids, **names, **ACCOUNT,
                            grain=("ad_group", "ad") if level == "ad" else (), **MEANINGS),
    )


def streams(config: Sa360Config | None) -> list[Stream]:
    size, days = (config.page_size, config.window_days) if config is not None else (MAX_PAGE_SIZE, 90)
    return [
        search("customers", size, description="Each customer's name, currency, time zone and status.", contract=Customer,
               primary_key=("customer_id",), cursor=FullRefresh(IN_FULL),
               paginator=SinglePage,  # FROM customer answers the one customer of the request's path
               unified=Entity("account", id="customer_id", name="descriptive_name", currency="currency_code",
                              timezone="time_zone", status="status", active_status=ACTIVE)),
        search("campaigns", size, description="Every campaign of each customer.", contract=Campaign,
               primary_key=("customer_id", "campaign_id"), cursor=FullRefresh(IN_FULL),
               unified=Entity("campaign", id="campaign_id", name="campaign_name", account="customer_id",
                              objective="advertising_channel_type", status="status", active_status=ACTIVE)),
        search("ad_groups", size, description="Every ad group of each customer.", contract=AdGroup,
               primary_key=("customer_id", "ad_group_id"), cursor=FullRefresh(IN_FULL),
               unified=Entity("ad_group", id="ad_group_id", name="ad_group_name", account="customer_id", campaign="campaign_id",
                              status="status", active_status=ACTIVE)),
        search("ads", size, description="Every ad of each customer (ad_group_ad).", contract=Ad,
               primary_key=("customer_id", "ad_group_id", "ad_id"), cursor=FullRefresh(IN_FULL),
               unified=Entity("ad", id="ad_id", name="ad_name", account="customer_id", campaign="campaign_id",
                              ad_group="ad_group_id", status="status", active_status=ACTIVE)),
        report("campaign_daily", "campaign", CampaignDaily, ("campaign_id",), size, days),
        report("ad_group_daily", "ad_group", AdGroupDaily, ("ad_group_id",), size, days),
        report("ad_daily", "ad", AdDaily, ("ad_group_id", "ad_id"), size, days),
    ]


connector = declare(
    "sa360", title="Search Ads 360", api=API, config=Sa360Config, streams=streams, api_version="v0",
    docs_url="https://developers.google.com/search-ads/reporting/api/reference/rest", category="ads",
    support_policy="https://developers.google.com/search-ads/reporting/concepts/versioning (v0 is the current major "
                   "version; sunsets are announced on the searchads-api-announcements group)",
    description="Search Ads 360 Reporting API: customers, campaigns, ad groups, ads and daily performance (cost in "
                "currency units) per customer.",
    # Google's error model (https://cloud.google.com/apis/design/errors), as cassettes/sa360/bodies/error.auth.json.
    error_example={"error": {"code": 401, "status": "UNAUTHENTICATED", "message": (
        "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other "
        "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.")}},
)
source = source_function(connector)

__all__ = ["connector", "source", "Sa360Config"]
