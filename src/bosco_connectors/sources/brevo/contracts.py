"""Schema contracts of the brevo raw tables.

Fields keep Brevo's names in snake case (dlt's column names): ``uniqueViews`` loads as
``unique_views``. An email campaign's totals (``statistics.globalStats``) are moved up
beside the campaign; the list-wise ``campaignStats`` stay a child table.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ...framework import Contract, Id


class ContactList(Contract):
    """One contact list, from GET /v3/contacts/lists."""

    id: Id
    name: str | None = None
    total_blacklisted: int | None = None
    total_subscribers: int | None = None
    unique_subscribers: int | None = None
    folder_id: Id | None = None


class EmailCampaign(Contract):
    """One sent email campaign and its totals to date, from GET /v3/emailCampaigns?status=sent."""

    id: Id
    name: str | None = None
    subject: str | None = None
    type: str | None = Field(default=None, description="classic or trigger.")
    status: str | None = None
    tag: str | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    scheduled_at: dt.datetime | None = None
    sent_date: dt.datetime = Field(description="When the campaign was sent (UTC); its unified day is this day in UTC.")
    sent: int | None = None
    delivered: int | None = None
    viewed: int | None = Field(default=None, description="Openings (all of them).")
    unique_views: int | None = Field(default=None, description="Unique openings.")
    trackable_views: int | None = None
    clickers: int | None = Field(default=None, description="Brevo: 'Number of total clicks for the campaign'.")
    unique_clicks: int | None = None
    soft_bounces: int | None = None
    hard_bounces: int | None = None
    unsubscriptions: int | None = None
    complaints: int | None = Field(default=None, description="Spam reports.")
    deferred: int | None = None
