"""Schema contracts of the x_ads raw tables.

Entity fields keep X's names (``entity_status``, ``daily_budget_amount_local_micro`` as
sent); ids are X's base-36 strings. Report rows are one entity and day of X's analytics
time series, metrics named as X names them; ``spend`` is ``billed_charge_local_micro`` and
the conversions' ``sale_amount`` are in currency units (from micros, exact decimals).
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Account(Contract):
    """One ads account, from GET accounts/:account_id."""

    id: Id
    name: str | None = None
    business_name: str | None = None
    business_id: str | None = None
    timezone: str | None = Field(default=None, description="The account's time zone (IANA); report days are local to it.")
    timezone_switch_at: dt.datetime | None = None
    industry_type: str | None = None
    approval_status: str | None = None
    deleted: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Campaign(Contract):
    """One campaign, from GET accounts/:account_id/campaigns (deleted ones included)."""

    id: Id
    account_id: Id
    name: str | None = None
    funding_instrument_id: Id | None = None
    entity_status: str | None = Field(default=None, description="ACTIVE, PAUSED, DRAFT.")
    effective_status: str | None = None
    servable: bool | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code of the campaign's money (its funding instrument's).")
    daily_budget_amount_local_micro: int | None = Field(default=None, description="As sent: micros of `currency`.")
    total_budget_amount_local_micro: int | None = Field(default=None, description="As sent: micros of `currency`.")
    budget_optimization: str | None = None
    purchase_order_number: str | None = None
    duration_in_days: int | None = None
    frequency_cap: int | None = None
    standard_delivery: bool | None = None
    reasons_not_servable: list[str] | None = None
    deleted: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class LineItem(Contract):
    """One line item (X's ad group), from GET accounts/:account_id/line_items (deleted ones included)."""

    id: Id
    account_id: Id
    campaign_id: Id
    name: str | None = None
    funding_instrument_id: Id | None = None
    entity_status: str | None = None
    objective: str | None = None
    goal: str | None = None
    product_type: str | None = None
    placements: list[str] | None = None
    currency: str | None = None
    bid_strategy: str | None = None
    pay_by: str | None = None
    bid_amount_local_micro: int | None = Field(default=None, description="As sent: micros of `currency`.")
    target_cpa_local_micro: int | None = None
    daily_budget_amount_local_micro: int | None = None
    total_budget_amount_local_micro: int | None = None
    advertiser_user_id: Id | None = None
    advertiser_domain: str | None = None
    primary_web_event_tag: str | None = None
    automatic_tweet_promotion: bool | None = None
    android_app_store_identifier: str | None = None
    ios_app_store_identifier: str | None = None
    categories: list[str] | None = None
    creative_source: str | None = None
    duration_in_days: int | None = None
    frequency_cap: int | None = None
    standard_delivery: bool | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    deleted: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class PromotedTweet(Contract):
    """One promoted post (X's ad), from GET accounts/:account_id/promoted_tweets (deleted line items' included)."""

    id: Id
    account_id: Id
    line_item_id: Id
    tweet_id: Id | None = None
    entity_status: str | None = None
    approval_status: str | None = None
    deleted: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class _Daily(Contract):
    """What one entity and day of the analytics file holds (metric groups ENGAGEMENT, BILLING,
    WEB_CONVERSION). A metric X sends as null (no delivery) is null."""

    account_id: Id
    date: dt.date = Field(description="A day in the ads account's time zone.")
    impressions: int | None = None
    engagements: int | None = None
    clicks: int | None = Field(default=None, description="All clicks, likes and other engagements included.")
    url_clicks: int | None = Field(default=None, description="Clicks on the link or Website Card, earned included.")
    app_clicks: int | None = None
    retweets: int | None = None
    replies: int | None = None
    likes: int | None = None
    follows: int | None = None
    card_engagements: int | None = None
    qualified_impressions: int | None = None
    carousel_swipes: int | None = None
    billed_engagements: int | None = None
    spend: Decimal | None = Field(default=None, description="billed_charge_local_micro / 1e6, in the campaign's currency.")
    conversion_purchases_metric: int | None = Field(default=None, description="Purchases (web conversion tags).")
    conversion_purchases_post_view: int | None = None
    conversion_purchases_post_engagement: int | None = None
    conversion_purchases_sale_amount: Decimal | None = Field(default=None, description="Purchases' sale amount / 1e6.")
    conversion_sign_ups_metric: int | None = None
    conversion_sign_ups_sale_amount: Decimal | None = None
    conversion_site_visits_metric: int | None = None
    conversion_site_visits_sale_amount: Decimal | None = None
    conversion_downloads_metric: int | None = None
    conversion_downloads_sale_amount: Decimal | None = None
    conversion_custom_metric: int | None = None
    conversion_custom_sale_amount: Decimal | None = None


class CampaignDaily(_Daily):
    """One campaign and day (entity CAMPAIGN)."""

    campaign_id: Id


class LineItemDaily(_Daily):
    """One line item and day (entity LINE_ITEM); the campaign comes from the line items read."""

    line_item_id: Id
    campaign_id: Id


class PromotedTweetDaily(_Daily):
    """One promoted post and day (entity PROMOTED_TWEET); the line item comes from the promoted posts read."""

    promoted_tweet_id: Id
    line_item_id: Id
