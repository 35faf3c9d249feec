"""The columns of each Zoho CRM table: Zoho's field API names in lower case (``Lead_Source`` as
``lead_source``), lookups as their ids (``Owner.id`` as ``owner_id``). Record ids are 19-digit
numbers Zoho sends as strings; they stay exact strings. No names, e-mails or phones of people."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Org(Contract):
    """The organization of the credential, from GET /crm/v7/org: its time zone and home currency."""

    id: Id
    company_name: str | None = None
    time_zone: str | None = Field(default=None, description="The organization's time zone (IANA name): whose day a day is.")
    iso_code: str | None = Field(default=None, description="The home currency (ISO 4217).")
    currency: str | None = None
    country_code: str | None = None
    domain_name: str | None = None


class Record(Contract):
    """What the module records share; a record listed as deleted carries only its id."""

    id: Id
    owner_id: Id | None = None
    created_time: dt.datetime | None = None
    modified_time: dt.datetime | None = Field(default=None, description="Last change: the cursor.")


class Lead(Record):
    """One lead, from GET /crm/v7/Leads/search (converted ones too)."""

    company: str | None = None
    lead_source: str | None = None
    lead_status: str | None = None
    industry: str | None = None
    converted__s: bool | None = Field(default=None, description="True once the lead was converted.")
    converted_date_time: dt.datetime | None = None
    converted_deal_id: Id | None = None


class Deal(Record):
    """One deal, from GET /crm/v7/Deals/search. ``amount`` in the deal's ``currency``, currency units."""

    deal_name: str | None = None
    amount: Decimal | None = None
    currency: str | None = Field(default=None, description="The deal's currency (multi-currency organizations).")
    exchange_rate: Decimal | None = None
    stage: str | None = None
    pipeline: str | None = None
    probability: int | None = None
    closing_date: dt.date | None = None
    lead_source: str | None = None
    type: str | None = None
    campaign_id: Id | None = None
    campaign_name: str | None = None
    account_id: Id | None = None


class Campaign(Record):
    """One campaign, from GET /crm/v7/Campaigns/search. Costs in the campaign's currency."""

    campaign_name: str | None = None
    type: str | None = None
    status: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    budgeted_cost: Decimal | None = None
    actual_cost: Decimal | None = None
    expected_revenue: Decimal | None = None
    num_sent: int | None = None
    currency: str | None = None
