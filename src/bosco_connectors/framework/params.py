"""Request parameters as declarations: the window, list parameters, partitions.

- `WindowParams`: where the requested date window goes and how the vendor writes it
  (``start_date=2026-11-01``, ``since=1793000000``, ``dateRanges`` in a JSON body...);
- `json_list`: list parameters some vendors take as JSON text in the query string;
- partitions: one read per value of a config list (`ForEach`), per batch of values
  (`Batches`), per record of a parent stream (`FromParent`: campaigns per account; or per
  item of a list in each record: an automation's channels), or
  per batch of a parent stream's ids (`ParentBatches`: X's stats jobs, 20 ids of one account).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

if TYPE_CHECKING:
    from .http import ApiClient
    from .spec import Stream, Window

#: Formats of a window bound.
DATE = "date"                 # 2026-11-20
DATETIME = "datetime"         # 2026-11-20T00:00:00Z
EPOCH = "epoch"               # 1795132800 (seconds, UTC midnight of the day)
EPOCH_MS = "epoch-ms"
EPOCH_MS_TEXT = "epoch-ms-text"  # "1795132800000" (HubSpot's search filter values are strings)


def json_list(values: Iterable[Any]) -> str:
    """``["a","b"]`` as compact JSON text (TikTok's list parameters)."""
    return json.dumps(list(values), separators=(",", ":"))


@dataclass(frozen=True)
class DateParts:
    """A day sent as an object of its parts, under the vendor's names: Microsoft Advertising's
    ``{"Year": 2026, "Month": 11, "Day": 20}``, Google's ``{"year", "month", "day"}``."""

    year: str = "year"
    month: str = "month"
    day: str = "day"

    def render(self, day: date) -> dict[str, int]:
        return {self.year: day.year, self.month: day.month, self.day: day.day}

    def parse(self, value: Mapping[str, Any]) -> date:
        missing = [name for name in (self.year, self.month, self.day) if name not in value]
        if missing:
            raise ValueError(f"a date object without {', '.join(missing)}: {dict(value)!r:.80}")
        return date(int(value[self.year]), int(value[self.month]), int(value[self.day]))


def render_bound(value: date | datetime, fmt: str | DateParts, *, end: bool = False) -> Any:
    """One window bound in the vendor's format (`DATE`, `DATETIME`, `EPOCH`, a strftime, `DateParts`)."""
    if isinstance(value, datetime):  # an instant with another offset (PayPal's -0800) is written in UTC
        moment = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        moment = datetime.combine(value, time.max.replace(microsecond=0) if end else time.min, tzinfo=timezone.utc)
    if isinstance(fmt, DateParts):
        return fmt.render(moment.date())
    if fmt == DATE:
        return moment.date().isoformat()
    if fmt == DATETIME:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == EPOCH:
        return int(moment.timestamp())
    if fmt == EPOCH_MS:
        return int(moment.timestamp() * 1000)
    if fmt == EPOCH_MS_TEXT:
        return str(int(moment.timestamp() * 1000))
    return moment.strftime(fmt)


@dataclass(frozen=True)
class WindowParams:
    """Where the window [start, end] goes in a request.

    ``start``/``end`` are parameter names, or dotted paths into the JSON body when
    ``in_body`` (``"dateRanges.0.startDate"``). ``end_exclusive``: the vendor's end bound
    is the day after the last day read (``until=2026-11-21`` reads through the 20th).
    ``joined``: both bounds go into the one parameter ``start``, joined by this text
    (Adjust's ``date_period=2026-11-01:2026-11-30``).
    """

    start: str
    end: str | None = None
    format: str | DateParts = DATE
    end_exclusive: bool = False
    in_body: bool = False
    joined: str | None = None

    def render(self, window: "Window") -> dict[str, Any]:
        if window.start is None:
            return {}
        if self.joined is not None:
            last = window.end if window.end is not None else window.start
            return {self.start: f"{render_bound(window.start, self.format)}{self.joined}{render_bound(last, self.format, end=True)}"}
        values = {self.start: render_bound(window.start, self.format)}
        if self.end and window.end is not None:
            last = window.end
            if self.end_exclusive:
                last = last + (timedelta(days=1) if not isinstance(last, datetime) else timedelta(seconds=1))
            values[self.end] = render_bound(last, self.format, end=not self.end_exclusive)
        return values

    def apply(self, params: dict[str, Any], window: "Window") -> None:
        """Put the window into query params, or into a JSON body (dotted paths make nesting)."""
        for path, value in self.render(window).items():
            _set_path(params, path, value)

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        """The (start, end) bounds a request carried, as sent (for fakes and the kit)."""
        from .jsonpath import get_path

        if self.joined is not None:
            value = get_path(params, self.start)
            if not isinstance(value, str) or self.joined not in value:
                return value, None
            first, last = value.split(self.joined, 1)
            return first, last
        return _bound(params, self.start), _bound(params, self.end) if self.end else None


def _bound(params: Mapping[str, Any], name: str) -> Any:
    """One bound as sent: at its (dotted) path, or, in a query, as dotted keys of its parts
    (``dailyRange.startDate.year=2026&dailyRange.startDate.month=11``)."""
    from .jsonpath import get_path

    value = get_path(params, name)
    if value is not None:
        return value
    prefix = f"{name}."
    parts = {key[len(prefix):]: (v[0] if isinstance(v, list) else v) for key, v in params.items()
             if isinstance(key, str) and key.startswith(prefix)}
    return parts or None


def dotted_query(params: Mapping[str, Any]) -> dict[str, Any]:
    """Query parameters with nested objects as dotted keys: Google's query form of a message field
    (a window of `DateParts` under ``dailyRange.startDate`` is sent as ``dailyRange.startDate.year=...``)."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            for inner, item in dotted_query(value).items():
                flat[f"{key}.{inner}"] = item
        else:
            flat[key] = value
    return flat


def parse_bound(value: Any, fmt: str | DateParts) -> date | datetime | None:
    """A bound as a request carried it, read back (the generated fakes and the kit read windows so)."""
    if value in (None, ""):
        return None
    if isinstance(fmt, DateParts):
        if not isinstance(value, Mapping):
            raise ValueError(f"expected a date object of {fmt.year}/{fmt.month}/{fmt.day}, got {value!r:.60}")
        return fmt.parse(value)
    if fmt == DATE:
        return date.fromisoformat(str(value)[:10])
    if fmt == DATETIME:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if fmt in (EPOCH, EPOCH_MS, EPOCH_MS_TEXT):
        return datetime.fromtimestamp(float(value) / (1 if fmt == EPOCH else 1000), tz=timezone.utc)
    return datetime.strptime(str(value), fmt)


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    current: Any = target
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(current, list):
            index = int(part)
            while len(current) <= index:
                current.append([] if nxt.isdigit() else {})
            current = current[index]
        else:
            current = current.setdefault(part, [] if nxt.isdigit() else {})
    last = parts[-1]
    if isinstance(current, list):
        index = int(last)
        while len(current) <= index:
            current.append(None)
        current[index] = value
    else:
        current[last] = value


# -- partitions ---------------------------------------------------------------------------


class Partitions:
    """How one stream's read splits into requests that differ by a parameter."""

    def for_read(self, config: Any, client: "ApiClient | None" = None) -> list[Mapping[str, Any]]:
        raise NotImplementedError


@dataclass(frozen=True)
class ForEach(Partitions):
    """One partition per value of a config list: ``advertiser_id=<each of advertiser_ids>``.

    ``with_config``: config fields every partition also carries, for ``Records(from_partition=...)``
    and ``{name}`` placeholders: a setting the answer does not repeat (the currency an
    attribution tool states its money in, the time zone of its days).
    """

    field: str
    param: str
    with_config: tuple[str, ...] = ()

    def for_read(self, config: Any, client: "ApiClient | None" = None) -> list[Mapping[str, Any]]:
        shared = {name: getattr(config, name) for name in self.with_config}
        return [{self.param: value, **shared} for value in getattr(config, self.field)]


@dataclass(frozen=True)
class Batches(Partitions):
    """Values of a config list in batches of ``size``: ``advertiser_ids=["1","2",...]``.

    ``encode`` turns a batch into the parameter's value (default: JSON list text).
    A "too much data" answer splits a batch in two (see `ErrorMap`'s ``SPLIT``).
    """

    field: str
    param: str
    size: int = 100
    encode: Callable[[list[Any]], Any] = json_list

    def for_read(self, config: Any, client: "ApiClient | None" = None) -> list[Mapping[str, Any]]:
        values = list(getattr(config, self.field))
        return [{self.param: self.encode(values[i:i + self.size])} for i in range(0, len(values), self.size)]


@dataclass(frozen=True)
class FromParent(Partitions):
    """One partition per record of a parent stream: ``{"campaign_id": <each campaign's id>}``.

    The parent is read first with the same client (its own partitions included); its
    records are not loaded from here (the parent stream loads them). ``fields`` maps
    the partition's parameter names to the parent record's columns; a column its
    contract types `Id` gives the id's exact text, as it lands (Apple's numeric ids).

    ``each`` names a list of objects in the parent record: one partition per item, whose
    keys ``fields`` names as ``"<each>.<key>"`` beside the record's own columns (Customer.io's
    automation metrics are asked per channel: ``FromParent(campaigns, {"campaign_id": "id",
    "type": "actions.type"}, each="actions")``, one request per channel its actions use).
    ``only`` keeps the partitions whose parameter is one of the listed values (the values an
    endpoint documents for that parameter). Partitions repeat in no read.
    """

    parent: "Stream"
    fields: Mapping[str, str] = field(default_factory=dict)
    each: str | None = None
    only: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def for_read(self, config: Any, client: "ApiClient | None" = None) -> list[Mapping[str, Any]]:
        if client is None:
            raise ValueError(f"partitions from the {self.parent.name} stream need an API client")
        from .ids import is_id_field, to_id

        ids = {info.alias or name for name, info in self.parent.contract.model_fields.items() if is_id_field(info)}
        inner = f"{self.each}." if self.each else None
        seen: dict[tuple[Any, ...], Mapping[str, Any]] = {}
        for record in _records_of(self.parent, config, client):
            items: list[Any] = [None]
            if self.each is not None:
                found = record.get(self.each)
                items = [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []
            for item in items:
                part = {}
                for param, column in self.fields.items():
                    if inner is not None and column.startswith(inner):
                        part[param] = item.get(column[len(inner):])
                    else:
                        part[param] = to_id(record.get(column)) if column in ids else record.get(column)
                if all(v is not None for v in part.values()) and all(part.get(k) in allowed for k, allowed in self.only.items()):
                    seen.setdefault(tuple(part.values()), part)
        return list(seen.values())


@dataclass(frozen=True)
class ParentBatches(Partitions):
    """A parent stream's ids in batches of ``size``, one batch per group of other fields.

    ``ids`` is ``(parameter, parent column)``; ``group`` maps more parameters to parent
    columns, and a batch never mixes two groups (X's stats jobs take up to 20 entity ids
    of one account: ``{"account_id": "18ce54d4x5t", "entity_ids": "8wku2,8wku3"}``). The
    group values also fill rows the report does not (``Records(from_partition=...)``).
    ``encode`` turns a batch into the parameter's value (default: comma-separated). The
    parent is read as for `FromParent`; ids repeat in no batch.
    """

    parent: "Stream"
    ids: tuple[str, str]
    group: Mapping[str, str] = field(default_factory=dict)
    size: int = 20
    encode: Callable[[list[Any]], Any] = ",".join

    @property
    def params(self) -> tuple[str, ...]:
        return (*self.group, self.ids[0])

    def for_read(self, config: Any, client: "ApiClient | None" = None) -> list[Mapping[str, Any]]:
        if client is None:
            raise ValueError(f"partitions from the {self.parent.name} stream need an API client")
        param, column = self.ids
        groups: dict[tuple[Any, ...], dict[str, None]] = {}
        for record in _records_of(self.parent, config, client):
            key = tuple(record.get(c) for c in self.group.values())
            value = record.get(column)
            if value is not None and all(v is not None for v in key):
                groups.setdefault(key, {})[str(value)] = None
        out: list[Mapping[str, Any]] = []
        for key, values in groups.items():
            ids = list(values)
            for i in range(0, len(ids), self.size):
                out.append({**dict(zip(self.group, key)), param: self.encode(ids[i:i + self.size])})
        return out


def _records_of(stream: "Stream", config: Any, client: "ApiClient") -> Iterator[dict[str, Any]]:
    """The parent's records, partition by partition; a partition the vendor refuses (`SkipPartition`:
    an account the credential may not read) gives no child partitions, with a warning, as the
    parent's own read skips it, instead of failing the child stream."""
    import logging

    from .errormap import SkipPartition
    from .spec import ReadContext, Window

    for partition in stream.partitions_for(config, client):
        ctx = ReadContext(client, config, None, None, partition, Window(None, None))
        try:
            for page in stream.read(ctx):
                if hasattr(page, "to_pylist"):
                    yield from page.to_pylist()
                else:
                    yield from page
        except SkipPartition as exc:
            where = ", ".join(f"{k}={v}" for k, v in partition.items()) or "the only partition"
            line = f"{getattr(client, 'source', '?')}/{stream.name}: skipped {where} for the streams partitioned by it: {exc.reason}"
            logging.getLogger("bosco_connectors.read").warning("%s", line)
            stats = getattr(client, "stats", None)
            if stats is not None:
                stats.skip(line)
