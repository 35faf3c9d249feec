"""Google's query languages (Google Ads GAQL, the Search Ads 360 Query Language) as declarations.

Both APIs answer ``SELECT campaign.id, metrics.cost_micros FROM campaign WHERE ...`` with
rows in the protocol-buffers JSON mapping: one nested object per resource, lowerCamelCase
keys (``{"campaign": {"id": "1"}, "metrics": {"costMicros": "1230000"}}``), int64 values as
JSON strings, enums by name, dates as ``YYYY-MM-DD``
(https://developers.google.com/google-ads/api/rest/design/json-mappings,
https://developers.google.com/search-ads/reporting/api/reference/rest/json-mappings).

A stream lists its fields once, as `Field` objects (the query name and the column it
fills); from that one list come the query text (`build_query`), the `Records` that put
each field in its column (`records`), and nothing can disagree. The date range is part
of the query text, not a parameter: `DateRange` is the declared window that writes it
there and reads it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from .params import DATE, WindowParams, render_bound

#: Metrics and segments: their objects hold no id, so their fields move up by name.
METRIC_PREFIX = "metrics."
FLAT_OBJECTS = ("metrics", "segments")


def camel(name: str) -> str:
    """``cost_micros`` -> ``costMicros`` (the JSON name protobuf derives from a field name)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Field:
    """One selected field and the column it fills."""

    path: str
    column: str
    kind: type = str

    @property
    def json_path(self) -> tuple[str, ...]:
        return tuple(camel(part) for part in self.path.split("."))

    @property
    def json_name(self) -> str:
        """Where the field is in a JSON row: ``ad_group.id`` -> ``adGroup.id``."""
        return ".".join(self.json_path)

    @property
    def is_metric(self) -> bool:
        return self.path.startswith(METRIC_PREFIX)


def F(path: str, column: str | None = None, kind: type = str) -> Field:
    """A field whose column is, by default, the query name without ``metrics.``/``segments.``
    and with dots as underscores (``campaign.id`` -> ``campaign_id``)."""
    if column is None:
        column = re.sub(r"^(metrics|segments)\.", "", path).replace(".", "_")
    return Field(path, column, kind)


def build_query(resource: str, fields: Sequence[Field], where: Iterable[str] = (), start: date | None = None, end: date | None = None) -> str:
    """``SELECT ... FROM resource WHERE ...`` with an optional ``segments.date`` range."""
    conditions = list(where)
    if start is not None and end is not None:
        conditions.append(f"segments.date BETWEEN '{start.isoformat()}' AND '{end.isoformat()}'")
    query = f"SELECT {', '.join(f.path for f in fields)} FROM {resource}"
    if conditions:
        query += " WHERE " + " AND ".join(conditions)
    return query


def records(fields: Sequence[Field], path: str = "results", **options: Any) -> Any:
    """The `Records` of query rows: a resource's fields picked by their dotted JSON names
    (``campaign.id`` and ``adGroup.id`` are two ``id`` fields), metrics and segments moved
    up by name (``costMicros``: the documented leaf a test can find). ``options``: units,
    formats, ... as `Records` takes them."""
    from .records import Records

    rename: dict[str, str] = {}
    for field in fields:
        head, _, leaf = field.json_name.partition(".")
        if head in FLAT_OBJECTS and "." not in leaf:
            if leaf != field.column:
                rename[leaf] = field.column
        else:
            rename[field.json_name] = field.column
    return Records(path, flatten=tuple(o for o in FLAT_OBJECTS if any(f.json_name.startswith(o + ".") for f in fields)),
                   rename={**rename, **dict(options.pop("rename", {}))}, **options)


#: The condition `DateRange` writes, as it writes it (how it is found again).
_RANGE = re.compile(r" (?P<joint>WHERE|AND) (?P<column>[a-z_.]+) (?:BETWEEN '(?P<start>\d{4}-\d{2}-\d{2})' AND "
                    r"'(?P<end>\d{4}-\d{2}-\d{2})'|>= '(?P<since>\d{4}-\d{2}-\d{2})')")


@dataclass(frozen=True)
class DateRange(WindowParams):
    """The window as a condition of the query text: ``... WHERE segments.date BETWEEN '2026-11-01'
    AND '2026-11-02'`` (both days included), appended to the declared query (after its own
    ``WHERE`` conditions: a declared query ends with its ``FROM`` or ``WHERE`` clause).
    `parse` reads the bounds back and `without` gives the declared query (the generated
    fake tells streams of one endpoint apart by it)."""

    start: str = "query"
    column: str = "segments.date"

    def apply(self, params: dict[str, Any], window: Any) -> None:
        if window.start is None:
            return
        text = str(params[self.start])
        joint = " AND " if re.search(r"\bWHERE\b", text, re.IGNORECASE) else " WHERE "
        first = render_bound(window.start, DATE)
        condition = (f"{self.column} BETWEEN '{first}' AND '{render_bound(window.end, DATE)}'" if window.end is not None
                     else f"{self.column} >= '{first}'")
        params[self.start] = text + joint + condition

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        found = self._found(params)
        if found is None:
            return None, None
        return found.group("start") or found.group("since"), found.group("end")

    def without(self, params: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(params)
        found = self._found(params)
        if found is not None:
            text = str(params[self.start])
            out[self.start] = text[:found.start()] + text[found.end():]
        return out

    def _found(self, params: Mapping[str, Any]) -> "re.Match[str] | None":
        text = params.get(self.start)
        if not isinstance(text, str):
            return None
        return next((m for m in _RANGE.finditer(text) if m.group("column") == self.column), None)


__all__ = ["DateRange", "F", "Field", "build_query", "camel", "records"]
