"""What Klaviyo needs beyond the declarations: per-endpoint rate limits and Reporting API rows.

- Klaviyo limits each endpoint on its own (burst and steady windows per account,
  ``x-klaviyo-ratelimit`` in its OpenAPI description): GET /flows 60/m, /campaigns 150/m,
  /profiles 750/m, and the Reporting API only 2/m (225 a day). `KlaviyoClient` spaces the
  requests of each endpoint by its steady limit, so a report never waits behind profiles
  and profiles never crawl at the reports' pace; a 429 still waits for ``Retry-After``.
- A report is a POST whose JSON:API body carries the query; `ReportStream` puts each
  result's day on it: a values report's rows get the last day of the timeframe asked for
  (``timeframe_end``, the cursor), a series report's ``statistics`` (one array per
  statistic over ``date_times``) become one row per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...framework.http import ApiClient
from ...framework.paginators import PageRequest
from ...framework.ratelimit import RateLimit, RateLimiter
from ...framework.spec import ReadContext, RestStream

#: Steady limits in requests per minute (the OpenAPI description's x-klaviyo-ratelimit, revision
#: 2026-07-15). Campaign messages are read under /campaigns and share its budget here.
STEADY_PER_MINUTE = {"accounts": 15, "campaigns": 150, "flows": 60, "metrics": 150, "lists": 750, "profiles": 750}
REPORT_ENDPOINTS = ("campaign-values-reports", "flow-series-reports")


class KlaviyoClient(ApiClient):
    """An `ApiClient` that spaces each endpoint's requests by that endpoint's own limit."""

    def __init__(self, *args: Any, report_requests_per_minute: float = 2.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limits = {**STEADY_PER_MINUTE, **{name: report_requests_per_minute for name in REPORT_ENDPOINTS}}
        self.endpoint_limits = {name: RateLimiter(RateLimit(max_concurrency=None, per_second=per_minute / 60.0), sleep=self._sleep)
                                for name, per_minute in limits.items()}

    def request_json(self, method: str, url: str, **kwargs: Any) -> Any:
        limiter = self.endpoint_limits.get(endpoint_of(url, self.endpoint_limits))
        if limiter is None:
            return super().request_json(method, url, **kwargs)
        with limiter.slot():
            return super().request_json(method, url, **kwargs)


def endpoint_of(url: str, known: Any) -> str | None:
    """The endpoint a path or next-page URL belongs to (``campaigns/X/campaign-messages``: campaigns)."""
    return next((part for part in urlsplit(url).path.split("/") if part in known), None)


@dataclass(kw_only=True)
class ReportStream(RestStream):
    """A Reporting API query (see the module docstring); ``series`` for a series report."""

    series: bool = False

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        attributes = (body.get("data") or {}).get("attributes") if isinstance(body, dict) else None
        if not isinstance(attributes, dict) or not isinstance(attributes.get("results"), list):
            return response, body  # an error body, or nothing: the error policy and Records say so
        if self.series:
            rows = per_day(attributes["results"], attributes.get("date_times") or [])
        else:
            end = ctx.window.end.isoformat() if ctx.window.end is not None else None
            rows = [{**result, "timeframe_end": end} for result in attributes["results"]]
        return response, {**body, "data": {**body["data"], "attributes": {**attributes, "results": rows}}}


def per_day(results: list[dict[str, Any]], date_times: list[str]) -> list[dict[str, Any]]:
    """A series report's results, one row per result and day: the i-th value of each statistic on the i-th day."""
    rows = []
    for result in results:
        statistics = result.get("statistics") or {}
        for i, moment in enumerate(date_times):
            values = {name: (series[i] if isinstance(series, list) and i < len(series) else None) for name, series in statistics.items()}
            rows.append({"groupings": result.get("groupings") or {}, "statistics": values, "date": moment})
    return rows


__all__ = ["KlaviyoClient", "ReportStream", "STEADY_PER_MINUTE", "endpoint_of", "per_day"]
