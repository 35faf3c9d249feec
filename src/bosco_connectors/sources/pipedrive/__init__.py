"""Pipedrive: deals, persons and organizations of API v2, leads of API v1, declared.

Reference: https://developers.pipedrive.com/docs/api/v1 and https://developers.pipedrive.com/docs/api/v2
(API v2, OpenAPI document 2.0.0; v1 1.0.0 for leads, which have no v2 list yet). Shapes checked
against Pipedrive's own generated client (github.com/pipedrive/client-nodejs,
``src/versions/v2/api/deals-api.ts``, ``models/deal.ts``, ``models/organization-item.ts``,
``src/versions/v1/models/lead.ts``, ``base-user.ts``) and the concept pages
(https://pipedrive.readme.io/docs/core-api-concepts-pagination, ``-responses``,
``-http-status-codes``, https://pipedrive.readme.io/docs/pipedrive-api-v2). v1 endpoints that
have a v2 replacement are deprecated with at least a year's grace; leads are v1 only.

- Host: ``https://{company_domain}.pipedrive.com/api/`` (the company's own domain; ``base_url``
  overrides). Auth: the user's API token in the ``x-api-token`` header (as the official client
  sends it); OAuth apps send a bearer token instead (not declared here).
- Deals, persons, organizations: ``GET /api/v2/{entity}`` filtered by ``updated_since`` /
  ``updated_until`` (RFC 3339) and sorted ``sort_by=update_time&sort_direction=asc``; cursor
  paging: ``cursor`` from ``additional_data.next_cursor``, null on the last page; ``limit`` at
  most 500. Pipedrive writes changes at once: each run re-reads one hour (a safe margin; the
  docs name no delay).
- Leads: ``GET /api/v1/leads`` with ``updated_since`` (ISO 8601, no upper bound) and
  ``sort=update_time ASC``; ``start``/``limit`` paging (at most 500), the last page is short
  (``additional_data.pagination.more_items_in_collection`` false).
- Deletions: ``GET /api/v2/deals?status=deleted`` lists deals deleted in the last 30 days,
  read whole on every run (`framework.deletions.DeletedRecords`); every v2 record also carries
  ``is_deleted`` (`SoftDelete`). Persons and organizations have no deleted list in v2: a deleted
  one that the list still answers is dropped by its ``is_deleted``. Leads have no deleted list
  at all (deleting a lead removes it): a deleted lead stays in the tables until a full resync.
- Errors: ``{"success": false, "error": "...", "error_info": "...", "data": null}`` with the HTTP
  status as the only code: 429 is retried, 401 (invalid token), 402 (the company account is
  not open) and 403 are credential problems.

Unified: leads (created, by ``source_name``) and deals (created; won on their ``won_time`` with
their value) map into ``crm_funnel_daily`` on the days of the user's time zone (``users/me``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pydantic import Field, SecretStr, model_validator

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.deletions import DeletedRecords, SoftDelete
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.paginators import CursorInBody, OffsetLimit, SinglePage
from ...framework.params import DATETIME, WindowParams
from ...framework.records import ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Deal, Lead, Organization, Person, User

MAX_PAGE = 500
#: Pipedrive was founded in 2010: a first run reads every record changed since.
BEGINNING = datetime(2010, 1, 1, tzinfo=timezone.utc)
#: A person's personal data, never loaded.
PERSONAL = ("name", "first_name", "last_name", "emails", "phones", "postal_address", "notes", "im", "birthday", "picture_id")
TIMES = ("add_time", "update_time", "stage_change_time", "close_time", "won_time", "lost_time")


class PipedriveConfig(SourceConfig):
    """Config of the ``pipedrive`` source (plus the fields every source accepts)."""

    api_token: SecretStr = Field(description="The user's personal API token (Settings > Personal preferences > API).")
    company_domain: str | None = Field(default=None, description="The company's Pipedrive subdomain (acme for acme.pipedrive.com).")
    page_size: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE, description="Records per page (at most 500).")
    requests_per_second: float = Field(default=8.0, gt=0, description="Pace of requests (Pipedrive budgets tokens per 2 seconds per "
                                       "company; a v2 list costs fewer tokens than v1).")

    @model_validator(mode="after")
    def _host(self) -> "PipedriveConfig":
        if self.base_url is None:
            if not self.company_domain:
                raise ValueError("company_domain is required (the acme of acme.pipedrive.com), or set base_url")
            self.base_url = f"https://{self.company_domain}.pipedrive.com/api/"
        return self


API = Api(
    base_url="https://api.pipedrive.com/api/",  # the company's domain replaces it (see PipedriveConfig)
    auth=ApiKey("api_token", header="x-api-token"),
    errors=ErrorMap(
        # a body's ``success`` is false on every error (a 200 too); the 401 body also has ``error_code``
        "Pipedrive", code=("error_code", "success"), ok=(True,), message=("error", "error_info"),
        codes={401: Action.AUTH, 402: Action.AUTH, 429: Action.RETRY},
        statuses={429: Action.RETRY, 401: Action.AUTH, 402: Action.AUTH, 403: Action.AUTH},
        hints={Action.AUTH: "check the API token and that the company account is open"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

NEXT_CURSOR = lambda: CursorInBody("additional_data.next_cursor", "cursor")  # noqa: E731 - a paginator factory
V2_WINDOW = WindowParams("updated_since", "updated_until", format=DATETIME)
ZONE = Lookup("user", (), "timezone_name", on=())


def v2_records(drop: tuple[str, ...] = (), rename: dict[str, str] | None = None) -> Records:
    return Records("data", formats={t: ISO_DATETIME for t in TIMES}, drop=drop, rename=rename or {})


def v2_list(name: str, contract: type, description: str, size: int, unified=None, deleted=None, drop=(), rename=None) -> RestStream:
    return RestStream(
        name=name, description=description, path=f"v2/{name}",
        params={"sort_by": "update_time", "sort_direction": "asc", "limit": size},
        window=V2_WINDOW, paginator=NEXT_CURSOR, records=v2_records(drop, rename), contract=contract, primary_key=("id",),
        cursor=Cursor("update_time", kind="datetime", lookback=timedelta(hours=1), initial=BEGINNING),
        deleted=deleted or SoftDelete("is_deleted"), unified=unified,
    )


def streams(config: PipedriveConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE
    return [
        RestStream(
            name="user", description="The token's user and company: its time zone and default currency.",
            path="v1/users/me", paginator=SinglePage,
            records=Records("data", drop=("email", "phone", "name", "icon_url", "access", "language")),
            contract=User, primary_key=("id",), cursor=FullRefresh("one user per token, current settings only"),
        ),
        v2_list(
            "deals", Deal, "Deals: pipeline, stage, value in the deal's currency, status and won/lost times.", size,
            deleted=(SoftDelete("is_deleted"),
                     DeletedRecords(params={"status": "deleted", "limit": size}, description="deals deleted in the last 30 days")),
            unified=(
                Maps("crm_funnel_daily", date=DayOf("add_time", ZONE), opportunities_created=COUNT,
                     meanings={"date": "the day in the user's time zone (users/me timezone_name)",
                               "opportunities_created": "deals created (add_time), every pipeline"}),
                Maps("crm_funnel_daily", date=DayOf("won_time", ZONE), won=COUNT, won_amount="value", currency="currency",
                     where="status = 'won'",
                     meanings={"date": "the day the deal was marked won (won_time), in the user's time zone",
                               "won": "deals whose status is won",
                               "won_amount": "value: the deal's value in its own currency", "currency": "the deal's currency"}),
            ),
        ),
        v2_list("persons", Person, "Persons (no name, e-mail or phone): owner, organization, times.", size, drop=PERSONAL),
        v2_list("organizations", Organization, "Organizations: name, owner, country and city, times.", size,
                rename={"address.country": "address_country", "address.locality": "address_locality"}),
        RestStream(
            name="leads", description="Leads (not yet deals): source, value, archived or not.", path="v1/leads",
            params={"sort": "update_time ASC"}, window=WindowParams("updated_since", format=DATETIME),
            paginator=lambda: OffsetLimit(limit=size, offset_param="start", limit_param="limit"),
            records=Records("data", rename={"value.amount": "value_amount", "value.currency": "value_currency"},
                            formats={"add_time": ISO_DATETIME, "update_time": ISO_DATETIME}),
            contract=Lead, primary_key=("id",),
            cursor=Cursor("update_time", kind="datetime", lookback=timedelta(hours=1), initial=BEGINNING),
            unified=Maps("crm_funnel_daily", date=DayOf("add_time", ZONE), lead_source="source_name", leads_created=COUNT,
                         meanings={"date": "the day the lead was created (add_time), in the user's time zone",
                                   "lead_source": "source_name: API, Manually created, Web forms, ...",
                                   "leads_created": "leads created, archived ones included"}),
        ),
    ]


connector = declare(
    "pipedrive", title="Pipedrive", api=API, config=PipedriveConfig, streams=streams, api_version="v2 (leads v1)",
    docs_url="https://developers.pipedrive.com/docs/api/v2", category="crm",
    description="CRM deals, persons and organizations (API v2, by last change, deleted deals applied) and leads (v1).",
    support_policy="a v1 endpoint replaced in v2 stays at least one year after its deprecation",
    error_example={"success": False, "error": "Requested service is not available", "error_info": "Please check developers.pipedrive.com",
                   "data": None, "additional_data": None},
)
source = source_function(connector)

__all__ = ["connector", "source", "PipedriveConfig"]
