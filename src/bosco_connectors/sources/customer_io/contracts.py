"""Schema contracts of the customer_io raw tables (Customer.io's names are snake case already)."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


class MessageMetrics(Contract):
    """The message counts every metrics answer's ``metric.series`` holds (newsletters' and automations')."""

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


class NewsletterMetrics(MessageMetrics):
    """One newsletter's totals to date: each ``metric.series`` of GET /v1/newsletters/{id}/metrics
    (by month, 121 months: every month Customer.io keeps) summed."""

    newsletter_id: Id
    type: str | None = Field(default=None, description="The channel: email, webhook, twilio (SMS), push, in_app, inbox.")


class Campaign(Contract):
    """One automation (a "campaign" in the API's paths), from GET /v1/campaigns: the fields its seven
    trigger kinds share, and the trigger's own (event, date, object, relationship, webhook)."""

    id: Id
    name: str | None = None
    description: str | None = None
    state: str | None = Field(default=None, description="running, draft or stopped.")
    active: bool | None = Field(default=None, description="True while the automation can still send messages.")
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    first_started: dt.datetime | None = Field(default=None, description="When it was first started (became triggerable).")
    deduplicate_id: str | None = None
    tags: list[str] | None = None
    actions: list[dict[str, Any]] | None = Field(
        default=None, description="The automation's actions as GET /v1/campaigns lists them: [{id, type}] (JSON text), "
                                  "type being email, twilio, push, in_app, webhook...")
    filter_segment_ids: list[int] | None = None
    trigger_segment_ids: list[int] | None = None
    event_name: str | None = Field(default=None, description="Event-triggered: the event's name.")
    date_attribute: str | None = Field(default=None, description="Date-triggered: the profile attribute holding the date.")
    frequency: str | None = Field(default=None, description="Date-triggered: once, monthly or yearly.")
    start_hour: int | None = None
    start_minutes: int | None = None
    timezone: str | None = None
    use_customer_timezone: bool | None = None
    object_type_id: int | None = Field(default=None, description="Object- and relationship-triggered: the object type.")
    webhook_id: int | None = Field(default=None, description="Webhook-triggered: the webhook trigger's id.")


class CampaignMetricsDaily(MessageMetrics):
    """One automation's metrics on one channel and one UTC day: the day's entry of each ``metric.series``
    of GET /v1/campaigns/{id}/metrics (``version=2``, ``res=days``, asked per ``type``)."""

    campaign_id: Id
    type: str = Field(description="The channel asked for: email, twilio (SMS), push, in_app, whatsapp, slack, webhook, "
                                  "live_notification.")
    date: dt.date = Field(description="The UTC day of the series entry (the window starts at 00:00 UTC, one entry a day).")
    untracked: int | None = None
    open_untracked: int | None = None
    link_untracked: int | None = None
    tracking_consent_denied: int | None = None
    tracking_consent_granted: int | None = None
