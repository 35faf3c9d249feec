"""An app-wide vendor budget cut into lanes, which syncs on any worker take and give back.

A vendor limits the developer app as a whole (TikTok: 10 requests a second on the Basic
tier), so fifty workers that each pace themselves at the full figure get the app
banned. The budget (`AppLimits`) is cut into N equal lanes; a sync takes k of them for its
extract step from a counter every worker sees (a Prefect global concurrency limit of N
slots) and paces itself at k/N of the budget with its own in-process limiter. k is a fair
share (`fair_share`): when a flow run has J syncs of the source to run on T task threads,
up to min(J, T) of them run at once, so each takes N // min(J, T) lanes (at least 1, at
most its own concurrency): concurrent syncs of one source share the budget instead of
queueing behind one that holds all of it, and a lone sync still takes every lane. Whatever
the number of workers, the running syncs hold at most N lanes, so their sum stays within
the budget; and the shared counter is asked once per sync, not once per request (each
ask is an API round trip that polls while the lanes are full).

N is the smallest of the whole budgets: requests in flight, report jobs, and requests per
second rounded down (at least 1), so that every lane carries at least one request in
flight, one report job and a fair share of the rate.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..framework.ratelimit import AppLimits, _tighter

log = logging.getLogger(__name__)

#: Prefect global concurrency limits are named ``bosco-app-<source>``.
LIMIT_PREFIX = "bosco-app-"


@dataclass(frozen=True)
class Lanes:
    """N lanes and what each one carries (None: that figure is not limited app-wide)."""

    count: int
    in_flight: int | None
    per_second: float | None
    report_jobs: int | None

    def share(self, taken: int) -> "Share":
        """What a sync holding `taken` lanes may use."""
        return Share(
            lanes=taken,
            in_flight=self.in_flight * taken if self.in_flight else None,
            per_second=self.per_second * taken if self.per_second else None,
            report_jobs=self.report_jobs * taken if self.report_jobs else None,
        )


@dataclass(frozen=True)
class Share:
    lanes: int
    in_flight: int | None
    per_second: float | None
    report_jobs: int | None


def lanes_for(limits: AppLimits) -> Lanes:
    rate = limits.requests_per_second
    budgets = [b for b in (limits.in_flight, limits.report_jobs) if b]
    if rate:
        budgets.append(max(1, int(rate)))
    count = max(1, min(budgets)) if budgets else 1
    return Lanes(
        count=count,
        in_flight=limits.in_flight // count if limits.in_flight else None,
        per_second=rate / count if rate else None,
        report_jobs=limits.report_jobs // count if limits.report_jobs else None,
    )


def limit_name(source: str) -> str:
    return f"{LIMIT_PREFIX}{source}"


def fair_share(count: int, jobs: int, threads: int) -> int:
    """Lanes per sync when `jobs` syncs of a source run on `threads` task threads.

    At most min(jobs, threads) of them run at once, so each may take count // that many
    (at least 1): their sum is at most `count` whenever every one gets a lane. Past
    `count` syncs at once, each takes 1 and the shared counter makes the rest wait.
    """
    return max(1, count // max(1, min(jobs, threads)))


def lanes_wanted(client: Any, lanes: Lanes, jobs: int = 1, threads: int = 1) -> int:
    """The sync's fair share of the lanes (`fair_share`), never more than its own concurrency.

    The defaults (one job, one thread) are a lone sync: every lane it can use."""
    own = getattr(getattr(client, "limiter", None), "limit", None)
    concurrency = getattr(own, "max_concurrency", None)
    share = fair_share(lanes.count, jobs, threads)
    return max(1, min(share, concurrency or share))


def fit(client: Any, share: Share) -> None:
    """Narrow a sync's client to its share of the app budget, before its first request.

    The client also keeps the share (``client.lanes``): its readers then use the lanes
    from the first request (`resources._run_concurrently`) instead of first probing
    whether the API is slow enough for threads; lanes held and left idle are lost to
    every other sync of the app."""
    limiter = getattr(client, "limiter", None)
    if limiter is not None:
        limiter.narrow(max_concurrency=share.in_flight, per_second=share.per_second)
    if share.report_jobs:
        client.report_jobs = _tighter(getattr(client, "report_jobs", None), share.report_jobs)
    client.lanes = share


class LanePool:
    """One worker's lanes of one source: asked of the shared counter one at a time, handed
    from one of this worker's syncs to the next without asking again, and given back when
    none of them wants one.

    Every ask of the shared counter (a Prefect global concurrency limit) is a round trip to
    Prefect's API, and a refused one sleeps for the Retry-After the API sets; against a
    SQLite-backed API an ask also meets the database locked by the task runs' own writes
    and is retried ~2 s later (measured: ~2 s a sync with no contention at all). A lane that
    one sync gives back while another sync of this worker waits goes to it at once. A lane
    that no sync here wants is given back to the counter after `linger` seconds, for the
    other workers.

    Each lane is held by a thread of its own, inside `hold()` (a context manager that takes
    one lane and gives it back on exit; Prefect's ``concurrency``, which also renews the
    lane's lease while it is held). `hold()` may raise `TimeoutError` when it waited
    `ask` seconds: the thread then asks again only if a sync still wants the lane. Any other
    error fails the syncs waiting at that moment, with that error.
    """

    def __init__(self, hold: Callable[[], AbstractContextManager[Any]], linger: float = 0.5, name: str = "lanes") -> None:
        self._hold = hold
        self._linger = linger
        self._name = name
        self._cond = threading.Condition()
        self._idle = 0  # held here, used by no sync
        self._asking = 0  # holder threads waiting for the shared counter
        self._wanted = 0  # lanes the waiting syncs still lack
        self._failures: list[BaseException] = []
        self._closed = False
        self._threads: list[threading.Thread] = []

    @contextmanager
    def taken(self, lanes: int) -> Iterator[None]:
        """Hold `lanes` lanes for the block."""
        self.take(lanes)
        try:
            yield
        finally:
            self.give(lanes)

    def take(self, lanes: int) -> None:
        with self._cond:
            seen = len(self._failures)
            self._wanted += lanes
            try:
                while self._idle < lanes:
                    if len(self._failures) > seen:
                        raise self._failures[-1]
                    self._ask_for(self._wanted - self._idle - self._asking)
                    self._cond.wait()
                self._idle -= lanes
            finally:
                self._wanted -= lanes
                self._cond.notify_all()

    def give(self, lanes: int) -> None:
        with self._cond:
            self._idle += lanes
            self._cond.notify_all()

    def close(self, wait: float = 5.0) -> None:
        """Give every lane back (call it when no sync of this pool runs any more)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        deadline = time.monotonic() + wait
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _ask_for(self, missing: int) -> None:
        for _ in range(max(0, missing)):
            self._asking += 1
            thread = threading.Thread(target=self._hold_one, name=f"{self._name}-lane", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _still_wanted(self) -> bool:
        return not self._closed and self._wanted > self._idle + self._asking - 1

    def _hold_one(self) -> None:
        """A holder thread: ask for one lane; keep it while syncs here want it."""
        held = False
        while True:
            try:
                with self._hold():
                    held = True
                    with self._cond:
                        self._asking -= 1
                        self._idle += 1
                        self._cond.notify_all()
                        self._keep_while_wanted()
                        self._idle -= 1
                return
            except Exception as exc:  # noqa: BLE001 - handed to the syncs waiting for a lane
                if held:  # giving it back failed: its lease ends it
                    log.warning("%s: giving a lane back failed: %s", self._name, exc)
                    return
                with self._cond:
                    if isinstance(exc, TimeoutError) and self._still_wanted():
                        continue  # waited `ask` seconds: still wanted, so ask again
                    self._asking -= 1
                    if not isinstance(exc, TimeoutError):
                        self._failures.append(exc)
                        self._cond.notify_all()
                return

    def _keep_while_wanted(self) -> None:
        """Return (with the lock held) once this lane is idle and either the pool is closed
        or no sync here has wanted it for `linger` seconds."""

        def spare() -> bool:
            return self._idle > 0 and (self._closed or self._idle > self._wanted)

        while True:
            self._cond.wait_for(spare)
            if self._closed:
                return
            if not self._cond.wait_for(lambda: self._closed or not spare(), timeout=self._linger):
                return
