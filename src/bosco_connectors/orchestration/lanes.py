"""An app-wide vendor budget cut into lanes, which syncs on any worker take and give back.

A vendor limits the developer app as a whole (TikTok: 10 requests a second on the Basic
tier), so fifty workers that each pace themselves at the full figure get the app
banned. The budget (`AppLimits`) is cut into N equal lanes; a sync takes k of them at
its first request and holds them while a request or a stream's reading is under way
(`lanes_while_used`), out of a counter every worker sees (a Prefect global concurrency limit of N slots), and paces itself at k/N of the budget with its own in-process limiter. k is a fair
share (`fair_share`): when a flow run has J syncs of the source to run on T task threads,
up to min(J, T) of them run at once, so each takes N // min(J, T) lanes (at least 1, at
most its own concurrency): concurrent syncs of one source share the budget instead of
queueing behind one that holds all of it, and a lone sync still takes every lane. Whatever
the number of workers, the running syncs hold at most N lanes, so their sum stays within
the budget. A worker's lanes are a pool (`LanePool`): asked of the counter one at a time,
handed between the worker's syncs, at most the worker's share among the workers present;
the counter is asked when a worker's demand or share changes, not per sync or per request
(each ask is an API round trip that polls while the lanes are full).

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


class LaneRefused(Exception):
    """The shared counter has no lane free at the moment of the ask (Prefect's 423 Locked)."""


@dataclass(frozen=True)
class Reading:
    """What a worker's pool reads of the shared counters (`LanePool`'s presence): the workers
    wanting the source's lanes, the lanes free (None: unknown), the workers starving (wanting
    lanes and holding none; this one included when it said so)."""

    workers: int
    free: int | None = None
    starving: int = 0


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


def workers_limit_name(source: str) -> str:
    """The counter of workers wanting the source's lanes (`LanePool`'s presence)."""
    return f"{LIMIT_PREFIX}{source}-workers"


def starving_limit_name(source: str) -> str:
    """The counter of workers wanting the source's lanes and holding none (`LanePool`)."""
    return f"{LIMIT_PREFIX}{source}-starving"


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


@contextmanager
def lanes_while_used(pool: "LanePool", client: Any, lanes: int) -> Iterator[None]:
    """Hold `lanes` lanes of `pool` while the sync uses them, within the block.

    dlt's extract step sets up (state, schema, the resources' pipes) before the source
    sends anything, and finishes (files, state) after its last answer; lanes held meanwhile
    are lost to every other sync. Every request of a client passes its limiter
    (`RateLimiter.slot`), and every stream's reading tells it when it starts and ends
    (`resources._StreamReader.read`): the lanes are taken at the first request and given
    back when no request and no reading is under way (`SyncLanes`), taken again if another
    request comes. A client without a limiter holds them for the whole block."""
    limiter = getattr(client, "limiter", None)
    if limiter is None:
        with pool.taken(lanes):
            yield
        return
    watcher = SyncLanes(pool, lanes)
    limiter.watcher = watcher
    try:
        yield
    finally:
        limiter.watcher = None
        watcher.give_back()


class SyncLanes:
    """One sync's lanes, held while it has a request in flight or a stream's reading under
    way (between two pages of a reading there is none in flight, and the next page is asked
    for at once): taken at a request, given back when both counts are zero."""

    def __init__(self, pool: "LanePool", lanes: int) -> None:
        self._pool, self._lanes = pool, lanes
        self._lock = threading.Lock()  # held while taking: the sync's other readers wait for the same lanes
        self._held = False
        self._requests = 0
        self._readings = 0

    def request_started(self) -> None:
        with self._lock:
            if not self._held:
                self._pool.take(self._lanes)
                self._held = True
            self._requests += 1

    def request_ended(self) -> None:
        with self._lock:
            self._requests -= 1
            self._give_back_if_unused()

    def reading(self, started: bool) -> None:
        with self._lock:
            self._readings += 1 if started else -1
            self._give_back_if_unused()

    def give_back(self) -> None:
        with self._lock:
            if self._held:
                self._held = False
                self._pool.give(self._lanes)

    def _give_back_if_unused(self) -> None:
        if self._held and self._requests <= 0 and self._readings <= 0:
            self._held = False
            self._pool.give(self._lanes)


class LanePool:
    """One worker's lanes of one source: asked of the shared counter one at a time, handed
    from one of this worker's syncs to the next without asking again, given back when none
    of them wants one, and never more than the worker's fair share of them.

    Every ask of the shared counter (a Prefect global concurrency limit) is a round trip to
    Prefect's API, and a refused one sleeps for the Retry-After the API sets (longer the
    longer lanes are held); against a SQLite-backed API an ask also meets the database
    locked by the task runs' own writes and is retried ~2 s later (measured: ~2 s a sync
    with no contention at all). A lane that one sync gives back while another sync of this
    worker waits goes to it at once. A lane that no sync here wants is given back to the
    counter after `linger` seconds, or `linger_shared` seconds while other workers want
    lanes too (a lone worker keeps a lane for its next sync; among others, the lane
    goes where a sync waits).

    A worker that kept every lane its syncs want would starve the others, and one worker
    cannot always keep N lanes busy (its syncs' CPU between requests runs on its own cores).
    So when `presence` is given, the pool counts itself present while it holds or wants
    lanes (`presence()` is held meanwhile: a slot of a second, unbounded counter; it yields
    a function, called every `refresh` seconds, that is told whether this worker starves
    (wants lanes, holds none) and returns a `Reading`) and holds at most its share of the
    `count` lanes: ceil(count / workers present), or floor of it (at least 1) while another
    worker starves, or one sync's lanes if that is more. A lane above the share is given
    back as soon as its sync is done with it. Ceil alone let three workers of four hold
    2 + 2 + 1 of 5 lanes while the fourth had none until one of them finished (it ended
    at 85 s, the others at 51-69 s); floor alone would leave the N mod W lanes idle.

    Each lane is held by a thread of its own, inside `hold()` (a context manager that takes
    one lane and gives it back on exit; Prefect's ``concurrency``, which also renews the
    lane's lease while it is held). `hold()` may raise `TimeoutError` when it waited too
    long, or `LaneRefused` at once when no lane is free: the thread then asks again, only if
    a sync still wants the lane, once a reading of the presence saw a lane free at the
    counter (`Reading.free`), or after `poll` seconds without such readings. The pool, not Prefect, decides when to ask
    again: Prefect's Retry-After grows with how long slots are held, and lanes are held
    for minutes, so a refused ask slept up to 30 s while lanes given back by a worker that
    had finished sat idle (4 workers: one ended 40 s after another). Any other error
    fails the syncs waiting at that moment, with that error. A holder that ends while a
    sync uses its lane (Prefect cancels it when the lease's renewal failed: the counter has
    the slot back) takes the lane out of the pool when that sync gives it back.
    """

    def __init__(self, hold: Callable[[], AbstractContextManager[Any]], count: int | None = None, linger: float = 2.0,
                 linger_shared: float = 0.25, name: str = "lanes",
                 presence: Callable[[], AbstractContextManager[Callable[[bool], Reading]]] | None = None,
                 refresh: float = 1.0, poll: float = 1.0, calm: float | None = None) -> None:
        self._hold = hold
        self._count = count
        self._linger = linger
        self._linger_shared = linger_shared
        self._others = False  # other workers want lanes too (by the last count)
        self._name = name
        self._presence = presence if count else None
        self._refresh = refresh
        #: Between readings while nobody here waits for a lane and no worker starves.
        self._calm = calm if calm is not None else refresh
        self._poll = poll
        self._free_seen = 0  # lanes the presence last saw free at the counter, not yet asked for
        self._readings = 0  # readings of the presence so far (a refused ask waits for the next)
        self._cond = threading.Condition()
        self._held = 0  # lanes held here (in use or idle)
        self._idle = 0  # held here, used by no sync
        self._lost = 0  # lanes whose holder ended while a sync used them: not idle when given back
        self._asking = 0  # holder threads waiting for the shared counter
        self._wanted = 0  # lanes the waiting syncs still lack
        self._waiting: list[int] = []  # each waiting sync's lanes
        self._share = count or 0  # lanes this worker may hold (0: no bound)
        self._present = False
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
            self._waiting.append(lanes)
            try:
                while self._idle < lanes or self._held > self._allowed():
                    if len(self._failures) > seen:
                        raise self._failures[-1]
                    self._show_up()
                    self._ask_for(min(self._wanted - self._idle, self._allowed() - self._held) - self._asking)
                    self._cond.wait()
                self._idle -= lanes
            finally:
                self._wanted -= lanes
                self._waiting.remove(lanes)
                self._cond.notify_all()

    def give(self, lanes: int) -> None:
        with self._cond:
            lost = min(self._lost, lanes)
            self._lost -= lost
            self._idle += lanes - lost
            self._cond.notify_all()

    def close(self, wait: float = 5.0) -> None:
        """Give every lane back (call it when no sync of this pool runs any more)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        deadline = time.monotonic() + wait
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _allowed(self) -> int:
        """Lanes this worker may hold now: its share, or the largest waiting sync's lanes."""
        largest = max(self._waiting, default=0)
        return max(self._share, largest) if self._share else 1 << 30

    def _start(self, target: Callable[[], None], what: str) -> None:
        thread = threading.Thread(target=target, name=f"{self._name}-{what}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _ask_for(self, missing: int) -> None:
        for _ in range(max(0, missing)):
            self._asking += 1
            self._start(self._hold_one, "lane")

    def _show_up(self) -> None:
        if self._presence is not None and not self._present and not self._closed:
            self._present = True
            self._start(self._be_present, "presence")

    def _still_wanted(self) -> bool:
        others = self._asking - 1
        return not self._closed and min(self._wanted - self._idle, self._allowed() - self._held) > others

    def _hold_one(self) -> None:
        """A holder thread: ask for one lane; keep it while syncs here want it."""
        held = False
        while True:
            try:
                with self._hold():
                    held = True
                    with self._cond:
                        self._asking -= 1
                        self._held += 1
                        self._idle += 1
                        self._cond.notify_all()
                    try:
                        with self._cond:
                            self._keep_while_wanted()
                    finally:
                        self._drop_one()
                return
            except BaseException as exc:  # noqa: BLE001 - a holder thread never dies silently
                if held:  # the lease was lost (Prefect cancels a holder whose renewal failed) or giving it back failed
                    log.warning("%s: a lane was lost or not given back (%s: %s); its lease ends it",
                                self._name, type(exc).__name__, exc)
                    return
                with self._cond:
                    if isinstance(exc, LaneRefused) and self._wait_for_a_free_lane():
                        continue
                    if isinstance(exc, TimeoutError) and self._still_wanted():
                        continue  # waited long: still wanted, so ask again
                    self._asking -= 1
                    if isinstance(exc, Exception) and not isinstance(exc, (TimeoutError, LaneRefused)):
                        self._failures.append(exc)  # a refusal or a timeout nobody waits for any more is no failure
                    self._cond.notify_all()
                if not isinstance(exc, Exception):
                    raise
                return

    def _wait_for_a_free_lane(self) -> bool:
        """After a refused ask (lock held): wait until a reading of the presence sees a lane
        free that no other holder here went for, or `poll` seconds when nothing reads the
        counter; whether to ask again (a sync still wants the lane, the pool is open)."""
        deadline = time.monotonic() + self._poll
        reading = self._readings
        while self._still_wanted():
            if self._present and self._free_seen > 0 and self._readings > reading:
                self._free_seen -= 1
                return True
            remaining = deadline - time.monotonic()
            if not self._present and remaining <= 0:
                return True
            self._cond.wait(remaining if not self._present else self._refresh)
        return False

    def _drop_one(self) -> None:
        """This holder's lane leaves the pool: the idle one, or (when its lease was lost while a
        sync used it) the next one a sync gives back, so the pool never counts a lane twice."""
        with self._cond:
            self._held -= 1
            if self._idle > 0:
                self._idle -= 1
            else:
                self._lost += 1
            self._cond.notify_all()

    def _keep_while_wanted(self) -> None:
        """Return (with the lock held) once this lane is idle and either the pool is closed,
        the worker holds more than its share, or no sync here has wanted it for `linger` s."""

        def spare() -> bool:
            return self._idle > 0 and (self._closed or self._idle > self._wanted or self._held > self._allowed())

        while True:
            self._cond.wait_for(spare)
            if self._closed or self._held > self._allowed():
                return
            linger = self._linger_shared if self._others else self._linger
            if not self._cond.wait_for(lambda: self._closed or not spare(), timeout=linger):
                return

    def _be_present(self) -> None:
        """Count this worker among those wanting lanes while it holds or asks for any, and
        keep its share up to date; without a presence, no bound but the counter's."""
        assert self._presence is not None and self._count
        try:
            with self._presence() as read:
                while True:
                    with self._cond:
                        starving = self._wanted > self._idle and self._held == 0
                    try:
                        reading = read(starving)
                        present, free = max(1, reading.workers), reading.free
                        others_starve = reading.starving - (1 if starving else 0) > 0
                    except Exception as exc:  # noqa: BLE001 - keep the share last read
                        log.warning("%s: reading the number of workers failed: %s", self._name, exc)
                        present, free, others_starve = -(-self._count // max(1, self._share)), None, False
                    share = max(1, self._count // present) if others_starve else -(-self._count // present)
                    with self._cond:
                        self._readings += 1
                        self._free_seen = free if free is not None else 1  # unknown: one holder may try
                        if self._asking:
                            self._cond.notify_all()  # refused holders wait for this reading
                        self._others = present > 1
                        if share != self._share:
                            self._share = share
                            self._cond.notify_all()
                        if self._closed or not (self._held or self._asking or self._wanted):
                            self._present = False
                            return
                        busy = self._asking or starving or others_starve
                        self._cond.wait_for(lambda: self._closed, timeout=self._refresh if busy else self._calm)
        except Exception as exc:  # noqa: BLE001 - the pool still works, bounded by the counter alone
            log.warning("%s: could not count this worker among those sharing the lanes: %s", self._name, exc)
            with self._cond:
                self._presence = None  # not asked again by this pool
                self._share = self._count or 0
                self._present = False
                self._cond.notify_all()
