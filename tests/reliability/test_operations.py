"""Operating a run: what an operator does around a running `bosco-sync run` must not hurt it.

- `state show` while a run loads: the run's result and its tables are untouched, and
  no load package is left behind; `state show` answers (or says in one line why not).
- SIGTERM or SIGINT (Ctrl-C) stop the whole run: no further sync starts, one line says
  what was interrupted, exit 130; the next run completes and the tables equal a clean
  run's, with no duplicate keys.
- A project directory whose name holds a single quote syncs like any other.

Every run here is a real `bosco-sync run` process (forked from the zygote) against a
fake API with per-request latency, and the tests wait for what the run prints (or for
the requests the fake API has seen) before acting, never for a fixed time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bosco_connectors.cli.app import EXIT_INTERRUPTED, EXIT_OK
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sync import pipeline_name

from .helpers import (
    WORLD,
    WORLD_SEED,
    as_tenant,
    clean_run,
    cli_command,
    cli_env,
    committed_cursors,
    diff,
    duplicate_keys,
    pending_packages,
    snapshot,
    write_project,
)
from .processes import PHASES, Child, Zygote

TENANT = "acme"
#: Per-request latency of the fake API: a run lasts a few seconds, so there is time to act in it.
LATENCY = 0.03


@dataclass
class Project:
    """A project directory: fake API, bosco.toml, DuckDB file, state dir, and a clean reference."""

    root: Path
    api: FakeApi
    env: dict[str, str]
    config: Path
    db: Path
    home: Path
    sources: list[str]
    tenants: list[str]
    #: Per tenant, the rows a clean run loads; per source, the cursors it commits.
    reference: dict[str, dict] = field(default_factory=dict)
    reference_cursors: dict[str, dict] = field(default_factory=dict)

    @property
    def run_argv(self) -> list[str]:
        return ["run", "--config", str(self.config), "--state-dir", str(self.home)]

    @property
    def pipelines(self) -> Path:
        from bosco_connectors.cli.workdir import pipelines_dir

        return pipelines_dir(self.home)

    def pending(self) -> dict[str, list[str]]:
        found = {}
        for tenant in self.tenants:
            for source in self.sources:
                name = pipeline_name(tenant, source)
                if packages := pending_packages(self.pipelines, name):
                    found[name] = packages
        return found

    def reset(self) -> None:
        """Start over from nothing: no database, no state."""
        shutil.rmtree(self.pipelines, ignore_errors=True)
        shutil.rmtree(self.home, ignore_errors=True)
        for path in self.db.parent.glob(self.db.name + "*"):
            path.unlink()


@pytest.fixture
def project_for(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):
    apis: list[FakeApi] = []

    def make(
        sources: list[str],
        tenants: list[str] = [TENANT],  # noqa: B006 - never mutated
        *,
        dirname: str = "project",
        latency: float = LATENCY,
        app_options: dict | None = None,
        config: dict | None = None,
    ) -> Project:
        connectors = [get_connector(s) for s in sources]
        api = FakeApi([app_for(c, seed=WORLD_SEED, **WORLD, **(app_options or {})) for c in connectors], latency=latency).start()
        apis.append(api)
        root = tmp_path / dirname
        root.mkdir()
        env: dict[str, str] = {}
        db = root / "w.duckdb"
        jobs = [(t, c, {**sandbox_config(api, c), **(config or {})}) for t in tenants for c in connectors]
        project_file = write_project(root / "bosco.toml", jobs, duckdb_path=db, env=env)
        reference: dict[str, dict] = {t: {} for t in tenants}
        cursors: dict[str, dict] = {}
        for c in connectors:
            clean = clean_run(c.name, tmp_path_factory.getbasetemp())
            cursors[c.name] = clean.cursors
            for t in tenants:
                reference[t].update(as_tenant(clean.rows, t))
        return Project(root, api, cli_env(root, env), project_file, db, root / ".bosco", sources, tenants, reference, cursors)

    yield make
    for api in apis:
        api.stop()


def _assert_complete(project: Project) -> None:
    """The tables and cursors equal a clean run's, with no duplicate key and nothing pending."""
    expected: dict = {}
    for rows in project.reference.values():
        for table, counter in rows.items():
            expected[table] = expected.get(table, Counter()) + counter
    problems = diff(expected, snapshot(project.db))
    assert not problems, f"rows differ from a clean run: {problems}"
    for source in project.sources:
        assert not duplicate_keys(project.db, get_connector(source)), source
        for tenant in project.tenants:
            committed = committed_cursors(project.db, pipeline_name(tenant, source), source)
            assert committed == project.reference_cursors[source], f"{tenant}/{source} cursors"
    assert not project.pending(), f"load packages left behind: {project.pending()}"


# -- 14. `state show` while a run loads ---------------------------------------------------------


@dataclass
class Show:
    started: float
    ended: float
    code: int
    output: str


def _hammer_state_show(zygote: Zygote, project: Project, run: Child, shows: list[Show], lock: threading.Lock) -> None:
    """Run `state show` back to back until `run` exits."""
    argv = ["state", "show", "--config", str(project.config), "--state-dir", str(project.home), "--json"]
    while run.alive():
        with lock:  # the zygote serves one request at a time
            child = zygote.spawn(argv, project.env, project.root)
        started = time.monotonic()
        code = child.wait(timeout=120)
        shows.append(Show(started, time.monotonic(), code, child.output()))


def test_state_show_during_a_run_never_disturbs_it(project_for, tmp_path):
    project = project_for(["tiktok_ads"])
    zygote = Zygote(tmp_path, ["tiktok_ads"])
    try:
        for attempt in range(2):  # the first load, then an incremental one
            run = zygote.spawn(project.run_argv, project.env, project.root)
            shows: list[Show] = []
            lock = threading.Lock()
            hammers = [threading.Thread(target=_hammer_state_show, args=(zygote, project, run, shows, lock)) for _ in range(2)]
            for thread in hammers:
                thread.start()
            # Note when the run is loading, to prove that `state show` ran right then.
            loading_at = done_at = None
            while run.alive() or loading_at is None or done_at is None:
                text = run.output()
                now = time.monotonic()
                if loading_at is None and PHASES["load"] in text:
                    loading_at = now
                if done_at is None and PHASES["done"] in text:
                    done_at = now
                if not run.alive():
                    break
                time.sleep(0.002)
            code = run.wait()
            for thread in hammers:
                thread.join()
            output = run.output()
            assert code == EXIT_OK, f"run {attempt} was disturbed:\n{output}"
            assert "FAILED" not in output and "Traceback" not in output, output
            assert loading_at is not None and done_at is not None, output
            during_load = [s for s in shows if s.started <= done_at and s.ended >= loading_at]
            assert during_load, "no `state show` overlapped the load; the test proves nothing"
            for show in shows:
                assert show.code == EXIT_OK, f"state show failed during the run:\n{show.output}"
                rows = json.loads(show.output[show.output.index("["):])
                assert {r["stream"] for r in rows} >= {"report_campaign_daily"}
            assert not project.pending(), f"a load package was left behind: {project.pending()}"
    finally:
        zygote.close()
    _assert_complete(project)


# -- 15. SIGTERM and SIGINT stop the whole run ---------------------------------------------------


def _interrupted_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("interrupted")]


def _assert_stopped_cleanly(output: str, code: int) -> None:
    assert code == EXIT_INTERRUPTED, f"exit {code}, not {EXIT_INTERRUPTED}:\n{output}"
    assert "FAILED" not in output and "Traceback" not in output, output
    assert len(_interrupted_lines(output)) == 1, f"one line should say what was interrupted:\n{output}"


def _wait_until(condition, what: str, child: Child, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if not child.alive() or time.monotonic() > deadline:
            raise AssertionError(f"{what} never happened:\n{child.output()}")
        time.sleep(0.002)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_extracting_stops_the_whole_run(signum, project_for, tmp_path):
    project = project_for(["tiktok_ads"], ["acme", "beta"])
    zygote = Zygote(tmp_path, ["tiktok_ads"])
    try:
        run = zygote.spawn(project.run_argv, project.env, project.root)
        _wait_until(lambda: "acme/tiktok_ads: extracting" in run.output() and len(project.api.requests) >= 3,
                    "the first sync's extraction", run)
        run.signal(signum)
        code = run.wait(timeout=60)
        output = run.output()
        _assert_stopped_cleanly(output, code)
        name = signal.Signals(signum).name
        assert _interrupted_lines(output) == [
            f"interrupted by {name}: stopped acme/tiktok_ads (the next run completes it); not started: beta/tiktok_ads"
        ], output
        assert "beta/tiktok_ads: starting" not in output, "a sync started after the signal"

        again = zygote.spawn(project.run_argv, project.env, project.root)
        assert again.wait() == EXIT_OK, again.output()
    finally:
        zygote.close()
    _assert_complete(project)


def test_a_signal_while_loading_lets_the_load_finish_and_starts_nothing_more(project_for, tmp_path):
    project = project_for(["tiktok_ads"], ["acme", "beta"])
    zygote = Zygote(tmp_path, ["tiktok_ads"])
    try:
        for attempt in range(5):
            run = zygote.spawn(project.run_argv, project.env, project.root)
            _wait_until(lambda: "acme/tiktok_ads: loading" in run.output(), "the first sync's load", run)
            run.signal(signal.SIGINT)
            too_late = "ok acme/tiktok_ads" in run.output()  # the load had ended already: try again
            code = run.wait(timeout=60)
            output = run.output()
            if not too_late:
                break
            assert code == EXIT_INTERRUPTED, output
            project.reset()
        else:
            pytest.fail("the signal never reached a load in progress")
        _assert_stopped_cleanly(output, code)
        assert "ok acme/tiktok_ads" in output, f"the load in progress should have finished:\n{output}"
        assert _interrupted_lines(output) == ["interrupted by SIGINT: not started: beta/tiktok_ads"], output
        assert not diff(project.reference["acme"], snapshot(project.db, tenant="acme")), "acme's load is not complete"
        assert not snapshot(project.db, tenant="beta"), "beta was synced after the signal"
        assert not project.pending(), project.pending()

        again = zygote.spawn(project.run_argv, project.env, project.root)
        assert again.wait() == EXIT_OK, again.output()
    finally:
        zygote.close()
    _assert_complete(project)


def test_a_signal_stops_every_sync_of_a_run_with_workers(project_for, tmp_path):
    project = project_for(["tiktok_ads"], ["acme", "beta", "gamma"])
    zygote = Zygote(tmp_path, ["tiktok_ads"])
    try:
        run = zygote.spawn([*project.run_argv, "--workers", "2"], project.env, project.root)
        _wait_until(lambda: all(f"{t}/tiktok_ads: extracting" in run.output() for t in ("acme", "beta")),
                    "two syncs extracting", run)
        run.signal(signal.SIGTERM)
        code = run.wait(timeout=60)
        output = run.output()
        _assert_stopped_cleanly(output, code)
        (line,) = _interrupted_lines(output)
        assert line.startswith("interrupted by SIGTERM: ") and line.endswith("not started: gamma/tiktok_ads"), line
        assert "gamma/tiktok_ads: starting" not in output
        for tenant in ("acme", "beta"):  # each was stopped, or was loading and finished
            assert (f"stopped {tenant}" in line or f"{tenant}/tiktok_ads (" in line) != (f"ok {tenant}/tiktok_ads" in output), output

        again = zygote.spawn(project.run_argv, project.env, project.root)
        assert again.wait() == EXIT_OK, again.output()
    finally:
        zygote.close()
    _assert_complete(project)


def test_ctrl_c_during_a_shopify_bulk_export_stops_at_once(project_for, tmp_path):
    """The export stays RUNNING and the next poll is a minute away: Ctrl-C must not wait for it."""
    poll = 60.0
    project = project_for(["shopify"], app_options={"bulk_polls": 10_000}, config={"bulk": True, "bulk_poll_seconds": poll})
    zygote = Zygote(tmp_path, ["shopify"])
    try:
        run = zygote.spawn(project.run_argv, project.env, project.root)
        polls = lambda: [r for r in project.api.requests if b"BulkStatus" in r.body]  # noqa: E731
        _wait_until(lambda: len(polls()) >= 1, "a bulk export status poll", run)
        signalled = time.monotonic()
        run.signal(signal.SIGINT)
        code = run.wait(timeout=2 * poll)
        waited = time.monotonic() - signalled
        output = run.output()
    finally:
        zygote.close()
    _assert_stopped_cleanly(output, code)
    assert waited < poll / 4, f"the run took {waited:.1f}s to stop: it waited for the next poll"
    assert _interrupted_lines(output) == ["interrupted by SIGINT: stopped acme/shopify (the next run completes it)"], output
    assert not project.pending(), project.pending()


def test_the_run_after_a_ctrl_c_during_a_shopify_bulk_export_resumes_the_export_left_running(project_for, tmp_path):
    """Shopify keeps the interrupted export RUNNING: the next run must neither be refused
    ("already in progress") nor leave it running beside a new one (flagship item 7)."""
    project = project_for(["shopify"], app_options={"bulk_polls": 10_000}, config={"bulk": True, "bulk_poll_seconds": 60.0})
    app = project.api.apps["shopify"]
    zygote = Zygote(tmp_path, ["shopify"])
    try:
        run = zygote.spawn(project.run_argv, project.env, project.root)
        _wait_until(lambda: any(b"BulkStatus" in r.body for r in project.api.requests), "a bulk export status poll", run)
        run.signal(signal.SIGINT)
        code = run.wait(timeout=60)
        _assert_stopped_cleanly(run.output(), code)
        (left,) = app.bulk_operations
        assert left.status == "RUNNING"

        app.bulk_polls = 2  # Shopify finishes it (and the next ones) soon
        project.config.write_text(project.config.read_text().replace("bulk_poll_seconds = 60.0", "bulk_poll_seconds = 0.05"))
        again = zygote.spawn(project.run_argv, project.env, project.root)
        assert again.wait(timeout=120) == EXIT_OK, again.output()
    finally:
        zygote.close()
    # one export per bulk stream, the interrupted one among them (resumed: same stream, same range), none left running
    assert [o.status for o in app.bulk_operations] == ["COMPLETED"] * 3 and app.bulk_operations[0] is left
    _assert_complete(project)


# -- 18. a single quote in the project directory --------------------------------------------------


def test_a_quote_in_the_project_and_state_directories_breaks_no_load(project_for, tmp_path):
    """dlt writes load file paths into DuckDB SQL unescaped: a project under /home/o'neil
    must still load (its pipeline folders are kept where the path has no quote)."""
    project = project_for(["tiktok_ads"], dirname="o'neil", latency=0.0)
    project.home = project.root / "o'neil"  # the state directory too
    try:
        for attempt in range(2):  # the first load, then an incremental one
            run = subprocess.run(cli_command(*project.run_argv), cwd=project.root, env=project.env,
                                 capture_output=True, text=True, timeout=120)
            assert run.returncode == EXIT_OK, f"run {attempt}:\n{run.stderr}"
            assert "unterminated" not in run.stderr
        _assert_complete(project)
        assert "'" not in os.path.realpath(project.pipelines)
        assert (project.home / "pipelines.location").read_text().strip() == str(project.pipelines)
    finally:
        kept = project.pipelines  # outside tmp_path: remove it (asking again would recreate it)
        shutil.rmtree(kept, ignore_errors=True)
        try:
            kept.parent.rmdir()  # the private folder, if nothing else is in it
        except OSError:
            pass
