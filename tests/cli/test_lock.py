from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bosco_connectors.cli.lock import AlreadyRunning, RunLock

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bosco_connectors.cli.lock import RunLock
    lock = RunLock(Path(sys.argv[1])).acquire()
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def _hold(path: Path, seconds: float = 30) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_holder_is_refused_with_the_first_pid(tmp_path: Path) -> None:
    path = tmp_path / "bosco-sync.lock"
    proc = _hold(path)
    try:
        with pytest.raises(AlreadyRunning) as info:
            RunLock(path).acquire()
        assert f"pid {proc.pid}" in str(info.value)
        assert "already running" in str(info.value)
    finally:
        proc.kill()
        proc.wait()


def test_lock_of_a_killed_process_is_freed_and_reported_stale(tmp_path: Path) -> None:
    path = tmp_path / "bosco-sync.lock"
    proc = _hold(path)
    proc.kill()  # SIGKILL: no cleanup runs, the file still names the dead pid
    proc.wait()
    assert f"pid {proc.pid}" in path.read_text()
    lock = RunLock(path).acquire()
    try:
        assert lock.stale_holder and f"pid {proc.pid}" in lock.stale_holder
    finally:
        lock.release()


def test_released_lock_leaves_no_stale_holder(tmp_path: Path) -> None:
    path = tmp_path / "bosco-sync.lock"
    with RunLock(path):
        pass
    with RunLock(path) as again:
        assert again.stale_holder is None


# -- turns at a DuckDB file ------------------------------------------------------------------

LOADER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bosco_connectors.cli.lock import DatabaseTurns
    with DatabaseTurns(Path(sys.argv[1])):
        print("loading", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_a_reader_waits_for_a_load_says_so_and_gives_up_after_its_wait(tmp_path: Path) -> None:
    from bosco_connectors.cli.lock import DatabaseBusy, DatabaseTurns

    db = tmp_path / "w.duckdb"
    loader = subprocess.Popen([sys.executable, "-c", LOADER, str(db), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert loader.stdout.readline().strip() == "loading"
        told: list[str] = []
        with pytest.raises(DatabaseBusy, match="kept loading into"):
            with DatabaseTurns(db).reading(wait=0.3, on_wait=lambda: told.append("waiting")):
                pass
        assert told == ["waiting"]
    finally:
        loader.kill()
        loader.wait()
        loader.stdout.close()
    with DatabaseTurns(db).reading(wait=0.0, on_wait=lambda: told.append("again")):
        pass  # the kernel freed the dead loader's turn
    assert told == ["waiting"]
