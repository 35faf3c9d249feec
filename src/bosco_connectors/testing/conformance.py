"""The conformance kit: the tests every source passes, free with every connector.

Subclass `SourceConformance` with ``connector = <your Connector>`` in a test module and
pytest runs the whole kit against it (this repository does so for every registered
source in ``tests/test_conformance.py``). Every stream is checked, the optional ones
too: the kit's config turns on each stream the documented fixtures' config turns on.
What it checks, each failure naming the stream and the guarantee broken:

- the source is registered and described (API version, docs URL, streams); every stream
  has a contract, a primary key inside that contract, and a cursor (on a contract
  field) or a declared full refresh; config is validated before any request, with a
  message naming the field;
- **documented fixtures** (``cassettes/<source>/`` or the connector's ``fixtures_dir``,
  see `bosco_connectors.testing.replay`) replay a full sync offline: every request is
  answered by a documented body and every body is asked for; each stream loads exactly
  the rows its bodies hold; each paginated stream asks for a second page (a different
  page number, offset, token or cursor) and loads its rows; a stream whose docs answer
  in pages cannot declare `SinglePage`; no body holds a secret;
- against the source's **fake API** (its generated fake for a declared source), in one
  shared `Sandbox` per source: a second run adds no duplicate and reads each cursor
  stream only from the saved cursor minus its look-back (the range the stream is asked
  for, and the window its requests carry); every row of every table, child tables
  included, names its tenant; a wrong credential fails at once as an auth error with
  the vendor's documented message; no secret appears in any log line, error, summary
  or stored state;
- the documented auth-error body (else `Connector.error_example`) answered with HTTP 200
  fails the sync with the vendor's message instead of loading as an empty page.

The kit watches syncs through public hooks only (`framework.hooks`, `run_sync`'s
result). To check a deliberately broken variant against the correct fake API, override
`fake_app` (``tests/kit/`` does, for each guarantee).
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar, Iterator
from urllib.parse import unquote

import pytest

from ..framework import hooks
from ..framework.connector import Connector
from ..framework.errors import AuthError, ConfigError
from ..framework.paginators import SinglePage
from ..framework.params import WindowParams, parse_bound
from ..framework.redaction import REDACTED
from ..framework.spec import Contract, Cursor, FullRefresh, Stream
from ..sandbox.server import VendorApp
from .cassettes import find_secrets
from .sandbox_runs import CANARY, Sandbox, is_secret, without_waits

#: The fixed world every conformance run uses, so results do not depend on the day.
CONFORMANCE_WORLD: dict[str, Any] = {"seed": 7, "size": "tiny", "end_date": date(2026, 11, 20)}


class SourceConformance:
    """Base class of the kit. Set ``connector``; override ``world`` or `fake_app` if needed."""

    connector: ClassVar[Connector]
    world: ClassVar[dict[str, Any]] = CONFORMANCE_WORLD

    # -- hooks for the kit's users ----------------------------------------------------------

    def fake_app(self) -> VendorApp:
        """The fake vendor API the sandbox checks run against: the connector's own."""
        from ..sandbox import app_for

        return app_for(self.connector, **self.world)

    def open_sandbox(self, folder: Path) -> Sandbox:
        """The source against `fake_app` (the class shares one: the ``sandbox`` fixture)."""
        return Sandbox(self.connector, self.fake_app(), folder, self._documented_config())

    @pytest.fixture(scope="class")
    def sandbox(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
        with self.open_sandbox(tmp_path_factory.mktemp(f"sandbox-{self.connector.name}")) as box:
            yield box

    # -- description ------------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _reachable_by_name(self) -> Iterator[None]:
        """The kit runs before the entry point is installed; only the registration test then fails."""
        from ..framework.registry import provisional

        with provisional(self.connector):
            yield

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
        for stream in self._every_stream():
            fields = _field_names(stream.contract)
            if check == "contract":
                assert issubclass(stream.contract, Contract), f"{stream.name}: contract must subclass framework.Contract"
            elif check == "primary_key":
                assert stream.primary_key, f"{stream.name}: no primary key"
                missing = [k for k in stream.primary_key if k not in fields]
                assert not missing, f"{stream.name}: primary key {missing} not in its contract {stream.contract.__name__}"
            else:
                assert isinstance(stream.cursor, (Cursor, FullRefresh)), f"{stream.name}: declare a Cursor or FullRefresh"
                if isinstance(stream.cursor, Cursor):
                    assert stream.cursor.field in fields, f"{stream.name}: cursor {stream.cursor.field} not in its contract"
                else:
                    assert stream.cursor.reason, f"{stream.name}: a full refresh must say why"

    # -- config -----------------------------------------------------------------------

    def test_config_validated_before_any_request(self) -> None:
        good = self.fake_app().source_config("http://127.0.0.1:9")  # type: ignore[attr-defined]
        required = [n for n, f in self.connector.config_model.model_fields.items() if f.is_required()]
        # A source whose only must-have is one of several credentials (HubSpot: a token, or an
        # OAuth refresh token) declares them all optional: without any of them it must fail.
        credentials = [n for n in good if is_secret(self.connector, n)]
        assert required or credentials, "a source with no required config cannot be validated"
        sent: list[hooks.RequestSent] = []
        with hooks.on_request(sent.append):
            for name in required:
                broken = {k: v for k, v in good.items() if k != name}
                with pytest.raises(ConfigError) as info:
                    self.connector.resources(broken)
                assert name in str(info.value), f"error for missing '{name}' does not name it: {info.value}"
            if not required:
                with pytest.raises(ConfigError):
                    self.connector.resources({k: v for k, v in good.items() if k not in credentials})
            with pytest.raises(ConfigError):
                self.connector.resources({**good, "start_date": "not-a-date"})
            with pytest.raises(ConfigError):
                self.connector.resources({**good, "no_such_option": 1})
        assert not sent, f"config errors must be raised before any request; sent {sent[0].method} {sent[0].path}"

    # -- the vendor's documented examples -----------------------------------------------

    def test_documented_fixtures_replay(self, tmp_path: Path) -> None:
        """The vendor's documented bodies load, every page of them (see the module docstring)."""
        from .replay import Fixtures, fixture_folder, has_fixtures, manifests

        assert has_fixtures(self.connector), (
            f"no documented fixtures: write {fixture_folder(self.connector)}/fixtures.json, bodies/ and SOURCES.md "
            "(see bosco_connectors.testing.replay)"
        )
        folder = fixture_folder(self.connector)
        for manifest in manifests(folder):
            self._replay(Fixtures.load(folder, manifest), tmp_path / manifest)

    def _replay(self, fixtures: Any, tmp_path: Path) -> None:
        import dlt

        from ..sandbox.server import FakeApi
        from ..sync import SyncJob, run_sync
        from .pages import asked_for_a_second_page, documented_pages, page_parameter
        from .replay import FixtureApp

        missing, no_url = fixtures.bodies_named_in_sources()
        assert not missing, f"SOURCES.md does not name the documentation page of: {missing}"
        assert not no_url, f"SOURCES.md names these bodies without a documentation URL: {no_url}"
        c = self.connector
        validated = c.validate(fixtures.config_for("http://127.0.0.1:9"))
        active = c.active_streams(validated)
        off = sorted({s.name for s in c.streams} - {s.name for s in active})
        assert not off, f"the fixtures' config turns off {off}: it must turn every stream on"
        from ..framework.deletions import RESOURCE_SUFFIX, listing_streams

        lists = listing_streams(active)  # deleted-records lists: requests of their own, rows in their stream's table
        for stream in [*active, *lists]:
            assert fixtures.data(stream.name) or stream.name in fixtures.expect, \
                f"{stream.name}: no documented fixture answers this stream"
            pages = documented_pages(stream, fixtures.data(stream.name))
            if pages and isinstance(stream.paginator(), SinglePage):
                bodies = ", ".join(e.response.get("body", "?") for e in pages[0])
                raise AssertionError(
                    f"{stream.name}: pagination ignored: its documentation answers {_endpoint(pages[0][0])} in "
                    f"{len(pages[0])} pages ({bodies}) but the stream declares SinglePage"
                )

        app = FixtureApp(fixtures)
        with FakeApi([app]) as api, _dlt_warnings() as warned:
            config = app.source_config(api.url(app.prefix))
            result = run_sync(SyncJob("fixtures", c.name, config), destination=dlt.destinations.dummy(
                completed_prob=1.0, loader_file_format="parquet"), pipelines_dir=tmp_path / "pipelines", connector=without_waits(c))
        unmatched = f"; requests that no documented fixture answers: {app.unmatched[:5]}" if app.unmatched else ""
        assert result.ok, f"the documented fixtures do not load: {result.failure_line}{unmatched}"
        assert not app.unmatched, f"requests that no documented fixture answers: {app.unmatched[:5]}"

        for stream in [*active, *lists]:
            for group in documented_pages(stream, fixtures.data(stream.name)):
                skipped = [e.response.get("body", "?") for e in group if e.uses == 0]
                assert not skipped, (
                    f"{stream.name}: pagination stops early: read {len(group) - len(skipped)} of the {len(group)} "
                    f"documented pages of {_endpoint(group[0])}; never asked for {skipped}"
                )
        unused = [f"{e.stream}: {e.response.get('body')}" for e in fixtures.data() if e.uses == 0]
        assert not unused, f"fixtures the sync never asked for: {unused}"
        listed_in = {s.name: c.table_name(s.name.removesuffix(RESOURCE_SUFFIX)) for s in lists}
        for stream in [*active, *lists]:
            table = listed_in.get(stream.name, c.table_name(stream))
            loaded = result.rows.get(table, 0)
            expected = sum(fixtures.expected_rows(s.name, s.record_spec.select_rows) for s in [*active, *lists]
                           if listed_in.get(s.name, c.table_name(s)) == table)
            assert loaded == expected, f"{stream.name}: loaded {loaded} rows, its documented bodies hold {expected}"
            paginator = stream.paginator()
            if isinstance(paginator, SinglePage) or stream.name in fixtures.expect:
                continue  # one page, or rows from an export file (``expect``): no page 2 to ask for
            answered = [(e, r) for e, r in app.answered if e.stream == stream.name]
            assert asked_for_a_second_page(paginator, [r for _, r in answered]), (
                f"{stream.name}: paginated ({type(paginator).__name__}) but its replay never asked for a second page "
                f"(no two requests differ in {page_parameter(paginator)}): document page 2 in fixtures.json"
            )
            with_rows = {id(e) for e, _ in answered if stream.record_spec.select(fixtures.body(e))}
            assert len(with_rows) >= 2, (
                f"{stream.name}: its documented page 2 holds no record, so a replay cannot tell whether page 2's "
                "rows are loaded: give page 2 a record"
            )
        # A clean sync must not make dlt warn (an Arrow column whose hints differ from dlt's
        # schema warns once per batch and would bury an operator's log).
        assert not warned, f"dlt warned during a clean sync: {warned[:3]}"

        secrets = [str(v) for k, v in fixtures.config.items() if is_secret(c, k)]
        for path in sorted((fixtures.folder / "bodies").iterdir()):
            assert not find_secrets(path.read_text(errors="replace"), secrets), f"secret found in {path.name}"
        # The manifest's config holds placeholder credentials: none may look like a real one
        # (a token shape is what the repository-wide secret scan hunts for).
        for path in sorted(fixtures.folder.glob("fixtures*.json")):
            shaped = find_secrets(path.read_text(errors="replace"), [])
            assert not shaped, f"{path.name}: a credential placeholder looks like a real secret ({shaped[0][:24]}...): use a short fake value"

    # -- against the fake API -------------------------------------------------------------

    def test_sandbox_config_turns_every_stream_on(self, sandbox: Sandbox) -> None:
        documented = self._documented_config()
        wanted = {s.name for s in self.connector.streams}
        if documented:
            wanted |= {s.name for s in self.connector.active_streams(self.connector.validate(documented))}
        missing = sorted(wanted - {s.name for s in sandbox.streams})
        assert not missing, f"the kit cannot turn on {missing} with the fake API's config: they go unchecked"

    def test_every_table_loads_from_parquet(self, sandbox: Sandbox) -> None:
        """INSERT statements are unusable at scale on DuckDB (and slow on Snowflake): every table,
        entity or report, dicts or Arrow, loads from parquet even where the destination's own
        default is INSERT (DuckDB's), as in `bosco-sync run` and a user's own pipeline."""
        first = sandbox.first
        assert first.result.ok, first.result.failure_line
        assert first.formats, "no load job found for the first sync"
        slow = {t: sorted(f) for t, f in first.formats.items() if f != {"parquet"}}
        assert not slow, f"tables not loaded from parquet (declared file_format lost, or items that bypass it): {slow}"

    def test_second_run_adds_no_duplicates(self, sandbox: Sandbox) -> None:
        first, second = _ok(sandbox.first, "first"), _ok(sandbox.second, "second")
        changed = {t: (first.tables.get(t), n) for t, n in second.tables.items() if first.tables.get(t) != n}
        assert not changed, f"a second run changed row counts (table: (first, second)): {changed}"
        for stream in sandbox.streams:
            dupes = second.duplicate_keys.get(stream.name, 0)
            key = ", ".join(("tenant_id", *stream.primary_key))
            assert dupes == 0, f"{stream.name}: {dupes} keys ({key}) hold more than one row after the second run"

    def test_second_run_reads_from_cursor_minus_lookback(self, sandbox: Sandbox) -> None:
        _ok(sandbox.first, "first")
        second = _ok(sandbox.second, "second")
        for stream in sandbox.streams:
            cursor = stream.cursor
            if not isinstance(cursor, Cursor):
                continue
            last = sandbox.saved.get(stream.name, {}).get(cursor.field, {}).get("last_value")
            assert last is not None, f"{stream.name}: no cursor saved after the first run (did it load any row?)"
            expected = _minus(last, cursor, sandbox.config)
            why = f"the saved cursor {last} minus its {_days(cursor, sandbox.config)} look-back"
            reads = second.reads_of(stream.name)
            assert reads, f"{stream.name}: the second run did not read this stream"
            since = reads[0].since
            assert since is not None and _same_instant(since, expected), \
                f"{stream.name}: the second run asked the stream for data from {since}, expected {expected} ({why})"
            _check_requests_start(stream, second.requests_of(stream.name), expected, why)

    def test_tenant_id_on_every_row(self, sandbox: Sandbox) -> None:
        """Child tables (nested lists) included: every row of every table names its tenant."""
        first = _ok(sandbox.first, "first")
        for table, columns in sorted(first.columns.items()):
            assert "tenant_id" in columns, f"{table}: no tenant_id column: every row of every table, child tables too, names its tenant"
            missing = first.without_tenant[table]
            assert missing == 0, f"{table}: {missing} rows without tenant_id"

    def test_wrong_credential_is_an_auth_error(self, sandbox: Sandbox) -> None:
        """A credential the API refuses fails at once, as an auth error, in the vendor's words."""
        result = sandbox.canary.result
        assert not result.ok, "a wrong credential must fail the sync"
        kind = result.error_type.__name__ if result.error_type else "?"
        assert result.error_type is not None and issubclass(result.error_type, AuthError), (
            f"the documented auth error is misclassified: a wrong credential failed as {kind} after {result.retries} "
            f"retries, not as an AuthError (ErrorMap Action.AUTH): {result.error}"
        )
        assert result.retries == 0, f"the documented auth error was retried {result.retries} times: an auth error is never retried"
        if _token_grant(self.connector):
            # Refused at the token endpoint (a wrong refresh token or client secret), before the API
            # is asked: the line says which exchange failed, in the endpoint's words.
            assert "exchange failed" in (result.error or ""), f"the auth failure should name the token exchange: {result.error}"
            return
        if _self_signed(self.connector):
            # The client signs each request's token with the key itself (App Store Connect): a key that
            # cannot sign fails before the API is asked, the line saying so.
            assert "sign" in (result.error or ""), f"the auth failure should say the token could not be signed: {result.error}"
            return
        body = self._documented_error("auth_error")
        messages = error_messages(body, getattr(self.connector, "api", None)) if body else []
        if messages and sandbox.serves_documented_errors:
            assert any(m in (result.error or "") for m in messages), \
                f"the auth failure should carry the vendor's documented message ({messages}): {result.error}"

    def test_no_secret_in_any_output(self, sandbox: Sandbox) -> None:
        runs = {"first": sandbox.first, "second": sandbox.second, "canary": sandbox.canary}
        outputs = {
            **{f"logs of the {name} sync": "\n".join(run.logs) for name, run in runs.items()},
            "errors": "\n".join(run.result.failure_line for run in runs.values() if not run.result.ok),
            "summaries": json.dumps([run.result.as_dict() for run in runs.values()], default=str),
            "state": sandbox.state_text,
        }
        secrets = sandbox.secrets()
        for where, text in outputs.items():
            for name, value in secrets.items():
                if value and value in text:
                    at = text.index(value)
                    context = text[max(0, at - 80):at + len(value) + 20].replace(value, REDACTED)
                    raise AssertionError(f"a secret ({name}) appears in the {where}: ...{context}...")
            shaped = find_secrets(text, [])
            assert not shaped, f"something shaped like a secret appears in the {where}: {[s[:12] + '...' for s in shaped]}"

    # -- error bodies -------------------------------------------------------------------

    def test_error_body_with_status_200_is_an_error(self, tmp_path: Path) -> None:
        """Gateways and some vendors answer errors with HTTP 200: the body decides, not the status."""
        import copy

        import dlt

        from ..sandbox import sandbox_config
        from ..sandbox.server import FakeApi
        from ..sync import SyncJob, run_sync

        example, messages = error_in_200(self.connector)
        with FakeApi([self.fake_app()]) as api:
            # Every answer but a token grant (the credential is fine; the data request fails).
            # Report files too (a CSV answer): a vendor's error in a 200 instead of the file must fail the same way.
            api.transform(lambda body: body if isinstance(body, dict) and "access_token" in body else copy.deepcopy(example),
                          files=True)
            job = SyncJob("t", self.connector.name, sandbox_config(api, self.connector))
            result = run_sync(job, destination=dlt.destinations.dummy(completed_prob=1.0, loader_file_format="parquet"),
                              pipelines_dir=tmp_path / "p", connector=without_waits(self.connector))
        assert any(r.status == 200 for r in api.requests), "the fake API answered nothing with HTTP 200"
        assert not result.ok, f"the error body {example} answered with HTTP 200 loaded as data: {result.rows}"
        assert any(m in (result.error or "") for m in messages), \
            f"the failure should carry the vendor's message ({messages}): {result.error}"

    # -- helpers ------------------------------------------------------------------------

    def _every_stream(self) -> list[Stream]:
        """The default streams and every optional one the documented config turns on."""
        streams = {s.name: s for s in self.connector.streams}
        documented = self._documented_config()
        if documented:
            for stream in self.connector.active_streams(self.connector.validate(documented)):
                streams.setdefault(stream.name, stream)
        return list(streams.values())

    def _documented_config(self) -> dict[str, Any]:
        from .replay import Fixtures, fixture_folder, has_fixtures

        if not has_fixtures(self.connector):
            return {}
        return Fixtures.load(fixture_folder(self.connector)).config_for("http://127.0.0.1:9")

    def _documented_error(self, kind: str) -> Any:
        """The documented JSON error body of `kind` (None for none, or a text one)."""
        body = documented_error(self.connector, kind)
        return None if isinstance(body, str) else body


def documented_error(connector: Any, kind: str) -> Any:
    """The documented error body of `kind` (``auth_error``) in the source's fixtures: JSON, or
    its text when the vendor answers errors as text; None when none is documented."""
    from .replay import Fixtures, fixture_folder, has_fixtures

    if not has_fixtures(connector):
        return None
    fixtures = Fixtures.load(fixture_folder(connector))
    exchange = fixtures.error(kind)
    if exchange is None:
        return None
    body = fixtures.body(exchange)
    if body is not None:
        return body
    return fixtures.raw_body(exchange).decode("utf-8", "replace").strip() or None


def error_in_200(connector: Any) -> tuple[Any, list[str]]:
    """The error body to answer with HTTP 200 instead of the data (the documented auth error, else
    `Connector.error_example`) and the texts the sync's failure must carry."""
    documented = documented_error(connector, "auth_error")
    example = documented if documented and not isinstance(documented, str) else connector.error_example or documented
    assert example, (f"{connector.name}: document an auth_error body in its fixtures "
                     "(or set Connector.error_example to the vendor's documented error body)")
    messages = [example[:40]] if isinstance(example, str) else error_messages(example, getattr(connector, "api", None))
    assert messages, f"the documented error body has no 'message' text to look for: {example}"
    return example, messages


#: Keys under which vendors write an error's text (``{"errors": "[API] Invalid API key"}``: Shopify).
MESSAGE_KEYS = ("message", "error_description", "errors", "error", "detail")


def error_messages(body: Any, api: Any = None) -> list[str]:
    """Every message text in a vendor's error body (see `MESSAGE_KEYS`), however deep, and the
    texts at the paths where a declared source's `ErrorMap` reads its messages (Snapchat's
    ``display_message``), since that is what the failure line quotes."""
    from ..framework.errormap import ErrorMap
    from ..framework.jsonpath import get_path

    found = _message_keys(body)
    errors = getattr(api, "errors", None)
    if isinstance(errors, ErrorMap) and isinstance(body, (dict, list)):
        found += [text for path in errors.message if isinstance(text := get_path(body, path), str) and text and text not in found]
    return found


def _message_keys(body: Any) -> list[str]:
    """The texts under `MESSAGE_KEYS`, in any case (Microsoft writes ``Message``), however deep."""
    if isinstance(body, dict):
        keys = {str(k).lower(): k for k in body}
        found = [body[keys[k]] for k in MESSAGE_KEYS if k in keys and isinstance(body[keys[k]], str) and body[keys[k]]]
        return found + [m for value in body.values() for m in _message_keys(value)]
    if isinstance(body, list):
        return [m for value in body for m in _message_keys(value)]
    return []


def _ok(run: Any, which: str) -> Any:
    assert run.result.ok, f"the {which} sync against the fake API failed: {run.result.failure_line}"
    return run


def _check_requests_start(stream: Stream, sent: list[hooks.RequestSent], expected: Any, why: str) -> None:
    """The second run's requests of a cursor stream ask the API for data from `expected` on."""
    if not sent:
        return  # the source's client is not an ApiClient (a vendor SDK): the hooks see no request
    cursor = stream.cursor
    window = getattr(stream, "window", None)
    # A REST stream whose long reads go through a job (`jobs.RestStreamWithJob`) carries the window
    # in its pages' requests or in its job's creation, whichever way the second run read.
    job_window = getattr(getattr(getattr(stream, "report", None), "create", None), "window", None)
    windows = [w for w in (window, job_window) if isinstance(w, WindowParams)]
    if isinstance(window, WindowParams):
        starts = [parse_bound(start, w.format) for r in sent for w in windows
                  if (start := w.parse({**r.query, **(r.body if isinstance(r.body, dict) else {})})[0]) is not None]
        starts = [s for s in starts if s is not None]
        assert starts, (f"{stream.name}: cursor ignored: none of the second run's {len(sent)} requests carries "
                        f"'{window.start}' (expected {expected}, {why})")
        first = min(starts)
        if not _same_instant(first, expected, day=isinstance(cursor, Cursor) and cursor.kind == "date"):
            problem = "look-back not applied" if _as_instant(first) > _as_instant(expected) else "reads more than its look-back"
            raise AssertionError(f"{stream.name}: {problem}: the second run's requests start at {first}, "
                                 f"expected {expected} ({why})")
        return
    texts = [unquote(r.path) + json.dumps(dict(r.query)) + json.dumps(r.body, default=str) for r in sent]
    forms = _rendered(expected)
    if getattr(stream, "window_unit", None) == "month":  # one file per month (Google Play): the request names the month
        forms = [(expected.date() if isinstance(expected, datetime) else expected).strftime("%Y%m")]
    assert any(form in text for text in texts for form in forms), (
        f"{stream.name}: cursor ignored: none of the second run's {len(sent)} requests carries its start "
        f"{expected} ({why}), so every run reads everything: send the window (WindowParams)"
    )


def _rendered(value: Any) -> list[str]:
    """The ways an API is usually sent a date or an instant."""
    moment = value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time(), tzinfo=timezone.utc)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    day = moment.date()
    # ``2026_11_18``: a day in a report file's name (Adyen's ``payments_accounting_report_2026_11_18.csv``)
    return [day.isoformat(), day.strftime("%Y%m%d"), day.strftime("%Y_%m_%d"), str(int(moment.timestamp())),
            str(int(moment.timestamp() * 1000))]


def _as_instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.combine(value, datetime.min.time(), tzinfo=timezone.utc)


def _days(cursor: Cursor, config: dict[str, Any]) -> str:
    if config.get("lookback_days") is not None:
        return f"{config['lookback_days']}-day"
    lookback = cursor.lookback
    return f"{lookback.days}-day" if lookback.seconds == 0 else f"{int(lookback.total_seconds())}-second"


def _endpoint(exchange: Any) -> str:
    return f"{exchange.request.get('method', 'GET')} {exchange.request.get('path', '')}"


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


def _token_grant(connector: Connector) -> bool:
    """True when the source's credential is exchanged at a token endpoint (OAuth grants, service accounts)."""
    from ..framework import auth

    credential = getattr(getattr(connector, "api", None), "auth", None)
    choices = credential.choices if isinstance(credential, auth.OneOf) else (credential,)
    return bool(choices) and all(isinstance(c, (auth.RefreshToken, auth.ClientCredentials, auth.ServiceAccount)) for c in choices)


def _self_signed(connector: Connector) -> bool:
    """True when the source's credential is a JWT the client signs for every request (no exchange)."""
    from ..framework import auth

    return isinstance(getattr(getattr(connector, "api", None), "auth", None), auth.SignedJwt)


def _field_names(contract: type[Contract]) -> set[str]:
    return {f.alias or n for n, f in contract.model_fields.items()} | set(contract.model_fields)


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


def _same_instant(a: Any, b: Any, day: bool = False) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime) and not day:
        return abs((_as_instant(a) - _as_instant(b)).total_seconds()) < 1
    a = a.date() if isinstance(a, datetime) else a
    b = b.date() if isinstance(b, datetime) else b
    return a == b


__all__ = ["SourceConformance", "CONFORMANCE_WORLD", "CANARY", "Sandbox", "Stream", "error_messages"]
