"""The Prefect flow on Prefect's own test harness (a temporary local API, no network),
against the local fake vendor APIs.

One harness serves the module (it takes ~10 s to start). The default suite keeps the fast
checks (a bad credential, the DuckDB refusal, deploy); the runs of many syncs are `slow`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest

from bosco_connectors.framework.registry import get_connector  # noqa: E402
from bosco_connectors.sandbox import FakeApi, Fault, app_for, sandbox_config  # noqa: E402
from tests.reliability.helpers import cli_env, diff, duplicate_keys, snapshot, write_project  # noqa: E402

END = date(2026, 11, 20)
SOURCES = ("tiktok_ads", "snapchat_ads")


@pytest.fixture(scope="module")
def harness() -> Iterator[str]:
    # imported here, not at collection: Prefect's server takes ~4 s to import in every xdist worker
    # (prefect is in the test extra: the flow is tested, never skipped)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        from prefect.settings import PREFECT_API_URL

        yield PREFECT_API_URL.value()


@pytest.fixture
def api(fake_api_factory) -> FakeApi:
    return fake_api_factory(*(get_connector(s) for s in SOURCES), seed=5, size="tiny", end_date=END)


def _project(path: Path, api: FakeApi, tenants: list[str], sources: tuple[str, ...], db: Path, *,
             limits: str = "", **config: Any) -> Path:
    env: dict[str, str] = {}
    jobs = [(t, get_connector(s), {**sandbox_config(api, get_connector(s)), **config}) for t in tenants for s in sources]
    write_project(path, jobs, duckdb_path=db, env=env)
    os.environ.update(env)  # the credentials the file refers to (removed by monkeypatch users below)
    path.write_text(path.read_text() + "\n" + limits)
    return path


def _run(**parameters: Any) -> tuple[dict[str, Any] | None, int, str | None]:
    from bosco_connectors.orchestration.prefect import run_flow

    parameters.setdefault("recipes", False)
    parameters.setdefault("retry_delay_seconds", 0)
    return run_flow(**parameters)


# -- default suite ---------------------------------------------------------------------------


def test_a_bad_credential_fails_once_not_retried_and_named(harness, api, tmp_path, monkeypatch):
    project = _project(tmp_path / "bosco.toml", api, ["acme"], ("tiktok_ads",), tmp_path / "w.duckdb")
    for name in [k for k in os.environ if k.startswith("BOSCO_T_ACME_TIKTOK")]:
        monkeypatch.setenv(name, "wrong-token-0123456789abcdef")
    summary, code, error = _run(config=str(project), retries=3)
    assert error is None and summary is not None
    assert code == 1
    [line] = summary["failures"]
    assert line.startswith("FAILED tenant=acme source=tiktok_ads stream="), line
    assert "wrong-token-0123456789abcdef" not in json.dumps(summary)
    # Not retried: the fake saw exactly the requests of one attempt (three retries were allowed).
    assert summary["syncs"][0]["requests"] == len(api.requests) >= 1
    task_runs = _task_runs("acme/tiktok_ads")
    assert [(r.state_name, r.run_count) for r in task_runs] == [("Failed", 1)]
    assert task_runs[-1].state.message and "FAILED tenant=acme source=tiktok_ads" in task_runs[-1].state.message


def test_a_lane_none_is_free_for_is_refused_at_once_without_an_error_line(harness):
    """The pool asks again when it sees a lane free: Prefect's own wait (its Retry-After grows
    with how long lanes are held) must not run, nor its ERROR line at each refusal."""
    import logging

    from prefect.client.orchestration import get_client

    from bosco_connectors.orchestration.prefect import lane_pools

    lane_pools({})  # installs the filter of refusals, as every flow run does
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name("bosco-test-one-lane", 1)
    seen: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = seen.append  # on the logger itself: Prefect's loggers do not reach the root's
    service_log = logging.getLogger("prefect._internal.concurrency")
    service_log.addHandler(catcher)
    try:
        _refused_then_free()
    finally:
        service_log.removeHandler(catcher)
    assert not [r for r in seen if r.levelno >= logging.ERROR], [r.getMessage() for r in seen]


def test_a_starving_worker_holds_one_slot_of_the_starving_counter_while_it_starves(harness):
    from prefect.client.orchestration import get_client

    from bosco_connectors.orchestration.prefect import StarvingSlot

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name("bosco-test-starving", 100)
        slot = StarvingSlot("bosco-test-starving")

        def starving() -> int:
            return client.read_global_concurrency_limit_by_name("bosco-test-starving").active_slots

        slot.hold(True)
        slot.hold(True)  # still starving: the same slot
        assert starving() == 1
        slot.hold(False)
        assert starving() == 0
        slot.hold(False)
        assert starving() == 0


def test_a_refusal_is_told_apart_however_prefect_raises_it():
    """Prefect raises a 423 wrapped in its ConcurrencySlotAcquisitionError, or, from its slot
    service's thread, as the HTTP error itself (seen in the benchmark: 41 syncs failed on it)."""
    import httpx
    from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError

    from bosco_connectors.orchestration.prefect import _locked

    def status(code: int) -> httpx.HTTPStatusError:
        request = httpx.Request("POST", "http://127.0.0.1/api/v2/concurrency_limits/increment-with-lease")
        return httpx.HTTPStatusError(f"{code}", request=request, response=httpx.Response(code, request=request))

    wrapped = ConcurrencySlotAcquisitionError("Unable to acquire concurrency slots: 423 Locked")
    wrapped.__cause__ = status(423)
    assert _locked(status(423)) and _locked(wrapped)
    other = ConcurrencySlotAcquisitionError("Unable to acquire concurrency slots: 404 Not Found")
    other.__cause__ = status(404)
    assert not _locked(status(503)) and not _locked(other) and not _locked(RuntimeError("423"))


def _refused_then_free() -> None:
    from bosco_connectors.orchestration.lanes import LaneRefused
    from bosco_connectors.orchestration.prefect import lane

    with lane("bosco-test-one-lane"):
        started = time.monotonic()
        with pytest.raises(LaneRefused):
            with lane("bosco-test-one-lane"):
                pytest.fail("two lanes of a limit of one")
        assert time.monotonic() - started < 5
    with lane("bosco-test-one-lane"):  # given back on exit: free again
        pass


def test_a_second_worker_on_one_duckdb_file_is_refused_with_one_line(harness, api, tmp_path):
    from bosco_connectors.cli.lock import RunLock

    db = tmp_path / "w.duckdb"
    project = _project(tmp_path / "bosco.toml", api, ["acme"], ("tiktok_ads",), db)
    with RunLock(db.with_name(db.name + ".workers.lock")):  # what a first worker's flow holds
        summary, code, error = _run(config=str(project))
    assert summary is None and code == 2
    assert f"another worker is already running bosco-sync on the DuckDB file {db}" in error
    assert "Snowflake" in error and "one worker" in error
    assert api.requests == [], "nothing may be read when the run is refused"


def test_deploy_creates_then_updates_one_deployment(harness, api, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from typer.testing import CliRunner

    from bosco_connectors.cli.app import app

    project = _project(tmp_path / "bosco.toml", api, ["acme"], ("tiktok_ads",), tmp_path / "w.duckdb")
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="pool-a", type="process"), overwrite=True)
    ids = []
    for cron in ("15 3 * * *", "30 4 * * *"):
        result = CliRunner().invoke(app, ["deploy", "prefect", "--config", str(project), "--cron", cron, "--work-pool", "pool-a"])
        assert result.exit_code == 0, result.output
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("bosco-sync/bosco-sync")
        ids.append(deployment.id)
        assert [s.schedule.cron for s in deployment.schedules] == [cron]
    assert ids[0] == ids[1], "the second deploy must update, not add"
    assert deployment.work_pool_name == "pool-a"
    assert deployment.entrypoint == "bosco_connectors.orchestration.prefect.bosco_sync"
    assert deployment.parameters == {"project": project.read_text()}
    assert deployment.global_concurrency_limit.limit == 1  # DuckDB: one run at a time


def test_deploy_refuses_a_bad_project_before_touching_prefect(tmp_path):
    from typer.testing import CliRunner

    from bosco_connectors.cli.app import app

    (tmp_path / "bosco.toml").write_text("[[tenants]]\nid = 'a'\n[tenants.sources.tiktok_ads]\n[limits.tiktok_ads]\nper_hour = 3\n")
    result = CliRunner().invoke(app, ["deploy", "prefect", "--config", str(tmp_path / "bosco.toml"), "--work-pool", "p"])
    assert result.exit_code == 2
    assert "[limits.tiktok_ads] unknown key(s) per_hour" in result.stderr


def test_serve_runs_the_flow_from_the_project_path(tmp_path, monkeypatch):
    from bosco_connectors.cli import prefect_cmd

    (tmp_path / "bosco.toml").write_text("[[tenants]]\nid = 'a'\n[tenants.sources.tiktok_ads]\naccess_token = { env = 'X' }\n")
    args = prefect_cmd.serve_arguments(Path("bosco.toml"), "15 3 * * *", "nightly")
    assert args == {"name": "nightly", "cron": "15 3 * * *", "parameters": {"config": str((tmp_path / "bosco.toml").resolve())}}


# -- slow: many syncs ------------------------------------------------------------------------


def _task_runs(name: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=[name])))
    return sorted(runs, key=lambda r: r.created)


@pytest.mark.slow
def test_six_tenants_two_sources_four_workers_never_exceed_a_vendor_limit_of_two(harness, api, tmp_path):
    limits = "[limits.tiktok_ads]\nin_flight = 2\n[limits.snapchat_ads]\nin_flight = 2\n"
    db = tmp_path / "w.duckdb"
    tenants = [f"t{i}" for i in range(6)]
    # One request at a time per sync, so that two syncs of one vendor could overlap.
    project = _project(tmp_path / "bosco.toml", api, tenants, SOURCES, db, limits=limits, max_workers=1)
    # ~17 requests a sync: at 120 ms each, a sync reads for ~2 s, so two syncs of a vendor
    # overlap even when one lane's ask meets the test server's SQLite lock (retried ~2 s later).
    api.latency = 0.12
    summary, code, error = _run(config=str(project), workers=4)
    assert code == 0, (error, summary and summary["failures"])
    assert len(summary["syncs"]) == 12 and all(s["ok"] for s in summary["syncs"])
    assert api.max_in_flight_by_vendor == {"tiktok_ads": 2, "snapchat_ads": 2}
    assert api.max_in_flight > 2, "the four workers never overlapped: the limit was not tested"
    for source in SOURCES:
        assert duplicate_keys(db, get_connector(source)) == {}
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()
    [summary_artifact] = [a for a in artifact if a.key == "bosco-sync-summary"]
    assert "| t5 | snapchat_ads | yes |" in summary_artifact.data


@pytest.mark.slow
def test_a_server_error_is_retried_and_the_tables_equal_a_clean_run(harness, api, tmp_path):
    clean_db, db = tmp_path / "clean.duckdb", tmp_path / "w.duckdb"
    clean = _project(tmp_path / "clean.toml", api, ["acme"], ("tiktok_ads",), clean_db)
    assert _run(config=str(clean), home=str(tmp_path / "clean-home"))[1] == 0
    api.clear()
    # A 503 whose Retry-After is beyond what a run waits: the sync fails at once, retryable.
    api.inject(Fault("status", 503, retry_after="100000"), times=1, path_contains="report/integrated/get")
    project = _project(tmp_path / "bosco.toml", api, ["acme"], ("tiktok_ads",), db)
    summary, code, error = _run(config=str(project), retries=2, home=str(tmp_path / "home"))
    assert code == 0, (error, summary and summary["failures"])
    assert [r.status for r in api.requests if r.status >= 500] == [503]
    [run] = _task_runs("acme/tiktok_ads")[-1:]
    assert run.run_count == 2
    assert diff(snapshot(clean_db), snapshot(db)) == []
    assert duplicate_keys(db, get_connector("tiktok_ads")) == {}


@pytest.mark.slow
def test_a_data_quality_failure_is_a_failed_task_with_the_cli_message(harness, api, tmp_path, monkeypatch):
    from bosco_connectors.cli import recipes_cmd

    line = "FAILED test fct_ad_performance_daily.spend_not_negative: 3 rows"
    outcome = {"ok": False, "build_failed": False, "built": [], "skipped": [], "tests_run": 1, "failures": [line], "warnings": []}
    monkeypatch.setattr(recipes_cmd, "build_and_test", lambda plan, **kw: outcome)
    project = _project(tmp_path / "bosco.toml", api, ["acme"], ("tiktok_ads",), tmp_path / "w.duckdb")
    summary, code, _ = _run(config=str(project), recipes=True)
    assert code == 4  # as `bosco-sync recipes build`
    assert summary["failures"] == [line]
    [recipes] = _task_runs("recipes")[-1:]
    assert recipes.state_name == "Failed" and line in recipes.state.message


CHILD = """
import sys
from bosco_connectors.orchestration.prefect import run_flow
summary, code, error = run_flow(config=sys.argv[1], recipes=False, retry_delay_seconds=0)
sys.exit(code)
"""


@pytest.mark.slow
def test_a_worker_killed_mid_sync_loses_and_duplicates_nothing(harness, api, tmp_path):
    connector = get_connector("tiktok_ads")
    clean_db, db = tmp_path / "clean.duckdb", tmp_path / "w.duckdb"
    clean = _project(tmp_path / "clean.toml", api, ["acme"], ("tiktok_ads",), clean_db)
    assert _run(config=str(clean), home=str(tmp_path / "clean-home"))[1] == 0
    total = len(api.requests)
    api.clear()
    api.latency = 0.05
    project = _project(tmp_path / "bosco.toml", api, ["acme"], ("tiktok_ads",), db)
    env = cli_env(tmp_path, {"PREFECT_API_URL": harness, "BOSCO_HOME": str(tmp_path / "home"), **{
        k: v for k, v in os.environ.items() if k.startswith("BOSCO_T_")}})
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(project)], env=env, cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(api.requests) < total // 2 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    assert child.poll() is None, "the worker ended before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait()
    api.latency = 0.0
    summary, code, error = _run(config=str(project), home=str(tmp_path / "home"))
    assert code == 0, (error, summary and summary["failures"])
    assert duplicate_keys(db, connector) == {}
    assert diff(snapshot(clean_db), snapshot(db)) == []
