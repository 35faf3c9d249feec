"""Smaller reads for a vendor that refuses one as "too much data" (`errormap.TooMuchData`).

One piece for every source that declares such an answer (TikTok's 40067, X's
``REQUEST_TOO_COMPLEX``, Meta's error 1 "Please reduce the amount of data you're asking
for"): the window is halved down to one day, then the largest batch of ids in the
partition, then, for a stream that declares `Stream.fields_in_parts`, its fields are asked
for in two requests whose rows are joined on the primary key. Never the same request again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

import orjson

from .spec import ReadContext, Stream, Window


def split_read(ctx: ReadContext) -> list[ReadContext]:
    """Two halves of one read: its window if longer than a day, else its largest id batch."""
    window = ctx.window
    if window.start is not None and window.end is not None and window.end > window.start:
        unit = timedelta(days=1) if not isinstance(window.start, datetime) else timedelta(seconds=1)
        steps = (window.end - window.start) // unit
        middle = window.start + unit * (steps // 2)
        return [replace(ctx, window=Window(window.start, middle)), replace(ctx, window=Window(middle + unit, window.end))]
    for key, value in ctx.partition.items():
        items, as_text = _as_list(value)
        if items is not None and len(items) > 1:
            mid = len(items) // 2
            encode = (lambda part: orjson.dumps(part).decode()) if as_text else list
            return [replace(ctx, partition={**ctx.partition, key: encode(items[:mid])}),
                    replace(ctx, partition={**ctx.partition, key: encode(items[mid:])})]
    return []


def split_fields(ctx: ReadContext, stream: Stream) -> list[ReadContext]:
    """Two reads of the same day and ids, each asking for half of the fields (or none left to split)."""
    if stream.fields_in_parts is None:
        return []
    fields = ctx.fields if ctx.fields is not None else tuple(stream.fields_in_parts(ctx.config))
    if len(fields) < 2:
        return []
    mid = len(fields) // 2
    return [replace(ctx, fields=tuple(fields[:mid])), replace(ctx, fields=tuple(fields[mid:]))]


def join_parts(parts: Iterable[Iterable[Any]], key: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of reads that asked for different fields, one row per key.

    A column takes the first value that is not null, in the order of the parts: a part
    that did not ask for a field leaves it null (or absent), the other part fills it.
    """
    joined: dict[tuple[Any, ...], dict[str, Any]] = {}
    for pages in parts:
        for page in pages:
            for row in page.to_pylist() if hasattr(page, "to_pylist") else page:
                ident = tuple(row.get(k) for k in key)
                kept = joined.setdefault(ident, {})
                for name, value in row.items():
                    if kept.get(name) is None:
                        kept[name] = value
    return list(joined.values())


def describe_split(ctx: ReadContext, halves: list[ReadContext]) -> str:
    if halves[0].window != ctx.window:
        return " and ".join(f"{h.window.start}..{h.window.end}" for h in halves)
    if halves[0].fields is not None and halves[0].fields != ctx.fields:
        return "its fields asked for in two requests, joined on the key: " + " | ".join(",".join(h.fields or ()) for h in halves)
    return "the id batch split in two"


def _as_list(value: Any) -> tuple[list[Any] | None, bool]:
    if isinstance(value, (list, tuple)):
        return list(value), False
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None, False
        return (parsed, True) if isinstance(parsed, list) else (None, False)
    return None, False
