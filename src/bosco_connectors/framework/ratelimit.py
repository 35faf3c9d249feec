"""A per-source rate limit shared by every concurrent request of that source.

Two knobs, as vendors document them: how many requests may be in flight at once, and
how many may start per second. A vendor's own back-pressure signal (Shopify's cost
bucket, Meta's usage headers) can push the next start further out with `pause_until`.

`AppLimits` is a different figure: what the vendor allows one developer app (or cloud
project) in total, across every tenant and every process. One machine's limiter cannot
see the other machines; the Prefect flow (`orchestration.prefect`) shares it among them.

`virtual_pace` is for tests of everything but pacing: the limiter keeps its schedule, but a
wait moves a virtual clock instead of the wall clock (a replayed sync of a vendor that allows
20 requests a minute would otherwise spend 3 s per request doing nothing).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass
class RateLimit:
    """Limits for one source. ``None`` means unlimited."""

    max_concurrency: int | None = 4
    per_second: float | None = None
    #: Requests that may start at once before `per_second` spaces them (a usage plan's burst:
    #: Amazon SP-API's searchOrders, 0.0056 a second with a burst of 20). 1: evenly spaced.
    burst: int = 1


@dataclass(frozen=True)
class AppLimits:
    """The vendor's documented budget for one developer app (or cloud project), summed over
    every tenant, credential and worker that uses it. ``None`` means not limited there.

    Declared on a source (`declare.Api.app_limits`, `Connector.app_limits`) with the page
    that states the figure; a tier above the documented default is set per project
    (``[limits.<source>]`` in bosco.toml).
    """

    per_second: float | None = None
    per_minute: float | None = None
    #: Requests in flight at once.
    in_flight: int | None = None
    #: Asynchronous report jobs running at once.
    report_jobs: int | None = None
    #: The vendor page that states the figures.
    docs: str = ""

    @property
    def requests_per_second(self) -> float | None:
        """The tighter of the two rates, per second."""
        rates = [r for r in (self.per_second, self.per_minute / 60.0 if self.per_minute else None) if r]
        return min(rates) if rates else None

    def __bool__(self) -> bool:
        return any((self.per_second, self.per_minute, self.in_flight, self.report_jobs))


@dataclass
class RateLimiter:
    """Thread-safe limiter: a semaphore for concurrency, a spacing clock for rate (with the
    limit's burst: up to ``burst`` requests ahead of the schedule, the generic cell rate
    algorithm's token bucket)."""

    limit: RateLimit = field(default_factory=RateLimit)
    clock: callable = time.monotonic  # type: ignore[valid-type]
    sleep: callable = time.sleep  # type: ignore[valid-type]
    #: While set, told of every request and of every stream's reading: the Prefect flow's
    #: hold of a sync's share of an app-wide budget (`orchestration.lanes.SyncLanes`), taken
    #: at a request and given back when neither a request nor a reading is under way.
    #: ``request_started()`` (may wait), ``request_ended()``, ``reading(started)``.
    watcher: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if _virtual is not None and self.clock is time.monotonic and self.sleep is time.sleep:
            self.clock, self.sleep = _virtual.clock, _virtual.sleep
        n = self.limit.max_concurrency
        self._slots = threading.BoundedSemaphore(n) if n else None
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._paused_until = 0.0

    def narrow(self, *, max_concurrency: int | None = None, per_second: float | None = None) -> None:
        """Tighten the limits (never loosen them) before the first request.

        In place, so every holder of this limiter (sibling hosts, a quota guard) keeps
        sharing it; used to fit one sync into its share of an app-wide budget.
        """
        concurrency = _tighter(self.limit.max_concurrency, max_concurrency)
        rate = _tighter(self.limit.per_second, per_second)
        if concurrency != self.limit.max_concurrency:
            self._slots = threading.BoundedSemaphore(int(concurrency)) if concurrency else None
        self.limit = RateLimit(max_concurrency=int(concurrency) if concurrency else None, per_second=rate, burst=self.limit.burst)

    def pause_until(self, monotonic_deadline: float) -> None:
        """Hold every new request until the given `time.monotonic()` instant."""
        with self._lock:
            self._paused_until = max(self._paused_until, monotonic_deadline)

    def pause_for(self, seconds: float) -> None:
        self.pause_until(self.clock() + max(0.0, seconds))

    def _wait_turn(self) -> None:
        interval = 1.0 / self.limit.per_second if self.limit.per_second else 0.0
        ahead = max(0, self.limit.burst - 1) * interval  # how far ahead of the schedule a request may start
        with self._lock:
            now = self.clock()
            start = max(now, self._next_start - ahead, self._paused_until)
            self._next_start = max(self._next_start, start) + interval if interval else max(self._next_start, now)
        if start > now:
            self.sleep(start - now)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one request slot for the duration of the block."""
        watcher = self.watcher
        if watcher is not None:
            watcher.request_started()
        try:
            if self._slots:
                self._slots.acquire()
            try:
                self._wait_turn()
                yield
            finally:
                if self._slots:
                    self._slots.release()
        finally:
            if watcher is not None:
                watcher.request_ended()


def _tighter(current: float | None, new: float | None) -> float | None:
    """The smaller limit, where None means unlimited."""
    if new is None:
        return current
    return new if current is None else min(current, new)


class VirtualClock:
    """Monotonic time that a wait moves forward at once: the pacing schedule is computed as on
    the wall clock, no request waits for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waited = 0.0

    def clock(self) -> float:
        return time.monotonic() + self.waited

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waited += max(0.0, seconds)


_virtual: VirtualClock | None = None


def current_virtual_clock() -> VirtualClock | None:
    """The clock of the enclosing `virtual_pace` block (report jobs poll on it), if any."""
    return _virtual


@contextmanager
def virtual_pace() -> Iterator[VirtualClock]:
    """Limiters made inside the block with the wall clock's defaults pace on a `VirtualClock`
    (limiters given their own clock or sleep, as pacing tests do, keep them), and declared report
    jobs poll on it. For tests."""
    global _virtual
    previous, _virtual = _virtual, VirtualClock()
    try:
        yield _virtual
    finally:
        _virtual = previous
