"""Zoho CRM: leads, deals and campaigns of Zoho CRM's REST API v7, with deletions, declared.

Reference: https://www.zoho.com/crm/developer/docs/api/v7/ (API v7); shapes checked against
Zoho's own SDK for v7 (github.com/zoho/zohocrm-php-sdk-7.0: ``record/RecordOperations.php``,
``Info.php``, ``DeletedRecord.php``, ``SearchRecordsParam.php``, ``APIException.php``, the field
constants of ``Leads.php``, ``Deals.php``, ``Campaigns.php``, ``org/Org.php``, ``dc/*.php``).

- Hosts per data centre: ``https://www.zohoapis.{com,eu,in,com.au,jp,ca,com.cn}/crm/v7/`` and the
  accounts server of the same centre for tokens (``accounts.zoho.{dc}``; Canada's is
  ``accounts.zohocloud.ca``), from the SDK's ``dc`` classes; ``data_center`` picks both.
- Auth: an OAuth self-client's refresh token exchanged at ``/oauth/v2/token``; the access token
  goes as ``Authorization: Zoho-oauthtoken <token>`` (one hour).
- Records by last change: ``GET /crm/v7/{Module}/search?criteria=(Modified_Time:between:{from},{to})``
  (the list endpoint filters changes only through an ``If-Modified-Since`` header, which the
  window machinery does not send), ``converted=both`` for leads (the search leaves converted
  leads out otherwise), ``fields`` listing the columns (v7 requires it), ``page``/``per_page``
  (at most 200) with ``info.more_records`` false on the last page; no match answers 204 with no
  body. A search pages through 2,000 records at most: a window with more is read in halves
  (`SearchCap`). Changes are indexed at once: each run re-reads one hour.
- Deletions: ``GET /crm/v7/{Module}/deleted?type=all`` lists records in the recycle bin and
  permanently deleted ones (``page``/``per_page``, ``info.more_records``), read whole every run.
- Errors: ``{"code", "details", "message", "status": "error"}``; ``INVALID_TOKEN``,
  ``AUTHENTICATION_FAILURE``, ``OAUTH_SCOPE_MISMATCH``, ``NO_PERMISSION`` are credential problems,
  ``TOO_MANY_REQUESTS`` (429) is retried.

Unified: leads created (by ``Lead_Source``) and converted (Zoho's qualification step), deals
created and closed won (``Stage`` "Closed Won" on ``Closing_Date``, with ``Amount`` in the deal's
``Currency``, by ``Lead_Source`` and ``Campaign_Source``) into ``crm_funnel_daily``, on the days of
the organization's time zone (``/org``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from ...framework import SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.deletions import DeletedRecords
from ...framework.errormap import Action, ErrorMap, TooMuchData
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.paginators import PageNumber, PageRequest, SinglePage
from ...framework.params import render_bound
from ...framework.records import ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Campaign, Deal, Lead, Org

VERSION = "v7"
MAX_PAGE = 200
#: The most records one search pages through.
SEARCH_CAP = 2000
#: Zoho CRM launched in 2005: a first run searches every record changed since.
BEGINNING = datetime(2005, 1, 1, tzinfo=timezone.utc)
#: The API host's suffix and the accounts server of each data centre (the SDK's ``dc`` classes).
DATA_CENTERS = {
    "com": "https://accounts.zoho.com", "eu": "https://accounts.zoho.eu", "in": "https://accounts.zoho.in",
    "com.au": "https://accounts.zoho.com.au", "jp": "https://accounts.zoho.jp", "ca": "https://accounts.zohocloud.ca",
    "com.cn": "https://accounts.zoho.com.cn",
}
DataCenter = Literal["com", "eu", "in", "com.au", "jp", "ca", "com.cn"]
TIME = "%Y-%m-%dT%H:%M:%S+00:00"

LEAD_FIELDS = ("Owner", "Company", "Lead_Source", "Lead_Status", "Industry", "Converted__s", "Converted_Date_Time",
               "Converted_Deal", "Created_Time", "Modified_Time")
DEAL_FIELDS = ("Owner", "Deal_Name", "Amount", "Currency", "Exchange_Rate", "Stage", "Pipeline", "Probability", "Closing_Date",
               "Lead_Source", "Type", "Campaign_Source", "Account_Name", "Created_Time", "Modified_Time")
CAMPAIGN_FIELDS = ("Owner", "Campaign_Name", "Type", "Status", "Start_Date", "End_Date", "Budgeted_Cost", "Actual_Cost",
                   "Expected_Revenue", "Num_sent", "Currency", "Created_Time", "Modified_Time")
TIMES = ("created_time", "modified_time", "converted_date_time")
#: Lookups Zoho sends as ``{"name", "id"}`` objects, loaded as their ids (and a campaign's name).
LOOKUPS = {"Owner.id": "owner_id", "Converted_Deal.id": "converted_deal_id", "Campaign_Source.id": "campaign_id",
           "Campaign_Source.name": "campaign_name", "Account_Name.id": "account_id"}


class ZohoCrmConfig(SourceConfig):
    """Config of the ``zoho_crm`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The OAuth client (a self-client of the API console).")
    client_secret: SecretStr = Field(description="The OAuth client's secret.")
    refresh_token: SecretStr = Field(description="A refresh token with ZohoCRM.modules.READ, ZohoCRM.org.READ "
                                     "and ZohoSearch.securesearch.READ scopes.")
    data_center: DataCenter = Field(default="com", description="Where the organization lives: com (US), eu, in, com.au, jp, ca, com.cn.")
    token_url: str | None = Field(default=None, description="OAuth token endpoint (default: the data centre's accounts server).")
    page_size: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE, description="Records per page (at most 200).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace; Zoho counts API credits per day and edition.")

    @model_validator(mode="after")
    def _hosts(self) -> "ZohoCrmConfig":
        if self.base_url is None:
            self.base_url = f"https://www.zohoapis.{self.data_center}/crm/{VERSION}/"
        if self.token_url is None:
            self.token_url = f"{DATA_CENTERS[self.data_center]}/oauth/v2/token"
        return self


API = Api(
    base_url=f"https://www.zohoapis.com/crm/{VERSION}/",  # the data centre's host replaces it (see ZohoCrmConfig)
    auth=RefreshToken(f"{DATA_CENTERS['com']}/oauth/v2/token", prefix="Zoho-oauthtoken "),
    errors=ErrorMap(
        "Zoho CRM", code="code", message=("message",),
        codes={"TOO_MANY_REQUESTS": Action.RETRY, "INVALID_TOKEN": Action.AUTH, "AUTHENTICATION_FAILURE": Action.AUTH,
               "OAUTH_SCOPE_MISMATCH": Action.AUTH, "NO_PERMISSION": Action.AUTH},
        statuses={429: Action.RETRY, 401: Action.AUTH, 403: Action.AUTH},
        hints={Action.AUTH: "check the refresh token, its scopes and the data_center"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def changed_between(module_fields: tuple[str, ...], extra: dict[str, Any] | None = None):
    """The search's parameters: records changed within the window, the fields asked by name."""
    def params(ctx: ReadContext) -> dict[str, Any]:
        window = ctx.window
        found: dict[str, Any] = {"fields": ",".join(module_fields), **(extra or {})}
        if window is not None and window.start is not None and window.end is not None:
            start, end = render_bound(window.start, TIME), render_bound(window.end, TIME, end=True)
            found["criteria"] = f"(Modified_Time:between:{start},{end})"
        return found
    return params


@dataclass(kw_only=True)
class SearchCap(RestStream):
    """A search that stops at 2,000 records: a window with more is refused (`TooMuchData`) before
    the page past the cap is asked, and the framework reads it in halves."""

    cap: int = SEARCH_CAP

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        info = body.get("info") if isinstance(body, dict) else None
        if isinstance(info, dict) and info.get("more_records"):
            reached = int(info.get("page", 1)) * int(info.get("per_page", MAX_PAGE))
            if reached >= self.cap:
                raise TooMuchData(f"the search from {ctx.window.start} to {ctx.window.end} matches more than {self.cap} "
                                  "records, what Zoho's search pages through", status=getattr(response, "status_code", None))
        return response, body


def pages(size: int):
    return lambda: PageNumber(page_size=size, page_param="page", size_param="per_page")


def module(name: str, module_name: str, fields: tuple[str, ...], contract: type, size: int, description: str,
           extra: dict[str, Any] | None = None, unified: Any = None) -> SearchCap:
    names = {f: f.lower() for f in fields if f not in ("Owner", "Converted_Deal", "Campaign_Source", "Account_Name")}
    return SearchCap(
        name=name, description=description, path=f"{module_name}/search", params=changed_between(fields, extra),
        paginator=pages(size),
        records=Records("data", rename={**names, **{k: v for k, v in LOOKUPS.items() if k.split(".")[0] in fields}},
                        formats={t: ISO_DATETIME for t in TIMES}),
        contract=contract, primary_key=("id",),
        cursor=Cursor("modified_time", kind="datetime", lookback=timedelta(hours=1), initial=BEGINNING),
        deleted=DeletedRecords(path=f"{module_name}/deleted", params={"type": "all", "per_page": size}, paginator=pages(size),
                               records=Records("data", drop=("display_name", "type", "deleted_by", "created_by", "deleted_time")),
                               description=f"{module_name} in the recycle bin or deleted for good"),
        unified=unified,
    )


ZONE = Lookup("org", (), "time_zone", on=())
DAY = "the day in the organization's time zone (/org time_zone)"


def streams(config: ZohoCrmConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE
    return [
        RestStream(
            name="org", description="The organization: time zone and home currency.", path="org", paginator=SinglePage,
            records=Records("org", drop=("primary_email", "phone", "mobile", "fax", "street", "city", "state", "zip",
                                         "license_details", "privacy_settings", "hierarchy_preferences", "checkin_preferences",
                                         "alias", "description", "photo_id", "zia_portal_id")),
            contract=Org, primary_key=("id",), cursor=FullRefresh("one organization per credential, current settings only"),
        ),
        module("leads", "Leads", LEAD_FIELDS, Lead, size, "Leads (converted ones too): source, status, conversion.",
               extra={"converted": "both"},
               unified=(
                   Maps("crm_funnel_daily", date=DayOf("created_time", ZONE), lead_source="lead_source", leads_created=COUNT,
                        meanings={"date": DAY, "lead_source": "Lead_Source as picked in Zoho", "leads_created": "leads created"}),
                   Maps("crm_funnel_daily", date=DayOf("converted_date_time", ZONE), lead_source="lead_source", qualified=COUNT,
                        where="converted__s",
                        meanings={"date": "the day the lead was converted (Converted_Date_Time), organization's time zone",
                                  "qualified": "leads converted to a contact, account or deal: Zoho's qualification step"}),
               )),
        module("deals", "Deals", DEAL_FIELDS, Deal, size, "Deals: stage, amount in the deal's currency, closing date, source, campaign.",
               unified=(
                   Maps("crm_funnel_daily", date=DayOf("created_time", ZONE), lead_source="lead_source", campaign="campaign_name",
                        opportunities_created=COUNT,
                        meanings={"date": DAY, "campaign": "Campaign_Source: the deal's campaign", "opportunities_created": "deals created"}),
                   Maps("crm_funnel_daily", date="closing_date", lead_source="lead_source", campaign="campaign_name", won=COUNT,
                        won_amount="amount", currency="currency", where="stage = 'Closed Won'",
                        meanings={"date": "Closing_Date: the deal's closing date as Zoho records it",
                                  "won": "deals in the Closed Won stage",
                                  "won_amount": "Amount, in the deal's Currency (an organization without multi-currency sends none)"}),
               )),
        module("campaigns", "Campaigns", CAMPAIGN_FIELDS, Campaign, size, "Campaigns: type, status, dates, costs and expected revenue."),
    ]


connector = declare(
    "zoho_crm", title="Zoho CRM", api=API, config=ZohoCrmConfig, streams=streams, api_version=VERSION,
    docs_url="https://www.zoho.com/crm/developer/docs/api/v7/", category="crm",
    description="CRM leads, deals and campaigns (search by last change, deletions applied), the organization; every data centre.",
    error_example={"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"},
)
source = source_function(connector)

__all__ = ["connector", "source", "ZohoCrmConfig"]
