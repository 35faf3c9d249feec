"""Schema contracts of the customer_io raw tables (Customer.io's names are snake case already)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ...framework import Contract, Id


class Newsletter(Contract):
    """One newsletter (a one-time send, a "broadcast" in the app), from GET /v1/newsletters."""

    id: Id
    name: str | None = None
    type: str | None = Field(default=None, description="email, webhook, twilio (SMS), push, in_app or inbox.")
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    sent_at: dt.datetime | None = Field(default=None, description="The last time the one-time send was sent (UTC).")
    deduplicate_id: str | None = None
    content_ids: list[int] | None = None
    recipient_segment_ids: list[int] | None = None
    subscription_topic_id: int | None = None
    tags: list[str] | None = None


class NewsletterMetrics(Contract):
    """One newsletter's totals to date: each ``metric.series`` of GET /v1/newsletters/{id}/metrics
    (by month, 121 months: every month Customer.io keeps) summed."""

    newsletter_id: Id
    type: str | None = Field(default=None, description="The channel: email, webhook, twilio (SMS), push, in_app, inbox.")
    attempted: int | None = None
    sent: int | None = None
    delivered: int | None = None
    opened: int | None = Field(default=None, description="Messages opened (each message once), machine opens included.")
    human_opened: int | None = None
    prefetch_opened: int | None = None
    clicked: int | None = Field(default=None, description="Messages clicked (each message once).")
    human_clicked: int | None = None
    machine_clicked: int | None = None
    converted: int | None = None
    bounced: int | None = None
    spammed: int | None = None
    unsubscribed: int | None = None
    topic_unsubscribed: int | None = None
    failed: int | None = None
    undeliverable: int | None = None
    suppressed: int | None = None
    deferred: int | None = None
    created: int | None = None
    drafted: int | None = None
    replied: int | None = None
