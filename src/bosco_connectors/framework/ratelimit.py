"""A per-source rate limit shared by every concurrent request of that source.

Two knobs, as vendors document them: how many requests may be in flight at once, and
how many may start per second. A vendor's own back-pressure signal (Shopify's cost
bucket, Meta's usage headers) can push the next start further out with `pause_until`.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator


@dataclass
class RateLimit:
    """Limits for one source. ``None`` means unlimited."""

    max_concurrency: int | None = 4
    per_second: float | None = None


@dataclass
class RateLimiter:
    """Thread-safe limiter: a semaphore for concurrency, a spacing clock for rate."""

    limit: RateLimit = field(default_factory=RateLimit)
    clock: callable = time.monotonic  # type: ignore[valid-type]
    sleep: callable = time.sleep  # type: ignore[valid-type]

    def __post_init__(self) -> None:
        n = self.limit.max_concurrency
        self._slots = threading.BoundedSemaphore(n) if n else None
        self._lock = threading.Lock()
        self._next_start = 0.0

    def pause_until(self, monotonic_deadline: float) -> None:
        """Hold every new request until the given `time.monotonic()` instant."""
        with self._lock:
            self._next_start = max(self._next_start, monotonic_deadline)

    def pause_for(self, seconds: float) -> None:
        self.pause_until(self.clock() + max(0.0, seconds))

    def _wait_turn(self) -> None:
        interval = 1.0 / self.limit.per_second if self.limit.per_second else 0.0
        with self._lock:
            now = self.clock()
            start = max(now, self._next_start)
            self._next_start = start + interval if interval else max(self._next_start, now)
        if start > now:
            self.sleep(start - now)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one request slot for the duration of the block."""
        if self._slots:
            self._slots.acquire()
        try:
            self._wait_turn()
            yield
        finally:
            if self._slots:
                self._slots.release()
