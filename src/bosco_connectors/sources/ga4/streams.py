"""The reports this source loads, as data: one runReport request shape per stream.

Every stream is ``POST properties/{property_id}:runReport``
(https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport)
with a JSON body:

- ``dimensions`` / ``metrics``: ``[{"name": ...}]``, ``date`` always first;
- ``dateRanges``: one ``{"startDate", "endDate"}`` (``YYYY-MM-DD``, inclusive) per window;
- ``offset`` / ``limit``: the framework's `OffsetLimit`, stopping at ``rowCount`` (the total
  rows of the query, whatever the page holds); the POST body carries them;
- ``orderBys`` on every dimension, so that pages of one query never overlap or skip;
- ``keepEmptyRows: false`` (rows whose metrics are all zero are left out) and
  ``returnPropertyQuota: true`` (read by the client's `QuotaGuard`).

The answer: ``dimensionHeaders`` / ``metricHeaders`` (with each metric's ``type``) and
``rows[]`` of ``{"dimensionValues": [{"value"}], "metricValues": [{"value"}]}``, every value
a string; ``date`` as ``YYYYMMDD``. Rows become records keyed by snake-cased API names.

Incremental on ``date`` with a 3-day look-back (GA4 data settles within about 48 hours),
stepped in ``window_days`` windows, Arrow batches. Primary key: tenant, property and every
dimension of the report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator

from ...framework import Contract, Cursor, OffsetLimit, PageRequest, ReadContext, ResponseFormatError, RestStream, Stream, Window
from .config import (
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_WINDOW_DAYS,
    Ga4Config,
    ReportDefinition,
    column_name,
)
from .contracts import LandingPagesDaily, TrafficDaily, report_contract

log = logging.getLogger("bosco_connectors.sources.ga4")

TRAFFIC_DIMENSIONS = ("date", "sessionSource", "sessionMedium", "sessionCampaignName")
#: ``keyEvents`` replaced ``conversions`` in 2024 (GA4 renamed conversions to key events).
TRAFFIC_METRICS = ("sessions", "totalUsers", "newUsers", "engagedSessions", "keyEvents", "totalRevenue", "purchaseRevenue")
#: ``landingPage`` is the path without the query string: utm parameters would split a page into thousands of rows.
LANDING_DIMENSIONS = ("date", "landingPage")
LANDING_METRICS = TRAFFIC_METRICS

PLACEHOLDER_PROPERTY = "{property_id}"


def _date_ranges(window: Window) -> dict[str, Any]:
    return {"dateRanges": [{"startDate": window.start.isoformat(), "endDate": window.end.isoformat()}]}


def parse_ga4_date(value: str) -> date | None:
    """``20261120`` -> ``date(2026, 11, 20)``; None for ``(other)`` and other non-dates."""
    if len(value) == 8 and value.isdigit():
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    return None


@dataclass(kw_only=True)
class RunReportStream(RestStream):
    """One runReport query; reads the headers of each page to turn rows into typed records."""

    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    method: str = "POST"
    records: str | None = "rows"

    def body(self, ctx: ReadContext) -> dict[str, Any]:
        return {
            "dimensions": [{"name": d} for d in self.dimensions],
            "metrics": [{"name": m} for m in self.metrics],
            "orderBys": [{"dimension": {"dimensionName": d}} for d in self.dimensions],
            "keepEmptyRows": False,
            "returnPropertyQuota": True,
        }

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        return {**self.body(ctx), **_date_ranges(ctx.window), **page.params}

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        return ctx.client.post(
            self.path,
            stream=self.name,
            json=self.request_params(ctx, page),
            on_response=getattr(ctx.client, "on_report_response", None),
        )

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        paginator = self.paginator()
        page = paginator.first()
        while page is not None:
            response, body = self.send(ctx, page)
            if not isinstance(body, dict):
                raise ResponseFormatError("runReport answered without a JSON object", stream=self.name)
            rows = body.get("rows") or []
            records = self.rows_to_records(body, rows, ctx)
            if records:
                yield records
            page = paginator.next(response, body, rows)

    def rows_to_records(self, body: dict[str, Any], rows: list[dict[str, Any]], ctx: ReadContext) -> list[dict[str, Any]]:
        if not rows:
            return []
        dimensions = [h.get("name") for h in body.get("dimensionHeaders") or []]
        metric_headers = body.get("metricHeaders") or []
        metrics = [h.get("name") for h in metric_headers]
        if dimensions != list(self.dimensions) or metrics != list(self.metrics):
            raise ResponseFormatError(
                f"runReport headers {dimensions + metrics} do not match the request {list(self.dimensions + self.metrics)}",
                stream=self.name,
            )
        integer = [h.get("type") == "TYPE_INTEGER" for h in metric_headers]
        dim_columns = [column_name(d) for d in dimensions]
        metric_columns = [column_name(m) for m in metrics]
        common = {"property_id": ctx.config.property_id, "currency_code": (body.get("metadata") or {}).get("currencyCode")}
        out, skipped = [], 0
        for row in rows:
            values = [v.get("value", "") for v in row.get("dimensionValues") or []]
            cells = row.get("metricValues") or []
            if len(values) != len(dim_columns) or len(cells) != len(metric_columns):
                raise ResponseFormatError(
                    f"a runReport row has {len(values)} dimension and {len(cells)} metric values, "
                    f"expected {len(dim_columns)} and {len(metric_columns)}",
                    stream=self.name,
                )
            record = dict(common)
            record.update(zip(dim_columns, values, strict=True))
            day = parse_ga4_date(record.get("date", ""))
            if day is None:  # the "(other)" row of a high-cardinality report has no day
                skipped += 1
                continue
            record["date"] = day
            for column, is_int, cell in zip(metric_columns, integer, cells, strict=True):
                record[column] = _number(cell.get("value"), is_int)
            out.append(record)
        if skipped:
            log.warning("ga4/%s: skipped %d row(s) without a date (e.g. '(other)')", self.name, skipped)
        return out


def _number(value: str | None, is_int: bool) -> int | float | None:
    if value is None or value == "":
        return None
    if is_int:
        try:
            return int(value)
        except ValueError:
            return int(float(value))
    return float(value)


def report_stream(
    name: str,
    dimensions: tuple[str, ...],
    metrics: tuple[str, ...],
    contract: type[Contract],
    *,
    property_id: str = PLACEHOLDER_PROPERTY,
    page_size: int = DEFAULT_PAGE_SIZE,
    window_days: int = DEFAULT_WINDOW_DAYS,
    description: str = "",
) -> RunReportStream:
    return RunReportStream(
        name=name,
        description=description or f"runReport: {', '.join(dimensions)} x {', '.join(metrics)}.",
        path=f"properties/{property_id}:runReport",
        dimensions=dimensions,
        metrics=metrics,
        paginator=lambda: OffsetLimit(limit=page_size, total_path="rowCount"),
        contract=contract,
        primary_key=("property_id", *(column_name(d) for d in dimensions)),
        cursor=Cursor(
            "date",
            kind="date",
            lookback=timedelta(days=DEFAULT_LOOKBACK_DAYS),
            window=timedelta(days=window_days),
        ),
        arrow=True,
    )


def build_streams(
    property_id: str = PLACEHOLDER_PROPERTY,
    page_size: int = DEFAULT_PAGE_SIZE,
    window_days: int = DEFAULT_WINDOW_DAYS,
    reports: list[ReportDefinition] | tuple[ReportDefinition, ...] = (),
) -> list[Stream]:
    """The built-in reports, then one stream per user-defined report."""
    options = dict(property_id=property_id, page_size=page_size, window_days=window_days)
    streams: list[Stream] = [
        report_stream(
            "traffic_daily", TRAFFIC_DIMENSIONS, TRAFFIC_METRICS, TrafficDaily,
            description="Sessions, users, key events and revenue by session source / medium / campaign, per day.",
            **options,
        ),
        report_stream(
            "landing_pages_daily", LANDING_DIMENSIONS, LANDING_METRICS, LandingPagesDaily,
            description="Sessions, users, key events and revenue by landing page, per day.",
            **options,
        ),
    ]
    for report in reports:
        streams.append(
            report_stream(
                report.name, tuple(report.dimensions), tuple(report.metrics), report_contract(report),
                description=f"User-defined report: {', '.join(report.dimensions)} x {', '.join(report.metrics)}.",
                **options,
            )
        )
    return streams


def streams_for(config: Ga4Config) -> list[Stream]:
    return build_streams(config.property_id, config.page_size, config.window_days, config.reports)
