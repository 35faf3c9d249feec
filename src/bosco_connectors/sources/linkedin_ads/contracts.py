"""Schema contracts: the columns each raw table is promised to have.

Names are LinkedIn's, in dlt's snake case (``costInLocalCurrency`` is
``cost_in_local_currency``). URNs that name a parent (``"account":
"urn:li:sponsoredAccount:507404993"``) are loaded as the bare id (``account_id``), the
value the other tables join on. Nested objects the contracts do not list
(``runSchedule``, ``totalBudget``, ``changeAuditStamps``...) load as dlt flattens them;
lists of text (``servingStatuses``) are declared, so that they load as JSON columns of
their row rather than as child tables.
"""

from __future__ import annotations

import datetime as dt  # a field named ``date`` must not shadow the type
from decimal import Decimal
from pydantic import Field

from ...framework import Contract, Id


class AdAccount(Contract):
    """One ad account, from GET /rest/adAccounts/{id}."""

    id: Id
    name: str | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code; every money metric of this account is in it.")
    status: str | None = Field(default=None, description="ACTIVE, CANCELED, DRAFT, PENDING_DELETION or REMOVED.")
    type: str | None = Field(default=None, description="BUSINESS or ENTERPRISE.")
    reference: str | None = Field(default=None, description="The organization or person URN the account advertises for.")
    serving_statuses: list[str] | None = None
    test: bool | None = None


class CampaignGroup(Contract):
    """One campaign group (Campaign Manager's "campaign" since its 2025 renaming), from adCampaignGroups?q=search."""

    id: Id
    account_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="ACTIVE, ARCHIVED, CANCELED, DRAFT, PAUSED, PENDING_DELETION or REMOVED.")
    serving_statuses: list[str] | None = Field(default=None, description="Why it serves or not (RUNNABLE, ...).")
    test: bool | None = None


class Campaign(Contract):
    """One campaign (Campaign Manager's "ad set"): targeting, bid and format, under one campaign group."""

    id: Id
    account_id: Id
    campaign_group_id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="ACTIVE, PAUSED, ARCHIVED, COMPLETED, CANCELED, DRAFT, PENDING_DELETION or REMOVED.")
    type: str | None = Field(default=None, description="TEXT_AD, SPONSORED_UPDATES, SPONSORED_INMAILS or DYNAMIC.")
    cost_type: str | None = Field(default=None, description="CPM, CPC or CPV.")
    objective_type: str | None = None
    format: str | None = None
    serving_statuses: list[str] | None = None
    test: bool | None = None


class Creative(Contract):
    """One creative (Campaign Manager's "ad"), from adAccounts/{id}/creatives?q=criteria."""

    id: Id = Field(description="The number of the creative's URN (urn:li:sponsoredCreative:{id}).")
    account_id: Id
    campaign_id: Id
    name: str | None = None
    intended_status: str | None = Field(default=None, description="ACTIVE, PAUSED, DRAFT, ARCHIVED, CANCELED... as set by the advertiser.")
    is_serving: bool | None = None
    is_test: bool | None = None
    serving_hold_reasons: list[str] | None = None
    created_at: dt.datetime | None = Field(default=None, description="createdAt, sent as epoch milliseconds.")
    last_modified_at: dt.datetime | None = Field(default=None, description="lastModifiedAt, sent as epoch milliseconds.")


class AnalyticsDaily(Contract):
    """One element of an adAnalytics DAILY report: a day (UTC) of one pivot value.

    Money is decimal text with up to 14 decimals (``"642.6883285045624"``): a double
    printed in full, more digits than an exact decimal column holds (38, 9), so it loads
    as a float, which keeps every digit the double had.

    ``account_id`` is the account the request was made for; the pivot URNs of the element
    (``pivotValues``) are loaded as the ids of their levels.
    """

    account_id: Id
    date: dt.date = Field(description="dateRange.start of the element: a day in UTC (LinkedIn reports UTC days).")
    impressions: int | None = None
    clicks: int | None = Field(default=None, description="Chargeable clicks.")
    landing_page_clicks: int | None = None
    total_engagements: int | None = None
    cost_in_local_currency: Decimal | None = Field(default=None, description="Spend in the account's currency (currency units, sent as text).")
    cost_in_usd: Decimal | None = None
    external_website_conversions: int | None = Field(default=None, description="Conversions, post-click and view-through, per the conversion rules' windows.")
    external_website_post_click_conversions: int | None = None
    external_website_post_view_conversions: int | None = None
    conversion_value_in_local_currency: Decimal | None = Field(default=None, description="Value of the conversions, in the account's currency.")
    one_click_leads: int | None = Field(default=None, description="Lead Gen Form submissions.")
    video_views: int | None = None


class AccountDaily(AnalyticsDaily):
    """pivot=ACCOUNT."""


class CampaignGroupDaily(AnalyticsDaily):
    """pivot=CAMPAIGN_GROUP."""

    campaign_group_id: Id


class CampaignDaily(AnalyticsDaily):
    """q=statistics, pivots CAMPAIGN_GROUP and CAMPAIGN: each row names its campaign group."""

    campaign_group_id: Id | None = None
    campaign_id: Id


class CreativeDaily(AnalyticsDaily):
    """q=statistics, pivots CAMPAIGN_GROUP, CAMPAIGN and CREATIVE."""

    campaign_group_id: Id | None = None
    campaign_id: Id | None = None
    creative_id: Id
