"""Display & Video 360: the Display & Video 360 API v4 and the Bid Manager API v2, declared.

References: https://developers.google.com/display-video/api/reference/rest/v4 (v4, current since
March 2025; v3 sunset 2025-10-07) for advertisers, campaigns, insertion orders and line
items, and https://developers.google.com/bid-manager/reference/rest/v2 (v2; v1.1 is sunset)
for reports. Field names and types: Google's generated clients of both discovery documents
(github.com/googleapis/google-api-php-client-services, ``src/DisplayVideo``, ``src/DoubleClickBidManager``).
The two APIs live on two hosts (`framework.hosts`): ``https://displayvideo.googleapis.com/v4/``
and ``https://doubleclickbidmanager.googleapis.com/v2/``.

Auth: OAuth 2.0 access tokens minted from a Google user's refresh token at
``https://oauth2.googleapis.com/token``; the token needs both scopes,
``https://www.googleapis.com/auth/display-video`` and ``https://www.googleapis.com/auth/doubleclickbidmanager``.

Streams, per configured advertiser: ``advertisers`` (advertisers.get: name, currency, time
zone, status), ``campaigns``, ``insertion_orders`` and ``line_items`` (``pageSize`` at most
200, ``pageToken`` from ``nextPageToken``, absent on the last page), read in full each
run, and ``line_item_daily``, a Bid Manager STANDARD report by date, advertiser, advertiser
currency, campaign (``FILTER_MEDIA_PLAN``), insertion order and line item: one query
created per advertiser and window (queries.create), run (queries.run with the window as
``dataRange``), polled (queries.reports.get) until DONE or FAILED, its CSV read from the
pre-signed Cloud Storage link (``googleCloudStoragePath``, fetched without credentials), then
the query deleted. The CSV's records end at its totals row (empty dimensions) and a blank
line before the report-time, date-range, group-by and filter lines. Money columns are in
the advertiser's currency as decimal text; ``Date`` is ``YYYY/MM/DD`` in the advertiser's
time zone (https://support.google.com/displayvideo/answer/6172804).

Incremental on the date with a 30-day look-back: Floodlight conversions are credited to the
impression or click within each activity's post-click and post-view windows, set per line
item in days (https://support.google.com/displayvideo/answer/2997485; Campaign Manager 360
caps lookback windows at 90 days: raise ``lookback_days`` for windows longer than 30), and
the reports' own note says numbers may fluctuate for up to seven days and are finalised
for billing at the start of the next month. Windows of ``window_days`` (31) per report.

Errors are Google's (https://cloud.google.com/apis/design/errors): the canonical ``status`` of
``{"error": {"code", "message", "status"}}`` decides. Limits
(https://developers.google.com/display-video/api/limits): 1,500 requests per minute per
project, 300 per minute per advertiser; over them, 429 RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Mapping

from pydantic import Field, SecretStr, field_validator

from ...framework import Contract, Id, IdList, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, AppLimits, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.files import Csv
from ...framework.hosts import ServiceHosts, hosts_unless_base_url
from ...framework.http import RetryPolicy
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, JobRequest, Poll, Prepare
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import DateParts, ForEach, WindowParams
from ...framework.records import CURRENCY, Records
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
DISPLAY_VIDEO = "https://displayvideo.googleapis.com/"
BID_MANAGER = "https://doubleclickbidmanager.googleapis.com/"
#: list methods: "Must be between 1 and 200. If unspecified will default to 100."
MAX_PAGE_SIZE = 200


class Dv360Config(SourceConfig):
    """Config of the ``dv360`` source (plus the fields every source accepts)."""

    client_id: str = Field(min_length=1, description="OAuth 2.0 client id of your Google Cloud project.")
    client_secret: SecretStr = Field(description="OAuth 2.0 client secret.")
    refresh_token: SecretStr = Field(description="Refresh token of a Display & Video 360 user, with the display-video and "
                                                 "doubleclickbidmanager scopes.")
    advertiser_ids: IdList = Field(min_length=1, description="Advertiser ids to read; a list, or one comma-separated string.")
    token_url: str | None = Field(default=None, description="Override the OAuth 2.0 token endpoint (sandboxes, tests).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Entities per list page (1-200).")
    window_days: int = Field(default=31, ge=1, le=366, description="Days per report.")
    max_reports: int = Field(default=4, ge=1, le=20, description="Reports generated at once (Bid Manager limits "
                                                                  "simultaneous reports per user).")

    @field_validator("advertiser_ids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        if bad := [v for v in value if not v.isdigit()]:
            raise ValueError(f"advertiser ids are numbers; not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))


GOOGLE_RETRY = ("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED")
API = Api(
    base_url=DISPLAY_VIDEO,  # paths carry the version: v4/... (Display & Video 360), v2/... (Bid Manager, its own host)
    auth=RefreshToken(GOOGLE_TOKEN_URL),
    errors=ErrorMap(
        "Google", code="error.status",
        codes={**dict.fromkeys(GOOGLE_RETRY, Action.RETRY), **dict.fromkeys(("UNAUTHENTICATED", "PERMISSION_DENIED"), Action.AUTH)},
        hints={Action.AUTH: "check the refresh token (display-video and doubleclickbidmanager scopes) and that its user "
                            "can read every configured advertiser"},
    ),
    rate=RateBudget(per_minute=1500),
    app_limits=AppLimits(per_minute=1500, docs="https://developers.google.com/display-video/api/limits"),  # per project
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
    client_class=ServiceHosts,
    client_options=hosts_unless_base_url({"v2/": BID_MANAGER}),
)


# -- contracts ---------------------------------------------------------------------------------


class Advertiser(Contract):
    """One advertiser, from advertisers.get."""

    advertiser_id: Id
    partner_id: Id | None = None
    display_name: str | None = None
    entity_status: str | None = Field(default=None, description="ENTITY_STATUS_ACTIVE, _PAUSED, _ARCHIVED, ...")
    currency_code: str | None = Field(default=None, description="generalConfig.currencyCode (ISO 4217): every report amount is in it.")
    time_zone: str | None = Field(default=None, description="generalConfig.timeZone (tz database name): whose day a report day is.")
    domain_url: str | None = None
    update_time: str | None = Field(default=None, description="RFC 3339 UTC timestamp of the last change.")


class Campaign(Contract):
    """One campaign, from advertisers.campaigns.list."""

    advertiser_id: Id
    campaign_id: Id
    display_name: str | None = None
    entity_status: str | None = None
    campaign_goal_type: str | None = Field(default=None, description="campaignGoal.campaignGoalType.")
    update_time: str | None = Field(default=None, description="RFC 3339 UTC timestamp of the last change.")


class InsertionOrder(Contract):
    """One insertion order, from advertisers.insertionOrders.list."""

    advertiser_id: Id
    campaign_id: Id
    insertion_order_id: Id
    display_name: str | None = None
    entity_status: str | None = None
    insertion_order_type: str | None = None
    update_time: str | None = Field(default=None, description="RFC 3339 UTC timestamp of the last change.")


class LineItem(Contract):
    """One line item, from advertisers.lineItems.list."""

    advertiser_id: Id
    campaign_id: Id
    insertion_order_id: Id
    line_item_id: Id
    display_name: str | None = None
    entity_status: str | None = None
    line_item_type: str | None = None
    update_time: str | None = Field(default=None, description="RFC 3339 UTC timestamp of the last change.")


class LineItemDaily(Contract):
    """One line item and day of the STANDARD report; money in the advertiser's currency."""

    date: dt.date = Field(description="Date (YYYY/MM/DD in the file): a day in the advertiser's time zone.")
    advertiser_id: Id
    advertiser_currency: str | None = None
    campaign_id: Id
    insertion_order_id: Id
    line_item_id: Id
    impressions: int | None = None
    clicks: int | None = None
    total_conversions: float | None = Field(default=None, description="Post-click plus post-view conversions.")
    post_click_conversions: float | None = None
    post_view_conversions: float | None = None
    media_cost: Decimal | None = Field(default=None, description="Media Cost (Advertiser Currency): the inventory's cost.")
    total_media_cost: Decimal | None = Field(default=None, description="Total Media Cost (Advertiser Currency): media cost "
                                                                       "plus platform, data and partner fees.")


# -- entities ----------------------------------------------------------------------------------

PER_ADVERTISER = ForEach("advertiser_ids", "advertiser_id")
IN_FULL = "the list methods filter by update time only through a filter string per entity type; lists are read whole"
ACTIVE = "ENTITY_STATUS_ACTIVE"
ENTITY_NAMES = {"advertiserId": "advertiser_id", "campaignId": "campaign_id", "insertionOrderId": "insertion_order_id",
                "lineItemId": "line_item_id", "displayName": "display_name", "entityStatus": "entity_status",
                "updateTime": "update_time", "partnerId": "partner_id", "insertionOrderType": "insertion_order_type",
                "lineItemType": "line_item_type"}


def entity_list(name: str, kind: str, contract: type[Contract], key: str, size: int, unified: Entity | None,
                extra: Mapping[str, str] | None = None) -> RestStream:
    """advertisers.<kind>.list: one advertiser's whole list, 200 a page."""
    return RestStream(
        name=name, description=f"Every {name.replace('_', ' ')[:-1]} of each advertiser.", path=f"v4/advertisers/{{advertiser_id}}/{kind}",
        params={"pageSize": size}, partitions=PER_ADVERTISER,
        paginator=lambda: CursorInBody(token_path="nextPageToken", param="pageToken"),
        records=Records(kind, rename={**ENTITY_NAMES, **(extra or {})}),
        contract=contract, primary_key=(key,), cursor=FullRefresh(IN_FULL), unified=unified,
    )


def entities(size: int) -> list[Stream]:
    return [
        RestStream(
            name="advertisers", description="Each advertiser's name, currency, time zone and status (advertisers.get).",
            path="v4/advertisers/{advertiser_id}", partitions=PER_ADVERTISER, paginator=SinglePage,
            records=Records(rename={**ENTITY_NAMES, "generalConfig.currencyCode": "currency_code",
                                    "generalConfig.timeZone": "time_zone", "generalConfig.domainUrl": "domain_url"}),
            contract=Advertiser, primary_key=("advertiser_id",),
            cursor=FullRefresh("advertisers.get answers the advertiser's current settings"),
            unified=Entity("account", id="advertiser_id", name="display_name", currency="currency_code", timezone="time_zone",
                           status="entity_status", active_status=ACTIVE),
        ),
        entity_list("campaigns", "campaigns", Campaign, "campaign_id", size,
                    Entity("campaign", id="campaign_id", name="display_name", account="advertiser_id", objective="campaign_goal_type",
                           status="entity_status", active_status=ACTIVE),
                    extra={"campaignGoal.campaignGoalType": "campaign_goal_type"}),
        entity_list("insertion_orders", "insertionOrders", InsertionOrder, "insertion_order_id", size, None),
        entity_list("line_items", "lineItems", LineItem, "line_item_id", size,
                    Entity("ad_group", id="line_item_id", name="display_name", account="advertiser_id", campaign="campaign_id",
                           status="entity_status", active_status=ACTIVE)),
    ]


# -- the report --------------------------------------------------------------------------------


#: A day as Google's ``Date`` message, ``{"year", "month", "day"}`` (Bid Manager's ``dataRange.customStartDate``).
GOOGLE_DATE = DateParts()


#: Bid Manager filter -> the report builder name its CSV column carries -> our column
#: (https://developers.google.com/bid-manager/reference/rest/v2/filters-metrics).
DIMENSIONS = {"FILTER_DATE": ("Date", "date"), "FILTER_ADVERTISER": ("Advertiser ID", "advertiser_id"),
              "FILTER_ADVERTISER_CURRENCY": ("Advertiser Currency", "advertiser_currency"),
              "FILTER_MEDIA_PLAN": ("Campaign ID", "campaign_id"), "FILTER_INSERTION_ORDER": ("Insertion Order ID", "insertion_order_id"),
              "FILTER_LINE_ITEM": ("Line Item ID", "line_item_id")}
METRICS = {"METRIC_IMPRESSIONS": ("Impressions", "impressions"), "METRIC_CLICKS": ("Clicks", "clicks"),
           "METRIC_TOTAL_CONVERSIONS": ("Total Conversions", "total_conversions"),
           "METRIC_LAST_CLICKS": ("Post-Click Conversions", "post_click_conversions"),
           "METRIC_LAST_IMPRESSIONS": ("Post-View Conversions", "post_view_conversions"),
           "METRIC_MEDIA_COST_ADVERTISER": ("Media Cost (Advertiser Currency)", "media_cost"),
           "METRIC_TOTAL_MEDIA_COST_ADVERTISER": ("Total Media Cost (Advertiser Currency)", "total_media_cost")}
CUSTOM_DATES = {"range": "CUSTOM_DATES"}
QUERY = {
    "metadata": {"title": "bosco dv360 line_item_daily", "dataRange": CUSTOM_DATES, "format": "CSV", "sendNotification": False},
    "params": {"type": "STANDARD", "groupBys": list(DIMENSIONS), "metrics": list(METRICS),
               "filters": [{"type": "FILTER_ADVERTISER", "value": "{advertiser_id}"}]},
    "schedule": {"frequency": "ONE_TIME"},
}

LINE_ITEM_REPORT = AsyncReport(
    name="line item report",
    create=Create(
        "v2/queries/{query_id}:run", body={"dataRange": CUSTOM_DATES}, job_id="key.reportId",
        window=WindowParams("dataRange.customStartDate", "dataRange.customEndDate", format=GOOGLE_DATE, in_body=True),
        prepare=Prepare("v2/queries", body=QUERY, keep={"query_id": "queryId"},
                        window=WindowParams("metadata.dataRange.customStartDate", "metadata.dataRange.customEndDate",
                                           format=GOOGLE_DATE, in_body=True),
                        cleanup=JobRequest("v2/queries/{query_id}", method="DELETE")),
    ),
    poll=Poll("v2/queries/{query_id}/reports/{job_id}", status="metadata.status.state", url="metadata.googleCloudStoragePath",
              statuses={"QUEUED": RUNNING, "RUNNING": RUNNING, "DONE": DONE, "FAILED": FAILED}),
    # The records end at the totals row (no dimension values) or the blank line before the summary.
    download=Download(Csv(end_at=("",))),
    max_concurrent="max_reports", deadline=timedelta(hours=2), first_poll=5.0, max_poll=300.0,
)

MEANINGS = dict(
    clicks_are="Clicks: clicks on the line item's ads",
    conversions_are="Total Conversions: Floodlight conversions after a click or a view (post-click plus post-view), "
                    "within the line item's lookback windows",
    conversion_value_is="none: a STANDARD report's conversion revenue columns are not read (no value; 0)",
    date_is="a day in the advertiser's time zone",
)


def report(window_days: int) -> AsyncReportStream:
    columns = {**DIMENSIONS, **METRICS}
    return AsyncReportStream(
        name="line_item_daily", description="Daily STANDARD report per line item (with its campaign and insertion order).",
        report=LINE_ITEM_REPORT, partitions=PER_ADVERTISER,
        records=Records(rename=dict(columns.values()), formats={"date": "%Y/%m/%d"},
                        units={"media_cost": CURRENCY, "total_media_cost": CURRENCY}),
        contract=LineItemDaily, primary_key=("advertiser_id", "line_item_id", "date"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=30), window=timedelta(days=window_days)),
        unified=Performance(
            "ad_group", date="date", account="advertiser_id", campaign="campaign_id", ad_group="line_item_id",
            spend="total_media_cost", impressions="impressions", clicks="clicks", conversions="total_conversions",
            conversion_value=None, currency="advertiser_currency",
            account_name=Lookup("advertisers", "advertiser_id", "display_name"),
            campaign_name=Lookup("campaigns", "campaign_id", "display_name", on="campaign"),
            ad_group_name=Lookup("line_items", "line_item_id", "display_name", on="ad_group"),
            sums_into=("campaign",), **MEANINGS,
        ),
    )


def streams(config: Dv360Config | None) -> list[Stream]:
    size, days = (config.page_size, config.window_days) if config is not None else (MAX_PAGE_SIZE, 31)
    return [*entities(size), report(days)]


connector = declare(
    "dv360", title="Display & Video 360", api=API, config=Dv360Config, streams=streams, api_version="v4 (Bid Manager v2)",
    docs_url="https://developers.google.com/display-video/api/reference/rest/v4", category="ads",
    support_policy="https://developers.google.com/display-video/api/release-notes (v4 is current; v3 sunset 2025-10-07); "
                   "Bid Manager v2: https://developers.google.com/bid-manager/release-notes",
    description="Display & Video 360: advertisers, campaigns, insertion orders, line items, and a daily line item report "
                "(Bid Manager) in the advertiser's currency.",
    # Google's error model (https://cloud.google.com/apis/design/errors), as cassettes/dv360/bodies/error.auth.json.
    error_example={"error": {"code": 401, "status": "UNAUTHENTICATED", "message": (
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid "
        "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.")}},
)
source = source_function(connector)

__all__ = ["connector", "source", "Dv360Config"]
