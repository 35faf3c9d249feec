"""Records: where a page's records are, and how a vendor record becomes a row of the contract.

Declared once per stream and applied column by column (a 1,000-row report page becomes
one list per field, which Arrow reads directly):

- ``path``: the records in the body (``data.list``); a single object counts as one record;
  a ``*`` step takes every item of a list (Google's ``multiDailyMetricTimeSeries.*.dailyMetricTimeSeries``:
  the lists inside each item, one after the other);
- ``explode``: a list inside each record whose items are the rows, the record's other fields
  repeated on each (Outbrain's ``campaignResults[].results[]``: one campaign, its days); a
  dotted path reaches a list inside a nested object (AdRoll's ``metrics.byDate``: the object
  holding it is left out of the row); the paginator still counts the records, the rows are the items; ``parent_prefix`` names the
  record's fields on each item with a prefix (an order's ``id`` as ``order_id`` beside its
  line's own ``id``: WooCommerce's ``line_items``), so neither hides the other;
- ``drop``: fields never loaded (personal data: a customer's email, a billing address), at the top
  or inside a ``flatten`` object;
- ``flatten``: nested objects whose fields move up (TikTok's ``dimensions`` / ``metrics``); a
  dotted path reaches deeper (Brevo's ``statistics.globalStats``), its parent object stays;
- ``rename``: vendor name -> column name; a dotted name picks a field of a nested object
  (Google's query rows: ``{"campaign.id": "campaign_id", "adGroup.id": "ad_group_id"}``,
  two ``id`` fields that ``flatten`` would merge into one). An object some of whose fields
  are picked so is not loaded itself: only its picked fields are;
- ``nulls``: values that mean "no value" (TikTok's ``"-"``, an empty string);
- ``formats``: how a column's text is written when Arrow cannot read it as is: a date
  prefix of a timestamp (``"2026-11-20 00:00:00"``), epoch seconds or milliseconds, an ISO
  8601 instant with or without fractions (``ISO_DATETIME``: Square's ``"...:00.123Z"`` and
  ``"...:00Z"``, PayPal's ``"...:00-0800"``), a ``strptime`` pattern, or a
  URN whose last part is the id (LinkedIn's
  ``"urn:li:sponsoredCampaign:123"`` becomes ``"123"``, the id other tables join on);
- ``units``: money in micros or cents, turned into currency units as exact decimals;
- ``from_partition``: columns filled from the partition the page was read for (the
  advertiser id a report row does not repeat), renamed by ``rename`` like any vendor name
  (the request's ``CampaignId`` becomes ``campaign_id``);
- ``window_day``: a column filled with the first day of the window the page was read for, for
  a report that sums the asked range and names no day (Awin's publisher report, Drip's email
  metrics): its cursor asks one day a request (``Cursor(window=timedelta(days=1))``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .jsonpath import get_path

if TYPE_CHECKING:
    from .spec import ReadContext

#: ``formats`` values understood besides ``strptime`` patterns.
DATE_PREFIX = "date-prefix"       # the first 10 characters are an ISO date
EPOCH_SECONDS = "epoch-seconds"   # a number (or numeric text) of seconds since 1970, UTC
EPOCH_MILLIS = "epoch-millis"
COMPACT_DATE = "%Y%m%d"           # 20261120 (GA4)
URN_ID = "urn-id"                 # urn:li:sponsoredCampaign:123 -> "123" (LinkedIn)
ISO_DATETIME = "iso-datetime"     # ISO 8601 with or without fractions, Z or an offset, UTC if none (Klaviyo, Square, PayPal)
MS_JSON_DAY = "ms-json-day"       # "/Date(1316156400000-0700)/" -> 2011-09-16, the day in its offset (Bing Webmaster)


@dataclass(frozen=True)
class Unit:
    """A money unit: the vendor sends ``value * 10**exponent`` as an integer (or its text)."""

    name: str
    exponent: int

    def to_currency(self, value: Any) -> Decimal | None:
        """Currency units, exact to the billionth the tables keep (``decimal(38, 9)``); a vendor that
        sends finer fractions (Criteo's ``AdvertiserCost`` "5.363504122262113") is rounded half-even
        there, instead of the whole batch failing the cast."""
        if value is None or value == "":
            return None
        amount = Decimal(str(value)).scaleb(-self.exponent)
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MONEY_SCALE:
            return amount.quantize(_MONEY_STEP, rounding=ROUND_HALF_EVEN)
        return amount


#: Fraction digits money keeps in the tables (`arrow`: ``decimal128(38, 9)``).
MONEY_SCALE = 9
_MONEY_STEP = Decimal(1).scaleb(-MONEY_SCALE)

MICROS = Unit("micros", 6)
CENTS = Unit("cents", 2)
CURRENCY = Unit("currency units", 0)


def snake_case(*names: str) -> dict[str, str]:
    """``{"campaignId": "campaign_id", ...}``: a ``rename`` for vendors that name fields in camelCase
    (the destination's columns are snake_case; a contract names them as they land)."""
    import re

    return {name: re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1\2", name).lower() for name in names}


@dataclass(frozen=True)
class Records:
    """A declaration of the records of one stream's pages (see the module docstring)."""

    path: str | None = None
    explode: str | None = None
    parent_prefix: str = ""
    drop: tuple[str, ...] = ()
    flatten: tuple[str, ...] = ()
    rename: Mapping[str, str] = field(default_factory=dict)
    nulls: tuple[Any, ...] = ()
    formats: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, Unit] = field(default_factory=dict)
    from_partition: tuple[str, ...] = ()
    window_day: str | None = None

    @property
    def picked_objects(self) -> tuple[str, ...]:
        """The nested objects whose fields dotted ``rename`` names pick (not loaded themselves)."""
        return tuple(dict.fromkeys(name.split(".", 1)[0] for name in self.rename if "." in name))

    @property
    def shapes(self) -> bool:
        """True when the declaration says more than where the records are."""
        return bool(self.explode or self.drop or self.flatten or self.rename or self.nulls or self.formats or self.units
                    or self.from_partition or self.window_day)

    # -- selecting ------------------------------------------------------------------------

    def select(self, body: Any) -> list[dict[str, Any]]:
        """The raw vendor records of one page."""
        raw = _every(body, self.path) if self.path and "*" in self.path.split(".") else (
            get_path(body, self.path) if self.path else body)
        if raw is None:
            return []
        if isinstance(raw, dict):
            return [raw]
        return raw if isinstance(raw, list) else []

    def expand(self, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows of a page's records: the ``explode`` list's items, each with its record's other
        fields (an item's own field wins, unless ``parent_prefix`` renames the record's fields);
        without ``explode``, the records themselves."""
        if not self.explode:
            return raw
        rows: list[dict[str, Any]] = []
        for record in raw:
            items = self.items_of(record)
            if items is None:
                continue
            if not isinstance(items, list):
                from .errors import ResponseFormatError

                raise ResponseFormatError(f"'{self.explode}' of a record is not a list: {items!r:.60}")
            base = {f"{self.parent_prefix}{k}": v for k, v in self.parent_of(record).items()}
            rows += [{**base, **item} if isinstance(item, dict) else item for item in items]
        return rows

    def items_of(self, record: Any) -> Any:
        """The ``explode`` list of one record (None when it has none)."""
        return get_path(record, self.explode) if isinstance(record, dict) and self.explode else None

    def parent_of(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record's fields repeated on each of its rows: all but the one holding the ``explode`` list."""
        top = (self.explode or "").split(".", 1)[0]
        return {k: v for k, v in record.items() if k != top}

    def nest(self, parent: dict[str, Any], items: list[Any]) -> dict[str, Any]:
        """`parent` with `items` put back at the ``explode`` path (the inverse of `expand`, for fakes)."""
        record: dict[str, Any] = dict(parent)
        *outer, last = (self.explode or "").split(".")
        holder = record
        for key in outer:
            holder = holder.setdefault(key, {})
        holder[last] = items
        return record

    def select_rows(self, body: Any) -> list[dict[str, Any]]:
        """The rows one body holds (what a sync loads from it)."""
        return self.expand(self.select(body))

    # -- shaping ----------------------------------------------------------------------------

    def columns(self, raw: list[dict[str, Any]], ctx: "ReadContext | None" = None) -> dict[str, list[Any]]:
        """The page as one list of values per column, every declared rule applied (rows expanded first)."""
        return self.columns_of(self.expand(raw), ctx)

    def columns_of(self, raw: list[dict[str, Any]], ctx: "ReadContext | None" = None) -> dict[str, list[Any]]:
        """`columns` of rows already expanded."""
        n = len(raw)
        columns: dict[str, list[Any]] = {}
        top = [r for r in raw if isinstance(r, dict)]
        if len(top) != n:
            from .errors import ResponseFormatError

            raise ResponseFormatError(f"a record is not a JSON object: {next(r for r in raw if not isinstance(r, dict))!r:.60}")
        nested_names = set(self.flatten) | set(self.picked_objects)
        dropped = set(self.drop)
        for name in _keys(top):
            if name in nested_names or name in dropped:
                continue
            columns[self.rename.get(name, name)] = [r.get(name) for r in top]
        for path, column in self.rename.items():  # dotted names: a field of a nested object
            if "." in path:
                columns[column] = [get_path(r, path) for r in top]
        for nested in self.flatten:  # nested fields win over a top-level field of the same name
            found = [get_path(r, nested) if "." in nested else r.get(nested) for r in top]
            parts = [p if isinstance(p, dict) else {} for p in found]
            for name in _keys(parts):
                if name in dropped:  # a nested field named in ``drop`` is never loaded either (JSON:API attributes)
                    continue
                below = columns.get(self.rename.get(name, name))
                values = [p.get(name) if name in p else (below[i] if below else None) for i, p in enumerate(parts)]
                columns[self.rename.get(name, name)] = values
        return self._apply(columns, n, ctx)

    def shape_columns(self, columns: Mapping[str, list[Any]], n: int, ctx: "ReadContext | None" = None) -> dict[str, list[Any]]:
        """The same rules on a page already gathered as columns (a CSV report file's batch); ``drop``d
        columns (personal data) are never loaded here either."""
        dropped = set(self.drop)
        return self._apply({self.rename.get(name, name): values for name, values in columns.items() if name not in dropped},
                           n, ctx)

    def _apply(self, columns: dict[str, list[Any]], n: int, ctx: "ReadContext | None") -> dict[str, list[Any]]:
        """Every rule past naming: nulls, formats, units, columns from the partition."""
        if self.nulls:
            markers = set(self.nulls)
            for name, values in columns.items():
                if any(isinstance(v, (str, int, float)) and v in markers for v in values):
                    columns[name] = [None if isinstance(v, (str, int, float)) and v in markers else v for v in values]
        for name, fmt in self.formats.items():
            if name in columns:
                columns[name] = parse_column(columns[name], fmt)
        for name, unit in self.units.items():
            if name in columns:
                columns[name] = [unit.to_currency(v) for v in columns[name]]
        if ctx is not None:
            for name in self.from_partition:
                value = ctx.partition.get(name)
                if value is not None:
                    columns[self.rename.get(name, name)] = [str(value)] * n
            start = ctx.window.start if self.window_day else None
            if start is not None:
                columns[self.window_day] = [start.date() if isinstance(start, datetime) else start] * n  # type: ignore[index]
        return columns

    def rows(self, raw: list[dict[str, Any]], ctx: "ReadContext | None" = None) -> list[dict[str, Any]]:
        """The same rules, as one dict per record (for streams that keep dicts).

        A field one record of the page lacks stays absent from its row (it is not written as
        null): where another record holds an object there (Square's ``tip_money``), a null would
        be a column of its own beside the object's ``tip_money__amount``, one that never holds a value.
        """
        rows = self.expand(raw)
        columns = self.columns_of(rows, ctx)
        names = list(columns)
        if not names:
            return [{} for _ in rows]
        out = []
        for record, values in zip(rows, zip(*(columns[n] for n in names))):
            present = self._present(record)
            out.append({n: v for n, v in zip(names, values) if v is not None or n in present})
        return out

    def _present(self, record: Mapping[str, Any]) -> set[str]:
        """The columns a record sends a field for, nested ``flatten`` fields and partition columns
        included (TikTok's ``metrics.cpc`` of "-" is sent, and stays a null of its row)."""
        keys = [k for k in record if k not in self.flatten]
        for nested in self.flatten:
            inner = record.get(nested)
            keys += list(inner) if isinstance(inner, Mapping) else []
        return {self.rename.get(k, k) for k in keys} | set(self.from_partition) | ({self.window_day} if self.window_day else set())



def drop_nulls(record: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """Leave out fields that are null, in nested objects and lists of objects too (not those
    named in `keep`, a contract's own columns). Vendors that send every nullable field, mostly
    null (Stripe, Paddle): dlt cannot type a column that only ever held null and warns for
    each, and a column never seen with a value is not created either way."""
    kept = frozenset(keep)
    for key in list(record):
        value = record[key]
        if key in kept:
            continue
        if value is None:
            del record[key]
        elif isinstance(value, dict):
            drop_nulls(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    drop_nulls(item)
    return record


def without_nulls(contract: Any) -> Any:
    """A stream ``transform`` that applies `drop_nulls` to each record, keeping the contract's own
    columns (typed whatever they hold): for vendors that send every nullable field."""
    declared = frozenset(contract.model_fields)

    def transform(record: dict[str, Any], ctx: "ReadContext") -> dict[str, Any]:
        return drop_nulls(record, keep=declared)

    return transform

def _keys(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of the records, in first-seen order (a later record may bring a new field)."""
    seen: dict[str, None] = {}
    for record in records:
        for key in record:
            if key not in seen:
                seen[key] = None
    return list(seen)


def parse_column(values: list[Any], fmt: str) -> list[Any]:
    """Parse one column's vendor text into dates, datetimes or URN ids (None stays None)."""
    if fmt == URN_ID:
        return [urn_id(v) for v in values]
    if fmt == DATE_PREFIX:
        return [_date_prefix(v) if isinstance(v, str) else v for v in values]
    if fmt == ISO_DATETIME:
        return [_iso(v) if isinstance(v, str) and v else (None if v == "" else v) for v in values]
    if fmt == MS_JSON_DAY:
        return [_ms_json_day(v) for v in values]
    if fmt in (EPOCH_SECONDS, EPOCH_MILLIS):
        scale = 1000.0 if fmt == EPOCH_MILLIS else 1.0
        return [_epoch(v, scale) for v in values]
    return [_strptime(v, fmt) if isinstance(v, str) and v else (None if v == "" else v) for v in values]


def urn_id(value: Any) -> Any:
    """The id a URN names (its last ``:``-separated part); anything else is kept as sent."""
    if isinstance(value, str) and value.startswith("urn:"):
        return value.rsplit(":", 1)[1]
    return value


@lru_cache(maxsize=8192)
def _date_prefix(text: str) -> date | None:
    """A report has few distinct days and very many rows: each day string is parsed once."""
    return date.fromisoformat(text[:10]) if text else None


@lru_cache(maxsize=8192)
def _iso(text: str) -> datetime:
    """An ISO 8601 instant however the vendor writes its fraction and zone (``Z``, ``+00:00``); UTC if it names none."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_MS_JSON_DATE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)/$")


def _ms_json_day(value: Any) -> Any:
    """The calendar day of a .NET JSON date (``/Date(<ms since 1970, UTC>[+-hhmm])/``) in the
    offset it carries (UTC without one): ``/Date(1316156400000-0700)/`` is 2011-09-16."""
    if not isinstance(value, str) or not value:
        return None if value == "" else value
    match = _MS_JSON_DATE.match(value)
    if match is None:
        from .errors import ResponseFormatError

        raise ResponseFormatError(f"not a .NET JSON date: {value!r:.60}")
    millis, sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0)) * (-1 if sign == "-" else 1)
    return datetime.fromtimestamp(int(millis) / 1000, tz=timezone(offset)).date()


def _epoch(value: Any, scale: float) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(float(value) / scale, tz=timezone.utc)


@lru_cache(maxsize=8192)
def _strptime(text: str, fmt: str) -> date | datetime:
    parsed = datetime.strptime(text, fmt)
    if fmt == COMPACT_DATE or not any(code in fmt for code in ("%H", "%M", "%S")):
        return parsed.date()
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _every(body: Any, path: str) -> list[Any] | None:
    """The records at a path with ``*`` steps: each item of the list there, its own records after
    the one before's (a ``*`` at the end: the list's items themselves)."""
    before, _, after = path.partition("*")
    items = get_path(body, before.rstrip(".")) if before.rstrip(".") else body
    if not isinstance(items, list):
        return None
    rest = after.lstrip(".")
    if not rest:
        return items
    found: list[Any] = []
    for item in items:
        inner = _every(item, rest) if "*" in rest.split(".") else get_path(item, rest)
        found += inner if isinstance(inner, list) else ([inner] if isinstance(inner, dict) else [])
    return found
