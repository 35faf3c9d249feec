"""A run lock so that cron never starts a second sync over a running one.

`fcntl.flock` is held by the open file descriptor, so the kernel releases it the
moment the process dies, however it dies: a lock file left by a killed run is never
"stuck". The pid written inside only serves the messages.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


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
