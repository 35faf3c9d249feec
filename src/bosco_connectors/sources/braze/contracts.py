"""Schema contracts of the braze raw tables (Braze's names are snake case already)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Campaign(Contract):
    """One campaign, from GET /campaigns/list."""

    id: Id
    name: str | None = None
    last_edited: dt.datetime | None = None
    is_api_campaign: bool | None = None
    tags: list[str] | None = None


class Canvas(Contract):
    """One Canvas, from GET /canvas/list."""

    id: Id
    name: str | None = None
    last_edited: dt.datetime | None = None
    tags: list[str] | None = None


class CampaignEmailDaily(Contract):
    """One campaign, day and email variation, from GET /campaigns/data_series (``messages.email``).

    The day's campaign-wide figures (all channels and variations) come with every variation's
    row, prefixed ``day_``: they are the day's, not the variation's.
    """

    campaign_id: Id
    date: dt.date = Field(description="The series' day ('time').")
    variation_api_id: str = Field(description="The variation API identifier.")
    sent: int | None = None
    delivered: int | None = None
    opens: int | None = Field(default=None, description="Every open.")
    unique_opens: int | None = None
    clicks: int | None = None
    unique_clicks: int | None = None
    unsubscribes: int | None = None
    bounces: int | None = None
    reported_spam: int | None = None
    day_unique_recipients: int | None = None
    day_conversions: int | None = None
    day_conversions_by_send_time: int | None = None
    day_revenue: Decimal | None = Field(default=None, description="The day's revenue of the whole campaign, in USD.")


class CanvasDaily(Contract):
    """One Canvas and day, from GET /canvas/data_series (``total_stats``)."""

    canvas_id: Id
    time: dt.date
    entries: int | None = None
    conversions: int | None = None
    conversions_by_entry_time: int | None = None
    revenue: Decimal | None = Field(default=None, description="In USD ('the number of dollars of revenue').")
