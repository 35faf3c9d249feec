"""The conformance kit: the tests every source passes, free with every connector.

Subclass `SourceConformance` with ``connector = <your Connector>`` in a test module
and pytest runs the whole kit against it (this repository does so for every
registered source in ``tests/test_conformance.py``). What it checks:

- the source is registered and described (API version, docs URL, streams);
- every stream has a contract, a primary key inside that contract, and a cursor
  (on a contract field) or a declared full refresh;
- config is validated before any request, with a message naming the field;
- its cassette replays a full sync offline, with at least one stream read over two
  or more pages, and holds no secret;
- a second run against the fake API adds no duplicate rows and asks each cursor
  stream only for data from the saved cursor minus its look-back;
- with canary credentials the API's auth error is reported clearly, and the canary
  appears in no log line, error, state table or summary;
- the vendor's documented error body (`Connector.error_example`) answered with HTTP 200
  fails the sync with the vendor's message instead of loading as an empty page.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar, Iterator

import pytest
from pydantic import SecretStr

from ..framework.connector import Connector
from ..framework.errors import ConfigError
from ..framework.paginators import SinglePage
from ..framework.spec import Contract, Cursor, FullRefresh, Stream
from .cassettes import find_secrets

#: The fixed world every conformance run uses, so cassettes replay on any day.
CONFORMANCE_WORLD: dict[str, Any] = {"seed": 7, "size": "tiny", "end_date": date(2026, 11, 20)}

CANARY = "canary-SECRET-7f3a9c2e5b1d"


def _duckdb_pipeline(tmp_path: Path, name: str) -> Any:
    import dlt

    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / f"{name}.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


def _run(pipeline: Any, connector: Connector, config: dict[str, Any], tenant_id: str = "conformance") -> Any:
    from ..sync import build_source

    source, _ = build_source(connector, config, tenant_id=tenant_id)
    return pipeline.run(source, loader_file_format="parquet")


def _load_formats(info: Any) -> dict[str, set[str]]:
    """File formats dlt loaded each data table from (merge SQL jobs and dlt's own tables aside)."""
    formats: dict[str, set[str]] = {}
    for package in info.load_packages:
        for job in package.jobs.get("completed_jobs", []):
            table, kind = job.job_file_info.table_name, job.job_file_info.file_format
            if not table.startswith("_dlt") and kind != "sql":
                formats.setdefault(table, set()).add(kind)
    return formats


@contextmanager
def _dlt_warnings() -> Iterator[list[str]]:
    """The messages dlt logs at WARNING or above inside the block."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    handler, logger = Collect(), logging.getLogger("dlt")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def _field_names(contract: type[Contract]) -> set[str]:
    return {f.alias or n for n, f in contract.model_fields.items()} | set(contract.model_fields)


def _table_counts(pipeline: Any, connector: Connector, streams: list[Stream] | None = None) -> dict[str, int]:
    counts = {}
    with pipeline.sql_client() as client:
        for stream in streams or connector.streams:
            table = connector.table_name(stream)
            if client.has_dataset() and table in pipeline.default_schema.tables:
                counts[table] = client.execute_sql(f"SELECT count(*) FROM {client.make_qualified_table_name(table)}")[0][0]
    return counts


class SourceConformance:
    """Base class of the kit. Set ``connector``; override ``world`` if your fake API needs it."""

    connector: ClassVar[Connector]
    world: ClassVar[dict[str, Any]] = CONFORMANCE_WORLD

    @pytest.fixture(autouse=True)
    def _reachable_by_name(self) -> Iterator[None]:
        """The kit runs before the entry point is installed; only the registration test then fails."""
        from ..framework.registry import provisional

        with provisional(self.connector):
            yield

    # -- description ------------------------------------------------------------------

    def test_registered_and_described(self) -> None:
        from ..framework.registry import INSTALL_COMMAND, get_connector, source_names

        c = self.connector
        assert c.name in source_names(), (
            f"{c.name} is not registered: its entry point (pyproject.toml, [project.entry-points.\"bosco_connectors.sources\"]) "
            f"is not installed. Run `{INSTALL_COMMAND}` in the folder of that pyproject.toml."
        )
        assert get_connector(c.name) is c
        described = c.describe()
        assert described["api_version"], "api_version is empty"
        assert described["docs_url"].startswith("https://"), "docs_url must link the vendor's API reference"
        assert described["streams"], "a source needs at least one stream"
        assert len({s.name for s in c.streams}) == len(c.streams), "stream names must be unique"

    @pytest.mark.parametrize("check", ["contract", "primary_key", "cursor"])
    def test_every_stream_declares(self, check: str) -> None:
        for stream in self.connector.streams:
            fields = _field_names(stream.contract)
            if check == "contract":
                assert issubclass(stream.contract, Contract), f"{stream.name}: contract must subclass framework.Contract"
            elif check == "primary_key":
                assert stream.primary_key, f"{stream.name}: no primary key"
                missing = [k for k in stream.primary_key if k not in fields]
                assert not missing, f"{stream.name}: primary key {missing} not in its contract"
            else:
                assert isinstance(stream.cursor, (Cursor, FullRefresh)), f"{stream.name}: declare a Cursor or FullRefresh"
                if isinstance(stream.cursor, Cursor):
                    assert stream.cursor.field in fields, f"{stream.name}: cursor {stream.cursor.field} not in its contract"
                else:
                    assert stream.cursor.reason, f"{stream.name}: a full refresh must say why"

    # -- config -----------------------------------------------------------------------

    def test_config_validated_before_any_request(self, fake_api_factory: Any) -> None:
        api = fake_api_factory(self.connector, **self.world)
        good = self._sandbox_config(api)
        required = [n for n, f in self.connector.config_model.model_fields.items() if f.is_required()]
        assert required, "a source with no required config cannot be validated"
        for name in required:
            broken = {k: v for k, v in good.items() if k != name}
            with pytest.raises(ConfigError) as info:
                self.connector.resources(broken)
            assert name in str(info.value), f"error for missing '{name}' does not name it: {info.value}"
        with pytest.raises(ConfigError):
            self.connector.resources({**good, "start_date": "not-a-date"})
        with pytest.raises(ConfigError):
            self.connector.resources({**good, "no_such_option": 1})
        assert not api.requests, "config errors must be raised before any request"

    # -- incremental --------------------------------------------------------------------

    def test_second_run_adds_no_duplicates_and_reads_only_lookback(self, tmp_path: Path, fake_api_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        from ..framework import resources
        from ..sync import read_state

        requested: dict[str, list[Any]] = {}
        original = resources._StreamReader.read

        def spy(reader: Any, since: Any, until: Any, **kwargs: Any) -> Any:
            requested.setdefault(reader.stream.name, []).append(since)
            return original(reader, since, until, **kwargs)

        monkeypatch.setattr(resources._StreamReader, "read", spy)
        api = fake_api_factory(self.connector, **self.world)
        config = self._sandbox_config(api)
        pipeline = _duckdb_pipeline(tmp_path, "twice")
        _run(pipeline, self.connector, config)
        first = _table_counts(pipeline, self.connector)
        saved = read_state(pipeline, self.connector.name)
        requested.clear()
        _run(pipeline, self.connector, config)
        second = _table_counts(pipeline, self.connector)
        assert first == second, f"a second run changed row counts: {first} -> {second}"
        self._assert_no_duplicate_keys(pipeline)
        self._assert_tenant_on_every_row(pipeline)
        for stream in self.connector.streams:
            if not isinstance(stream.cursor, Cursor):
                continue
            last = saved.get(stream.name, {}).get(stream.cursor.field, {}).get("last_value")
            assert last is not None, f"{stream.name}: no cursor saved after the first run"
            expected = _minus(last, stream.cursor, config)
            since = requested.get(stream.name, [None])[0]
            assert since is not None, f"{stream.name}: second run did not pass a start to the stream"
            assert _same_instant(since, expected), f"{stream.name}: second run asked from {since}, expected {expected} (cursor minus look-back)"

    def _assert_no_duplicate_keys(self, pipeline: Any) -> None:
        with pipeline.sql_client() as client:
            for stream in self.connector.streams:
                table = self.connector.table_name(stream)
                keys = ", ".join(client.escape_column_name(k) for k in ("tenant_id", *stream.primary_key))
                dupes = client.execute_sql(
                    f"SELECT count(*) FROM (SELECT {keys} FROM {client.make_qualified_table_name(table)} GROUP BY {keys} HAVING count(*) > 1)"
                )[0][0]
                assert dupes == 0, f"{table}: {dupes} duplicate keys"

    @staticmethod
    def _assert_tenant_on_every_row(pipeline: Any) -> None:
        """Child tables (nested lists) included: every row of every table names its tenant."""
        with pipeline.sql_client() as client:
            for table in pipeline.default_schema.data_table_names():
                columns = pipeline.default_schema.get_table_columns(table)
                assert "tenant_id" in columns, f"{table}: no tenant_id column"
                missing = client.execute_sql(
                    f"SELECT count(*) FROM {client.make_qualified_table_name(table)} WHERE tenant_id IS NULL"
                )[0][0]
                assert missing == 0, f"{table}: {missing} rows without tenant_id"

    # -- secrets ------------------------------------------------------------------------

    def test_no_secret_in_any_output(self, tmp_path: Path, fake_api_factory: Any, caplog: pytest.LogCaptureFixture) -> None:
        import json

        from ..sync import SyncJob, run_sync

        api = fake_api_factory(self.connector, **self.world)
        good = self._sandbox_config(api)
        canaried = {k: (CANARY if self._is_secret(k) else v) for k, v in good.items()}
        assert CANARY in canaried.values(), "the config model declares no SecretStr credential"
        caplog.set_level(logging.DEBUG)
        import dlt

        destination = dlt.destinations.duckdb(str(tmp_path / "secrets.duckdb"))
        failed = run_sync(SyncJob("t", self.connector.name, canaried), destination=destination, pipelines_dir=tmp_path / "p")
        assert not failed.ok, "a wrong credential must fail the sync"
        reason = (failed.error or "").lower()
        assert any(word in reason for word in ("auth", "401", "403", "token", "credential", "permission")), \
            f"the failure should say it is an auth problem: {failed.error}"
        ok = run_sync(SyncJob("t", self.connector.name, good), destination=destination, pipelines_dir=tmp_path / "p")
        assert ok.ok, ok.error
        secrets = [CANARY] + [str(v) for k, v in good.items() if self._is_secret(k)]
        outputs = {
            "logs": caplog.text,
            "error": failed.error or "",
            "summary": json.dumps([failed.as_dict(), ok.as_dict()]),
            "state": self._state_dump(tmp_path / "secrets.duckdb"),
        }
        for name, text in outputs.items():
            assert not find_secrets(text, secrets), f"secret found in {name}"

    # -- error bodies -------------------------------------------------------------------

    def test_error_body_with_status_200_is_an_error(self, tmp_path: Path, fake_api_factory: Any) -> None:
        """Gateways and some vendors answer errors with HTTP 200: the body decides, not the status."""
        import copy

        import dlt

        from ..sync import SyncJob, run_sync

        example = self.connector.error_example
        assert example, f"{self.connector.name}: set Connector.error_example to the vendor's documented error body"
        messages = error_messages(example, getattr(self.connector, "api", None))
        assert messages, "error_example has no 'message' text (nor one where the source's ErrorMap reads messages) to look for"
        api = fake_api_factory(self.connector, **self.world)
        # Every answer but a token grant (the credential is fine; the data request fails).
        api.transform(lambda body: body if isinstance(body, dict) and "access_token" in body else copy.deepcopy(example))
        destination = dlt.destinations.duckdb(str(tmp_path / "errors.duckdb"))
        result = run_sync(SyncJob("t", self.connector.name, self._sandbox_config(api)), destination=destination, pipelines_dir=tmp_path / "p")
        assert any(r.status == 200 for r in api.requests), "the fake API answered nothing with HTTP 200"
        assert not result.ok, f"the error body {example} answered with HTTP 200 loaded as data: {result.rows}"
        assert any(m in (result.error or "") for m in messages), \
            f"the failure should carry the vendor's message ({messages}): {result.error}"

    @staticmethod
    def _state_dump(db: Path) -> str:
        import base64
        import zlib

        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute("SELECT state FROM raw._dlt_pipeline_state").fetchall()
        finally:
            con.close()
        texts = []
        for (blob,) in rows:
            try:
                texts.append(zlib.decompress(base64.b64decode(blob)).decode())
            except Exception:  # noqa: BLE001 - uncompressed state is kept as is
                texts.append(str(blob))
        return "\n".join(texts)

    # -- the vendor's documented examples -----------------------------------------------

    def test_documented_fixtures_replay(self, tmp_path: Path) -> None:
        """The vendor's documented bodies (cassettes/<source>/) load, page 2 included.

        Every request the sync sends must be answered by a fixture, every data fixture
        must be asked for, each stream loads exactly the records its bodies hold, and a
        paginated stream reads at least two of its pages.
        """
        from .replay import Fixtures, fixture_folder, has_fixtures, manifests

        assert has_fixtures(self.connector.name), (
            f"no documented fixtures: write cassettes/{self.connector.name}/fixtures.json, bodies/ and SOURCES.md "
            "(see bosco_connectors.testing.replay)"
        )
        folder = fixture_folder(self.connector.name)
        for manifest in manifests(folder):
            self._replay(Fixtures.load(folder, manifest), tmp_path / manifest)

    def _replay(self, fixtures: Any, tmp_path: Path) -> None:
        from ..sandbox.server import FakeApi
        from .replay import FixtureApp

        missing, no_url = fixtures.bodies_named_in_sources()
        assert not missing, f"SOURCES.md does not name the documentation page of: {missing}"
        assert not no_url, f"SOURCES.md names these bodies without a documentation URL: {no_url}"
        app = FixtureApp(fixtures)
        with FakeApi([app]) as api, _dlt_warnings() as warned:
            config = app.source_config(api.url(app.prefix))
            pipeline = _duckdb_pipeline(tmp_path, "fixtures")
            from ..sync import build_source

            source, _ = build_source(self.connector, config, tenant_id="conformance")
            info = pipeline.run(source)  # the pipeline's default format, as a user's own pipeline runs it
        assert not app.unmatched, f"requests that no documented fixture answers: {app.unmatched[:5]}"
        # A clean sync must not make dlt warn (an Arrow column whose hints differ from dlt's
        # schema warns once per batch and would bury an operator's log).
        assert not warned, f"dlt warned during a clean sync: {warned[:3]}"
        # INSERT statements are unusable at scale on DuckDB (and slow on Snowflake): every
        # table, entity or report, dicts or Arrow, must load from parquet.
        slow = {t: sorted(f) for t, f in _load_formats(info).items() if f != {"parquet"}}
        assert not slow, f"tables not loaded from parquet (declare file_format or yield Arrow): {slow}"
        secrets = [str(v) for k, v in fixtures.config.items() if self._is_secret(k)]
        for path in sorted((fixtures.folder / "bodies").iterdir()):
            assert not find_secrets(path.read_text(errors="replace"), secrets), f"secret found in {path.name}"
        unused = [f"{e.stream}: {e.response.get('body')}" for e in fixtures.data() if e.uses == 0]
        assert not unused, f"fixtures the sync never asked for: {unused}"
        validated = self.connector.validate(config)
        active = self.connector.active_streams(validated)  # the fixtures' config turns every optional stream on
        counts = _table_counts(pipeline, self.connector, active)
        for stream in active:
            table = self.connector.table_name(stream)
            expected = fixtures.expected_rows(stream.name, stream.record_spec.select)
            assert counts.get(table, 0) == expected, f"{stream.name}: loaded {counts.get(table, 0)} rows, its documented bodies hold {expected}"
            if not isinstance(stream.paginator(), SinglePage):
                pages = [e for e in fixtures.data(stream.name) if e.uses]
                assert len(pages) >= 2, f"{stream.name}: paginated, but its fixtures replay {len(pages)} page(s); give it two"

    # -- helpers ------------------------------------------------------------------------

    def _is_secret(self, name: str) -> bool:
        field = self.connector.config_model.model_fields.get(name)
        return field is not None and "SecretStr" in str(field.annotation)

    def _sandbox_config(self, api: Any) -> dict[str, Any]:
        from ..sandbox import sandbox_config

        return sandbox_config(api, self.connector)


def error_messages(body: Any, api: Any = None) -> list[str]:
    """Every ``message`` text in a vendor's error body, however deep, and the texts at the
    paths where a declared source's `ErrorMap` reads its messages (Snapchat's
    ``display_message``), since that is what the failure line quotes."""
    from ..framework.errormap import ErrorMap
    from ..framework.jsonpath import get_path

    found = _message_keys(body)
    errors = getattr(api, "errors", None)
    if isinstance(errors, ErrorMap) and isinstance(body, (dict, list)):
        found += [text for path in errors.message if isinstance(text := get_path(body, path), str) and text and text not in found]
    return found


def _message_keys(body: Any) -> list[str]:
    if isinstance(body, dict):
        found = [body["message"]] if isinstance(body.get("message"), str) else []
        return found + [m for value in body.values() for m in _message_keys(value)]
    if isinstance(body, list):
        return [m for value in body for m in _message_keys(value)]
    return []


def _minus(last: Any, cursor: Cursor, config: dict[str, Any]) -> Any:
    lookback = cursor.lookback
    if config.get("lookback_days") is not None:
        lookback = timedelta(days=int(config["lookback_days"]))
    # dlt never reads before the cursor's initial value: the stream's own, or start_date.
    start = cursor.initial if cursor.initial is not None else config.get("start_date")
    start = date.fromisoformat(str(start)[:10]) if start is not None else None
    if cursor.kind == "date":
        expected = date.fromisoformat(str(last)[:10]) - timedelta(days=lookback.days)
        return max(expected, start) if start else expected
    value = last if isinstance(last, datetime) else datetime.fromisoformat(str(last).replace("Z", "+00:00"))
    expected = value - lookback
    if start:
        floor = datetime.combine(start, datetime.min.time(), tzinfo=expected.tzinfo or timezone.utc)
        return max(expected, floor)
    return expected


def _same_instant(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        a = a if a.tzinfo else a.replace(tzinfo=timezone.utc)
        b = b if b.tzinfo else b.replace(tzinfo=timezone.utc)
        return abs((a - b).total_seconds()) < 1
    if isinstance(a, datetime):
        a = a.date()
    if isinstance(b, datetime):
        b = b.date()
    return a == b


__all__ = ["SourceConformance", "CONFORMANCE_WORLD", "CANARY", "Stream"]
