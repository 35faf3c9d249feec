"""Schema contracts: the columns of each raw table.

Names are AdRoll's GraphQL field names in snake case (``createdDate`` is ``created_date``),
nested ids under the aliases our queries give them (``adgroups { adgroupEID: eid }`` is
``adgroup_eid``). ``advertisable_eid`` is the advertisable each request was read for.
Metrics are the schema's ``Decimal`` scalar: loaded as exact decimals, counts as integers.
"""

from __future__ import annotations

import datetime as dt  # a field named ``date`` must not shadow the type
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Advertisable(Contract):
    """One advertisable (the unified account), from ``advertisable.byEID``."""

    eid: Id
    advertisable_eid: Id
    name: str | None = None
    organization: str | None = None
    status: str | None = Field(default=None, description="admin_review, approved, rejected or suspended.")
    is_active: bool | None = None
    currency: str | None = Field(default=None, description="The advertisable's currency (ISO 4217).")
    click_through_conversion_window: int | None = Field(default=None, description="Days after a click a conversion is attributed.")
    view_through_conversion_window: int | None = Field(default=None, description="Days after a view a conversion is attributed.")
    created_date: dt.datetime | None = None


class Campaign(Contract):
    """One campaign, from ``advertisable.byEID.campaigns``."""

    eid: Id
    advertisable: Id
    advertisable_eid: Id
    name: str | None = None
    status: str | None = Field(default=None, description="running, ended, paused, review, draft, rejected or deleted.")
    channel: str | None = None
    type: str | None = None
    currency: str | None = None
    budget: Decimal | None = Field(default=None, description="In the campaign's currency.")
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = Field(default=None, description="Exclusive.")
    created_date: dt.datetime | None = None
    updated_date: dt.datetime | None = None


class AdGroup(Contract):
    """One ad group, from ``advertisable.byEID.adgroups``."""

    eid: Id
    campaign: Id
    advertisable: Id
    advertisable_eid: Id
    name: str | None = None
    status: str | None = Field(default=None, description="approved, paused, draft, rejected or deleted.")
    is_active: bool | None = None
    created_date: dt.datetime | None = None
    updated_date: dt.datetime | None = None


class Ad(Contract):
    """One ad in one ad group, from ``advertisable.byEID.adgroups.ads`` (an ad may sit in several)."""

    eid: Id
    adgroup_eid: Id
    advertisable: Id
    advertisable_eid: Id
    name: str | None = None
    status: str | None = Field(default=None, description="running, paused, review, draft, rejected, suspended or deleted.")
    type: str | None = None
    width: int | None = None
    height: int | None = None
    destination_url: str | None = None
    created_date: dt.datetime | None = None
    updated_date: dt.datetime | None = None


class CampaignDaily(Contract):
    """One campaign and day, from ``campaigns.metrics.byDate``."""

    campaign_eid: Id
    advertisable_eid: Id
    date: dt.date = Field(description="A UTC day (NextRoll reports in UTC).")
    campaign_name: str | None = None
    impressions: int | None = None
    clicks: int | None = None
    cost: Decimal | None = Field(default=None, description="In `currency`, the report's currency (config `currency`).")
    conversions: Decimal | None = Field(default=None, description="clickThroughs + viewThroughs.")
    click_throughs: Decimal | None = None
    view_throughs: Decimal | None = None
    revenue: Decimal | None = Field(default=None, description="Attributed conversion revenue, in `currency`.")
    currency: str | None = Field(default=None, description="The currency the metrics were asked in.")
