"""Shared tools of the reliability suites: fast clients, table snapshots, saved state, projects.

Expected values never come from the code under test: a faulted or crashed sync is
compared with a clean sync of the same fake world, whole tables row for row, and
saved cursors are read straight from DuckDB and the pipeline folder (never through
``sync.read_state``, which would first sync the local state from the destination).
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import duckdb
from pydantic import SecretStr

from bosco_connectors.framework import RetryPolicy
from bosco_connectors.framework.connector import Connector
from bosco_connectors.framework.registry import all_connectors
from bosco_connectors.framework.spec import Cursor
from bosco_connectors.sync import SyncJob, SyncResult, run_sync

#: Every world of these suites ends on a fixed day, so runs are reproducible on any date.
END = date(2026, 11, 20)
WORLD: dict[str, Any] = {"size": "tiny", "end_date": END}
DATASET = "raw"
REPO = Path(__file__).resolve().parents[2]

#: Columns dlt adds that differ between two loads of the same data.
VOLATILE = {"_dlt_load_id", "_dlt_id", "_dlt_parent_id", "_dlt_root_id"}


def sandboxed() -> list[Connector]:
    """Every registered source that ships a fake API (the generic suites run over these)."""
    return [c for c in all_connectors() if c.sandbox]


def sandboxed_names() -> list[str]:
    return [c.name for c in sandboxed()]


#: One source of each transport and declaration kind: own clients (gRPC Google Ads, Meta's SDK,
#: Shopify's GraphQL and bulk files, GA4's codec), the flagship REST reports (TikTok), and the
#: declared kinds (Stripe's cursors, HubSpot's POST searches, CM360's async report files,
#: Klaviyo's JSON:API). A per-source matrix that tests the shared HTTP client rather than a
#: source's own declarations runs over these by default and over every source with ``-m slow``.
REPRESENTATIVE = ("tiktok_ads", "google_ads", "facebook_ads", "ga4", "shopify", "stripe", "hubspot", "cm360", "klaviyo")


def client_matrix() -> list[Any]:
    """Every sandboxed source as a parameter, the non-representative ones marked slow."""
    import pytest

    return [pytest.param(name, marks=() if name in REPRESENTATIVE else pytest.mark.slow) for name in sandboxed_names()]


# -- fast clients ------------------------------------------------------------------------


def capped_sleep(limit: float) -> Callable[[float], None]:
    """Sleep, but never longer than `limit`: Retry-After and backoff are honoured in order, not length."""
    return lambda seconds: time.sleep(min(max(seconds, 0.0), limit))


def fast_factory(original: Callable[..., Any], *, attempts: int, timeout: float, max_sleep: float = 0.02) -> Callable[[Any], Any]:
    """Wrap a source's client factory: its own client, with a quick retry policy and a short timeout.

    Factories take ``retry=`` and ``sleep=`` keywords (the tiktok_ads tests swap in a
    no-sleep client the same way); the timeout is set on the built client.
    """
    params = inspect.signature(original).parameters
    kwargs: dict[str, Any] = {}
    if "retry" in params:
        kwargs["retry"] = RetryPolicy(max_attempts=attempts, initial_wait=0.01, max_wait=0.02, jitter=0.0, max_retry_after=5.0)
    if "sleep" in params:
        kwargs["sleep"] = capped_sleep(max_sleep)

    def make(config: Any) -> Any:
        client = original(config, **kwargs)
        client.timeout = timeout  # ApiClient.timeout is a property; MetaClient reads it when it builds its session
        return client

    make.__wrapped__ = original  # type: ignore[attr-defined]
    return make


# -- tables ------------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def data_tables(con: duckdb.DuckDBPyConnection, prefixes: Iterable[str] | None = None) -> list[str]:
    names = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name", [DATASET]
    ).fetchall()]
    names = [n for n in names if not n.startswith("_dlt")]
    if prefixes is not None:
        names = [n for n in names if any(n.startswith(p + "_") for p in prefixes)]
    return names


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    cur = con.execute(f'select * from {DATASET}."{table}"')
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def snapshot(db: Path, prefixes: Iterable[str] | None = None, tenant: str | None = None) -> dict[str, Counter]:
    """Every data table as a multiset of rows, dlt's load/row ids left out.

    A child table's row carries its parent's row instead of ``_dlt_parent_id``, so a
    line item still says which order it belongs to.
    """
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = data_tables(con, prefixes)
        raw = {t: _rows(con, t) for t in tables}
    finally:
        con.close()
    by_id = {t: {r["_dlt_id"]: r for r in rows if "_dlt_id" in r} for t, rows in raw.items()}

    def canonical(table: str, row: dict[str, Any]) -> tuple:
        items = [(k, _norm(v)) for k, v in row.items() if k not in VOLATILE]
        parent_table = table.rsplit("__", 1)[0] if "__" in table else None
        if parent_table and row.get("_dlt_parent_id") is not None:
            parent = by_id.get(parent_table, {}).get(row["_dlt_parent_id"])
            items.append(("<parent>", canonical(parent_table, parent) if parent else "<missing parent>"))
        return tuple(sorted(items, key=lambda kv: kv[0]))

    out: dict[str, Counter] = {}
    for table, rows in raw.items():
        selected = [r for r in rows if tenant is None or _tenant_of(table, r, by_id) == tenant]
        out[table] = Counter(canonical(table, r) for r in selected)
    return {t: c for t, c in out.items() if c}


def _tenant_of(table: str, row: dict[str, Any], by_id: dict[str, dict[str, dict]]) -> str | None:
    while "tenant_id" not in row:
        parent_table = table.rsplit("__", 1)[0] if "__" in table else None
        if parent_table is None:
            return None
        row = by_id.get(parent_table, {}).get(row.get("_dlt_parent_id"), {})
        table = parent_table
    return row["tenant_id"]


def as_tenant(rows: dict[str, Counter], tenant: str) -> dict[str, Counter]:
    """A snapshot's rows with every ``tenant_id`` (parents' included) set to `tenant`."""

    def rename(row: tuple) -> tuple:
        return tuple(
            (k, tenant if k == "tenant_id" else rename(v) if k == "<parent>" and isinstance(v, tuple) else v) for k, v in row
        )

    return {table: Counter(rename(row) for row in counter.elements()) for table, counter in rows.items()}


def diff(expected: dict[str, Counter], actual: dict[str, Counter]) -> list[str]:
    """Human-readable differences between two snapshots (empty when equal)."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        e, a = expected.get(table, Counter()), actual.get(table, Counter())
        if e != a:
            missing, extra = e - a, a - e
            problems.append(
                f"{table}: {sum(missing.values())} row(s) missing, {sum(extra.values())} extra"
                + (f"; e.g. missing {next(iter(missing))}" if missing else "")
                + (f"; e.g. extra {next(iter(extra))}" if extra else "")
            )
    return problems


def duplicate_keys(db: Path, connector: Connector) -> dict[str, int]:
    """Per table, how many merge keys (tenant_id + primary key) appear more than once."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = set(data_tables(con))
        out = {}
        for stream in connector.streams:
            table = connector.table_name(stream)
            if table not in present:
                continue
            keys = ", ".join(f'"{k}"' for k in ("tenant_id", *stream.primary_key))
            n = con.execute(f'select count(*) from (select {keys} from {DATASET}."{table}" group by {keys} having count(*) > 1)').fetchone()[0]
            if n:
                out[table] = n
        return out
    finally:
        con.close()


def max_loaded(db: Path, connector: Connector, tenant: str) -> dict[str, Any]:
    """Per cursor stream, the largest cursor value loaded for `tenant` (None if no row)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = set(data_tables(con))
        out = {}
        for stream in connector.streams:
            if not isinstance(stream.cursor, Cursor):
                continue
            table = connector.table_name(stream)
            if table not in present:
                out[stream.name] = None
                continue
            out[stream.name] = con.execute(
                f'select max("{stream.cursor.field}") from {DATASET}."{table}" where tenant_id = ?', [tenant]
            ).fetchone()[0]
        return out
    finally:
        con.close()


# -- saved state -------------------------------------------------------------------------


def _cursors(state: dict[str, Any] | None, source: str) -> dict[str, Any]:
    if not state:
        return {}
    resources = state.get("sources", {}).get(source, {}).get("resources", {})
    return {
        name: {f: inc.get("last_value") for f, inc in (rs.get("incremental") or {}).items()}
        for name, rs in resources.items()
        if rs.get("incremental")
    }


def committed_cursors(db: Path, pipeline_name: str, source: str) -> dict[str, Any]:
    """Cursors of the newest *completed* load in the destination (what dlt would restore)."""
    from dlt.common.versioned_state import decompress_state

    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [DATASET]).fetchall()}
        if "_dlt_pipeline_state" not in tables:
            return {}
        row = con.execute(
            f"select s.state from {DATASET}._dlt_pipeline_state s join {DATASET}._dlt_loads l on l.load_id = s._dlt_load_id "
            "where s.pipeline_name = ? and l.status = 0 order by l.load_id desc limit 1",
            [pipeline_name],
        ).fetchone()
    finally:
        con.close()
    return _cursors(decompress_state(row[0]) if row else None, source)


def local_cursors(pipelines_dir: Path, pipeline_name: str, source: str) -> dict[str, Any]:
    """Cursors in the pipeline folder: what the next run starts from unless it restores."""
    from dlt.common import json as dlt_json

    path = pipelines_dir / pipeline_name / "state.json"
    if not path.exists():
        return {}
    return _cursors(dlt_json.typed_loads(path.read_text()), source)


def next_start_cursors(pipelines_dir: Path, pipeline_name: str, source: str) -> dict[str, Any]:
    """The cursors the next run starts from, when nothing is pending.

    Normally the pipeline folder's state; but if the newest archived package was aborted,
    the next run first restores that package's snapshot (`sync._finish_interrupted_abort`).
    """
    from dlt.common import json as dlt_json

    loaded = pipelines_dir / pipeline_name / "load" / "loaded"
    archived = sorted(p for p in loaded.iterdir() if p.is_dir()) if loaded.is_dir() else []
    if archived and (archived[-1] / "package_completed.json").read_text().strip() == "aborted":
        snapshot = archived[-1] / ".restore" / "state.json"
        return _cursors(dlt_json.typed_loads(snapshot.read_text()), source)
    return local_cursors(pipelines_dir, pipeline_name, source)


def pending_packages(pipelines_dir: Path, pipeline_name: str) -> list[str]:
    """Load packages extracted or normalized but not yet loaded (a crash leaves these)."""
    root = pipelines_dir / pipeline_name
    found = []
    for sub in ("normalize/extracted", "load/normalized"):
        folder = root / sub
        if folder.is_dir():
            found += [p.name for p in folder.iterdir() if p.is_dir()]
    return found


# -- project files and the CLI ---------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return json.dumps(value.isoformat())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))


def secret_fields(connector: Connector) -> list[str]:
    return [n for n, f in connector.config_model.model_fields.items() if "SecretStr" in str(f.annotation)]


def env_name(tenant: str, source: str, field: str) -> str:
    return f"BOSCO_T_{tenant}_{source}_{field}".upper().replace("-", "_")


def write_project(
    path: Path,
    jobs: list[tuple[str, Connector, dict[str, Any]]],
    *,
    duckdb_path: Path,
    env: dict[str, str],
) -> Path:
    """A bosco.toml for (tenant, connector, sandbox config) jobs; secrets go through env refs.

    `env` receives the environment variables the file refers to.
    """
    lines = ["[destination]", 'name = "duckdb"', f"path = {_toml_value(str(duckdb_path))}", ""]
    by_tenant: dict[str, list[tuple[Connector, dict[str, Any]]]] = {}
    for tenant, connector, config in jobs:
        by_tenant.setdefault(tenant, []).append((connector, config))
    for tenant, entries in by_tenant.items():
        lines += ["[[tenants]]", f'id = "{tenant}"']
        for connector, config in entries:
            lines.append(f"  [tenants.sources.{connector.name}]")
            secrets = set(secret_fields(connector))
            for key, value in config.items():
                if key in secrets and not isinstance(value, dict):
                    var = env_name(tenant, connector.name, key)
                    env[var] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
                    value = {"env": var}
                lines.append(f"  {key} = {_toml_value(value)}")
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def cli_env(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOSCO_T_", "RUNTIME__LOG_LEVEL"))}
    env.update({
        "DLT_DATA_DIR": str(tmp_path / "dlt_data"),
        "DLT_PROJECT_DIR": str(tmp_path),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "DATA_WRITER__DISABLE_COMPRESSION": "true",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


def cli_command(*args: str) -> list[str]:
    """``bosco-sync`` as a subprocess of the test's interpreter (no reliance on PATH)."""
    return [sys.executable, "-m", "bosco_connectors.cli.app", *args]


def sync_into(db: Path, pipelines: Path, connector: Connector, config: dict[str, Any], tenant: str = "t") -> SyncResult:
    """One sync the way `bosco-sync run` does it (run_sync), into a DuckDB file."""
    from bosco_connectors.destinations.duckdb import duckdb_destination

    return run_sync(
        SyncJob(tenant, connector.name, config),
        destination=duckdb_destination(db),  # the CLI's own DuckDB factory
        pipelines_dir=pipelines,
    )


# -- clean reference runs ------------------------------------------------------------------

#: The fake world of the fault and drift suites (the seed of its ids and metrics).
WORLD_SEED = 5


@dataclass
class CleanRun:
    """What a fault-free sync of the world loads: rows, committed cursors, requests sent."""

    rows: dict[str, Counter]
    cursors: dict[str, Any]
    requests: int


_clean_runs: dict[tuple[str, str], CleanRun] = {}


def clean_run(name: str, root: Path, end: date = END) -> CleanRun:
    """The fault-free sync of `name`'s fake world (once per session, source and end date)."""
    from bosco_connectors.framework.registry import get_connector
    from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
    from bosco_connectors.sync import pipeline_name

    key = (name, end.isoformat())
    if key not in _clean_runs:
        connector = get_connector(name)
        with FakeApi([app_for(connector, seed=WORLD_SEED, size="tiny", end_date=end)]) as api:
            db = root / f"clean-{name}-{end}.duckdb"
            result = sync_into(db, root / f"clean-{name}-{end}", connector, sandbox_config(api, connector))
            assert result.ok, result.failure_line
            _clean_runs[key] = CleanRun(snapshot(db), committed_cursors(db, pipeline_name("t", name), name), len(api.requests))
    return _clean_runs[key]


@contextmanager
def restored_logging() -> Iterator[None]:
    """An in-process `bosco-sync` run installs its own stderr handler (with a redacting filter)
    on the root and dlt loggers and sets dlt's log level in the environment. Undo both, so a
    later test's caplog sees raw records and no handler writes to a closed stream."""
    loggers = [logging.getLogger(), logging.getLogger("dlt")]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    env = os.environ.get("RUNTIME__LOG_LEVEL")
    try:
        yield
    finally:
        for lg, handlers, level, propagate in saved:
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
        if env is None:
            os.environ.pop("RUNTIME__LOG_LEVEL", None)
        else:
            os.environ["RUNTIME__LOG_LEVEL"] = env
