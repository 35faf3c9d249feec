"""`framework.hooks`: what a sync reads and sends, seen from outside, without patching anything.

The acme app's behaviour is known (20 days, two items a day, pages of 3, a 3-day
look-back): the events expected here are written from it, not from the framework.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from bosco_connectors.framework import hooks
from bosco_connectors.framework.redaction import REDACTED, register_secret
from bosco_connectors.sandbox import FakeApi
from tests.framework.test_resources import LOOKBACK, day, pipeline, run
from tests.framework.toy_api import TODAY, AcmeApp, make_connector


def test_on_read_sees_the_range_each_stream_is_asked_for(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    p = pipeline(tmp_path)
    config = acme_app.source_config(acme_api.url("acme"))
    run(p, make_connector(), config)
    reads: list[hooks.ReadStarted] = []
    with hooks.on_read(reads.append):
        run(p, make_connector(), config)

    by_stream = {r.stream: r for r in reads}
    assert sorted(by_stream) == ["daily", "items"] and len(reads) == 2
    assert (by_stream["daily"].source, by_stream["daily"].since, by_stream["daily"].until) == ("acme", day(LOOKBACK), TODAY)
    assert (by_stream["items"].since, by_stream["items"].until) == (None, None)  # a full refresh has no range


def test_on_request_sees_every_request_with_its_stream_and_parameters(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    config = acme_app.source_config(acme_api.url("acme"))
    sent: list[hooks.RequestSent] = []
    with hooks.on_request(sent.append):
        run(pipeline(tmp_path), make_connector(), config, streams=["items"])

    # 7 items in pages of 3: pages 1, 2 and 3, each one request of the items stream.
    assert [(r.source, r.stream, r.method, r.path, r.value("page")) for r in sent] == [
        ("acme", "items", "GET", "/acme/items", str(n)) for n in (1, 2, 3)
    ]
    assert len(acme_api.requests) == 3


def test_subscribers_are_dropped_when_their_block_ends(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    config = acme_app.source_config(acme_api.url("acme"))
    seen: list[object] = []
    with hooks.on_read(seen.append), hooks.on_request(seen.append):
        pass
    run(pipeline(tmp_path), make_connector(), config, streams=["items"])
    assert seen == []


def test_secrets_in_a_request_are_masked_for_observers() -> None:
    register_secret("hook-secret-value-123")
    request = httpx.Request(
        "POST", "https://api.example.test/v1/report?access_token=abc123456789&page=2",
        json={"query": "x", "auth": {"client_secret": "s3cr3t-s3cr3t"}, "note": "uses hook-secret-value-123"},
    )
    sent: list[hooks.RequestSent] = []
    with hooks.on_request(sent.append):
        hooks.request_sent("acme", "daily", request)

    (event,) = sent
    assert event.query == {"access_token": REDACTED, "page": "2"}
    assert event.body == {"query": "x", "auth": {"client_secret": REDACTED}, "note": f"uses {REDACTED}"}
    assert event.value("page") == "2" and event.value("query") == "x"


def test_every_partition_reports_its_requests(tmp_path: Path) -> None:
    """Partitions may be read on worker threads: their requests are reported all the same."""
    app = AcmeApp()
    events: list[hooks.RequestSent] = []
    with FakeApi([app], latency=0.01) as api, hooks.on_request(events.append):
        config = {**app.source_config(api.url("acme")), "max_workers": 3}
        run(pipeline(tmp_path), make_connector(shards=tuple("abcdef")), config, streams=["sharded"])
    # 6 shards of 7 items, pages of 3: three requests per shard.
    assert sorted(e.value("shard") for e in events) == sorted(list("abcdef") * 3)
