"""Apple Search Ads: the Apple Ads Platform API 1.0 (App Store campaigns), declared.

Reference: https://developer.apple.com/documentation/apple-ads-platform-api (Apple Ads Platform API
1.0, released 2026-08, base ``https://api.ads.apple.com/v1/``), and Apple's own client generated
from it (PyPI ``apple-ads-platform`` 1.117.0) for field names and JSON types. It supersedes the
Campaign Management API v5, which Apple sunsets on 2027-01-26; this source does not use v5.

Auth: OAuth2 client credentials at ``https://appleid.apple.com/auth/oauth2/token`` (scope
``searchadsorg``) whose client secret is a JWT the client signs with its own P-256 private key
(ES256; ``iss`` the team id, ``sub`` the client id, ``aud`` https://appleid.apple.com, ``kid`` the
key id), made fresh for each exchange (`SignedClientSecret`); the access token lasts an hour.
Every request names its ad account in the ``X-AP-Context: adAccountId={id};`` header.

Streams: each configured ad account (``GET ad-accounts/{id}``: its currency and time zone), its
campaigns and ad groups (``POST campaigns/query``, ``POST adgroups/query``: one query per ad account,
paged by ``pagination.offset``/``pageSize`` with ``fetchTotalCount``; ad groups carry their
``campaignId``, so no per-campaign request is needed), and the Campaigns Report with DAILY
granularity (``POST reports/apps/campaigns/query``): "every apps report request requires a
``campaignId`` filter", so the report is read per campaign (the campaigns stream's records): "one
row per campaign" with its days in ``granularMetrics`` (no ``groupBy``, so one row and no further
page), in the ad account's time zone (``timeZone: ORTZ``). A DAILY range must start within the last 90 days: older days are skipped
with a warning (88 days back from the run's last day, a margin for time zones), and windows are
90 days.

Look-back 30 days: installs are attributed to an ad tap within 30 days (view-through: one day),
so a day's installs keep growing for 30 days after it. Money (``localSpend``, ``cpt``, ``cpm``,
the CPIs) is a Money object ``{"amount": "482.50", "currency": "USD"}``: text with up to two
decimals in the ad account's currency units, loaded as exact decimals. Apple reports no
conversion value.

Rate limits are per caller and window, reported on every answer by ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (the IETF draft: seconds until the window
resets); a 429 waits that long. Errors come as ``{"error": {"code", "message", "details"}}``
(the report endpoints: ``{"code", "message"}``) with HTTP 400, 401, 403, 404, 429 or 500.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import SignedClientSecret
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.paginators import OffsetLimit
from bosco_connectors.framework.params import ForEach, FromParent, WindowParams
from bosco_connectors.framework.records import CURRENCY, Records, snake_case
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Performance

TOKEN_URL = "https://appleid.apple.com/auth/oauth2/token"
CREDENTIAL = SignedClientSecret(TOKEN_URL, audience="https://appleid.apple.com", scope="searchadsorg", algorithm="ES256",
                                extra="apple-search-ads")
#: Rows per page: reports take up to 5000; the query endpoints document no maximum (v5's was 1000).
PAGE_SIZE = 1000
#: Apple's note for DAILY reports: "Date range start must be within the last 90 days".
DAILY_HISTORY = timedelta(days=88)


class AppleSearchAdsConfig(SourceConfig):
    """Config of the ``apple_search_ads`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The API client id shown when the public key was uploaded (SEARCHADS.…).")
    team_id: str = Field(description="The team id shown with it (SEARCHADS.…): the client secret's issuer.")
    key_id: str = Field(description="The key id shown with it.")
    private_key: SecretStr = Field(description="The P-256 private key (PEM text) whose public key was uploaded to Apple Ads; "
                                               "a key that cannot sign fails the token exchange (the first request) as an auth error.")
    ad_account_ids: IdList = Field(min_length=1, description="Ad account ids to read (GET /v1/acls lists them); a list or one comma-separated string.")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint (sandboxes, tests).")
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=PAGE_SIZE, description="Rows per page of queries and reports.")
    requests_per_second: float = Field(default=5.0, gt=0, le=50, description="Pace of requests (Apple reports the quota in RateLimit-* headers).")


# -- contracts: the columns of each raw table, Apple's names in snake_case (as they land) ---------


class AdAccount(Contract):
    """One ad account (GET ad-accounts/{id})."""

    id: Id
    name: str | None = None
    org_id: Id | None = None
    timezone: str | None = Field(default=None, description="The account's time zone (report days: ORTZ).")
    currency: str | None = Field(default=None, description="ISO 4217 code of the account's money.")
    payment_model: str | None = None
    system_status: str | None = Field(default=None, description="ACTIVE or INACTIVE.")
    system_status_reasons: list[str] | None = None
    delegations: list[dict[str, Any]] | None = None
    product_features: list[str] | None = None
    creation_time: str | None = Field(default=None, description="As sent ('2025-01-10T08:00:00.000').")
    modification_time: str | None = None


class Campaign(Contract):
    """One campaign of an ad account (POST campaigns/query)."""

    id: Id
    ad_account_id: Id
    name: str | None = None
    promoted_object_type: str | None = Field(default=None, description="APPSTORE_APP, BUSINESS_BRAND...")
    promoted_object_id: str | None = None
    status: str | None = Field(default=None, description="ENABLED or PAUSED (what the advertiser set).")
    system_status: str | None = None
    display_status: str | None = None
    billing_event: str | None = None
    payment_model: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    daily_budget: dict[str, Any] | None = None
    deleted: bool | None = None
    creation_time: str | None = None
    modification_time: str | None = None


class AdGroup(Contract):
    """One ad group of an ad account (POST adgroups/query)."""

    id: Id
    ad_account_id: Id
    campaign_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="ENABLED or PAUSED.")
    system_status: str | None = None
    display_status: str | None = None
    pricing_model: str | None = None
    automated_keywords_opt_in: bool | None = None
    start_time: str | None = None
    end_time: str | None = None
    bid_strategy: dict[str, Any] | None = None
    deleted: bool | None = None
    creation_time: str | None = None
    modification_time: str | None = None


class CampaignDay(Contract):
    """One campaign and day: a ``granularMetrics`` item of a Campaigns Report row, with the row's campaign."""

    campaign_id: Id = Field(description="metadata.id")
    ad_account_id: Id = Field(description="metadata.adAccountId")
    date: dt.date = Field(description="The day, in the ad account's time zone (ORTZ).")
    campaign_name: str | None = Field(default=None, description="metadata.name")
    status: str | None = None
    display_status: str | None = None
    local_spend: Decimal | None = Field(default=None, description="localSpend.amount: spend in the ad account's currency units.")
    currency: str | None = Field(default=None, description="localSpend.currency")
    impressions: int | None = None
    taps: int | None = Field(default=None, description="Taps on the ad.")
    ttr: float | None = Field(default=None, description="Tap-through rate.")
    tap_installs: int | None = Field(default=None, description="Installs within 30 days of a tap.")
    view_installs: int | None = Field(default=None, description="Installs within a day of a view (no tap).")
    total_installs: int | None = None
    tap_new_downloads: int | None = None
    tap_redownloads: int | None = None
    view_new_downloads: int | None = None
    view_redownloads: int | None = None
    total_new_downloads: int | None = None
    total_redownloads: int | None = None
    tap_install_rate: float | None = None
    total_install_rate: float | None = None
    tap_pre_orders_placed: int | None = None
    view_pre_orders_placed: int | None = None
    total_pre_orders_placed: int | None = None


# -- the API: what every request shares -----------------------------------------------------

API = Api(
    base_url="https://api.ads.apple.com/v1/",
    auth=CREDENTIAL,
    errors=ErrorMap(
        # {"error": {"code": "INVALID_ARGUMENT", "message": ..., "details": [...]}}; an answer that carries `error` is one,
        # whatever its status. The reports answer {"code", "message"} (their 4xx decide by status).
        "Apple Ads", code="error.code", message=("error.message", "message"),
        statuses={400: Action.FAIL, 401: Action.AUTH, 403: Action.AUTH, 404: Action.FAIL, 429: Action.RETRY},
        retry_after_header="RateLimit-Reset",
        hints={Action.AUTH: "check the client id, team id, key id and private key (the key whose public key was uploaded), "
                            "and that the API user may read these ad accounts (GET /v1/acls)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

CONTEXT = {"X-AP-Context": "adAccountId={ad_account_id};"}
PER_ACCOUNT = ForEach("ad_account_ids", "ad_account_id")
ENTITY_FIELDS = snake_case("adAccountId", "campaignId", "orgId", "paymentModel", "systemStatus", "systemStatusReasons",
                           "productFeatures", "creationTime", "modificationTime", "promotedObjectType", "promotedObjectId",
                           "displayStatus", "billingEvent", "startTime", "endTime", "dailyBudget", "pricingModel",
                           "automatedKeywordsOptIn", "bidStrategy", "systemStatusLimitingReasons", "automatedKeywordsRequired",
                           "cpaCap", "sharedBudgets", "invoiceDetail", "regulationResponses")
#: The report row's metadata and the day's metrics; ``localSpend`` is flattened, its amount is the spend.
REPORT_FIELDS = {**ENTITY_FIELDS, "id": "campaign_id", "name": "campaign_name", "amount": "local_spend",
                 **snake_case("totalMetrics", "promotedObject", "lifetimeBudget", "adChannelType", "tapInstalls",
                              "tapInstallCPI", "totalNewDownloads", "totalRedownloads", "viewInstalls", "totalInstalls",
                              "tapNewDownloads", "tapRedownloads", "viewNewDownloads", "viewRedownloads", "totalAvgCPI",
                              "totalInstallRate", "tapInstallRate", "tapPreOrdersPlaced", "viewPreOrdersPlaced",
                              "totalPreOrdersPlaced", "countryOrRegion", "deviceClass", "ageRange", "countryCode", "adminArea")}


def pages(size: int):
    return lambda: OffsetLimit(limit=size, offset_param="pagination.offset", limit_param="pagination.pageSize",
                               total_path="pagination.totalCount")


def streams(config: AppleSearchAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else PAGE_SIZE
    campaigns = RestStream(
        name="campaigns", description="Every campaign of each ad account.",
        path="campaigns/query", method="POST", headers=CONTEXT, params={"pagination": {"fetchTotalCount": True}},
        partitions=PER_ACCOUNT, paginator=pages(size), records=Records("result", rename=ENTITY_FIELDS),
        contract=Campaign, primary_key=("id",),
        cursor=FullRefresh("the query has no updated-since filter; every run reads the account's campaigns"),
        unified=Entity("campaign", id="id", name="name", account="ad_account_id", status="status", active_status="ENABLED"),
    )
    return [
        RestStream(
            name="ad_accounts", description="Each configured ad account: its name, currency and time zone.",
            path="ad-accounts/{ad_account_id}", headers=CONTEXT, partitions=PER_ACCOUNT,
            records=Records("result", rename=ENTITY_FIELDS), contract=AdAccount, primary_key=("id",),
            cursor=FullRefresh("one small object per ad account"),
            unified=Entity("account", id="id", name="name", currency="currency", timezone="timezone",
                           status="system_status", active_status="ACTIVE"),
        ),
        campaigns,
        RestStream(
            name="ad_groups", description="Every ad group of each ad account (with its campaign id).",
            path="adgroups/query", method="POST", headers=CONTEXT, params={"pagination": {"fetchTotalCount": True}},
            partitions=PER_ACCOUNT, paginator=pages(size), records=Records("result", rename=ENTITY_FIELDS),
            contract=AdGroup, primary_key=("id",),
            cursor=FullRefresh("the query has no updated-since filter; every run reads the account's ad groups"),
            unified=Entity("ad_group", id="id", name="name", account="ad_account_id", campaign="campaign_id",
                           status="status", active_status="ENABLED"),
        ),
        RestStream(
            name="campaign_daily", description="Campaigns Report, DAILY: one row per campaign and day.",
            path="reports/apps/campaigns/query", method="POST", headers=CONTEXT,
            params={"filters": [{"field": "campaignId", "operator": "EQUALS", "value": "{campaign_id}"}],
                    "timeRange": {"timeZone": "ORTZ", "granularity": "DAILY"}},
            partitions=FromParent(campaigns, {"ad_account_id": "ad_account_id", "campaign_id": "id"}),
            # one campaign per request and no groupBy: one row, its days inside it; no page 2 can exist
            window=WindowParams("timeRange.start", "timeRange.end", in_body=True),
            records=Records("result.rows", explode="granularMetrics", flatten=("metadata", "localSpend"),
                            rename=REPORT_FIELDS, units={"local_spend": CURRENCY}),
            contract=CampaignDay, primary_key=("campaign_id", "date"), arrow=True,
            cursor=Cursor("date", lookback=timedelta(days=30), window=timedelta(days=90)), history=DAILY_HISTORY,
            unified=Performance(
                "campaign", date="date", account="ad_account_id", campaign="campaign_id", campaign_name="campaign_name",
                spend="local_spend", impressions="impressions", clicks="taps", conversions="tap_installs",
                conversion_value=None, currency="currency",
                clicks_are="taps on the ad (Apple's taps)",
                conversions_are="tap-through installs: new downloads and redownloads within 30 days of a tap",
                conversion_value_is="none: Apple Ads reports no conversion value",
                date_is="a day in the ad account's time zone (timeZone ORTZ)",
            ),
        ),
    ]


connector = declare(
    "apple_search_ads", title="Apple Search Ads", api=API, config=AppleSearchAdsConfig, streams=streams,
    api_version="Platform API 1.0", docs_url="https://developer.apple.com/documentation/apple-ads-platform-api",
    category="ads", extras=("apple-search-ads",), required_extras=("apple-search-ads",),  # every token exchange signs a JWT
    support_policy="https://developer.apple.com/documentation/apple-ads-platform-api (current; the Campaign Management "
                   "API v5 it replaces is sunset on 2027-01-26)",
    description="Apple Ads Platform API: ad accounts, campaigns, ad groups and the daily Campaigns Report (App Store).",
    # The documented ErrorResponse example.
    error_example={"error": {"code": "INVALID_ARGUMENT",
                             "message": "The request could not be processed because of missing or invalid fields.",
                             "details": [{"code": "MISSING_REQUIRED_FIELD",
                                          "message": "The field 'name' is required for campaign AwayFinder Summer Launch."}]}},
)
source = source_function(connector)

__all__ = ["connector", "source", "AppleSearchAdsConfig"]
