"""App-wide vendor budgets: the declarations, bosco.toml's overrides, and the lanes that share them."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from bosco_connectors.framework import ApiClient, AppLimits, RateLimit
from bosco_connectors.framework.errors import ConfigError
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.framework.resources import _reader_threads
from bosco_connectors.orchestration.lanes import Lanes, fair_share, fit, lanes_for, lanes_wanted, limit_name
from bosco_connectors.project import parse_project

PROJECT = "[[tenants]]\nid = 'a'\n[tenants.sources.tiktok_ads]\n"


@pytest.mark.parametrize(
    "source, per_second",
    [("tiktok_ads", 10), ("snapchat_ads", 20), ("sa360", 50), ("dv360", 25), ("cm360", 1)],
)
def test_sources_declare_the_app_budget_their_docs_state(source, per_second):
    limits = get_connector(source).app_limits
    assert limits and limits.requests_per_second == per_second and limits.docs.startswith("https://")


def test_a_source_counted_per_credential_declares_no_app_budget():
    assert get_connector("shopify").app_limits is None  # a leaky bucket per app *and shop*


@pytest.mark.parametrize(
    "limits, lanes",
    [
        (AppLimits(per_second=10), Lanes(10, None, 1.0, None)),  # TikTok Basic: 10 lanes of 1 request/s
        (AppLimits(per_minute=3000), Lanes(50, None, 1.0, None)),
        (AppLimits(per_minute=30), Lanes(1, None, 0.5, None)),  # under 1/s: one lane
        (AppLimits(in_flight=2), Lanes(2, 1, None, None)),
        (AppLimits(per_second=20, in_flight=5), Lanes(5, 1, 4.0, None)),
        (AppLimits(in_flight=8, report_jobs=4), Lanes(4, 2, None, 1)),
    ],
)
def test_a_budget_is_cut_into_lanes_that_sum_to_it(limits, lanes):
    assert lanes_for(limits) == lanes
    whole = lanes.share(lanes.count)
    assert whole.in_flight in (None, limits.in_flight) or whole.in_flight <= limits.in_flight
    if limits.requests_per_second:
        assert whole.per_second == pytest.approx(limits.requests_per_second)


def test_a_sync_takes_its_own_concurrency_in_lanes_and_is_narrowed_to_their_share():
    client = ApiClient("tiktok_ads", "http://127.0.0.1:9/", rate_limit=RateLimit(max_concurrency=4, per_second=10))
    lanes = lanes_for(AppLimits(per_second=10, in_flight=5))
    taken = lanes_wanted(client, lanes)
    assert taken == 4
    fit(client, lanes.share(taken))
    assert client.limiter.limit == RateLimit(max_concurrency=4, per_second=8.0)
    narrow = lanes_for(AppLimits(in_flight=2))
    assert lanes_wanted(client, narrow) == 2
    fit(client, narrow.share(1))
    assert client.limiter.limit.max_concurrency == 1 and client.limiter.limit.per_second == 8.0  # never loosened
    assert limit_name("tiktok_ads") == "bosco-app-tiktok_ads"


@pytest.mark.parametrize(
    "count, jobs, threads, share",
    [
        (5, 1, 4, 5),  # a lone sync takes every lane
        (5, 200, 1, 5),  # one thread: one sync at a time
        (5, 2, 4, 2),  # two at once: 2 each (one lane idle rather than 3 + 2 unequal)
        (5, 200, 4, 1),  # four at once: 1 each
        (5, 200, 8, 1),  # more threads than lanes: 1 each, the counter makes the rest wait
        (10, 3, 4, 3),
        (10, 200, 4, 2),
        (1, 200, 4, 1),
    ],
)
def test_a_sync_takes_a_fair_share_of_the_lanes(count, jobs, threads, share):
    assert fair_share(count, jobs, threads) == share


@pytest.mark.parametrize("count", [1, 2, 5, 10, 50])
def test_fair_shares_of_the_syncs_running_at_once_never_sum_past_the_lanes(count):
    for jobs in range(1, 60):
        for threads in range(1, 60):
            running = min(jobs, threads)
            share = fair_share(count, jobs, threads)
            assert share >= 1
            if running <= count:  # past `count` syncs at once, the shared counter makes the rest wait
                assert share * running <= count, (count, jobs, threads)
                assert share * running > count - running, "lanes left idle that a fair share would use"


def test_a_sync_never_takes_more_lanes_than_its_own_concurrency():
    lanes = lanes_for(AppLimits(in_flight=10))
    client = ApiClient("tiktok_ads", "http://127.0.0.1:9/", rate_limit=RateLimit(max_concurrency=3))
    assert lanes_wanted(client, lanes) == 3  # alone: all it can use
    assert lanes_wanted(client, lanes, jobs=2, threads=4) == 3  # a share of 5, capped at 3
    assert lanes_wanted(client, lanes, jobs=200, threads=4) == 2
    assert lanes_wanted(client, lanes, jobs=200, threads=20) == 1


def _counted_concurrency(count: int, held: list[int], log: list[int]):
    """Prefect's global concurrency limit as this test needs it: `count` slots, a taker waits."""
    slots = threading.Condition()
    state = {"held": 0}

    @contextmanager
    def concurrency(name, occupy=1, **_):
        with slots:
            slots.wait_for(lambda: state["held"] + occupy <= count)
            state["held"] += occupy
            held.append(state["held"])
        try:
            yield
        finally:
            with slots:
                state["held"] -= occupy
                slots.notify_all()
            log.append(occupy)

    return concurrency


@pytest.mark.parametrize("jobs, threads", [(1, 4), (2, 4), (12, 4), (12, 8), (3, 2)])
def test_syncs_on_every_thread_hold_at_most_the_lanes_and_fit_their_share(jobs, threads):
    from bosco_connectors.orchestration import prefect as flow
    from bosco_connectors.orchestration.lanes import LanePool

    lanes = lanes_for(AppLimits(in_flight=5, per_second=20))
    held: list[int] = []
    released: list[int] = []
    counted = _counted_concurrency(lanes.count, held, released)
    pool = LanePool(lambda: counted("bosco-app-tiktok_ads"), linger=0.01)
    turn = flow.vendor_turn(pool, lanes, jobs, threads)
    fitted: list[tuple[int | None, int | None, float | None]] = []
    in_use = {"now": 0, "most": 0}
    lock = threading.Lock()

    def sync(_: int) -> None:
        client = ApiClient("tiktok_ads", "http://127.0.0.1:9/", rate_limit=RateLimit(max_concurrency=5, per_second=20))
        with turn(client):
            with client.limiter.slot():  # its first request takes its lanes
                with lock:
                    in_use["now"] += client.lanes.lanes
                    in_use["most"] = max(in_use["most"], in_use["now"])
                fitted.append((client.lanes.lanes, client.limiter.limit.max_concurrency, client.limiter.limit.per_second))
                time.sleep(0.01)
            with lock:
                in_use["now"] -= client.lanes.lanes

    with ThreadPoolExecutor(max_workers=threads) as executor:
        list(executor.map(sync, range(jobs)))
    pool.close()

    share = fair_share(lanes.count, jobs, threads)
    assert max(held) <= lanes.count and in_use["most"] <= lanes.count
    assert len(released) == len(held)  # every lane taken from the counter went back to it
    assert {f for f in fitted} == {(share, share, 4.0 * share)}  # 1 in flight and 4/s per lane


def test_a_sync_takes_its_lanes_at_its_first_request_once_and_gives_them_back_after_the_block():
    from bosco_connectors.orchestration.lanes import LanePool, lanes_while_used

    held: list[int] = []
    released: list[int] = []
    counted = _counted_concurrency(3, held, released)
    pool = LanePool(lambda: counted("bosco-app-tiktok_ads"), linger=0.0)
    client = ApiClient("tiktok_ads", "http://127.0.0.1:9/", rate_limit=RateLimit(max_concurrency=2))
    def request(_: int) -> None:
        with client.limiter.slot():
            time.sleep(0.005)

    with lanes_while_used(pool, client, 2):
        assert held == []  # set-up before the first request holds no lane
        client.limiter.watcher.reading(True)  # a stream's reading (`resources._StreamReader.read`)
        with ThreadPoolExecutor(max_workers=4) as executor:  # the sync's reader threads
            list(executor.map(request, range(12)))
        assert held == [1, 2]  # two lanes, taken once for all its requests
        client.limiter.watcher.reading(False)
    assert client.limiter.watcher is None
    pool.close()
    assert len(released) == 2


def test_a_sync_gives_its_lanes_back_once_its_reading_is_done_and_takes_them_again_at_a_later_request():
    """Between the last answer and the end of dlt's extract step (files, state) the lanes
    are another sync's: handed on in the worker's pool at once."""
    from bosco_connectors.orchestration.lanes import LanePool, lanes_while_used

    counter = threading.BoundedSemaphore(1)  # the app has one lane

    @contextmanager
    def hold():
        if not counter.acquire(timeout=0.5):
            raise TimeoutError("no lane")
        try:
            yield
        finally:
            counter.release()

    pool = LanePool(hold, linger=5.0)
    client = ApiClient("tiktok_ads", "http://127.0.0.1:9/", rate_limit=RateLimit(max_concurrency=2))
    other_got = threading.Event()
    with lanes_while_used(pool, client, 1):
        watcher = client.limiter.watcher
        watcher.reading(True)
        with client.limiter.slot():
            other = threading.Thread(target=lambda: (pool.take(1), other_got.set()))
            other.start()  # another sync of the worker waits for a lane; the pool has 1
        assert not other_got.wait(0.2)  # between pages of a reading the lane stays with the sync
        watcher.reading(False)  # the reading's last answer is in
        assert other_got.wait(5)  # handed on before the block (dlt's extract) ends
        pool.give(1)
        with client.limiter.slot():  # a later request takes a lane again
            assert pool._idle == 0
        assert pool._idle == 1  # and gives it back: no reading, no request under way
    pool.close()


@pytest.mark.parametrize(
    "share, max_workers, threads, eager",
    [
        (None, 5, 5, False),  # no lanes (the plain path): the probe decides
        (1, 5, 1, True),  # one lane: one reader thread, the next request sent while dlt works
        (2, 5, 2, True),  # two lanes: two threads from the first request
        (5, 3, 3, True),  # never more threads than the source's own
    ],
)
def test_a_sync_holding_lanes_reads_with_them_from_the_first_request(share, max_workers, threads, eager):
    lanes = lanes_for(AppLimits(in_flight=5))
    assert _reader_threads(max_workers, lanes.share(share) if share else None) == (threads, eager)


def test_a_project_raises_a_tier_in_its_limits_table():
    project = parse_project(PROJECT + "[limits.tiktok_ads]\nper_second = 20\nin_flight = 8\n", "bosco.toml")
    assert project.limits["tiktok_ads"].requests_per_second == 20 and project.limits["tiktok_ads"].in_flight == 8


@pytest.mark.parametrize(
    "table, message",
    [
        ("[limits.tiktok_ads]\nper_hour = 3\n", "[limits.tiktok_ads] unknown key(s) per_hour"),
        ("[limits.tiktok_ads]\nper_second = 0\n", "[limits.tiktok_ads] per_second must be a positive number"),
        ("[limits.tiktok_ads]\nin_flight = 2.5\n", "[limits.tiktok_ads] in_flight must be a whole number"),
        ("[limits]\ntiktok_ads = 3\n", "[limits.tiktok_ads] must be a table"),
    ],
)
def test_bad_limits_are_one_clear_line(table, message):
    with pytest.raises(ConfigError) as caught:
        parse_project(PROJECT + table, "bosco.toml")
    assert message in str(caught.value)
