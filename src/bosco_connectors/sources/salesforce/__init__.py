"""Salesforce: leads, contacts, opportunities, campaigns and campaign members through the REST
API's SOQL ``queryAll`` (incremental runs) and Bulk API 2.0 query jobs (backfills), by
``SystemModstamp``, deletions included, declared.

Reference: REST API Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/
(resources ``queryAll`` and ``query``, API version 66.0, Spring '26; Winter '27's 68.0 is the newest,
the query resource and its answer are the same); fields from the Object Reference
(https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/).

- Host: the org's own instance (``instance_url``: ``https://<my-domain>.my.salesforce.com``);
  paths ``services/data/v66.0/...``. Auth: an OAuth connected app's refresh token exchanged at
  ``<instance>/services/oauth2/token`` (or login/test.salesforce.com); a bearer token.
- Records by change: ``GET services/data/v66.0/queryAll?q=SELECT ... FROM <Object> WHERE
  SystemModstamp >= <from> AND SystemModstamp <= <to> ORDER BY SystemModstamp ASC``.
  ``SystemModstamp`` moves on every change, by users or by the system (a roll-up, a
  conversion), where ``LastModifiedDate`` does not; ``queryAll`` also answers deleted records
  (``IsDeleted = true``, in the recycle bin about 15 days), so a deleted lead leaves the tables
  (`SoftDelete`). Batches of up to 2,000 records; ``nextRecordsUrl`` (a path on the instance)
  gives the next, absent when ``done`` is true. Changes are visible at once: each run re-reads
  one hour. A first run reads every record (from 1999).
- Backfills through Bulk API 2.0 query jobs (Bulk API 2.0 and Bulk API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/, "Bulk API 2.0
  Query"): a read of more than ``bulk_after_days`` (30) days of changes (a first run, which reads
  from 1999; a reset; a month without runs) is one query job per object instead of thousands of
  2,000-record pages, as Salesforce advises for large results (2,000 records or more), and it
  does not spend the org's REST request allowance page by page. ``POST jobs/query``
  ``{"operation": "queryAll", "query": ..., "contentType": "CSV"}`` with the same SELECT and
  ``SystemModstamp`` window (without ``ORDER BY``: Bulk API 2.0 does not support it, and it
  would turn off PK chunking), polled at
  ``jobs/query/{id}`` (``UploadComplete`` and ``InProgress`` wait, ``JobComplete`` is done,
  ``Failed`` and ``Aborted`` fail with the job's ``errorMessage``; a failed or aborted job is
  started once more, then the sync fails naming its state and reason), read at ``jobs/query/{id}/results`` in sets of
  ``bulk_page_size`` records (``maxRecords``), each set's ``Sforce-Locator`` header naming the
  next (``?locator=``; the text ``"null"`` on the last) and ``Sforce-NumberOfRecords`` its count
  (checked). Each set goes to a temporary file and is read in batches: memory stays flat.
  CSV is text: an empty cell is null (Salesforce keeps no empty text), booleans are
  ``true``/``false``, numbers plain, a parent's field a column named ``Campaign.Name``; each
  row is turned back into the record the REST answer holds (``Campaign`` an object, or null
  when all its columns are empty) and shaped by the same declaration: same columns, types,
  keys, cursor and deletions (``queryAll``: ``IsDeleted`` rows leave the tables). Incremental
  runs stay on REST ``queryAll``: a job's queueing costs more than a few pages.
  ``bulk = "always"`` or ``"never"`` overrides the choice. Limits: 10,000 query jobs and 1 TB
  of results a rolling 24 hours per org (a backfill makes five jobs); results come compressed
  (``Accept-Encoding: gzip``) and are inflated under the download cap. Not declared: parallel
  result sets (``resultPages``, API 58.0+). The Bulk guide shows no datetime in a query result,
  so both REST's form (``+0000``) and ``Z`` (the Bulk guide's date format) are read.
- Errors: a list ``[{"message", "errorCode"}]``; ``INVALID_SESSION_ID`` (a refreshed token is
  tried once) and ``INVALID_AUTH_HEADER`` are credential problems; ``REQUEST_LIMIT_EXCEEDED``
  (the org's API request limits, 403) is retried; ``QUERY_TIMEOUT`` splits the window.
- Money: ``Amount`` in the org's currency, or the record's ``CurrencyIsoCode`` in a
  multi-currency org (``multi_currency: true`` asks for it; a single-currency org has no such
  field and would refuse the query).

Unified: leads created (by ``LeadSource``) and converted (``ConvertedDate``), opportunities
created (by ``LeadSource`` and primary campaign) and won (``IsWon`` on ``CloseDate``, with
``Amount``) into ``crm_funnel_daily``; creation days in the org's time zone
(``Organization.TimeZoneSidKey``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Literal, Mapping, get_args

from pydantic import Field, SecretStr, model_validator

from ...framework import SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.deletions import SoftDelete
from ...framework.errormap import Action, ErrorMap
from ...framework.errors import ResponseFormatError
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.files import Csv
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, Create, Download, Poll, RestStreamWithJob
from ...framework.locator import HeaderLocator
from ...framework.paginators import NextUrlInBody, SinglePage
from ...framework.params import WindowParams, render_bound
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Campaign, CampaignMember, Contact, Lead, Opportunity, Organization

VERSION = "v66.0"
DATA = f"services/data/{VERSION}/"
#: Salesforce opened in 1999: a first run reads every record changed since.
BEGINNING = datetime(1999, 1, 1, tzinfo=timezone.utc)
SOQL_TIME = "%Y-%m-%dT%H:%M:%SZ"
COMMON = ("Id", "IsDeleted", "CreatedDate", "SystemModstamp")
OBJECTS: dict[str, tuple[str, ...]] = {
    "Lead": COMMON + ("OwnerId", "Status", "LeadSource", "Company", "Industry", "IsConverted", "ConvertedDate",
                      "ConvertedOpportunityId", "ConvertedContactId"),
    "Contact": COMMON + ("OwnerId", "AccountId", "LeadSource"),
    "Opportunity": COMMON + ("OwnerId", "AccountId", "Name", "StageName", "Amount", "Probability", "CloseDate", "IsClosed",
                             "IsWon", "LeadSource", "Type", "ForecastCategory", "CampaignId", "Campaign.Name"),
    "Campaign": COMMON + ("Name", "Type", "Status", "IsActive", "StartDate", "EndDate", "BudgetedCost", "ActualCost",
                          "ExpectedRevenue", "NumberSent", "ParentId"),
    "CampaignMember": COMMON + ("CampaignId", "LeadId", "ContactId", "Status", "HasResponded", "FirstRespondedDate"),
}
ORGANIZATION = ("Id", "Name", "TimeZoneSidKey", "DefaultLocaleSidKey", "Country")


class SalesforceConfig(SourceConfig):
    """Config of the ``salesforce`` source (plus the fields every source accepts)."""

    instance_url: str | None = Field(default=None, description="The org's instance, https://<my-domain>.my.salesforce.com.")
    client_id: str = Field(description="The connected app's consumer key.")
    client_secret: SecretStr = Field(description="The connected app's consumer secret.")
    refresh_token: SecretStr = Field(description="A refresh token of an integration user (scopes api, refresh_token).")
    token_url: str | None = Field(default=None, description="OAuth token endpoint (default: the instance's /services/oauth2/token).")
    multi_currency: bool = Field(default=False, description="The org has multiple currencies: ask for each opportunity's CurrencyIsoCode.")
    bulk: Literal["backfill", "always", "never"] = Field(
        default="backfill", description="Read through Bulk API 2.0 query jobs: for backfills (reads longer than bulk_after_days), "
                                        "always, or never (REST queryAll pages only).")
    bulk_after_days: int = Field(default=30, ge=1, description="A read of more days of changes than this is a backfill (Bulk API 2.0).")
    bulk_page_size: int = Field(default=50_000, ge=1, le=1_000_000,
                                description="Records per Bulk API 2.0 result set (maxRecords); each set is one request.")
    requests_per_second: float = Field(default=5.0, gt=0, description="Pace; Salesforce counts API requests per org per 24 hours.")

    @model_validator(mode="after")
    def _instance(self) -> "SalesforceConfig":
        if self.base_url is None:
            if not self.instance_url:
                raise ValueError("instance_url is required (https://<my-domain>.my.salesforce.com), or set base_url")
            self.base_url = self.instance_url.rstrip("/") + "/"
        if self.token_url is None:
            self.token_url = self.base_url.rstrip("/") + "/services/oauth2/token"
        return self


API = Api(
    base_url="https://login.salesforce.com/",  # the org's instance replaces it (see SalesforceConfig)
    auth=RefreshToken("https://login.salesforce.com/services/oauth2/token"),
    errors=ErrorMap(
        "Salesforce", code="0.errorCode", message=("0.message",),
        codes={"INVALID_SESSION_ID": Action.AUTH, "INVALID_AUTH_HEADER": Action.AUTH, "API_DISABLED_FOR_ORG": Action.AUTH,
               "REQUEST_LIMIT_EXCEEDED": Action.RETRY, "QUERY_TIMEOUT": Action.SPLIT, "SERVER_UNAVAILABLE": Action.RETRY},
        statuses={401: Action.AUTH},
        hints={Action.AUTH: "check the connected app, the refresh token and the user's API Enabled permission"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


_RANGE = re.compile(r" WHERE SystemModstamp >= (?P<start>\S+) AND SystemModstamp <= (?P<end>\S+)")


@dataclass(frozen=True)
class Modstamp(WindowParams):
    """The window as the query's condition, ``WHERE SystemModstamp >= <from> AND SystemModstamp <= <to>``
    (SOQL datetime literals, unquoted, UTC), written before its ``ORDER BY``. `parse` reads the
    bounds back and `without` gives the declared query (the generated fake tells the objects'
    streams, all on ``queryAll``, apart by it)."""

    start: str = "q"
    format: str = SOQL_TIME

    def apply(self, params: dict[str, Any], window: Any) -> None:
        if window.start is None or window.end is None:
            return
        text = str(params[self.start])
        condition = (f" WHERE SystemModstamp >= {render_bound(window.start, SOQL_TIME)}"
                     f" AND SystemModstamp <= {render_bound(window.end, SOQL_TIME, end=True)}")
        at = text.find(" ORDER BY ")
        params[self.start] = text + condition if at < 0 else text[:at] + condition + text[at:]

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        found = _RANGE.search(str(params.get(self.start) or ""))
        return (found.group("start"), found.group("end")) if found else (None, None)

    def without(self, params: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(params)
        out[self.start] = _RANGE.sub("", str(params.get(self.start) or ""))
        return out


def soql(sobject: str, fields: tuple[str, ...]) -> dict[str, str]:
    """``q=``: the object's records, oldest change first (`Modstamp` adds the window)."""
    return {"q": f"SELECT {', '.join(fields)} FROM {sobject} ORDER BY SystemModstamp ASC"}


def columns(fields: tuple[str, ...]) -> dict[str, str]:
    plain = snake_case(*(f for f in fields if "." not in f), "CurrencyIsoCode")
    return {**plain, **{f: snake_case(f.split(".")[0])[f.split(".")[0]] + "_" + snake_case(f.split(".")[1])[f.split(".")[1]]
                        for f in fields if "." in f}}


def records(fields: tuple[str, ...]) -> Records:
    names = columns(fields)
    times = [names[f] for f in ("CreatedDate", "SystemModstamp") if f in names]
    return Records("records", drop=("attributes",), rename=names, formats={t: ISO_DATETIME for t in times})


# -- Bulk API 2.0: backfills -------------------------------------------------------------------


def is_backfill(ctx: ReadContext) -> bool:
    """True when this read goes through a Bulk API 2.0 query job (see the module docstring)."""
    mode = getattr(ctx.config, "bulk", "backfill")
    if mode != "backfill":
        return mode == "always"
    start, end = ctx.window.start, ctx.window.end
    if start is None or end is None:
        return True
    return end - start > timedelta(days=ctx.config.bulk_after_days)


def bulk_query(sobject: str, fields: tuple[str, ...]) -> AsyncReport:
    """One Bulk API 2.0 ``queryAll`` job of the object's changes in the window, its CSV result read set by set."""
    return AsyncReport(
        name=f"Bulk API 2.0 query of {sobject}",
        create=Create(DATA + "jobs/query", job_id="id", window=Modstamp("query", in_body=True),
                      body={"operation": "queryAll", "query": f"SELECT {', '.join(fields)} FROM {sobject}",
                            "contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}),
        poll=Poll(DATA + "jobs/query/{job_id}", status="state", error="errorMessage",
                  statuses={"UploadComplete": RUNNING, "InProgress": RUNNING, "JobComplete": DONE,
                            "Failed": FAILED, "Aborted": FAILED}),
        download=Download(Csv(), path=DATA + "jobs/query/{job_id}/results", headers={"Accept": "text/csv"},
                          pages=HeaderLocator("Sforce-Locator", "locator", last="null", size_param="maxRecords",
                                              size="bulk_page_size", count_header="Sforce-NumberOfRecords")),
        deadline=timedelta(hours=2), attempts=2, first_poll=2.0, max_poll=30.0,
    )


_TRUE_FALSE = {"true": True, "false": False}


def _kind(annotation: Any) -> type | None:
    for kind in (bool, int, Decimal, float):
        if annotation is kind or kind in get_args(annotation):
            return kind
    return None


def from_csv(fields: tuple[str, ...], contract: type) -> Callable[[dict[str, str]], dict[str, Any]]:
    """A Bulk API 2.0 CSV row -> the record as REST's JSON holds it: an empty cell null, ``true``/
    ``false`` booleans, numbers exact (the contract says which fields), ``Campaign.Name`` inside a
    ``Campaign`` object (null when all its cells are empty); dates and datetimes stay text, as in JSON."""
    names = columns(fields)
    model = getattr(contract, "model_fields", {})
    kinds = {f: _kind(model[names[f]].annotation) for f in fields if f in names and names[f] in model}

    def typed(name: str, text: str) -> Any:
        if text == "":
            return None
        kind = kinds.get(name)
        if kind is None:
            return text
        try:
            if kind is bool:
                return _TRUE_FALSE[text.strip().lower()]
            number = Decimal(text)
            return int(number) if kind is int else float(number) if kind is float else number
        except (KeyError, InvalidOperation, ValueError):
            raise ResponseFormatError(f"Bulk API result: {name} holds {text[:40]!r}, not a {kind.__name__}") from None

    def convert(row: dict[str, str]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        parents: dict[str, dict[str, Any]] = {}
        for name, text in row.items():
            if "." in name:
                parent, child = name.split(".", 1)
                parents.setdefault(parent, {})[child] = typed(name, text)
            else:
                record[name] = typed(name, text)
        for parent, values in parents.items():
            record[parent] = values if any(v is not None for v in values.values()) else None
        return record

    return convert


def sobject_stream(name: str, sobject: str, contract: type, description: str, unified: Any = None,
                   extra: tuple[str, ...] = ()) -> RestStream:
    """An object's records by change: REST ``queryAll`` pages, a Bulk API 2.0 job for a backfill."""
    fields = OBJECTS[sobject] + extra
    return RestStreamWithJob(
        name=name, description=description, path=DATA + "queryAll", params=soql(sobject, fields), window=Modstamp(),
        paginator=lambda: NextUrlInBody("nextRecordsUrl"), records=records(fields),
        report=bulk_query(sobject, fields), use_job=is_backfill, job_record=from_csv(fields, contract),
        contract=contract, primary_key=("id",),
        cursor=Cursor("system_modstamp", kind="datetime", lookback=timedelta(hours=1), initial=BEGINNING),
        deleted=SoftDelete("is_deleted"), unified=unified,
    )


ZONE = Lookup("organization", (), "time_zone_sid_key", on=())
DAY = "the day in the org's time zone (Organization.TimeZoneSidKey)"


def streams(config: SalesforceConfig | None) -> list[Stream]:
    currency = ("CurrencyIsoCode",) if config is not None and config.multi_currency else ()
    return [
        RestStream(
            name="organization", description="The org: its default time zone and locale.", path=DATA + "query",
            params={"q": f"SELECT {', '.join(ORGANIZATION)} FROM Organization"}, paginator=SinglePage,
            records=Records("records", drop=("attributes",), rename=snake_case(*ORGANIZATION)),
            contract=Organization, primary_key=("id",), cursor=FullRefresh("one org per instance, current settings only"),
        ),
        sobject_stream("leads", "Lead", Lead, "Leads without names or e-mails: status, source, conversion.", unified=(
            Maps("crm_funnel_daily", date=DayOf("created_date", ZONE), lead_source="lead_source", leads_created=COUNT,
                 meanings={"date": DAY, "lead_source": "LeadSource", "leads_created": "leads created"}),
            Maps("crm_funnel_daily", date="converted_date", lead_source="lead_source", qualified=COUNT, where="is_converted",
                 meanings={"date": "ConvertedDate: the day the lead was converted (a date in Salesforce)",
                           "qualified": "leads converted into a contact, account and opportunity"}),
        )),
        sobject_stream("contacts", "Contact", Contact, "Contacts without names or e-mails: account, owner, source."),
        sobject_stream("opportunities", "Opportunity", Opportunity, "Opportunities: stage, amount, close date, won, primary campaign.",
                       extra=currency, unified=(
            Maps("crm_funnel_daily", date=DayOf("created_date", ZONE), lead_source="lead_source", campaign="campaign_name",
                 opportunities_created=COUNT,
                 meanings={"date": DAY, "campaign": "Campaign.Name: the primary campaign source", "opportunities_created": "opportunities created"}),
            Maps("crm_funnel_daily", date="close_date", lead_source="lead_source", campaign="campaign_name", won=COUNT,
                 won_amount="amount", currency="currency_iso_code", where="is_won",
                 meanings={"date": "CloseDate of a won opportunity", "won": "opportunities whose stage is a won stage (IsWon)",
                           "won_amount": "Amount in the org's currency (CurrencyIsoCode's in a multi-currency org)",
                           "currency": "CurrencyIsoCode (multi-currency orgs; NULL otherwise: the org's currency)"}),
        )),
        sobject_stream("campaigns", "Campaign", Campaign, "Campaigns: type, status, dates, costs, expected revenue."),
        sobject_stream("campaign_members", "CampaignMember", CampaignMember, "Campaign members: lead or contact, status, responded."),
    ]


connector = declare(
    "salesforce", title="Salesforce", api=API, config=SalesforceConfig, streams=streams, api_version=VERSION,
    docs_url="https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/", category="crm",
    description="CRM leads, contacts, opportunities, campaigns and members by SystemModstamp (queryAll: deletions applied; "
                "backfills through Bulk API 2.0 query jobs).",
    support_policy="API versions stay available for years; Salesforce retires the oldest (21.0-30.0 in 2025) with notice",
    error_example=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
)
source = source_function(connector)

__all__ = ["connector", "source", "SalesforceConfig", "bulk_query", "from_csv", "is_backfill"]
