"""Checks on every page a stream reads, before dlt sees it: rows from the future, duplicate keys.

Both used to go wrong in silence. One report row dated 2036 moved the saved cursor to
2036, and every later run asked for nothing; two rows with one primary key in a page
left one of them to dlt's merge, without a word. Here:

- a row whose cursor value lies past the row limit (the configured ``end_date`` or the
  backfill's end, else more than a day ahead of today, UTC) is dropped, so it can
  neither load nor move the cursor; the stream logs one warning with the count and the
  latest value;
- rows of one page that share a primary key keep the page's *last* row per key (the
  later answer wins, as it does between runs); the stream logs one warning with an
  example key and its count, or fails when its `Stream.on_duplicate_key` is ``"fail"``.

A page is a list of dict records or an Arrow table; the checks run on the reader
threads, so one `PageChecks` per stream read counts under a lock.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .errors import ContractError, SourceError
from .spec import Cursor, Stream, parse_date, parse_datetime, utc_today

log = logging.getLogger("bosco_connectors.read")


def row_limit(kind: str, end: date | datetime | None) -> date | datetime:
    """The last cursor value a row may carry: `end` if one was asked for, never past tomorrow."""
    if kind == "date":
        ceiling: date | datetime = utc_today() + timedelta(days=1)
    else:
        ceiling = datetime.now(timezone.utc) + timedelta(days=1)
    return ceiling if end is None else min(end, ceiling)


def check_saved_cursor(source: str, stream: str, tenant_id: str, since: Any, kind: str) -> None:
    """Fail on a saved cursor past tomorrow: it would make every run read nothing, and exit 0.

    Such a cursor comes from before rows were clipped (or from a future start date);
    resetting the stream's state is the cure, and the line says how.
    """
    if since is None:
        return
    value = _comparable(since, kind)
    limit = row_limit(kind, None)
    if value is not None and value > limit:
        raise SourceError(
            f"the saved cursor (less its look-back) is {since}, after tomorrow (UTC): this stream can read nothing "
            f"until it is reset (bosco-sync state reset --tenant {tenant_id} --source {source} --stream {stream} --yes)",
            source=source,
            stream=stream,
        )


class PageChecks:
    """Clip rows past `limit` and resolve duplicate keys, page by page; `report` logs the totals."""

    def __init__(self, source: str, stream: Stream, limit: date | datetime | None) -> None:
        self.where = f"{source}/{stream.name}"
        self.cursor = stream.cursor if isinstance(stream.cursor, Cursor) else None
        self.limit = limit if self.cursor is not None else None
        self.keys = tuple(stream.primary_key)
        self.fail_on_duplicates = stream.on_duplicate_key == "fail"
        self._lock = threading.Lock()
        self.clipped = 0
        self.latest: Any = None
        self.duplicates = 0
        self.example: tuple[str, int] | None = None

    def __call__(self, page: Any) -> Any:
        if self.limit is not None:
            page = self._clip_table(page) if isinstance(page, pa.Table) else self._clip_records(page)
        if self.keys:
            page = self._dedupe_table(page) if isinstance(page, pa.Table) else self._dedupe_records(page)
        return page

    def report(self) -> None:
        """Log what the pages lost: one line per kind, for the whole stream."""
        if self.clipped:
            log.warning(
                "%s: dropped %d row(s) whose %s is past the requested window, up to %s; rows may not be later than %s",
                self.where, self.clipped, self.cursor.field, self.latest, self.limit,
            )
        if self.duplicates:
            key, count = self.example
            log.warning(
                "%s: duplicate primary key in one page: %s appears %d times; kept the page's last row for each key "
                "(%d row(s) dropped)",
                self.where, key, count, self.duplicates,
            )

    # -- rows past the limit -------------------------------------------------------------

    def _clip_records(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        field, kind = self.cursor.field, self.cursor.kind
        kept, late = [], []
        for record in page:
            value = _comparable(record.get(field), kind)
            (late if value is not None and value > self.limit else kept).append(record)
        if late:
            self._count_clipped(len(late), max(_comparable(r.get(field), kind) for r in late))
        return kept if late else page

    def _clip_table(self, page: pa.Table) -> pa.Table:
        field = self.cursor.field
        if field not in page.column_names:
            return page
        column = page.column(field)
        if not (pa.types.is_date(column.type) or pa.types.is_timestamp(column.type)):
            return page
        limit = self._limit_for(column.type)
        latest = pc.max(column).as_py()
        if latest is None or latest <= limit:
            return page
        late = pc.fill_null(pc.greater(column, pa.scalar(limit, column.type)), False)
        self._count_clipped(pc.sum(late).as_py(), latest)
        return page.filter(pc.invert(late))

    def _limit_for(self, arrow_type: pa.DataType) -> Any:
        limit = self.limit
        if pa.types.is_date(arrow_type) and isinstance(limit, datetime):
            return limit.date()
        if pa.types.is_timestamp(arrow_type) and not isinstance(limit, datetime):
            return datetime.combine(limit, time.max, tzinfo=timezone.utc)
        return limit

    def _count_clipped(self, count: int, latest: Any) -> None:
        with self._lock:
            self.clipped += count
            if latest is not None and (self.latest is None or latest > self.latest):
                self.latest = latest

    # -- duplicate keys ---------------------------------------------------------------------

    def _dedupe_records(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        last: dict[tuple, int] = {}
        for index, record in enumerate(page):
            last[tuple(record.get(k) for k in self.keys)] = index
        if len(last) == len(page):
            return page
        counts: dict[tuple, int] = {}
        for record in page:
            key = tuple(record.get(k) for k in self.keys)
            counts[key] = counts.get(key, 0) + 1
        key, count = next((k, n) for k, n in counts.items() if n > 1)
        self._count_duplicates(len(page) - len(last), key, count)
        return [page[i] for i in sorted(last.values())]

    def _dedupe_table(self, page: pa.Table) -> pa.Table:
        if page.num_rows < 2 or any(k not in page.column_names for k in self.keys):
            return page
        codes = _key_codes(page, self.keys)
        if pc.count_distinct(codes, mode="all").as_py() == page.num_rows:
            return page  # the common page: a third of the cost of a group_by
        keys = list(self.keys)
        indexed = page.select(keys).append_column("__row", pa.array(range(page.num_rows), pa.int64()))
        groups = indexed.group_by(keys, use_threads=False).aggregate([("__row", "max"), ("__row", "count")])
        counts = groups.column("__row_count")
        first = pc.index(pc.greater(counts, 1), True).as_py()
        example = tuple(groups.column(k)[first].as_py() for k in keys)
        self._count_duplicates(page.num_rows - groups.num_rows, example, counts[first].as_py())
        last = groups.column("__row_max")
        return page.take(pc.take(last, pc.sort_indices(last)))  # in the page's order

    def _count_duplicates(self, dropped: int, key: tuple, count: int) -> None:
        rendered = ", ".join(f"{name}={value}" for name, value in zip(self.keys, key))
        if self.fail_on_duplicates:
            raise ContractError(
                f"duplicate primary key in one page: {rendered} appears {count} times (on_duplicate_key is fail)"
            )
        with self._lock:
            self.duplicates += dropped
            if self.example is None:
                self.example = (rendered, count)


def _key_codes(page: pa.Table, keys: tuple[str, ...]) -> pa.Array:
    """One int64 per row, equal for two rows exactly when their keys are equal (nulls included)."""
    codes, bound = None, 1
    for key in keys:
        encoded = pc.dictionary_encode(page.column(key).combine_chunks(), null_encoding="encode")
        index, size = encoded.indices.cast(pa.int64()), max(1, len(encoded.dictionary))
        if codes is None:
            codes, bound = index, size
            continue
        if bound * size >= 2**62:  # re-number densely before the product could overflow
            codes, bound = pc.dictionary_encode(codes).indices.cast(pa.int64()), page.num_rows
        codes, bound = pc.add(pc.multiply(codes, size), index), bound * size
    return codes


def _comparable(value: Any, kind: str) -> date | datetime | None:
    """A cursor value as a date (date cursors) or an aware datetime; None if it is not one."""
    if value is None or value == "":
        return None
    try:
        if kind == "date":
            return parse_date(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time.min, tzinfo=timezone.utc)
        return parse_datetime(value)
    except (TypeError, ValueError):
        return None
