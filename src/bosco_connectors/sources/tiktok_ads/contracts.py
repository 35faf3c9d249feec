"""Schema contracts: the columns each raw table is promised to have.

Field names are TikTok's own (``spend``, ``conversion``, ``total_complete_payment_rate``...),
so the raw tables read like the API reference. TikTok sends ids as strings (v1.3) and
report metrics as strings too; the contracts type metrics as numbers and the Arrow
conversion casts the vendor strings column by column.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Advertiser(Contract):
    """One ad account, from /advertiser/info/."""

    advertiser_id: Id
    name: str | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code; every money metric of this advertiser is in it.")
    timezone: str | None = Field(default=None, description="Account time zone; report days (stat_time_day) are local to it.")
    display_timezone: str | None = None
    status: str | None = None
    role: str | None = None
    company: str | None = None
    country: str | None = None
    balance: Decimal | None = None
    create_time: datetime | None = Field(default=None, description="Creation time (TikTok sends epoch seconds).")


class Campaign(Contract):
    """One campaign, from /campaign/get/."""

    campaign_id: Id
    advertiser_id: Id
    campaign_name: str | None = None
    objective_type: str | None = None
    operation_status: str | None = Field(default=None, description="ENABLE or DISABLE, as set by the advertiser.")
    secondary_status: str | None = Field(default=None, description="Delivery status, e.g. CAMPAIGN_STATUS_ENABLE.")
    budget: Decimal | None = None
    budget_mode: str | None = None
    create_time: datetime | None = None
    modify_time: datetime | None = None


class AdGroup(Contract):
    """One ad group, from /adgroup/get/."""

    adgroup_id: Id
    advertiser_id: Id
    campaign_id: Id
    adgroup_name: str | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    budget: Decimal | None = None
    budget_mode: str | None = None
    optimization_goal: str | None = None
    billing_event: str | None = None
    create_time: datetime | None = None
    modify_time: datetime | None = None


class Ad(Contract):
    """One ad, from /ad/get/."""

    ad_id: Id
    advertiser_id: Id
    campaign_id: Id
    adgroup_id: Id
    ad_name: str | None = None
    campaign_name: str | None = None
    adgroup_name: str | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    ad_text: str | None = None
    landing_page_url: str | None = None
    create_time: datetime | None = None
    modify_time: datetime | None = None


class DailyMetrics(Contract):
    """The metrics every daily report row carries (BASIC report, AUCTION service).

    ``advertiser_id`` is the partition the row was read for; ``stat_time_day`` is a day
    in the advertiser's time zone. Money is in the advertiser's currency (see the
    advertisers table).
    """

    advertiser_id: Id
    stat_time_day: date
    spend: Decimal | None = Field(default=None, description="In the advertiser's currency, exact (decimal(38, 9)).")
    impressions: int | None = None
    clicks: int | None = None
    reach: int | None = None
    ctr: float | None = Field(default=None, description="Click-through rate in percent (1.5 means 1.5%).")
    cpc: float | None = None
    cpm: float | None = None
    conversion: int | None = Field(default=None, description="Conversions of the optimization event.")
    complete_payment: int | None = Field(default=None, description="Complete Payment (purchase) events.")
    total_complete_payment_rate: Decimal | None = Field(
        default=None, description="Total Complete Payment Value: purchase value, despite the name."
    )
    cash_spend: Decimal | None = Field(default=None, description="Cost charged by cash, advertiser's currency (part of spend).")
    voucher_spend: Decimal | None = Field(default=None, description="Cost charged by voucher (ad credit), advertiser's currency (part of spend).")
    video_play_actions: int | None = Field(default=None, description="Video views: times the video started to play (each impression counted once).")
    video_watched_2s: int | None = Field(default=None, description="Plays of at least 2 seconds (or completed, if shorter).")
    video_watched_6s: int | None = Field(default=None, description="Plays of at least 6 seconds (or completed, if shorter).")
    video_views_p25: int | None = Field(default=None, description="Plays that reached 25% of the video.")
    video_views_p50: int | None = Field(default=None, description="Plays that reached 50% of the video.")
    video_views_p75: int | None = Field(default=None, description="Plays that reached 75% of the video.")
    video_views_p100: int | None = Field(default=None, description="Plays that reached the end of the video.")
    engagements: int | None = Field(default=None, description="Engagements with the ad (clicks, likes, comments, shares, follows, profile visits).")


class AdvertiserDaily(DailyMetrics):
    """AUCTION_ADVERTISER, dimensions advertiser_id + stat_time_day."""


class CampaignDaily(DailyMetrics):
    """AUCTION_CAMPAIGN, dimensions campaign_id + stat_time_day."""

    campaign_id: Id
    campaign_name: str | None = None


class AdGroupDaily(DailyMetrics):
    """AUCTION_ADGROUP, dimensions adgroup_id + stat_time_day."""

    adgroup_id: Id
    adgroup_name: str | None = None
    campaign_id: Id | None = None
    campaign_name: str | None = None


class AdDaily(DailyMetrics):
    """AUCTION_AD, dimensions ad_id + stat_time_day; parent ids for roll-ups; the purchase,
    registration and lead metrics are read at this level (sum them up the tree)."""

    complete_payment_roas: float | None = Field(default=None, description="Complete Payment ROAS: total_complete_payment_rate / spend (a ratio, not percent).")
    value_per_complete_payment: Decimal | None = Field(default=None, description="Average value of a Complete Payment, advertiser's currency.")
    registration: int | None = Field(default=None, description="App registrations (in-app event).")
    total_registration: int | None = Field(default=None, description="Total app registration events.")
    form: int | None = Field(default=None, description="Form submissions on the website (page event Submit Form).")
    onsite_form: int | None = Field(default=None, description="Instant Form (lead generation) submissions on TikTok.")
    ad_id: Id
    ad_name: str | None = None
    adgroup_id: Id | None = None
    adgroup_name: str | None = None
    campaign_id: Id | None = None
    campaign_name: str | None = None
