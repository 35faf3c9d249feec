"""Asynchronous report jobs as a declaration: create, poll with a status map, download a file.

Report APIs (Amazon Ads, Pinterest, Microsoft Ads, Meta insights, Shopify bulk operations)
share one flow, which `reports.ReportJob` runs: start a job, poll it with back-off until
the vendor says done or failed (a failed or late job is started again), then read what it
produced. An `AsyncReport` declares the three calls::

    AsyncReport(
        name="campaigns report",
        create=Create("reporting/reports", body={"configuration": {...}}, job_id="reportId",
                      window=WindowParams("startDate", "endDate", in_body=True)),
        poll=Poll("reporting/reports/{job_id}", status="status", url="url", error="failureReason",
                  statuses={"PENDING": RUNNING, "PROCESSING": RUNNING, "COMPLETED": DONE, "FAILED": FAILED}),
        download=Download(JsonLines(compression="gzip")),
        max_concurrent=10, deadline=timedelta(hours=1), first_poll=5, max_poll=60,
    )

- `Create`: the request that starts a job and where the job id is in its answer (an
  answer without one fails at once); ``refused`` points at a list of user errors that
  refuse the job (Shopify's ``userErrors``). Where a job is run from a definition made
  first (Bid Manager's query, Campaign Manager 360's report), ``prepare=Prepare(...)``
  makes it: its answer names values (``keep={"query_id": "queryId"}``) that the job's
  calls use as ``{query_id}``, and its ``cleanup`` request removes the definition once
  the file is read.
- `Poll`: the request that reads the job, where its status is, the vendor's statuses
  mapped to ``RUNNING`` / ``DONE`` / ``FAILED`` (list expired and cancelled ones as failed:
  the job is started again), where the download URL and the failure reason are. A status
  the map lacks fails the sync with its name, unless ``unknown=`` says what it means.
- `Download`: the file's format and compression (`files`), from the poll's URL (fetched
  without credentials when it is on another host: a pre-signed link) or from a ``path``
  of the API. Records come in bounded batches; the file is never whole in memory. A result
  handed out in sets, each answer naming the next in a response header (Salesforce's
  ``Sforce-Locator``), declares ``pages=locator.HeaderLocator(...)``: set after set, each read
  the same way.
- `RestStreamWithJob`: a REST stream whose long reads (backfills) go through such a job.

``{name}`` in a path, and a params or body value that is exactly ``"{name}"``, is filled
from the job id (``{job_id}``), what a `Prepare` kept, the partition, then config. Each
of the three may instead be a function, for vendors reached through an SDK: ``create(job) -> handle``,
``poll(job, handle) -> (JobStatus, text)``, ``download(job, handle) -> batches``, where
``job`` is the `JobContext`.

``max_concurrent`` jobs run at once per API client: every stream of a source shares the
client, so it is the source's budget; a job waits for a slot before it is created and
gives it back when it is done or given up. ``deadline``, ``attempts``, ``first_poll`` and
``max_poll`` are numbers, names of config fields or functions of config. `AsyncReportStream` is the stream:
its read runs the job for its partition and window and hands the file's records, shaped
by its `Records`, to dlt as Arrow or dict pages.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator, Literal, Mapping

from . import interrupt
from .deadline import check_run_deadline
from .errors import ApiError, ResponseFormatError, SourceError
from .files import DEFAULT_BATCH_ROWS, ColumnBatch, FileFormat
from .jsonpath import get_path
from .reports import JobStatus, ReportJob
from .spec import ReadContext, RestStream, Stream, Window

if TYPE_CHECKING:
    from .locator import HeaderLocator
    from .params import WindowParams

log = logging.getLogger("bosco_connectors.jobs")

RUNNING, DONE, FAILED = JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED

#: A number, the name of the config field that holds it, or a function of config.
Setting = float | int | timedelta | str | Callable[[Any], Any] | None


@dataclass
class JobContext:
    """What the three calls of one job share: the read, the stream, the job's name."""

    read: ReadContext
    stream: str
    name: str

    @property
    def client(self) -> Any:
        return self.read.client

    @property
    def config(self) -> Any:
        return self.read.config

    @property
    def partition(self) -> Mapping[str, Any]:
        return self.read.partition

    @property
    def window(self) -> Window:
        return self.read.window


@dataclass
class Job:
    """A job a declared `Create` started, and what its last poll said."""

    id: Any
    answer: Any = None
    status: str = ""
    url: str | None = None
    polled: Any = None
    #: Values the job's requests fill placeholders with besides its id (what a `Prepare` kept).
    values: dict[str, Any] = field(default_factory=dict)


# -- the three declared calls --------------------------------------------------------------


@dataclass(frozen=True)
class JobRequest:
    """One request of the job flow; see the module docstring for ``{name}`` placeholders."""

    path: str
    _: KW_ONLY
    method: Literal["GET", "POST", "DELETE"] = "GET"
    params: Mapping[str, Any] | Callable[[ReadContext], Mapping[str, Any]] = field(default_factory=dict)
    body: Mapping[str, Any] | Callable[[ReadContext], Mapping[str, Any]] | None = None
    #: A POST body as JSON or as a form.
    payload: Literal["json", "form"] = "json"
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Where the read's window goes: query params, or the body when ``in_body``.
    window: "WindowParams | None" = None

    def send(self, job: JobContext, job_id: Any = None, kept: Mapping[str, Any] | None = None) -> Any:
        """Send it (with the client's retries) and return the decoded answer; `kept`: values a
        `Prepare` kept, for placeholders."""
        values = _Values(job.read, job_id, kept)
        params = _fill(_resolve_mapping(self.params, job.read), values)
        body = _fill(_resolve_mapping(self.body, job.read), values) if self.body is not None else None
        if self.window is not None:
            target = body if self.window.in_body else params
            if target is None:
                body = target = {}
            self.window.apply(target, job.window)
        extra: dict[str, Any] = {}
        if body is not None:
            extra["data" if self.payload == "form" else "json"] = body
        if self.headers:
            extra["headers"] = {k: str(_fill(v, values)) for k, v in self.headers.items()}
        hook = getattr(job.client, "on_response", None)  # a vendor's pacing (throttle headers, cost data)
        if hook is not None:
            extra["on_response"] = hook
        _, answer = job.client.request_json(self.method, values.path(self.path), stream=job.stream, params=params or None, **extra)
        return answer


@dataclass(frozen=True, kw_only=True)
class Prepare(JobRequest):
    """A request made before a job is created, whose answer names what the job runs from
    (Bid Manager's query, Campaign Manager 360's report definition)."""

    method: Literal["GET", "POST", "DELETE"] = "POST"
    #: Placeholder name -> where its value is in the answer (``{"query_id": "queryId"}``).
    keep: Mapping[str, str] = field(default_factory=dict)
    #: Removes what was prepared once the job's file is read (``DELETE queries/{query_id}``);
    #: a failure there is a warning, the data is loaded.
    cleanup: JobRequest | None = None

    def __call__(self, job: JobContext) -> dict[str, Any]:
        answer = self.send(job)
        kept = {name: get_path(answer, path) for name, path in self.keep.items()}
        if missing := [f"{name} ('{self.keep[name]}')" for name, value in kept.items() if value in (None, "")]:
            raise ResponseFormatError(f"{job.name}: the answer to {self.method} {self.path} names no {', '.join(missing)}",
                                      stream=job.stream)
        return kept

    def clean(self, job: JobContext, handle: Job) -> None:
        if self.cleanup is None:
            return
        try:
            self.cleanup.send(job, handle.id, handle.values)
        except SourceError as exc:
            log.warning("%s: could not remove what the job ran from (%s %s): %s", job.name, self.cleanup.method,
                        _Values(job.read, handle.id, handle.values).path(self.cleanup.path), exc)


@dataclass(frozen=True, kw_only=True)
class Create(JobRequest):
    """The request that starts a job."""

    method: Literal["GET", "POST", "DELETE"] = "POST"
    #: Where the job id is in the answer.
    job_id: str = "id"
    #: Where a list of user errors is that refuses the job (each a message or ``{"message": ...}``).
    refused: str | None = None
    #: A request made first, whose kept values the job's requests use (see `Prepare`).
    prepare: Prepare | None = None

    def __call__(self, job: JobContext) -> Job:
        kept = self.prepare(job) if self.prepare is not None else {}
        answer = self.send(job, kept=kept)
        errors = get_path(answer, self.refused) if self.refused else None
        if errors:
            lines = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
            raise ApiError(f"{job.name}: the job was refused: {'; '.join(lines)}", stream=job.stream)
        return Job(id=get_path(answer, self.job_id), answer=answer, values=kept)


@dataclass(frozen=True, kw_only=True)
class Poll(JobRequest):
    """The request that reads a job's state, and what the vendor's statuses mean."""

    #: Where the status is in the answer.
    status: str
    #: Vendor status -> RUNNING, DONE or FAILED.
    statuses: Mapping[str, JobStatus]
    #: Where the download URL is, once done.
    url: str | None = None
    #: Where the vendor's failure reason (or error code) is.
    error: str | None = None
    #: What a status missing from `statuses` means; None: the sync fails naming it.
    unknown: JobStatus | None = None
    #: Values of the answer the job's later requests use, ``{name: path}``: the file a done
    #: job names by an id of its own (Qualtrics' ``result.fileId``, its download path's ``{file_id}``).
    keep: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, job: JobContext, handle: Job) -> tuple[JobStatus, str]:
        answer = self.send(job, handle.id, handle.values)
        handle.polled = answer
        for name, path in self.keep.items():
            value = get_path(answer, path)
            if value not in (None, ""):
                handle.values = {**handle.values, name: value}
        vendor = get_path(answer, self.status)
        if vendor is None:
            raise ResponseFormatError(f"{job.name}: the answer to polling job {handle.id} has no status at '{self.status}'",
                                      stream=job.stream)
        handle.status = str(vendor)
        handle.url = get_path(answer, self.url) if self.url else None
        text = f"status {vendor}"
        reason = get_path(answer, self.error) if self.error else None
        if reason not in (None, ""):
            text += f", {self.error.rsplit('.', 1)[-1]} {reason}"  # type: ignore[union-attr]
        state = self.statuses.get(vendor, self.statuses.get(handle.status, self.unknown))  # 3 or "3"
        if state is None:
            raise ResponseFormatError(f"{job.name}: job {handle.id} has a status the declaration does not know: {vendor!r}",
                                      stream=job.stream)
        return state, text


@dataclass(frozen=True)
class Download:
    """Where a done job's file is, and how it is written."""

    format: FileFormat
    _: KW_ONLY
    #: A path of the API that returns the file (``reports/{job_id}/download``); default:
    #: the URL the poll answered with.
    path: str | None = None
    #: A done job without a URL: ``"error"``, or ``"empty"`` (the vendor's way of saying
    #: nothing matched: Shopify).
    no_url: Literal["error", "empty"] = "error"
    batch_rows: int = DEFAULT_BATCH_ROWS
    #: The result comes in sets, each answer naming the next in a response header
    #: (Salesforce's ``Sforce-Locator``): `locator.HeaderLocator`. Needs ``path``.
    pages: "HeaderLocator | None" = None
    #: Headers of a download from the API's ``path`` (``{"Accept": "text/csv"}``); a URL the poll
    #: answered with (a pre-signed link) gets none.
    headers: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, job: JobContext, handle: Job) -> Iterator[list[dict[str, Any]] | ColumnBatch]:
        url = _Values(job.read, handle.id, handle.values).path(self.path) if self.path else handle.url
        if not url:
            if self.no_url == "empty":
                return
            raise ResponseFormatError(f"{job.name}: job {handle.id} is done but its answer has no download URL", stream=job.stream)
        if self.pages is not None:
            yield from self.pages.sets(job.client, url, self.format, stream=job.stream, config=job.config,
                                       rows=self.batch_rows, headers=self.headers, name=job.name)
            return
        extra = {"headers": dict(self.headers)} if self.headers and self.path else {}
        with job.client.download_file(url, stream=job.stream, **extra) as file:
            reader = getattr(self.format, "column_batches", None) or self.format.batches
            yield from reader(file, self.batch_rows)


# -- the report ----------------------------------------------------------------------------


Batch = Any  # list[dict] | ColumnBatch | pa.Table


@dataclass(frozen=True, kw_only=True)
class AsyncReport:
    """An asynchronous report job, declared (see the module docstring)."""

    create: Create | Callable[[JobContext], Any]
    poll: Poll | Callable[[JobContext, Any], tuple[JobStatus, str]]
    download: Download | Callable[[JobContext, Any], Iterator[Batch]]
    #: How lines name one job: a text, or a function of the read (partition and window).
    name: str | Callable[[ReadContext], str] = "report"
    #: The job id in a handle the `create` function returned (declared: `Job.id`).
    job_id: Callable[[Any], Any] = field(default=lambda handle: handle.id if isinstance(handle, Job) else handle)
    #: Jobs in flight at once per API client (the vendor's limit); None: the client's
    #: ``report_jobs`` (`RateBudget.report_jobs`), else no limit.
    max_concurrent: int | str | None = None
    #: How long one job may run before it counts as failed (and is started again).
    deadline: Setting = timedelta(minutes=30)
    #: How many times a failed or late job is started before the sync fails.
    attempts: int | str = 2
    first_poll: Setting = 2.0
    max_poll: Setting = 60.0
    backoff: float = 1.5

    def describe(self, ctx: ReadContext) -> str:
        if callable(self.name):
            return self.name(ctx)
        where = ", ".join(f"{k}={v}" for k, v in ctx.partition.items())
        span = f"{_moment(ctx.window.start)}..{_moment(ctx.window.end)}" if ctx.window.start is not None else ""
        return " ".join(p for p in (self.name, where, span) if p)

    def run(self, ctx: ReadContext, stream: str) -> Iterator[Batch]:
        """Run the job for this partition and window, then yield its records in batches."""
        job = JobContext(ctx, stream, self.describe(ctx))
        sleep, clock = _timing(ctx.client)
        config = ctx.config
        flow = ReportJob(
            name=job.name,
            create=lambda: self.create(job),
            status=lambda handle: self.poll(job, handle),
            fetch=lambda handle: handle,
            deadline_seconds=_seconds(self.deadline, config),
            first_poll=_seconds(self.first_poll, config),
            max_poll=_seconds(self.max_poll, config),
            backoff=self.backoff,
            attempts=int(_seconds(self.attempts, config)),
            sleep=sleep,
            clock=clock,
            job_id=self.job_id,
        )
        try:
            limit = _setting(self.max_concurrent, config) or getattr(ctx.client, "report_jobs", None)
            with job_slot(ctx.client, int(limit) if limit else None, job.name):
                handle = flow.run()
            try:
                yield from self.download(job, handle)
            finally:
                prepare = getattr(self.create, "prepare", None)
                if prepare is not None and isinstance(handle, Job):
                    prepare.clean(job, handle)
        except SourceError as exc:
            raise exc.located(source=getattr(ctx.client, "source", None), stream=stream) from None


@dataclass(kw_only=True)
class AsyncReportStream(Stream):
    """A stream read as one asynchronous report job per partition and window."""

    report: AsyncReport

    kind: ClassVar[str] = "async_report"

    @property
    def window(self) -> "WindowParams | None":
        """Where the window goes in the declared creation request (what a fake reads back)."""
        return getattr(self.report.create, "window", None)

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        ctx = self.within_history(ctx)
        if ctx is None:
            return
        for batch in self.report.run(ctx, self.name):
            page = self.shape_batch(batch, ctx)
            if page is not None and len(page):
                yield page


@dataclass(kw_only=True)
class RestStreamWithJob(RestStream):
    """A REST stream whose long reads go through the vendor's bulk job instead of its pages.

    An incremental run asks for the last hours of changes: the REST pages answer at once.
    A backfill (a first run, a reset, a long pause) asks for years of them, which the
    vendor's bulk or export job serves in far fewer requests (Salesforce's Bulk API 2.0
    query jobs beside its REST ``queryAll``), read from files in bounded batches.
    ``use_job(ctx)`` says which read this is (a function of the read: its window, config);
    ``job_record(record)`` turns one record of the job's file (CSV text) into the record as
    the REST answer holds it, so that the one `Records` declaration shapes both and a row
    read either way is the same row. Primary key, cursor and deletions are the stream's, so
    the two reads share its state. The generated fake serves both (`sandbox.generated_jobs`).
    """

    report: AsyncReport
    use_job: Callable[[ReadContext], bool]
    job_record: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        if not self.use_job(ctx):
            yield from super().read(ctx)
            return
        within = self.within_history(ctx)
        if within is None:
            return
        for batch in self.report.run(within, self.name):
            raw = batch.rows() if isinstance(batch, ColumnBatch) else batch
            if self.job_record is not None:
                raw = [self.job_record(record) for record in raw]
            page = self.shape(raw, within)
            if page is not None and len(page):
                yield page


# -- one budget of jobs per client ---------------------------------------------------------------

#: Seconds between checks for a stop request while waiting for a job slot.
SLOT_CHECK_SECONDS = 0.5

_slots: "weakref.WeakKeyDictionary[Any, tuple[threading.BoundedSemaphore, int]]" = weakref.WeakKeyDictionary()
_slots_lock = threading.Lock()


@contextmanager
def job_slot(client: Any, limit: int | None, name: str = "report job") -> Iterator[None]:
    """Hold one of `limit` job slots of this client while the body runs (no limit: no wait).

    The budget belongs to the client: the first declared limit sets it for every stream
    that shares the client. The wait ends at once when the run is asked to stop or passes
    its deadline.
    """
    if not limit:
        yield
        return
    with _slots_lock:
        slots = _slots.get(client)
        if slots is None:
            slots = _slots[client] = (threading.BoundedSemaphore(limit), limit)
    semaphore, size = slots
    announced = False
    while not semaphore.acquire(timeout=SLOT_CHECK_SECONDS):
        if not announced:
            log.info("%s: waiting for one of the %d report job slots", name, size)
            announced = True
        interrupt.check()
        check_run_deadline()
    try:
        yield
    finally:
        semaphore.release()


# -- helpers ---------------------------------------------------------------------------------


class _Values:
    """Placeholder values of one request: the job id, the partition, then config."""

    def __init__(self, ctx: ReadContext, job_id: Any, kept: Mapping[str, Any] | None = None) -> None:
        self.ctx, self.job_id, self.kept = ctx, job_id, kept or {}

    def get(self, name: str) -> Any:
        if name == "job_id" and self.job_id is not None:
            return self.job_id
        if name in self.kept:
            return self.kept[name]
        if name in self.ctx.partition:
            return self.ctx.partition[name]
        return getattr(self.ctx.config, name, None)

    def path(self, template: str) -> str:
        import string

        names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        values = {name: self.get(name) for name in names}
        missing = [name for name, value in values.items() if value is None]
        if missing:
            raise KeyError(f"path {template} needs {', '.join(missing)}")
        return template.format(**{k: str(v) for k, v in values.items()})


def _fill(value: Any, values: _Values) -> Any:
    """``{name}`` placeholders replaced (a whole ``"{name}"`` keeping the value's type), in nested dicts and lists too."""
    from . import placeholders

    return placeholders.fill(value, values.get)


def _resolve_mapping(value: Any, ctx: ReadContext) -> dict[str, Any]:
    import copy

    resolved = value(ctx) if callable(value) else value
    return copy.deepcopy(dict(resolved or {}))


def _setting(value: Setting, config: Any) -> Any:
    if isinstance(value, str):
        return getattr(config, value)
    return value(config) if callable(value) else value


def _seconds(value: Setting, config: Any) -> float:
    value = _setting(value, config)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


def _moment(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value.utcoffset() in (None, timedelta(0)) else value.isoformat()
    return str(value)


def _timing(client: Any) -> tuple[Callable[[float], None], Callable[[], float]]:
    """The client's sleep and clock where it has them (a test's fake clock), else interruptible real
    ones (a test's virtual clock inside `ratelimit.virtual_pace`: polls keep their schedule, unwaited)."""
    from .ratelimit import current_virtual_clock

    sleep = getattr(client, "sleep", None)
    clock = getattr(client, "clock", None)
    if callable(sleep) and callable(clock):
        return sleep, clock
    virtual = current_virtual_clock()
    if virtual is not None:
        return virtual.sleep, virtual.clock
    return (sleep if callable(sleep) else interrupt.sleep), (clock if callable(clock) else time.monotonic)


__all__ = [
    "AsyncReport", "AsyncReportStream", "Create", "Download", "Job", "JobContext", "JobRequest", "Poll", "Prepare", "RestStreamWithJob",
    "RUNNING", "DONE", "FAILED", "job_slot",
]
