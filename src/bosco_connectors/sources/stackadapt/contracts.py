"""Schema contracts: the columns each raw table is promised to have.

Field names are StackAdapt's own GraphQL names in snake case (``isArchived`` is
``is_archived``; dlt would fold them so anyway), nested ids under the aliases our queries
give them (``campaignGroup { campaignGroupId: id }`` is ``campaign_group_id``). ``advertiser_id`` is the advertiser each request
was filtered on. Money (``MoneyValue``: a decimal string such as ``"100.57"``, in the
account's currency) is loaded as exact decimals; counts typed ``BigInt`` arrive as strings
and load as integers.
"""

from __future__ import annotations

import datetime as dt  # a field named ``date`` must not shadow the type
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Advertiser(Contract):
    """One advertiser, from ``advertisers``, with the account's currency beside it."""

    id: Id
    advertiser_id: Id
    name: str | None = None
    description: str | None = None
    is_archived: bool | None = None
    currency: str | None = Field(default=None, description="account.currency: the currency of every MoneyValue of the account.")


class CampaignGroup(Contract):
    """One campaign group (the unified campaign), from ``campaignGroups``."""

    id: Id
    advertiser_id: Id
    name: str | None = None
    timezone: str | None = Field(default=None, description="The campaign group's time zone.")
    created_at: dt.datetime | None = None
    is_archived: bool | None = None
    state: str | None = Field(default=None, description="campaignGroupStatus.state: EMPTY, ENDED, INACTIVE, LIVE or PAUSED.")
    status: str | None = Field(default=None, description="campaignGroupStatus.status (set by the system).")


class Campaign(Contract):
    """One campaign (the unified ad group), from ``campaigns``."""

    id: Id
    advertiser_id: Id
    campaign_group_id: Id | None = None
    name: str | None = None
    channel_type: str | None = None
    timezone: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    is_archived: bool | None = None
    is_draft: bool | None = None
    state: str | None = Field(default=None, description="campaignStatus.state: APPROVED, DRAFT, ENDED, ERROR, LIVE, PAUSED...")
    status: str | None = Field(default=None, description="campaignStatus.status (set by the system).")


class Ad(Contract):
    """One ad, from ``ads``; it names its campaign, not the campaign group."""

    id: Id
    advertiser_id: Id
    campaign_id: Id | None = None
    name: str | None = None
    channel_type: str | None = None
    is_archived: bool | None = None
    is_draft: bool | None = None
    paused: bool | None = None
    state: str | None = Field(default=None, description="creativeStatus.state: APPROVED, DRAFT, ENDED, ERROR, LIVE, PAUSED, PENDING.")
    status: str | None = Field(default=None, description="creativeStatus.status.")


class CampaignGroupDaily(Contract):
    """One campaign group and day, from ``campaignGroupDelivery(granularity: DAILY)``."""

    campaign_group_id: Id
    advertiser_id: Id
    date: dt.date = Field(description="granularity.startTime's date: a day in the account's time zone.")
    campaign_group_name: str | None = None
    cost: Decimal | None = Field(default=None, description="Media cost (MoneyValue), in the account's currency.")
    impressions_bigint: int | None = None
    clicks_bigint: int | None = None
    conversions_bigint: int | None = None
    conversion_revenue: Decimal | None = Field(default=None, description="Conversion revenue (MoneyValue), in the account's currency.")
