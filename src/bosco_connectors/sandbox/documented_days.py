"""A fake report file of documented rows, moved onto the days a request asks for.

A report without a unified ad mapping (an attribution tool's installs, an app store's sales)
is served its documented records as they are; but their days are the documentation's, so a
demo or a kit run over other days would load nothing. `on_asked_days` serves the documented
rows of one documented day on each asked day in turn (a day gets the same rows whatever the
range asked), with the day written into the fields that hold it. A stream uses it by being a
`DocumentedDays` (a report answered as a file, or a JSON report whose ``Records`` path holds the
rows) or a `DocumentedDaysReport` (a report job's file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterator, Mapping

from ..framework.jobs import AsyncReportStream
from ..framework.params import parse_bound
from ..framework.spec import RestStream


def _prefix(value: Any, fmt: str) -> tuple[date, str] | None:
    """The day a field's text starts with, written `fmt`, and the text after it (a timestamp's time)."""
    if not isinstance(value, str):
        return None
    width = len(date(2000, 11, 22).strftime(fmt))
    try:
        return datetime.strptime(value[:width], fmt).date(), value[width:]
    except ValueError:
        return None


def on_asked_days(app: Any, route: Any, day_fields: Mapping[str, str], days: list[date] | None = None) -> Iterator[dict[str, Any]]:
    """The documented records of the route's stream on the asked days (or `days`). `day_fields`:
    vendor field -> how it writes the day (``"%Y-%m-%d"``; a timestamp keeps its time); the
    first one groups the documented rows by day."""
    records = list(_documented(app, route.stream))
    first = next(iter(day_fields))
    by_day: dict[date, list[dict[str, Any]]] = {}
    for record in records:
        found = _prefix(record.get(first), day_fields[first])
        if found is not None:
            by_day.setdefault(found[0], []).append(record)
    documented = [by_day[d] for d in sorted(by_day)]
    if not documented:
        return
    for day in (days if days is not None else _asked_days(app, route)):
        for record in documented[day.toordinal() % len(documented)]:
            moved = dict(record)
            for name, fmt in day_fields.items():
                found = _prefix(record.get(name), fmt)
                if found is not None:
                    moved[name] = day.strftime(fmt) + found[1]
            yield moved


def _documented(app: Any, stream: Any) -> Iterator[dict[str, Any]]:
    """The documented records: a report job's file (its create and poll answers aside), else the stream's bodies."""
    if getattr(stream, "kind", None) != "async_report":
        yield from app._documented_records(stream)
        return
    import io

    item = next(d for d in app._jobs.declared if d.stream.name == stream.name)
    for exchange in app.fixtures.data(stream.name):
        if not app._jobs._is_call(item, exchange.request):
            yield from item.download.format.records(io.BytesIO(app.fixtures.raw_body(exchange)))


def _asked_days(app: Any, route: Any) -> list[date]:
    """The world's days the request asks for: its window, or a report job's (declared on its `Create`)."""
    if getattr(route.stream, "window", None) is not None:
        return app._days(route)
    window = getattr(getattr(getattr(route.stream, "report", None), "create", None), "window", None)
    if window is None:
        return app._days(route)
    start, end = (parse_bound(v, window.format) for v in window.parse(route.params))
    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    return [d for d in app.world.days if (first is None or d >= first) and (last is None or d <= last)]


@dataclass(kw_only=True)
class DocumentedDays(RestStream):
    """A report whose fake serves its documented rows on the asked days (`fake_days`: the
    fields that hold the day, see `on_asked_days`): a file in the declared format, or the
    documented JSON page with the rows at the ``Records`` path."""

    fake_days: Mapping[str, str] = field(default_factory=dict)

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        return on_asked_days(app, route, self.fake_days)

    def fake_encode(self, app: Any, route: Any, body: Any, records: list[dict[str, Any]]) -> Any:
        if self.file is not None:
            return self.file.dump(records)
        from ..framework.params import _set_path

        path = self.record_spec.path
        if not path:
            return records
        _set_path(body, path, records)
        return body


@dataclass(kw_only=True)
class DocumentedDaysReport(AsyncReportStream):
    """A report job whose fake file holds its documented rows on the asked days (see `DocumentedDays`)."""

    fake_days: Mapping[str, str] = field(default_factory=dict)

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        return on_asked_days(app, route, self.fake_days)

    def fake_encode(self, app: Any, route: Any, body: Any, records: list[dict[str, Any]]) -> bytes:
        return self.report.download.format.dump(records)  # type: ignore[union-attr]
