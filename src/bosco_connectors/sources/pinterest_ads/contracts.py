"""Schema contracts of the pinterest_ads raw tables.

Entity fields keep Pinterest's names (``ad_account_id``, ``objective_type``, ``summary_status``);
report columns are Pinterest's column names in lower case (``IMPRESSION_1`` -> ``impression_1``),
except the money columns sent in micro-units of the ad account's currency, which arrive here
in currency units as exact decimals under a name without the unit (``SPEND_IN_MICRO_DOLLAR`` ->
``spend``). Ids are strings (Pinterest documents them as numeric strings of up to 18 digits).
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from decimal import Decimal
from typing import Any

from pydantic import Field

from ...framework import Contract, Id


class AdAccount(Contract):
    """One ad account, from GET /ad_accounts/{ad_account_id}."""

    id: Id
    name: str | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code; every money column of the account is in it.")
    country: str | None = None
    owner: dict[str, Any] | None = Field(default=None, description="The owning user: {username, id}.")
    permissions: list[str] | None = Field(default=None, description="The token user's Business Access roles on the account.")
    created_time: dt.datetime | None = Field(default=None, description="Sent as Unix seconds.")
    updated_time: dt.datetime | None = Field(default=None, description="Sent as Unix seconds.")


class Campaign(Contract):
    """One campaign, from GET /ad_accounts/{ad_account_id}/campaigns."""

    id: Id
    ad_account_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="ACTIVE, PAUSED or ARCHIVED (entity status).")
    summary_status: str | None = None
    objective_type: str | None = None
    daily_spend_cap: int | None = Field(default=None, description="As sent: Pinterest documents no unit for it.")
    lifetime_spend_cap: int | None = Field(default=None, description="As sent: Pinterest documents no unit for it.")
    order_line_id: Id | None = None
    tracking_urls: dict[str, Any] | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    created_time: dt.datetime | None = None
    updated_time: dt.datetime | None = None


class AdGroup(Contract):
    """One ad group, from GET /ad_accounts/{ad_account_id}/ad_groups."""

    id: Id
    ad_account_id: Id
    campaign_id: Id
    name: str | None = None
    status: str | None = None
    summary_status: str | None = None
    budget: Decimal | None = Field(default=None, description="budget_in_micro_currency / 1e6, in the account currency.")
    bid: Decimal | None = Field(default=None, description="bid_in_micro_currency / 1e6, in the account currency.")
    budget_type: str | None = None
    billable_event: str | None = None
    conversion_learning_mode_type: str | None = Field(default=None, description="oCPM learn mode: ACTIVE, NOT_ACTIVE or null.")
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    created_time: dt.datetime | None = None
    updated_time: dt.datetime | None = None


class Ad(Contract):
    """One ad (a promoted Pin), from GET /ad_accounts/{ad_account_id}/ads."""

    id: Id
    ad_account_id: Id
    campaign_id: Id
    ad_group_id: Id
    pin_id: Id | None = None
    name: str | None = None
    status: str | None = None
    summary_status: str | None = None
    review_status: str | None = None
    creative_type: str | None = None
    destination_url: str | None = None
    android_deep_link: str | None = None
    ios_deep_link: str | None = None
    click_tracking_url: str | None = None
    view_tracking_url: str | None = None
    tracking_urls: dict[str, Any] | None = None
    rejected_reasons: list[str] | None = None
    rejection_labels: list[str] | None = None
    created_time: dt.datetime | None = None
    updated_time: dt.datetime | None = None


class _Daily(Contract):
    """The metrics every level's daily report asks for (``report_format`` JSON: a metric with no
    value may be left out of its row, and loads as null)."""

    ad_account_id: Id
    date: dt.date = Field(description="The report day (Pinterest's report dates are documented as UTC).")
    spend: Decimal | None = Field(default=None, description="SPEND_IN_MICRO_DOLLAR / 1e6, in the ad account's currency.")
    impression_1: int | None = Field(default=None, description="Paid impressions.")
    impression_2: int | None = Field(default=None, description="Earned impressions.")
    clickthrough_1: int | None = Field(default=None, description="Paid Pin clicks.")
    clickthrough_2: int | None = Field(default=None, description="Earned Pin clicks.")
    outbound_click_1: int | None = Field(default=None, description="Paid outbound clicks (to the destination URL).")
    total_conversions: float | None = Field(default=None, description="Conversions of every Pinterest Tag event type.")
    total_conversions_value: Decimal | None = Field(
        default=None, description="TOTAL_CONVERSIONS_VALUE_IN_MICRO_DOLLAR / 1e6, in the ad account's currency.")
    total_checkout: float | None = Field(default=None, description="Checkout conversions.")
    total_checkout_value: Decimal | None = Field(
        default=None, description="TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR / 1e6, in the ad account's currency.")


class CampaignDaily(_Daily):
    """One campaign and day (report level CAMPAIGN)."""

    campaign_id: Id
    campaign_name: str | None = None


class AdGroupDaily(_Daily):
    """One ad group and day (report level AD_GROUP)."""

    ad_group_id: Id
    ad_group_name: str | None = None
    campaign_id: Id | None = None
    campaign_name: str | None = None


class AdDaily(_Daily):
    """One ad and day (report level PIN_PROMOTION)."""

    ad_id: Id
    ad_name: str | None = None
    pin_id: Id | None = None
    ad_group_id: Id | None = None
    ad_group_name: str | None = None
    campaign_id: Id | None = None
    campaign_name: str | None = None
