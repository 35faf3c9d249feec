"""A worker's lanes (`LanePool`): handed between its syncs, given back when unwanted, never more than the counter."""

from __future__ import annotations

import threading
from collections.abc import Callable
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import pytest

from bosco_connectors.orchestration.lanes import LanePool, LaneRefused, Reading


class Counter:
    """Prefect's global concurrency limit as the pool sees it: `count` slots; an ask waits
    (up to `timeout`, then TimeoutError; or, `refuse`, fails at once with LaneRefused when
    no slot is free), a holder gives its slot back on exit."""

    def __init__(self, count: int, timeout: float | None = None, refuse: bool = False) -> None:
        self.count, self.timeout, self.refuse = count, timeout, refuse
        self.held = 0
        self.most = 0
        self.asks = 0
        self.failing: Exception | None = None
        self._cond = threading.Condition()

    @contextmanager
    def hold(self):
        with self._cond:
            self.asks += 1
            if self.failing is not None:
                raise self.failing
            if self.refuse and self.held >= self.count:
                raise LaneRefused("no slot free")
            if not self._cond.wait_for(lambda: self.held < self.count, timeout=self.timeout):
                raise TimeoutError("no slot")
            self.held += 1
            self.most = max(self.most, self.held)
        try:
            yield
        finally:
            with self._cond:
                self.held -= 1
                self._cond.notify_all()


def _syncs(pool: LanePool, jobs: int, threads: int, lanes: int = 1, seconds: float = 0.02,
           on_lane: Callable[[], None] = lambda: None) -> list[int]:
    """`jobs` syncs on `threads` threads, each holding `lanes` lanes for `seconds` (calling
    `on_lane` once it has them); how many lanes were in use at once (by the syncs' own count)."""
    using = {"now": 0}
    seen: list[int] = []
    lock = threading.Lock()

    def sync(_: int) -> None:
        with pool.taken(lanes):
            on_lane()
            with lock:
                using["now"] += lanes
                seen.append(using["now"])
            time.sleep(seconds)
            with lock:
                using["now"] -= lanes

    with ThreadPoolExecutor(max_workers=threads) as executor:
        list(executor.map(sync, range(jobs)))
    return seen


def _eventually(check, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


def test_a_lane_goes_from_one_sync_to_the_next_of_the_worker_without_asking_again():
    counter = Counter(5)
    pool = LanePool(counter.hold, linger=1.0)
    seen = _syncs(pool, jobs=40, threads=4)
    pool.close()
    assert max(seen) <= 4
    assert counter.asks <= 5  # one ask per lane the worker needed at once, not one per sync (40)
    assert counter.held == 0


def test_lanes_no_sync_wants_go_back_to_the_counter_after_the_linger():
    counter = Counter(5)
    pool = LanePool(counter.hold, linger=0.05)
    _syncs(pool, jobs=6, threads=3)
    assert counter.most >= 1
    assert _eventually(lambda: counter.held == 0)  # without close: other workers get them
    pool.close()


def test_workers_sharing_a_counter_never_hold_more_than_it_has_and_all_finish():
    counter = Counter(3)
    pools = [LanePool(counter.hold, linger=0.01) for _ in range(3)]
    done: list[int] = []

    def worker(pool: LanePool) -> None:
        done.append(len(_syncs(pool, jobs=12, threads=4)))
        pool.close()

    threads = [threading.Thread(target=worker, args=(p,)) for p in pools]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert done == [12, 12, 12]
    assert counter.most <= 3 and counter.held == 0


def test_a_sync_taking_several_lanes_waits_until_it_has_them_all():
    counter = Counter(4)
    pool = LanePool(counter.hold, linger=0.5)
    seen = _syncs(pool, jobs=8, threads=3, lanes=2)
    pool.close()
    assert max(seen) <= 4 and counter.most <= 4 and counter.held == 0


def test_an_ask_that_fails_fails_the_waiting_sync_with_its_error_and_the_next_asks_again():
    counter = Counter(2)
    counter.failing = RuntimeError("Unable to acquire concurrency slots on ['bosco-app-x']: 404 Not Found")
    pool = LanePool(counter.hold, linger=0.05)
    with pytest.raises(RuntimeError, match="404 Not Found"):
        pool.take(1)
    counter.failing = None
    assert len(_syncs(pool, jobs=3, threads=2)) == 3
    pool.close()
    assert counter.held == 0


def test_an_ask_that_timed_out_asks_again_while_a_sync_still_waits():
    counter = Counter(1, timeout=0.05)
    pool = LanePool(counter.hold, linger=0.0)
    blocker = threading.Event()

    def hog() -> None:
        with counter.hold():
            blocker.wait(5)

    other = threading.Thread(target=hog)
    other.start()
    assert _eventually(lambda: counter.held == 1)
    threading.Timer(0.3, blocker.set).start()
    started = time.monotonic()
    with pool.taken(1):
        waited = time.monotonic() - started
    other.join(5)
    pool.close()
    assert waited >= 0.25 and counter.asks >= 3  # timed out several times, asked again each time
    assert counter.held == 0


def test_close_gives_every_lane_back_at_once():
    counter = Counter(3)
    pool = LanePool(counter.hold, linger=60.0)
    _syncs(pool, jobs=6, threads=3)
    assert counter.held == 3  # kept for the worker's next syncs
    pool.close()
    assert counter.held == 0


def _workers(pools: list[LanePool], jobs: list[int], starts: list[float], seconds: float = 0.01,
             first_lane: dict[int, float] | None = None) -> dict[int, float]:
    """Worker i starts `starts[i]` seconds in and runs `jobs[i]` syncs of `seconds` on 4
    threads; when each finished (and, into `first_lane`, when each first had a lane)."""
    ended: dict[int, float] = {}
    began = time.monotonic()
    first = first_lane if first_lane is not None else {}

    def worker(i: int) -> None:
        time.sleep(starts[i])
        _syncs(pools[i], jobs=jobs[i], threads=4, seconds=seconds,
               on_lane=lambda: first.setdefault(i, time.monotonic() - began))
        ended[i] = time.monotonic() - began
        pools[i].close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(pools))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return ended


def _two_workers(counter: Counter, pools: list[LanePool], jobs: list[int], late: float) -> dict[int, float]:
    """Worker 0 starts; worker 1 `late` seconds later; when each finished (seconds)."""
    return _workers(pools, jobs, [0.0, late])


def test_a_worker_holds_its_share_of_the_lanes_so_a_later_one_is_not_starved():
    counter, present = Counter(4), Counter(1000)

    @contextmanager
    def presence():
        with present.hold():
            yield lambda starving: Reading(present.held, counter.count - counter.held)

    pools = [LanePool(counter.hold, count=4, linger=0.5, presence=presence, refresh=0.01) for _ in range(2)]
    ended = _two_workers(counter, pools, jobs=[300, 12], late=0.2)
    assert ended[1] < ended[0]  # the late worker got lanes while the first still had syncs waiting
    assert counter.most <= 4 and counter.held == 0 and present.held == 0


def test_without_a_presence_a_worker_keeps_the_lanes_its_syncs_want():
    counter = Counter(4)
    pools = [LanePool(counter.hold, count=4, linger=5.0) for _ in range(2)]
    ended = _two_workers(counter, pools, jobs=[300, 12], late=0.2)
    assert ended[1] > ended[0]  # what the share prevents: the first worker's waiting syncs take every lane


def test_a_presence_that_cannot_be_had_leaves_the_pool_bounded_by_the_counter_alone():
    counter = Counter(3)

    @contextmanager
    def missing():
        raise RuntimeError("Concurrency limits ['bosco-app-x-workers'] must be created before acquiring slots")
        yield

    pool = LanePool(counter.hold, count=3, linger=0.5, presence=missing)
    seen = _syncs(pool, jobs=12, threads=3)
    pool.close()
    assert len(seen) == 12 and max(seen) <= 3 and counter.held == 0


def test_a_lane_lost_while_a_sync_uses_it_is_not_handed_on_when_given_back():
    """Prefect cancels a holder whose lease renewal failed (its slot is free again at the
    counter): the sync using it finishes, but the lane must not go to the next sync."""
    import ctypes

    counter = Counter(1)
    pool = LanePool(counter.hold, linger=5.0)
    pool.take(1)
    [holder] = [t for t in pool._threads if t.is_alive()]
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(holder.ident), ctypes.py_object(RuntimeError))
    pool.give(0)  # wakes the holder, which meets the exception
    holder.join(5)
    assert not holder.is_alive() and counter.held == 0
    pool.give(1)  # the sync is done with the lost lane
    with pool.taken(1):
        assert counter.held == 1 and counter.asks == 2  # a new lane from the counter, not the lost one
    pool.close()
    assert counter.held == 0


def _hogged(counter: Counter, seconds: float) -> threading.Thread:
    """Another worker holding every free slot of `counter` for `seconds`."""
    hogs = []
    free = counter.count - counter.held

    def hog() -> None:
        with ExitStack() as stack:
            for _ in range(free):
                stack.enter_context(counter.hold())
            hogs.append(True)
            time.sleep(seconds)

    other = threading.Thread(target=hog)
    other.start()
    assert _eventually(lambda: hogs == [True])
    return other


def test_a_refused_ask_is_made_again_once_a_reading_of_the_counter_sees_a_lane_free():
    """Prefect refuses at once (423) when no lane is free; the pool asks again when its
    presence next reads a lane free, not after Prefect's Retry-After nor in a busy loop."""
    counter, present = Counter(2, refuse=True), Counter(1000)

    @contextmanager
    def presence():
        with present.hold():
            yield lambda starving: Reading(present.held, counter.count - counter.held)

    pool = LanePool(counter.hold, count=2, linger=0.5, presence=presence, refresh=0.05)
    other = _hogged(counter, 0.5)
    started = time.monotonic()
    with pool.taken(1):
        waited = time.monotonic() - started
    other.join(5)
    pool.close()
    assert 0.4 <= waited < 1.5  # got the lane within a reading or two of its release
    assert 2 <= counter.asks - 2 <= 4  # the hog's 2 asks aside: refused once, asked again after the release
    assert counter.held == 0 and present.held == 0


def test_without_readings_a_refused_ask_is_made_again_after_the_poll():
    counter = Counter(1, refuse=True)
    pool = LanePool(counter.hold, linger=0.0, poll=0.1)
    other = _hogged(counter, 0.35)
    with pool.taken(1):
        pass
    other.join(5)
    pool.close()
    assert 1 + 3 <= counter.asks <= 1 + 6  # the hog's ask, then one every ~0.1 s until the release
    assert counter.held == 0


def test_a_refused_ask_no_sync_wants_any_more_is_not_made_again():
    """A sync waits for a second lane and is refused; the worker's first sync then hands it
    its lane: nobody here wants another, so the holder stops asking."""
    counter = Counter(2, refuse=True)
    pool = LanePool(counter.hold, linger=5.0, poll=0.05)
    pool.take(1)  # sync A: the worker's one lane (ask 1)
    other = _hogged(counter, 1.0)  # another worker takes the last slot (ask 2)
    got = threading.Event()
    waiter = threading.Thread(target=lambda: (pool.take(1), got.set()))
    waiter.start()  # sync B: refused (ask 3), asks again every 0.05 s
    assert _eventually(lambda: counter.asks >= 4)
    pool.give(1)  # A is done: B gets its lane
    assert got.wait(5)
    asks = counter.asks
    time.sleep(0.3)
    assert counter.asks <= asks + 1  # at most the ask already under way
    assert pool._failures == []  # a refusal nobody waits for any more fails no sync
    pool.give(1)
    pool.close()
    waiter.join(5)
    other.join(5)
    assert counter.held == 0


def test_a_worker_starving_makes_the_others_hold_no_more_than_the_floor_of_their_share():
    """5 lanes, 4 workers: ceil(5 / 4) = 2 each lets three of them hold 2 + 2 + 1 and the
    fourth none until one finishes. While a worker starves the others keep at most
    floor(5 / 4) = 1, so it gets a lane after about one sync of theirs."""
    counter, present = Counter(5, refuse=True), Counter(1000)
    starving: set[int] = set()
    lock = threading.Lock()

    def presence_of(worker: int):
        @contextmanager
        def presence():
            def read(starves: bool) -> Reading:
                with lock:
                    (starving.add if starves else starving.discard)(worker)
                    return Reading(present.held, counter.count - counter.held, len(starving))

            with present.hold():
                try:
                    yield read
                finally:
                    with lock:
                        starving.discard(worker)

        return presence

    pools = [LanePool(counter.hold, count=5, linger=5.0, presence=presence_of(i), refresh=0.01, poll=0.01) for i in range(4)]
    first_lane: dict[int, float] = {}
    # the late one starts when the first three hold every lane
    ended = _workers(pools, [60] * 4, [0.0, 0.0, 0.0, 0.3], seconds=0.05, first_lane=first_lane)
    assert len(ended) == 4
    assert first_lane[3] < min(ended[i] for i in range(3)) - 0.3  # not starved until another worker finished
    assert counter.most <= 5 and counter.held == 0 and present.held == 0 and starving == set()
