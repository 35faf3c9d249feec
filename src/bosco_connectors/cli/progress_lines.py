"""Progress of the streams being read, while a run goes on (framework/progress.py counts them).

On a terminal: a live line per stream (pages, rows, rows per second), gone when the run
ends. Otherwise (cron, a log file): one line per stream every ``BOSCO_PROGRESS_SECONDS``
seconds (30 by default), so a long extract shows it is alive and how fast it goes.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable

from ..framework import progress

ENV_SECONDS = "BOSCO_PROGRESS_SECONDS"
DEFAULT_SECONDS = 30.0


def every_seconds() -> float:
    try:
        return max(0.01, float(os.environ.get(ENV_SECONDS, DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


class ProgressLines:
    """Shows `progress.reading()` on `console` inside the block; `say` prints one line (under the run's print lock)."""

    def __init__(self, console: Any, say: Callable[[str], None]) -> None:
        self.console, self.say = console, say
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live: Any = None

    def __enter__(self) -> "ProgressLines":
        if self.console is None:
            return self
        if getattr(self.console, "is_terminal", False):
            from rich.live import Live

            self._live = Live(console=self.console, transient=True, refresh_per_second=4, get_renderable=self._render)
            self._live.start()
        else:
            self._thread = threading.Thread(target=self._log, name="bosco-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._live is not None:
            self._live.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _render(self) -> Any:
        from rich.text import Text

        return Text("\n".join(f"   reading {p.line()}" for p in progress.reading()))

    def _log(self) -> None:
        seconds = every_seconds()
        while not self._stop.wait(seconds):
            for stream in progress.reading():
                self.say(f"   progress {stream.line()}")
