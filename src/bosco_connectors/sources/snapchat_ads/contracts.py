"""Schema contracts: the columns each raw table is promised to have.

Names are Snap's own. Snap nests every entity under its kind (``{"campaign": {...}}``);
the records are read from inside it. Money sent in micro-currency (``*_micro``,
``spend``) is loaded in currency units as exact decimals, under the name without the
``_micro`` suffix. Lists of text (``delivery_status``) and the ad squad's ``targeting``
are declared, so that they load as JSON columns of their row, not as child tables.
"""

from __future__ import annotations

import datetime as dt  # a field named ``date`` must not shadow the type
from decimal import Decimal
from typing import Any

from pydantic import Field

from ...framework import Contract, Id


class Organization(Contract):
    """One organization the token can see, from GET /v1/me/organizations."""

    id: Id
    name: str | None = None
    type: str | None = None
    country: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class AdAccount(Contract):
    """One ad account, from GET /v1/adaccounts/{id}."""

    id: Id
    name: str | None = None
    organization_id: Id | None = None
    type: str | None = None
    status: str | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code; spend of this account is in it.")
    timezone: str | None = Field(default=None, description="IANA zone; a DAY of stats is a day in it.")
    funding_source_ids: list[str] | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Campaign(Contract):
    """One campaign, from GET /v1/adaccounts/{id}/campaigns."""

    id: Id
    ad_account_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="ACTIVE or PAUSED.")
    objective: str | None = None
    daily_budget: Decimal | None = Field(default=None, description="daily_budget_micro, in currency units.")
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    delivery_status: list[str] | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class AdSquad(Contract):
    """One ad squad (Snap's ad set: targeting, budget, bid), from GET /v1/adaccounts/{id}/adsquads."""

    id: Id
    ad_account_id: Id
    campaign_id: Id
    name: str | None = None
    status: str | None = None
    type: str | None = None
    optimization_goal: str | None = None
    billing_event: str | None = None
    bid: Decimal | None = Field(default=None, description="bid_micro, in currency units.")
    daily_budget: Decimal | None = Field(default=None, description="daily_budget_micro, in currency units.")
    targeting: dict[str, Any] | None = None
    delivery_status: list[str] | None = None
    start_time: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Ad(Contract):
    """One ad, from GET /v1/adaccounts/{id}/ads."""

    id: Id
    ad_account_id: Id
    ad_squad_id: Id
    creative_id: Id | None = None
    name: str | None = None
    status: str | None = None
    type: str | None = None
    review_status: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class DailyStats(Contract):
    """One day of one entity's stats (granularity DAY), from GET /v1/<entities>/{id}/stats.

    ``date`` is the day in the ad account's time zone (the day's ``start_time``, a local
    midnight); ``end_time`` is the next local midnight (a DST day lasts 23 or 25 hours).
    """

    ad_account_id: Id
    campaign_id: Id
    date: dt.date
    end_time: str | None = None
    impressions: int | None = None
    swipes: int | None = Field(default=None, description="Swipe-ups: Snap's click.")
    spend: Decimal | None = Field(default=None, description="Sent in micro-currency; loaded in the account's currency units.")
    video_views: int | None = None
    conversion_purchases: int | None = Field(default=None, description="Purchases attributed under the account's windows.")
    conversion_purchases_value: Decimal | None = Field(default=None, description="Sent in micro-currency; loaded in currency units.")
    conversion_sign_ups: int | None = None


class CampaignStatsDaily(DailyStats):
    """GET /v1/campaigns/{campaign_id}/stats."""


class AdSquadStatsDaily(DailyStats):
    """GET /v1/adsquads/{ad_squad_id}/stats."""

    ad_squad_id: Id


class AdStatsDaily(DailyStats):
    """GET /v1/ads/{ad_id}/stats."""

    ad_squad_id: Id
    ad_id: Id
