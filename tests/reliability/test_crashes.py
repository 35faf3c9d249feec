"""Crashes: SIGKILL a `bosco-sync run` anywhere in extract, normalize or load; lose nothing.

A seeded RNG picks, for each run, a phase (extract, normalize, load, or the recovery of
a package an earlier kill left behind) and a kill point inside it: the n-th request sent
or file renamed in that phase (tests/reliability/zygote.py), counted on clean runs of the
same world, so where kills land does not depend on the machine's speed. The sync process
kills itself there with SIGKILL (no handler, no cleanup), and the next run starts over
the same state directory and DuckDB file. A
run that is not chosen for a kill runs to completion, and then the whole table set
must equal a clean run's. After every kill:

- no merge key appears twice in any table;
- the cursor committed in the destination (what a restore would give) is not past the
  newest row loaded for its stream;
- the cursor the next run starts from (the pipeline folder's, or the snapshot of a
  package whose abort the kill interrupted) is not past the newest loaded row unless a
  load package holding that data is pending;
- the next run detects the dead run's lock, frees it and names its pid.

At the end, after a last complete run, every table equals a clean run's row for row and
the committed cursors equal the clean run's.
"""

from __future__ import annotations

import random
import signal
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bosco_connectors.cli.app import EXIT_LOCKED, EXIT_OK
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.framework.spec import Cursor
from bosco_connectors.sandbox import FakeApi, Fault, app_for, sandbox_config
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
    local_cursors,
    max_loaded,
    next_start_cursors,
    pending_packages,
    snapshot,
    sync_into,
    write_project,
)
from .processes import PHASES, Child, Zygote

TENANT = "acme"
#: Per-request latency of the fake API: stretches extraction so kills land inside it.
LATENCY = 0.03
KILL_PHASES = ("extract", "normalize", "load", "recover")
#: A kill while recovering lands at one of its first points.
RECOVER_POINTS = 3


def _instant(value: Any) -> datetime | None:
    """A cursor value or a loaded value as a comparable UTC instant (dates at midnight)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text) if "T" in text or " " in text else datetime.fromisoformat(text + "T00:00:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass
class Scene:
    """One source's fake API, project file, state dir and clean reference."""

    name: str
    tmp: Path
    api: FakeApi
    env: dict[str, str]
    project: Path
    db: Path
    home: Path
    reference: dict = field(default_factory=dict)
    reference_cursors: dict = field(default_factory=dict)
    #: Kill points per phase: the fewest a clean run passed (a first load or a later one).
    points: dict[str, int] = field(default_factory=dict)

    @property
    def argv(self) -> list[str]:
        return ["run", "--config", str(self.project), "--state-dir", str(self.home)]

    @property
    def pipelines(self) -> Path:
        return self.home / "pipelines"

    @property
    def pipeline(self) -> str:
        return pipeline_name(TENANT, self.name)


@pytest.fixture
def scene_for(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):
    apis: list[FakeApi] = []

    def make(name: str) -> Scene:
        connector = get_connector(name)
        api = FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)], latency=LATENCY).start()
        apis.append(api)
        env: dict[str, str] = {}
        root = tmp_path / name
        root.mkdir()
        db = root / "w.duckdb"
        project = write_project(root / "bosco.toml", [(TENANT, connector, sandbox_config(api, connector))], duckdb_path=db, env=env)
        scene = Scene(name, root, api, cli_env(root, env), project, db, root / "home")
        clean = clean_run(name, tmp_path_factory.getbasetemp())  # the same world, synced once per session
        scene.reference = as_tenant(clean.rows, TENANT)
        scene.reference_cursors = clean.cursors
        assert scene.reference and scene.reference_cursors
        return scene

    yield make
    for api in apis:
        api.stop()


def _calibrate(zygote: Zygote, scene: Scene) -> None:
    """Two clean CLI runs (a first load, then an incremental one) count each phase's kill points."""
    for _ in range(2):
        child = zygote.spawn(scene.argv, scene.env, scene.tmp)
        assert child.wait() == EXIT_OK, child.output()
        for phase, n in child.points().items():
            scene.points[phase] = min(n, scene.points.get(phase, n))
    assert all(scene.points.get(p, 0) > 1 for p in ("extract", "normalize", "load")), scene.points
    # Start over from nothing, so that kills hit first loads as well as later ones.
    for path in (scene.db, scene.home):
        if path.is_dir():
            import shutil

            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _check_after_kill(scene: Scene, note: str) -> None:
    connector = get_connector(scene.name)
    loaded: dict[str, Any] = {}
    if scene.db.exists():
        dupes = duplicate_keys(scene.db, connector)
        assert not dupes, f"{note}: duplicate keys {dupes}\n{_diagnose(scene, dupes)}"
        loaded = max_loaded(scene.db, connector, TENANT)
    committed = committed_cursors(scene.db, scene.pipeline, scene.name)
    local = next_start_cursors(scene.pipelines, scene.pipeline, scene.name)
    pending = pending_packages(scene.pipelines, scene.pipeline)
    for stream in connector.streams:
        if not isinstance(stream.cursor, Cursor):
            continue
        newest = _instant(loaded.get(stream.name))
        for where, cursors in (("committed", committed), ("local", local)):
            value = _instant(cursors.get(stream.name, {}).get(stream.cursor.field))
            if value is None:
                continue
            if where == "local" and pending:
                continue  # the pending package holds the rows this cursor covers; the next run loads it
            assert newest is not None and value <= newest, (
                f"{note}: {where} cursor of {stream.name} is {value}, but the newest loaded row is {newest} "
                f"(pending packages: {pending})\n{_diagnose(scene, {})}"
            )


def _diagnose(scene: Scene, dupes: dict[str, int]) -> str:
    """Which loads wrote the duplicated rows, what dlt recorded, which packages are on disk."""
    import duckdb

    connector = get_connector(scene.name)
    lines: list[str] = []
    con = duckdb.connect(str(scene.db), read_only=True) if scene.db.exists() else None
    try:
        if con is None:
            raise FileNotFoundError(scene.db)
        for table in dupes:
            stream = next(s for s in connector.streams if connector.table_name(s) == table)
            keys = ", ".join(f'"{k}"' for k in ("tenant_id", *stream.primary_key))
            rows = con.execute(
                f'select {keys}, _dlt_load_id from raw."{table}" where ({keys}) in '
                f'(select {keys} from raw."{table}" group by {keys} having count(*) > 1) order by all limit 6'
            ).fetchall()
            lines.append(f"{table}: {rows}")
        lines.append(f"_dlt_loads: {con.execute('select load_id, status from raw._dlt_loads order by 1').fetchall()}")
        lines.append(f"_dlt_pipeline_state: {con.execute('select version, _dlt_load_id from raw._dlt_pipeline_state order by 1').fetchall()}")
    except Exception as exc:  # noqa: BLE001 - diagnostics must not hide the failure
        lines.append(f"(no destination details: {exc!r})")
    finally:
        if con is not None:
            con.close()
    root = scene.pipelines / scene.pipeline
    lines += [str(p.relative_to(root)) for p in sorted(root.glob("load/*/*")) + sorted(root.glob("load/*/*/*"))][:40]
    return "\n".join(lines)


def _crash_many(scene: Scene, zygote: Zygote, seed: int, kills: int) -> dict[str, int]:
    rng = random.Random(seed)
    killed: dict[str, int] = {}
    runs = 0
    queue: list[str] = []
    last_killed: int | None = None
    while sum(killed.values()) < kills or not set(KILL_PHASES[:-1]) <= set(killed):
        runs += 1
        assert runs < kills * 4, f"too few kills landed: {killed} in {runs} runs"
        if not queue:  # every phase in turn, in a seeded order
            queue = rng.sample(KILL_PHASES[:-1], 3)
        if pending_packages(scene.pipelines, scene.pipeline) and rng.random() < 0.5:
            phase = "recover"  # kill the run that is finishing what the last kill left behind
        else:
            phase = queue.pop()
        # Recovering a package passes only a few points (an abort fewer than a load): kill early in it.
        at = rng.randint(1, RECOVER_POINTS if phase == "recover" else scene.points[phase])
        child = zygote.spawn(scene.argv, scene.env, scene.tmp, kill=(phase, at))
        note = f"seed {seed} run {runs} ({phase} point {at})"
        child.wait_for("start")
        if last_killed is not None:  # the lock the killed run held is detected, freed and named
            # (unless the kill came after the sync had finished and released it)
            assert f"freed a stale lock left by a run that died (pid {last_killed} since" in child.output(), (
                f"{note}: no clear stale-lock note naming pid {last_killed}:\n{child.output()!r}"
            )
        last_killed = None
        code = child.ended()
        if code is None:  # killed at its point
            killed[phase] = killed.get(phase, 0) + 1
            last_killed = None if PHASES["done"] in child.output() else child.pid
            _check_after_kill(scene, note)
            continue
        if phase != "recover":
            queue.append(phase)  # this run passed fewer points than drawn; try this phase again
        # The run passed fewer points than drawn: it must have succeeded, and repaired everything.
        assert code == EXIT_OK, f"{note}: run failed:\n{child.output()}"
        problems = diff(scene.reference, snapshot(scene.db))
        assert not problems, f"{note}: a completed run after kills left different rows: {problems}"
    return killed


def _finish(scene: Scene, zygote: Zygote) -> None:
    child = zygote.spawn(scene.argv, scene.env, scene.tmp)
    assert child.wait() == EXIT_OK, child.output()
    connector = get_connector(scene.name)
    problems = diff(scene.reference, snapshot(scene.db))
    assert not problems, f"after the kills, rows differ from a clean run: {problems}"
    assert not duplicate_keys(scene.db, connector)
    assert committed_cursors(scene.db, scene.pipeline, scene.name) == scene.reference_cursors
    assert not pending_packages(scene.pipelines, scene.pipeline)


DEFAULT_PLAN = [("tiktok_ads", 1, 6), ("shopify", 1, 6)]
SLOW_PLAN = [(name, seed, 12) for name in ("tiktok_ads", "shopify") for seed in (2, 3, 4)]  # 72 kills


@pytest.mark.parametrize("name, seed, kills", DEFAULT_PLAN, ids=[f"{n}-seed{s}-{k}kills" for n, s, k in DEFAULT_PLAN])
def test_sigkill_anywhere_loses_and_duplicates_nothing(name, seed, kills, scene_for, tmp_path):
    scene = scene_for(name)
    zygote = Zygote(tmp_path, [name])
    try:
        _calibrate(zygote, scene)
        killed = _crash_many(scene, zygote, seed, kills)
        _finish(scene, zygote)
    finally:
        zygote.close()
    assert {"extract", "normalize", "load"} <= set(killed), f"every phase should be hit: {killed}"


@pytest.mark.slow
@pytest.mark.parametrize("name, seed, kills", SLOW_PLAN, ids=[f"{n}-seed{s}-{k}kills" for n, s, k in SLOW_PLAN])
def test_sigkill_many_seeds(name, seed, kills, scene_for, tmp_path):
    scene = scene_for(name)
    zygote = Zygote(tmp_path, [name])
    try:
        _calibrate(zygote, scene)
        _crash_many(scene, zygote, seed, kills)
        _finish(scene, zygote)
    finally:
        zygote.close()


# -- the run lock, with real `bosco-sync` processes --------------------------------------


def test_two_runs_started_together_one_runs_the_other_exits_3(scene_for):
    scene = scene_for("tiktok_ads")
    # The first request stalls, so whichever run wins the lock still holds it when the other asks.
    scene.api.inject(Fault.slow(4.0), times=1)
    procs = [
        subprocess.Popen(cli_command(*scene.argv), env=scene.env, cwd=scene.tmp, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = sorted((p.wait(timeout=120), p.stderr.read()) for p in procs)  # type: ignore[union-attr]
    for p in procs:
        p.stdout.close()  # type: ignore[union-attr]
        p.stderr.close()  # type: ignore[union-attr]
    (ok_code, ok_err), (locked_code, locked_err) = outcomes
    assert ok_code == EXIT_OK, ok_err
    assert locked_code == EXIT_LOCKED, locked_err
    assert "already running" in locked_err and "pid " in locked_err
    assert "FAILED" not in locked_err
    assert not diff(scene.reference, snapshot(scene.db)), "the run that held the lock loaded different rows"


def test_a_stale_lock_of_a_killed_run_is_freed_by_the_next_run(scene_for):
    scene = scene_for("tiktok_ads")
    first = subprocess.Popen(cli_command(*scene.argv), env=scene.env, cwd=scene.tmp, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        for line in first.stderr:  # type: ignore[union-attr]
            if PHASES["extract"] in line:
                break
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait()
        first.stderr.close()  # type: ignore[union-attr]
    assert first.returncode == -signal.SIGKILL
    lock = scene.home / "bosco-sync.lock"
    assert f"pid {first.pid}" in lock.read_text(), "the killed run's lock file should still name it"

    second = subprocess.Popen(cli_command(*scene.argv), env=scene.env, cwd=scene.tmp, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    lines = []
    for line in second.stderr:  # type: ignore[union-attr]
        lines.append(line)
        if PHASES["extract"] in line:
            # While it runs, the lock names the second run, and only it (no leftover bytes).
            assert lock.read_text().startswith(f"pid {second.pid} since "), repr(lock.read_text())
    assert second.wait(timeout=120) == EXIT_OK, "".join(lines)
    second.stderr.close()  # type: ignore[union-attr]
    err = "".join(lines)
    assert f"note: freed a stale lock left by a run that died (pid {first.pid} since " in err, err
    assert lock.read_text() == "", "a finished run leaves the lock file empty"
    assert not diff(scene.reference, snapshot(scene.db))


def test_the_after_kill_checks_catch_a_cursor_past_the_loaded_rows(scene_for):
    """The invariant checked after each kill is not vacuous: a cursor ahead of the data fails it."""
    from dlt.common import json as dlt_json

    scene = scene_for("tiktok_ads")
    connector = get_connector(scene.name)
    result = sync_into(scene.db, scene.pipelines, connector, sandbox_config(scene.api, connector), tenant=TENANT)
    assert result.ok, result.failure_line
    _check_after_kill(scene, "clean")
    state_file = scene.pipelines / scene.pipeline / "state.json"
    state = dlt_json.typed_loads(state_file.read_text())
    inc = state["sources"][scene.name]["resources"]["report_campaign_daily"]["incremental"]["stat_time_day"]
    inc["last_value"] = date(2027, 1, 1)
    state_file.write_text(dlt_json.typed_dumps(state))
    with pytest.raises(AssertionError, match="local cursor of report_campaign_daily"):
        _check_after_kill(scene, "tampered")


def test_a_load_applied_but_not_recorded_is_not_applied_twice(tmp_path, tmp_path_factory):
    """The window a random kill rarely hits, made deterministic: every job of a package has
    run against the destination (staging filled, merges committed), but the process died
    before dlt recorded any of them. Resuming that package would insert its staging rows
    a second time, and the merge of a table with nested tables (shopify orders and their
    line items, deduplicated on ``_dlt_id``) would then hold duplicate keys. The next run
    must instead drop the package and read its data again.
    """
    import shutil

    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.sync import build_source, finish_pending, make_pipeline

    connector = get_connector("shopify")
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        config = sandbox_config(api, connector)
        db, pipes = tmp_path / "w.duckdb", tmp_path / "pipelines"
        pipeline = make_pipeline(TENANT, "shopify", duckdb_destination(db), pipelines_dir=pipes)
        for _ in range(2):
            source, _ = build_source(connector, config, tenant_id=TENANT)
            pipeline.extract(source)
            pipeline.normalize()
            (load_id,) = pipeline.list_normalized_load_packages()
            package = pipes / pipeline.pipeline_name / "load" / "normalized" / load_id
            shutil.rmtree(tmp_path / "copy", ignore_errors=True)
            shutil.copytree(package, tmp_path / "copy")
            pipeline.load()
        assert not duplicate_keys(db, connector)
        # Put the second package back as the killed process left it: every job started, none done.
        shutil.rmtree(pipes / pipeline.pipeline_name / "load" / "loaded" / load_id)
        shutil.copytree(tmp_path / "copy", package)
        for job in list((package / "new_jobs").iterdir()):
            job.rename(package / "started_jobs" / job.name)

        said: list[str] = []
        finish_pending(pipeline, said.append)  # what the next run does first
        assert not duplicate_keys(db, connector), f"{said}: {duplicate_keys(db, connector)}"
        assert not pending_packages(pipes, pipeline.pipeline_name)
        result = sync_into(db, pipes, connector, config, tenant=TENANT)
        assert result.ok, result.failure_line
    assert not duplicate_keys(db, connector), duplicate_keys(db, connector)
    assert not diff(as_tenant(clean_run("shopify", tmp_path_factory.getbasetemp()).rows, TENANT), snapshot(db))
    assert not pending_packages(pipes, pipeline.pipeline_name)


def test_a_schema_write_cut_before_its_rename_does_not_stop_the_next_runs(tmp_path):
    """dlt writes a schema to ``schemas/<16 hex digits>`` and renames it; a kill in between
    left that file, and the next run's drop of a begun load failed on it (FileNotFoundError
    while emptying the schema folder: found by the random kills above, seed 3)."""
    import shutil

    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.sync import build_source, finish_pending, make_pipeline

    connector = get_connector("tiktok_ads")
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        config = sandbox_config(api, connector)
        db, pipes = tmp_path / "w.duckdb", tmp_path / "pipelines"
        pipeline = make_pipeline(TENANT, "tiktok_ads", duckdb_destination(db), pipelines_dir=pipes)
        source, _ = build_source(connector, config, tenant_id=TENANT)
        pipeline.extract(source)
        pipeline.normalize()
        (load_id,) = pipeline.list_normalized_load_packages()
        package = pipes / pipeline.pipeline_name / "load" / "normalized" / load_id
        (job, *_) = sorted((package / "new_jobs").iterdir())
        job.rename(package / "started_jobs" / job.name)  # the load had begun when the process died
        schemas = pipes / pipeline.pipeline_name / "schemas"
        (installed,) = schemas.glob("*.schema.json")
        shutil.copy(installed, schemas / "e8c5793c09f548b0")  # ...while dlt was saving a schema

        said: list[str] = []
        finish_pending(pipeline, said.append)
        assert any("dropping a load" in line for line in said), said
        assert not (schemas / "e8c5793c09f548b0").exists()
        result = sync_into(db, pipes, connector, config, tenant=TENANT)
        assert result.ok, result.failure_line
    assert not duplicate_keys(db, connector)
    assert not pending_packages(pipes, pipeline.pipeline_name)


def test_duckdb_merges_run_in_a_transaction(tmp_path):
    """dlt 1.31 leaves `supports_transactions` unset for DuckDB, so a merge without DDL ran
    its DELETE and INSERT in autocommit; a kill between them lost the re-read rows (found
    by the random kills above). The CLI's DuckDB factory turns transactions on."""
    from bosco_connectors.destinations.duckdb import duckdb_destination

    assert duckdb_destination(tmp_path / "x.duckdb").capabilities().supports_transactions is True


def test_an_abort_killed_before_its_state_restore_is_finished_by_the_next_run(tmp_path, tmp_path_factory):
    """Another window found by the random kills, made deterministic: dlt archives an aborted
    package first and rewinds the local cursors afterwards. A run killed in between leaves
    the cursors of data that was never loaded and nothing pending; the next run read only
    the look-back and the rest of the history was never loaded."""
    import shutil

    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.sync import build_source, make_pipeline

    connector = get_connector("tiktok_ads")
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        config = sandbox_config(api, connector)
        db, pipes = tmp_path / "w.duckdb", tmp_path / "pipelines"
        pipeline = make_pipeline(TENANT, connector.name, duckdb_destination(db), pipelines_dir=pipes)
        source, _ = build_source(connector, config, tenant_id=TENANT)
        pipeline.extract(source)  # the first run's cursors are saved locally at extract time
        pipeline.normalize()
        state_file = pipes / pipeline.pipeline_name / "state.json"
        advanced = tmp_path / "advanced-state.json"
        shutil.copy(state_file, advanced)
        pipeline.abort_packages()  # archives the package as aborted, then restores the state...
        assert local_cursors(pipes, pipeline.pipeline_name, connector.name) == {}
        shutil.copy(advanced, state_file)  # ...which the kill prevented
        assert local_cursors(pipes, pipeline.pipeline_name, connector.name)
        assert not pending_packages(pipes, pipeline.pipeline_name)

        result = sync_into(db, pipes, connector, config, tenant=TENANT)
        assert result.ok, result.failure_line
    expected = as_tenant(clean_run(connector.name, tmp_path_factory.getbasetemp()).rows, TENANT)
    assert not diff(expected, snapshot(db)), "the next run started from cursors of data never loaded"


def test_an_abort_killed_after_it_was_requested_is_finished_before_the_next_extract(tmp_path, tmp_path_factory):
    """The third window found by the random kills: a run killed just after dlt flagged a
    package for abort. dlt's `has_pending_data` hides flagged packages, so the next run
    extracted first; its load then finished the abort, which rewinds the cursors and deletes
    every newer package, the new one included, while the run reported success."""
    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.sync import build_source, make_pipeline

    connector = get_connector("tiktok_ads")
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        config = sandbox_config(api, connector)
        db, pipes = tmp_path / "w.duckdb", tmp_path / "pipelines"
        pipeline = make_pipeline(TENANT, connector.name, duckdb_destination(db), pipelines_dir=pipes)
        source, _ = build_source(connector, config, tenant_id=TENANT)
        pipeline.extract(source)
        pipeline.normalize()
        (load_id,) = pipeline.list_normalized_load_packages()
        # What `abort_packages()` does first; the kill came before its `load()` carried it out.
        pipeline._get_load_storage().normalized_packages.set_abort_flag(load_id)
        assert not pipeline.has_pending_data and pending_packages(pipes, pipeline.pipeline_name)

        result = sync_into(db, pipes, connector, config, tenant=TENANT)
        assert result.ok, result.failure_line
    expected = as_tenant(clean_run(connector.name, tmp_path_factory.getbasetemp()).rows, TENANT)
    assert not diff(expected, snapshot(db)), "the run's own package was dropped with the aborted one"
    assert not pending_packages(pipes, pipeline.pipeline_name)


def test_a_load_storage_killed_while_being_made_is_completed_by_the_next_run(tmp_path, tmp_path_factory):
    """Found by the kills at instrumented points: dlt makes a storage's folder, then its
    ``.version``, then its folders (``new``, ``normalized``, ``loaded``). A first run
    killed in between left ``load/`` alone, and every later run failed at once listing
    ``load/normalized`` (FileNotFoundError), for good."""
    import shutil

    connector = get_connector("tiktok_ads")
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        config = sandbox_config(api, connector)
        db, pipes = tmp_path / "w.duckdb", tmp_path / "pipelines"
        first = sync_into(db, pipes, connector, config, tenant=TENANT)
        assert first.ok, first.failure_line
        load = pipes / pipeline_name(TENANT, connector.name) / "load"
        for made in [p for p in load.iterdir()]:  # as the kill left it: the folder, nothing inside
            shutil.rmtree(made) if made.is_dir() else made.unlink()
        second = sync_into(db, pipes, connector, config, tenant=TENANT)
        assert second.ok, second.failure_line
    assert not diff(as_tenant(clean_run("tiktok_ads", tmp_path_factory.getbasetemp()).rows, TENANT), snapshot(db))
