"""The columns of each Pipedrive table, named as Pipedrive names them. Ids are Pipedrive's
integers kept as exact strings (a lead's id is a UUID); no personal data (names, e-mails,
phones of persons; the user's e-mail and phone) is a column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class User(Contract):
    """The credential's user and company, from GET /api/v1/users/me: whose time zone a day is in."""

    id: Id
    company_id: Id | None = None
    company_name: str | None = None
    company_domain: str | None = None
    company_country: str | None = None
    default_currency: str | None = Field(default=None, description="The user's default currency (ISO 4217).")
    timezone_name: str | None = Field(default=None, description="The user's time zone (IANA name): the day of the funnel.")
    timezone_offset: str | None = None
    locale: str | None = None


class Deal(Contract):
    """One deal, from GET /api/v2/deals (``value`` in the deal's ``currency``, currency units)."""

    id: Id
    title: str | None = None
    owner_id: Id | None = None
    person_id: Id | None = None
    org_id: Id | None = None
    pipeline_id: Id | None = None
    stage_id: Id | None = None
    value: Decimal | None = Field(default=None, description="The deal's value in its own currency, currency units.")
    currency: str | None = None
    add_time: dt.datetime | None = None
    update_time: dt.datetime = Field(description="Last change of the deal: the cursor.")
    stage_change_time: dt.datetime | None = None
    is_deleted: bool | None = None
    is_archived: bool | None = None
    status: str | None = Field(default=None, description="open, won, lost (or deleted).")
    probability: int | None = None
    lost_reason: str | None = None
    close_time: dt.datetime | None = None
    won_time: dt.datetime | None = None
    lost_time: dt.datetime | None = None
    expected_close_date: dt.date | None = None
    origin: str | None = None
    origin_id: str | None = None
    channel: Id | None = None
    channel_id: str | None = None


class Person(Contract):
    """One person, from GET /api/v2/persons, without name, e-mails or phones."""

    id: Id
    owner_id: Id | None = None
    org_id: Id | None = None
    add_time: dt.datetime | None = None
    update_time: dt.datetime = Field(description="Last change of the person: the cursor.")
    is_deleted: bool | None = None
    visible_to: int | None = None


class Organization(Contract):
    """One organization, from GET /api/v2/organizations."""

    id: Id
    name: str | None = None
    owner_id: Id | None = None
    address_country: str | None = Field(default=None, description="address.country (the rest of the address is not loaded).")
    address_locality: str | None = Field(default=None, description="address.locality: the city.")
    add_time: dt.datetime | None = None
    update_time: dt.datetime = Field(description="Last change of the organization: the cursor.")
    is_deleted: bool | None = None
    visible_to: int | None = None


class Lead(Contract):
    """One lead, from GET /api/v1/leads (``value`` flattened to ``value_amount`` and ``value_currency``)."""

    id: Id = Field(description="A UUID.")
    title: str | None = None
    owner_id: Id | None = None
    creator_id: Id | None = None
    person_id: Id | None = None
    organization_id: Id | None = None
    source_name: str | None = Field(default=None, description="Where the lead comes from (API, Manually created, ...).")
    origin: str | None = None
    origin_id: str | None = None
    channel: Id | None = None
    channel_id: str | None = None
    source_deal_id: Id | None = Field(default=None, description="The deal this lead was converted from, if any.")
    next_activity_id: Id | None = None
    is_archived: bool | None = None
    was_seen: bool | None = None
    value_amount: Decimal | None = None
    value_currency: str | None = None
    expected_close_date: dt.date | None = None
    add_time: dt.datetime | None = None
    update_time: dt.datetime = Field(description="Last change of the lead: the cursor.")
