"""SIGINT (Ctrl-C) and SIGTERM stop a whole `bosco-sync run`, cleanly.

On the first signal no further sync starts. The sync in progress stops at once
(`Interrupted` is raised on the main thread, and waits on other threads wake up
through `framework.interrupt`), unless it is loading: a load runs to its end under
`shielded`, since it is the one step that writes to the destination. What a stopped
sync had extracted is either read again or loaded by the next run, exactly as after a
crash. A second signal ends the process at once, as a kill would, with the same
guarantees (tests/reliability/test_crashes.py).

dlt installs its own handlers during normalize and load, which would fail the sync in
progress instead; `StopOnSignal` turns them off for the run.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from ..framework import interrupt

SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: dlt's switch for its own signal handlers in normalize and load.
DLT_SETTING = "RUNTIME__INTERCEPT_SIGNALS"


class StopOnSignal:
    """Install the handlers for the duration of a run (on the main thread only).

    ``raise_now``: raise `Interrupted` on the main thread when the signal arrives
    (the runner runs syncs there); otherwise the signal only requests the stop, which
    the worker threads see at their next step, page or wait.
    """

    def __init__(self, *, raise_now: bool = True) -> None:
        self.raise_now = raise_now
        self._shields = 0
        self._previous: dict[int, Any] = {}
        self._dlt_setting: str | None = None

    def __enter__(self) -> "StopOnSignal":
        interrupt.reset()
        self._dlt_setting = os.environ.get(DLT_SETTING)
        os.environ[DLT_SETTING] = "false"  # dlt's own handlers would fail the sync in progress
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
        if self._dlt_setting is None:
            os.environ.pop(DLT_SETTING, None)
        else:
            os.environ[DLT_SETTING] = self._dlt_setting

    @contextmanager
    def shielded(self) -> Iterator[None]:
        """A step that must run to its end once begun: a signal during it waits for it."""
        self._shields += 1
        try:
            yield
        finally:
            self._shields -= 1

    def _handle(self, signum: int, frame: Any) -> None:
        if interrupt.stop_requested():
            # The second signal: stop now, as a kill would (the next run repairs what is left).
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        interrupt.request_stop(signum)
        if self.raise_now and not self._shields:
            raise interrupt.Interrupted(signum)
