"""`RateLimiter`: the concurrency cap under threads, per-second spacing, shared pauses."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bosco_connectors.framework import ApiClient, RateLimit
from bosco_connectors.framework.ratelimit import RateLimiter

from .conftest import FakeClock


class InFlight:
    """Counts requests in progress; the peak is the real concurrency."""

    def __init__(self) -> None:
        self.now = self.peak = self.total = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.total += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


def test_concurrency_cap_is_never_exceeded_under_threads() -> None:
    limiter = RateLimiter(RateLimit(max_concurrency=3))
    count = InFlight()

    def work(_: int) -> None:
        with limiter.slot():
            count.enter()
            time.sleep(0.005)
            count.leave()

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(work, range(60)))

    assert count.total == 60
    assert count.peak == 3


def test_api_client_caps_requests_in_flight_in_the_handler() -> None:
    """Counted where the requests land: the transport handler."""
    count = InFlight()

    def handler(request: httpx.Request) -> httpx.Response:
        count.enter()
        time.sleep(0.01)
        count.leave()
        return httpx.Response(200, json={"ok": True})

    client = ApiClient("acme", "https://api.acme.test", rate_limit=RateLimit(max_concurrency=2), transport=httpx.MockTransport(handler))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: client.get("items", params={"i": i})[1], range(24)))

    assert results == [{"ok": True}] * 24
    assert count.total == 24
    assert count.peak == 2


def test_unlimited_concurrency_lets_all_threads_in() -> None:
    limiter = RateLimiter(RateLimit(max_concurrency=None))
    barrier = threading.Barrier(5, timeout=2)

    def work(_: int) -> None:
        with limiter.slot():
            barrier.wait()  # breaks (BrokenBarrierError) unless all 5 are inside at once

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(work, range(5)))


def test_per_second_spacing_with_a_fake_clock() -> None:
    clock = FakeClock(start=100.0)
    limiter = RateLimiter(RateLimit(max_concurrency=None, per_second=4), clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(5):
        with limiter.slot():
            starts.append(clock())

    assert starts == [100.0, 100.25, 100.5, 100.75, 101.0]
    assert clock.sleeps == [0.25] * 4


def test_spacing_does_not_bank_idle_time() -> None:
    """After a quiet spell the next request goes at once, and the spacing restarts from it."""
    clock = FakeClock(start=100.0)
    limiter = RateLimiter(RateLimit(max_concurrency=None, per_second=2), clock=clock, sleep=clock.sleep)
    with limiter.slot():
        pass
    clock.now = 110.0
    starts = []
    for _ in range(3):
        with limiter.slot():
            starts.append(clock())

    assert starts == [110.0, 110.5, 111.0]


def test_pause_for_delays_every_thread() -> None:
    clock = FakeClock(start=100.0)
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:  # time stands still: every thread must wait the full pause
        with lock:
            waits.append(seconds)

    limiter = RateLimiter(RateLimit(max_concurrency=None), clock=clock, sleep=record)
    limiter.pause_for(5.0)
    threads = [threading.Thread(target=lambda: limiter.slot().__enter__()) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert waits == [5.0] * 4


def test_pause_never_shortens_an_earlier_longer_pause() -> None:
    clock = FakeClock(start=100.0)
    limiter = RateLimiter(RateLimit(max_concurrency=None), clock=clock, sleep=clock.sleep)
    limiter.pause_for(10.0)
    limiter.pause_for(2.0)
    with limiter.slot():
        pass

    assert clock.sleeps == [10.0]


def test_no_wait_without_limits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimit(max_concurrency=None, per_second=None), clock=clock, sleep=clock.sleep)
    for _ in range(10):
        with limiter.slot():
            pass
    assert clock.sleeps == []


def test_a_burst_starts_that_many_at_once_then_keeps_the_rate() -> None:
    """Amazon SP-API's searchOrders: 0.0056 requests a second with a burst of 20. Before, the
    second request of a run waited three minutes; now the first 20 start at once."""
    clock = FakeClock(start=100.0)
    limiter = RateLimiter(RateLimit(max_concurrency=None, per_second=0.5, burst=3), clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(5):
        with limiter.slot():
            starts.append(clock.now)
    assert starts == [100.0, 100.0, 100.0, 102.0, 104.0]


def test_a_pause_holds_a_burst_too() -> None:
    clock = FakeClock(start=100.0)
    limiter = RateLimiter(RateLimit(max_concurrency=None, per_second=1.0, burst=5), clock=clock, sleep=clock.sleep)
    limiter.pause_for(10.0)
    with limiter.slot():
        assert clock.now == 110.0


def test_a_declared_burst_reaches_the_limit() -> None:
    from bosco_connectors.framework.declare import RateBudget

    assert RateBudget(per_second=0.0056, burst=20).limit(None).burst == 20
    assert RateBudget(per_second=1).limit(None).burst == 1


def test_virtual_pace_keeps_the_schedule_without_waiting() -> None:
    import time as wall

    from bosco_connectors.framework.ratelimit import virtual_pace

    own: list[float] = []
    with virtual_pace() as clock:
        paced = RateLimiter(RateLimit(per_second=1.0))
        injected = RateLimiter(RateLimit(per_second=1.0), sleep=own.append)
        started = wall.monotonic()
        for _ in range(4):
            with paced.slot():
                pass
        assert wall.monotonic() - started < 0.5
        assert 2.9 < clock.waited <= 3.0  # three waits of one second, on the virtual clock
        for _ in range(2):
            with injected.slot():
                pass
    assert len(own) == 1 and 0.9 < own[0] <= 1.0  # a limiter given its own sleep keeps it
    assert RateLimiter().sleep is wall.sleep  # outside the block, the wall clock again
