"""Schema contracts of the drip raw tables (Drip's names are snake case already)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Broadcast(Contract):
    """One single-email campaign (broadcast), from GET /v2/:account_id/broadcasts?status=all."""

    id: Id
    status: str | None = Field(default=None, description="draft, scheduled, sending, sent, canceled or deleted.")
    name: str | None = None
    subject: str | None = None
    from_name: str | None = None
    from_email: str | None = None
    localize_sending_time: bool | None = None
    send_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    href: str | None = None
    preview_url: str | None = None


class EmailMetrics(Contract):
    """One email sent on a day and its metrics to date, from GET /v2/:account_id/metrics/email (``emails``),
    asked one day at a time: ``send_day`` is the day asked for."""

    email_id: Id
    send_day: dt.date = Field(description="The day (start_date = end_date) the email was sent, as asked.")
    broadcast_id: Id | None = Field(default=None, description="Only for emails sent as broadcasts.")
    title: str | None = None
    sends: int | None = None
    deliveries: int | None = None
    opens: int | None = Field(default=None, description="Unique opens (Drip's open rate is unique).")
    clicks: int | None = None
    bot_clicks: int | None = None
    unsubscribes: int | None = None
    hard_bounces: int | None = None
    complaints: int | None = None
    orders: int | None = Field(default=None, description="Email-attributed orders.")
    revenue: Decimal | None = Field(default=None, description="Email-attributed revenue (revenue_in_cents / 100).")
    revenue_per_person: Decimal | None = None
    average_order_value: Decimal | None = None
    open_rate: float | None = None
    click_rate: float | None = None
    bot_click_rate: float | None = None
    unsubscribe_rate: float | None = None
    hard_bounce_rate: float | None = None
    complaint_rate: float | None = None
    order_rate: float | None = None
