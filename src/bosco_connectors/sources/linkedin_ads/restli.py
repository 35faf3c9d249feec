"""Rest.li 2.0 query strings, as LinkedIn's versioned Marketing APIs read them.

LinkedIn's query parameters are Rest.li 2.0 values
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version):
a list is ``List(a,b)``, an object is ``(key:value,...)``, and the characters that carry
that structure (``( ) , : '``) are percent-encoded inside a value, so a URN in a list reads
``List(urn%3Ali%3AsponsoredAccount%3A123)``. A generic HTTP client encodes the structure
too (``%28``...), which LinkedIn refuses; `query_string` writes it as LinkedIn documents it.

`Raw` marks a value already written in Rest.li form (a declared ``search`` or ``pivots``):
it is sent as is, and it compares equal to what a server reads back after URL-decoding.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping
from urllib.parse import quote

from ...framework.params import DATE, WindowParams


class Raw(str):
    """A value written in Rest.li form already: sent without further encoding."""


def encode(value: Any) -> str:
    """One Rest.li 2.0 value: lists, objects, booleans, and scalars percent-encoded."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Mapping):
        return "(" + ",".join(f"{quote(str(k), safe='')}:{encode(v)}" for k, v in value.items()) + ")"
    if isinstance(value, (list, tuple)):
        return "List(" + ",".join(encode(v) for v in value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    return quote(str(value), safe="")


def rest_li(value: Any) -> Raw:
    """`value` encoded once, for a declaration (``search``, ``pivots``)."""
    return Raw(encode(value))


def query_string(params: Mapping[str, Any]) -> str:
    """``name=value&...`` with every value in Rest.li 2.0 form (None leaves a parameter out)."""
    return "&".join(f"{quote(str(k), safe='')}={encode(v)}" for k, v in params.items() if v is not None)


def urn(kind: str, value: Any) -> str:
    """``urn:li:<kind>:<id>`` for a bare id; a URN is kept as given."""
    text = str(value)
    return text if text.startswith("urn:") else f"urn:li:{kind}:{text}"


_PART = re.compile(r"(year|month|day):(\d+)")


def _day(value: Any) -> date | None:
    if isinstance(value, Mapping):
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    if isinstance(value, str):
        parts = dict(_PART.findall(value))
        if {"year", "month", "day"} <= set(parts):
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    return None


def date_object(day: date) -> dict[str, int]:
    """LinkedIn's ``Date`` record: ``{"year": 2026, "month": 11, "day": 1}``."""
    return {"year": day.year, "month": day.month, "day": day.day}


class DateRange(WindowParams):
    """The window as the ``dateRange`` parameter: ``(start:(year:..,month:..,day:..),end:(...))``,
    both days included (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting)."""

    def __init__(self, name: str = "dateRange") -> None:
        super().__init__(start=name, end=name, format=DATE)

    def render(self, window: Any) -> dict[str, Any]:
        if window.start is None:
            return {}
        bounds = {"start": date_object(_as_date(window.start))}
        if window.end is not None:
            bounds["end"] = date_object(_as_date(window.end))
        return {self.start: bounds}

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        """(start, end) as ISO days from a request's ``dateRange``, encoded, decoded or as an object."""
        value = params.get(self.start)
        if isinstance(value, Mapping):
            start, end = _day(value.get("start")), _day(value.get("end"))
        elif isinstance(value, str):
            halves = {name: _day(text) for name, text in re.findall(r"(start|end):(\([^()]*\))", value)}
            start, end = halves.get("start"), halves.get("end")
        else:
            start = end = None
        return (start.isoformat() if start else None), (end.isoformat() if end else None)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def day_of(date_range: Any) -> date | None:
    """The first day of an element's ``dateRange`` (a DAILY element covers one day)."""
    return _day((date_range or {}).get("start")) if isinstance(date_range, Mapping) else None


__all__ = ["DateRange", "Raw", "date_object", "day_of", "encode", "query_string", "rest_li", "urn"]
