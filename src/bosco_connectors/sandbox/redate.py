"""Documented records moved into the fake's window: every date they hold shifted by whole days.

A stream the fake serves as documented (orders, email campaigns, reviews: a `facts.Maps`
mapping or none) carries the days of the vendor's example, which fall out of the demo's
window as the calendar moves on, so the demo's facts would be empty. Shifting every date of
every documented record by the same number of days (the latest documented day becomes the
fake's last day) keeps each record as documented and its dates consistent with each other
(an order still created before it was refunded). ISO dates and timestamps in text are
shifted in place (time and offset kept); numbers are shifted where the stream declares them
epoch seconds or milliseconds (`Records(formats=...)`), nowhere else (an id is a number too).
A date object of exactly ``year``, ``month`` and ``day`` (Google's ``google.type.Date``: the
Business Profile Performance API's ``datedValues[].date``) is a day too.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Iterable

from ..framework.records import EPOCH_MILLIS, EPOCH_SECONDS

#: Text that starts with an ISO day, alone or followed by a time (``2026-11-01``, ``2026-11-01T10:00:00Z``).
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?=$|[T ])")
_EPOCH_SCALE = {EPOCH_SECONDS: 86_400, EPOCH_MILLIS: 86_400_000}


def epoch_fields(formats: dict[str, str], rename: dict[str, str]) -> dict[str, int]:
    """``{field: seconds or milliseconds per day}`` for the fields a stream declares as epoch
    numbers, under the column name and the vendor's name it is renamed from."""
    scales = {name: _EPOCH_SCALE[fmt] for name, fmt in formats.items() if fmt in _EPOCH_SCALE}
    vendor_names = {vendor.rsplit(".", 1)[-1]: scales[column] for vendor, column in rename.items() if column in scales}
    return {**scales, **vendor_names}


def _day(text: str) -> date | None:
    match = _ISO_DAY.match(text)
    if match is None:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


def _date_object(value: Any) -> date | None:
    """The day a ``{"year", "month", "day"}`` object names (None for anything else)."""
    if not isinstance(value, dict) or set(value) != {"year", "month", "day"}:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
        return None
    try:
        return date(value["year"], value["month"], value["day"])
    except ValueError:
        return None


def latest_day(records: Iterable[Any], epochs: dict[str, int], only: set[str] | None = None) -> date | None:
    """The latest day written in `records` (ISO text or a declared epoch field), in the fields
    named `only` when given (the day a fact reads: a subscription's period end lies ahead)."""
    found: list[date] = []

    def walk(value: Any, key: str | None) -> None:
        if (day := _date_object(value)) is not None:
            if only is None or key in only:
                found.append(day)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif only is not None and key not in only:
            return
        elif isinstance(value, str):
            day = _day(value)
            if day is not None:
                found.append(day)
            elif key in epochs and value.isdigit():
                found.append(date(1970, 1, 1) + timedelta(days=int(value) // epochs[key]))
        elif key in epochs and isinstance(value, int) and not isinstance(value, bool):
            found.append(date(1970, 1, 1) + timedelta(days=value // epochs[key]))

    for record in records:
        walk(record, None)
    return max(found, default=None)


def shifted(value: Any, days: int, epochs: dict[str, int], key: str | None = None) -> Any:
    """`value` with every date in it moved by `days` (a new object; `value` is left as it was)."""
    if days == 0:
        return value
    if (day := _date_object(value)) is not None:
        moved = day + timedelta(days=days)
        return {**value, "year": moved.year, "month": moved.month, "day": moved.day}
    if isinstance(value, dict):
        return {k: shifted(v, days, epochs, k) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, days, epochs, key) for v in value]
    if isinstance(value, str):
        day = _day(value)
        if day is not None:
            return (day + timedelta(days=days)).isoformat() + value[10:]
        if key in epochs and value.isdigit():
            return str(int(value) + days * epochs[key])
        return value
    if key in epochs and isinstance(value, int) and not isinstance(value, bool):
        return value + days * epochs[key]
    return value


def into_window(records: list[Any], last_day: date, epochs: dict[str, int]) -> list[Any]:
    """`records` shifted so that their latest day is `last_day` (as they are when they hold no date)."""
    latest = latest_day(records, epochs)
    if latest is None:
        return records
    return [shifted(r, (last_day - latest).days, epochs) for r in records]


__all__ = ["epoch_fields", "into_window", "latest_day", "shifted"]
