"""A fake report file of documented rows, moved onto the days a request asks for.

A report without a unified ad mapping (an attribution tool's installs, an app store's sales)
is served its documented records as they are; but their days are the documentation's, so a
demo or a kit run over other days would load nothing. `on_asked_days` serves the documented
rows of one documented day on each asked day in turn (a day gets the same rows whatever the
range asked), with the day written into the fields that hold it. A stream uses it by being a
`DocumentedDays` (a report answered as a file, or a JSON report whose ``Records`` path holds the rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterator, Mapping

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


def on_asked_days(app: Any, route: Any, day_fields: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    """The documented records of the route's stream on the asked days. `day_fields`: vendor
    field -> how it writes the day (``"%Y-%m-%d"``; a timestamp keeps its time); the first
    one groups the documented rows by day."""
    records = list(app._documented_records(route.stream))
    first = next(iter(day_fields))
    by_day: dict[date, list[dict[str, Any]]] = {}
    for record in records:
        found = _prefix(record.get(first), day_fields[first])
        if found is not None:
            by_day.setdefault(found[0], []).append(record)
    days = [by_day[d] for d in sorted(by_day)]
    if not days:
        return
    for day in app._days(route):
        for record in days[day.toordinal() % len(days)]:
            moved = dict(record)
            for name, fmt in day_fields.items():
                found = _prefix(record.get(name), fmt)
                if found is not None:
                    moved[name] = day.strftime(fmt) + found[1]
            yield moved


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
