"""Schema contracts: the columns of each raw ``google_ads_*`` table.

Columns are GAQL field names flattened (`gaql.F`): ``campaign.id`` -> ``campaign_id``,
``metrics.cost_micros`` -> ``cost_micros``, ``segments.date`` -> ``date``. Ids are
int64 in the API (sent as JSON strings by REST); they are kept as strings here, like every
other source's ids, so joins never depend on a numeric type. Money stays in micros as
Google sends it (``cost_micros``, ``cpc_bid_micros``), and daily rows add ``cost`` in
currency units (``cost_micros / 1e6``, exact decimal) next to the customer's
``currency_code``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Customer(Contract):
    """One client account (FROM customer)."""

    customer_id: Id
    descriptive_name: str | None = None
    currency_code: str | None = Field(default=None, description="ISO 4217; every money field of this account is in it.")
    time_zone: str | None = Field(default=None, description="Account time zone; segments.date is a day in it.")
    manager: bool | None = None
    test_account: bool | None = None
    status: str | None = None
    auto_tagging_enabled: bool | None = None


class Campaign(Contract):
    """One campaign (FROM campaign), with its budget amount."""

    customer_id: Id
    campaign_id: Id
    campaign_name: str | None = None
    status: str | None = Field(default=None, description="ENABLED, PAUSED or REMOVED.")
    advertising_channel_type: str | None = None
    bidding_strategy_type: str | None = None
    start_date_time: str | None = Field(default=None, description="'yyyy-MM-dd HH:mm:ss' in the account time zone.")
    end_date_time: str | None = None
    budget_amount_micros: int | None = Field(default=None, description="campaign_budget.amount_micros (daily budget).")


class AdGroup(Contract):
    """One ad group (FROM ad_group)."""

    customer_id: Id
    campaign_id: Id
    ad_group_id: Id
    ad_group_name: str | None = None
    status: str | None = None
    type: str | None = None
    cpc_bid_micros: int | None = None


class Ad(Contract):
    """One ad in one ad group (FROM ad_group_ad)."""

    customer_id: Id
    campaign_id: Id
    ad_group_id: Id
    ad_id: Id
    ad_name: str | None = None
    ad_type: str | None = None
    status: str | None = None
    final_urls: str | None = Field(default=None, description="JSON array of the ad's final URLs.")


class Keyword(Contract):
    """One keyword criterion of one ad group (FROM ad_group_criterion, type KEYWORD).

    A keyword's ``criterion_id`` is unique only within its ad group (the same text and
    match type has the same id everywhere), so the key includes ``ad_group_id``.
    """

    customer_id: Id
    campaign_id: Id
    ad_group_id: Id
    criterion_id: Id
    keyword_text: str | None = None
    keyword_match_type: str | None = Field(default=None, description="EXACT, PHRASE or BROAD.")
    status: str | None = None
    negative: bool | None = None
    cpc_bid_micros: int | None = None
    quality_score: int | None = None


class DailyMetrics(Contract):
    """What every daily performance row carries; ``date`` is segments.date (account time zone)."""

    customer_id: Id
    date: date
    currency_code: str | None = None
    cost_micros: int | None = Field(default=None, description="Cost in micros of the account currency, as Google sends it.")
    cost: Decimal | None = Field(default=None, description="cost_micros / 1e6, in the account currency.")
    impressions: int | None = None
    clicks: int | None = None
    conversions: float | None = None
    conversions_value: Decimal | None = Field(default=None, description="Value of the conversions, account currency (Google sends a double; loaded exact from its shortest text).")


class ReportMetrics(DailyMetrics):
    """The campaign, ad group and ad reports also read the metrics other connectors read."""

    view_through_conversions: int | None = Field(default=None, description="Conversions after an impression without a click (metrics.view_through_conversions).")
    all_conversions: float | None = Field(default=None, description="Every conversion action, also those not counted in Conversions.")
    all_conversions_value: Decimal | None = Field(default=None, description="Value of all_conversions, account currency (exact from Google's double).")
    interactions: int | None = Field(default=None, description="The channel's main interaction: clicks, video views, engagements.")
    video_trueview_views: int | None = Field(default=None, description="TrueView views of video ads (named video_views before v21).")


class CampaignDaily(ReportMetrics):
    campaign_id: Id
    campaign_name: str | None = None
    search_impression_share: float | None = Field(
        default=None, description="Search impressions / eligible impressions, a fraction from 0.1 to 1; 0.0999 means "
        "below 10% (Google's floor); NULL where it does not apply (not a Search campaign).")


class AdGroupDaily(ReportMetrics):
    campaign_id: Id
    ad_group_id: Id
    ad_group_name: str | None = None


class AdDaily(ReportMetrics):
    campaign_id: Id
    ad_group_id: Id
    ad_id: Id


class KeywordDaily(DailyMetrics):
    campaign_id: Id
    ad_group_id: Id
    criterion_id: Id
    keyword_text: str | None = None
    keyword_match_type: str | None = None


class SearchTermDaily(DailyMetrics):
    """search_term_view: metrics per search term, ad group, matched keyword and day."""

    campaign_id: Id
    ad_group_id: Id
    search_term: str
    search_term_status: str | None = Field(default=None, description="ADDED, EXCLUDED, ADDED_EXCLUDED or NONE.")
    keyword_text: str = Field(description="segments.keyword.info.text: the keyword that matched ('' if none).")
    keyword_match_type: str = Field(description="segments.keyword.info.match_type ('' if none).")
