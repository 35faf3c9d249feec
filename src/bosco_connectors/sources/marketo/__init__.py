"""Marketo Engage: leads and activities through bulk extract jobs, programs, and email metrics
counted from email activities, declared.

Reference: https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api
(REST API v1; Bulk Extract https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-extract,
Bulk Lead Extract ``.../bulk-lead-extract``, Bulk Activity Extract ``.../bulk-activity-extract``,
Programs ``.../assets/programs``, error codes ``.../error-codes``).

- Host: the instance's ``https://<munchkin id>.mktorest.com/``; REST paths under ``rest/``, bulk
  ones under ``bulk/``. Auth: a LaunchPoint service's client id and secret exchanged at
  ``identity/oauth/token`` (client credentials, one hour), sent as ``Authorization: Bearer``
  (the ``access_token`` query parameter was removed on 2025-06-30).
- Errors come with HTTP 200: ``{"success": false, "errors": [{"code": "601", "message": ...}]}``.
  601/602 (token invalid/expired) are credential problems; 606 (100 calls per 20 seconds),
  615 (10 concurrent calls) and 1029 (export queue full) are retried; 607 (daily quota) fails.
- Leads and activities: bulk extract jobs, one per window of at most 31 days (the filter's
  limit): ``POST bulk/v1/{leads|activities}/export/create.json`` with the fields and an
  ``updatedAt`` (leads) or ``createdAt`` (activities) range, ``POST .../{exportId}/enqueue.json``,
  poll ``GET .../{exportId}/status.json`` (Created, Queued, Processing, Completed, Failed,
  Cancelled), then ``GET .../{exportId}/file.json``: a CSV with a header row. Two jobs run at
  once per instance, files are kept seven days, 500 MB a day. A full history is a backfill from
  the instance's first day (``start_date``). Changes are written at once: one hour re-read.
  The ``updatedAt`` filter is not enabled on every subscription (error 1035); ask Marketo
  support to enable it.
- Activities asked: New Lead (12) and the email activities Send Email (6), Email Delivered (7),
  Email Bounced (8), Unsubscribe Email (9), Open Email (10), Click Email (11) (the standard
  activity type ids, https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/activities).
- Programs: ``GET rest/asset/v1/programs.json`` (``offset``/``maxReturn`` 200, the last page
  short); a few hundred per instance, read whole every run.
- Deletions: Marketo exports no deleted leads (the Delete Lead activity, 37, is not asked);
  a deleted lead stays until a full resync.

Unified: leads created (by ``leadSource``) into ``crm_funnel_daily``; email activities counted
per email asset (``primaryAttributeValueId``) and day into ``email_campaign_performance``
(sends, deliveries, bounces, unsubscribes, opens, clicks as activity counts). Days are UTC: the
REST API states no subscription time zone.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from pydantic import Field, SecretStr, model_validator

from ...framework import Contract, Id, SourceConfig
from ...framework.auth import ClientCredentials
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.files import Csv
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, Poll, Prepare
from ...framework.paginators import OffsetLimit
from ...framework.params import WindowParams
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.facts import Const

PROGRAM_PAGE = 200
LEAD_FIELDS = ("id", "company", "leadSource", "leadStatus", "industry", "createdAt", "updatedAt")
ACTIVITY_COLUMNS = ("marketoGUID", "leadId", "activityDate", "activityTypeId", "campaignId", "primaryAttributeValueId",
                    "primaryAttributeValue", "attributes")
SEND, DELIVERED, BOUNCED, UNSUBSCRIBED, OPENED, CLICKED, NEW_LEAD = 6, 7, 8, 9, 10, 11, 12
ACTIVITY_TYPES = [SEND, DELIVERED, BOUNCED, UNSUBSCRIBED, OPENED, CLICKED, NEW_LEAD]
TIME = "%Y-%m-%dT%H:%M:%SZ"
#: The asset API's times: ``2016-08-25T22:05:22Z+0000`` (a ``Z`` and an offset).
ASSET_TIME = "%Y-%m-%dT%H:%M:%SZ%z"
STATUSES = {"Created": RUNNING, "Queued": RUNNING, "Processing": RUNNING, "Completed": DONE, "Failed": FAILED, "Cancelled": FAILED}


class MarketoConfig(SourceConfig):
    """Config of the ``marketo`` source (plus the fields every source accepts)."""

    munchkin_id: str | None = Field(default=None, description="The instance's Munchkin id (123-ABC-456): its REST host.")
    client_id: str = Field(description="The LaunchPoint custom service's client id.")
    client_secret: SecretStr = Field(description="The LaunchPoint custom service's client secret.")
    token_url: str | None = Field(default=None, description="Identity endpoint (default: the instance's identity/oauth/token).")
    page_size: int = Field(default=PROGRAM_PAGE, ge=1, le=PROGRAM_PAGE, description="Programs per page (at most 200).")
    requests_per_second: float = Field(default=4.0, gt=0, le=5.0, description="Pace: Marketo allows 100 calls per 20 seconds.")

    @model_validator(mode="after")
    def _instance(self) -> "MarketoConfig":
        if self.base_url is None:
            if not self.munchkin_id:
                raise ValueError("munchkin_id is required (Admin > Web Services > REST API endpoint), or set base_url")
            self.base_url = f"https://{self.munchkin_id}.mktorest.com/"
        if self.token_url is None:
            self.token_url = self.base_url.rstrip("/") + "/identity/oauth/token"
        return self


class Lead(Contract):
    """One lead (person) of a bulk lead export: the fields asked, no name or e-mail."""

    id: Id
    company: str | None = None
    lead_source: str | None = None
    lead_status: str | None = None
    industry: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(description="Last change: the cursor.")


class Activity(Contract):
    """One activity of a bulk activity export."""

    marketo_guid: Id = Field(description="The activity's unique id.")
    lead_id: Id | None = None
    activity_date: dt.datetime = Field(description="When it happened (UTC): the cursor.")
    activity_type_id: int | None = None
    campaign_id: Id | None = Field(default=None, description="The smart campaign that logged it, if any.")
    primary_attribute_value_id: Id | None = Field(default=None, description="For email activities: the email asset's id.")
    primary_attribute_value: str | None = Field(default=None, description="For email activities: the email's name.")
    attributes: str | None = Field(default=None, description="The activity's other attributes, as the JSON text of the file.")


class Program(Contract):
    """One program, from GET rest/asset/v1/programs.json."""

    id: Id
    name: str | None = None
    type: str | None = Field(default=None, description="Default, Event, Webinar, Engagement, Email.")
    channel: str | None = None
    status: str | None = None
    workspace: str | None = None
    url: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


API = Api(
    base_url="https://000-AAA-000.mktorest.com/",  # the instance's host replaces it (see MarketoConfig)
    auth=ClientCredentials("https://000-AAA-000.mktorest.com/identity/oauth/token"),
    errors=ErrorMap(
        "Marketo", code="errors.0.code", message=("errors.0.message",), request_id="requestId",
        codes={"601": Action.AUTH, "602": Action.AUTH, "603": Action.AUTH, "606": Action.RETRY, "615": Action.RETRY,
               "1029": Action.RETRY, "607": Action.FAIL, "1035": Action.FAIL},
        statuses={401: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the LaunchPoint service's client id and secret and its API user's role"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def bulk_export(kind: str, body: dict, window_field: str) -> AsyncReport:
    """A bulk extract job: created with the window in its filter, enqueued, polled, its CSV read."""
    base = f"bulk/v1/{kind}/export"
    return AsyncReport(
        name=f"{kind} export",
        create=Create(f"{base}/{{export_id}}/enqueue.json", method="POST", job_id="result.0.exportId",
                      prepare=Prepare(f"{base}/create.json", method="POST", body=body, keep={"export_id": "result.0.exportId"},
                                      window=WindowParams(f"filter.{window_field}.startAt", f"filter.{window_field}.endAt",
                                                          format=TIME, in_body=True))),
        poll=Poll(f"{base}/{{job_id}}/status.json", status="result.0.status", statuses=STATUSES, error="result.0.errorMsg"),
        download=Download(Csv(), path=f"{base}/{{job_id}}/file.json"),
        max_concurrent=2, deadline=timedelta(hours=2), first_poll=10, max_poll=60,
    )


def streams(config: MarketoConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else PROGRAM_PAGE
    return [
        AsyncReportStream(
            name="leads", description="Leads changed in each window (bulk lead extract): source, status, company.",
            report=bulk_export("leads", {"fields": list(LEAD_FIELDS), "format": "CSV", "filter": {}}, "updatedAt"),
            records=Records(rename=snake_case(*LEAD_FIELDS), formats={"created_at": ISO_DATETIME, "updated_at": ISO_DATETIME}),
            contract=Lead, primary_key=("id",),
            cursor=Cursor("updated_at", kind="datetime", lookback=timedelta(hours=1), window=timedelta(days=31)),
            unified=Maps("crm_funnel_daily", date=DayOf("created_at"), lead_source="lead_source", leads_created=COUNT,
                         meanings={"date": "the UTC day the lead was created", "lead_source": "the leadSource field",
                                   "leads_created": "leads (persons) created"}),
        ),
        AsyncReportStream(
            name="activities", description="New-lead and email activities (bulk activity extract).",
            report=bulk_export("activities", {"format": "CSV", "filter": {"activityTypeIds": ACTIVITY_TYPES}}, "createdAt"),
            records=Records(rename={**snake_case(*ACTIVITY_COLUMNS), "marketoGUID": "marketo_guid"},
                            formats={"activity_date": ISO_DATETIME}),
            contract=Activity, primary_key=("marketo_guid",),
            cursor=Cursor("activity_date", kind="datetime", lookback=timedelta(hours=1), window=timedelta(days=31)),
            unified=tuple(
                Maps("email_campaign_performance", date=DayOf("activity_date"), campaign_id="primary_attribute_value_id",
                     campaign_name="primary_attribute_value", channel=Const("email"), where=f"activity_type_id = {type_id}",
                     **{measure: COUNT},
                     meanings={"date": "the UTC day of the activity", "campaign_id": "the email asset (primaryAttributeValueId)",
                               measure: f"{label} activities (type {type_id})"})
                for type_id, measure, label in ((SEND, "sends", "Send Email"), (DELIVERED, "deliveries", "Email Delivered"),
                                                (BOUNCED, "bounces", "Email Bounced"), (UNSUBSCRIBED, "unsubscribes", "Unsubscribe Email"),
                                                (OPENED, "opens", "Open Email (machine opens included)"),
                                                (CLICKED, "clicks", "Click Email"))
            ),
        ),
        RestStream(
            name="programs", description="Programs: type, channel, status, workspace.", path="rest/asset/v1/programs.json",
            paginator=lambda: OffsetLimit(limit=size, offset_param="offset", limit_param="maxReturn"),
            records=Records("result", drop=("folder", "tags", "costs", "description"),
                            rename=snake_case("createdAt", "updatedAt"), formats={"created_at": ASSET_TIME, "updated_at": ASSET_TIME}),
            contract=Program, primary_key=("id",), cursor=FullRefresh("a few hundred programs per instance"),
        ),
    ]


connector = declare(
    "marketo", title="Marketo Engage", api=API, config=MarketoConfig, streams=streams, api_version="v1",
    docs_url="https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api", category="email",
    description="Leads and new-lead/email activities through bulk extract jobs, programs; email activity counts per email.",
    error_example={"requestId": "e42b#14272d07d78", "success": False, "errors": [{"code": "601", "message": "Access token invalid"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "MarketoConfig"]
