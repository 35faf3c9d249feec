"""The columns of each HubSpot table, named as they land (camelCase fields in snake_case, CRM
properties by their internal names). CRM property values arrive as strings and are typed here;
only the properties the source asks for (none that hold personal data) are columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Account(Contract):
    """The account (portal) of the credential, from GET /account-info/2026-09/details."""

    portal_id: Id
    account_type: str | None = None
    time_zone: str | None = Field(default=None, description="The account's time zone (IANA name): whose day a day is.")
    company_currency: str | None = Field(default=None, description="The account's primary currency (ISO 4217).")
    utc_offset: str | None = None
    utc_offset_milliseconds: int | None = None
    ui_domain: str | None = None
    data_hosting_location: str | None = None


class Owner(Contract):
    """One owner (a user or a queue records are assigned to), from GET /crm/owners/2026-09; no e-mail."""

    id: Id
    type: str | None = Field(default=None, description="PERSON or QUEUE.")
    first_name: str | None = None
    last_name: str | None = None
    user_id: int | None = None
    user_id_including_inactive: int | None = None
    archived: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Pipeline(Contract):
    """One deal pipeline with its stages (a child table), from GET /crm/pipelines/2026-09/deals."""

    id: Id
    label: str | None = None
    display_order: int | None = None
    archived: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class CrmObject(Contract):
    """What every CRM object record carries (SimplePublicObject). A record listed as archived
    (deleted) may come without its properties: they are optional."""

    id: Id
    created_at: dt.datetime
    updated_at: dt.datetime = Field(description="Last change of the record: the cursor.")
    archived: bool
    archived_at: dt.datetime | None = None
    hubspot_owner_id: Id | None = None


class Contact(CrmObject):
    """A contact without personal data (no name, e-mail or phone): source and lifecycle dates."""

    createdate: dt.datetime | None = None
    lastmodifieddate: dt.datetime | None = None
    lifecyclestage: str | None = None
    hs_analytics_source: str | None = Field(default=None, description="Original source (ORGANIC_SEARCH, PAID_SEARCH, ...).")
    hs_analytics_source_data_1: str | None = Field(default=None, description="Original source drill-down 1.")
    hs_lifecyclestage_lead_date: dt.datetime | None = None
    hs_lifecyclestage_marketingqualifiedlead_date: dt.datetime | None = None
    hs_lifecyclestage_salesqualifiedlead_date: dt.datetime | None = None


class Company(CrmObject):
    createdate: dt.datetime | None = None
    hs_lastmodifieddate: dt.datetime | None = None
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    lifecyclestage: str | None = None


class Deal(CrmObject):
    createdate: dt.datetime | None = None
    hs_lastmodifieddate: dt.datetime | None = None
    dealname: str | None = None
    pipeline: str | None = None
    dealstage: str | None = None
    amount: Decimal | None = Field(default=None, description="In the deal's currency (deal_currency_code), currency units.")
    deal_currency_code: str | None = None
    closedate: dt.datetime | None = None
    hs_is_closed_won: bool | None = None
