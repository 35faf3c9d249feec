"""Mixpanel: the Raw Event Export API and the Query API (segmentation), declared.

Reference: https://developer.mixpanel.com/reference/raw-event-export and
https://developer.mixpanel.com/reference/segmentation-query, whose OpenAPI descriptions are
github.com/mixpanel/docs ``openapi/export.openapi.yaml`` (Event Export API 1.0.0) and
``openapi/query.openapi.yaml`` (read at ba22906 of 2026-08-21); rate limits
https://developer.mixpanel.com/reference/rate-limits (``reference/rate-limits.mdx``);
authentication https://developer.mixpanel.com/reference/service-accounts (a service
account's user name and secret as HTTP basic auth, and ``project_id`` on every request).

Hosts by data residency: the Query API at ``mixpanel.com/api/query`` (``eu.``, ``in.``), the
export at ``data.mixpanel.com/api/2.0/export`` (``data-eu``, ``data-in``): one client routes
``api/2.0/`` to the export host (`framework.hosts`).

Streams:

- ``events`` (GET api/2.0/export): every event of the window as JSON Lines, written to a
  temporary file and read 10,000 lines at a time (`files.JsonLines`): memory follows the
  batch, never the export. ``time`` is epoch seconds, in UTC for projects created after
  2023-01-01 and in the project's zone before (the export's ``from_date`` / ``to_date`` are
  read in that zone too): ``day`` is the day of ``time`` read so, the export's own day.
  Export does not deduplicate: rows merge on Mixpanel's dedupe key (event, distinct_id,
  time, $insert_id; ``''`` where an event has no $insert_id). Seven-day windows (60 exports an
  hour: few requests; the file's size costs disk, not memory), with a 5-day look-back: /track
  accepts events up to 5 days old.
- ``page_views_daily`` (GET api/query/segmentation, ``type=unique``): unique users of the
  configured page-view event per project day and ``utm_source`` (``on``); and
  ``conversions_daily`` (``type=general``): counts of the configured conversion event per day
  and ``utm_source``. The Query API's days are the project's (its time zone setting).
  ``values`` is ``{segment: {day: count}}``; an event without the property is segment
  ``undefined``. Windows of 31 days, 2-day look-back (late events), 60 queries an hour.

Both daily streams map into the unified ``web_traffic_daily`` (users; conversions) by
``utm_source``. Mixpanel's segmentation reports no sessions, medium nor campaign here: NULL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator, Literal

import orjson
from pydantic import Field, PrivateAttr, SecretStr, model_validator

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.files import JsonLines
from bosco_connectors.framework.hosts import ServiceHosts
from bosco_connectors.framework.paginators import PageRequest, SinglePage
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

QUERY_HOSTS = {"us": "https://mixpanel.com/", "eu": "https://eu.mixpanel.com/", "in": "https://in.mixpanel.com/"}
EXPORT_HOSTS = {"us": "https://data.mixpanel.com/", "eu": "https://data-eu.mixpanel.com/", "in": "https://data-in.mixpanel.com/"}
#: segmentation ``limit``: "Maximum value 10,000".
MAX_SEGMENTS = 10_000


class MixpanelConfig(SourceConfig):
    """Config of the ``mixpanel`` source (plus the fields every source accepts)."""

    service_account_username: str = Field(description="The service account's user name (Organization settings > Service accounts).")
    service_account_secret: SecretStr = Field(description="The service account's secret.")
    project_id: Id = Field(description="The project's id (Project settings).")
    region: Literal["us", "eu", "in"] = Field(default="us", description="Data residency: us, eu or in (picks the hosts).")
    page_view_event: str = Field(default="$mp_web_page_view", description="The event counted as a page view (users by utm_source).")
    conversion_event: str = Field(default="Purchase", description="The event counted as a conversion.")
    requests_per_minute: float = Field(default=10.0, gt=0, description=(
        "Pace. The Query and Export APIs each allow 60 queries in any hour: at 10 a minute a sync of up to 60 requests "
        "never trips it (a longer one waits out the 429s)."))
    _one_host: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _hosts(self) -> "MixpanelConfig":
        self._one_host = self.base_url is not None  # a sandbox or the fake: every path to it
        if self.base_url is None:
            self.base_url = QUERY_HOSTS[self.region]
        return self


# -- contracts -----------------------------------------------------------------------------


class Event(Contract):
    """One exported event."""

    event: str
    time: int = Field(description="Epoch seconds (UTC for projects created since 2023; the project's zone before).")
    day: dt.date = Field(description="The export's day of the event (the day of time, read as the export reads it).")
    distinct_id: str = Field(default="", description="The user's distinct_id ('' when the event has none).")
    insert_id: str = Field(default="", description="$insert_id, Mixpanel's dedupe id ('' when the event has none).")
    mp_processing_time_ms: int | None = Field(default=None, description="When Mixpanel processed it, epoch milliseconds.")
    properties: str = Field(description="Every property of the event, as JSON text.")


class SegmentDaily(Contract):
    """One project day and utm_source value of a segmentation query."""

    project_id: Id
    date: dt.date = Field(description="The day in the project's time zone.")
    utm_source: str = Field(description="properties[\"utm_source\"]; 'undefined' for events without it.")
    event: str
    count: int = Field(description="Unique users (page views) or events (conversions).")


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url=QUERY_HOSTS["us"],
    auth=Basic("service_account_username", "service_account_secret"),
    # {"request": "<url>", "error": "<text>"}: no code but the text; credentials refused answer 400 "Unable to authenticate
    # request" (an auth error), other texts go by the status (429 wait, 402 the plan).
    errors=ErrorMap("Mixpanel", code="error", message=("error",), codes={"Unable to authenticate request": Action.AUTH},
                    statuses={402: Action.AUTH},
                    hints={Action.AUTH: "check the service account, its role in the project, and project_id"}),
    rate=RateBudget(per_minute="requests_per_minute"),
    client_class=ServiceHosts,
    client_options=lambda c: {"services": {} if c._one_host else {"api/2.0/": EXPORT_HOSTS[c.region]}},
)


def _event_row(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """An exported line -> the dedupe key, the processing time and the properties as JSON text."""
    props = record.get("properties")
    if "error" in record and "event" not in record:  # the vendor's error envelope where the export's lines were
        raise ResponseFormatError(f"the export answered Mixpanel's error instead of events: {str(record['error'])[:300]}",
                                  stream="events")
    if not isinstance(props, dict) or not isinstance(props.get("time"), (int, float)):
        raise ResponseFormatError(f"an exported event without properties.time: {str(record)[:80]}", stream="events")
    time = int(props["time"])
    return {"event": record.get("event"), "time": time,
            "day": dt.datetime.fromtimestamp(time, dt.timezone.utc).date(),
            "distinct_id": str(props.get("distinct_id") or ""), "insert_id": str(props.get("$insert_id") or ""),
            "mp_processing_time_ms": props.get("mp_processing_time_ms"),
            "properties": orjson.dumps(props).decode()}


@dataclass(kw_only=True)
class Segmentation(RestStream):
    """GET api/query/segmentation: ``{"data": {"series": [days], "values": {segment: {day: n}}}}`` -> rows."""

    event_field: str

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        values = body.get("data", {}).get("values") if isinstance(body, dict) else None
        if not isinstance(values, dict):
            raise ResponseFormatError("segmentation answered without data.values", stream=self.name)
        event = getattr(ctx.config, self.event_field)
        project = str(ctx.config.project_id)
        rows = [{"project_id": project, "date": dt.date.fromisoformat(day), "utm_source": segment, "event": event, "count": count}
                for segment, days in values.items() for day, count in (days or {}).items()]
        return response, {"rows": rows}

    # -- the generated fake: the documented segments on every asked day -------------------------

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        documented: dict[str, list[tuple[str, Any]]] = {}
        for exchange in app.fixtures.data(self.name):
            for segment, days in app.fixtures.body(exchange)["data"]["values"].items():
                for day, count in days.items():
                    documented.setdefault(day, []).append((segment, count))
        days = [documented[d] for d in sorted(documented)]
        first, last = (dt.date.fromisoformat(route.params[k]) for k in ("from_date", "to_date"))
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            for segment, count in days[day.toordinal() % len(days)] if days else []:
                yield {"day": day.isoformat(), "segment": segment, "count": count}

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        values: dict[str, dict[str, Any]] = {}
        for r in records:
            values.setdefault(r["segment"], {})[r["day"]] = r["count"]
        series = sorted({r["day"] for r in records})
        return {"data": {"series": series, "values": values}, "legend_size": len(values)}


def segmentation(name: str, description: str, event_field: str, kind: str, unified: Maps) -> Segmentation:
    return Segmentation(
        name=name, description=description, path="api/query/segmentation", event_field=event_field,
        params={"project_id": "{project_id}", "event": "{" + event_field + "}", "type": kind, "unit": "day",
                "on": 'properties["utm_source"]', "limit": MAX_SEGMENTS},
        window=WindowParams("from_date", "to_date"), paginator=SinglePage, records=Records("rows"), contract=SegmentDaily,
        primary_key=("project_id", "date", "utm_source", "event"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=31)), unified=unified,
    )


def streams(config: MixpanelConfig | None) -> list[Stream]:
    meanings = {"date": "the day in the project's time zone",
                "source": "properties[\"utm_source\"] of the events; 'undefined' when they carry none"}
    return [
        RestStream(
            name="events", description="Every event of the window, as exported (raw).", path="api/2.0/export",
            params={"project_id": "{project_id}"}, window=WindowParams("from_date", "to_date"), file=JsonLines(),
            records=Records(None), transform=_event_row, contract=Event,
            primary_key=("event", "distinct_id", "time", "insert_id"),
            cursor=Cursor("day", lookback=timedelta(days=5), window=timedelta(days=7)),
        ),
        segmentation("page_views_daily", "Unique users of the page-view event per project day and utm_source.",
                     "page_view_event", "unique",
                     Maps("web_traffic_daily", date="date", property_id="project_id", source="utm_source", users="count",
                          meanings={**meanings, "users": "unique users of the page-view event (config page_view_event)"})),
        segmentation("conversions_daily", "Conversion events per project day and utm_source.", "conversion_event", "general",
                     Maps("web_traffic_daily", date="date", property_id="project_id", source="utm_source",
                          conversions="count",
                          meanings={**meanings, "conversions": "events of config conversion_event (all of them, repeats included)"})),
    ]


connector = declare(
    "mixpanel", title="Mixpanel", api=API, config=MixpanelConfig, streams=streams,
    api_version="Event Export API 1.0.0 / Query API", docs_url="https://developer.mixpanel.com/reference/raw-event-export",
    category="analytics",
    description="Mixpanel: the raw event export (JSONL, streamed), and page-view users and conversions per day by utm_source.",
    error_example={"request": "/api/query/segmentation?project_id=2195193", "error": "Unable to authenticate request"},
)
source = source_function(connector)

__all__ = ["connector", "source", "MixpanelConfig"]
