"""The columns of each Close table, named as Close names them (``_type`` as ``activity_type``).
Ids are Close's prefixed strings (``lead_…``, ``oppo_…``, ``acti_…``). Only the fields the source
asks for with ``_fields`` are columns: no contact names, e-mails, phones or message bodies."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ...framework import Contract, Id


class Lead(Contract):
    """One lead (a company with its contacts), from GET /api/v1/lead/."""

    id: Id
    display_name: str | None = None
    status_id: Id | None = None
    status_label: str | None = None
    source: str | None = Field(default=None, description="The lead's source, as entered.")
    organization_id: Id | None = None
    created_by: Id | None = None
    date_created: dt.datetime | None = None
    date_updated: dt.datetime | None = None


class Opportunity(Contract):
    """One opportunity, from GET /api/v1/opportunity/. ``value`` is an integer in the minor unit
    of ``value_currency`` (cents for USD); a deleted one listed from the event log carries its id."""

    id: Id
    lead_id: Id | None = None
    status_id: Id | None = None
    status_label: str | None = None
    status_type: str | None = Field(default=None, description="active, won or lost.")
    pipeline_id: Id | None = None
    value: int | None = Field(default=None, description="In the minor unit of value_currency (cents for USD).")
    value_currency: str | None = None
    value_period: str | None = Field(default=None, description="one_time, monthly or annual.")
    confidence: int | None = None
    user_id: Id | None = None
    organization_id: Id | None = None
    date_created: dt.datetime | None = None
    date_updated: dt.datetime | None = Field(default=None, description="Last change: the cursor.")
    date_won: dt.date | None = Field(default=None, description="The day the opportunity was won (a date, as set in Close).")
    date_lost: dt.datetime | None = None


class Activity(Contract):
    """One activity of any type (calls, e-mails, notes, meetings, status changes...), from
    GET /api/v1/activity/, without its content."""

    id: Id
    activity_type: str | None = Field(default=None, description="Close's _type: Call, Email, Note, Meeting, LeadStatusChange, ...")
    lead_id: Id | None = None
    contact_id: Id | None = None
    user_id: Id | None = None
    organization_id: Id | None = None
    activity_at: dt.datetime | None = Field(default=None, description="When the activity happened (an e-mail's send time).")
    date_created: dt.datetime = Field(description="When it was created or synced into Close: the cursor.")
    date_updated: dt.datetime | None = None
