"""Amazon Ads: the Amazon Ads API (profiles v2, Sponsored Products v3, reporting v3), declared.

Reference: https://advertising.amazon.com/API/docs/en-us/ (rendered by script; read in the docs'
Markdown source, see cassettes/amazon_ads/SOURCES.md). One host per region: NA
``advertising-api.amazon.com``, EU ``advertising-api-eu.amazon.com``, FE
``advertising-api-fe.amazon.com`` (reference/api-overview), with Login with Amazon refresh
tokens from the region's token host (``api.amazon.com``, ``api.amazon.co.uk``,
``api.amazon.co.jp``: authorization/access-tokens). Every request sends
``Amazon-Advertising-API-ClientId``; every request but the profile list sends the profile
as ``Amazon-Advertising-API-Scope``.

Streams: ``profiles`` (GET /v2/profiles: an advertising account per marketplace, its currency
and time zone; the configured ones kept), Sponsored Products ``sp_campaigns``,
``sp_ad_groups`` and ``sp_product_ads`` (POST /sp/*/list, ``nextToken`` pages until none, the
v3 media types), and ``campaign_daily``: the version 3 campaign report of each profile and
ad product (spCampaigns, sbCampaigns, sdCampaigns; groupBy campaign, timeUnit DAILY), an
asynchronous job (POST /reporting/reports; GET /reporting/reports/{reportId} until COMPLETED;
a gzip JSON array at a pre-signed S3 ``url``, fetched without credentials). A report spans
at most 31 days and reaches back 95 days (Sponsored Products), 60 (Brands) or 65 (Display):
older windows are skipped with a warning. Re-read with a 42-day look-back: conversions are
reported on the day of the ad interaction and restated 1, 7 and 28 days after the
conversion, so a 14-day attribution window moves for up to 42 days (reporting/v3/faq).

Conversions: ``purchases14d``/``sales14d`` for Sponsored Products (14 days after a click),
``purchases``/``sales`` for Brands and Display (14 days after a click or a view), loaded as
``purchases`` and ``sales``. Money is in the campaign's currency, in currency units.
Errors: ``{"code", "details"}`` (reference/concepts/errors), 429 with ``Retry-After``; a
duplicate report request is answered 425 (wait for the first).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from typing import Any, Iterator, Literal, Mapping

from pydantic import Field, SecretStr, field_validator, model_validator

from ...framework import IdList, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.files import Json
from ...framework.http import RetryPolicy
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, Poll
from ...framework.jsonpath import get_path
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import ForEach, WindowParams
from ...framework.records import CURRENCY, Records
from ...framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream, utc_today
from ...framework.unified import Entity, Performance
from .contracts import AdGroup, Campaign, CampaignDaily, ProductAd, Profile

#: Region -> (API host, Login with Amazon token endpoint).
REGIONS = {
    "NA": ("https://advertising-api.amazon.com/", "https://api.amazon.com/auth/o2/token"),
    "EU": ("https://advertising-api-eu.amazon.com/", "https://api.amazon.co.uk/auth/o2/token"),
    "FE": ("https://advertising-api-fe.amazon.com/", "https://api.amazon.co.jp/auth/o2/token"),
}
AD_PRODUCTS = ("SPONSORED_PRODUCTS", "SPONSORED_BRANDS", "SPONSORED_DISPLAY")
MAX_PAGE_SIZE = 1000  # productAds: maxItems 1000 a page


class AmazonAdsConfig(SourceConfig):
    """Config of the ``amazon_ads`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="Login with Amazon client id (also sent as Amazon-Advertising-API-ClientId).")
    client_secret: SecretStr = Field(description="Login with Amazon client secret.")
    refresh_token: SecretStr = Field(description="Refresh token of the Amazon user who authorized the client.")
    region: Literal["NA", "EU", "FE"] = Field(default="NA", description="Where the profiles' marketplaces are (one region per source).")
    profile_ids: IdList = Field(min_length=1, description="Profile ids (Amazon-Advertising-API-Scope); a list, or one comma-separated string.")
    ad_products: list[Literal["SPONSORED_PRODUCTS", "SPONSORED_BRANDS", "SPONSORED_DISPLAY"]] = Field(
        default=list(AD_PRODUCTS), min_length=1, description="Ad products whose campaign reports to read.")
    page_size: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE, description="maxResults per Sponsored Products list page.")
    token_url: str | None = Field(default=None, description="Override the token endpoint (default: the region's).")

    @field_validator("profile_ids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        if bad := [v for v in value if not v.isdigit()]:
            raise ValueError(f"profile ids are numbers (GET /v2/profiles: profileId): {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _region_hosts(self) -> "AmazonAdsConfig":
        host, token_url = REGIONS[self.region]
        self.base_url = self.base_url or host
        self.token_url = self.token_url or token_url
        return self


API = Api(
    base_url=REGIONS["NA"][0],
    auth=RefreshToken(REGIONS["NA"][1]),
    headers=lambda config: {"Amazon-Advertising-API-ClientId": config.client_id} if config is not None else {},
    errors=ErrorMap(
        "Amazon Ads", code="code", message=("details", "detail", "message"),
        # ``code`` carries the HTTP status in the reporting API's errors (AsyncReportingError)
        codes={"401": Action.AUTH, "403": Action.AUTH,
               "429": Action.RETRY, "425": Action.RETRY, "500": Action.RETRY, "502": Action.RETRY, "504": Action.RETRY},
        # 425: a duplicate report request is still running; wait for it (reporting/v3/get-started)
        statuses={425: Action.RETRY, 502: Action.RETRY, 504: Action.RETRY},
        hints={Action.AUTH: "check the refresh token, the client id and secret, the region, and that the user may "
                            "manage each profile (401 'Not authorized to access scope')"},
    ),
    rate=RateBudget(concurrency="max_workers"),
    retry=RetryPolicy(max_attempts=8, initial_wait=2.0, max_wait=120.0),  # exponential back-off on 429 (rate-limiting)
)

PER_PROFILE = ForEach("profile_ids", "profile_id")
SCOPE = {"Amazon-Advertising-API-Scope": "{profile_id}"}


def _media(kind: str) -> dict[str, str]:
    """The Sponsored Products v3 media type of one resource, as both Content-Type and Accept."""
    media = f"application/vnd.{kind}.v3+json"
    return {**SCOPE, "Content-Type": media, "Accept": media}


def _keep_configured(page: Any, ctx: ReadContext) -> Any:
    """GET /v2/profiles lists every profile of the user in the region: keep the configured ones."""
    wanted = set(ctx.config.profile_ids)
    if hasattr(page, "filter"):  # an Arrow table
        import pyarrow as pa
        import pyarrow.compute as pc

        return page.filter(pc.is_in(pc.cast(page["profile_id"], pa.string()), pa.array(sorted(wanted), pa.string())))
    return [row for row in page if str(row.get("profile_id")) in wanted]


ACTIVE = "ENABLED"


def _sp_list(name: str, resource: str, media: str, records: Records, contract: type, key: str, unified: Entity,
             size: int) -> RestStream:
    return RestStream(
        name=name, description=f"Every Sponsored Products {resource} of each profile, archived ones included.",
        path=f"sp/{resource}/list", method="POST", params={"maxResults": size}, headers=_media(media),
        partitions=PER_PROFILE, paginator=lambda: CursorInBody("nextToken", "nextToken"), records=records,
        contract=contract, primary_key=(key,), unified=unified,
        cursor=FullRefresh("the list operations filter by id, name and state, not by update time"),
    )


# -- the campaign report: one job per profile, ad product and window ----------------------------

#: Report type, columns and retention (days) per ad product (reporting/v3/report-types/campaign).
REPORTS = {
    "SPONSORED_PRODUCTS": ("spCampaigns", ("purchases14d", "sales14d"), 95),
    "SPONSORED_BRANDS": ("sbCampaigns", ("purchases", "sales"), 60),
    "SPONSORED_DISPLAY": ("sdCampaigns", ("purchases", "sales"), 65),
}
COMMON_COLUMNS = ("date", "campaignId", "campaignName", "campaignStatus", "campaignBudgetCurrencyCode",
                  "impressions", "clicks", "cost")
REPORT_MEDIA = "application/vnd.createasyncreportrequest.v3+json"


def _report_body(ctx: ReadContext) -> dict[str, Any]:
    product = ctx.partition["ad_product"]
    report_type, conversions, _ = REPORTS[product]
    return {"name": f"bosco {report_type}", "configuration": {
        "adProduct": product, "groupBy": ["campaign"], "columns": [*COMMON_COLUMNS, *conversions],
        "reportTypeId": report_type, "timeUnit": "DAILY", "format": "GZIP_JSON"}}


def _profiles_and_products(config: Any) -> list[Mapping[str, Any]]:
    return [{"profile_id": p, "ad_product": a} for p in config.profile_ids for a in config.ad_products]


CAMPAIGN_REPORT = AsyncReport(
    name=lambda ctx: (f"{REPORTS[ctx.partition['ad_product']][0]} report of profile {ctx.partition['profile_id']} "
                      f"{ctx.window.start}..{ctx.window.end}"),
    create=Create("reporting/reports", body=_report_body, job_id="reportId",
                  headers={**SCOPE, "Content-Type": REPORT_MEDIA},
                  window=WindowParams("startDate", "endDate", in_body=True)),
    poll=Poll("reporting/reports/{job_id}", headers=SCOPE, status="status", url="url", error="failureReason",
              statuses={"PENDING": RUNNING, "PROCESSING": RUNNING, "COMPLETED": DONE, "FAILED": FAILED}),
    download=Download(Json(compression="gzip")),
    # Amazon states no limit of reports in flight; it advises spreading them out (reporting/v3/faq).
    max_concurrent=3, deadline=timedelta(hours=3), first_poll=15.0, max_poll=300.0,  # "can take up to three hours"
)


def _product_of(campaign_id: str) -> str:
    """The demo world's campaigns shared out among the three ad products (for the generated fake)."""
    return AD_PRODUCTS[int(hashlib.blake2b(campaign_id.encode(), digest_size=2).hexdigest(), 16) % len(AD_PRODUCTS)]


class CampaignReports(AsyncReportStream):
    """Campaign reports of several ad products in one table: each ad product keeps its own history."""

    def within_history(self, ctx: ReadContext) -> ReadContext | None:
        days = REPORTS[ctx.partition["ad_product"]][2]
        oldest = utc_today() - timedelta(days=days - 1)
        return AsyncReportStream.within_history(replace(self, oldest_day=lambda: oldest), ctx)

    @staticmethod
    def fake_records(app: Any, route: Any) -> Iterator[dict[str, Any]]:
        """The generated fake's rows: the profile's world campaigns of the job's ad product."""
        product = get_path(route.params, "configuration.adProduct")
        profile = str(route.params.get("profile_id"))
        for row in app._performance(route.stream.unified, route):
            if str(row["profile_id"]) == profile and _product_of(str(row["campaign_id"])) == product:
                yield row


MONEY = ("cost", "sales")
CAMPAIGN_DAILY = CampaignReports(
    name="campaign_daily", description="Daily campaign report of each profile and ad product (SP, SB, SD).",
    report=CAMPAIGN_REPORT, partitions=_profiles_and_products,
    records=Records(rename={"campaignId": "campaign_id", "campaignName": "campaign_name", "campaignStatus": "campaign_status",
                            "campaignBudgetCurrencyCode": "campaign_budget_currency_code",
                            "purchases14d": "purchases", "sales14d": "sales"},
                    units={m: CURRENCY for m in MONEY}, from_partition=("profile_id", "ad_product")),
    contract=CampaignDaily, primary_key=("profile_id", "ad_product", "campaign_id", "date"), arrow=True,
    cursor=Cursor("date", lookback=timedelta(days=42), window=timedelta(days=31)),
    unified=Performance(
        "campaign", date="date", account="profile_id", campaign="campaign_id", campaign_name="campaign_name",
        spend="cost", impressions="impressions", clicks="clicks", conversions="purchases", conversion_value="sales",
        currency="campaign_budget_currency_code",
        clicks_are="clicks on the ad (Amazon's traffic validation may restate them for three days)",
        conversions_are="attributed purchases within 14 days: of a click for Sponsored Products (purchases14d), of a "
                        "click or a view for Sponsored Brands and Display (purchases)",
        conversion_value_is="Amazon's 14-day attributed sales (sales14d for Sponsored Products, sales for Brands and Display)",
        date_is="a day in the profile's time zone",
    ),
)


def streams(config: AmazonAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else 100
    return [
        RestStream(
            name="profiles", description="The configured profiles: marketplace, currency, time zone, account.",
            path="v2/profiles", paginator=SinglePage,
            records=Records(flatten=("accountInfo",), rename={
                "profileId": "profile_id", "countryCode": "country_code", "currencyCode": "currency_code",
                "dailyBudget": "daily_budget", "name": "account_name", "type": "account_type", "id": "account_info_id",
                "marketplaceStringId": "marketplace_string_id", "validPaymentMethod": "valid_payment_method"},
                units={"daily_budget": CURRENCY}),
            keep=_keep_configured, contract=Profile, primary_key=("profile_id",),
            cursor=FullRefresh("GET /v2/profiles returns the current profiles"),
            unified=Entity("account", id="profile_id", name="account_name", currency="currency_code", timezone="timezone"),
        ),
        _sp_list("sp_campaigns", "campaigns", "spCampaign",
                 Records("campaigns", flatten=("budget",), rename={
                     "campaignId": "campaign_id", "targetingType": "targeting_type", "budgetType": "budget_type",
                     "startDate": "start_date", "endDate": "end_date", "portfolioId": "portfolio_id"},
                     units={"budget": CURRENCY}, from_partition=("profile_id",)),
                 Campaign, "campaign_id",
                 Entity("campaign", id="campaign_id", name="name", account="profile_id", objective="targeting_type",
                        status="state", active_status=ACTIVE), size),
        _sp_list("sp_ad_groups", "adGroups", "spAdGroup",
                 Records("adGroups", rename={"adGroupId": "ad_group_id", "campaignId": "campaign_id", "defaultBid": "default_bid"},
                         units={"default_bid": CURRENCY}, from_partition=("profile_id",)),
                 AdGroup, "ad_group_id",
                 Entity("ad_group", id="ad_group_id", name="name", account="profile_id", campaign="campaign_id",
                        status="state", active_status=ACTIVE), size),
        _sp_list("sp_product_ads", "productAds", "spProductAd",
                 Records("productAds", rename={"adId": "ad_id", "adGroupId": "ad_group_id", "campaignId": "campaign_id"},
                         from_partition=("profile_id",)),
                 ProductAd, "ad_id",
                 Entity("ad", id="ad_id", account="profile_id", campaign="campaign_id", ad_group="ad_group_id",
                        status="state", active_status=ACTIVE), size),
        CAMPAIGN_DAILY,
    ]


connector = declare(
    "amazon_ads", title="Amazon Ads", api=API, config=AmazonAdsConfig, streams=streams, api_version="reporting v3, sp v3, profiles v2",
    docs_url="https://advertising.amazon.com/API/docs/en-us/", category="ads",
    support_policy="https://advertising.amazon.com/API/docs/en-us/release-notes/index (reporting v3 is current; "
                   "version 2 Sponsored Products reports were deprecated on 2023-03-30)",
    description="Amazon Ads: profiles, Sponsored Products campaigns, ad groups and product ads, and the daily "
                "campaign reports of Sponsored Products, Brands and Display (14-day attributed sales).",
    # An AsyncReportingError (offline-report-prod-3p) with the documented 401 reason (reference/concepts/errors).
    error_example={"code": "401", "detail": "Not authorized to access scope"},
)
source = source_function(connector)

__all__ = ["connector", "source", "AmazonAdsConfig"]
