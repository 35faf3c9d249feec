"""Schema contracts: the columns each raw table is promised to have.

Names are Meta's own (``id``, ``effective_status``, ``date_start``, ``spend``), so a raw
table reads like the Marketing API reference. Meta sends ids, budgets and every insights
metric as strings; the contracts type them and the conversion casts Meta's strings.
Budgets stay in the account currency's minor units, as Meta sends them (cents for USD).
Times are UTC.

``actions`` and ``action_values`` keep Meta's lists as JSON text
(``[{"action_type": "omni_purchase", "value": "3"}, ...]``). The configured conversion
action types are also summed into ``conversions`` / ``conversion_value`` and loaded one
column per type (``actions_<type>`` / ``action_values_<type>``, dots as underscores);
`with_action_columns` adds those columns to a contract.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Optional

from pydantic import Field, create_model

from ...framework import Contract, Id


class AdAccount(Contract):
    """One ad account, from ``GET act_{id}``."""

    account_id: Id = Field(description="The numeric id, without the 'act_' prefix.")
    id: Id = Field(description="The Graph node id, 'act_<account_id>'.")
    name: str | None = None
    currency: str | None = Field(default=None, description="ISO 4217; every amount of the account is in it.")
    timezone_name: str | None = Field(default=None, description="Insights days (date_start) are days in this time zone.")
    account_status: int | None = Field(default=None, description="1 active, 2 disabled, 3 unsettled, 7 pending risk review, ...")
    business_name: str | None = None
    created_time: datetime | None = None


class Campaign(Contract):
    """One campaign, from ``GET act_{id}/campaigns``."""

    id: Id
    account_id: Id
    name: str | None = None
    objective: str | None = Field(default=None, description="e.g. OUTCOME_SALES, OUTCOME_TRAFFIC, OUTCOME_LEADS.")
    status: str | None = Field(default=None, description="Set by the advertiser: ACTIVE, PAUSED, DELETED, ARCHIVED.")
    effective_status: str | None = Field(default=None, description="Delivery status, including parents' state.")
    buying_type: str | None = None
    daily_budget: int | None = Field(default=None, description="Minor units of the account currency.")
    lifetime_budget: int | None = Field(default=None, description="Minor units of the account currency.")
    created_time: datetime | None = None
    updated_time: datetime | None = None
    start_time: datetime | None = None
    stop_time: datetime | None = None


class AdSet(Contract):
    """One ad set (the unified model's ad group), from ``GET act_{id}/adsets``."""

    id: Id
    account_id: Id
    campaign_id: Id
    name: str | None = None
    status: str | None = None
    effective_status: str | None = None
    daily_budget: int | None = Field(default=None, description="Minor units of the account currency.")
    lifetime_budget: int | None = Field(default=None, description="Minor units of the account currency.")
    optimization_goal: str | None = None
    billing_event: str | None = None
    created_time: datetime | None = None
    updated_time: datetime
    start_time: datetime | None = None
    end_time: datetime | None = None


class Ad(Contract):
    """One ad, from ``GET act_{id}/ads``; ``creative_id`` is Meta's ``creative.id``."""

    id: Id
    account_id: Id
    campaign_id: Id
    adset_id: Id
    name: str | None = None
    status: str | None = None
    effective_status: str | None = None
    creative_id: Id | None = None
    created_time: datetime | None = None
    updated_time: datetime


class AdCreative(Contract):
    """One ad creative, from ``GET act_{id}/adcreatives``."""

    id: Id
    account_id: Id
    name: str | None = None
    title: str | None = None
    body: str | None = None
    object_type: str | None = None
    status: str | None = None
    call_to_action_type: str | None = None


class InsightsDaily(Contract):
    """One day of delivery, from an async insights job with ``time_increment=1``.

    ``date_start`` = ``date_stop`` = the day, in the ad account's time zone; money in
    ``account_currency``.
    """

    account_id: Id
    account_name: str | None = None
    account_currency: str | None = None
    date_start: date
    date_stop: date | None = None
    spend: Decimal | None = None
    impressions: int | None = None
    clicks: int | None = Field(default=None, description="All clicks; inline_link_clicks counts link clicks only.")
    inline_link_clicks: int | None = None
    reach: int | None = None
    frequency: float | None = None
    cpm: float | None = None
    cpc: float | None = None
    ctr: float | None = Field(default=None, description="Click-through rate in percent.")
    actions: str | None = Field(default=None, description="Meta's actions list as JSON text.")
    action_values: str | None = Field(default=None, description="Meta's action_values list as JSON text.")
    conversions: float | None = Field(default=None, description="Sum of the configured conversion action types.")
    conversion_value: Decimal | None = Field(default=None, description="Sum of their action_values, account currency.")
    unique_clicks: int | None = Field(default=None, description="People who clicked (estimated; not additive across days or levels).")
    unique_inline_link_clicks: int | None = Field(default=None, description="People who clicked a link (estimated; not additive).")
    unique_ctr: float | None = Field(default=None, description="unique_clicks / reach, in percent.")
    unique_inline_link_click_ctr: float | None = Field(default=None, description="unique_inline_link_clicks / reach, in percent.")
    purchase_roas: float | None = Field(default=None, description="Purchase ROAS of omni_purchase (Meta's purchase_roas stat of that type).")
    video_play_actions: int | None = Field(default=None, description="Video plays (Meta's video_play_actions, summed: starts of play).")
    video_thruplay_watched_actions: int | None = Field(default=None, description="ThruPlays: plays to the end, or of at least 15 seconds.")


class InsightsAccountDaily(InsightsDaily):
    """``level=account``: one row per ad account and day."""


class InsightsCampaignDaily(InsightsDaily):
    """``level=campaign``: one row per campaign and day."""

    campaign_id: Id
    campaign_name: str | None = None


class InsightsAdSetDaily(InsightsDaily):
    """``level=adset``: one row per ad set and day, with its campaign."""

    adset_id: Id
    adset_name: str | None = None
    campaign_id: Id | None = None
    campaign_name: str | None = None


class InsightsAdDaily(InsightsDaily):
    """``level=ad``: one row per ad and day, with its ad set and campaign."""

    ad_id: Id
    ad_name: str | None = None
    adset_id: Id | None = None
    adset_name: str | None = None
    campaign_id: Id | None = None
    campaign_name: str | None = None


def action_column(action_type: str, kind: str = "actions") -> str:
    """``offsite_conversion.fb_pixel_purchase`` -> ``actions_offsite_conversion_fb_pixel_purchase``."""
    return f"{kind}_{re.sub(r'[^a-z0-9]+', '_', action_type.lower()).strip('_')}"


@lru_cache(maxsize=None)
def with_action_columns(base: type[InsightsDaily], action_types: tuple[str, ...], windows: tuple[str, ...] = ()) -> type[InsightsDaily]:
    """The contract plus one count and one value column per configured action type, and per
    attribution window (``conversions_7d_click``, ``conversion_value_7d_click``)."""
    extra = {}
    for window in windows:
        extra[f"conversions_{window}"] = (Optional[float], Field(default=None, description=f"conversions attributed in the {window} window."))
        extra[f"conversion_value_{window}"] = (
            Optional[Decimal], Field(default=None, description=f"conversion_value attributed in the {window} window."))
    for action_type in action_types:
        extra[action_column(action_type)] = (Optional[float], Field(default=None, description=f"'{action_type}' actions."))
        extra[action_column(action_type, "action_values")] = (
            Optional[Decimal],
            Field(default=None, description=f"Value of '{action_type}' actions, account currency."),
        )
    return create_model(base.__name__, __base__=base, __module__=base.__module__, __doc__=base.__doc__, **extra)
