"""Salesforce: leads, contacts, opportunities, campaigns and campaign members through the REST
API's SOQL ``queryAll``, by ``SystemModstamp``, deletions included, declared.

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
- Bulk API 2.0 (query jobs, for very large objects) is not declared: its results are paged by
  the ``Sforce-Locator`` response header, which the declared job download does not follow.
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
from typing import Any, Mapping

from pydantic import Field, SecretStr, model_validator

from ...framework import SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.deletions import SoftDelete
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.paginators import NextUrlInBody, SinglePage
from ...framework.params import WindowParams, render_bound
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
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


def sobject_stream(name: str, sobject: str, contract: type, description: str, unified: Any = None,
                   extra: tuple[str, ...] = ()) -> RestStream:
    fields = OBJECTS[sobject] + extra
    return RestStream(
        name=name, description=description, path=DATA + "queryAll", params=soql(sobject, fields), window=Modstamp(),
        paginator=lambda: NextUrlInBody("nextRecordsUrl"), records=records(fields),
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
    description="CRM leads, contacts, opportunities, campaigns and members by SystemModstamp (queryAll: deletions applied).",
    support_policy="API versions stay available for years; Salesforce retires the oldest (21.0-30.0 in 2025) with notice",
    error_example=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
)
source = source_function(connector)

__all__ = ["connector", "source", "SalesforceConfig"]
