"""Deadlines: no stream and no run goes on forever.

A vendor that pages in circles, a report job that never ends or an API that answers
each page just before the timeout would otherwise hold the run lock for ever, and every
later cron run would exit "already running". Each stream gets a deadline from its
source's config (``stream_deadline_minutes``), each ``bosco-sync run`` one for the whole
run; the earlier of the two wins. They are checked between pages and between polls of
a report job (a single request is bounded by the HTTP timeout).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import SourceError

#: The monotonic instant the current run must end by (set by `bosco-sync run`), or None.
_run_ends_at: float | None = None
_run_minutes: float | None = None


class DeadlineExceeded(SourceError):
    """A stream or a run passed its deadline; what it read is not loaded, cursors stay put."""


def set_run_deadline(minutes: float | None) -> None:
    """Give the whole process's run a deadline from now (None: no run deadline)."""
    global _run_ends_at, _run_minutes
    _run_minutes = minutes
    _run_ends_at = time.monotonic() + minutes * 60 if minutes else None


def check_run_deadline() -> None:
    if _run_ends_at is not None and time.monotonic() > _run_ends_at:
        raise DeadlineExceeded(f"the run's deadline of {_run_minutes:g} minutes passed")


@dataclass
class Deadline:
    """The end of one stream's read: its own limit, or the run's, whichever comes first."""

    minutes: float | None
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()

    def check(self) -> None:
        if self.minutes and time.monotonic() - self.started > self.minutes * 60:
            raise DeadlineExceeded(
                f"the stream's deadline of {self.minutes:g} minutes passed (stream_deadline_minutes); "
                "nothing of this run is loaded for it and its cursor stays where it was"
            )
        check_run_deadline()
