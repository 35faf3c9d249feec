"""Schema contracts: the columns each raw table is promised to have.

Names are Reddit's own (Ads API v3 objects are flat JSON objects under ``data``; report rows
are the lower-case names of the requested fields and breakdowns). Money Reddit sends in
micro-currency (``spend``, ``spend_cap``, ``bid_value``) and in cents
(``conversion_purchase_total_value``) is loaded in the account's currency units as exact
decimals. Which evidence each field follows is in ``cassettes/reddit_ads/SOURCES.md``.
"""

from __future__ import annotations

import datetime as dt  # a field named ``date`` must not shadow the type
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class AdAccount(Contract):
    """One ad account, from GET /api/v3/ad_accounts/{ad_account_id}."""

    id: Id
    name: str | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code; every money field of the account is in it.")
    time_zone_id: str | None = Field(default=None, description="IANA zone; the report's DATE rows are days in it.")
    business_id: Id | None = None
    attribution_type: str | None = Field(default=None, description="Which conversions reports count (click-through, view-through, both).")
    click_attribution_window: str | None = Field(default=None, description="The click window reports attribute conversions with.")
    view_attribution_window: str | None = Field(default=None, description="The view window reports attribute conversions with.")
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None


class Campaign(Contract):
    """One campaign, from GET /api/v3/ad_accounts/{ad_account_id}/campaigns."""

    id: Id
    ad_account_id: Id
    name: str | None = None
    objective: str | None = None
    configured_status: str | None = Field(default=None, description="What the advertiser set: ACTIVE, PAUSED, ARCHIVED...")
    effective_status: str | None = Field(default=None, description="What Reddit computes from it and the account's state.")
    spend_cap: Decimal | None = Field(default=None, description="Lifetime spend cap, sent in micro-currency; currency units.")
    funding_instrument_id: Id | None = None
    goal_type: str | None = None
    goal_value: int | None = Field(default=None, description="As sent: micro-currency for money goals (CBO campaigns only).")
    is_campaign_budget_optimization: bool | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None


class AdGroup(Contract):
    """One ad group (targeting, bid, schedule), from GET /api/v3/ad_accounts/{ad_account_id}/ad_groups."""

    id: Id
    ad_account_id: Id
    campaign_id: Id
    name: str | None = None
    configured_status: str | None = None
    effective_status: str | None = None
    bid_strategy: str | None = None
    bid_type: str | None = None
    bid_value: Decimal | None = Field(default=None, description="Bid per billing event, sent in micro-currency; currency units.")
    goal_type: str | None = None
    goal_value: int | None = Field(default=None, description="As sent: micro-currency for money goals (DAILY_SPEND...).")
    optimization_goal: str | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None


class Ad(Contract):
    """One ad, from GET /api/v3/ad_accounts/{ad_account_id}/ads."""

    id: Id
    ad_account_id: Id
    ad_group_id: Id
    campaign_id: Id | None = None
    name: str | None = None
    configured_status: str | None = None
    effective_status: str | None = None
    post_id: Id | None = None
    post_url: str | None = None
    click_url: str | None = None
    rejection_reason: str | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None


class ReportDaily(Contract):
    """One row of POST /api/v3/ad_accounts/{ad_account_id}/reports with the DATE breakdown.

    ``date`` is a day in the ad account's time zone (the request's ``time_zone_id``).
    """

    ad_account_id: Id
    date: dt.date
    spend: Decimal | None = Field(default=None, description="Sent in micro-currency; loaded in the account's currency units.")
    impressions: int | None = None
    clicks: int | None = Field(default=None, description="Clicks on the ad, Reddit's click.")
    reach: int | None = None
    frequency: float | None = None
    key_conversion_total_count: int | None = Field(default=None, description="Conversions of the account's key conversion event.")
    key_conversion_clicks: int | None = None
    key_conversion_views: int | None = None
    conversion_purchase_clicks: int | None = Field(default=None, description="Click-through purchases.")
    conversion_purchase_views: int | None = Field(default=None, description="View-through purchases.")
    conversion_purchase_total_items: int | None = None
    conversion_purchase_total_value: Decimal | None = Field(default=None, description="Purchase value, sent in cents; currency units.")
    conversion_roas: float | None = None
    currency: str | None = None


class CampaignDaily(ReportDaily):
    """Breakdowns CAMPAIGN_ID and DATE: one row per campaign and day."""

    campaign_id: Id


class AdDaily(ReportDaily):
    """Breakdowns AD_ID, AD_GROUP_ID and DATE: one row per ad and day, naming the ad's ad group."""

    ad_id: Id
    ad_group_id: Id
