"""Locks between bosco-sync processes: one run at a time, and turns at a DuckDB file.

`RunLock` stops cron from starting a second sync over a running one. `DatabaseTurns`
lets a run's loads and `state show`'s reads of one DuckDB file take turns: DuckDB lets
one process write a file or several read it, never both, so a reader that opened the
file while a run was loading would make the run's load fail (and a run that was
loading would make the reader fail).

`fcntl.flock` is held by the open file descriptor, so the kernel releases it the
moment the process dies, however it dies: a lock file left by a killed run is never
"stuck". The pid written inside the run lock only serves the messages.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


class AlreadyRunning(Exception):
    """Another bosco-sync holds the lock."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        super().__init__(f"another bosco-sync run is already running ({holder}); lock: {path}")


class RunLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.stale_holder: str | None = None

    def acquire(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd) or "pid unknown"
            os.close(fd)
            raise AlreadyRunning(self.path, holder) from None
        previous = _read(fd)
        if previous:
            # The file names a run that no longer holds the lock: it died without cleaning up.
            self.stale_holder = previous
        os.ftruncate(fd, 0)
        # Reading the stale holder moved the offset: without the seek the new record would be
        # written after that many NUL bytes, and the next run could not name this one.
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%S%z')}".encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 200).decode(errors="replace").strip()


class DatabaseBusy(Exception):
    """A run kept loading into the DuckDB file for longer than a reader would wait."""


class DatabaseTurns:
    """Turns at one DuckDB file: a run's loads one at a time, readers in between.

    The lock is ``<file>.lock`` beside the database, so every bosco-sync process that
    uses the file meets there, whatever its state directory. A run holds it exclusively
    for each load (threads of one run queue on a thread lock first); `reading` holds it
    shared while a read-only connection is open, which is a few milliseconds.
    """

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._threads = threading.Lock()
        self._fd: int | None = None

    def __enter__(self) -> "DatabaseTurns":
        self._threads.acquire()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # waits for readers, who hold it for milliseconds
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            self._threads.release()
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        self._threads.release()

    @contextmanager
    def reading(self, *, wait: float, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
        """Hold a reader's turn; if a run is loading, call `on_wait` once and wait up to `wait` s.

        Raises `DatabaseBusy` when the run still loads after `wait` seconds. Where the
        lock file cannot be created (a read-only folder), no run can load there either.
        """
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield
            return
        try:
            deadline = time.monotonic() + wait
            told = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not told:
                        on_wait()
                        told = True
                    if time.monotonic() >= deadline:
                        raise DatabaseBusy(
                            f"a bosco-sync run kept loading into {self.database} for {wait:.0f}s; try again when it is done"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock
