"""The columns of each raw Amazon Ads table: profiles, Sponsored Products entities, campaign reports.

Names are the API's, snake-cased by each stream's ``Records(rename=...)``. Ids are text:
profile and report ids arrive as JSON numbers (15 digits and more), entity ids as strings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Profile(Contract):
    """An advertising account in one marketplace (GET /v2/profiles)."""

    profile_id: Id
    country_code: str | None = None
    currency_code: str | None = Field(default=None, description="The marketplace's currency: every money metric of the profile.")
    timezone: str | None = Field(default=None, description="IANA zone of the marketplace; report days are local to it.")
    daily_budget: Decimal | None = None
    account_name: str | None = None
    account_type: str | None = Field(default=None, description="seller, vendor or agency.")
    account_info_id: str | None = None
    marketplace_string_id: str | None = None


class Campaign(Contract):
    """A Sponsored Products campaign (POST /sp/campaigns/list)."""

    campaign_id: Id
    profile_id: Id
    name: str | None = None
    state: str | None = Field(default=None, description="ENABLED, PAUSED or ARCHIVED.")
    targeting_type: str | None = None
    budget: Decimal | None = Field(default=None, description="Budget amount, in the profile's currency.")
    budget_type: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    portfolio_id: Id | None = None


class AdGroup(Contract):
    """A Sponsored Products ad group (POST /sp/adGroups/list)."""

    ad_group_id: Id
    campaign_id: Id
    profile_id: Id
    name: str | None = None
    state: str | None = None
    default_bid: Decimal | None = None


class ProductAd(Contract):
    """A Sponsored Products product ad (POST /sp/productAds/list)."""

    ad_id: Id
    ad_group_id: Id
    campaign_id: Id
    profile_id: Id
    state: str | None = None
    asin: str | None = None
    sku: str | None = None


class CampaignDaily(Contract):
    """One campaign and day of the spCampaigns, sbCampaigns or sdCampaigns report (version 3)."""

    profile_id: Id
    ad_product: str = Field(description="SPONSORED_PRODUCTS, SPONSORED_BRANDS or SPONSORED_DISPLAY.")
    campaign_id: Id
    date: dt.date = Field(description="The day, in the profile's time zone.")
    campaign_name: str | None = None
    campaign_status: str | None = None
    campaign_budget_currency_code: str | None = None
    impressions: int | None = None
    clicks: int | None = None
    cost: Decimal | None = Field(default=None, description="Total cost of ad clicks, in the campaign's currency.")
    purchases: int | None = Field(default=None, description="Conversions within 14 days (SP: purchases14d, click only).")
    sales: Decimal | None = Field(default=None, description="Sales within 14 days (SP: sales14d).")
