"""impact.com: the Brand (Advertiser) REST API v14, declared.

Reference: https://integrations.impact.com/brand-api-reference (Brand API, version 14 of
2026-06-01; an account answers in its configured version unless ``IR-Version`` says
otherwise, so this source sends ``IR-Version: 14``). impact.com publishes one OpenAPI document
per resource (Brand v14: ``Actions``, ``Programs``, ``Partners``, ``Account``), read here in
the copies at github.com/api-evangelist/impact ``openapi/_original/`` (commit f357e6c); every
field below is in those documents and in the reference pages they render.

Base ``https://api.impact.com/Advertisers/{AccountSID}/``; HTTP basic auth, the Account SID as
the user name and the Auth Token as the password
(https://integrations.impact.com/brand-api-reference/readme/authentication). Lists are paged
with ``Page`` (from 1) and ``PageSize``; each answer says ``@page`` and ``@numpages`` as
strings (https://integrations.impact.com/impact-brand/reference/pagination): the read stops at
``@numpages``.

Streams:

- ``company_information``: the brand account (``CompanyInformation``): its ``Currency`` and
  ``Timezone`` (a display name, ``(GMT -08:00) Pacific Time (US & Canada); Tijuana``).
- ``programs``: the account's programs (``Campaigns``: impact.com's path says campaigns, its
  docs say programs). Actions are read per program, so the config names the program ids.
- ``partners``: the account's media partners (``MediaPartners``).
- ``actions``: conversions credited to partners (``Actions?CampaignId=``), read by event date
  (``ActionDateStart``/``ActionDateEnd``, ISO 8601 instants). impact.com caps a query at 45
  days, 3 years back, 10 pages, and a ``PageSize`` of 2,000 to 20,000 (default 20,000)
  (https://integrations.impact.com/impact-brand/reference/list-all-actions): windows of 30 days.
  An action stays modifiable (amount, payout, reversal) until its ``LockingDate``, set by the
  contract's locking period (the documented example locks 16 days after the event); the
  look-back is 45 days, the longest range impact.com answers in one query, and a longer
  locking period is a ``lookback_days`` override. Each re-read action replaces its row (key:
  ``Id``). ``EventDate`` carries the account's UTC offset (``2020-09-10T10:42:38-07:00``): it is
  loaded as that calendar day, the account's day. Customer location and the hashed IP address
  are not loaded (personal data).

Unified: ``actions`` maps into ``affiliate_performance_daily`` (program, partner, day: the
actions counted, ``Amount`` the sale amount, ``Payout`` the commission, ``Currency``) and into
the campaign-performance facts as a paid platform whose spend is the commission: there the
*account* is the program and the *campaign* is the partner, because a brand's commission is
agreed and paid per partner (its contract) within a program, as an ad platform's spend is
bought per campaign within an account; the program carries the currency as an account does.
impact.com reports clicks only through an asynchronous ``ClickExport`` job and impressions not
at all through these lists: both are NULL in the affiliate fact and 0 in the campaign facts.
Actions in every state are loaded and counted (``State``: PENDING, APPROVED, REVERSED), with
the amounts impact.com reports for them; filter on ``state`` for approved actions only.

Errors: the HTTP status tells the kind, the body is ``{"Status": "ERROR", "Message", "Errors"}``
(https://integrations.impact.com/brand-api-reference/readme/status-codes-and-errors): 401 a bad
Account SID or token, 403 a scoped token without this endpoint, 429 too many requests
(exponential back-off advised), 5xx retried.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Iterator

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import COUNT, Maps
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.params import DATETIME, ForEach, WindowParams
from bosco_connectors.framework.records import DATE_PREFIX, ISO_DATETIME, Records, snake_case
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Performance, ad_spec

#: Actions: at least 2,000 and by default 20,000 records a page (list-all-actions).
ACTIONS_PAGE_SIZE = 20_000
#: Other lists: 1,000 a page by default ("may differ by resource"; pagination).
LIST_PAGE_SIZE = 1_000


class ImpactConfig(SourceConfig):
    """Config of the ``impact`` source (plus the fields every source accepts)."""

    account_sid: str = Field(min_length=1, description="The brand account's Account SID (Settings > API): the user name.")
    auth_token: SecretStr = Field(description="The account's Auth Token (Settings > API): the password.")
    program_ids: IdList = Field(min_length=1, description=(
        "Program (campaign) ids whose actions to read: impact.com lists actions one program at a time; "
        "a list, or one comma-separated string."))
    actions_page_size: int = Field(default=ACTIONS_PAGE_SIZE, ge=2_000, le=20_000,
                                   description="PageSize of the Actions list (impact.com: 2,000 to 20,000).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace of requests (impact.com answers 429 when too fast).")


# -- contracts: the columns of each raw table, as impact.com names them (snake_case) --------


class CompanyInformation(Contract):
    """The brand account (GET CompanyInformation)."""

    uri: str = Field(description="/Advertisers/<AccountSID>/CompanyInformation: one per account.")
    company_name: str | None = None
    website: str | None = None
    timezone: str | None = Field(default=None, description="The account's time zone as impact.com displays it.")
    currency: str | None = Field(default=None, description="ISO 4217 code of the account's currency.")


class Program(Contract):
    """A program of the account (GET Campaigns)."""

    id: Id = Field(description="The program id (CampaignId elsewhere); an integer sent as a number.")
    name: str | None = None
    state: str | None = Field(default=None, description="ACTIVE, AWAITING_REVIEW, CANCELLED, CLOSED, DEACTIVATED, ...")
    type: str | None = Field(default=None, description="Performance, Creator, Advocate, Retail Media, ...")
    short_description: str | None = None
    list_in_marketplace: bool | None = None
    promo_code_tracking: bool | None = None


class Partner(Contract):
    """A media partner of the account (GET MediaPartners)."""

    id: Id
    name: str | None = None
    description: str | None = None
    website: str | None = None
    state: str | None = Field(default=None, description="ACTIVE, PENDING, SUSPENDED, DEACTIVATED, ...")
    currency: str | None = None
    timezone: str | None = None
    partner_type: str | None = Field(default=None, description="DIRECT or MARKETPLACE.")


class ActionRow(Contract):
    """One action: a conversion credited to a partner (GET Actions)."""

    id: Id = Field(description="impact.com's action id ('1000.4636.158133').")
    campaign_id: Id = Field(description="The program.")
    campaign_name: str | None = None
    action_tracker_id: Id | None = Field(default=None, description="The event type.")
    action_tracker_name: str | None = None
    event_code: str | None = None
    media_partner_id: Id | None = Field(default=None, description="The partner credited.")
    media_partner_name: str | None = None
    state: str | None = Field(default=None, description="PENDING, APPROVED or REVERSED.")
    ad_id: Id | None = None
    client_cost: Decimal | None = Field(default=None, description="Cost to the brand: payout plus fees, in currency.")
    payout: Decimal | None = Field(default=None, description="Commission to the partner, in currency units.")
    delta_payout: Decimal | None = None
    intended_payout: Decimal | None = None
    amount: Decimal | None = Field(default=None, description="Sale amount of the action, in currency units.")
    delta_amount: Decimal | None = None
    intended_amount: Decimal | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code of the money fields.")
    referring_date: dt.datetime | None = Field(default=None, description="The winning click.")
    event_date: dt.date = Field(description="The day of the conversion in the account's time zone (EventDate's own offset).")
    creation_date: dt.datetime | None = None
    locking_date: dt.datetime | None = Field(default=None, description="After it the action is no longer modified.")
    cleared_date: dt.datetime | None = None
    referring_type: str | None = None
    referring_domain: str | None = None
    promo_code: str | None = None
    oid: str | None = Field(default=None, description="The brand's order id.")
    customer_id: str | None = Field(default=None, description="The brand's non-PII customer id.")
    customer_status: str | None = None
    customer_region: str | None = None
    customer_country: str | None = None
    shared_id: str | None = None
    note: str | None = None


# -- the API: what every request shares -----------------------------------------------------

API = Api(
    base_url="https://api.impact.com/",
    auth=Basic("account_sid", "auth_token"),
    headers={"Accept": "application/json", "IR-Version": "14"},
    errors=ErrorMap(
        # {"Status": "ERROR", "Message": "...", "Errors": [{"Field", "Message"}]}: no code of its own, the HTTP status decides.
        "impact.com", code="Status", message=("Message", "Errors.0.Message"),
        statuses={401: Action.AUTH, 403: Action.AUTH, 402: Action.FAIL, 400: Action.FAIL, 404: Action.FAIL,
                  429: Action.RETRY},
        hints={Action.AUTH: "check the Account SID and Auth Token (Settings > API), and that a scoped token may read "
                            "Actions, Programs, Partners and Company Information"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

ACCOUNT = "Advertisers/{account_sid}/"
ACTION_FIELDS = ("Id", "CampaignId", "CampaignName", "ActionTrackerId", "ActionTrackerName", "EventCode", "MediaPartnerId",
                 "MediaPartnerName", "State", "AdId", "ClientCost", "Payout", "DeltaPayout", "IntendedPayout", "Amount",
                 "DeltaAmount", "IntendedAmount", "Currency", "ReferringDate", "EventDate", "CreationDate", "LockingDate",
                 "ClearedDate", "ReferringType", "ReferringDomain", "PromoCode", "Oid", "CustomerId", "CustomerStatus",
                 "CustomerRegion", "CustomerCountry", "SharedId", "Note")
#: Personal data never loaded: the customer's post code, area and city, the hashed IP, the caller id.
PERSONAL = ("CustomerPostCode", "CustomerArea", "CustomerCity", "IpAddress", "CallerId")


@dataclass(kw_only=True)
class ActionsList(RestStream):
    """The Actions list. For the generated fake only: one action per program, partner and day of
    the demo world, each with an id of its own (the documented record's ``Id`` would repeat)."""

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        spec = ad_spec(self)
        for row in app._performance(spec, route):
            yield {**row, "id": f"{row[spec.account]}.{row[spec.campaign]}.{row[spec.date]:%Y%m%d}"}


def pages(size: int):
    return lambda: PageNumber(page_size=size, page_param="Page", size_param="PageSize", total_pages_path="@numpages")


def streams(config: ImpactConfig | None) -> list[Stream]:
    actions_size = config.actions_page_size if config is not None else ACTIONS_PAGE_SIZE
    return [
        RestStream(
            name="company_information", description="The brand account: name, currency and time zone.",
            path=ACCOUNT + "CompanyInformation",
            records=Records(rename=snake_case("Uri", "CompanyName", "Website", "Timezone", "Currency"),
                            drop=("Industry", "PrimaryPhoneNumber", "PrimaryPhoneNumberCountry", "SecondaryPhoneNumber",
                                  "SecondaryPhoneNumberCountry", "MinimumContactRating", "RegisteredForIndirectTax",
                                  "IndirectTaxNumber", "OrganizationType", "EinSsnForeignTaxId", "CorporateAddress",
                                  "BillingAddress", "FinancialContact", "TechnicalContact", "CommercialContact",
                                  "SecurityContact")),
            contract=CompanyInformation, primary_key=("uri",),
            cursor=FullRefresh("one object per account, read whole"),
        ),
        RestStream(
            name="programs", description="The account's programs (impact.com's Campaigns).",
            path=ACCOUNT + "Campaigns", paginator=pages(LIST_PAGE_SIZE),
            records=Records("Campaigns", rename=snake_case("Id", "Name", "State", "Type", "ShortDescription",
                                                           "ListInMarketplace", "PromoCodeTracking")),
            contract=Program, primary_key=("id",),
            cursor=FullRefresh("the programs list has no updated-since filter; an account has few programs"),
            unified=Entity("account", id="id", name="name", status="state", active_status="ACTIVE"),
        ),
        RestStream(
            name="partners", description="The account's media partners.",
            path=ACCOUNT + "MediaPartners", paginator=pages(LIST_PAGE_SIZE),
            records=Records("Partners", rename=snake_case("Id", "Name", "Description", "Website", "State", "Currency",
                                                          "Timezone", "PartnerType"),
                            drop=("Address", "Phone", "IndirectTax")),
            contract=Partner, primary_key=("id",),
            cursor=FullRefresh("the partners list filters on a join date, not on changes; read whole"),
        ),
        ActionsList(
            name="actions", description="Actions (conversions credited to partners) of each program, by event date.",
            path=ACCOUNT + "Actions", partitions=ForEach("program_ids", "CampaignId"),
            window=WindowParams("ActionDateStart", "ActionDateEnd", format=DATETIME), paginator=pages(actions_size),
            records=Records("Actions", rename=snake_case(*ACTION_FIELDS), drop=PERSONAL, nulls=("",),
                            formats={"event_date": DATE_PREFIX, **{f: ISO_DATETIME for f in (
                                "referring_date", "creation_date", "locking_date", "cleared_date")}}),
            contract=ActionRow, primary_key=("id",), arrow=True,
            cursor=Cursor("event_date", lookback=timedelta(days=45), window=timedelta(days=30)),
            unified=(
                Maps("affiliate_performance_daily", date="event_date", program_id="campaign_id",
                     partner_id="media_partner_id", partner_name="media_partner_name", actions=COUNT,
                     sale_amount="amount", commission="payout", currency="currency",
                     meanings={"date": "the action's EventDate, a day in the account's time zone",
                               "actions": "actions of every event type (sales, leads, ...) and state, reversed included",
                               "sale_amount": "Amount: the action's sale amount as last modified",
                               "commission": "Payout: the commission to the partner as last modified (fees apart)"}),
                Performance(
                    "campaign", date="event_date", account="campaign_id", account_name="campaign_name",
                    campaign="media_partner_id", campaign_name="media_partner_name",
                    spend="payout", impressions="null", clicks="null", conversions="1",
                    conversion_value="amount", currency="currency",
                    clicks_are="not reported by the Actions list (impact.com exports clicks as an asynchronous job): 0",
                    conversions_are="actions credited to the partner (every event type and state), one per action",
                    conversion_value_is="the actions' sale Amount",
                    date_is="the action's event day in the account's time zone",
                ),
            ),
        ),
    ]


connector = declare(
    "impact", title="impact.com", api=API, config=ImpactConfig, streams=streams, api_version="14",
    docs_url="https://integrations.impact.com/brand-api-reference", category="affiliate",
    support_policy="https://integrations.impact.com/brand-api-reference/readme/versioning (v14 current since 2026-06-01; "
                   "IR-Version pins it)",
    description="impact.com Brand API: the account, programs, partners and actions (sale amount and commission per partner).",
    # The documented error example (status-codes-and-errors).
    error_example={"Status": "ERROR", "Message": "Validation Failed",
                   "Errors": [{"Field": "AccountId", "Message": "Not a numeric value"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "ImpactConfig"]
