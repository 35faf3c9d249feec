"""Microsoft Advertising: the Bing Ads API v13 through its REST JSON endpoints, declared.

Reference: https://learn.microsoft.com/en-us/advertising/guides/ (Bing Ads API version 13, the
current version; v12 sunset on 2019-10-31). The REST paths and JSON names are those of
Microsoft's REST SDKs generated from the v13 OpenAPI description (github.com/BingAds/
BingAds-PHP-REST-SDK, ``openapi_client`` of BingAds-Python-SDK); the meanings are the v13
reference's (github.com/MicrosoftDocs/Advertising-docs). Each service has its own host
(`client.SERVICE_HOSTS`): Customer Management, Campaign Management and Reporting.

Auth: a Microsoft identity platform refresh token (``POST https://login.microsoftonline.com/
common/oauth2/v2.0/token``, scope ``https://ads.microsoft.com/msads.manage offline_access``) of
a *web* app registration with a client secret, which the guide asks of services that run
across machines (authentication-oauth-get-tokens). Every request also carries the
``DeveloperToken`` and ``CustomerId`` headers, and ``CustomerAccountId`` for the account read.

Streams, per configured account: ``accounts`` (GetAccount: name, currency, time zone, status),
``campaigns`` (GetCampaignsByAccountId, every campaign type), ``ad_groups`` (per campaign),
``ads`` and ``keywords`` (per ad group); none of them pages (each call returns the parent's
whole list) or filters by update time, so each is read in full every run. ``campaign_daily``
is the CampaignPerformanceReport with Daily aggregation: SubmitGenerateReport, then
PollGenerateReport until ``Success`` (a ``ReportDownloadUrl`` valid five minutes, or none when
no row matched) and a zipped CSV, asked for without the report header and footer rows
(``ExcludeReportHeader``/``ExcludeReportFooter``: the documented file otherwise has nine
header lines and a copyright footer). Daily data is kept 36 months
(report-data-retention-time-periods). No range cap per report is documented: windows of 90
days keep each file small. Re-read with a 30-day look-back: conversions are counted within
each goal's conversion window after the click, 30 days unless the advertiser sets it longer
(``ConversionWindowInMinutes``, at most 90 days: set ``lookback_days`` then); spend settles
within three hours (reports guide, Time Zones in Reporting).

Errors (handle-service-errors-exceptions, operation-error-codes): HTTP 400/401/403/500 with an
ApplicationFault whose code is in ``Errors`` (AdApiError) or ``OperationErrors``; 117
CallRateExceeded means wait a minute.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.files import Csv
from ...framework.http import RetryPolicy
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, Poll
from ...framework.params import DateParts, ForEach, FromParent, WindowParams
from ...framework.records import CURRENCY, Records
from ...framework.redaction import register_secret
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream, utc_today
from ...framework.unified import Entity, Performance
from .client import MicrosoftAdsClient, services_for
from .contracts import Account, Ad, AdGroup, Campaign, CampaignDaily, Keyword

TOKEN_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
SCOPE = "https://ads.microsoft.com/msads.manage offline_access"


class MicrosoftAdsConfig(SourceConfig):
    """Config of the ``microsoft_ads`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="Application (client) id of the web app registered in the Azure portal.")
    client_secret: SecretStr = Field(description="That app's client secret.")
    refresh_token: SecretStr = Field(description="A refresh token of a Microsoft Advertising user who consented to the app.")
    developer_token: SecretStr = Field(description="Microsoft Advertising developer token (DeveloperToken header).")
    customer_id: str = Field(description="Id of the customer (manager account) that owns the accounts (CustomerId header).")
    account_ids: IdList = Field(min_length=1, description="Ad account ids (not account numbers); a list, or one comma-separated string.")
    token_url: str | None = Field(default=None, description="Override the token endpoint (default: the Microsoft identity platform's).")

    @field_validator("customer_id")
    @classmethod
    def _numeric_customer(cls, value: str) -> str:
        if not value.isdigit():
            raise ValueError("the customer id is a number (Accounts summary > customer id), not a name or number like 'F1234567'")
        return value

    @field_validator("account_ids")
    @classmethod
    def _numeric_accounts(cls, value: list[str]) -> list[str]:
        if bad := [v for v in value if not v.isdigit()]:
            raise ValueError(f"account ids are numbers (not account numbers such as 'F1234567'): {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))


def _headers(config: Any) -> dict[str, str]:
    """DeveloperToken and CustomerId on every request (masked in logs like the token)."""
    if config is None:
        return {}
    token = config.developer_token.get_secret_value()
    register_secret(token)
    return {"DeveloperToken": token, "CustomerId": config.customer_id}


API = Api(
    base_url="https://reporting.api.bingads.microsoft.com/",  # and the other services' hosts: client.SERVICE_HOSTS
    auth=RefreshToken(TOKEN_URL, scope=SCOPE),
    headers=_headers,
    errors=ErrorMap(
        "Microsoft Advertising", code=("Errors.0.Code", "OperationErrors.0.Code"), request_id="TrackingId",
        message=("Errors.0.Message", "OperationErrors.0.Message", "error_description", "message"),
        codes={
            0: Action.RETRY,  # InternalError: "a temporary system issue", try again later
            117: Action.RETRY,  # CallRateExceeded: resubmit after 60 seconds
            **dict.fromkeys((105, 108, 109, 120, 122, 123, 124, 125), Action.AUTH),  # credentials, token expired, identity
            106: Action.SKIP,  # UserIsNotAuthorized: this user cannot read this account
            **dict.fromkeys((2003, 2035), Action.SKIP),  # report: an account the user may not read, or not an account id
            # Faults come with HTTP 500 too (the SOAP heritage: handle-service-errors-exceptions), so a request
            # Microsoft refuses as malformed is named here, not retried: headers, input, the report request.
            **dict.fromkeys((100, 113, 116, 201, 202, 203, 204, 205), Action.FAIL), range(2001, 2101): Action.FAIL,
        },
        hints={Action.AUTH: "check the refresh token, the client secret and the developer token of production (not sandbox)",
               Action.SKIP: "the user of the refresh token needs access to this account under the configured customer"},
    ),
    rate=RateBudget(concurrency="max_workers"),
    retry=RetryPolicy(max_attempts=6, initial_wait=5.0, max_wait=60.0),
    client_class=MicrosoftAdsClient,
    client_options=services_for,
)

PER_ACCOUNT = ForEach("account_ids", "account_id")
#: The account a request reads, as the CustomerAccountId header.
ACCOUNT_HEADER = {"CustomerAccountId": "{account_id}"}
#: Every CampaignType value (flags, comma-separated in JSON): the default is Search only.
CAMPAIGN_TYPES = "Search,Shopping,DynamicSearchAds,Audience,Hotel,PerformanceMax,App"
AD_TYPES = ["Text", "Image", "Product", "AppInstall", "ExpandedText", "DynamicSearch", "ResponsiveAd", "ResponsiveSearch", "Hotel"]
MICROSOFT_DATE = DateParts(year="Year", month="Month", day="Day")
ENTITIES_IN_FULL = "the Campaign Management calls return a parent's whole list and filter by no update time"
ACTIVE = "Active"


def _account_body(ctx: Any) -> dict[str, Any]:
    return {"AccountId": ctx.partition["account_id"]}


def _snake(*names: str) -> dict[str, str]:
    import re

    return {name: re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in names}


def _rename(*names: str) -> dict[str, str]:
    return {**_snake(*names), "Id": "id", "CampaignId": "campaign_id", "AdGroupId": "ad_group_id"}


ACCOUNTS = RestStream(
    name="accounts", description="Each configured account: name, number, currency, time zone, status.",
    path="CustomerManagement/v13/Account/Query", method="POST", params=_account_body, headers=ACCOUNT_HEADER,
    partitions=PER_ACCOUNT,
    records=Records("Account", rename=_rename("Name", "Number", "CurrencyCode", "TimeZone", "AccountLifeCycleStatus",
                                              "ParentCustomerId")),
    contract=Account, primary_key=("id",), cursor=FullRefresh("GetAccount returns the account's current settings"),
    unified=Entity("account", id="id", name="name", currency="currency_code", timezone="time_zone",
                   status="account_life_cycle_status", active_status=ACTIVE),
)

CAMPAIGNS = RestStream(
    name="campaigns", description="Every campaign of each account, of every campaign type.",
    path="CampaignManagement/v13/Campaigns/QueryByAccountId", method="POST",
    params=lambda ctx: {**_account_body(ctx), "CampaignType": CAMPAIGN_TYPES}, headers=ACCOUNT_HEADER, partitions=PER_ACCOUNT,
    records=Records("Campaigns", rename=_rename("Name", "Status", "CampaignType", "DailyBudget", "BudgetType", "TimeZone"),
                    units={"daily_budget": CURRENCY}, from_partition=("account_id",)),
    contract=Campaign, primary_key=("id",), cursor=FullRefresh(ENTITIES_IN_FULL),
    unified=Entity("campaign", id="id", name="name", account="account_id", objective="campaign_type",
                   status="status", active_status=ACTIVE),
)

AD_GROUPS = RestStream(
    name="ad_groups", description="Every ad group of each campaign.",
    path="CampaignManagement/v13/AdGroups/QueryByCampaignId", method="POST", headers=ACCOUNT_HEADER,
    partitions=FromParent(CAMPAIGNS, {"CampaignId": "id", "account_id": "account_id"}),
    records=Records("AdGroups", rename=_rename("Name", "Status", "Language", "Network", "AdGroupType"),
                    from_partition=("CampaignId", "account_id")),
    contract=AdGroup, primary_key=("id",), cursor=FullRefresh(ENTITIES_IN_FULL),
    unified=Entity("ad_group", id="id", name="name", account="account_id", campaign="campaign_id",
                   status="status", active_status=ACTIVE),
)

PER_AD_GROUP = FromParent(AD_GROUPS, {"AdGroupId": "id", "campaign_id": "campaign_id", "account_id": "account_id"})

ADS = RestStream(
    name="ads", description="Every ad of each ad group, of every ad type.",
    path="CampaignManagement/v13/Ads/QueryByAdGroupId", method="POST", params={"AdTypes": AD_TYPES},
    headers=ACCOUNT_HEADER, partitions=PER_AD_GROUP, path_only=("campaign_id",),
    records=Records("Ads", rename=_rename("Type", "Status", "EditorialStatus"),
                    from_partition=("AdGroupId", "campaign_id", "account_id")),
    contract=Ad, primary_key=("id",), cursor=FullRefresh(ENTITIES_IN_FULL),
    unified=Entity("ad", id="id", account="account_id", campaign="campaign_id", ad_group="ad_group_id",
                   status="status", active_status=ACTIVE),
)

KEYWORDS = RestStream(
    name="keywords", description="Every keyword of each ad group.",
    path="CampaignManagement/v13/Keywords/QueryByAdGroupId", method="POST",
    headers=ACCOUNT_HEADER, partitions=PER_AD_GROUP, path_only=("campaign_id",),
    records=Records("Keywords", rename=_rename("Text", "MatchType", "Status", "EditorialStatus"),
                    from_partition=("AdGroupId", "campaign_id", "account_id")),
    contract=Keyword, primary_key=("id",), cursor=FullRefresh(ENTITIES_IN_FULL),
)

REPORT_COLUMNS = ("TimePeriod", "AccountId", "AccountName", "CampaignId", "CampaignName", "CampaignStatus", "CurrencyCode",
                  "Impressions", "Clicks", "Spend", "Conversions", "Revenue", "AllConversions", "AllRevenue")


def _report(report_type: str, columns: tuple[str, ...]) -> dict[str, Any]:
    """A SubmitGenerateReport body for one account (the window is added per job)."""
    return {"ReportRequest": {
        "Type": report_type, "ReportName": f"bosco {report_type}", "Format": "Csv", "FormatVersion": "2.0",
        "ExcludeReportHeader": True, "ExcludeReportFooter": True, "ExcludeColumnHeaders": False,
        "ReturnOnlyCompleteData": False, "Aggregation": "Daily", "Columns": list(columns),
        "Scope": {"AccountIds": ["{account_id}"]},
    }}


def _retained() -> date:
    """Daily report data is kept 36 months (report-data-retention-time-periods)."""
    today = utc_today()
    try:
        return today.replace(year=today.year - 3)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 3, day=28)


CAMPAIGN_REPORT = AsyncReport(
    name="campaign performance report",
    create=Create("Reporting/v13/GenerateReport/Submit", body=_report("CampaignPerformanceReportRequest", REPORT_COLUMNS),
                  job_id="ReportRequestId", headers=ACCOUNT_HEADER,
                  window=WindowParams("ReportRequest.Time.CustomDateRangeStart", "ReportRequest.Time.CustomDateRangeEnd",
                                      format=MICROSOFT_DATE, in_body=True)),
    poll=Poll("Reporting/v13/GenerateReport/Poll", method="POST", body={"ReportRequestId": "{job_id}"}, headers=ACCOUNT_HEADER,
              status="ReportRequestStatus.Status", url="ReportRequestStatus.ReportDownloadUrl",
              statuses={"Pending": RUNNING, "Success": DONE, "Error": FAILED}),
    # Success without a URL: no data for the request (handle-service-errors-exceptions).
    download=Download(Csv(compression="zip"), no_url="empty"),
    max_concurrent=4,  # Microsoft documents no limit on reports in flight: a modest number of our own
    deadline=timedelta(hours=2), first_poll=10.0, max_poll=120.0,  # "most reports should complete within minutes"
)

#: What Microsoft's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="Clicks: paid clicks on the ad (Microsoft's invalid-click filtering applied)",
    conversions_are="Conversions: UET conversions of goals not excluded from bidding, within each goal's conversion window "
                    "after the click (30 days by default); AllConversions counts every goal",
    conversion_value_is="Revenue: the revenue the advertiser reports with those conversions (AllRevenue: every goal)",
    date_is="TimePeriod (yyyy-mm-dd); the reports guide calls report data relative to UTC and a day complete once it "
            "has ended in every campaign's time zone",
)

CAMPAIGN_DAILY = AsyncReportStream(
    name="campaign_daily", description="CampaignPerformanceReport, one row per campaign and day.",
    report=CAMPAIGN_REPORT, partitions=PER_ACCOUNT,
    records=Records(rename=_snake(*REPORT_COLUMNS), units={m: CURRENCY for m in ("spend", "revenue", "all_revenue")}),
    contract=CampaignDaily, primary_key=("account_id", "campaign_id", "time_period"), arrow=True,
    cursor=Cursor("time_period", lookback=timedelta(days=30), window=timedelta(days=90)),
    oldest_day=_retained,
    unified=Performance("campaign", date="time_period", account="account_id", account_name="account_name",
                        campaign="campaign_id", campaign_name="campaign_name", spend="spend", impressions="impressions",
                        clicks="clicks", conversions="conversions", conversion_value="revenue", currency="currency_code",
                        **MEANINGS),
)


def streams(config: MicrosoftAdsConfig | None) -> list[Stream]:
    return [ACCOUNTS, CAMPAIGNS, AD_GROUPS, ADS, KEYWORDS, CAMPAIGN_DAILY]


connector = declare(
    "microsoft_ads", title="Microsoft Advertising", api=API, config=MicrosoftAdsConfig, streams=streams, api_version="v13",
    docs_url="https://learn.microsoft.com/en-us/advertising/guides/", category="ads",
    support_policy="https://learn.microsoft.com/en-us/advertising/guides/migration-guide (v13 is current; v12 sunset 2019-10-31)",
    description="Microsoft Advertising (Bing Ads API v13, REST): accounts, campaigns, ad groups, ads, keywords and "
                "the daily campaign performance report.",
    # An AdApiFaultDetail (operation-error-codes: 105 InvalidCredentials), HTTP 401.
    error_example={"TrackingId": "0b2a6e33-7d7f-4a3c-9f3e-6f4b1c2d8e11", "Type": "AdApiFaultDetail",
                   "Errors": [{"Code": 105, "Detail": None, "ErrorCode": "InvalidCredentials",
                               "Message": "Authentication failed. Either supplied credentials are invalid or the account is inactive"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "MicrosoftAdsConfig"]
