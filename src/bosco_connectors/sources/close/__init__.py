"""Close: leads, opportunities and activities of the Close REST API v1, declared.

Reference: https://developer.close.com/api/overview (API v1, base ``https://api.close.com/api/v1/``);
Close's OpenAPI description is published at https://api.close.com/api/openapi.json (paths,
parameters and the Lead/Opportunity/ActivityBase schemas checked against a copy of it,
github.com/api-evangelist/close ``openapi/close-openapi.yml``).

- Auth: the organization's API key as the HTTP basic user name with an empty password
  (https://developer.close.com/api/overview/api-key-authentication).
- Paging: ``_skip``/``_limit`` with ``has_more`` in the answer; a maximum ``_skip`` per resource
  (a 400 past it), so large lists are read in date windows
  (https://developer.close.com/api/overview/pagination). The event log pages with ``_cursor``
  from ``cursor_next`` (null on the last page), at most 50 events a page.
- Opportunities: ``date_updated__gte``/``date_updated__lt`` from the last change read (a first
  run from 2013: an opportunity opened years ago may be won today), ordered by ``date_updated``;
  changes are written at once, each run re-reads one hour. A first run pages one range (a known
  limit: past the resource's maximum ``_skip`` Close answers 400; windowed steps from 2013 would
  need the kit to replay hundreds of windows).
- Activities: ``date_created__gte``/``date_created__lt`` weekly windows from ``start_date`` (only ``date_created`` and
  ``activity_at`` filter activities, and ``activity_at`` only for one lead); an edited activity
  does not move its ``date_created``, so the look-back is one day.
- Leads: ``GET /lead/`` takes no filter besides ``_skip``/``_limit``/``_fields`` (filtering is the
  Advanced Filtering API's), so every run reads all leads (`FullRefresh`).
- Deletions: the event log (``GET /event/?object_type=lead&action=deleted``, and ``opportunity``)
  keeps 30 days; read whole on every run, each event's ``object_id`` deletes that record.
- Personal data: ``_fields`` asks only for ids, statuses, sources, money and times (no contact
  names, e-mails, phones, notes or message bodies).
- Errors: 401 (not authenticated), 402 (a plan limit) and 403 are credential or plan problems;
  429 is retried after ``retry-after`` (https://developer.close.com/api/overview/rate-limits,
  ``/http-response-codes``); Close publishes no error body (its OpenAPI types them "any"); the
  official Python client's tests answer validation errors ``{"errors": [...], "field-errors": {...}}``
  and a 429 with an empty object and ``Retry-After``/``RateLimit`` headers.

Unified: leads created (by ``source``) and opportunities created and won (``date_won``, with
``value`` from minor units by ``value_currency``) map into ``crm_funnel_daily``; Close states
times in UTC, so created days are UTC days; ``date_won`` is Close's own date.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import Basic
from ...framework.currencies import ISO_4217
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.deletions import DeletedRecords
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.paginators import CursorInBody, OffsetLimit
from ...framework.params import WindowParams
from ...framework.records import ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from .contracts import Activity, Lead, Opportunity

MAX_PAGE = 100
#: Close was founded in 2013: a first run reads every record since.
BEGINNING = datetime(2013, 1, 1, tzinfo=timezone.utc)
#: The event log's page is capped at (and defaults to) 50 events.
EVENT_PAGE = 50
LEAD_FIELDS = "id,display_name,status_id,status_label,source,organization_id,created_by,date_created,date_updated"
OPPORTUNITY_FIELDS = ("id,lead_id,status_id,status_label,status_type,pipeline_id,value,value_currency,value_period,confidence,"
                      "user_id,organization_id,date_created,date_updated,date_won,date_lost")
ACTIVITY_FIELDS = "id,_type,lead_id,contact_id,user_id,organization_id,activity_at,date_created,date_updated"
#: Every field of an event but the deleted object's id (and the event's time), which become the row.
EVENT_FIELDS = ("id", "date_created", "action", "object_type", "lead_id", "user_id", "request_id", "organization_id",
                "api_key_id", "oauth_client_id", "oauth_scope", "changed_fields", "previous_data", "data", "meta")
DATE_FILTER = "%Y-%m-%dT%H:%M:%S+00:00"


class CloseConfig(SourceConfig):
    """Config of the ``close`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="An API key of the organization (Settings > Developer > API keys).")
    page_size: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE, description="Records per page.")
    requests_per_second: float = Field(default=10.0, gt=0, description="Pace: Close limits each API key (20 a second in its example) "
                                       "and the organization (three keys' worth).")


API = Api(
    base_url="https://api.close.com/api/v1/",
    auth=Basic("api_key", None),
    errors=ErrorMap(
        # Close documents no error body; its official client's tests show validation errors as
        # {"errors": [...], "field-errors": {...}}: a listed error is an error whatever the status
        "Close", code="errors.0", message=("error", "errors.0"),
        statuses={429: Action.RETRY, 401: Action.AUTH, 402: Action.AUTH, 403: Action.AUTH},
        hints={Action.AUTH: "check the API key (sent as the basic-auth user name) and the organization's plan"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def pages(size: int):
    return lambda: OffsetLimit(limit=size, offset_param="_skip", limit_param="_limit")


def deleted_events(object_type: str) -> DeletedRecords:
    """The event log's deletions of one object type (30 days of them): the object's id deletes its row."""
    return DeletedRecords(
        path="event/", params={"object_type": object_type, "action": "deleted", "_limit": EVENT_PAGE},
        paginator=lambda: CursorInBody("cursor_next", "_cursor"),
        records=Records("data", drop=EVENT_FIELDS, rename={"object_id": "id"}, formats={"date_updated": ISO_DATETIME}),
        description=f"{object_type}s deleted in the last 30 days (the event log)")


def streams(config: CloseConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE
    return [
        RestStream(
            name="leads", description="Leads (companies): status, source, times; no contacts.", path="lead/",
            params={"_fields": LEAD_FIELDS}, paginator=pages(size),
            records=Records("data", formats={"date_created": ISO_DATETIME, "date_updated": ISO_DATETIME}),
            contract=Lead, primary_key=("id",),
            cursor=FullRefresh("GET /lead/ filters by nothing but _skip/_limit/_fields (filtering is the Advanced Filtering API's)"),
            deleted=deleted_events("lead"),
            unified=Maps("crm_funnel_daily", date=DayOf("date_created"), lead_source="source", leads_created=COUNT,
                         meanings={"date": "the UTC day the lead was created (Close's times are UTC)",
                                   "lead_source": "source: the lead's source as entered in Close",
                                   "leads_created": "leads (companies) created"}),
        ),
        RestStream(
            name="opportunities", description="Opportunities: status, value in minor units of its currency, won date.",
            path="opportunity/", params={"_fields": OPPORTUNITY_FIELDS, "_order_by": "date_updated"},
            window=WindowParams("date_updated__gte", "date_updated__lt", format=DATE_FILTER, end_exclusive=True),
            paginator=pages(size),
            records=Records("data", formats={"date_created": ISO_DATETIME, "date_updated": ISO_DATETIME, "date_lost": ISO_DATETIME}),
            contract=Opportunity, primary_key=("id",),
            cursor=Cursor("date_updated", kind="datetime", lookback=timedelta(hours=1), initial=BEGINNING),
            deleted=deleted_events("opportunity"),
            unified=(
                Maps("crm_funnel_daily", date=DayOf("date_created"), opportunities_created=COUNT,
                     meanings={"date": "the UTC day the opportunity was created",
                               "opportunities_created": "opportunities created, every pipeline"}),
                Maps("crm_funnel_daily", date="date_won", won=COUNT, won_amount="value", currency="value_currency",
                     where="status_type = 'won'", units={"won_amount": ISO_4217},
                     meanings={"date": "date_won: the day Close records the opportunity as won",
                               "won": "opportunities whose status type is won",
                               "won_amount": "value, from the minor unit of value_currency; a monthly or annual "
                                             "opportunity's value is one period's (value_period), not annualized"}),
            ),
        ),
        RestStream(
            name="activities", description="Activities of every type (calls, e-mails, notes, meetings...), without content.",
            path="activity/", params={"_fields": ACTIVITY_FIELDS},
            window=WindowParams("date_created__gte", "date_created__lt", format=DATE_FILTER, end_exclusive=True),
            paginator=pages(size),
            records=Records("data", rename={"_type": "activity_type"},
                            formats={"activity_at": ISO_DATETIME, "date_created": ISO_DATETIME, "date_updated": ISO_DATETIME}),
            contract=Activity, primary_key=("id",),
            cursor=Cursor("date_created", kind="datetime", lookback=timedelta(days=1), window=timedelta(days=7)),
        ),
    ]


connector = declare(
    "close", title="Close", api=API, config=CloseConfig, streams=streams, api_version="v1",
    docs_url="https://developer.close.com/api/overview", category="crm",
    description="CRM leads, opportunities (by last change) and activities; deletions from the event log.",
    error_example={"errors": [], "field-errors": {"lead": "This field is required."}},
)
source = source_function(connector)

__all__ = ["connector", "source", "CloseConfig"]
