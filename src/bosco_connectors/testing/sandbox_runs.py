"""A source against its fake API, each sync the kit needs run once: what its checks look at.

`Sandbox` starts the fake API and runs, on first use only:

- ``first``: a full sync into DuckDB (in memory), with a config that turns every optional stream on;
- ``second``: the same sync again, incremental from the cursors the first one saved;
- ``canary``: a sync whose credentials are wrong (`CANARY`).

Each `Run` keeps the sync's result, what each stream was asked to read and the requests
it sent (`framework.hooks`), every log line (DEBUG and up), and the row count of every
table afterwards. The kit's checks share one `Sandbox` per source (a class-scoped
fixture), so a source costs two full syncs and one that fails at its first request.

The syncs skip the source's own waits (rate spacing, back-off) when its client factory
takes ``sleep`` (every declared source's does): a fake API on loopback needs no pacing.
"""

from __future__ import annotations

import copy
import inspect
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..framework import hooks
from ..framework.connector import Connector
from ..framework.spec import Stream
from ..sandbox.server import FakeApi, VendorApp
from ..sync import SyncJob, SyncResult, run_sync, stored_cursors

#: A credential no fake accepts; it must appear in no output.
CANARY = "canary-SECRET-7f3a9c2e5b1d"
TENANT = "conformance"
DATASET = "raw"


@dataclass
class Run:
    """One sync and everything the kit looks at afterwards."""

    result: SyncResult
    reads: list[hooks.ReadStarted] = field(default_factory=list)
    requests: list[hooks.RequestSent] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    #: After the sync, per data table of the destination (child tables included): its rows,
    #: its columns, and its rows without a tenant_id.
    tables: dict[str, int] = field(default_factory=dict)
    columns: dict[str, set[str]] = field(default_factory=dict)
    without_tenant: dict[str, int] = field(default_factory=dict)
    #: Per stream: how many primary keys (tenant_id included) more than one row holds.
    duplicate_keys: dict[str, int] = field(default_factory=dict)
    #: Per data table: the file formats dlt loaded it from (merge SQL jobs aside).
    formats: dict[str, set[str]] = field(default_factory=dict)

    def reads_of(self, stream: str) -> list[hooks.ReadStarted]:
        return [r for r in self.reads if r.stream == stream]

    def requests_of(self, stream: str) -> list[hooks.RequestSent]:
        return [r for r in self.requests if r.stream == stream]


class Sandbox:
    """The source's syncs against its fake API (see the module docstring)."""

    def __init__(self, connector: Connector, app: VendorApp, folder: Path, documented: Mapping[str, Any] | None = None) -> None:
        from ..sandbox import sandbox_config

        from ..sandbox.generated import GeneratedApp

        self.connector = connector
        self.folder = folder
        #: The fake answers a wrong credential with the documented auth-error body (a generated fake does).
        self.serves_documented_errors = isinstance(app, GeneratedApp)
        self.api = FakeApi([app]).start()
        try:
            base = sandbox_config(self.api, connector)
        except BaseException:
            self.api.stop()
            raise
        self.config = with_every_stream_on(connector, base, documented or {})
        self.streams: list[Stream] = connector.active_streams(connector.validate(self.config))
        self._fast = without_waits(connector)
        self._db: Any = None

    def close(self) -> None:
        self.api.stop()
        if self._db is not None:
            self._db.close()

    def destination(self) -> Any:
        """The syncs' DuckDB, in memory: no file to write, sync to disk and open again per query."""
        import dlt
        import duckdb

        if self._db is None:
            self._db = duckdb.connect(":memory:")
        return dlt.destinations.duckdb(self._db)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def first(self) -> Run:
        return self._sync(self.config)

    @cached_property
    def saved(self) -> dict[str, Any]:
        """The cursors the first run committed: ``{stream: {field: {"last_value": ...}}}``."""
        self.first  # noqa: B018 - runs it
        return stored_cursors(self.destination(), TENANT, self.connector.name, dataset=DATASET)

    @cached_property
    def second(self) -> Run:
        self.saved  # noqa: B018 - the first run, and its cursors, come first
        return self._sync(self.config)

    @cached_property
    def canary(self) -> Run:
        canaried = {k: (CANARY if is_secret(self.connector, k) else v) for k, v in self.config.items()}
        return self._sync(canaried, tenant="canary")

    def secrets(self) -> dict[str, str]:
        """The secret config values this sandbox used, by field name (the canary included)."""
        found = {k: str(v) for k, v in self.config.items() if is_secret(self.connector, k)}
        return {**found, "canary credential": CANARY}

    @cached_property
    def state_text(self) -> str:
        """Everything dlt stored as pipeline state in the destination, decompressed."""
        import base64
        import zlib

        if self._db is None or not self.first.result.ok:
            return ""
        with self._cursor() as con:
            rows = con.execute(f"SELECT state FROM {DATASET}._dlt_pipeline_state").fetchall()
        texts = []
        for (blob,) in rows:
            try:
                texts.append(zlib.decompress(base64.b64decode(blob)).decode())
            except Exception:  # noqa: BLE001 - uncompressed state is kept as is
                texts.append(str(blob))
        return "\n".join(texts)


    def _sync(self, config: Mapping[str, Any], tenant: str = TENANT) -> Run:
        run = Run(SyncResult(tenant, self.connector.name, ok=False))
        with hooks.on_read(run.reads.append), hooks.on_request(run.requests.append), captured_logs(run.logs):
            run.result = run_sync(
                SyncJob(tenant, self.connector.name, dict(config)),
                destination=self.destination(),
                pipelines_dir=self.folder / "pipelines", dataset=DATASET, connector=self._fast,
            )
        if run.result.ok:
            self._inspect(run)
            run.formats = load_formats(self.folder / "pipelines")
        return run

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        cursor = self._db.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def _inspect(self, run: Run) -> None:
        """What the checks ask of the destination, once per run."""
        with self._cursor() as con:
            def one(sql: str) -> Any:
                return con.execute(sql).fetchall()[0][0]

            for table, column in con.execute(
                f"SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = '{DATASET}' "
                "AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\'"
            ).fetchall():
                run.columns.setdefault(table, set()).add(column)
            for table, columns in run.columns.items():
                run.tables[table] = one(f'SELECT count(*) FROM {DATASET}."{table}"')
                if "tenant_id" in columns:
                    run.without_tenant[table] = one(f'SELECT count(*) FROM {DATASET}."{table}" WHERE tenant_id IS NULL')
            for stream in self.streams:
                table = self.connector.table_name(stream)
                if table in run.tables:
                    keys = ", ".join(f'"{k}"' for k in ("tenant_id", *stream.primary_key))
                    run.duplicate_keys[stream.name] = one(
                        f'SELECT count(*) FROM (SELECT {keys} FROM {DATASET}."{table}" GROUP BY {keys} HAVING count(*) > 1)')


def with_every_stream_on(connector: Connector, config: Mapping[str, Any], documented: Mapping[str, Any]) -> dict[str, Any]:
    """`config`, plus each option of the documented config that turns on more streams.

    The documented fixtures' config turns every optional stream on (a custom report, a
    stream behind a flag); the options that make a difference are found by trying them.
    """
    fields = connector.config_model.model_fields
    chosen = dict(config)
    names = _stream_names(connector, chosen)
    for name, value in documented.items():
        if name in chosen or name not in fields or is_secret(connector, name):
            continue
        trial = {**chosen, name: value}
        try:
            more = _stream_names(connector, trial)
        except Exception:  # noqa: BLE001 - an option that does not fit the sandbox config is not one we need
            continue
        if more > names:
            chosen, names = trial, more
    return chosen


def _stream_names(connector: Connector, config: Mapping[str, Any]) -> set[str]:
    return {s.name for s in connector.active_streams(connector.validate(config))}


def is_secret(connector: Connector, name: str) -> bool:
    info = connector.config_model.model_fields.get(name)
    return info is not None and "SecretStr" in str(info.annotation)


def without_waits(connector: Connector) -> Connector:
    """The connector whose clients do not sleep (rate spacing, back-off), if its factory allows."""
    try:
        takes_sleep = "sleep" in inspect.signature(connector.client_factory).parameters
    except (TypeError, ValueError):
        takes_sleep = False
    if not takes_sleep:
        return connector
    fast = copy.copy(connector)  # the same declarations (and `api`), another client factory
    fast.client_factory = partial(connector.client_factory, sleep=_no_wait)
    return fast


def _no_wait(seconds: float) -> None:
    return None


@contextmanager
def captured_logs(lines: list[str]) -> Iterator[None]:
    """Every log line from DEBUG up, in `lines` (rendered as handlers would, tracebacks too)."""

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    root = logging.getLogger()
    handler = Collect(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level = root.level
    # First: a handler's filter may rewrite the record in place (the CLI's redacting one),
    # and the kit must see what the source logged, not what a net caught afterwards.
    root.handlers.insert(0, handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)




__all__ = ["CANARY", "Run", "Sandbox", "captured_logs", "is_secret", "with_every_stream_on", "without_waits"]


def load_formats(pipelines: Path) -> dict[str, set[str]]:
    """File formats each data table was loaded from so far (merge SQL jobs and dlt's own tables aside).

    dlt names a load job ``<table>.<file id>.<retry>.<format>[.gz]``.
    """
    formats: dict[str, set[str]] = {}
    for job in pipelines.rglob("completed_jobs/*"):
        parts = job.name.split(".")
        if len(parts) >= 4 and not parts[0].startswith("_dlt") and parts[3] != "sql":
            formats.setdefault(parts[0], set()).add(parts[3])
    return formats
