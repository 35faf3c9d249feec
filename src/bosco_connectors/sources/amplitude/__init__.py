"""Amplitude: the Export API and the Dashboard REST API (active and new users), declared.

Reference: https://amplitude.com/docs/apis/analytics/export (``GET /api/2/export?start=YYYYMMDDTHH&end=YYYYMMDDTHH``:
"a zipped archive of JSON files", several per hour, "one event JSON object per line"; 404 when
the range holds no data; 400 over 4 GB: choose a smaller range; at most 365 days; the range is
the events' ``server_upload_time``, UTC, exportable two hours after upload) and
https://amplitude.com/docs/apis/analytics/dashboard-rest (``GET /api/2/users?start=YYYYMMDD&end=YYYYMMDD&m=active|new&i=1``;
the project's time zone; 5 concurrent requests, a cost budget per hour, 429 over it). Basic
auth with the project's API key and secret key. Hosts: amplitude.com, EU
analytics.eu.amplitude.com (config ``region``).

Streams:

- ``events``: every event uploaded in the window, from the export's zip archive whose members
  are gzipped JSON Lines files (one or more per hour: ``JsonLines(compression="zip",
  member="*")`` reads every member in turn, gunzipping each): the archive is written to a
  temporary file and read 10,000 events at a time, so memory follows the batch, never the
  export. Rows merge on ``uuid``. Incremental on ``upload_day`` (the UTC day of
  ``server_upload_time``, what the export's range selects) in one-day windows (the 4 GB cap;
  a 400 splits nothing below a day: it fails naming the cap) with a 1-day look-back (events are
  exportable two hours after upload). A 404 is a window without data: no rows.
- ``active_users_daily`` / ``new_users_daily``: the project's active and new users per day
  (``data.xValues`` and ``data.series[0]``), incremental with a 2-day look-back (late
  uploads), 31-day windows.

Both daily streams map into the unified ``web_traffic_daily`` for the project (no source,
medium nor campaign: these charts are not broken down): users are active users (who logged
any event), new users those seen for the first time that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator, Literal, Mapping

import orjson
from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ApiError, ResponseFormatError
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.files import ALL_MEMBERS, JsonLines
from bosco_connectors.framework.paginators import PageRequest, SinglePage
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

HOSTS = {"us": "https://amplitude.com/", "eu": "https://analytics.eu.amplitude.com/"}
#: Timestamps of the export: UTC, "2021-05-27 11:59:53.710000".
EXPORT_TIMES = ("server_received_time", "server_upload_time", "event_time", "client_event_time", "client_upload_time",
                "processed_time")


class AmplitudeConfig(SourceConfig):
    """Config of the ``amplitude`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="The project's API key (Settings > Projects > General), the basic-auth user name.")
    secret_key: SecretStr = Field(description="The project's secret key, the basic-auth password.")
    project_id: Id = Field(description="The project's id (Settings > Projects): names the property in the unified facts.")
    region: Literal["us", "eu"] = Field(default="us", description="Data residency: us (amplitude.com) or eu.")
    requests_per_minute: float = Field(default=30.0, gt=0, description="Pace (5 concurrent requests, a cost budget an hour).")

    @model_validator(mode="after")
    def _host(self) -> "AmplitudeConfig":
        if self.base_url is None:
            self.base_url = HOSTS[self.region]
        return self


# -- contracts -----------------------------------------------------------------------------


class Event(Contract):
    """One exported event."""

    uuid: str = Field(description="Amplitude's id of the event (unique).")
    event_type: str
    upload_day: dt.date = Field(description="The UTC day of server_upload_time: what the export's range selects.")
    event_time: dt.datetime | None = Field(default=None, description="When it happened (UTC).")
    server_upload_time: dt.datetime | None = None
    server_received_time: dt.datetime | None = None
    client_event_time: dt.datetime | None = None
    user_id: str | None = None
    device_id: str | None = None
    amplitude_id: Id | None = None
    session_id: int | None = Field(default=None, description="Session start in epoch milliseconds; -1 outside a session.")
    event_id: int | None = None
    insert_id: str | None = Field(default=None, description="$insert_id, the sender's dedupe id.")
    platform: str | None = None
    country: str | None = None
    event_properties: str | None = Field(default=None, description="As JSON text.")
    user_properties: str | None = Field(default=None, description="As JSON text.")


class UsersDaily(Contract):
    """The project's users of one day (a Dashboard REST chart)."""

    project_id: Id
    date: dt.date = Field(description="The day in the project's time zone.")
    users: int = Field(description="Active users (any event that day), or new users (first seen that day).")


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url=HOSTS["us"],
    auth=Basic("api_key", "secret_key"),
    # {"error": {"http_code", "type", "message", "metadata"}} (an answer recorded by Airbyte's tests; Amplitude documents
    # none): the status decides (429 over the limits, 400 an invalid chart or the export over 4 GB).
    errors=ErrorMap("Amplitude", code="error.http_code", message=("error.message", "error"),
                    codes={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
                    hints={Action.AUTH: "check the project's API key and secret key, and the region"}),
    rate=RateBudget(per_minute="requests_per_minute", concurrency=5),
)


@dataclass(frozen=True)
class ExportHours(WindowParams):
    """The export's range: the first hour of the first day, the last hour of the last (``T00`` to ``T23``, UTC)."""

    start: str = "start"
    end: str | None = "end"

    def render(self, window: Any) -> dict[str, Any]:
        if window.start is None:
            return {}
        last = window.end if window.end is not None else window.start
        return {self.start: f"{window.start:%Y%m%d}T00", self.end: f"{last:%Y%m%d}T23"}

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        first, last = params.get(self.start), params.get(self.end or "")
        day = lambda v: f"{v[:4]}-{v[4:6]}-{v[6:8]}" if v else None  # noqa: E731
        return day(first), day(last)


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.timezone.utc)


def _event_row(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """An exported line -> its columns, the timestamps read as UTC, the property maps as JSON text."""
    uploaded = _time(record.get("server_upload_time"))
    if uploaded is None or not record.get("uuid"):
        raise ResponseFormatError(f"an exported event without uuid or server_upload_time: {str(record)[:80]}", stream="events")
    row = {name: record.get(name) for name in ("uuid", "event_type", "user_id", "device_id", "amplitude_id", "session_id",
                                               "event_id", "platform", "country")}
    row.update({name: _time(record.get(name)) for name in EXPORT_TIMES if name != "processed_time"})
    row["upload_day"] = uploaded.date()
    row["insert_id"] = record.get("$insert_id")
    for name in ("event_properties", "user_properties"):
        row[name] = None if record.get(name) is None else orjson.dumps(record[name]).decode()
    return row


@dataclass(kw_only=True)
class Export(RestStream):
    """GET api/2/export: the archive of the window; 404 is a window without data."""

    def read_answer_file(self, ctx: ReadContext) -> Iterator[Any]:
        try:
            yield from super().read_answer_file(ctx)
        except ApiError as exc:
            if exc.status != 404:
                raise  # only "no data for the time range" is not an error


@dataclass(kw_only=True)
class UsersChart(RestStream):
    """GET api/2/users: ``{"data": {"xValues": [days], "series": [[n per day]], ...}}`` -> one row per day."""

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("xValues"), list):
            raise ResponseFormatError("the chart answered without data.xValues", stream=self.name)
        series = data.get("series") or []
        counts = series[0] if series else []  # no series: no users on any day asked
        project = str(ctx.config.project_id)
        rows = [{"project_id": project, "date": dt.date.fromisoformat(day), "users": n} for day, n in zip(data["xValues"], counts)]
        return response, {"rows": rows}

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        documented: list[int] = []
        for exchange in app.fixtures.data(self.name):
            documented += app.fixtures.body(exchange)["data"]["series"][0]
        first, last = (dt.datetime.strptime(route.params[k], "%Y%m%d").date() for k in ("start", "end"))
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            yield {"day": day.isoformat(), "n": documented[day.toordinal() % len(documented)] if documented else 0}

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        return {"data": {"xValues": [r["day"] for r in records], "series": [[r["n"] for r in records]],
                         "seriesCollapsed": [[0]], "seriesLabels": [0], "seriesMeta": [{"segmentIndex": 0}]}}


def users_chart(name: str, metric: str, column: str, meaning: str) -> UsersChart:
    return UsersChart(
        name=name, description=f"The project's {metric} users per day.", path="api/2/users", params={"m": metric, "i": 1},
        window=WindowParams("start", "end", format="%Y%m%d"), paginator=SinglePage, records=Records("rows"),
        contract=UsersDaily, primary_key=("project_id", "date"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=31)),
        unified=Maps("web_traffic_daily", date="date", property_id="project_id", **{column: "users"},
                     meanings={"date": "the day in the project's time zone", column: meaning}),
    )


def streams(config: AmplitudeConfig | None) -> list[Stream]:
    return [
        Export(name="events", description="Every event uploaded in the window, as exported (raw).", path="api/2/export",
               window=ExportHours(), file=JsonLines(compression="zip", member=ALL_MEMBERS), records=Records(None),
               transform=_event_row, contract=Event, primary_key=("uuid",),
               cursor=Cursor("upload_day", lookback=timedelta(days=1), window=timedelta(days=1))),
        users_chart("active_users_daily", "active", "users", "active users: users who logged any event that day"),
        users_chart("new_users_daily", "new", "new_users", "new users: users whose first event was that day"),
    ]


connector = declare(
    "amplitude", title="Amplitude", api=API, config=AmplitudeConfig, streams=streams,
    api_version="Export API / Dashboard REST API (api/2)", docs_url="https://amplitude.com/docs/apis/analytics/export",
    category="analytics",
    description="Amplitude: the raw event export (a zip of gzipped JSON Lines, streamed), and active and new users per day.",
)
source = source_function(connector)

__all__ = ["connector", "source", "AmplitudeConfig"]
