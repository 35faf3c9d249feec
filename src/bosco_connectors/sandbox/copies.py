"""Documented records served many times over, each copy a record of its own: fakes at scale.

A stream the generated fake serves as documented (orders, charges, contacts, reviews: no
unified mapping to draw rows from the world) has the few records the vendor's page shows,
whatever the world's size, so a benchmark of it times a sync's fixed cost. A world with
``copies=N`` serves each documented record N times, every copy as documented except one
primary-key field that the record holds and that is not a day, a time or the cursor (an
identity by name first, ``id``, ``order_id``, ``psp_reference``; then the field that tells the
documented records apart best), which copy k writes in the documented field's own type:

- a whole number (``123`` or ``"123"``): ``123 + k * 10**d``, ``d`` the digits of the
  field's largest documented value, so no copy meets another record's value;
- a UUID: the name-based UUID of the documented one and k;
- other text: the documented text and k, zero-padded to one width (``ch_3Mml-007``).

No field is invented and none is left out; a copy of a record whose key cannot be told
apart (its key is a day, or lies outside the record, as a partition's id) is not made: the
stream is served as documented and `Copies.varied` says None.
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import date
from functools import partial
from typing import Any, Callable, Iterator

import orjson

from ..framework.jsonpath import get_path, put_at
from ..framework.records import EPOCH_MILLIS, EPOCH_SECONDS
from ..framework.spec import Stream
from .redate import _day

#: Column names that say an identity (``id``, ``order_id``, ``psp_reference``, ``uuid``).
IDENTITY = re.compile(r"(^|_)(id|uuid|reference|key)$", re.IGNORECASE)
#: Where a column lies in the documented record: ``column -> (path, example)`` (`generated._places`).
Places = Callable[[str], "tuple[tuple[str, ...], Any] | None"]


class Copies:
    """Copy k of a documented record, for one stream (see the module docstring)."""

    def __init__(self, stream: Stream, records: list[dict[str, Any]], places: Places, count: int) -> None:
        self.count = count
        self.varied = _varied_field(stream, records, places)
        self._width = len(str(count))
        self._step = 1
        if self.varied is not None:
            numbers = [n for r in records if (n := _whole(get_path(r, ".".join(self.varied)))) is not None]
            self._step = 10 ** len(str(max((abs(n) for n in numbers), default=0)))

    def of(self, records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Every record `count` times over (record-major: a record's copies follow it), or as documented."""
        if self.varied is None or self.count <= 1:
            yield from records
            return
        for record in records:
            documented = get_path(record, ".".join(self.varied))
            fresh = copier(record)
            yield record
            for k in range(1, self.count):
                duplicate = fresh()
                put_at(duplicate, self.varied, self.value(documented, k))
                yield duplicate

    def value(self, documented: Any, k: int) -> Any:
        """Copy k's value of the varied field, in the documented value's type."""
        whole = _whole(documented)
        if whole is not None:
            n = whole + k * self._step
            return n if isinstance(documented, int) else str(n)
        try:
            return str(uuid.uuid5(uuid.UUID(documented), str(k)))
        except (ValueError, AttributeError, TypeError):
            return f"{documented}-{k:0{self._width}d}"


def copier(record: Any) -> Callable[[], Any]:
    """A maker of deep copies of `record`: orjson's round trip, several times faster than
    `copy.deepcopy`, where the record is JSON through and through (a fake's rows may hold dates)."""
    blob = orjson.dumps(record, default=str)
    if orjson.loads(blob) == record:
        return partial(orjson.loads, blob)
    return partial(copy.deepcopy, record)


def _varied_field(stream: Stream, records: list[dict[str, Any]], places: Places) -> tuple[str, ...] | None:
    """The path of the primary-key field copies write, or None when no key field can be told apart."""
    cursor = getattr(stream.cursor, "field", None)
    epochs = {c for c, fmt in stream.record_spec.formats.items() if fmt in (EPOCH_SECONDS, EPOCH_MILLIS)}
    candidates: list[tuple[tuple[bool, int], tuple[str, ...]]] = []
    for column in stream.primary_key:
        where = places(column)
        if where is None or column == cursor:
            continue  # the key lies outside the record (a partition's id), or moves with the sync
        path = where[0]
        values = [get_path(r, ".".join(path)) for r in records]
        if any(v is None or isinstance(v, (bool, float, dict, list, date)) for v in values):
            continue
        if any(isinstance(v, str) and _day(v) is not None for v in values) or column in epochs:
            continue  # a day or a time is no identity: copies would be rows of other days
        candidates.append(((bool(IDENTITY.search(column)), len(set(map(str, values)))), path))
    # an identity by name first (Adyen's PSP reference, not its record type), then the field that
    # tells the documented records apart best
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


def _whole(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and (value == "0" or not value.startswith("0")):
        return int(value)
    return None
