"""Schema contracts of the sendgrid raw tables.

SendGrid's names are already snake case. A stats row is one day (``date``) with its
``metrics`` moved up beside it; a Single Send's day comes from its ``aggregation``
(``YYYY-MM-DD`` when asked ``aggregated_by=day``), loaded as ``date``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ...framework import Contract, Id


class EmailMetrics(Contract):
    """The counters SendGrid's stats share (StatsAdvancedGlobalStats, CategoryStats, Metrics)."""

    requests: int | None = Field(default=None, description="Emails requested to be delivered.")
    processed: int | None = None
    delivered: int | None = None
    deferred: int | None = None
    blocks: int | None = None
    bounces: int | None = None
    bounce_drops: int | None = None
    invalid_emails: int | None = None
    opens: int | None = Field(default=None, description="Every open, machine opens included.")
    unique_opens: int | None = None
    clicks: int | None = None
    unique_clicks: int | None = None
    spam_reports: int | None = None
    spam_report_drops: int | None = None
    unsubscribes: int | None = None
    unsubscribe_drops: int | None = None


class Category(Contract):
    """One category, from GET /v3/categories."""

    category: str


class GlobalStatsDaily(EmailMetrics):
    """The whole account's email activity on one day, from GET /v3/stats?aggregated_by=day."""

    date: dt.date = Field(description="The day in UTC (the Stats API's days).")


class CategoryStatsDaily(EmailMetrics):
    """One category's email activity on one day, from GET /v3/categories/stats?aggregated_by=day."""

    name: str = Field(description="The category.")
    date: dt.date
    type: str | None = Field(default=None, description="'category'.")


class SingleSend(Contract):
    """One Single Send (Marketing Campaigns), from GET /v3/marketing/singlesends."""

    id: Id
    name: str | None = None
    status: str | None = Field(default=None, description="draft, scheduled or triggered (sent).")
    categories: list[str] | None = None
    send_at: dt.datetime | None = None
    is_abtest: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class SingleSendStatsDaily(Contract):
    """One Single Send's activity on one day, from GET /v3/marketing/stats/singlesends/{id}?aggregated_by=day."""

    id: Id
    date: dt.date = Field(description="The day in the configured time zone (the request's timezone).")
    ab_variation: str = Field(description="'all' unless grouped by A/B variation.")
    ab_phase: str = Field(description="'all', 'send' or 'test'.")
    requests: int | None = None
    delivered: int | None = None
    bounces: int | None = None
    bounce_drops: int | None = None
    invalid_emails: int | None = None
    opens: int | None = None
    unique_opens: int | None = None
    clicks: int | None = None
    unique_clicks: int | None = None
    spam_reports: int | None = None
    spam_report_drops: int | None = None
    unsubscribes: int | None = None
