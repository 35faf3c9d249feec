"""PostHog: the Query API (``POST /api/projects/{project_id}/query/``, HogQL), declared.

Reference: https://posthog.com/docs/api/queries (the page's source: github.com/PostHog/posthog.com
``contents/docs/api/queries.mdx``): a personal API key with the Query Read scope (or a project
secret key with ``query:read``) as ``Authorization: Bearer``; the body
``{"query": {"kind": "HogQLQuery", "query": "<SQL>", "values": {...}}, "name": ...}``; 100 rows
unless the SQL says ``LIMIT`` (up to 50,000); 2400 requests an hour, 240 a minute and 3
running queries per project; 10 s of execution at most. The answer (``HogQLQueryResponse`` in
github.com/PostHog/posthog ``posthog/schema.py``) holds ``columns``, ``types`` and positional
``results``. Queries made with a personal API key may not use ``OFFSET``
(``posthog/hogql/user_query_validator.py``: "use keyset pagination on the `timestamp`
column"): the events export pages on ``timestamp``. Values of the query are HogQL
placeholders (``{ date_from }``, filled from ``values``; ``HogQLQueryRunner.to_query``).
Errors follow drf-exceptions-hog: ``{"type", "code", "detail", "attr"}``.

Streams:

- ``project`` (``GET /api/projects/{project_id}/``): its ``timezone`` is whose days the
  daily query counts (``toTimeZone(..., { timezone })``), read once per run.
- ``web_traffic_daily``: sessions (the ``sessions`` table: ``$start_timestamp``,
  ``$entry_utm_source`` / ``_medium`` / ``_campaign``, ``$pageview_count``, ``$is_bounce``),
  unique ``distinct_id`` and pageviews per project day x entry utm_source x utm_medium x
  utm_campaign. Incremental on ``date`` with a 2-day look-back: a session that starts before
  midnight lasts until 30 minutes without events, and events may arrive late (mobile SDKs
  send queued events on the next launch).
- ``events``: the raw events of the window (uuid, event, timestamp, distinct_id, person_id,
  the session and URL, the properties as JSON text), ordered by ``timestamp`` and paged by it
  (``>=`` the last page's last timestamp; rows merge on ``uuid``), ``page_size`` rows a
  query: memory follows the page, not the export. One-day windows (the 10 s limit).

``web_traffic_daily`` maps into the unified ``web_traffic_daily``: sessions, users (distinct
ids, so one person on two devices before identification is two), engaged sessions (sessions
PostHog does not count as bounces: more than one pageview, an autocapture, or 10 seconds).
PostHog reports no conversions nor revenue on its own: those stay NULL.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Iterator

from pydantic import Field, SecretStr, field_validator

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap, TooMuchData
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.paginators import PageRequest, SinglePage
from bosco_connectors.framework.params import FromParent, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream

#: "If you specify your own LIMIT value, you can return up to 50k rows per query."
MAX_ROWS = 50_000
#: The first page of the events export starts after this instant.
EPOCH = "1970-01-01 00:00:00"


class PosthogConfig(SourceConfig):
    """Config of the ``posthog`` source (plus the fields every source accepts)."""

    base_url: str = Field(default="https://us.posthog.com/", description=(
        "PostHog's app host: https://us.posthog.com/ (US Cloud), https://eu.posthog.com/ (EU Cloud), or your instance."))
    personal_api_key: SecretStr = Field(description="A personal API key (phx_...) with the Query Read scope, or a project "
                                                    "secret API key with query:read.")
    project_id: Id = Field(description="The project's id (Project settings > Project ID).")
    page_size: int = Field(default=10_000, ge=1, le=MAX_ROWS, description="Events per query of the export (LIMIT).")
    requests_per_minute: float = Field(default=30.0, gt=0, le=240, description="Queries a minute (the project's limit: "
                                                                              "240 a minute, 2400 an hour).")

    @field_validator("base_url")
    @classmethod
    def _root(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"


# -- contracts -----------------------------------------------------------------------------


class Project(Contract):
    """The project (GET api/projects/{project_id}/)."""

    id: Id
    uuid: str | None = None
    organization: str | None = None
    name: str | None = None
    created_at: str | None = None
    timezone: str | None = Field(default=None, description="The project's time zone: whose days the daily counts are.")


class WebTrafficDaily(Contract):
    """One project day x entry utm_source x utm_medium x utm_campaign."""

    project_id: Id
    date: dt.date = Field(description="The day in the project's time zone.")
    utm_source: str = Field(description="$entry_utm_source of the session's first event; '' when untagged.")
    utm_medium: str = Field(description="$entry_utm_medium; '' when untagged.")
    utm_campaign: str = Field(description="$entry_utm_campaign; '' when untagged.")
    sessions: int | None = Field(default=None, description="Sessions starting that day (end after 30 minutes without events).")
    users: int | None = Field(default=None, description="Distinct ids of those sessions.")
    pageviews: int | None = Field(default=None, description="Sum of the sessions' $pageview_count.")
    engaged_sessions: int | None = Field(default=None, description="Sessions with $is_bounce false.")


class Event(Contract):
    """One event, as captured."""

    uuid: str
    project_id: Id
    event: str
    timestamp: dt.datetime = Field(description="When it happened (sent in the project's zone, with its offset).")
    date: dt.date = Field(description="The day in the project's time zone.")
    distinct_id: str | None = None
    person_id: str | None = None
    session_id: str | None = Field(default=None, description="properties.$session_id")
    current_url: str | None = Field(default=None, description="properties.$current_url")
    properties: str | None = Field(default=None, description="Every property, as JSON text.")


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://us.posthog.com/",
    auth=ApiKey("personal_api_key", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        "PostHog", code="code", message=("detail",),
        codes={"throttled": Action.RETRY, "authentication_failed": Action.AUTH, "not_authenticated": Action.AUTH,
               "permission_denied": Action.AUTH},
        # 512: "Estimated query execution time is too long. Try reducing its scope by changing the time range."
        # 504: the 10 s or the memory limit hit: "narrow date range" (posthog/exceptions.py).
        statuses={512: Action.SPLIT, 504: Action.SPLIT, 402: Action.AUTH},
        hints={Action.AUTH: "check the personal API key, its Query Read scope and that it may read project_id"}),
    rate=RateBudget(per_minute="requests_per_minute"),
)


@dataclass(kw_only=True)
class HogQL(RestStream):
    """One HogQL query per partition, window and page: positional ``results`` named by ``columns``."""

    sql: str
    method: str = "POST"
    #: The rows a query may answer; a full answer means rows were left out: the window is split.
    limit: int = MAX_ROWS

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise ResponseFormatError("the query answered without results", stream=self.name)
        rows = self.decode(body, str(ctx.partition["project_id"]))
        if self.paginator is SinglePage and len(rows) >= self.limit:
            raise TooMuchData(f"the query answered {len(rows)} rows, its LIMIT: more are left out", status=200)
        return response, {**body, "results": rows}

    def decode(self, body: dict[str, Any], project: str) -> list[dict[str, Any]]:
        columns = body.get("columns") or []
        out = []
        for row in body["results"]:
            if not isinstance(row, list) or len(row) != len(columns):
                raise ResponseFormatError(f"a result {row!r:.80} does not fit the columns {columns}", stream=self.name)
            record = dict(zip(columns, row))
            record["project_id"] = project
            if "date" in record:
                record["date"] = dt.date.fromisoformat(str(record["date"])[:10])
            elif isinstance(record.get("timestamp"), str):  # sent in the project's zone: its first ten characters are its day
                record["date"] = dt.date.fromisoformat(record["timestamp"][:10])
            out.append(record)
        return out

    # -- the generated fake (sandbox.generated) serves the documented rows ---------------------

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        """The documented rows, by their day, on each day of the asked range in turn."""
        documented: dict[str, list[list[Any]]] = {}
        columns: list[str] = []
        for exchange in app.fixtures.data(self.name):
            answer = app.fixtures.body(exchange)
            columns = answer["columns"]
            for row in copy.deepcopy(answer["results"]):
                documented.setdefault(str(row[columns.index(self.day_column)])[:10], []).append(row)
        days = [documented[d] for d in sorted(documented)]
        values = route.params["query"]["values"]
        first, last = (dt.date.fromisoformat(values[k]) for k in ("date_from", "date_to"))
        after = values.get("after_timestamp")
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            for row in days[day.toordinal() % len(days)] if days else []:
                row = list(row)
                at = columns.index(self.day_column)
                row[at] = day.isoformat() + str(row[at])[10:]
                if "uuid" in columns:  # an event of each day is an event of its own
                    row[columns.index("uuid")] = f"{day.toordinal():08x}" + str(row[columns.index("uuid")])[8:]
                if after in (None, EPOCH) or row[at] >= after:
                    yield {"_row": row, "_columns": columns}

    def fake_encode(self, app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        limit = self.fake_limit(route)
        body["results"] = [r["_row"] for r in records][:limit]
        body["columns"] = records[0]["_columns"] if records else body.get("columns")
        body["hasMore"] = False
        return body

    day_column: str = "date"

    def fake_limit(self, route: Any) -> int:
        return self.limit


@dataclass
class AfterLastTimestamp:
    """Keyset paging on ``timestamp`` (OFFSET is refused with a personal API key): the next query
    asks for events at or after the page's last timestamp; a short page is the last."""

    size: int
    _last: Any = field(default=None)

    def first(self) -> PageRequest:
        return PageRequest(params={"query.values.after_timestamp": EPOCH})

    def next(self, response: Any, body: Any, records: list[Any]) -> PageRequest | None:
        if len(records) < self.size:
            return None
        last = records[-1].get("timestamp")
        if last is None or last == self._last:
            raise ResponseFormatError(f"a page of {len(records)} events all at {last}: raise page_size", stream="events")
        self._last = last
        return PageRequest(params={"query.values.after_timestamp": str(last)})


@dataclass(kw_only=True)
class EventExport(HogQL):
    day_column: str = "timestamp"

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        params = super().request_params(ctx, page)
        params["query"]["values"]["page_size"] = self.limit
        return params

    def fake_limit(self, route: Any) -> int:
        return int(route.params["query"]["values"].get("page_size") or self.limit)


PROJECT = RestStream(
    name="project", description="The project, with its time zone.", path="api/projects/{project_id}/",
    paginator=SinglePage, records=Records(None, drop=("api_token",)), contract=Project, primary_key=("id",),
    cursor=FullRefresh("one record, read whole on every run"),
)

#: The project's days: sessions counted on the day they start in its time zone.
TRAFFIC_SQL = """\
SELECT toDate(toTimeZone($start_timestamp, { timezone })) AS date,
       coalesce($entry_utm_source, '') AS utm_source,
       coalesce($entry_utm_medium, '') AS utm_medium,
       coalesce($entry_utm_campaign, '') AS utm_campaign,
       count() AS sessions,
       uniq(distinct_id) AS users,
       sum($pageview_count) AS pageviews,
       countIf(NOT $is_bounce) AS engaged_sessions
FROM sessions
WHERE $start_timestamp >= toDateTime({ date_from }, { timezone })
  AND $start_timestamp < toDateTime({ date_to }, { timezone }) + INTERVAL 1 DAY
GROUP BY date, utm_source, utm_medium, utm_campaign
ORDER BY date, utm_source, utm_medium, utm_campaign
LIMIT 50000"""

EVENTS_SQL = """\
SELECT uuid, event, timestamp, distinct_id, person_id,
       properties.$session_id AS session_id,
       properties.$current_url AS current_url,
       toString(properties) AS properties
FROM events
WHERE timestamp >= toDateTime({ date_from }, { timezone })
  AND timestamp < toDateTime({ date_to }, { timezone }) + INTERVAL 1 DAY
  AND timestamp >= toDateTime64({ after_timestamp }, 6, { timezone })
ORDER BY timestamp, uuid
LIMIT { page_size }"""


def query_body(name: str, sql: str) -> dict[str, Any]:
    return {"query": {"kind": "HogQLQuery", "query": sql, "values": {"timezone": "{timezone}"}}, "name": f"bosco {name}"}


WINDOW = WindowParams("query.values.date_from", "query.values.date_to", in_body=True)


def streams(config: PosthogConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else 10_000
    by_project = FromParent(PROJECT, {"project_id": "id", "timezone": "timezone"})
    return [
        PROJECT,
        HogQL(name="web_traffic_daily", description="Sessions, users, pageviews and engaged sessions per project day and "
                                                    "entry utm_source / utm_medium / utm_campaign.",
              path="api/projects/{project_id}/query/", sql=TRAFFIC_SQL, params=query_body("web_traffic_daily", TRAFFIC_SQL),
              partitions=by_project, window=WINDOW, paginator=SinglePage, records=Records("results"), contract=WebTrafficDaily,
              primary_key=("project_id", "date", "utm_source", "utm_medium", "utm_campaign"), arrow=True,
              cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=7)),
              unified=Maps("web_traffic_daily", date="date", property_id="project_id", source="utm_source",
                           medium="utm_medium", campaign="utm_campaign", sessions="sessions", users="users",
                           engaged_sessions="engaged_sessions", meanings={
                               "date": "the day the session starts, in the project's time zone",
                               "source": "$entry_utm_source: utm_source of the session's first event ('' untagged)",
                               "sessions": "sessions: end after 30 minutes without events (or 24 hours)",
                               "users": "distinct ids: an anonymous visitor on two devices is two",
                               "engaged_sessions": "sessions PostHog does not count as bounces ($is_bounce false: more "
                                                   "than one pageview, an autocapture, or at least 10 seconds)"})),
        EventExport(name="events", description="Every event of the window (raw), paged on its timestamp.",
                    path="api/projects/{project_id}/query/", sql=EVENTS_SQL, params=query_body("events", EVENTS_SQL),
                    partitions=by_project, window=WINDOW, paginator=lambda: AfterLastTimestamp(size), limit=size,
                    records=Records("results", formats={"timestamp": ISO_DATETIME}), contract=Event, primary_key=("uuid",), arrow=True,
                    cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=1))),
    ]


connector = declare(
    "posthog", title="PostHog", api=API, config=PosthogConfig, streams=streams,
    api_version="query API (HogQLQuery)", docs_url="https://posthog.com/docs/api/queries", category="analytics",
    description="PostHog Query API (HogQL): sessions, users and pageviews per day by entry utm, and the raw events.",
    error_example={"type": "authentication_error", "code": "authentication_failed",
                   "detail": "Personal API key found in request Authorization header is invalid.", "attr": None},
)
source = source_function(connector)

__all__ = ["connector", "source", "PosthogConfig"]
