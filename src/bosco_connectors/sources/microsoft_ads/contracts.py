"""The columns of each raw Microsoft Advertising table (Bing Ads API v13, REST JSON and report CSV).

Names are the API's, snake-cased by each stream's ``Records(rename=...)``; ids are text
(the REST JSON writes every ``long`` id as a string). Fields the contracts do not name
load as the API sends them (columns evolve).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Account(Contract):
    """An ad account (Customer Management ``GetAccount``: AdvertiserAccount)."""

    id: Id
    name: str | None = None
    number: str | None = None
    currency_code: str | None = Field(default=None, description="The account's currency (ISO code, e.g. USD).")
    time_zone: str | None = Field(default=None, description="TimeZoneType value, e.g. PacificTimeUSCanadaTijuana.")
    account_life_cycle_status: str | None = Field(default=None, description="Active, Inactive, Pause, Pending, Draft.")
    parent_customer_id: Id | None = None


class Campaign(Contract):
    """A campaign (Campaign Management ``GetCampaignsByAccountId``)."""

    id: Id
    account_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="Active, Paused, BudgetPaused, BudgetAndManualPaused, Deleted, Suspended.")
    campaign_type: str | None = None
    daily_budget: Decimal | None = Field(default=None, description="In the account's currency.")
    budget_type: str | None = None
    time_zone: str | None = None


class AdGroup(Contract):
    """An ad group (``GetAdGroupsByCampaignId``); the campaign id is the request's."""

    id: Id
    campaign_id: Id
    account_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="Active, Paused, Expired, Deleted.")
    language: str | None = None
    network: str | None = None
    ad_group_type: str | None = None


class Ad(Contract):
    """An ad (``GetAdsByAdGroupId``); the ad group and campaign ids are the request's."""

    id: Id
    ad_group_id: Id
    campaign_id: Id
    account_id: Id
    type: str | None = None
    status: str | None = Field(default=None, description="Active, Paused, Deleted.")
    editorial_status: str | None = None


class Keyword(Contract):
    """A keyword (``GetKeywordsByAdGroupId``); the ad group and campaign ids are the request's."""

    id: Id
    ad_group_id: Id
    campaign_id: Id
    account_id: Id
    text: str | None = None
    match_type: str | None = None
    status: str | None = None
    editorial_status: str | None = None


class CampaignDaily(Contract):
    """One campaign and day of the CampaignPerformanceReport (Daily aggregation, CSV)."""

    time_period: dt.date = Field(description="The day (TimePeriod, yyyy-mm-dd).")
    account_id: Id
    campaign_id: Id
    account_name: str | None = None
    campaign_name: str | None = None
    campaign_status: str | None = None
    currency_code: str | None = Field(default=None, description="The account's currency.")
    impressions: int | None = None
    clicks: int | None = None
    spend: Decimal | None = Field(default=None, description="In the account's currency (currency units).")
    conversions: float | None = Field(default=None, description="Conversions of goals not excluded from bidding.")
    revenue: Decimal | None = Field(default=None, description="Revenue of those conversions, in the account's currency.")
    all_conversions: float | None = Field(default=None, description="Conversions of every goal.")
    all_revenue: Decimal | None = None
