"""Turn stream specs into dlt resources: keys, merge, cursor, contract, tenant_id.

Every stream becomes a `dlt.resource` whose primary key starts with ``tenant_id``
(tables are shared by tenants), merged on that key, with the pydantic contract as
its columns and a `schema_contract` policy. Cursor streams get a
`dlt.sources.incremental` whose ``lag`` is the look-back, so dlt stores the cursor
with the load package: state moves only when the data it covers is loaded.
"""

from __future__ import annotations

import logging
import queue
import threading
from functools import lru_cache
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta, timezone
from time import perf_counter, thread_time
from typing import TYPE_CHECKING, Any, Callable, Iterator

import dlt
import pyarrow as pa

from . import children, deletions, hooks, progress
from .dlt_hints import memoize_hint_introspection
from .arrow import check_required, check_required_records, to_arrow
from .dlt_layout import add_dlt_ids
from .deadline import Deadline
from .drift import SentFields
from .errormap import NothingToRead, SkipPartition, TooMuchData
from .errors import SourceError
from .splitting import describe_split, join_parts, split_fields, split_read
from .page_checks import PageChecks, check_saved_cursor, row_limit
from .reserved import rename_reserved, reserved_columns
from .spec import Cursor, ReadContext, Stream, utc_today

memoize_hint_introspection()  # every sync runs through this module: dlt's fixed cost, cut once

if TYPE_CHECKING:
    from dlt.extract.resource import DltResource

    from .connector import Connector, SourceConfig
    from .http import ApiClient


def build_resources(
    connector: "Connector",
    config: "SourceConfig",
    *,
    tenant_id: str,
    only: list[str] | None = None,
    backfill_start: date | None = None,
    backfill_end: date | None = None,
    client: "ApiClient | None" = None,
) -> list["DltResource"]:
    streams = connector.active_streams(config)
    if only:
        known = {s.name for s in streams}
        unknown = sorted(set(only) - known)
        if unknown:
            from .errors import ConfigError

            raise ConfigError(f"unknown stream(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}", source=connector.name)
        streams = [s for s in streams if s.name in only]
    client = client or connector.client(config)
    resources = []
    for stream in streams:
        resources.append(stream_resource(connector, stream, client, config, tenant_id, backfill_start, backfill_end))
        _, listed = deletions.parts(stream.deleted)
        if listed is not None:
            resources.append(deleted_records_resource(connector, stream, listed, client, config, tenant_id))
    return resources


def deleted_records_resource(connector: "Connector", stream: Stream, listed: "deletions.DeletedRecords",
                             client: "ApiClient", config: "SourceConfig", tenant_id: str) -> "DltResource":
    """The vendor's list of `stream`'s deleted records, read whole, into the stream's table with
    every row flagged deleted (see `deletions`): no cursor filters it or moves with it."""
    reader = _StreamReader(connector.name, listed.stream(stream), client, config, tenant_id, all_deleted=True)

    def read_deleted() -> Iterator[Any]:
        yield from reader.read(None, None)

    resource = dlt.resource(read_deleted, **_hints(connector, stream, name=stream.name + deletions.RESOURCE_SUFFIX))
    add_dlt_ids(resource, stream)
    _cluster_by_day(resource, stream)
    return resource.apply_hints(columns={deletions.DELETED: dict(deletions.DELETED_HINTS)})


def _hints(connector: "Connector", stream: Stream, name: str | None = None) -> dict[str, Any]:
    """The dlt hints of `stream`'s table (shared by its deleted-records resource)."""
    return dict(
        name=name or stream.name,
        table_name=connector.table_name(stream),
        primary_key=["tenant_id", *stream.primary_key],
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        schema_contract=dict(stream.schema_contract),
        columns=_columns(stream),
        # Never INSERT statements (DuckDB's insert_values path is unusable at scale): every
        # stream, dicts or Arrow, loads from parquet, whatever format the pipeline asks for.
        file_format="parquet",
    )


def _cluster_by_day(resource: "DltResource", stream: Stream) -> None:
    """A daily report's raw table is clustered by (day, tenant_id) on Snowflake, as the recipes
    cluster the facts: staging models and incremental rebuilds read a range of days for every
    tenant, so that range prunes micro-partitions. dlt writes ``CLUSTER BY`` from the columns
    hinted ``cluster``, in the table's column order (and re-issues it, or ``DROP CLUSTERING
    KEY`` when none is hinted, whenever it alters the table), so the day moves to the front.
    Other destinations ignore the hint; entity tables (datetime cursors, full refreshes) are
    read whole and stay unclustered."""
    cursor = stream.cursor
    columns = resource.columns
    if not (isinstance(cursor, Cursor) and cursor.kind == "date") or not isinstance(columns, dict) or cursor.field not in columns:
        return
    key = (cursor.field, "tenant_id")
    ordered = {name: {**columns[name], "cluster": True} for name in key}
    ordered.update((name, column) for name, column in columns.items() if name not in key)
    columns.clear()
    columns.update(ordered)


def stream_resource(
    connector: "Connector",
    stream: Stream,
    client: "ApiClient",
    config: "SourceConfig",
    tenant_id: str,
    backfill_start: date | None = None,
    backfill_end: date | None = None,
) -> "DltResource":
    reader = _StreamReader(connector.name, stream, client, config, tenant_id, table=connector.table_name(stream))
    hints = _hints(connector, stream)
    declared_children = children.declared(stream)
    if declared_children:  # the lists are tables of their own, never columns of the parent
        own = {name: column for name, column in hints["columns"].items() if name not in {c.field for c in declared_children}}
        hints["columns"] = {**own, **children.parent_columns()}
    resource = _resource(stream, reader, config, hints, backfill_start, backfill_end)
    children.split_children(resource, stream, connector.table_name(stream))
    add_dlt_ids(resource, stream)
    _cluster_by_day(resource, stream)
    if stream.deleted is not None:
        resource.apply_hints(columns={deletions.DELETED: dict(deletions.DELETED_HINTS)})
    return resource


def _resource(stream: Stream, reader: "_StreamReader", config: "SourceConfig", hints: dict[str, Any],
              backfill_start: date | None, backfill_end: date | None) -> "DltResource":
    cursor = stream.cursor
    if isinstance(cursor, Cursor):
        lag = cursor.lag
        if config.lookback_days is not None:
            lag = float(config.lookback_days) if cursor.kind == "date" else config.lookback_days * 86400.0
        start = backfill_start or config.start_date
        initial = _as_cursor_value(start, cursor.kind) if backfill_start or cursor.initial is None else cursor.initial
        end = _as_cursor_value(backfill_end + timedelta(days=1), cursor.kind) if backfill_end else None
        if backfill_start and end is None:
            # A backfill is a range load: it neither reads nor moves the saved cursor.
            end = _as_cursor_value(utc_today() + timedelta(days=1), cursor.kind)
        incremental = dlt.sources.incremental(
            cursor.field,
            initial_value=initial,
            end_value=end,
            lag=lag or None,
            range_end="open",
        )

        def read_incremental(cursor_state: Any = incremental) -> Iterator[Any]:
            started = _now()
            since, until = cursor_state.get_current_range()
            until = _until(until, cursor.kind, end is not None, config.end_date)
            explicit_end = end is not None or config.end_date is not None
            yield from _counted(reader.read(since, until, limit=row_limit(cursor.kind, until if explicit_end else None),
                                            state=dlt.current.resource_state()),
                                reader.tenant_id, reader.source, stream.name)
            _read_through(started)

        return dlt.resource(read_incremental, **hints)

    def read_all() -> Iterator[Any]:
        started = _now()
        yield from _counted(reader.read(None, None, state=dlt.current.resource_state()), reader.tenant_id, reader.source, stream.name)
        _read_through(started)

    return dlt.resource(read_all, **hints)


def _counted(pages: Iterator[Any], tenant: str, source: str, stream: str) -> Iterator[Any]:
    """The pages, counted for progress lines (framework/progress.py)."""
    counts = progress.started(tenant, source, stream)
    try:
        for item in pages:
            progress.page(counts, item)
            yield item
    finally:
        progress.finished(counts)


#: The key of a stream's state that holds when its last complete read began (UTC, ISO 8601).
READ_AT = "read_at"


def _window_text(ctx: ReadContext) -> str:
    """`` (2026-11-01 to 2026-11-02)`` for a windowed read, nothing otherwise."""
    window = getattr(ctx, "window", None)
    if window is None or window.start is None:
        return ""
    return f" ({window.start} to {window.end})" if window.end is not None else f" (from {window.start})"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _read_through(started: str) -> None:
    """Note in the stream's state when this complete read began. The state is committed with
    the rows, so once loaded it says when the stream last synced, cursor or not (`state show`)."""
    dlt.current.resource_state()[READ_AT] = started


def _columns(stream: Stream) -> Any:
    if stream.arrow:
        # Arrow batches carry their own types; dlt's per-row pydantic validator must not run.
        from .arrow import dlt_columns

        return dlt_columns(stream.contract)
    return stream.contract


def _as_cursor_value(day: date, kind: str) -> date | datetime:
    if kind == "date":
        return day
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _until(end: Any, kind: str, inclusive_end: bool, configured_end: date | None) -> date | datetime:
    """The last cursor value to request: the configured end date, else today/now.

    An explicit dlt ``end_value`` (backfill range) is exclusive, so we stop just before it.
    """
    candidates: list[Any] = []
    if inclusive_end and end is not None:
        candidates.append(end - (timedelta(days=1) if kind == "date" else timedelta(microseconds=1)))
    if configured_end is not None:
        candidates.append(_as_cursor_value(configured_end, kind) if kind == "date" else datetime.combine(configured_end, time.max, tzinfo=timezone.utc))
    if not candidates:
        candidates.append(utc_today() if kind == "date" else datetime.now(timezone.utc))
    return min(candidates)


class _StreamReader:
    """Reads one stream over all partitions and windows, stamping tenant_id on every row."""

    def __init__(self, source: str, stream: Stream, client: "ApiClient", config: Any, tenant_id: str,
                 all_deleted: bool = False, table: str = "") -> None:
        self.source = source
        self.stream = stream
        self.table = table
        #: Pages go to dlt as Arrow tables (see `children.loads_as_dicts` for when an Arrow stream does not).
        self.as_arrow = stream.arrow
        #: Rows carry `deletions.DELETED`: all true (a deleted-records list), else the stream's soft-delete verdict.
        self.flags_deletions = all_deleted or stream.deleted is not None
        self.all_deleted = all_deleted
        self.soft_delete, _ = deletions.parts(stream.deleted)
        self.client = client
        self.config = config
        self.tenant_id = tenant_id
        self._renamed: set[tuple[str, str]] = set()

    def read(self, since: Any, until: Any, limit: Any = None, state: Any = None) -> Iterator[Any]:
        """Pages of every partition and window of [since, until]; rows past `limit` are dropped.

        `state` (the stream's dlt state) remembers which fields the vendor sent: a run whose
        records all lack one it sent before fails before loading (`drift`)."""
        since = _coerce(since, self.stream)
        if isinstance(self.stream.cursor, Cursor):
            check_saved_cursor(self.source, self.stream.name, self.tenant_id, since, self.stream.cursor.kind)
        hooks.read_started(self.source, self.stream.name, since, until)
        earlier = children.loads_as_dicts(self.stream, self.table) if self.stream.arrow else []
        if earlier:
            self.as_arrow = False
            log.warning("%s/%s: this pipeline's schema holds %s as an earlier version loaded them from dict rows: "
                        "loading dict rows as before, slower; a new dataset loads Arrow (docs/schema-drift.md)",
                        self.source, self.stream.name, ", ".join(earlier))
        if since is not None and until is not None and since > until:
            return
        tasks = [
            ReadContext(self.client, self.config, since, until, partition, window, arrow=self.as_arrow)
            for partition in self.stream.partitions_for(self.config, self.client)
            for window in self.stream.windows(since, until)
        ]
        deadline = Deadline(getattr(self.config, "stream_deadline_minutes", None))
        checks = PageChecks(self.source, self.stream, limit)
        sent = SentFields()
        workers, eager = _reader_threads(self.config.max_workers, getattr(self.client, "lanes", None))
        watcher = getattr(getattr(self.client, "limiter", None), "watcher", None)
        if watcher is not None:
            watcher.reading(True)  # the sync's lanes stay held from page to page (`lanes.SyncLanes`)
        pages = _run_concurrently([self._task(ctx, deadline, checks, sent) for ctx in tasks], workers,
                                  f"{self.source}/{self.stream.name}", eager=eager)
        if watcher is not None:
            pages = _then(pages, lambda: watcher.reading(False))  # the last answer is in: lanes free
        yield from _coalesce(pages, CHILD_BATCH_ROWS if self.stream.children else ARROW_BATCH_ROWS)
        checks.report()
        if state is not None and _rereads_days(self.stream):
            sent.settle(state, set(_declared_fields(self.stream.contract)), tenant=self.tenant_id, source=self.source,
                        stream=self.stream.name)

    def _task(self, ctx: ReadContext, deadline: Deadline, checks: PageChecks, sent: SentFields) -> Callable[[], Iterator[Any]]:
        def run() -> Iterator[Any]:
            # Pages are stamped (and turned into Arrow) by the reader threads, not by
            # dlt's thread, which then has only dlt's own work on its critical path.
            try:
                deadline.check()
                for page in self._read_splitting(ctx):
                    deadline.check()
                    sent.add(page)  # before stamping: a renamed Arrow page loses its metadata
                    page = self._stamp(page)
                    if self.flags_deletions:
                        page = deletions.flag(page, self.soft_delete, self.all_deleted)
                    yield checks(page)
            except NothingToRead as exc:
                where = ", ".join(f"{k}={v}" for k, v in ctx.partition.items()) or "the only partition"
                log.info("%s/%s: nothing to read for %s%s: %s", self.source, self.stream.name, where, _window_text(ctx), exc.reason)
            except SkipPartition as exc:
                where = ", ".join(f"{k}={v}" for k, v in ctx.partition.items()) or "the only partition"
                line = f"{self.source}/{self.stream.name}: skipped {where}: {exc.reason}"
                log.warning("%s (the other partitions load; the run is reported partial)", line)
                self.client.stats.skip(line)
            except SourceError as exc:
                raise exc.located(source=self.source, stream=self.stream.name) from None

        return run

    def _read_splitting(self, ctx: ReadContext) -> Iterator[Any]:
        """Read one partition and window; a "too much data" answer reads it in halves.

        Halve the window down to one day, then the batch of ids in the partition, then
        the stream's fields (`splitting`); rows a failed half already yielded are merged
        on their keys, never duplicated.
        """
        try:
            yield from self.stream.read(ctx)
        except TooMuchData as exc:
            halves = split_read(ctx)
            by_fields = not halves
            if by_fields:
                halves = split_fields(ctx, self.stream)
            if not halves:
                raise TooMuchData(f"{exc.reason}; cannot be split further (one day, one id, one field)", status=exc.status,
                                  vendor_code=exc.vendor_code, request=exc.request) from None
            log.warning("%s/%s: %s; reading it in two halves (%s)", self.source, self.stream.name, exc.reason, describe_split(ctx, halves))
            if by_fields:
                # Each half has every row but only some columns: they are joined before loading.
                rows = join_parts((self._read_splitting(half) for half in halves), self.stream.primary_key)
                if rows:
                    yield rows
                return
            for half in halves:
                yield from self._read_splitting(half)

    def _stamp(self, page: Any) -> Any:
        if not isinstance(page, pa.Table):
            if not self.as_arrow:  # Arrow pages are checked as they are built (`to_arrow`)
                check_required_records(page, self.stream.contract, self.stream.name)
            seen: set[tuple[str, str]] = set()
            declared = _declared_fields(self.stream.contract)
            for record in page:
                # Before tenant_id: a vendor's own is kept, renamed; child rows get ours too.
                rename_reserved(record, seen, None if self.as_arrow else self.tenant_id, declared)
            self._report_renames(seen)
        if self.as_arrow and not isinstance(page, pa.Table):
            page = to_arrow(page, self.stream.contract, self.stream.name)
        if isinstance(page, pa.Table):
            check_required(page, self.stream.name)  # before tenant_id: the only column stamped later
            renames = reserved_columns(page.column_names, keep=("tenant_id",))
            if renames:
                page = page.rename_columns([renames.get(n, n) for n in page.column_names])
                self._report_renames(set(renames.items()))
            # Not nullable, as dlt declares a key column: a nullable field would make dlt
            # warn on every batch that the hints differ.
            column = pa.array([self.tenant_id] * page.num_rows, pa.string())
            if "tenant_id" in page.column_names:
                return page.set_column(page.column_names.index("tenant_id"), _TENANT_FIELD, column)
            return page.append_column(_TENANT_FIELD, column)
        for record in page:
            record["tenant_id"] = self.tenant_id
        return page


    def _report_renames(self, pairs: set[tuple[str, str]]) -> None:
        for old, new in sorted(pairs - self._renamed):
            self._renamed.add((old, new))
            log.warning("%s/%s: vendor field '%s' loaded as '%s' (names that dlt or bosco use for their own "
                        "columns are reserved)", self.source, self.stream.name, old, new)


_TENANT_FIELD = pa.field("tenant_id", pa.string(), nullable=False)


@lru_cache(maxsize=None)
def _declared_fields(contract: Any) -> frozenset[str]:
    """The field names (and aliases) a contract types: their values are not child rows."""
    return frozenset(name for n, f in contract.model_fields.items() for name in (n, f.alias) if name)


def _rereads_days(stream: Stream) -> bool:
    """A daily report that re-reads its last days (look-back): the rows a dropped field would erase.

    Object streams are left out: vendors leave out fields an object lacks (Meta's ``end_time``
    of an ad set without one), so a run of a few changed objects may lack one legitimately."""
    return isinstance(stream.cursor, Cursor) and stream.cursor.kind == "date"


def _coerce(since: Any, stream: Stream) -> Any:
    if since is None or not isinstance(stream.cursor, Cursor):
        return since
    if stream.cursor.kind == "date" and isinstance(since, datetime):
        return since.date()
    if stream.cursor.kind == "date" and isinstance(since, str):
        return date.fromisoformat(since[:10])
    return since


#: Arrow pages are handed to dlt in tables of about this many rows (or bytes), never more
#: than one batch held: dlt recomputes and validates the table schema for every Arrow
#: item it receives (tens of ms each), which costs more than the rows of a 1,000-row page.
ARROW_BATCH_ROWS = 50_000
ARROW_BATCH_BYTES = 64 * 1024 * 1024
#: Parents with child lists (`children`) are split into two or more tables after dlt's
#: incremental step, copying the lists once: a smaller batch keeps that copy small (Shopify's
#: bulk export at 50,000 orders a batch held 591 MB at the end of extract, at 10,000 ...).
CHILD_BATCH_ROWS = 10_000


def _then(items: Iterator[Any], done: Callable[[], None]) -> Iterator[Any]:
    """`items`, then `done()` once they are exhausted (or abandoned), before whatever the
    consumer still does with the last of them."""
    try:
        yield from items
    finally:
        done()


def _coalesce(pages: Iterator[Any], max_rows: int = ARROW_BATCH_ROWS) -> Iterator[Any]:
    """Join consecutive Arrow pages into larger tables; lists of dicts pass through in order."""
    buffer: list[pa.Table] = []
    rows = size = 0
    for page in pages:
        if not isinstance(page, pa.Table):
            yield from _joined(buffer)
            buffer, rows, size = [], 0, 0
            yield page
            continue
        buffer.append(page)
        rows, size = rows + page.num_rows, size + page.nbytes
        if rows >= max_rows or size >= ARROW_BATCH_BYTES:
            yield from _joined(buffer)
            buffer, rows, size = [], 0, 0
    yield from _joined(buffer)


def _joined(tables: list[pa.Table]) -> Iterator[pa.Table]:
    if len(tables) <= 1:
        yield from tables
        return
    try:
        yield pa.concat_tables(tables, promote_options="default")  # a page may lack a later field
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        yield from tables  # pages whose types differ go one by one, as they came


log = logging.getLogger("bosco_connectors.read")


#: Reading goes concurrent once the typical page (the median of the last `PROBE_PAGES`)
#: spent at least this share of its cycle waiting (for the API, the network or the rate
#: limit) rather than computing. A remote API waits 80-99% (100 ms or more per page
#: against ~20 ms of work); a server on the same small machine waits ~25% while it
#: computes the page, which threads cannot overlap when cores are scarce (measured on
#: 2 cores: threads 10-15% slower than inline there, bench/README.md)...
WAIT_SHARE = 0.5
#: ...judged on that many pages, or on at least 3 that took `PROBE_SECONDS` together
#: (a slow API decides in a few pages). A median, so that one slow page (the first one
#: opens the connection; the OS may preempt a read) does not decide it.
PROBE_PAGES = 8
PROBE_SECONDS = 0.3


def _reader_threads(max_workers: int, lanes: Any) -> tuple[int, bool]:
    """Threads for a stream's partitions, and whether to start on them at once.

    A sync holding lanes of an app-wide budget (`orchestration.lanes.fit` sets the
    client's ``lanes``) reads with at most as many threads as its share has requests in
    flight, from the first request and on reader threads: a k-lane sync puts k requests in
    flight at once rather than probing first, and even a 1-lane sync reads on a thread of
    its own, the next page asked for while dlt works on the last one, since a lane held
    idle is lost to every other sync of the app (the Prefect scale-out benchmark: a lane
    was held 1.75 s for a sync's 1.6 s of requests when read inline). Otherwise:
    `max_workers`, after the probe (`_run_concurrently`)."""
    if lanes is None:
        return max_workers, False
    in_flight = getattr(lanes, "in_flight", None)
    workers = max(1, min(max_workers, in_flight)) if in_flight else max_workers
    return workers, True


def _run_concurrently(tasks: list[Callable[[], Iterator[Any]]], workers: int, label: str = "", *,
                      eager: bool = False) -> Iterator[Any]:
    """Yield the pages of every task: inline while the API answers fast, else from threads.

    Threads only pay when reading waits: under the GIL, every handoff between reader
    threads and the consumer costs CPU (measured on a loopback 1M-row report: 4 readers
    used 20-30% more CPU than reading inline, bench/README.md). So tasks start inline,
    on the consumer's thread, and the moment the typical page spends `WAIT_SHARE` of its
    whole cycle (reading it, then the consumer's work on it) waiting (wall time minus
    this thread's CPU time: a slow API, network latency, a rate limit), the rest of the
    current task and all remaining tasks move to `workers` threads, for good. One task,
    or one worker, always runs inline. `eager` skips the probe: threads from the first
    page, even with one worker: a reader thread keeps the next request going while the
    consumer works (a sync holding lanes of a vendor budget, `_reader_threads`).
    """
    if eager:
        yield from _threaded(tasks, workers)
        return
    if len(tasks) <= 1 or workers <= 1:
        for task in tasks:
            yield from task()
        return
    pending = list(tasks)
    probe: deque[tuple[float, float]] = deque(maxlen=PROBE_PAGES)  # (cycle, waited) per page
    while pending:
        current: Iterator[Any] | None = pending.pop(0)()
        try:
            while current is not None:
                wall, cpu = perf_counter(), thread_time()
                try:
                    page = next(current)
                except StopIteration:
                    current = None  # this task is done; the next one is read inline
                    continue
                waited = max(0.0, perf_counter() - wall - (thread_time() - cpu))
                yield page
                probe.append((perf_counter() - wall, waited))
                share = _waiting_share(probe)
                if share is not None and share >= WAIT_SHARE:
                    log.info("%s: reading the remaining %d partitions with %d threads: the typical page of the last %d waited %.0f%% of its time",
                             label or "-", len(pending) + 1, workers, len(probe), 100 * share)
                    rest, current = current, None
                    yield from _threaded([(lambda it=rest: it), *pending], workers)
                    return
        finally:
            if current is not None:
                current.close()


def _waiting_share(probe: deque[tuple[float, float]]) -> float | None:
    """The median page's share of time spent waiting; None until enough pages were read."""
    if len(probe) < PROBE_PAGES and (len(probe) < 3 or sum(spent for spent, _ in probe) < PROBE_SECONDS):
        return None
    shares = sorted(waited / spent if spent > 0 else 0.0 for spent, waited in probe)
    return shares[len(shares) // 2]


def _threaded(tasks: list[Callable[[], Iterator[Any]]], workers: int) -> Iterator[Any]:
    """Run page generators in threads and yield their pages as they arrive.

    Errors propagate to the consumer; a bounded queue keeps memory flat when the
    loader is slower than the API.
    """
    if not tasks:
        return
    out: queue.Queue[Any] = queue.Queue(maxsize=workers * 2)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def drain(task: Callable[[], Iterator[Any]]) -> None:
        try:
            for page in task():
                if not put(("page", page)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            put(("error", exc))
        finally:
            put(("done", None))

    pool = ThreadPoolExecutor(max_workers=min(workers, len(tasks)), thread_name_prefix="bosco-read")
    try:
        for task in tasks:
            pool.submit(drain, task)
        remaining = len(tasks)
        while remaining:
            kind, payload = out.get()
            if kind == "page":
                yield payload
            elif kind == "error":
                raise payload
            else:
                remaining -= 1
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
