"""Schema contracts: the columns of each report table.

Columns are GA4's API names in snake case (``sessionCampaignName`` ->
``session_campaign_name``), so a raw table reads like the API schema
(https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema).
runReport sends every value as a string; the metric header's ``type`` says what it is.
Counts are integers; key events, money (``TYPE_CURRENCY``, in the report's
``currency_code``) and rates are floats. ``keyEvents`` is a float on purpose: GA4
returns fractional key events when credit is split between sessions.

User-defined reports get a contract built from their definition (`report_contract`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field, create_model

from ...framework import Contract, Id
from .config import ReportDefinition, column_name

#: Metrics that GA4 types TYPE_INTEGER (counts); every other metric is loaded as a float.
INTEGER_METRICS = frozenset(
    {
        "activeUsers", "active1DayUsers", "active7DayUsers", "active28DayUsers", "addToCarts", "checkouts",
        "ecommercePurchases", "engagedSessions", "eventCount", "firstTimePurchasers", "itemsPurchased",
        "itemsViewed", "newUsers", "screenPageViews", "sessions", "totalPurchasers", "totalUsers", "transactions",
    }
)


class ReportRow(Contract):
    """What every report row carries besides its own dimensions and metrics."""

    property_id: Id = Field(description="The GA4 property the row was read from.")
    date: dt.date = Field(description="Day in the property's time zone (GA4 sends YYYYMMDD).")
    currency_code: str | None = Field(default=None, description="ISO 4217 currency of the money metrics (report metadata).")


class TrafficDaily(ReportRow):
    """Sessions by source / medium / campaign per day (the acquisition report)."""

    session_source: str
    session_medium: str
    session_campaign_name: str = Field(description="utm_campaign or Google Ads campaign name; '(organic)', '(direct)'...")
    sessions: int | None = None
    total_users: int | None = None
    new_users: int | None = None
    engaged_sessions: int | None = None
    key_events: float | None = Field(default=None, description="Key events (formerly 'conversions').")
    total_revenue: float | None = Field(default=None, description="Purchase, subscription and ad revenue.")
    purchase_revenue: float | None = None


class LandingPagesDaily(ReportRow):
    """Sessions by landing page (path, no query string) per day."""

    landing_page: str
    sessions: int | None = None
    total_users: int | None = None
    new_users: int | None = None
    engaged_sessions: int | None = None
    key_events: float | None = None
    total_revenue: float | None = None
    purchase_revenue: float | None = None


def metric_type(api_name: str) -> type:
    return int if api_name in INTEGER_METRICS else float


def report_contract(report: ReportDefinition) -> type[Contract]:
    """A contract for a user-defined report: its dimensions as text (``date`` as a date),
    its metrics typed by `metric_type`."""
    fields: dict[str, Any] = {}
    for name in report.dimensions:
        if name != "date":
            fields.update(_field(column_name(name), str, ...))
    for name in report.metrics:
        fields.update(_field(column_name(name), metric_type(name) | None, None))
    model_name = "Report_" + "".join(part.title() for part in report.name.split("_"))
    return create_model(model_name, __base__=ReportRow, __doc__=f"User-defined report '{report.name}'.", **fields)


def _field(column: str, annotation: Any, default: Any) -> dict[str, Any]:
    """A pydantic field for a column; names that clash with BaseModel get an alias."""
    if hasattr(BaseModel, column) or column.startswith("model_"):
        return {f"{column}_": (annotation, Field(default, alias=column))}
    return {column: (annotation, default)}
