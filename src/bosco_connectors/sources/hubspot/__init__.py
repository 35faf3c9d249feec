"""HubSpot: the CRM objects, owners, pipelines and account of HubSpot's date-versioned API 2026-09, declared.

Reference: https://developers.hubspot.com/docs/api-reference/latest/overview ; the OpenAPI
descriptions are public (github.com/HubSpot/HubSpot-public-api-spec-collection,
``PublicApiSpecs/CRM/{Contacts,Companies,Deals}/Rollouts/424/2026-09``, ``CRM/Crm Owners``,
``CRM/Pipelines``, ``Account/Account Info``; shapes checked against them). Since 2026-03
HubSpot versions its APIs by date in the path (``/crm/objects/2026-09/contacts``); each date
version is supported 18 months, and the numeric ``/crm/v3/`` paths end in September 2027
(https://developers.hubspot.com/docs/api-reference/legacy/migration-guide). Base
``https://api.hubapi.com/``; a bearer token: a private app's (or service key's) access token,
or an OAuth app's refresh token exchanged at ``POST /oauth/2026-09/token``.

- CRM objects (contacts, companies, deals) are read through the search endpoint, ``POST
  /crm/objects/2026-09/{type}/search``, filtered by the object's last-modified property
  (``lastmodifieddate`` for contacts, ``hs_lastmodifieddate`` for the others) BETWEEN the window's
  bounds (Unix milliseconds), sorted ascending; the property list goes in the POST body (a long
  ``properties=`` query string on GET can exceed the URL limit). Paging: ``after`` from
  ``paging.next.after``, absent on the last page; at most 200 per page. A search pages through
  10,000 results at most (beyond, HubSpot answers 400): a window whose ``total`` is larger is
  read in halves, down to one second (`search.SearchStream`). Search is limited to 5 requests a
  second per account, the pace of the whole source (https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm,
  "Limitations"). New and changed records take "a few moments" to reach the search index: each
  run re-reads one hour.
- Deletions: the search never returns archived (deleted) records; ``GET /crm/objects/2026-09/{type}?archived=true``
  lists them (restorable for 90 days), read whole on every run so that a deleted record leaves
  the tables (`framework.deletions.DeletedRecords`).
- Errors: ``{status, message, correlationId, category}`` (the 429 body says ``errorType: RATE_LIMIT``);
  429 is retried after ``Retry-After``, ``INVALID_AUTHENTICATION``, ``EXPIRED_AUTHENTICATION`` and
  ``MISSING_SCOPES`` are credential problems (https://developers.hubspot.com/docs/api-reference/error-handling).

Unified: contacts and deals map into ``crm_funnel_daily`` on the account's days (its
``timeZone``): contacts created (leads, by original source), contacts that became sales
qualified leads, deals created (opportunities) and deals closed won with their amount.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import Field, SecretStr, model_validator

from ...framework import SourceConfig
from ...framework.auth import Bearer, OneOf, RefreshToken
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.deletions import DeletedRecords
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import EPOCH_MS_TEXT, WindowParams
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Account, Company, Contact, Deal, Owner, Pipeline
from .search import SearchStream

VERSION = "2026-09"
TOKEN_URL = f"https://api.hubapi.com/oauth/{VERSION}/token"
#: A private app's token, or an OAuth app's refresh token: exactly one.
CREDENTIAL = OneOf(Bearer("access_token"), RefreshToken(TOKEN_URL))
#: Search pages hold up to 200 records; list pages (owners, archived records) up to 100.
SEARCH_PAGE, LIST_PAGE = 200, 100
#: HubSpot was founded in 2006: a first run searches every record modified since.
BEGINNING = datetime(2006, 1, 1, tzinfo=timezone.utc)
#: Properties asked of each object: none that holds personal data (names, e-mails, phones).
CONTACT_PROPERTIES = ("createdate", "lastmodifieddate", "lifecyclestage", "hs_analytics_source", "hs_analytics_source_data_1",
                      "hs_lifecyclestage_lead_date", "hs_lifecyclestage_marketingqualifiedlead_date",
                      "hs_lifecyclestage_salesqualifiedlead_date", "hubspot_owner_id")
COMPANY_PROPERTIES = ("createdate", "hs_lastmodifieddate", "name", "domain", "industry", "lifecyclestage", "hubspot_owner_id")
DEAL_PROPERTIES = ("createdate", "hs_lastmodifieddate", "dealname", "pipeline", "dealstage", "amount", "deal_currency_code",
                   "closedate", "hs_is_closed_won", "hubspot_owner_id")
TIMES = ("createdAt", "updatedAt", "archivedAt", "createdate", "lastmodifieddate", "hs_lastmodifieddate", "closedate",
         "hs_lifecyclestage_lead_date", "hs_lifecyclestage_marketingqualifiedlead_date", "hs_lifecyclestage_salesqualifiedlead_date")


class HubspotConfig(SourceConfig):
    """Config of the ``hubspot`` source (plus the fields every source accepts)."""

    access_token: SecretStr | None = Field(default=None, description="A private app's (or service key's) access token, with the "
                                           "crm.objects.{contacts,companies,deals}.read and crm.objects.owners.read scopes.")
    client_id: str | None = Field(default=None, description="OAuth: the app's client id (with client_secret and refresh_token).")
    client_secret: SecretStr | None = Field(default=None, description="OAuth: the app's client secret.")
    refresh_token: SecretStr | None = Field(default=None, description="OAuth: a refresh token of a user of the account.")
    token_url: str | None = Field(default=None, description="OAuth token endpoint (default: HubSpot's).")
    page_size: int = Field(default=SEARCH_PAGE, ge=1, le=SEARCH_PAGE, description="Records per search page (at most 200).")
    requests_per_second: float = Field(default=5.0, gt=0, le=5.0, description="Pace: HubSpot's search allows 5 a second per account.")

    @model_validator(mode="after")
    def _one_credential(self) -> "HubspotConfig":
        if problem := CREDENTIAL.problem(self):
            raise ValueError(problem)
        return self


API = Api(
    base_url="https://api.hubapi.com/",
    auth=CREDENTIAL,
    errors=ErrorMap(
        "HubSpot", code=("errorType", "category"), message=("message",), request_id="correlationId",
        codes={"RATE_LIMIT": Action.RETRY, "RATE_LIMITS": Action.RETRY, "INVALID_AUTHENTICATION": Action.AUTH,
               "EXPIRED_AUTHENTICATION": Action.AUTH, "MISSING_SCOPES": Action.AUTH},
        statuses={429: Action.RETRY, 401: Action.AUTH, 403: Action.AUTH},
        hints={Action.AUTH: "check the token (or the OAuth app's refresh token) and its CRM read scopes"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
    retry=RetryPolicy(max_attempts=6, initial_wait=1.0, max_wait=30.0),
)

AFTER = lambda: CursorInBody("paging.next.after", "after")  # noqa: E731 - a paginator factory
ACCOUNT = dict(on=())  # the account of the credential: one per tenant
ZONE = Lookup("account", (), "time_zone", **ACCOUNT)


def crm_records() -> Records:
    """A page's ``results``: each record's ``properties`` beside its ``id``, times parsed."""
    return Records("results", flatten=("properties",), rename=snake_case("createdAt", "updatedAt", "archivedAt"),
                   formats={t: ISO_DATETIME for t in TIMES})


def search_body(modified: str, properties: tuple[str, ...]):
    """The search: changed within the window (`WINDOW` fills the bounds), oldest change first."""
    def body(ctx: Any) -> dict[str, Any]:
        size = ctx.config.page_size if ctx.config is not None else SEARCH_PAGE
        return {"filterGroups": [{"filters": [{"propertyName": modified, "operator": "BETWEEN"}]}],
                "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
                "properties": list(properties), "limit": size}
    return body


WINDOW = WindowParams("filterGroups.0.filters.0.value", "filterGroups.0.filters.0.highValue", format=EPOCH_MS_TEXT, in_body=True)


def crm_object(name: str, object_type: str, modified: str, properties: tuple[str, ...], contract: type, description: str,
               unified: Any = None) -> SearchStream:
    return SearchStream(
        name=name, description=description, path=f"crm/objects/{VERSION}/{object_type}/search", method="POST",
        params=search_body(modified, properties), window=WINDOW, paginator=AFTER, records=crm_records(),
        contract=contract, primary_key=("id",),
        cursor=Cursor("updated_at", kind="datetime", lookback=timedelta(hours=1), initial=BEGINNING),
        deleted=DeletedRecords(path=f"crm/objects/{VERSION}/{object_type}", method="GET",
                               params={"archived": "true", "limit": LIST_PAGE}, paginator=AFTER,
                               description=f"{object_type} deleted (archived) at HubSpot"),
        unified=unified,
    )


MEANINGS = {
    "date": "the day in the account's time zone (account-info timeZone)",
    "lead_source": "hs_analytics_source: the contact's original source (ORGANIC_SEARCH, PAID_SEARCH, EMAIL_MARKETING, ...)",
}


def streams(config: HubspotConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="account", description="The credential's account: time zone and company currency.",
            path=f"account-info/{VERSION}/details", paginator=SinglePage,
            records=Records(rename=snake_case("portalId", "accountType", "timeZone", "companyCurrency", "utcOffset",
                                              "utcOffsetMilliseconds", "uiDomain", "dataHostingLocation")),
            contract=Account, primary_key=("portal_id",), cursor=FullRefresh("one account per credential, current settings only"),
        ),
        RestStream(
            name="owners", description="Owners (users and queues records are assigned to), without e-mail.",
            path=f"crm/owners/{VERSION}", params={"limit": LIST_PAGE}, paginator=AFTER,
            records=Records("results", drop=("email",), rename=snake_case("firstName", "lastName", "userId",
                                                                          "userIdIncludingInactive", "createdAt", "updatedAt"),
                            formats={"createdAt": ISO_DATETIME, "updatedAt": ISO_DATETIME}),
            contract=Owner, primary_key=("id",), cursor=FullRefresh("GET /crm/owners takes no updated-since filter; an account has few owners"),
        ),
        RestStream(
            name="deal_pipelines", description="Deal pipelines and their stages (labels of dealstage and pipeline ids).",
            path=f"crm/pipelines/{VERSION}/deals", paginator=SinglePage,
            records=Records("results", rename=snake_case("displayOrder", "createdAt", "updatedAt", "archivedAt"),
                            formats={"createdAt": ISO_DATETIME, "updatedAt": ISO_DATETIME}),
            contract=Pipeline, primary_key=("id",), cursor=FullRefresh("the pipelines endpoint answers all pipelines in one page"),
        ),
        crm_object(
            "contacts", "contacts", "lastmodifieddate", CONTACT_PROPERTIES, Contact,
            "Contacts without personal data: original source, lifecycle stage and the days each stage was reached.",
            unified=(
                Maps("crm_funnel_daily", date=DayOf("createdate", ZONE), lead_source="hs_analytics_source", leads_created=COUNT,
                     meanings={**MEANINGS, "leads_created": "contacts created (createdate), whatever their lifecycle stage"}),
                Maps("crm_funnel_daily", date=DayOf("hs_lifecyclestage_salesqualifiedlead_date", ZONE),
                     lead_source="hs_analytics_source", qualified=COUNT, where="hs_lifecyclestage_salesqualifiedlead_date is not null",
                     meanings={**MEANINGS, "qualified": "contacts that became a sales qualified lead that day "
                                                        "(hs_lifecyclestage_salesqualifiedlead_date)"}),
            ),
        ),
        crm_object("companies", "companies", "hs_lastmodifieddate", COMPANY_PROPERTIES, Company,
                   "Companies: name, domain, industry, lifecycle stage."),
        crm_object(
            "deals", "deals", "hs_lastmodifieddate", DEAL_PROPERTIES, Deal,
            "Deals: pipeline, stage, amount in the deal's currency, close date, won or not.",
            unified=(
                Maps("crm_funnel_daily", date=DayOf("createdate", ZONE), opportunities_created=COUNT,
                     meanings={"date": MEANINGS["date"], "opportunities_created": "deals created (createdate), every pipeline"}),
                Maps("crm_funnel_daily", date=DayOf("closedate", ZONE), won=COUNT, won_amount="amount", currency="deal_currency_code",
                     where="hs_is_closed_won",
                     meanings={"date": "the deal's close date (closedate) in the account's time zone",
                               "won": "deals whose stage is a closed-won stage (hs_is_closed_won)",
                               "won_amount": "amount: the deal's amount in its own currency, as entered (not the "
                                             "company-currency amount)", "currency": "deal_currency_code"}),
            ),
        ),
    ]


connector = declare(
    "hubspot", title="HubSpot", api=API, config=HubspotConfig, streams=streams, api_version=VERSION,
    docs_url="https://developers.hubspot.com/docs/api-reference/latest/overview", category="crm",
    description="CRM contacts, companies and deals (search by last change, deletions applied), owners, deal pipelines.",
    supported_until=None,
    support_policy="each date version is supported 18 months after its release (2026-09: until March 2028)",
    error_example={"status": "error", "message": "One or more of the following scopes are required.",
                   "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf", "category": "MISSING_SCOPES"},
)
source = source_function(connector)

__all__ = ["connector", "source", "HubspotConfig"]
