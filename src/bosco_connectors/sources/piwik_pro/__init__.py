"""Piwik PRO: the Analytics HTTP API (``POST /api/analytics/v1/query/``), declared.

Reference: https://developers.piwik.pro/en/latest/custom_reports/http_api/http_api.html, whose
OpenAPI source is github.com/PiwikPRO/PPMS-PublicDocs ``custom_reports/http_api/`` (``paths/query.yaml``,
``definitions/query_request.yaml``; read at cf31638 of 2025-01-30); columns
https://developers.piwik.pro/en/latest/custom_reports/columns.html (``columns__dimensions.rst``,
``columns__metrics.rst``, ``columns__dimension_to_dimension_transformations.rst``); authentication
https://developers.piwik.pro/en/latest/platform/getting_started.html (``platform/getting_started.md``):
``POST <account>.piwik.pro/auth/token`` with a JSON client-credentials grant, a Bearer token valid
30 minutes (`ClientCredentials(token_body="json")`).

One query per website, window and page: ``website_id``, ``date_from``/``date_to`` (dates, both
included, "in website's timezone"), ``columns`` (``timestamp`` by ``to_date``, ``source``,
``medium``, ``campaign_name``; ``sessions``, ``visitors``, ``bounces``, ``page_views``,
``goal_conversions``, ``ecommerce_conversions``), ``order_by`` on every dimension (so pages never
overlap), ``offset``/``limit`` (at most 100,000) until ``meta.count``. Rows are positional: each
``data`` row follows the query's column order (`PiwikQuery.decode`). Results are cached for 10
minutes; no rate limit is documented.

``traffic_daily`` is incremental on ``date`` with a 2-day look-back (a session open at the
website's midnight lasts until 30 minutes without events; late hits), in 31-day windows. It maps
into the unified ``web_traffic_daily``: sessions, visitors as users, goal conversions as
conversions. Piwik PRO's revenue is an event-scope sum whose currency is the website's (the Apps
API): not read here, so revenue stays NULL; engaged sessions and new visitors are not reported
by these columns.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator

from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ClientCredentials
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.paginators import OffsetLimit, PageRequest
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

#: ``limit``: "maximum: 100000".
MAX_PAGE_SIZE = 100_000
#: (column_id, transformation_id or None, our column name), in query order: dimensions first.
DIMENSIONS = (("timestamp", "to_date", "date"), ("source", None, "source"), ("medium", None, "medium"),
              ("campaign_name", None, "campaign_name"))
METRICS = (("sessions", None, "sessions"), ("visitors", None, "visitors"), ("bounces", None, "bounces"),
           ("page_views", None, "page_views"), ("goal_conversions", None, "goal_conversions"),
           ("ecommerce_conversions", None, "ecommerce_conversions"))
COLUMNS = (*DIMENSIONS, *METRICS)


class PiwikProConfig(SourceConfig):
    """Config of the ``piwik_pro`` source (plus the fields every source accepts)."""

    base_url: str | None = Field(default=None, description="The account's address, https://<account>.piwik.pro/.")
    client_id: str = Field(description="API credentials' client id (Menu > Profile > API credentials).")
    client_secret: SecretStr = Field(description="API credentials' client secret.")
    token_url: str | None = Field(default=None, description="Token endpoint (default: <base_url>auth/token).")
    website_ids: IdList = Field(min_length=1, description="Website or app ids (UUIDs); a list, or one comma-separated string.")
    page_size: int = Field(default=10_000, ge=1, le=MAX_PAGE_SIZE, description="Rows per query (limit).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace (no documented limit; results are cached 10 minutes).")

    @model_validator(mode="after")
    def _endpoints(self) -> "PiwikProConfig":
        if not self.base_url:
            raise ValueError("base_url is required: the account's address, https://<account>.piwik.pro/")
        self.base_url = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
        if self.token_url is None:
            self.token_url = self.base_url + "auth/token"
        return self


class TrafficDaily(Contract):
    """One website, day, source, medium and campaign name."""

    website_id: Id
    date: dt.date = Field(description="The day in the website's time zone.")
    source: str = Field(description="source: the session's traffic source (utm_source, referrer or search engine).")
    medium: str = Field(description="medium: the session's medium (utm_medium, or organic/referral/direct).")
    campaign_name: str = Field(description="campaign_name: utm_campaign (or the campaign parameter); '' when none.")
    sessions: int | None = None
    visitors: int | None = Field(default=None, description="Unique visitors (by visitor id).")
    bounces: int | None = Field(default=None, description="Sessions with one page view.")
    page_views: int | None = None
    goal_conversions: int | None = Field(default=None, description="Conversions of all goals.")
    ecommerce_conversions: int | None = Field(default=None, description="Orders.")


API = Api(
    base_url="https://example.piwik.pro/",  # every account is its own host: config base_url
    auth=ClientCredentials("https://example.piwik.pro/auth/token", token_body="json"),
    # {"errors": [{"status": "401", "detail": "...", "source": {...}}]}
    errors=ErrorMap("Piwik PRO", code="errors.0.status", message=("errors.0.detail",),
                    codes={"401": Action.AUTH, "403": Action.AUTH, "429": Action.RETRY},
                    hints={Action.AUTH: "check the API credentials, the account's license, and access to each website_id"}),
    rate=RateBudget(per_second="requests_per_second"),
)


@dataclass(kw_only=True)
class PiwikQuery(RestStream):
    """``POST api/analytics/v1/query/``: positional ``data`` rows, named in query order."""

    method: str = "POST"

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ResponseFormatError("the query answered without data", stream=self.name)
        website = str(ctx.partition["website_id"])
        return response, {**body, "data": [self.decode(row, website) for row in body["data"]]}

    def decode(self, row: Any, website: str) -> dict[str, Any]:
        if not isinstance(row, list) or len(row) != len(COLUMNS):
            raise ResponseFormatError(f"a row {row!r:.80} does not have the query's {len(COLUMNS)} columns", stream=self.name)
        record: dict[str, Any] = {"website_id": website}
        for (_, _, name), value in zip(COLUMNS, row):
            record[name] = value
        record["date"] = dt.date.fromisoformat(str(record["date"])[:10])
        return record

    # -- the generated fake: the documented rows on each day asked ---------------------------

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        documented: dict[str, list[list[Any]]] = {}
        for exchange in app.fixtures.data(self.name):
            for row in copy.deepcopy(app.fixtures.body(exchange)["data"]):
                documented.setdefault(str(row[0]), []).append(row)
        days = [documented[d] for d in sorted(documented)]
        first, last = (dt.date.fromisoformat(route.params[k]) for k in ("date_from", "date_to"))
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            for row in days[day.toordinal() % len(days)] if days else []:
                yield {"_row": [day.isoformat(), *row[1:]]}

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        return {**body, "data": [r["_row"] for r in records]}


def streams(config: PiwikProConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else 10_000
    columns = [{"column_id": c, **({"transformation_id": t} if t else {})} for c, t, _ in COLUMNS]
    return [
        PiwikQuery(
            name="traffic_daily", description="Sessions, visitors, bounces, page views, goal conversions and orders per "
                                              "website day, source, medium and campaign.",
            path="api/analytics/v1/query/",
            params={"columns": columns, "order_by": [[i, "asc"] for i in range(len(DIMENSIONS))], "format": "json"},
            partitions=ForEach("website_ids", "website_id"), window=WindowParams("date_from", "date_to", in_body=True),
            paginator=lambda: OffsetLimit(limit=size, total_path="meta.count"), records=Records("data"),
            contract=TrafficDaily, primary_key=("website_id", "date", "source", "medium", "campaign_name"), arrow=True,
            cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=31)),
            unified=Maps("web_traffic_daily", date="date", property_id="website_id", source="source", medium="medium",
                         campaign="campaign_name", sessions="sessions", users="visitors", conversions="goal_conversions",
                         meanings={"date": "the day in the website's time zone",
                                   "users": "visitors: unique visitor ids of the day (a visitor on two days is counted each day)",
                                   "conversions": "goal_conversions: conversions of every goal (orders not included)"}),
        ),
    ]


connector = declare(
    "piwik_pro", title="Piwik PRO", api=API, config=PiwikProConfig, streams=streams,
    api_version="analytics/v1", docs_url="https://developers.piwik.pro/en/latest/custom_reports/http_api/http_api.html",
    category="analytics",
    description="Piwik PRO Analytics API: sessions, visitors and goal conversions per day by source / medium / campaign.",
)
source = source_function(connector)

__all__ = ["connector", "source", "PiwikProConfig"]
