"""Schema contracts of the klaviyo raw tables.

Klaviyo answers JSON:API resources ``{type, id, attributes, relationships, links}``; each
table is a resource's ``attributes`` moved up beside its ``id`` (relationships and links
stay nested objects). Report rows are a result's ``groupings`` and ``statistics`` moved up.
Statistics keep Klaviyo's names; ``conversion_value`` is the conversions' value in the
account's currency (``accounts.preferred_currency``), an exact decimal here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Account(Contract):
    """The account of the private key, from GET /api/accounts."""

    id: Id
    test_account: bool | None = None
    timezone: str | None = Field(default=None, description="IANA zone: report days and send days are local to it.")
    preferred_currency: str | None = Field(default=None, description="The currency of revenue statistics.")
    industry: str | None = None
    locale: str | None = None


class Campaign(Contract):
    """One campaign of one channel, from GET /api/campaigns (a channel filter is required)."""

    id: Id
    channel: str = Field(description="The channel filter it was read with: email, sms or mobile_push.")
    name: str | None = None
    status: str | None = None
    archived: bool | None = None
    created_at: dt.datetime | None = None
    scheduled_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    send_time: dt.datetime | None = Field(default=None, description="When the campaign was (or will be) sent.")


class CampaignMessage(Contract):
    """One message of a campaign, from GET /api/campaigns/{id}/campaign-messages."""

    id: Id
    campaign_id: Id
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Flow(Contract):
    """One flow (automation), from GET /api/flows."""

    id: Id
    name: str | None = None
    status: str | None = None
    archived: bool | None = None
    trigger_type: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None


class Metric(Contract):
    """One metric (event type: Placed Order, Opened Email...), from GET /api/metrics."""

    id: Id
    name: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None


class AudienceList(Contract):
    """One list, from GET /api/lists."""

    id: Id
    name: str | None = None
    opt_in_process: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None


class Profile(Contract):
    """One profile, from GET /api/profiles with the non-personal fields only (no name, email or phone)."""

    id: Id
    external_id: str | None = None
    locale: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    last_event_date: dt.datetime | None = None


class _Statistics(Contract):
    recipients: int | None = None
    delivered: int | None = None
    opens: int | None = None
    opens_unique: int | None = None
    clicks: int | None = None
    clicks_unique: int | None = None
    bounced: int | None = None
    unsubscribes: int | None = None
    unsubscribe_uniques: int | None = None
    spam_complaints: int | None = None
    conversions: float | None = Field(default=None, description="Events of the conversion metric the report was asked for.")
    conversion_uniques: int | None = None
    conversion_value: Decimal | None = Field(default=None, description="Their value, in the account's preferred currency.")


class CampaignValues(_Statistics):
    """One campaign message and channel, from POST /api/campaign-values-reports: its statistics to
    date, for a campaign sent within the request's timeframe."""

    campaign_id: Id
    campaign_message_id: Id
    send_channel: str
    conversion_metric_id: Id
    timeframe_end: dt.date = Field(description="The last send day of the request that read the row.")


class FlowDaily(_Statistics):
    """One flow message, channel and send day, from POST /api/flow-series-reports (interval daily)."""

    flow_id: Id
    flow_message_id: Id
    send_channel: str
    conversion_metric_id: Id
    date: dt.date = Field(description="The send day, in the account's time zone.")
