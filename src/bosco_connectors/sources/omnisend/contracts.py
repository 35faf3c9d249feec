"""Schema contracts of the omnisend raw tables: Omnisend's camelCase names in snake case."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ...framework import Contract, Id


class Campaign(Contract):
    """One campaign with its totals to date, from GET /v3/campaigns."""

    campaign_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="draft, paused, scheduled, inProgress or sent.")
    type: str | None = Field(default=None, description="standart or abTest (Omnisend's spelling).")
    from_name: str | None = None
    subject: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    start_date: dt.datetime | None = Field(default=None, description="When the campaign's emails started sending (UTC).")
    end_date: dt.datetime | None = None
    sent: int | None = Field(default=None, description="Sent emails count.")
    opened: int | None = Field(default=None, description="Open emails count: emails opened.")
    clicked: int | None = Field(default=None, description="Clicked links in emails count.")
    bounced: int | None = None
    complained: int | None = None
    unsubscribed: int | None = None
    all_subscribers: bool | None = None
    segments: list[str] | None = None
