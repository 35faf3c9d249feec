"""Google Analytics 4: the Google Analytics Data API v1beta (runReport), declared.

Reference: https://developers.google.com/analytics/devguides/reporting/data/v1/rest (v1beta;
``POST https://analyticsdata.googleapis.com/v1beta/properties/{property_id}:runReport``, OAuth 2.0
bearer tokens with the ``analytics.readonly`` scope, from a user's refresh token or a service
account's signed JWT; at most 10 requests in flight per property).

Daily reports of one property: ``traffic_daily`` (sessions, users, new users, engaged sessions,
engagement rate, key events, total and purchase revenue, and the config's ``extra_metrics``, by date x session source / medium / campaign name: the
utm_campaign values that join to the ad platforms), ``landing_pages_daily`` (the same by date x
landing page), and one stream per user-defined report in config ``reports``. Each is one runReport
query: ``orderBys`` on every dimension (so pages never overlap), one ``dateRanges`` entry per window
of ``window_days``, ``offset``/``limit`` paging until ``rowCount``, all-zero rows left out, and
``returnPropertyQuota`` (read by `quota.QuotaGuard`). Rows are positional (`RunReport.decode`).
Incremental on ``date`` with a 3-day look-back: GA4 data settles within about 48 hours. Errors
follow Google's model (https://cloud.google.com/apis/design/errors): the canonical ``status`` of
``{"error": {"code", "message", "status"}}`` decides, whatever the HTTP status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator

from ...framework import ResponseFormatError
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import OffsetLimit, PageRequest
from ...framework.params import WindowParams
from ...framework.spec import Contract, Cursor, ReadContext, RestStream, Stream
from .config import CREDENTIAL, Ga4Config, column_name
from ...framework.extra_metrics import with_columns
from .contracts import BUILTIN_METRICS, LandingPagesDaily, TrafficDaily, metric_kind, report_contract
from .quota import Ga4Client

log = logging.getLogger("bosco_connectors.sources.ga4")

API = Api(
    base_url="https://analyticsdata.googleapis.com/v1beta/",
    auth=CREDENTIAL,
    errors=ErrorMap(
        "Google", code="error.status",
        codes={**dict.fromkeys(("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED"), Action.RETRY),
               **dict.fromkeys(("UNAUTHENTICATED", "PERMISSION_DENIED"), Action.AUTH)},
        hints={Action.AUTH: "check the credential, and that its Google user or service account has at least "
                            "Viewer access to the GA4 property"},
    ),
    rate=RateBudget(concurrency=10),  # standard properties: 10 concurrent requests (Analytics 360: 50)
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
    client_class=Ga4Client,
    client_options=lambda c: {"quota_reserve_tokens": c.quota_reserve_tokens, "quota_pause_seconds": c.quota_pause_seconds},
)

TRAFFIC_DIMENSIONS = ("date", "sessionSource", "sessionMedium", "sessionCampaignName")
METRICS = BUILTIN_METRICS
#: ``landingPage`` is the path without the query string (utm parameters would split a page into thousands of rows).
LANDING_DIMENSIONS = ("date", "landingPage")

#: ``traffic_daily`` in the unified ``web_traffic_daily``, in GA4's own meanings
#: (https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema).
TRAFFIC_FACT = Maps(
    "web_traffic_daily", date="date", property_id="property_id", source="session_source", medium="session_medium",
    campaign="session_campaign_name", sessions="sessions", users="total_users", new_users="new_users",
    engaged_sessions="engaged_sessions", conversions="key_events", revenue="total_revenue", currency="currency_code",
    meanings={"date": "the day in the property's reporting time zone",
              "source": "sessionSource: the session's utm_source or referrer, as sent (case kept)",
              "campaign": "sessionCampaignName: utm_campaign or the Google Ads campaign name; '(organic)', '(direct)', ...",
              "sessions": "GA4 sessions: one starts on a page or screen view with none active, and ends after 30 minutes idle",
              "users": "totalUsers: distinct users who logged at least one event",
              "new_users": "newUsers: users on the site or app for the first time (first_visit or first_open)",
              "engaged_sessions": "sessions longer than 10 seconds, or with a key event, or with 2 or more page or screen views",
              "conversions": "keyEvents (formerly conversions): key event count, fractional when credit is split",
              "revenue": "totalRevenue: purchase, subscription and ad revenue, minus refunds, in the property currency"},
)

#: GA4's API names in the demo's web-traffic world (`sandbox.traffic`), for the generated fake:
#: dimension -> `Visits` attribute; metric -> (its metricHeaders type, measure, or (numerator, denominator) of a rate).
FAKE_DIMENSIONS = {"date": "day", "sessionSource": "source", "sessionMedium": "medium", "sessionCampaignName": "campaign",
                   "sessionDefaultChannelGroup": "channel_group", "landingPage": "landing_page",
                   "landingPagePlusQueryString": "landing_url", "deviceCategory": "device"}
FAKE_METRICS = {"sessions": ("TYPE_INTEGER", "sessions"), "totalUsers": ("TYPE_INTEGER", "users"),
                "activeUsers": ("TYPE_INTEGER", "users"), "newUsers": ("TYPE_INTEGER", "new_users"),
                "engagedSessions": ("TYPE_INTEGER", "engaged_sessions"), "keyEvents": ("TYPE_FLOAT", "key_events"),
                "ecommercePurchases": ("TYPE_INTEGER", "purchases"), "screenPageViews": ("TYPE_INTEGER", "page_views"),
                "purchaseRevenue": ("TYPE_CURRENCY", "purchase_revenue_cents"), "totalRevenue": ("TYPE_CURRENCY", "revenue_cents"),
                "engagementRate": ("TYPE_FLOAT", ("engaged_sessions", "sessions"))}


@dataclass(kw_only=True)
class RunReport(RestStream):
    """One runReport query. Its rows are positional: values are read with the headers."""

    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    method: str = "POST"

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        return {"dimensions": [{"name": d} for d in self.dimensions], "metrics": [{"name": m} for m in self.metrics],
                "orderBys": [{"dimension": {"dimensionName": d}} for d in self.dimensions],
                "keepEmptyRows": False, "returnPropertyQuota": True, **super().request_params(ctx, page)}

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        if not isinstance(body, dict):
            raise ResponseFormatError("runReport answered without a JSON object", stream=self.name)
        return response, {**body, "rows": self.decode(body, ctx.config.property_id)}

    def decode(self, body: dict[str, Any], property_id: str) -> list[dict[str, Any]]:
        """Rows of ``dimensionValues``/``metricValues`` -> records keyed by snake-cased API names:
        ``date`` (``YYYYMMDD``; None for the ``(other)`` row) a date, metrics numbers by header type."""
        rows = body.get("rows") or []
        dimensions = [h.get("name") for h in body.get("dimensionHeaders") or []]
        headers = body.get("metricHeaders") or []
        if rows and (dimensions != list(self.dimensions) or [h.get("name") for h in headers] != list(self.metrics)):
            raise ResponseFormatError(f"runReport headers {dimensions + [h.get('name') for h in headers]} do not match "
                                      f"the request {list(self.dimensions + self.metrics)}", stream=self.name)
        names, metrics = [column_name(d) for d in self.dimensions], [column_name(m) for m in self.metrics]
        integer = [h.get("type") == "TYPE_INTEGER" for h in headers]
        common = {"property_id": property_id, "currency_code": (body.get("metadata") or {}).get("currencyCode")}
        out = []
        for row in rows:
            values = [v.get("value", "") for v in row.get("dimensionValues") or []]
            cells = [v.get("value") for v in row.get("metricValues") or []]
            if len(values) != len(names) or len(cells) != len(metrics):
                raise ResponseFormatError(f"a runReport row has {len(values)} dimension and {len(cells)} metric values, "
                                          f"expected {len(names)} and {len(metrics)}", stream=self.name)
            record = {**common, **dict(zip(names, values)), **{m: _number(v, i) for m, v, i in zip(metrics, cells, integer)}}
            text = record["date"]
            record["date"] = date(int(text[:4]), int(text[4:6]), int(text[6:])) if len(text) == 8 and text.isdigit() else None
            out.append(record)
        return out

    # -- the generated fake (sandbox.generated) answers any runReport from the web-traffic world --

    @staticmethod
    def fake_records(app: Any, route: Any) -> Iterator[dict[str, str]]:
        """The request's dimensions and metrics over its date range, as GA4 writes values (all text)."""
        from ...sandbox.traffic import Traffic

        body = route.params
        dimensions, metrics = _names(body, "dimensions"), _names(body, "metrics")
        if unknown := [n for n in dimensions if n not in FAKE_DIMENSIONS] + [n for n in metrics if n not in FAKE_METRICS]:
            raise LookupError(f"the demo's traffic world has no GA4 field {unknown[0]} (it serves {', '.join([*FAKE_DIMENSIONS, *FAKE_METRICS])})")
        start, end = (date.fromisoformat(v) for v in route.stream.window.parse(body))
        groups = Traffic.of(app.world).report(start, end, [FAKE_DIMENSIONS[d] for d in dimensions])
        for key, sums in sorted(groups.items()):
            values = {m: _fake_value(FAKE_METRICS[m], sums) for m in metrics}
            if body.get("keepEmptyRows") or any(float(v) for v in values.values()):
                yield {**{d: v.strftime("%Y%m%d") if isinstance(v, date) else v for d, v in zip(dimensions, key)}, **values}

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[dict[str, str]]) -> dict[str, Any]:
        """One page of records into the documented body: headers of the request, positional rows."""
        dimensions, metrics = _names(route.params, "dimensions"), _names(route.params, "metrics")
        body["dimensionHeaders"] = [{"name": d} for d in dimensions]
        body["metricHeaders"] = [{"name": m, "type": FAKE_METRICS[m][0]} for m in metrics]
        body["rows"] = [{"dimensionValues": [{"value": r[d]} for d in dimensions],
                         "metricValues": [{"value": r[m]} for m in metrics]} for r in records]
        for name in ("rows", "rowCount"):  # proto3 JSON leaves out empty and zero fields
            if not body.get(name):
                body.pop(name, None)
        return body


def _number(value: str | None, integer: bool) -> int | float | None:
    if value is None or value == "":
        return None
    return (int(value) if value.lstrip("-").isdigit() else int(float(value))) if integer else float(value)


def _names(body: dict[str, Any], key: str) -> list[str]:
    return [item.get("name") for item in body.get(key) or []]


def _fake_value(metric: tuple[str, Any], sums: dict[str, int]) -> str:
    kind, measure = metric
    if isinstance(measure, tuple):
        numerator, denominator = (sums[m] for m in measure)
        return repr(numerator / denominator) if denominator else "0"
    if kind == "TYPE_CURRENCY":  # the world counts cents
        return f"{sums[measure] / 100:.2f}".rstrip("0").rstrip(".")
    return repr(float(sums[measure])) if kind == "TYPE_FLOAT" else str(sums[measure])


def _dated(page: list[dict[str, Any]], ctx: ReadContext) -> list[dict[str, Any]]:
    """The ``(other)`` row of a high-cardinality report has no day: it cannot be loaded on the cursor."""
    kept = [r for r in page if r["date"] is not None]
    if len(kept) < len(page):
        log.warning("ga4: skipped %d row(s) without a date (e.g. '(other)')", len(page) - len(kept))
    return kept


def report(name: str, dimensions: tuple[str, ...], metrics: tuple[str, ...], contract: type[Contract], description: str,
           page_size: int, window_days: int, unified: Maps | None = None) -> RunReport:
    return RunReport(
        name=name, description=description, path="properties/{property_id}:runReport", dimensions=dimensions, metrics=metrics,
        window=WindowParams("dateRanges.0.startDate", "dateRanges.0.endDate", in_body=True),
        paginator=lambda: OffsetLimit(limit=page_size, total_path="rowCount"), records="rows", keep=_dated,
        contract=contract, primary_key=("property_id", *map(column_name, dimensions)), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=3), window=timedelta(days=window_days)), unified=unified,
    )


def streams(config: Ga4Config | None) -> list[Stream]:
    """The built-in reports, then one stream per user-defined report."""
    extra = tuple(config.extra_metrics) if config else ()
    metrics = (*METRICS, *extra)
    columns, kinds = tuple(column_name(m) for m in extra), tuple(metric_kind(m) for m in extra)
    reports = [("traffic_daily", TRAFFIC_DIMENSIONS, metrics, with_columns(TrafficDaily, columns, kinds), "by session source / medium / campaign"),
               ("landing_pages_daily", LANDING_DIMENSIONS, metrics, with_columns(LandingPagesDaily, columns, kinds), "by landing page"),
               *((r.name, tuple(r.dimensions), tuple(r.metrics), report_contract(r), "(user-defined report)")
                 for r in (config.reports if config else []))]
    size, days = (config.page_size, config.window_days) if config else (100_000, 30)
    return [report(name, dims, metrics, contract, f"{', '.join(metrics)} {what}, per day.", size, days,
                   TRAFFIC_FACT if name == "traffic_daily" else None)
            for name, dims, metrics, contract, what in reports]


connector = declare(
    "ga4", title="Google Analytics 4", api=API, config=Ga4Config, streams=streams, api_version="v1beta",
    docs_url="https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport",
    category="analytics", extras=("ga4",),
    description="GA4 Data API runReport: daily traffic by source/medium/campaign, landing pages, and user-defined reports.",
    # Google's error model (https://cloud.google.com/apis/design/errors), as runReport sends it.
    error_example={"error": {"code": 403, "status": "PERMISSION_DENIED", "message": (
        "User does not have sufficient permissions for this property. To learn more about Property ID, "
        "see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.")}},
)
source = source_function(connector)

__all__ = ["connector", "source", "Ga4Config"]
