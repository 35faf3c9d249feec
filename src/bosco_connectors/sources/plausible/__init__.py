"""Plausible Analytics: the Stats API v2 (``POST /api/v2/query``), declared.

Reference: https://plausible.io/docs/stats-api (Stats API v2; the page's source and its
example queries and answers are in github.com/plausible/docs, ``docs/stats-api.md`` and
``src/js/apiv2-examples/``, read at commit 208d58c of 2026-07-24). Metric definitions:
https://plausible.io/docs/metrics-definitions. Errors: the Stats API plug of the open-source
server (github.com/plausible/analytics, ``lib/plausible_web/plugs/authorize_public_api.ex``):
``{"error": "<message>"}`` with the HTTP status telling the kind (401 bad key or site, 402 the
plan lacks the Stats API or the site is locked, 429 over the hourly limit, 400 a bad query).

One query per site, day range and page: ``site_id``, ``metrics``, ``date_range`` as two ISO
dates, ``dimensions``, ``order_by`` on every dimension (so pages never overlap), and
``include.total_rows`` with ``pagination.limit``/``offset`` (default and page size 10,000):
``meta.total_rows`` tells the last page. Rows are positional: each result's ``dimensions``
and ``metrics`` lists follow the query's order (`PlausibleQuery.decode` names them, checked
against the ``query`` the answer echoes). ``time:day`` dates are in the site's reporting
time zone ("These dates and timestamps are reported in sites Reporting Timezone").

Streams:

- ``traffic_daily``: visitors, visits, pageviews, bounce rate and visit duration per day x
  ``visit:source`` x ``visit:utm_medium`` x ``visit:utm_campaign`` (visit dimensions are the
  session's first pageview's). Session metrics cannot be mixed with ``event:goal``, hence:
- ``goal_conversions_daily``: per day x the same three x ``event:goal``, unique converting
  visitors and ``events`` (with a goal dimension: "Total Conversions"); with config
  ``revenue_goals`` also ``total_revenue`` (a ``{value, currency, short, long}`` object, null
  for goals without revenue; asking for it on a plan without revenue goals is an error).

Incremental on ``date`` with a 2-day look-back: stats are real time, and a visit still open
at the site's midnight goes on until 30 minutes without action
(https://plausible.io/docs/metrics-definitions, "Total Visits"). 600 requests an hour per key
by default (the reference, "Authentication").

Both map into the unified ``web_traffic_daily``: visits are sessions, visitors are users
(daily unique visitors: no cookies, so one person on two days or devices is two), goal
completions are conversions, revenue goals' revenue is revenue. Plausible counts neither new
visitors nor engaged visits (only a bounce rate): those columns stay NULL.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Iterator

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.paginators import OffsetLimit, PageRequest
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

#: ``pagination.limit``: the documented default (``{"limit": 10000, "offset": 0}``).
MAX_PAGE_SIZE = 10_000
#: Visit dimensions: values of the session's first pageview.
TRAFFIC_DIMENSIONS = ("time:day", "visit:source", "visit:utm_medium", "visit:utm_campaign")
GOAL_DIMENSIONS = (*TRAFFIC_DIMENSIONS, "event:goal")
TRAFFIC_METRICS = ("visitors", "visits", "pageviews", "bounce_rate", "visit_duration")
GOAL_METRICS = ("visitors", "events")
REVENUE_METRIC = "total_revenue"
#: API names -> column names.
COLUMNS = {"time:day": "date", "visit:source": "source", "visit:utm_medium": "utm_medium",
           "visit:utm_campaign": "utm_campaign", "event:goal": "goal"}


class PlausibleConfig(SourceConfig):
    """Config of the ``plausible`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Stats API key (Account settings > API Keys > New API Key > Stats API).")
    site_ids: IdList = Field(min_length=1, description=(
        "Sites to read, as added to Plausible (their domain: 'example.com'); a list, or one comma-separated string."))
    revenue_goals: bool = Field(default=False, description=(
        "Also read total_revenue of revenue goals (needs a plan with revenue goals: asking without is an error)."))
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="pagination.limit: rows per query.")
    requests_per_minute: float = Field(default=10.0, gt=0, description="Requests a minute (default key limit: 600 an hour).")


# -- contracts -----------------------------------------------------------------------------


class TrafficDaily(Contract):
    """One site, day, source, utm_medium and utm_campaign (``time:day`` and visit dimensions)."""

    site_id: Id = Field(description="The site's domain as added to Plausible.")
    date: dt.date = Field(description="The day in the site's reporting time zone.")
    source: str = Field(description="visit:source: utm_source, source or ref, else named from the Referer ('Twitter').")
    utm_medium: str = Field(description="visit:utm_medium as tagged on the entry page; '(not set)' when absent.")
    utm_campaign: str = Field(description="visit:utm_campaign as tagged on the entry page; '(not set)' when absent.")
    visitors: int | None = Field(default=None, description="Unique visitors (no cookies: per day and device).")
    visits: int | None = Field(default=None, description="Visits (sessions): end after 30 minutes without action.")
    pageviews: int | None = None
    bounce_rate: float | None = Field(default=None, description="Bounce rate, a percentage (0-100).")
    visit_duration: int | None = Field(default=None, description="Average visit duration in seconds (bounces count 0).")


class GoalConversionsDaily(Contract):
    """One site, day, source, utm_medium, utm_campaign and goal."""

    site_id: Id
    date: dt.date = Field(description="The day in the site's reporting time zone.")
    source: str
    utm_medium: str
    utm_campaign: str
    goal: str = Field(description="event:goal: the goal's display name.")
    visitors: int | None = Field(default=None, description="Unique visitors who completed the goal.")
    events: int | None = Field(default=None, description="Total conversions: completions of the goal.")
    total_revenue: Decimal | None = Field(default=None, description="Revenue of a revenue goal's conversions (value).")
    revenue_currency: str | None = Field(default=None, description="ISO 4217 currency of total_revenue.")


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://plausible.io/",
    auth=ApiKey("api_key", header="Authorization", prefix="Bearer "),
    # No error code in the body, only {"error": "<message>"} (in a 200 too: an error): the HTTP status decides.
    errors=ErrorMap("Plausible", code="error", message=("error",), statuses={402: Action.AUTH, 400: Action.FAIL},
                    hints={Action.AUTH: "check the Stats API key, that its account can see each site_id (the domain as "
                                        "added to Plausible), and that the plan includes the Stats API"}),
    rate=RateBudget(per_minute="requests_per_minute"),
)


@dataclass(kw_only=True)
class PlausibleQuery(RestStream):
    """One ``POST api/v2/query``. Its rows are positional: named in query order, ``time:day`` a date."""

    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    method: str = "POST"

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        if not isinstance(body, dict):
            raise ResponseFormatError("api/v2/query answered without a JSON object", stream=self.name)
        return response, {**body, "results": self.decode(body, ctx.partition["site_id"], self.asked(ctx.config))}

    def asked(self, config: Any) -> tuple[str, ...]:
        """The metrics a request asks for (revenue only where the config says the plan has it)."""
        revenue = REVENUE_METRIC in self.metrics
        return tuple(m for m in self.metrics if m != REVENUE_METRIC or (revenue and getattr(config, "revenue_goals", False)))

    def decode(self, body: dict[str, Any], site_id: str, metrics: tuple[str, ...]) -> list[dict[str, Any]]:
        rows = body.get("results") or []
        echoed = body.get("query") or {}
        if rows and ([*echoed.get("dimensions", self.dimensions)], [*echoed.get("metrics", metrics)]) != (list(self.dimensions), list(metrics)):
            raise ResponseFormatError(f"api/v2/query answered for {echoed.get('dimensions')} x {echoed.get('metrics')}, "
                                      f"not the request's {list(self.dimensions)} x {list(metrics)}", stream=self.name)
        out = []
        for row in rows:
            values, cells = row.get("dimensions"), row.get("metrics")
            if not isinstance(values, list) or not isinstance(cells, list) or len(values) != len(self.dimensions) or len(cells) != len(metrics):
                raise ResponseFormatError(f"a result has dimensions {values!r:.80} and metrics {cells!r:.80}, expected "
                                          f"{len(self.dimensions)} and {len(metrics)} values", stream=self.name)
            record: dict[str, Any] = {"site_id": site_id, **{COLUMNS[d]: v for d, v in zip(self.dimensions, values)}}
            record["date"] = dt.date.fromisoformat(record["date"])
            for name, value in zip(metrics, cells):
                if name == REVENUE_METRIC:  # {"value", "currency", "short", "long"}, or null (not a revenue goal)
                    record[name] = None if value is None else Decimal(str(value["value"]))
                    record["revenue_currency"] = None if value is None else value.get("currency")
                else:
                    record[name] = value
            out.append(record)
        return out

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        return {**super().request_params(ctx, page), "metrics": list(self.asked(ctx.config))}

    # -- the generated fake (sandbox.generated) serves the documented rows of the stream --

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        """The documented results on each day of the asked range (the documented days' rows in turn),
        with the metrics the request asks for (revenue or not)."""
        asked = route.params.get("metrics") or []
        documented: dict[str, list[dict[str, Any]]] = {}
        for exchange in app.fixtures.data(self.name):
            body = app.fixtures.body(exchange)
            names = body["query"]["metrics"]
            for row in copy.deepcopy(body.get("results") or []):
                documented.setdefault(row["dimensions"][0], []).append({**row, "metrics": [row["metrics"][names.index(m)] for m in asked]})
        days = [documented[d] for d in sorted(documented)]
        start, end = (dt.date.fromisoformat(v) for v in self.window.parse(route.params))
        for n in range((end - start).days + 1):
            day = start + timedelta(days=n)
            for row in days[day.toordinal() % len(days)] if days else []:  # a day gets the same rows whatever the range
                yield {**row, "dimensions": [day.isoformat(), *row["dimensions"][1:]]}

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        body["results"] = records
        body["query"] = {**body.get("query", {}), "metrics": route.params.get("metrics"),
                         "dimensions": route.params.get("dimensions"), "pagination": route.params.get("pagination")}
        return body


def query(name: str, description: str, dimensions: tuple[str, ...], metrics: tuple[str, ...], contract: type[Contract],
          size: int, unified: Maps) -> PlausibleQuery:
    return PlausibleQuery(
        name=name, description=description, path="api/v2/query", dimensions=dimensions, metrics=metrics,
        params={"dimensions": list(dimensions), "order_by": [[d, "asc"] for d in dimensions], "include": {"total_rows": True}},
        partitions=ForEach("site_ids", "site_id"), window=WindowParams("date_range.0", "date_range.1", in_body=True),
        paginator=lambda: OffsetLimit(limit=size, offset_param="pagination.offset", limit_param="pagination.limit",
                                      total_path="meta.total_rows"),
        records="results", contract=contract, primary_key=("site_id", *(COLUMNS[d] for d in dimensions)), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=31)), unified=unified,
    )


COMMON = {"date": "date", "property_id": "site_id", "source": "source", "medium": "utm_medium", "campaign": "utm_campaign"}
MEANINGS = {"date": "the day in the site's reporting time zone",
            "source": "visit:source: the entry page's utm_source, source or ref tag, else named from the Referer ('Twitter')",
            "medium": "visit:utm_medium of the entry page; '(not set)' when untagged",
            "campaign": "visit:utm_campaign of the entry page; '(not set)' when untagged"}


def streams(config: PlausibleConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        query("traffic_daily", "Visitors, visits, pageviews, bounce rate and visit duration per day, source, utm_medium "
                               "and utm_campaign.", TRAFFIC_DIMENSIONS, TRAFFIC_METRICS, TrafficDaily, size,
              Maps("web_traffic_daily", **COMMON, sessions="visits", users="visitors", meanings={
                  **MEANINGS, "sessions": "visits: a visit ends after 30 minutes without action (like GA4's sessions)",
                  "users": "visitors: daily unique visitors without cookies (one person on two devices is two)"})),
        query("goal_conversions_daily", "Converting visitors, conversions and revenue goals' revenue per day, source, "
                                        "utm_medium, utm_campaign and goal.", GOAL_DIMENSIONS,
              (*GOAL_METRICS, REVENUE_METRIC), GoalConversionsDaily, size,
              Maps("web_traffic_daily", **COMMON, conversions="events", revenue="total_revenue", currency="revenue_currency",
                   meanings={**MEANINGS, "conversions": "events with a goal dimension: completions of every goal "
                                                        "(custom-event and pageview goals), summed across goals",
                             "revenue": "total_revenue of revenue goals (config revenue_goals), in the goal's currency"})),
    ]


connector = declare(
    "plausible", title="Plausible Analytics", api=API, config=PlausibleConfig, streams=streams,
    api_version="v2", docs_url="https://plausible.io/docs/stats-api", category="analytics",
    description="Plausible Stats API v2: visits, visitors and pageviews per day by source / utm_medium / utm_campaign, "
                "and goal conversions (and revenue).",
    # authorize_public_api.ex: a key that cannot see the site (HTTP 401).
    error_example={"error": "Invalid API key or site ID. Please make sure you're using a valid API key with access to "
                            "the site you've requested."},
)
source = source_function(connector)

__all__ = ["connector", "source", "PlausibleConfig"]
