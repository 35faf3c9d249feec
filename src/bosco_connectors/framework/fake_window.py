"""Documented records moved into the asked window, for the generated fake of a `Maps` stream.

The generated fake serves a stream without an ad mapping (reviews, survey answers) its
documented records as they are, with their documented dates. A stream read incrementally by
a date window then loads none of them in a demo or a sandbox run over other days: the
vendor answered, but every record is older than the cursor. `DocumentedInWindow` serves them
moved, by whole days, so that the earliest lands on the first day the request asks for; only
the named date fields change (their text keeps its own format: ``2026-11-02T23:51:37Z``,
``...:12.000Z``, ``+00:00``), the rest stays as documented.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from .jsonpath import get_path
from .params import parse_bound
from .spec import RestStream


@dataclass(kw_only=True)
class DocumentedInWindow(RestStream):
    """A `RestStream` whose fake answers are its documented records moved into the asked window.

    ``fake_dates``: the records' date or timestamp fields (ISO 8601 text, dotted paths allowed),
    the first of them the one the window filters on."""

    fake_dates: tuple[str, ...] = ()

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        records = [r for e in app.fixtures.data(self.name) for r in copy.deepcopy(self.record_spec.select(app.fixtures.body(e)))]
        start = parse_bound(self.window.parse(route.params)[0], self.window.format) if self.window is not None else None
        days = [_day(get_path(r, self.fake_dates[0])) for r in records] if self.fake_dates else []
        days = [d for d in days if d is not None]
        if start is None or not days:
            yield from records
            return
        shift = (start if isinstance(start, date) and not isinstance(start, datetime) else start.date()) - min(days)
        for record in records:
            for path in self.fake_dates:
                _shift(record, path, shift)
            yield record

    def fake_encode(self, app: Any, route: Any, body: Any, records: list[dict[str, Any]]) -> Any:
        path = self.record_spec.path
        if not path:
            return records
        body = copy.deepcopy(body)
        holder = body
        *outer, last = path.split(".")
        for key in outer:
            holder = holder.setdefault(key, {})
        holder[last] = records
        return body


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _shift(record: dict[str, Any], path: str, shift: timedelta) -> None:
    *outer, last = path.split(".")
    holder: Any = record
    for key in outer:
        holder = holder.get(key) if isinstance(holder, dict) else None
    if not isinstance(holder, dict):
        return
    value = holder.get(last)
    day = _day(value)
    if day is not None:
        holder[last] = (day + shift).isoformat() + str(value)[10:]


__all__ = ["DocumentedInWindow"]
