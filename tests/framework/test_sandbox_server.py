"""`FakeApi`: scripted and random faults, request recording, in-flight tracking."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bosco_connectors.sandbox import Fault, FakeApi, FakeRequest, FakeResponse, FaultPlan
from bosco_connectors.sandbox.server import RANDOM_FAULTS


class Echo:
    """A vendor app that echoes the request; `barrier` makes N requests meet in the handler."""

    def __init__(self, prefix: str = "echo", barrier: threading.Barrier | None = None) -> None:
        self.prefix = prefix
        self.barrier = barrier

    def handle(self, request: FakeRequest) -> FakeResponse:
        if self.barrier is not None:
            self.barrier.wait()
        if request.path == "/boom":
            raise RuntimeError("bug in fake app")
        return FakeResponse.json({"path": request.path, "q": request.query, "body": request.json(), "auth": request.header("Authorization")})


@pytest.fixture
def api() -> FakeApi:
    with FakeApi([Echo("echo"), Echo("other")]) as server:
        yield server


def get(client: httpx.Client, api: FakeApi, path: str, vendor: str = "echo") -> httpx.Response:
    return client.get(api.url(vendor) + path)


def test_scripted_fault_hits_exactly_n_matching_requests(api: FakeApi) -> None:
    api.inject(Fault.server_error(503), times=2, path_contains="/items")
    with httpx.Client() as client:
        statuses = [get(client, api, p).status_code for p in ("/items", "/daily", "/items", "/items", "/items/2", "/daily")]

    assert statuses == [503, 200, 503, 200, 200, 200]
    assert [(r.path, r.fault) for r in api.requests] == [
        ("/items", "status"), ("/daily", None), ("/items", "status"), ("/items", None), ("/items/2", None), ("/daily", None),
    ]


def test_scripted_fault_can_target_one_vendor(api: FakeApi) -> None:
    api.inject(Fault.rate_limited(7), times=1, vendor="other")
    with httpx.Client() as client:
        first = get(client, api, "/x")
        limited = get(client, api, "/x", vendor="other")
        after = get(client, api, "/x", vendor="other")

    assert (first.status_code, limited.status_code, after.status_code) == (200, 429, 200)
    assert limited.headers["Retry-After"] == "7"
    assert limited.json() == {"error": {"message": "Too Many Requests"}}


def test_scripted_faults_apply_in_order(api: FakeApi) -> None:
    api.inject(Fault.unauthorized(), times=1)
    api.inject(Fault.server_error(502), times=1)
    with httpx.Client() as client:
        assert [get(client, api, "/a").status_code for _ in range(3)] == [401, 502, 200]


def test_transport_faults_look_like_the_real_thing(api: FakeApi) -> None:
    api.inject(Fault.reset(), times=1)
    api.inject(Fault.truncated(), times=1)
    api.inject(Fault.html(), times=1)
    with httpx.Client() as client:
        with pytest.raises(httpx.TransportError):
            get(client, api, "/reset")
        truncated = get(client, api, "/truncated")
        html = get(client, api, "/html")

    full = FakeResponse.json({"path": "/truncated", "q": {}, "body": None, "auth": None}).body
    assert truncated.status_code == 200 and truncated.content == full[: len(full) // 2]
    assert html.status_code == 200 and html.headers["content-type"] == "text/html"
    assert html.text.startswith("<html>")


def test_slow_fault_delays_the_answer(api: FakeApi) -> None:
    api.inject(Fault.slow(0.2), times=1)
    with httpx.Client() as client:
        start = time.monotonic()
        assert get(client, api, "/slow").status_code == 200
        assert time.monotonic() - start >= 0.2


def test_requests_are_recorded(api: FakeApi) -> None:
    with httpx.Client() as client:
        client.post(api.url("echo") + "/reports?level=AD&level=ADGROUP&empty=", json={"metrics": ["spend"]}, headers={"Authorization": "Bearer t0k"})
        echoed = get(client, api, "/items?page=2").json()

    post, item = api.requests
    assert (post.vendor, post.method, post.path, post.status, post.fault) == ("echo", "POST", "/reports", 200, None)
    assert post.query == {"level": ["AD", "ADGROUP"], "empty": [""]}
    assert post.json() == {"metrics": ["spend"]}
    assert post.headers["authorization"] == "Bearer t0k"
    assert item.arg("page") == "2" and item.arg("missing") is None
    assert echoed == {"path": "/items", "q": {"page": ["2"]}, "body": None, "auth": None}
    assert [r.path for r in api.requests_to("/rep")] == ["/reports"]
    api.clear()
    assert api.requests == []


def test_unknown_vendor_and_app_bugs(api: FakeApi) -> None:
    with httpx.Client() as client:
        missing = get(client, api, "/x", vendor="nobody")
        bug = get(client, api, "/boom")
    assert missing.status_code == 404 and missing.json() == {"error": "no fake API mounted at /nobody"}
    assert bug.status_code == 500 and bug.json() == {"error": "fake app error: bug in fake app"}


def test_random_faults_are_reproducible_per_seed() -> None:
    def draws(seed: int) -> list[Fault | None]:
        plan = FaultPlan(rate=0.3, seed=seed)
        return [plan.draw() for _ in range(200)]

    first, again, other = draws(11), draws(11), draws(12)
    assert first == again
    assert first != other
    # The documented recipe: one uniform draw per request, then a choice among the kinds.
    rng = random.Random(11)
    expected = [rng.choice(RANDOM_FAULTS) if rng.random() < 0.3 else None for _ in range(200)]
    assert first == expected
    assert 30 <= sum(f is not None for f in first) <= 90


def test_random_faults_off_by_default() -> None:
    plan = FaultPlan()
    assert [plan.draw() for _ in range(50)] == [None] * 50


def test_random_faults_over_the_server_repeat_with_the_seed() -> None:
    kinds = (Fault.server_error(500), Fault.rate_limited(0), Fault.html())

    def statuses(seed: int) -> list[tuple[int, str | None]]:
        with FakeApi([Echo()], faults=FaultPlan(rate=0.5, seed=seed, kinds=kinds)) as server, httpx.Client() as client:
            for i in range(30):
                client.get(server.url("echo") + f"/r{i}")
            return [(r.status, r.fault) for r in server.requests]

    first = statuses(5)
    assert first == statuses(5)
    assert first != statuses(6)
    assert {f for _, f in first} == {None, "status", "html"}


def test_max_in_flight_is_tracked() -> None:
    # the 4 requests must all be inside the handler at once; generous waits, as a loaded 2-core
    # machine may take seconds to start four clients (the test counts, it does not time)
    barrier = threading.Barrier(4, timeout=60)
    app = Echo(barrier=barrier)
    with FakeApi([app]) as server:
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda i: httpx.get(server.url("echo") + f"/p{i}", timeout=60).status_code, range(4)))
        assert codes == [200] * 4
        assert server.max_in_flight == 4
        assert server.in_flight == 0
        app.barrier = None
        assert httpx.get(server.url("echo") + "/one").status_code == 200
        assert server.max_in_flight == 4  # a peak, not the current value


def test_keep_alive_requests_are_fast() -> None:
    """Small responses over a kept-alive connection must not wait for delayed ACKs (~40 ms each)."""
    with FakeApi([Echo()]) as server, httpx.Client() as client:
        client.get(server.url("echo") + "/warm")
        start = time.monotonic()
        for i in range(20):
            client.get(server.url("echo") + f"/{i}")
        elapsed = time.monotonic() - start
    assert elapsed < 0.4, f"20 requests took {elapsed:.2f}s"


def test_stop_is_quick_and_safe_without_start() -> None:
    server = FakeApi([Echo()]).start()
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 0.3

    never_started = FakeApi([Echo()])
    stopper = threading.Thread(target=never_started.stop, daemon=True)
    stopper.start()
    stopper.join(2)
    assert not stopper.is_alive(), "stop() hangs when the server was never started"
