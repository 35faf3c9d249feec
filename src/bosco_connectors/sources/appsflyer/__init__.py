"""AppsFlyer: the Pull API (aggregate and raw data, report version v5, API V2 token), declared.

Reference: https://dev.appsflyer.com/hc/reference (Aggregate Pull API V2 Token: "Partners daily",
``GET https://hq1.appsflyer.com/api/agg-data/export/app/{app-id}/partners_by_date_report/v5``;
Raw Data Pull API V2 Token: "Installs", ``GET https://hq1.appsflyer.com/api/raw-data/export/app/{app-id}/installs_report/v5``),
and the help-center pages it links: https://support.appsflyer.com/hc/en-us/articles/207034346
(Pull API aggregate data: parameters, LTV date range, time zone, currency),
https://support.appsflyer.com/hc/en-us/articles/360007530258 (Pull API raw data) and
https://support.appsflyer.com/hc/en-us/articles/207034366 (report generation quotas). Auth: the
account's API V2 token as ``Authorization: Bearer <token>`` (tokens made before 2026-03-10 19:00 UTC
were revoked: regenerate). Both answers are CSV files with a header row (``Accept: text/csv``).

Streams, per configured app (``app_ids``: an iOS app's id starts with ``id``, an Android app's is
its package name):

- ``partners_daily``: the "partners by date" aggregate report: one row per install day, agency
  (``af_prt``), media source (``pid``) and campaign (``c``), with impressions, clicks, installs,
  sessions, loyal users, total revenue and total cost, plus a column triple per in-app event
  (not loaded). Days are in the requested ``timezone`` (UTC when not sent; it must equal the
  app's own setting), money in the app's currency ("Aggregate Pull API reports always use the
  app-specific currency"): the file does not name it, so config ``currency`` states it.
  The date range is the LTV (install) date range: revenue keeps accruing to the install day.
- ``installs``: the non-organic installs raw data report, one row per attributed install
  (AppsFlyer ID and install time), read in windows of at most 60 days, from the last 90 days
  only (raw data's access window), streamed from the file in batches (`framework.files`).
  Device identifiers, IP, user agent and the customer user id are never loaded (``drop``).

Look-back: 30 days on the aggregate report (every source's ``lookback_days`` overrides it). Its metrics are LTV:
an install day's revenue and sessions grow for as long as its users are active, and cost "can
update with a delay of several hours, depending on the partner" (article 207034346); 30 days
covers the default click-through attribution window (7 days, at most 30) and the settling of
cost, not the whole lifetime: raise ``lookback_days`` for longer LTV. Raw installs do not change once
attributed: a 2-day look-back covers late-arriving installs and the day in another zone.

Quotas (article 207034366): aggregate reports of at most 2 days, one call per minute per app
and report; of 3 days or more, 24 calls a day per app and 120 per account; so windows are
large (31 days), one call a day per app when up to date. Errors (the dev hub's documented
answers): 400 ``{"message": "Your API call limit has been reached for the given report type"}``
(retried later), 401 ``{"message": "Supplied API token is invalid"}``, 404 the app id is not
found or not the token's (skipped with a warning).

The aggregate report maps into the unified ``app_installs_daily`` (installs, revenue, cost per
install day, app, media source and campaign; agencies summed). Category ``attribution``: a
mobile measurement partner, grouped in docs/sources.md with the other MMPs.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Expr, Maps
from bosco_connectors.framework.files import Csv
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import CURRENCY, Records
from bosco_connectors.framework.spec import Cursor, Stream
from bosco_connectors.sandbox.documented_days import DocumentedDays

BASE_URL = "https://hq1.appsflyer.com/api/"
#: Raw data: "Up to 60 days out of the previous 90 days" per call (article 207034366).
RAW_WINDOW_DAYS = 60
RAW_HISTORY_DAYS = 90
#: Install days re-read on every run: LTV revenue keeps accruing to its install day (see the docstring).
LTV_LOOKBACK = timedelta(days=30)


class AppsflyerConfig(SourceConfig):
    """Config of the ``appsflyer`` source (plus the fields every source accepts)."""

    api_token: SecretStr = Field(description="The account's API V2 token (AppsFlyer: your email > Security center > API tokens).")
    app_ids: IdList = Field(min_length=1, description=(
        "Apps to read, as AppsFlyer names them (iOS: 'id' and the App Store id; Android: the package name); "
        "a list or one comma-separated string."))
    timezone: str = Field(default="UTC", description=(
        "Time zone of the report days (tz database name). It must be the app's own setting (or UTC, the "
        "default AppsFlyer answers in when none is sent)."))
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description=(
        "The app's currency (ISO 4217) as set in its AppsFlyer settings: aggregate reports state revenue "
        "and cost in it without naming it."))
    requests_per_minute: float = Field(default=10.0, gt=0, le=600, description=(
        "Pace of requests. Reports of 3 days or more count against a daily quota (24 a day per app); reports of "
        "at most 2 days are limited to one a minute per app and report, and a refused call is retried later."))


# -- contracts ---------------------------------------------------------------------------------


class PartnersDaily(Contract):
    """One install day, agency, media source and campaign of one app (partners_by_date_report)."""

    app_id: Id
    date: dt.date = Field(description="The install (LTV) day in the requested time zone.")
    agency: str = Field(description="Agency/PMD (af_prt); empty when the install came through no agency.")
    media_source: str = Field(description="Media Source (pid), e.g. googleadwords_int, Facebook Ads.")
    campaign: str = Field(description="Campaign (c): the campaign name.")
    currency: str | None = Field(default=None, description="The app's currency (config): every money column is in it.")
    impressions: int | None = None
    clicks: int | None = None
    ctr: float | None = None
    installs: int | None = Field(default=None, description="Attributed installs (new installs and re-installs outside the re-attribution window).")
    conversion_rate: float | None = None
    sessions: int | None = None
    loyal_users: int | None = Field(default=None, description="Users with at least three sessions.")
    loyal_users_rate: float | None = Field(default=None, description="Loyal Users/Installs.")
    total_revenue: Decimal | None = Field(default=None, description="LTV revenue of the day's installs, in the app's currency.")
    total_cost: Decimal | None = Field(default=None, description="Cost of the day's installs, in the app's currency.")
    roi: float | None = None
    arpu: Decimal | None = None
    average_ecpi: Decimal | None = None


class Install(Contract):
    """One attributed (non-organic) install of one app (installs_report), without device identifiers."""

    app_id: Id
    appsflyer_id: Id = Field(description="AppsFlyer ID: the install's own id, made by the SDK.")
    install_time: dt.datetime = Field(description="Install Time (first open), in the requested time zone.")
    attributed_touch_type: str | None = None
    attributed_touch_time: dt.datetime | None = None
    event_time: dt.datetime | None = None
    event_name: str | None = None
    partner: str | None = Field(default=None, description="Partner (af_prt): the agency.")
    media_source: str | None = None
    channel: str | None = None
    keywords: str | None = None
    campaign: str | None = None
    campaign_id: str | None = None
    adset: str | None = None
    adset_id: str | None = None
    ad: str | None = None
    ad_id: str | None = None
    ad_type: str | None = None
    site_id: str | None = None
    cost_model: str | None = None
    cost_value: Decimal | None = None
    cost_currency: str | None = None
    region: str | None = None
    country_code: str | None = None
    platform: str | None = None
    device_type: str | None = None
    os_version: str | None = None
    app_version: str | None = None
    sdk_version: str | None = None
    app_name: str | None = None
    bundle_id: str | None = None
    is_retargeting: bool | None = None
    attribution_lookback: str | None = None
    is_primary_attribution: bool | None = None


# -- the API -----------------------------------------------------------------------------------

API = Api(
    base_url=BASE_URL,
    auth=ApiKey("api_token", header="Authorization", prefix="Bearer "),
    headers={"Accept": "text/csv"},
    # {"message": "..."} with the HTTP status telling the kind (dev hub, every Pull API endpoint).
    errors=ErrorMap("AppsFlyer", message=("message",), statuses={400: Action.RETRY, 404: Action.SKIP},
                    hints={Action.AUTH: "check the API V2 token (tokens made before 2026-03-10 were revoked)",
                           Action.SKIP: "check the app id (iOS ids start with 'id') and that the token's account owns it"}),
    rate=RateBudget(per_minute="requests_per_minute"),
)


#: One partition per configured app, carrying the app's currency and time zone from config (the
#: aggregate file names neither; the time zone is also the ``timezone`` parameter).
PER_APP = ForEach("app_ids", "app_id", with_config=("timezone", "currency"))

#: partners_by_date_report columns (dev hub "Partners daily"; support article 207034346's report list).
AGGREGATE = {"Date": "date", "Agency/PMD (af_prt)": "agency", "Media Source (pid)": "media_source",
             "Campaign (c)": "campaign", "Impressions": "impressions", "Clicks": "clicks", "CTR": "ctr",
             "Installs": "installs", "Conversion Rate": "conversion_rate", "Sessions": "sessions",
             "Loyal Users": "loyal_users", "Loyal Users/Installs": "loyal_users_rate", "Total Revenue": "total_revenue",
             "Total Cost": "total_cost", "ROI": "roi", "ARPU": "arpu", "Average eCPI": "average_ecpi"}
#: installs_report columns loaded (the rest: personal data, dropped; contributors and sub-parameters, not loaded).
RAW = {"Attributed Touch Type": "attributed_touch_type", "Attributed Touch Time": "attributed_touch_time",
       "Install Time": "install_time", "Event Time": "event_time", "Event Name": "event_name", "Partner": "partner",
       "Media Source": "media_source", "Channel": "channel", "Keywords": "keywords", "Campaign": "campaign",
       "Campaign ID": "campaign_id", "Adset": "adset", "Adset ID": "adset_id", "Ad": "ad", "Ad ID": "ad_id",
       "Ad Type": "ad_type", "Site ID": "site_id", "Cost Model": "cost_model", "Cost Value": "cost_value",
       "Cost Currency": "cost_currency", "Region": "region", "Country Code": "country_code", "Platform": "platform",
       "Device Type": "device_type", "OS Version": "os_version", "App Version": "app_version", "SDK Version": "sdk_version",
       "App ID": "app_id", "App Name": "app_name", "Bundle ID": "bundle_id", "Is Retargeting": "is_retargeting",
       "Attribution Lookback": "attribution_lookback", "Is Primary Attribution": "is_primary_attribution",
       "AppsFlyer ID": "appsflyer_id"}
PERSONAL = ("IP", "Advertising ID", "IDFA", "Android ID", "Customer User ID", "IMEI", "IDFV", "User Agent", "HTTP Referrer",
            "Original URL", "City", "Postal Code", "DMA", "State", "Operator", "Carrier", "Language", "WIFI")
#: What the raw report's timestamps look like: "2026-11-01 23:41:07" (local to the requested zone).
RAW_TIME = "%Y-%m-%d %H:%M:%S"
#: "Some VTA KPIs, like clicks, impressions, and cost ... display the value N/A" (article 207034346).
NOT_AVAILABLE = ("N/A", "")


def streams(config: AppsflyerConfig | None) -> list[Stream]:
    return [
        DocumentedDays(
            name="partners_daily", fake_days={"Date": "%Y-%m-%d"}, description="Installs, sessions, revenue and cost per install day, agency, media source "
                                               "and campaign (the partners by date aggregate report).",
            path="agg-data/export/app/{app_id}/partners_by_date_report/v5", params={"timezone": "{timezone}"},
            path_only=("currency",), partitions=PER_APP, window=WindowParams("from", "to"), file=Csv(),
            records=Records(rename=AGGREGATE, nulls=("N/A",), units={m: CURRENCY for m in ("total_revenue", "total_cost", "arpu", "average_ecpi")},
                            from_partition=("app_id", "currency")),
            contract=PartnersDaily, primary_key=("app_id", "date", "agency", "media_source", "campaign"), arrow=True,
            cursor=Cursor("date", lookback=LTV_LOOKBACK, window=timedelta(days=31)),
            unified=Maps(
                "app_installs_daily", date="date", app_id="app_id",
                app_os=Expr("case when app_id like 'id%' and try_cast(substr(app_id, 3) as bigint) is not null "
                            "then 'ios' else 'android' end"),
                media_source="media_source", campaign="campaign", installs="installs", revenue="total_revenue",
                cost="total_cost", currency="currency",
                meanings={"date": "the install day (LTV) in the requested time zone, the app's own when configured so",
                          "app_os": "ios for an App Store id ('id' and digits), else android (a package name)",
                          "installs": "Installs: attributed installs of the day (re-installs outside the re-attribution "
                                      "window count as new), summed over agencies",
                          "revenue": "Total Revenue: LTV in-app revenue of the day's installs to date, in the app's currency",
                          "cost": "Total Cost: cost the partners report for the day's installs, in the app's currency"}),
        ),
        DocumentedDays(
            name="installs", fake_days={"Install Time": "%Y-%m-%d", "Event Time": "%Y-%m-%d", "Attributed Touch Time": "%Y-%m-%d"}, description="Each attributed (non-organic) install, without device identifiers.",
            path="raw-data/export/app/{app_id}/installs_report/v5", params={"timezone": "{timezone}"},
            path_only=("currency",), partitions=PER_APP, window=WindowParams("from", "to"), file=Csv(),
            records=Records(rename=RAW, drop=PERSONAL, nulls=NOT_AVAILABLE,
                            formats={"install_time": RAW_TIME, "attributed_touch_time": RAW_TIME, "event_time": RAW_TIME},
                            from_partition=("app_id",)),
            contract=Install, primary_key=("app_id", "appsflyer_id", "install_time"), arrow=True,
            cursor=Cursor("install_time", kind="datetime", lookback=timedelta(days=2), window=timedelta(days=RAW_WINDOW_DAYS)),
            history=timedelta(days=RAW_HISTORY_DAYS),
        ),
    ]


connector = declare(
    "appsflyer", title="AppsFlyer", api=API, config=AppsflyerConfig, streams=streams,
    api_version="Pull API v5 (V2 token)", docs_url="https://dev.appsflyer.com/hc/reference", category="attribution",
    description="AppsFlyer Pull API: the partners-by-date aggregate report (installs, revenue, cost per day, media "
                "source and campaign) and the raw non-organic installs report.",
    # The dev hub's documented 401 answer (cassettes/appsflyer/bodies/error.auth.json).
    error_example={"message": "Supplied API token is invalid"},
)
source = source_function(connector)

__all__ = ["connector", "source", "AppsflyerConfig"]
