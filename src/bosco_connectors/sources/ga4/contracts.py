"""Schema contracts. Columns are GA4's API names in snake case, so a raw table reads like the API
schema (https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema). Counts are
integers; key events (fractional when credit is split), money (``TYPE_CURRENCY``, in the report's
``currency_code``) and rates are floats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, create_model

from ...framework import Contract, Id
from .config import ReportDefinition, column_name

#: Metrics that GA4 types TYPE_INTEGER (counts); every other metric is loaded as a float.
INTEGER_METRICS = frozenset({"activeUsers", "active1DayUsers", "active7DayUsers", "active28DayUsers", "addToCarts", "checkouts",
                             "ecommercePurchases", "engagedSessions", "eventCount", "firstTimePurchasers", "itemsPurchased",
                             "itemsViewed", "newUsers", "screenPageViews", "sessions", "totalPurchasers", "totalUsers", "transactions"})


#: The metrics of both built-in reports (API names). ``keyEvents`` replaced ``conversions`` in 2024;
#: ``engagementRate`` is engaged sessions / sessions, a fraction (0.6 = 60%), not additive across rows.
BUILTIN_METRICS = ("sessions", "totalUsers", "newUsers", "engagedSessions", "engagementRate", "keyEvents", "totalRevenue",
                   "purchaseRevenue")


class ReportRow(Contract):
    """What every report row carries besides its own dimensions and metrics."""

    property_id: Id = Field(description="The GA4 property the row was read from.")
    date: dt.date = Field(description="Day in the property's time zone (GA4 sends YYYYMMDD).")
    currency_code: str | None = Field(default=None, description="ISO 4217 currency of the money metrics (report metadata).")


class Metrics(ReportRow):
    """The metrics of both built-in reports."""

    sessions: int | None = None
    total_users: int | None = None
    new_users: int | None = None
    engaged_sessions: int | None = None
    engagement_rate: float | None = Field(default=None, description="engagedSessions / sessions, a fraction (0.6 = 60%); "
                                          "recompute it from the sums, never average it.")
    key_events: float | None = Field(default=None, description="Key events (formerly 'conversions').")
    total_revenue: Decimal | None = Field(default=None, description="Purchase, subscription and ad revenue.")
    purchase_revenue: Decimal | None = None


class TrafficDaily(Metrics):
    """Sessions by source / medium / campaign per day (the acquisition report)."""

    session_source: str
    session_medium: str
    session_campaign_name: str = Field(description="utm_campaign or Google Ads campaign name; '(organic)', '(direct)'...")


class LandingPagesDaily(Metrics):
    """Sessions by landing page (path, no query string) per day."""

    landing_page: str


def metric_kind(api_name: str) -> type:
    """How a metric loads: an integer count (GA4's TYPE_INTEGER) or a float."""
    return int if api_name in INTEGER_METRICS else float


def report_contract(report: ReportDefinition) -> type[Contract]:
    """A user-defined report's contract: dimensions as text (``date`` a date), metrics typed by `INTEGER_METRICS`."""
    fields: dict[str, Any] = {}
    for name in report.dimensions[1:]:  # date is first, and in ReportRow
        fields.update(_field(column_name(name), str, ...))
    for name in report.metrics:
        fields.update(_field(column_name(name), metric_kind(name) | None, None))
    model_name = "Report_" + "".join(part.title() for part in report.name.split("_"))
    return create_model(model_name, __base__=ReportRow, __doc__=f"User-defined report '{report.name}'.", **fields)


def _field(column: str, annotation: Any, default: Any) -> dict[str, Any]:
    """A pydantic field for a column; names that clash with BaseModel get an alias."""
    if hasattr(BaseModel, column) or column.startswith("model_"):
        return {f"{column}_": (annotation, Field(default, alias=column))}
    return {column: (annotation, default)}
