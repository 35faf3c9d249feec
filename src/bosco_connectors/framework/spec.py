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

from .jsonpath import get_path
from .paginators import PageRequest, Paginator, SinglePage

if TYPE_CHECKING:
    import pyarrow as pa

    from .http import ApiClient

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


DEFAULT_CONTRACT_POLICY: dict[str, str] = {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}


@dataclass(kw_only=True)
class Stream:
    """One endpoint that yields one table."""

    name: str
    contract: type[Contract]
    primary_key: tuple[str, ...]
    cursor: Cursor | FullRefresh
    records: str | None = None
    paginator: Callable[[], Paginator] = SinglePage
    #: Each partition is a set of request params read separately (e.g. one advertiser).
    partitions: Callable[[Any], Iterable[Mapping[str, Any]]] | None = None
    #: Maps one raw record to the contract's shape (flatten, parse the cursor field).
    transform: Callable[[Record, ReadContext], Record | None] | None = None
    #: Hand dlt Arrow tables built against the contract (large report streams).
    arrow: bool = False
    #: dlt schema-contract policy; see docs/schema-drift.md.
    schema_contract: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CONTRACT_POLICY))
    description: str = ""
    #: Nested lists that dlt should keep as JSON instead of child tables.
    json_columns: tuple[str, ...] = ()
    #: Two rows of one page with the same primary key: "warn" keeps the page's last one
    #: and logs the key and count; "fail" fails the sync (`page_checks.PageChecks`).
    on_duplicate_key: Literal["warn", "fail"] = "warn"

    kind: ClassVar[str] = "custom"

    @property
    def write_disposition(self) -> str:
        return "merge"

    def partitions_for(self, config: Any) -> list[Mapping[str, Any]]:
        return list(self.partitions(config)) if self.partitions else [{}]

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

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        """Yield pages of records for one partition and window."""
        paginator = self.paginator()
        page = paginator.first()
        while page is not None:
            response, body = self.send(ctx, page)
            raw = get_path(body, self.records) if self.records else body
            raw = raw or []
            if isinstance(raw, dict):
                raw = [raw]
            records = self.shape(raw, ctx)
            if records:
                yield records
            page = paginator.next(response, body, raw)

    def shape(self, raw: list[Record], ctx: ReadContext) -> list[Record]:
        if self.transform is None:
            return raw
        shaped = (self.transform(r, ctx) for r in raw)
        return [r for r in shaped if r is not None]

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        raise NotImplementedError(f"stream {self.name} must define how it sends a request")


@dataclass(kw_only=True)
class RestStream(Stream):
    """A REST/JSON endpoint: a path, params, and where the window goes in the query."""

    path: str
    method: Literal["GET", "POST"] = "GET"
    params: Mapping[str, Any] | Callable[[ReadContext], Mapping[str, Any]] = field(default_factory=dict)
    #: Turns the current window into request params (e.g. start_date / end_date).
    window_params: Callable[[Window], Mapping[str, Any]] | None = None

    kind: ClassVar[str] = "rest"

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        base = self.params(ctx) if callable(self.params) else self.params
        params = {**base, **ctx.partition}
        if self.window_params is not None:
            params.update(self.window_params(ctx.window))
        params.update(page.params)
        return params

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        if page.url:
            return ctx.client.request_json(self.method, page.url, stream=self.name)
        params = self.request_params(ctx, page)
        if self.method == "POST":
            return ctx.client.post(self.path, stream=self.name, json=params)
        return ctx.client.get(self.path, stream=self.name, params=params)


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
