"""Secrets: canary credentials through every path, and not one of them comes back out.

Every credential field (`SecretStr`) of every source with a fake API gets a unique
canary value, and the fake APIs' own tokens count as secrets too. Then everything a
run leaves behind is scanned for them: log records at DEBUG (with the raw, unfiltered
tracebacks of failed requests), error lines, the ``--json`` summary, ``bosco-sync`` at
``-v`` and ``-vv``, ``state show`` (table and JSON), every table of the destination
(the decompressed dlt state included), every file of the state directory, and every
cassette under ``cassettes/``. Meta's ``paging.next`` URLs, which carry the token in
their query, are followed, failed, logged and recorded to a cassette.
"""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from bosco_connectors.cli.app import app
from bosco_connectors.framework import ApiClient, NextUrlInBody, RetryPolicy
from bosco_connectors.framework.errors import SourceError
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.sandbox import FakeApi, Fault, FakeRequest, FakeResponse, FaultPlan, app_for, sandbox_config
from bosco_connectors.testing.cassettes import REDACTED, cassette_dir, find_secrets, make_vcr

from .helpers import WORLD, WORLD_SEED, client_matrix, secret_fields, sandboxed, sandboxed_names, sync_into, write_project

#: Header-token and query-token (Meta) sources; the in-process test covers every source.
CORE_CLI = ("tiktok_ads", "facebook_ads")


def _canaries(connector: Any, config: dict[str, Any], tag: str) -> dict[str, Any]:
    """The config with each secret field replaced by a unique canary."""
    return {
        k: (f"canary-{tag}-{k}-{uuid.uuid4().hex[:12]}" if k in secret_fields(connector) else v)
        for k, v in config.items()
    }


def _secret_values(connector: Any, *configs: dict[str, Any]) -> list[str]:
    out = []
    for config in configs:
        for k in secret_fields(connector):
            v = config.get(k)
            if v is not None:
                out.append(v.get_secret_value() if isinstance(v, SecretStr) else str(v))
    return out


def dump_duckdb(db: Path) -> str:
    """Every row of every table in every schema, the dlt state decompressed."""
    from dlt.common.versioned_state import decompress_state

    con = duckdb.connect(str(db), read_only=True)
    try:
        parts = []
        for schema, table in con.execute("select table_schema, table_name from information_schema.tables").fetchall():
            rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
            parts.append(f"{schema}.{table}: {rows!r}")
            if table == "_dlt_pipeline_state":
                for (state,) in con.execute(f'select state from "{schema}"."{table}"').fetchall():
                    parts.append(json.dumps(decompress_state(state), default=str))
        return "\n".join(parts)
    finally:
        con.close()


def dump_dir(root: Path) -> str:
    """Every file below `root`, as text (state.json, schemas, load packages, the lock)."""
    parts = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        parts.append(f"--- {path}\n{path.read_bytes().decode('utf-8', errors='replace')}")
    return "\n".join(parts)


def _tracebacks(records: list[logging.LogRecord]) -> list[str]:
    return ["".join(traceback.format_exception(*r.exc_info)) for r in records if r.exc_info and r.exc_info[1] is not None]


def _raw_records_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop handlers a `bosco-sync` run left on the root logger: their redacting filter would
    rewrite each record (and its traceback) before caplog sees it; this test wants them raw."""
    from bosco_connectors.framework.redaction import RedactingFilter

    root = logging.getLogger()
    keep = [h for h in root.handlers if not any(isinstance(f, RedactingFilter) for f in h.filters)]
    monkeypatch.setattr(root, "handlers", keep)


def _assert_clean(outputs: dict[str, str], secrets: list[str]) -> None:
    assert len(secrets) >= 1 and all(len(s) >= 8 for s in secrets), secrets
    for where, text in outputs.items():
        found = find_secrets(text, secrets)
        assert not found, f"secret found in {where}: {found}"


# -- each source, in-process: errors, tracebacks, logs, summary, state --------------------------
# The kit checks every source's logs, errors, summaries and state for its secrets on each run; this
# deeper pass (DEBUG tracebacks, every destination table, every state file) runs over the
# representative sources by default and over every source with `-m slow`.


@pytest.mark.parametrize("name", client_matrix())
def test_no_secret_in_errors_tracebacks_logs_summary_or_state(name, tmp_path, caplog, monkeypatch, fast_clients):
    connector = get_connector(name)
    fast_clients(connector, attempts=2, timeout=0.5)
    caplog.set_level(logging.DEBUG)
    _raw_records_only(monkeypatch)
    db, pipes = tmp_path / "s.duckdb", tmp_path / "pipelines"
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        good = sandbox_config(api, connector)
        canary = _canaries(connector, good, "inproc")
        refused = sync_into(db, pipes, connector, canary)  # the API's own auth error
        api.faults = FaultPlan(rate=1.0, seed=1, kinds=(Fault.reset(), Fault.server_error(502), Fault.truncated(), Fault.html()))
        broken = sync_into(db, pipes, connector, good)  # transport and body failures, beyond the budget
        api.faults = FaultPlan()
        ok = sync_into(db, pipes, connector, good)
    assert not refused.ok and not broken.ok and ok.ok, (refused.failure_line, broken.failure_line, ok.failure_line)
    tracebacks = _tracebacks(caplog.records)
    assert len(tracebacks) >= 2, "the failed syncs should have logged their tracebacks at DEBUG"
    outputs = {
        "log records": caplog.text,
        "tracebacks": "\n".join(tracebacks),
        "errors": "\n".join(r.failure_line for r in (refused, broken)),
        "summary": json.dumps([r.as_dict() for r in (refused, broken, ok)]),
        "destination": dump_duckdb(db),
        "pipeline folder": dump_dir(pipes),
    }
    _assert_clean(outputs, _secret_values(connector, good, canary))


# -- the CLI at -v and -vv, --json, state show -------------------------------------------------


@pytest.fixture
def cli_world(tmp_path, monkeypatch):
    connectors = [get_connector(n) for n in CORE_CLI if n in sandboxed_names()]
    api = FakeApi([app_for(c, seed=WORLD_SEED, **WORLD) for c in connectors]).start()
    env: dict[str, str] = {}
    jobs = []
    for c in connectors:
        good = sandbox_config(api, c)
        jobs.append(("good", c, good))
        jobs.append(("canary", c, _canaries(c, good, "cli")))
    project = write_project(tmp_path / "bosco.toml", jobs, duckdb_path=tmp_path / "w.duckdb", env=env)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    secrets = [v for c in connectors for _, jc, cfg in jobs if jc is c for v in _secret_values(c, cfg)]
    yield project, secrets
    api.stop()


def test_no_secret_in_cli_output_at_any_verbosity_nor_in_state_show(cli_world, tmp_path, monkeypatch):
    project, secrets = cli_world
    outputs: dict[str, str] = {}
    for flags in (["-v", "--json"], ["-vv"]):
        monkeypatch.delenv("RUNTIME__LOG_LEVEL", raising=False)  # the CLI sets dlt's level per run
        home = tmp_path / ("home" + "".join(flags))
        result = CliRunner().invoke(app, ["run", "--config", str(project), "--state-dir", str(home), *flags], catch_exceptions=False)
        assert result.exit_code == 1, result.output  # the canary tenant fails, the good one loads
        assert "FAILED tenant=canary" in result.stderr and "ok good/tiktok_ads" in result.stderr
        outputs[f"run {' '.join(flags)} stdout"] = result.stdout
        outputs[f"run {' '.join(flags)} stderr"] = result.stderr
        outputs[f"state dir {' '.join(flags)}"] = dump_dir(home)
    assert "DEBUG" in outputs["run -vv stderr"] and "INFO" in outputs["run -v --json stderr"]
    summary = json.loads(outputs["run -v --json stdout"])
    assert {s["tenant"] for s in summary["syncs"] if not s["ok"]} == {"canary"}
    for flags in ([], ["--json"]):
        shown = CliRunner().invoke(app, ["state", "show", "--config", str(project), "--state-dir", str(tmp_path / "home-vv"), *flags])
        assert shown.exit_code == 0, shown.output
        outputs[f"state show {flags}"] = shown.stdout + shown.stderr
    assert "2026-11-20" in outputs["state show ['--json']"]
    outputs["destination"] = dump_duckdb(tmp_path / "w.duckdb")
    _assert_clean(outputs, secrets)


# -- cassettes on disk ---------------------------------------------------------------------------


def test_no_secret_in_any_cassette():
    secrets: list[str] = []
    for connector in sandboxed():
        fake = app_for(connector, seed=WORLD_SEED, **WORLD)
        secrets += _secret_values(connector, fake.source_config("http://127.0.0.1:1"))  # type: ignore[attr-defined]
    files = [p for p in cassette_dir().rglob("*") if p.is_file()]
    assert files, "no cassettes found"
    for path in files:
        found = find_secrets(path.read_text(errors="replace"), secrets)
        assert not found, f"{path}: {found}"


# -- Meta-style paging.next URLs that carry the token --------------------------------------------

TOKEN = "EAAB" + "canary" + "0123456789abcdefABCDEF"
SERVER_TOKEN = "EAAB" + "issuedbyserver" + "9876543210zyxw"  # never registered anywhere


class _GraphLike:
    """Two pages of a Graph-API-style edge; the second fails with an error that echoes its URL."""

    prefix = "graph"

    def __init__(self) -> None:
        self.root = ""

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.arg("access_token") not in (TOKEN, SERVER_TOKEN):
            return FakeResponse.json({"error": {"message": "Invalid OAuth access token.", "code": 190}}, 400)
        if request.arg("after") is None:
            next_url = f"{self.root}/v26.0/act_1/campaigns?access_token={SERVER_TOKEN}&limit=1&after=QVFIUm"
            return FakeResponse.json({"data": [{"id": "1"}], "paging": {"cursors": {"after": "QVFIUm"}, "next": next_url}})
        echoed = f"{self.root}{request.path}?access_token={request.arg('access_token')}&after=QVFIUm"
        return FakeResponse.json({"error": {"message": f"Service temporarily unavailable for {echoed}", "code": 2}}, 503)


def _follow_pages(client: ApiClient) -> SourceError:
    paginator = NextUrlInBody(path="paging.next")
    response, body = client.get("v26.0/act_1/campaigns", stream="campaigns", params={"access_token": TOKEN, "limit": 1})
    page = paginator.next(response, body, body["data"])
    assert page is not None and SERVER_TOKEN in page.url
    with pytest.raises(SourceError) as info:
        client.request_json("GET", page.url, stream="campaigns")
    return info.value


def test_paging_next_tokens_stay_out_of_errors_tracebacks_and_logs(caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    _raw_records_only(monkeypatch)
    graph = _GraphLike()
    with FakeApi([graph]) as api:
        graph.root = api.url("graph")
        client = ApiClient("meta_like", graph.root, retry=RetryPolicy(max_attempts=2, initial_wait=0.0, jitter=0.0), sleep=lambda s: None)
        error = _follow_pages(client)
    assert "503" in str(error) and "access_token=" in str(error), str(error)
    outputs = {
        "error": str(error),
        "traceback": "".join(traceback.format_exception(error)),
        "logs": caplog.text,
    }
    _assert_clean(outputs, [TOKEN, SERVER_TOKEN])


def test_paging_next_tokens_are_scrubbed_from_cassettes(tmp_path):
    graph = _GraphLike()
    path = tmp_path / "graph.yaml"
    with FakeApi([graph]) as api:
        graph.root = api.url("graph")
        real_root = "https://graph.facebook.com"
        with make_vcr(graph.root, real_root, "once").use_cassette(str(path)):
            client = ApiClient("meta_like", graph.root, retry=RetryPolicy(max_attempts=1), sleep=lambda s: None)
            _follow_pages(client)
    text = path.read_text()
    assert "graph.facebook.com/v26.0/act_1/campaigns" in text and "paging" in text
    assert f"access_token={REDACTED}" in text or "access_token=%2A%2A%2AREDACTED" in text
    assert not find_secrets(text, [TOKEN, SERVER_TOKEN]), "a token was written to the cassette"
