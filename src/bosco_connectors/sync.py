"""Run one (tenant, source) sync into a destination, and report what happened.

One dlt pipeline per tenant and source (``bosco__<tenant>__<source>``) keeps each
tenant's cursors apart, while all of them load into one RAW dataset whose tables
carry ``tenant_id`` in every key. The phases run separately so that the load, the
only phase that writes to the destination, can be serialised for DuckDB's single
writer while extraction runs concurrently.

Crash safety comes from dlt: state (cursors) is committed in the same load package
as the data it describes. A package left behind by a killed run is finished first if
its load never began; one whose load began (or that cannot be finished) is dropped,
which is safe because its cursors were never committed either, so its data is simply
read again (see `finish_pending` for why a begun load is not resumed).
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .destinations.duckdb import load_within_memory
from .framework import hooks, interrupt, progress
from .framework.errors import BoscoError, ConfigError, ContractError, SourceError
from .framework.extras import check_extras
from .framework.heap import release_freed
from .framework.redaction import one_line, redact
from .framework.registry import get_connector
from .framework.tenants import check_tenant_id

if TYPE_CHECKING:
    from .framework.connector import Connector

log = logging.getLogger("bosco_connectors.sync")

DEFAULT_DATASET = "raw"


@dataclass
class SyncJob:
    """One tenant's use of one source."""

    tenant_id: str
    source: str
    config: Mapping[str, Any]
    streams: list[str] | None = None


@dataclass
class SyncResult:
    tenant_id: str
    source: str
    ok: bool
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    requests: int = 0
    retries: int = 0
    stream: str | None = None
    error: str | None = None
    exit_code: int = 0
    #: Stopped by SIGINT/SIGTERM before it finished (see cli/signals.py); not a failure.
    interrupted: bool = False
    #: The class of the failure behind `error` (an `AuthError` needs a new credential, a
    #: `RetryableApiError` may pass on the next run); None when the sync succeeded.
    error_type: type[BaseException] | None = None
    #: Partitions the vendor refused and the sync skipped (an account the credential may
    #: not read): the others loaded, and the sync is partial.
    skipped: list[str] = field(default_factory=list)

    @property
    def failure_line(self) -> str:
        return f"FAILED tenant={self.tenant_id} source={self.source} stream={self.stream or '-'}: {self.error}"

    @property
    def partial_lines(self) -> list[str]:
        return [f"PARTIAL tenant={self.tenant_id} source={self.source}: {line}" for line in self.skipped]

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_id,
            "source": self.source,
            "ok": self.ok,
            "rows": self.rows,
            "total_rows": sum(self.rows.values()),
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "retries": self.retries,
            "stream": self.stream,
            "error": self.error,
            "interrupted": self.interrupted,
            "skipped": list(self.skipped),
        }


def pipeline_name(tenant_id: str, source: str) -> str:
    return f"bosco__{tenant_id}__{source}"


def make_pipeline(tenant_id: str, source: str, destination: Any, *, pipelines_dir: Path, dataset: str = DEFAULT_DATASET) -> Any:
    import dlt

    return dlt.pipeline(
        pipeline_name=pipeline_name(tenant_id, source),
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=str(pipelines_dir),
    )


def build_source(connector: Any, config: Mapping[str, Any], *, tenant_id: str, streams: list[str] | None = None,
                 backfill_start: date | None = None) -> tuple[Any, Any]:
    """A dlt source for a connector (what its module's function returns) and its API client."""
    import dlt

    validated = connector.validate(config)
    client = connector.client(validated)
    resources = connector.resources(validated, tenant_id=tenant_id, streams=streams, backfill_start=backfill_start, client=client)

    def _source() -> Any:
        return resources

    source = dlt.source(_source, name=connector.name)()
    for resource in source.resources.values():
        resource.add_map(_stop_point)  # a run asked to stop ends at the next page, on any thread
    return source, client


def _stop_point(item: Any) -> Any:
    interrupt.check()
    return item


def run_sync(
    job: SyncJob,
    *,
    destination: Any,
    pipelines_dir: Path,
    dataset: str = DEFAULT_DATASET,
    full_refresh: bool = False,
    backfill_start: date | None = None,
    load_lock: AbstractContextManager[Any] | None = None,
    on_event: Callable[[str], None] | None = None,
    connector: "Connector | None" = None,
    extract_turn: Callable[[Any], AbstractContextManager[Any]] | None = None,
) -> SyncResult:
    """Extract, normalize and load one job; never raises for a sync failure.

    `load_lock` is held around each step that writes to the destination. When the run
    is asked to stop (`framework.interrupt`), the sync ends between steps or at the next
    page, and the result says ``interrupted``; a load that has begun is left to finish
    (the CLI's `load_lock` defers the stop until it has). What it extracted is loaded or
    read again by the next run, as after a crash.

    `connector` runs that object instead of the source registered as ``job.source`` (a
    source under test; the conformance kit's checks of deliberately broken variants).

    `extract_turn(client)` is held around the extract step, the only one that calls the
    API: the Prefect flow takes the sync's share of an app-wide vendor budget there
    (and narrows the client's limiter to it), so normalize and load hold none of it.
    """
    started = time.monotonic()
    result = SyncResult(job.tenant_id, job.source, ok=False)
    say = on_event or (lambda message: None)
    client = None
    try:
        check_tenant_id(job.tenant_id)
        if connector is None:
            connector = get_connector(job.source)
        elif connector.name != job.source:
            raise ConfigError(f"the connector given is '{connector.name}', the job's source is '{job.source}'")
        check_extras(connector)
        connector.validate(job.config)
        pipeline = make_pipeline(job.tenant_id, job.source, destination, pipelines_dir=pipelines_dir, dataset=dataset)
        with load_lock or nullcontext():
            finish_pending(pipeline, say, lambda: hooks.phase_started(job.tenant_id, job.source, "recover"))
            if full_refresh:
                reset_state(pipeline, connector.name, job.streams)
        interrupt.check()
        source, client = build_source(connector, job.config, tenant_id=job.tenant_id, streams=job.streams, backfill_start=backfill_start)
        say(f"{job.tenant_id}/{job.source}: extracting")
        hooks.phase_started(job.tenant_id, job.source, "extract")
        with extract_turn(client) if extract_turn else nullcontext():
            pipeline.extract(source)
        release_freed()  # what extraction freed, before normalize and DuckDB's load allocate (`heap`)
        interrupt.check()
        say(f"{job.tenant_id}/{job.source}: normalizing")
        hooks.phase_started(job.tenant_id, job.source, "normalize")
        # The counts come from this step's own answer, not from the trace in the pipeline
        # folder, which another process may have rewritten in the meantime.
        normalized = pipeline.normalize()
        interrupt.check()  # a load, once begun, runs to its end (see cli/signals.py)
        with load_lock or nullcontext():
            say(f"{job.tenant_id}/{job.source}: loading")
            hooks.phase_started(job.tenant_id, job.source, "load")
            # the file kept open (dlt opens it thrice a load), more memory where DuckDB ran out of ours
            load_within_memory(pipeline, destination, warn=lambda line: say(f"{job.tenant_id}/{job.source}: {line}"))
        counts = normalized.row_counts if normalized is not None else {}
        result.rows = {t: n for t, n in counts.items() if not t.startswith("_dlt")}
        result.ok = True
    except BoscoError as exc:
        _fail(result, exc)
    except Exception as exc:  # noqa: BLE001 - dlt wraps our errors; unwrap for one clear line
        _fail(result, _unwrap(exc))
    except interrupt.Interrupted:
        result.interrupted, result.error = True, "interrupted"
    finally:
        progress.forget(job.tenant_id, job.source)
        result.seconds = time.monotonic() - started
        if client is not None:
            result.requests, result.retries = client.stats.requests, client.stats.retries
            result.skipped = list(getattr(client.stats, "skipped", []))
    return result


def finish_pending(pipeline: Any, say: Callable[[str], None], recovering: Callable[[], None] = lambda: None) -> None:
    """Load what a crashed run left behind, or drop it if it cannot be loaded.

    Without this, dlt keeps a failed package pending and later runs silently skip
    their new data (DESIGN.md pitfalls).

    A package whose load had begun is dropped, not resumed: a job the killed run had
    committed but not yet marked done runs again on resume, its rows reach the staging
    table twice, and dlt's merge of a table with nested tables (deduplicated on
    ``_dlt_id``) then inserts duplicate keys. Dropping restores the cursors the
    package started from, so the next extraction reads its data again and the merge
    (delete-insert on the keys) makes the tables exact.
    """
    _complete_half_made_storages(pipeline)
    _remove_unrenamed_schema_writes(pipeline)
    # Not `has_pending_data`: it hides a package whose abort a kill interrupted, and the
    # load after our extract would then finish that abort, deleting our new package with it.
    if not (pipeline.list_extracted_load_packages() or pipeline.list_normalized_load_packages()):
        _finish_interrupted_abort(pipeline)
        return
    if _load_began(pipeline):
        say(f"{pipeline.pipeline_name}: dropping a load an earlier run left half done; its data is read again")
        recovering()
        pipeline.abort_packages()
        return
    say(f"{pipeline.pipeline_name}: finishing a load left by an earlier run")
    recovering()
    try:
        pipeline.normalize()
        pipeline.load()  # also completes an abort that was requested but not carried out
    except Exception as exc:  # noqa: BLE001
        log.warning("%s: dropping an unloadable package from an earlier run: %s", pipeline.pipeline_name, redact(str(_unwrap(exc))))
        pipeline.abort_packages()


def _complete_half_made_storages(pipeline: Any) -> None:
    """Create the folders of a load or normalize storage that a kill left without them.

    dlt makes a storage's own folder first, then its ``.version``, then its folders
    (``new``, ``normalized``, ``loaded``; ``extracted``), and a storage whose own folder
    exists counts as ready (a reader even writes the missing ``.version``): killed
    before the last step, every later run fails listing ``load/normalized``. The
    folders are empty when made, so making them is all that was left to do.
    """
    from dlt.common.storages import LoadStorage, NormalizeStorage

    root = Path(pipeline.working_dir)
    storages = {
        "load": (LoadStorage.NEW_PACKAGES_FOLDER, LoadStorage.NORMALIZED_FOLDER, LoadStorage.LOADED_FOLDER),
        "normalize": (NormalizeStorage.EXTRACTED_FOLDER,),
    }
    for storage, folders in storages.items():
        if (root / storage).is_dir():
            for folder in folders:
                (root / storage / folder).mkdir(exist_ok=True)


def _remove_unrenamed_schema_writes(pipeline: Any) -> None:
    """Delete the temporary files of schema writes a kill cut between write and rename.

    dlt saves a schema atomically: it writes ``schemas/<16 hex digits>`` and renames it to
    ``<name>.schema.json``. A file left under its temporary name is read as a schema named
    by those digits, whose ``.schema.json`` does not exist, and the next abort's state restore
    (which empties the folder first) fails on it with ``FileNotFoundError``: every later run
    fails (``tests/reliability/test_crashes.py``, seed 3). The file holds a copy of a schema
    that was never installed; the installed ones keep their names.
    """
    folder = Path(pipeline.working_dir) / "schemas"
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and "." not in path.name:  # every name dlt gives a schema has a suffix
            path.unlink(missing_ok=True)


def _finish_interrupted_abort(pipeline: Any) -> None:
    """Redo the state restore of the newest package if it was aborted (idempotent).

    dlt archives an aborted package first and rewinds the local state to the package's
    snapshot afterwards; a run killed in between leaves the cursors of data that was
    never loaded, with nothing pending to tell. When nothing is pending and the newest
    archived package is an aborted one, the local state must be that package's snapshot,
    so restoring it again is a no-op if the abort finished and the repair if it did not.
    """
    archived = pipeline.list_completed_load_packages()
    if not archived:
        return
    newest = max(archived)
    if pipeline.get_load_package_info(newest).state == "aborted":
        pipeline._cleanup_aborted_package(newest)  # dlt 1.31's own post-abort cleanup and restore


def _load_began(pipeline: Any) -> bool:
    """True if a pending package has a job that was started (or finished) by a load."""
    for load_id in pipeline.list_normalized_load_packages():
        jobs = pipeline.get_load_package_info(load_id).jobs
        if any(jobs.get(state) for state in ("started_jobs", "completed_jobs", "failed_jobs")):
            return True
    return False


def reset_state(pipeline: Any, source: str, streams: list[str] | None = None) -> bool:
    """Forget saved cursors (all streams, or the given ones) without touching any table.

    Tables are shared by tenants, so a dlt refresh that drops or truncates tables is
    never used; re-read rows are merged on their keys instead.
    """
    from dlt.pipeline.helpers import pipeline_drop

    try:
        pipeline.sync_destination()
    except Exception:  # noqa: BLE001 - a destination that was never written has nothing to sync
        pass
    if not pipeline.default_schema_name:
        return False
    names = streams or list(pipeline.state.get("sources", {}).get(source, {}).get("resources", {}))
    if not names:
        return False
    dropper = pipeline_drop(pipeline, resources=names, state_only=True)
    if dropper.is_empty:
        return False
    dropper()
    return True


def read_state(pipeline: Any, source: str) -> dict[str, Any]:
    """Saved cursors per stream: ``{stream: {cursor_field: last_value}}``.

    Syncs the pipeline folder from the destination first, so it writes there: a command
    that only looks must use `stored_cursors` instead.
    """
    try:
        pipeline.sync_destination()
    except Exception:  # noqa: BLE001
        pass
    return _cursors_in(pipeline.state, source)


def stored_cursors(destination: Any, tenant_id: str, source: str, *, dataset: str = DEFAULT_DATASET) -> dict[str, Any]:
    """The cursors committed in the destination (as `read_state` gives them), read only.

    Nothing local is touched: the pipeline that asks lives in a scratch folder, so a run
    working in the real pipeline folder at the same time is not disturbed. A destination
    that was never loaded has nothing saved.
    """
    import tempfile

    from dlt.common.destination.exceptions import DestinationUndefinedEntity
    from dlt.common.versioned_state import decompress_state

    with tempfile.TemporaryDirectory(prefix="bosco-state-") as scratch:
        pipeline = make_pipeline(tenant_id, source, destination, pipelines_dir=Path(scratch), dataset=dataset)
        try:
            with pipeline.destination_client() as client:
                stored = client.get_stored_state(pipeline.pipeline_name)
        except DestinationUndefinedEntity:  # no dlt tables yet
            stored = None
    return _cursors_in(decompress_state(stored.state) if stored else {}, source)


def _cursors_in(state: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Per stream: its cursors (``{field: {last_value, start_value}}``) and, under
    `READ_AT`, when its last loaded read began (full-refresh streams too)."""
    from .framework.resources import READ_AT

    resources = state.get("sources", {}).get(source, {}).get("resources", {})
    out: dict[str, Any] = {}
    for name, resource_state in resources.items():
        for cursor, inc in (resource_state.get("incremental") or {}).items():
            out.setdefault(name, {})[cursor] = {
                "last_value": _jsonable(inc.get("last_value")),
                "start_value": _jsonable(inc.get("start_value")),
            }
        if resource_state.get(READ_AT):
            out.setdefault(name, {})[READ_AT] = resource_state[READ_AT]
    return out


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _unwrap(exc: BaseException) -> BaseException:
    """Find our own error inside dlt's PipelineStepFailed / ResourceExtractionError chain.

    A schema-contract violation (dlt's DataValidationError) becomes a `ContractError`, and
    any other failure inside a resource names that stream: a bare "PipelineStepFailed"
    line would tell the operator neither which stream nor what went wrong.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    stream: str | None = None
    innermost = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, BoscoError):
            return current
        stream = stream or getattr(current, "pipe_name", None)  # dlt's ResourceExtractionError
        if hasattr(current, "schema_entity") and hasattr(current, "contract_mode"):  # dlt's DataValidationError
            return ContractError(_contract_violation(current), stream=stream or getattr(current, "table_name", None))
        innermost = current
        nxt = getattr(current, "exception", None)
        current = nxt if isinstance(nxt, BaseException) else (current.__cause__ or current.__context__)
    if innermost is exc:
        return exc
    text = str(innermost).strip().splitlines()[0] if str(innermost).strip() else ""
    cause = f"{type(innermost).__name__}: {text}".rstrip(": ")
    if stream:
        return SourceError(cause, stream=stream)
    step = getattr(exc, "step", None)  # dlt's PipelineStepFailed names the step; its own line ends at "exception:"
    return BoscoError(f"the {step} step failed: {cause}" if step else cause)


def _contract_violation(error: BaseException) -> str:
    """`field 'spend': <what is wrong> (schema contract: data_type is freeze)`, from dlt's error."""
    column = str(getattr(error, "column_name", "") or "")
    names = re.findall(r"'([^']*)'", column)
    field = names[-1] if names else column
    detail = str(error).split("is violated.", 1)[-1].strip() or "does not match the contract"
    policy = f"{getattr(error, 'schema_entity', '?')} is {getattr(error, 'contract_mode', '?')}"
    where = f"field '{field}': " if field else ""
    return f"schema contract violated: {where}{detail} (schema contract: {policy})"


def _fail(result: SyncResult, exc: BaseException) -> None:
    result.ok = False
    result.error_type = type(exc)
    result.exit_code = getattr(exc, "exit_code", 1)
    if isinstance(exc, SourceError):
        result.stream = exc.stream
        error = exc.reason + (f" [{exc.request}]" if exc.request else "")
    elif isinstance(exc, ConfigError):
        error = str(exc).removeprefix(f"{result.source}: ")
    elif isinstance(exc, BoscoError):
        error = str(exc)
    else:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        error = f"{type(exc).__name__}: {text}"
    result.error = one_line(redact(error), limit=1000)  # one line per failure, whatever the vendor said
    log.debug("sync failed", exc_info=exc)
