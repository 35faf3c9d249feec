"""The columns of each Salesforce table: field API names in snake_case (``LeadSource`` as
``lead_source``; a relationship's field ``Campaign.Name`` as ``campaign_name``). Ids are 18-character
case-sensitive strings. No names, e-mails or phones of people (leads' and contacts' are not asked)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Organization(Contract):
    """The org, from SELECT ... FROM Organization: its time zone is whose day a day is."""

    id: Id
    name: str | None = None
    time_zone_sid_key: str | None = Field(default=None, description="The org's default time zone (IANA name).")
    default_locale_sid_key: str | None = None
    country: str | None = None


class Record(Contract):
    """What every object queried by change carries."""

    id: Id
    is_deleted: bool | None = Field(default=None, description="True in the recycle bin (queryAll lists them).")
    created_date: dt.datetime | None = None
    system_modstamp: dt.datetime = Field(description="Last change by a user or the system: the cursor.")


class Lead(Record):
    owner_id: Id | None = None
    status: str | None = None
    lead_source: str | None = None
    company: str | None = None
    industry: str | None = None
    is_converted: bool | None = None
    converted_date: dt.date | None = Field(default=None, description="The day the lead was converted (a date).")
    converted_opportunity_id: Id | None = None
    converted_contact_id: Id | None = None


class Contact(Record):
    owner_id: Id | None = None
    account_id: Id | None = None
    lead_source: str | None = None


class Opportunity(Record):
    owner_id: Id | None = None
    account_id: Id | None = None
    name: str | None = None
    stage_name: str | None = None
    amount: Decimal | None = Field(default=None, description="In the org's (or, multi-currency, the record's) currency.")
    probability: Decimal | None = None
    close_date: dt.date | None = None
    is_closed: bool | None = None
    is_won: bool | None = None
    lead_source: str | None = None
    type: str | None = None
    forecast_category: str | None = None
    campaign_id: Id | None = None
    campaign_name: str | None = Field(default=None, description="Campaign.Name, the primary campaign source.")
    currency_iso_code: str | None = Field(default=None, description="Multi-currency orgs only.")


class Campaign(Record):
    name: str | None = None
    type: str | None = None
    status: str | None = None
    is_active: bool | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    budgeted_cost: Decimal | None = None
    actual_cost: Decimal | None = None
    expected_revenue: Decimal | None = None
    number_sent: Decimal | None = None
    parent_id: Id | None = None


class CampaignMember(Record):
    campaign_id: Id | None = None
    lead_id: Id | None = None
    contact_id: Id | None = None
    status: str | None = None
    has_responded: bool | None = None
    first_responded_date: dt.date | None = None
