"""Declarative stream specs: what a connector says about each endpoint.

A stream states its request (REST path and params, or a GraphQL query), where the
records are in the body, how pages follow each other, its primary key, its cursor
(with look-back and window stepping) or an explicit full refresh, and the pydantic
model that is its schema contract. The generic `read` loop covers paged JSON APIs;
streams that need more (async report jobs, bulk exports) override `read`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Iterator, Literal, Mapping

from pydantic import BaseModel, ConfigDict

from .children import Child
from .jsonpath import get_path
from .paginators import PageRequest, Paginator, SinglePage
from .params import dotted_query

if TYPE_CHECKING:
    import pyarrow as pa

    from .deletions import Deletions
    from .files import FileFormat
    from .http import ApiClient
    from .params import Partitions, WindowParams
    from .records import Records

Record = dict[str, Any]
Batch = "list[Record] | pa.Table"


class Contract(BaseModel):
    """Base of every stream contract. `tenant_id` is declared here because dlt validates
    the model after our tenant stamping step (see DESIGN.md pitfalls).

    Numbers must be finite: a spend of ``"Infinity"`` or ``"1e400"`` is refused, not loaded
    as inf (`arrow.columns_to_arrow` applies the same rule to Arrow batches). Type id
    fields `ids.Id`, so every source follows one id rule.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, allow_inf_nan=False)

    tenant_id: str


class ChildContract(BaseModel):
    """Base of a declared child's model (`Child`: an order's line items). Numbers are finite, as in
    `Contract`; ``tenant_id`` is stamped from the parent row when the list becomes its own table."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    tenant_id: str | None = None


@dataclass(frozen=True)
class Cursor:
    """An incremental cursor on a record field.

    ``lookback`` re-reads that much history on every run (late conversions, unsettled
    analytics). ``window`` splits the requested range into steps for APIs that cap the
    range per request (TikTok: 30 days for daily reports).
    """

    field: str
    kind: Literal["date", "datetime"] = "date"
    lookback: timedelta = timedelta(0)
    window: timedelta | None = None
    #: Where a first run starts instead of the config's ``start_date``. Entity tables
    #: (campaigns, ads) need their whole history: an ad last edited a year ago still runs.
    initial: date | datetime | None = None

    @property
    def lag(self) -> float:
        """The look-back in dlt's `lag` units: days for date cursors, seconds for datetimes."""
        if self.kind == "date":
            return float(self.lookback.days)
        return self.lookback.total_seconds()


@dataclass(frozen=True)
class FullRefresh:
    """Declared on purpose: the API offers no usable cursor, so every run reads everything.

    Rows are still merged on the primary key (tables are shared by tenants, so a
    replace would wipe other tenants' rows).
    """

    reason: str = "the API has no updated-since filter"


@dataclass
class Window:
    """The closed range of cursor values one request asks for."""

    start: date | datetime | None
    end: date | datetime | None


@dataclass
class ReadContext:
    """Everything a stream needs to read one run: the client, config and range."""

    client: "ApiClient"
    config: Any
    since: date | datetime | None
    until: date | datetime | None
    partition: Mapping[str, Any] = field(default_factory=dict)
    window: Window = field(default_factory=lambda: Window(None, None))
    #: The part of the stream's `Stream.fields_in_parts` this read asks for (None: all of
    #: them): set when a "too much data" answer on one day and one id is read field by part.
    fields: tuple[str, ...] | None = None
    #: The read hands dlt Arrow tables (an Arrow stream, unless `children.loads_as_dicts`): a stream
    #: that builds its own pages may build Arrow tables; False: it hands out dicts, as always.
    arrow: bool = False


DEFAULT_CONTRACT_POLICY: dict[str, str] = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}


@dataclass(kw_only=True)
class Stream:
    """One endpoint that yields one table."""

    name: str
    contract: type[Contract]
    primary_key: tuple[str, ...]
    cursor: Cursor | FullRefresh
    #: Where the records are (a dotted path), or a `Records` declaration of how to shape them.
    records: "str | Records | None" = None
    paginator: Callable[[], Paginator] = SinglePage
    #: Each partition is a set of request params read separately (e.g. one advertiser):
    #: a `Partitions` declaration (`ForEach`, `Batches`, `FromParent`) or a function of config.
    partitions: "Partitions | Callable[[Any], Iterable[Mapping[str, Any]]] | None" = None
    #: Maps one raw record to the contract's shape (flatten, parse the cursor field).
    transform: Callable[[Record, ReadContext], Record | None] | None = None
    #: Hand dlt Arrow tables built against the contract (every stream unless it says otherwise:
    #: dlt's normalizer costs 0.2-0.5 ms a row of a wide record, bench/README.md); False: dict rows.
    arrow: bool = True
    #: An Arrow stream's lists of models (an order's line items), each loaded as a table of its
    #: own merged on its key and its parent key (`children`); dict streams leave them to dlt.
    children: "tuple[Child, ...]" = ()
    #: dlt schema-contract policy; see docs/schema-drift.md.
    schema_contract: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CONTRACT_POLICY))
    description: str = ""
    #: How this stream maps into the unified marketing model (`unified.Performance`,
    #: `unified.Entity`): generates its staging SQL and the demo's fake answers.
    unified: Any = None
    #: A filter of shaped records (pages are lists of dicts or Arrow tables).
    keep: Callable[[Any, ReadContext], Any] | None = None
    #: Two rows of one page with the same primary key: "warn" keeps the page's last one
    #: and logs the key and count; "fail" fails the sync (`page_checks.PageChecks`).
    on_duplicate_key: Literal["warn", "fail"] = "warn"
    #: The first day the vendor still keeps reports for (Meta: 37 months back), asked at
    #: read time: a window before it is skipped with a warning, one across it is cut.
    oldest_day: Callable[[], date] | None = None
    #: How far back from the last day asked for the vendor answers (Apple's daily reports:
    #: a start within the last 90 days): the same skip and cut, counted from the run's end,
    #: which is today on a normal run.
    history: timedelta | None = None
    #: The fields (metrics) a request may ask for in parts, a function of config: when
    #: the vendor refuses one day of one id as too much data (`errormap.TooMuchData`),
    #: they are asked for in two requests whose rows are joined on the primary key
    #: (`splitting`). The stream reads `ReadContext.fields` to ask for a part only.
    fields_in_parts: Callable[[Any], Iterable[str]] | None = None
    #: How the vendor reports a deleted record (`deletions.SoftDelete`, `deletions.DeletedRecords`,
    #: or both in a tuple): its row then leaves the table on the next sync (dlt's hard delete).
    deleted: "Deletions | None" = None

    kind: ClassVar[str] = "custom"

    @property
    def write_disposition(self) -> str:
        return "merge"

    @property
    def record_spec(self) -> "Records":
        """The `Records` declaration (a bare path is a declaration with only a path)."""
        from .records import Records

        return self.records if isinstance(self.records, Records) else Records(path=self.records)

    def partitions_for(self, config: Any, client: Any = None) -> list[Mapping[str, Any]]:
        from .params import Partitions

        if self.partitions is None:
            return [{}]
        if isinstance(self.partitions, Partitions):
            return list(self.partitions.for_read(config, client))
        return list(self.partitions(config))

    def windows(self, since: date | datetime | None, until: date | datetime | None) -> list[Window]:
        """Split [since, until] into the cursor's window steps (one window if no step)."""
        step = self.cursor.window if isinstance(self.cursor, Cursor) else None
        if step is None or since is None or until is None:
            return [Window(since, until)]
        windows, start = [], since
        unit = timedelta(days=1) if isinstance(since, date) and not isinstance(since, datetime) else timedelta(seconds=1)
        while start <= until:
            end = min(until, start + step - unit)
            windows.append(Window(start, end))
            start = end + unit
        return windows

    def within_history(self, ctx: ReadContext) -> ReadContext | None:
        """`ctx` with its window cut to the days the vendor still answers for, or None if none is."""
        oldest = self.oldest_day() if self.oldest_day is not None else None
        if self.history is not None and ctx.until is not None:
            last = ctx.until.date() if isinstance(ctx.until, datetime) else ctx.until
            oldest = max(oldest or date.min, last - self.history)
        if oldest is None or ctx.window.start is None:
            return ctx
        if isinstance(ctx.window.start, datetime):
            oldest = datetime.combine(oldest, datetime.min.time(), tzinfo=ctx.window.start.tzinfo)  # type: ignore[assignment]
        if ctx.window.end is not None and ctx.window.end < oldest:
            import logging

            logging.getLogger("bosco_connectors").warning(
                "%s: skipping %s..%s: the vendor answers from %s on", self.name, ctx.window.start, ctx.window.end, oldest)
            return None
        if ctx.window.start >= oldest:
            return ctx
        from dataclasses import replace

        return replace(ctx, window=Window(oldest, ctx.window.end))

    def read_records(self, ctx: ReadContext) -> Iterator[list[Record]]:
        """`read` as pages of dict rows, Arrow stream or not: for a stream that looks through
        another's records itself (Stripe's events, Klarna's payouts)."""
        from dataclasses import replace

        yield from self.read(replace(ctx, arrow=False))

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        """Yield pages of records for one partition and window (the part of it the vendor still answers for)."""
        within = self.within_history(ctx)
        if within is None:
            return
        ctx = within
        paginator = self.paginator()
        page = paginator.first()
        seen = PageTrail(self.name)
        while page is not None:
            seen.visit(page)
            response, body = self.send(ctx, page)
            raw = self.record_spec.select(body)
            seen.check_not_repeated(raw, page)
            records = self.shape(raw, ctx)
            if records:
                yield records
            page = paginator.next(response, body, raw)

    def shape(self, raw: list[Record], ctx: ReadContext) -> Any:
        """One page of vendor records -> rows of the contract (an Arrow table for `arrow` streams).

        A `Records` declaration is applied column by column; ``transform`` (per record)
        runs after it, for what a declaration cannot say. With declared `children` the rows are
        dicts, whose lists the reader builds into Arrow list columns (`arrow.to_arrow`).
        """
        if not raw:
            return []
        spec = self.record_spec
        if self.transform is None and self.builds_arrow(ctx) and spec.shapes and not self.children:
            from .arrow import columns_to_arrow  # pyarrow: not on `bosco-sync sources`'s path

            rows = spec.expand(raw)
            if not rows:
                return []
            page: Any = columns_to_arrow(spec.columns_of(rows, ctx), len(rows), self.contract, self.name)
        else:
            page = self.shape_records(raw, ctx)
        return self.keep(page, ctx) if self.keep is not None else page

    def builds_arrow(self, ctx: ReadContext | None) -> bool:
        """Whether this read's pages are Arrow tables: an Arrow stream read for dlt. A lookup made
        with a context of its own (a parent's ids, Stripe's events) and a tenant whose dataset
        keeps dict rows (`children.loads_as_dicts`) get dicts."""
        return self.arrow and getattr(ctx, "arrow", False)

    def shape_records(self, raw: list[Record], ctx: ReadContext) -> list[Record]:
        """One page of vendor records -> dict rows of the contract, Arrow stream or not.

        For a stream that adds to its rows in Python after the declaration (a subclass's
        `shape`): the reader builds an Arrow stream's table from them (`arrow.to_arrow`)."""
        spec = self.record_spec
        page = spec.rows(raw, ctx) if spec.shapes else raw
        if self.transform is not None:
            page = [r for r in (self.transform(r, ctx) for r in page) if r is not None]
        return page

    def shape_batch(self, batch: Any, ctx: ReadContext) -> Any:
        """A report file's batch -> rows of the contract; CSV columns go to Arrow without a dict per row."""
        from .files import ColumnBatch

        if not isinstance(batch, ColumnBatch):
            return self.shape(batch, ctx)
        if self.builds_arrow(ctx) and self.transform is None:
            from .arrow import columns_to_arrow

            columns = self.record_spec.shape_columns(batch.columns, batch.num_rows, ctx)
            page = columns_to_arrow(columns, batch.num_rows, self.contract, self.name)
            return self.keep(page, ctx) if self.keep is not None else page
        return self.shape(batch.rows(), ctx)

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        raise NotImplementedError(f"stream {self.name} must define how it sends a request")


@dataclass(kw_only=True)
class RestStream(Stream):
    """A REST/JSON endpoint: a path, params, and where the window goes in the query."""

    #: Relative to the base URL; ``{name}`` is filled from the partition, then from config
    #: (``properties/{property_id}:runReport``).
    path: str
    method: Literal["GET", "POST"] = "GET"
    params: Mapping[str, Any] | Callable[[ReadContext], Mapping[str, Any]] = field(default_factory=dict)
    #: Turns the current window into request params (e.g. start_date / end_date).
    window_params: Callable[[Window], Mapping[str, Any]] | None = None
    #: The window as a declaration (`WindowParams`): names, format, inclusive or not.
    window: "WindowParams | None" = None
    #: For POST: the request parameters go into a JSON body (``json``) or a form (``form``).
    payload: Literal["json", "form"] = "json"
    #: Partition keys that only fill the path (not sent again as parameters).
    path_only: tuple[str, ...] = ()
    #: Headers of every request; ``{name}`` is filled like the path, from the partition, then
    #: config (Amazon's ``Amazon-Advertising-API-Scope: {profile_id}``, Apple's per-account
    #: ``X-AP-Context: adAccountId={ad_account_id};``). A partition key used in a header, the
    #: path or a parameter's ``{name}`` is not sent again as a parameter of its own.
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The answer is the report itself, a file in this format (`files.Csv`, `files.Json`...):
    #: Criteo's ``POST statistics/report`` answers with the CSV or JSON report, no job to run.
    #: It is read like a job's file, in bounded batches from a temporary file, one request per
    #: partition and window (no pages).
    file: "FileFormat | None" = None

    kind: ClassVar[str] = "rest"

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        if self.file is None:
            yield from super().read(ctx)
            return
        within = self.within_history(ctx)
        if within is None:
            return
        yield from self.read_answer_file(within)

    def read_answer_file(self, ctx: ReadContext) -> Iterator[Any]:
        """One request whose answer is the report file, read batch by batch (see ``file``)."""
        from .files import DEFAULT_BATCH_ROWS

        params = self.request_params(ctx, PageRequest())
        extra: dict[str, Any] = {"headers": self.request_headers(ctx)} if self.headers else {}
        if self.method == "POST":
            extra["data" if self.payload == "form" else "json"] = params
        else:
            extra["params"] = params
        fmt = self.file
        assert fmt is not None
        reader = getattr(fmt, "column_batches", None) or fmt.batches
        with ctx.client.download_file(self.request_path(ctx), stream=self.name, method=self.method,
                                      json_is_error=not fmt.is_json, **extra) as answer:
            for batch in reader(answer, DEFAULT_BATCH_ROWS):
                page = self.shape_batch(batch, ctx)
                if page is not None and len(page):
                    yield page

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        base = self.params(ctx) if callable(self.params) else self.params
        params = self._fill(_copy(base), ctx, "parameters")
        params.update({k: v for k, v in ctx.partition.items() if k not in self.path_keys})
        if self.window_params is not None:
            params.update(self.window_params(ctx.window))
        if self.window is not None:
            self.window.apply(params, ctx.window)
        if self.method == "POST" and self.payload == "json":
            from .params import _set_path

            for name, value in page.params.items():  # ``pagination.offset``: a place in the JSON body
                _set_path(params, name, value)
        else:
            params.update(page.params)
        return params

    @property
    def path_keys(self) -> frozenset[str]:
        """Partition keys that go into the path, a header or a parameter's ``{name}`` (not sent on their own)."""
        from . import placeholders

        elsewhere = placeholders.names(dict(self.headers)) | (placeholders.names(dict(self.params)) if not callable(self.params) else set())
        return frozenset(placeholders.names(self.path)) | frozenset(self.path_only) | frozenset(elsewhere)

    def request_path(self, ctx: ReadContext) -> str:
        return str(self._fill(self.path, ctx, f"path {self.path}"))

    def request_headers(self, ctx: ReadContext) -> dict[str, str]:
        return {name: str(self._fill(template, ctx, f"header {name}")) for name, template in self.headers.items()}

    def _fill(self, template: Any, ctx: ReadContext, what: str) -> Any:
        """`template` with each ``{name}`` from the partition, then config; a missing one names itself."""
        from . import placeholders

        try:
            return placeholders.fill(template, _lookup(ctx))
        except KeyError as exc:
            raise KeyError(f"stream {self.name}: {what}: {exc.args[0]}") from None

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        extra: dict[str, Any] = {"headers": self.request_headers(ctx)} if self.headers else {}
        if page.url and self.method != "POST":
            return ctx.client.request_json(self.method, page.url, stream=self.name, **extra)
        params = self.request_params(ctx, page)
        hook = getattr(ctx.client, "on_response", None)  # a vendor's throttle headers, cost info
        if hook is not None:
            extra["on_response"] = hook
        if self.method == "POST":
            # A next-page URL carries the cursor; the query itself stays in the body (Klaviyo's reports).
            payload = {"data": params} if self.payload == "form" else {"json": params}
            return ctx.client.post(page.url or self.request_path(ctx), stream=self.name, **payload, **extra)
        return ctx.client.get(self.request_path(ctx), stream=self.name, params=dotted_query(params), **extra)


def _lookup(ctx: ReadContext) -> Callable[[str], Any]:
    """A placeholder's value: the partition's, else the config field's (a secret field: its value,
    registered so logs mask it)."""
    def lookup(name: str) -> Any:
        value = ctx.partition[name] if name in ctx.partition else getattr(ctx.config, name, None)
        reveal = getattr(value, "get_secret_value", None)
        if not callable(reveal):
            return value
        from .redaction import register_secret

        text = str(reveal())
        register_secret(text)
        return text

    return lookup


def _copy(params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy deep enough that a window written into a nested body never leaks into the next request."""
    import copy

    return copy.deepcopy(dict(params)) if any(isinstance(v, (dict, list)) for v in params.values()) else dict(params)


@dataclass(kw_only=True)
class GraphQLStream(Stream):
    """A GraphQL connection: one query, variables built from the window, pageInfo paging."""

    query: str
    endpoint: str = "graphql.json"
    variables: Callable[[ReadContext], Mapping[str, Any]] | None = None

    kind: ClassVar[str] = "graphql"

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        variables = dict(self.variables(ctx)) if self.variables else {}
        variables.update(page.variables)
        return ctx.client.post(
            self.endpoint,
            stream=self.name,
            json={"query": self.query, "variables": variables},
            on_response=getattr(ctx.client, "on_graphql_response", None),
        )


class PageTrail:
    """The pages one read has asked for; asking for one again is a loop, not progress.

    APIs have answered with the same next cursor for ever (Shopify's ``endCursor``, Meta's
    ``after``): without this a sync would never end.
    """

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self._seen: set[Any] = set()
        self._last_page: int | None = None

    def visit(self, page: PageRequest) -> None:
        self.visit_key(hash(page.fingerprint()), page.describe())

    def visit_key(self, key: Any, described: str) -> None:
        if key in self._seen:
            from .errors import PaginationLoop

            raise PaginationLoop(
                f"pagination loop: the API sent us back to a page already read ({described}) after "
                f"{len(self._seen)} pages; stopping instead of reading it again",
                stream=self.stream,
            )
        self._seen.add(key)

    def check_not_repeated(self, records: list[Any], page: PageRequest) -> None:
        """An API that ignores the page parameter answers every page alike: also a loop.

        Judged on the first and last record and the count (cheap on 1,000-row pages).
        """
        if not records:
            return
        import orjson

        try:
            mark = hash((len(records), orjson.dumps(records[0], default=str), orjson.dumps(records[-1], default=str)))
        except TypeError:
            return
        if mark == self._last_page:
            from .errors import PaginationLoop

            raise PaginationLoop(
                f"pagination loop: the API answered {page.describe()} with the same records as the page "
                "before; it may be ignoring the page parameter",
                stream=self.stream,
            )
        self._last_page = mark


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def parse_date(value: Any) -> date:
    """Accept ``date``, ``datetime`` or ISO strings such as ``2024-05-01 00:00:00``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
