"""Campaign Manager 360: the Campaign Manager 360 API v5 (``dfareporting``), declared.

Reference: https://developers.google.com/doubleclick-advertisers/rest/v5 (v5, current; v4 sunset
2026-02-26: https://developers.google.com/doubleclick-advertisers/deprecation). Field names and
types: Google's client generated from the v5 discovery document
(github.com/googleapis/google-api-php-client-services, ``src/Dfareporting``; service path
``dfareporting/v5/`` on ``https://dfareporting.googleapis.com/``).

Auth: OAuth 2.0 access tokens minted from a Google user's refresh token at
``https://oauth2.googleapis.com/token``, with the ``dfareporting`` (reports) and
``dfatrafficking`` (accounts, advertisers, campaigns, placements, ads) scopes. Every call is
made as one user profile (``profile_id``) of one Campaign Manager 360 account (``account_id``).

Streams: ``accounts`` (accounts.get: name, currency and report time zone, both sent as numeric
ids that the reference tables of ``Account.currencyId`` and
``ReportsConfiguration.reportGenerationTimeZoneId`` name; kept as sent and named here),
``advertisers``, ``campaigns``, ``placements`` and ``ads`` (``maxResults`` up to 1000,
``pageToken`` from ``nextPageToken``), read in full each run, and ``placement_daily``: a
Report Builder STANDARD report by date, advertiser, campaign and placement (the finest
level media cost is set at), made per window (reports.insert), run (reports.run), its file
polled (reports.files.get) until REPORT_AVAILABLE, downloaded through the API (files.get
with ``alt=media``: the file's ``urls.apiUrl`` is on another host and needs the same OAuth
token, so it is not fetched bare), then the report deleted. The file is CSV: a block of
report information, a ``Report Fields`` line, the header (report builder names), the rows,
then a ``Grand Total:`` row. Media cost is in the account's currency, as decimal text.

Incremental on the date with a 30-day look-back: Floodlight conversions are credited to the
click or impression within the activity's lookback windows, set per account, advertiser,
campaign or placement from 0 to 90 days (``LookbackConfiguration``:
https://developers.google.com/doubleclick-advertisers/rest/v5/LookbackConfiguration); raise
``lookback_days`` for windows longer than 30. Windows of ``window_days`` (31) per report.

Errors: Google's JSON error (https://developers.google.com/doubleclick-advertisers/core_errors);
quotas (https://developers.google.com/doubleclick-advertisers/quotas): 50,000 requests per
project per day, 1 query per second per project by default (60 per minute); over them the
API answers HTTP 403 with a reason (``userRateLimitExceeded``: back off and retry;
``dailyLimitExceeded``, ``quotaExceeded``: do not retry today), not 429.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any, Mapping

from pydantic import Field, SecretStr, field_validator

from ...framework import Contract, Id, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, AppLimits, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.files import Csv
from ...framework.http import RetryPolicy
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, JobRequest, Poll, Prepare
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import WindowParams
from ...framework.records import CURRENCY, Records
from ...framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
BASE_URL = "https://dfareporting.googleapis.com/"
V5 = "dfareporting/v5"
PROFILE = f"{V5}/userprofiles/{{profile_id}}"
#: list methods: ``maxResults`` "Maximum number of results to return", default 1000.
MAX_PAGE_SIZE = 1000

#: ``Account.currencyId`` -> ISO 4217, as the v5 reference lists them ("1" for USD, ...).
CURRENCIES = {
    "1": "USD", "2": "GBP", "3": "ESP", "4": "SEK", "5": "CAD", "6": "JPY", "7": "DEM", "8": "AUD", "9": "FRF",
    "10": "ITL", "11": "DKK", "12": "NOK", "13": "FIM", "14": "ZAR", "15": "IEP", "16": "NLG", "17": "EUR",
    "18": "KRW", "19": "TWD", "20": "SGD", "21": "CNY", "22": "HKD", "23": "NZD", "24": "MYR", "25": "BRL",
    "26": "PTE", "28": "CLP", "29": "TRY", "30": "ARS", "31": "PEN", "32": "ILS", "33": "CHF", "34": "VEF",
    "35": "COP", "36": "GTQ", "37": "PLN", "39": "INR", "40": "THB", "41": "IDR", "42": "CZK", "43": "RON",
    "44": "HUF", "45": "RUB", "46": "AED", "47": "BGN", "48": "HRK", "49": "MXN", "50": "NGN", "51": "EGP",
}
#: ``ReportsConfiguration.reportGenerationTimeZoneId`` -> tz database name, as the v5 reference lists them.
TIME_ZONES = {
    "1": "America/New_York", "2": "Europe/London", "3": "Europe/Paris", "4": "Africa/Johannesburg",
    "5": "Asia/Jerusalem", "6": "Asia/Shanghai", "7": "Asia/Hong_Kong", "8": "Asia/Tokyo", "9": "Australia/Sydney",
    "10": "Asia/Dubai", "11": "America/Los_Angeles", "12": "Pacific/Auckland", "13": "America/Sao_Paulo",
    "16": "America/Asuncion", "17": "America/Chicago", "18": "America/Denver", "19": "America/St_Johns",
    "20": "Asia/Dhaka", "21": "Asia/Jakarta", "22": "Asia/Kabul", "23": "Asia/Karachi", "24": "Asia/Calcutta",
    "25": "Asia/Pyongyang", "26": "Asia/Rangoon", "27": "Atlantic/Cape_Verde", "28": "Atlantic/South_Georgia",
    "29": "Australia/Adelaide", "30": "Australia/Lord_Howe", "31": "Europe/Moscow", "32": "Pacific/Kiritimati",
    "35": "Pacific/Norfolk", "36": "Pacific/Tongatapu",
}


class Cm360Config(SourceConfig):
    """Config of the ``cm360`` source (plus the fields every source accepts)."""

    client_id: str = Field(min_length=1, description="OAuth 2.0 client id of your Google Cloud project.")
    client_secret: SecretStr = Field(description="OAuth 2.0 client secret.")
    refresh_token: SecretStr = Field(description="Refresh token of a Campaign Manager 360 user, with the dfareporting and "
                                                 "dfatrafficking scopes.")
    profile_id: str = Field(description="The user profile every call is made as (userProfiles.list names them).")
    account_id: str = Field(description="The Campaign Manager 360 account of that profile (its accountId).")
    token_url: str | None = Field(default=None, description="Override the OAuth 2.0 token endpoint (sandboxes, tests).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Entities per list page (1-1000).")
    window_days: int = Field(default=31, ge=1, le=366, description="Days per report.")
    max_reports: int = Field(default=2, ge=1, le=10, description="Reports run at once (Report Builder limits reports per "
                                                                "profile and account).")

    @field_validator("profile_id", "account_id", mode="before")
    @classmethod
    def _numeric(cls, value: Any) -> str:
        text = str(value).strip()
        if not text.isdigit():
            raise ValueError(f"a Campaign Manager 360 id is a number; not valid: {text[:40]!r}")
        return text


API = Api(
    base_url=BASE_URL,
    auth=RefreshToken(GOOGLE_TOKEN_URL),
    errors=ErrorMap(
        "Campaign Manager 360", code=("error.errors.0.reason", "error.status"),
        codes={"userRateLimitExceeded": Action.RETRY, "rateLimitExceeded": Action.RETRY, "backendError": Action.RETRY,
               "dailyLimitExceeded": Action.FAIL, "quotaExceeded": Action.FAIL,
               "RESOURCE_EXHAUSTED": Action.RETRY, "UNAVAILABLE": Action.RETRY, "INTERNAL": Action.RETRY,
               "UNAUTHENTICATED": Action.AUTH, "PERMISSION_DENIED": Action.AUTH, "insufficientPermissions": Action.AUTH,
               "authError": Action.AUTH},
        hints={Action.AUTH: "check the refresh token (dfareporting and dfatrafficking scopes) and that profile_id is a "
                            "profile of that user in account_id",
               Action.FAIL: "a daily quota is spent (requests per project, or reports per profile or account): run again "
                            "tomorrow, or ask for more quota"},
    ),
    rate=RateBudget(per_minute=60),
    app_limits=AppLimits(per_second=1, docs="https://developers.google.com/doubleclick-advertisers/quotas"),  # per project
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


# -- contracts ---------------------------------------------------------------------------------


class Account(Contract):
    """The profile's account, from accounts.get."""

    account_id: Id
    name: str | None = None
    active: bool | None = None
    currency_id: str | None = Field(default=None, description="currencyId as sent (a Campaign Manager 360 currency id).")
    currency_code: str | None = Field(default=None, description="ISO 4217 code of currency_id: every report amount is in it.")
    time_zone_id: str | None = Field(default=None, description="reportsConfiguration.reportGenerationTimeZoneId as sent.")
    time_zone: str | None = Field(default=None, description="tz database name of time_zone_id: whose day a report day is.")
    locale: str | None = None


class Advertiser(Contract):
    """One advertiser, from advertisers.list."""

    advertiser_id: Id
    account_id: Id | None = None
    name: str | None = None
    status: str | None = Field(default=None, description="APPROVED or ON_HOLD.")
    suspended: bool | None = None


class Campaign(Contract):
    """One campaign, from campaigns.list."""

    campaign_id: Id
    account_id: Id | None = None
    advertiser_id: Id
    name: str | None = None
    archived: bool | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class Placement(Contract):
    """One placement, from placements.list: where ads run, and what media cost is set on."""

    placement_id: Id
    account_id: Id | None = None
    advertiser_id: Id | None = None
    campaign_id: Id
    site_id: Id | None = None
    name: str | None = None
    active_status: str | None = Field(default=None, description="PLACEMENT_STATUS_ACTIVE, _INACTIVE, _ARCHIVED, ...")
    compatibility: str | None = None
    payment_source: str | None = None


class Ad(Contract):
    """One ad, from ads.list."""

    ad_id: Id
    account_id: Id | None = None
    advertiser_id: Id | None = None
    campaign_id: Id | None = None
    name: str | None = None
    active: bool | None = None
    archived: bool | None = None
    type: str | None = None


class PlacementDaily(Contract):
    """One placement and day of the STANDARD report; media cost in the account's currency."""

    date: dt.date = Field(description="Date: a day in the account's report time zone.")
    account_id: Id
    advertiser_id: Id
    campaign_id: Id
    placement_id: Id
    impressions: int | None = None
    clicks: int | None = None
    media_cost: Decimal | None = Field(default=None, description="Media Cost, in the account's currency.")
    total_conversions: float | None = Field(default=None, description="Click-through plus view-through Floodlight conversions.")


# -- entities ----------------------------------------------------------------------------------

IN_FULL = "the list methods have no modified-since filter; lists are read whole"
NAMES = {"accountId": "account_id", "advertiserId": "advertiser_id", "campaignId": "campaign_id", "siteId": "site_id",
         "activeStatus": "active_status", "paymentSource": "payment_source", "startDate": "start_date", "endDate": "end_date"}


def named_ids(record: Mapping[str, Any], ctx: ReadContext) -> Mapping[str, Any]:
    """The account's numeric currency and time zone ids, named by the reference's tables."""
    return {**record, "currency_code": CURRENCIES.get(str(record.get("currency_id"))),
            "time_zone": TIME_ZONES.get(str(record.get("time_zone_id")))}


def entity_list(name: str, kind: str, contract: type[Contract], key: str, size: int, unified: Entity | None) -> RestStream:
    """<kind>.list: the profile's whole list, ``size`` a page."""
    return RestStream(
        name=name, description=f"Every {name[:-1]} the profile can see ({kind}.list).", path=f"{PROFILE}/{kind}",
        params={"maxResults": size}, paginator=lambda: CursorInBody(token_path="nextPageToken", param="pageToken"),
        records=Records(kind, rename={**NAMES, "id": key}),
        contract=contract, primary_key=(key,), cursor=FullRefresh(IN_FULL), unified=unified,
    )


def entities(size: int) -> list[Stream]:
    return [
        RestStream(
            name="accounts", description="The profile's account: name, currency and report time zone (accounts.get).",
            path=f"{PROFILE}/accounts/{{account_id}}", paginator=SinglePage,
            # The account asked for is the one the reports are read for: its id is the configured one.
            partitions=lambda config: [{"account_id": config.account_id}],
            records=Records(rename={"id": "account_id", "currencyId": "currency_id",
                                    "reportsConfiguration.reportGenerationTimeZoneId": "time_zone_id"},
                            from_partition=("account_id",)),
            transform=named_ids, contract=Account, primary_key=("account_id",),
            cursor=FullRefresh("accounts.get answers the account's current settings"),
            unified=Entity("account", id="account_id", name="name", currency="currency_code", timezone="time_zone"),
        ),
        entity_list("advertisers", "advertisers", Advertiser, "advertiser_id", size, None),
        entity_list("campaigns", "campaigns", Campaign, "campaign_id", size,
                    Entity("campaign", id="campaign_id", name="name", account="account_id")),
        entity_list("placements", "placements", Placement, "placement_id", size,
                    Entity("ad_group", id="placement_id", name="name", account="account_id", campaign="campaign_id",
                           status="active_status", active_status="PLACEMENT_STATUS_ACTIVE")),
        # Not a unified ad: a CM360 ad is assigned to placements (placementAssignments), not to
        # one ad group, and the report is read at placement level.
        entity_list("ads", "ads", Ad, "ad_id", size, None),
    ]


# -- the report --------------------------------------------------------------------------------

#: API name -> report builder name (the file's header) -> our column
#: (https://developers.google.com/doubleclick-advertisers/v5/dimensions).
DIMENSIONS = {"date": ("Date", "date"), "advertiserId": ("Advertiser ID", "advertiser_id"),
              "campaignId": ("Campaign ID", "campaign_id"), "placementId": ("Placement ID", "placement_id")}
METRICS = {"impressions": ("Impressions", "impressions"), "clicks": ("Clicks", "clicks"),
           "mediaCost": ("Media Cost", "media_cost"), "totalConversions": ("Total Conversions", "total_conversions")}
REPORT = {
    "name": "bosco cm360 placement_daily", "type": "STANDARD", "format": "CSV",
    "criteria": {"dimensions": [{"name": name} for name in DIMENSIONS], "metricNames": list(METRICS)},
}

PLACEMENT_REPORT = AsyncReport(
    name="placement report",
    create=Create(
        f"{PROFILE}/reports/{{report_id}}/run", params={"synchronous": "false"}, job_id="id",
        prepare=Prepare(f"{PROFILE}/reports", body=REPORT, keep={"report_id": "id"},
                        window=WindowParams("criteria.dateRange.startDate", "criteria.dateRange.endDate", in_body=True),
                        cleanup=JobRequest(f"{PROFILE}/reports/{{report_id}}", method="DELETE")),
    ),
    poll=Poll(f"{PROFILE}/reports/{{report_id}}/files/{{job_id}}", status="status",
              statuses={"QUEUED": RUNNING, "PROCESSING": RUNNING, "REPORT_AVAILABLE": DONE, "FAILED": FAILED, "CANCELLED": FAILED}),
    # files.get with alt=media, on the API's host with its token (the file's apiUrl is on www.googleapis.com).
    download=Download(Csv(header_after="Report Fields", end_at=("Grand Total:",)),
                      path=f"{V5}/reports/{{report_id}}/files/{{job_id}}?alt=media"),
    max_concurrent="max_reports", deadline=timedelta(hours=2), first_poll=5.0, max_poll=300.0,
)

MEANINGS = dict(
    clicks_are="Clicks: clicks recorded on the placement's ads (a click counts even if the landing page never loads)",
    conversions_are="Total Conversions: Floodlight conversions after a click or an impression (click-through plus "
                    "view-through), within the activity's lookback windows",
    conversion_value_is="none: the report's revenue columns are not read (no value; 0)",
    date_is="a day in the account's report time zone",
)


def report(window_days: int) -> AsyncReportStream:
    columns = {**DIMENSIONS, **METRICS}
    return AsyncReportStream(
        name="placement_daily", description="Daily STANDARD report per placement (with its advertiser and campaign).",
        report=PLACEMENT_REPORT, partitions=lambda config: [{"account_id": config.account_id}],
        records=Records(rename=dict(columns.values()), units={"media_cost": CURRENCY}, from_partition=("account_id",)),
        contract=PlacementDaily, primary_key=("placement_id", "date"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=30), window=timedelta(days=window_days)),
        unified=Performance(
            "ad_group", date="date", account="account_id", campaign="campaign_id", ad_group="placement_id",
            spend="media_cost", impressions="impressions", clicks="clicks", conversions="total_conversions",
            conversion_value=None, currency=Lookup("accounts", "account_id", "currency_code"),
            account_name=Lookup("accounts", "account_id", "name"),
            campaign_name=Lookup("campaigns", "campaign_id", "name", on="campaign"),
            ad_group_name=Lookup("placements", "placement_id", "name", on="ad_group"),
            sums_into=("campaign",), **MEANINGS,
        ),
    )


def streams(config: Cm360Config | None) -> list[Stream]:
    size, days = (config.page_size, config.window_days) if config is not None else (MAX_PAGE_SIZE, 31)
    return [*entities(size), report(days)]


connector = declare(
    "cm360", title="Campaign Manager 360", api=API, config=Cm360Config, streams=streams, api_version="v5",
    docs_url="https://developers.google.com/doubleclick-advertisers/rest/v5", category="ads",
    support_policy="https://developers.google.com/doubleclick-advertisers/deprecation (v5 is current; v4 sunset 2026-02-26)",
    description="Campaign Manager 360: the account (currency, report time zone), advertisers, campaigns, placements, ads, "
                "and a daily placement report (Report Builder) in the account's currency.",
    # Google's JSON error (https://developers.google.com/doubleclick-advertisers/core_errors), as cassettes/cm360/bodies/error.auth.json.
    error_example={"error": {"code": 401, "message": "Invalid Credentials",
                             "errors": [{"domain": "global", "reason": "authError", "message": "Invalid Credentials",
                                         "locationType": "header", "location": "Authorization"}]}},
)
source = source_function(connector)

__all__ = ["connector", "source", "Cm360Config"]
