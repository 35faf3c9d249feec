"""`ApiClient`: retries, waits, give-up errors, auth failures, garbled bodies, envelopes.

Most tests script responses with `httpx.MockTransport`; the transport-level faults
(connection reset, truncated body, slow response) go through the real `FakeApi` over
loopback. Every wait goes through a `FakeClock`, so the waits are asserted exactly and
nothing really sleeps (backoff jitter is set to 0 to make backoff deterministic).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Callable

import httpx
import pytest

from bosco_connectors.framework import (
    ApiClient,
    ApiError,
    AuthError,
    ErrorPolicy,
    QueryParamAuth,
    ResponseFormatError,
    RetryableApiError,
    RetryPolicy,
    SourceError,
    bearer,
)
from bosco_connectors.framework.redaction import REDACTED, register_secret
from bosco_connectors.sandbox import Fault, FakeApi

from .conftest import FakeClock

BASE = "https://api.acme.test/v1"
TOKEN = "acme-secret-token-123"

Step = httpx.Response | Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler that answers with the given steps in order (the last repeats)."""

    def __init__(self, *steps: Step) -> None:
        self.steps = steps
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        step = self.steps[min(len(self.calls), len(self.steps)) - 1]
        return step(request) if callable(step) else step


def ok(body: Any = None) -> httpx.Response:
    return httpx.Response(200, json={"data": [1, 2]} if body is None else body)


def fail(status: int, message: str = "boom", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message}}, headers=headers)


def raises(exc_type: type[httpx.TransportError], text: str) -> Callable[[httpx.Request], httpx.Response]:
    def step(request: httpx.Request) -> httpx.Response:
        raise exc_type(text, request=request)

    return step


def make_client(
    handler: Callable[[httpx.Request], httpx.Response],
    clock: FakeClock,
    *,
    attempts: int = 4,
    max_retry_after: float = 900.0,
    **kwargs: Any,
) -> ApiClient:
    client = ApiClient(
        "acme",
        BASE,
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=attempts, initial_wait=1.0, max_wait=8.0, jitter=0.0, max_retry_after=max_retry_after),
        sleep=clock.sleep,
        **kwargs,
    )
    client.limiter.clock = clock  # the limiter's pause then sees the fake time move too
    return client


# -- retries that succeed --------------------------------------------------------------


def test_429_with_retry_after_seconds_waits_exactly_that(clock: FakeClock) -> None:
    script = Script(fail(429, "slow down", {"Retry-After": "2"}), ok({"data": ["a"]}))
    client = make_client(script, clock)

    response, body = client.get("items", stream="items")

    assert body == {"data": ["a"]}
    assert response.status_code == 200
    assert len(script.calls) == 2
    # One wait of exactly Retry-After; the rate limiter's shared pause does not add a second one.
    assert clock.sleeps == [2.0]
    assert (client.stats.requests, client.stats.retries, client.stats.waited_seconds) == (2, 1, 2.0)


def test_429_with_retry_after_http_date_waits_until_then(clock: FakeClock) -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    script = Script(fail(429, headers={"Retry-After": format_datetime(when, usegmt=True)}), ok())
    client = make_client(script, clock)

    client.get("items")

    assert len(clock.sleeps) == 1
    # An HTTP-date has whole seconds, and a little time passes before the header is read.
    assert 28.0 < clock.sleeps[0] <= 30.0


def test_retry_after_pauses_the_shared_limiter(clock: FakeClock) -> None:
    """A 429 makes every request of the source wait, not only the one that got it."""
    client = make_client(Script(fail(429, headers={"Retry-After": "5"}), ok()), clock)
    paused = []
    original = client.limiter.pause_for
    client.limiter.pause_for = lambda s: (paused.append(s), original(s))[1]  # type: ignore[method-assign]

    client.get("items")

    assert paused == [5.0]


@pytest.mark.parametrize("status", [500, 502, 503, 408])
def test_server_errors_are_retried_with_exponential_backoff(clock: FakeClock, status: int) -> None:
    script = Script(fail(status), fail(status), fail(status), ok())
    client = make_client(script, clock)

    _, body = client.get("items")

    assert body == {"data": [1, 2]}
    assert len(script.calls) == 4
    # initial_wait 1 s, multiplier 2, no jitter: 1, 2, 4.
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_backoff_is_capped_at_max_wait(clock: FakeClock) -> None:
    client = make_client(Script(*[fail(500)] * 6, ok()), clock, attempts=7)

    client.get("items")

    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize(
    "exc_type, text",
    [(httpx.ReadError, "[Errno 104] Connection reset by peer"), (httpx.ReadTimeout, "timed out"), (httpx.ConnectError, "refused")],
)
def test_transport_errors_are_retried(clock: FakeClock, exc_type: type[httpx.TransportError], text: str) -> None:
    script = Script(raises(exc_type, text), ok())
    client = make_client(script, clock)

    _, body = client.get("items")

    assert body == {"data": [1, 2]}
    assert len(script.calls) == 2
    assert clock.sleeps == [1.0]


def test_truncated_json_is_retried(clock: FakeClock) -> None:
    script = Script(httpx.Response(200, content=b'{"data": [1, 2', headers={"Content-Type": "application/json"}), ok())
    client = make_client(script, clock)

    _, body = client.get("items")

    assert body == {"data": [1, 2]}
    assert len(script.calls) == 2


def test_on_response_sees_only_the_successful_response(clock: FakeClock) -> None:
    seen = []
    client = make_client(Script(fail(500), ok({"data": [], "cost": 3})), clock)

    client.get("items", on_response=lambda r, b: seen.append((r.status_code, b["cost"])))

    assert seen == [(200, 3)]


# -- giving up -------------------------------------------------------------------------


def test_gives_up_after_max_attempts_naming_source_stream_request_and_vendor_message(clock: FakeClock) -> None:
    register_secret("tok-abcdef-secret")
    script = Script(fail(503, "Backend overloaded, try later"))
    client = make_client(script, clock, attempts=3)

    with pytest.raises(RetryableApiError) as info:
        client.get("items", stream="items", params={"access_token": "tok-abcdef-secret", "page": 2})

    err = info.value
    assert str(err) == (
        "acme/items: HTTP 503: Backend overloaded, try later "
        f"[GET https://api.acme.test/v1/items?access_token={REDACTED}&page=2]"
    )
    assert (err.source, err.stream, err.status) == ("acme", "items", 503)
    assert len(script.calls) == 3
    assert clock.sleeps == [1.0, 2.0]


def test_stats_count_only_retries_that_happened(clock: FakeClock) -> None:
    """Giving up after 3 attempts means 2 retries and 2 waits, not 3."""
    client = make_client(Script(fail(500)), clock, attempts=3)

    with pytest.raises(RetryableApiError):
        client.get("items")

    assert (client.stats.requests, client.stats.retries, client.stats.waited_seconds) == (3, 2, 3.0)


def test_final_attempt_does_not_pause_the_shared_limiter(clock: FakeClock) -> None:
    """When we give up on a 429, other threads must not be held for its Retry-After."""
    client = make_client(Script(fail(429, headers={"Retry-After": "30"})), clock, attempts=2)
    paused = []
    original = client.limiter.pause_for
    client.limiter.pause_for = lambda s: (paused.append(s), original(s))[1]  # type: ignore[method-assign]

    with pytest.raises(RetryableApiError):
        client.get("items")

    assert paused == [30.0]  # only the pause before the one retry
    assert clock.sleeps == [30.0]


def test_persistent_transport_error_names_the_request(clock: FakeClock) -> None:
    script = Script(raises(httpx.ReadTimeout, "timed out"))
    client = make_client(script, clock, attempts=2)

    with pytest.raises(SourceError) as info:
        client.get("daily", stream="daily", params={"from": "2024-01-01"})

    assert str(info.value) == "acme/daily: timed out (ReadTimeout) [GET https://api.acme.test/v1/daily?from=2024-01-01]"
    assert len(script.calls) == 2


def test_retry_after_longer_than_allowed_fails_at_once(clock: FakeClock) -> None:
    script = Script(fail(429, "quota exhausted", {"Retry-After": "3600"}), ok())
    client = make_client(script, clock, max_retry_after=900.0)

    with pytest.raises(RetryableApiError) as info:
        client.get("items", stream="items")

    assert len(script.calls) == 1
    assert clock.sleeps == []
    assert info.value.status == 429
    assert info.value.retry_after == 3600.0
    assert "quota exhausted" in str(info.value)
    assert str(info.value).startswith("acme/items: ")


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_are_not_retried(clock: FakeClock, status: int) -> None:
    script = Script(fail(status, "Invalid OAuth access token"), ok())
    client = make_client(script, clock)

    with pytest.raises(AuthError) as info:
        client.get("items", stream="items")

    assert len(script.calls) == 1
    assert clock.sleeps == []
    assert info.value.status == status
    assert str(info.value) == f"acme/items: HTTP {status}: Invalid OAuth access token [GET https://api.acme.test/v1/items]"


def test_other_client_errors_are_not_retried(clock: FakeClock) -> None:
    script = Script(httpx.Response(404, json={"message": "no such endpoint"}), ok())
    client = make_client(script, clock)

    with pytest.raises(ApiError) as info:
        client.get("nope", stream="items")

    assert not isinstance(info.value, RetryableApiError)
    assert len(script.calls) == 1
    assert "HTTP 404: no such endpoint" in str(info.value)


def test_html_body_is_a_clear_format_error_after_retries(clock: FakeClock) -> None:
    html = httpx.Response(200, content=b"<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"Content-Type": "text/html; charset=utf-8"})
    script = Script(html)
    client = make_client(script, clock, attempts=3)

    with pytest.raises(ResponseFormatError) as info:
        client.get("items", stream="items")

    text = str(info.value)
    assert len(script.calls) == 3
    assert text.startswith("acme/items: expected JSON, got text/html (50 bytes, starts '<html>")
    assert text.endswith("[GET https://api.acme.test/v1/items]")


def test_html_error_page_with_error_status_uses_the_status(clock: FakeClock) -> None:
    page = httpx.Response(403, content=b"<html>Forbidden by WAF</html>", headers={"Content-Type": "text/html"})
    client = make_client(Script(page), clock)

    with pytest.raises(AuthError) as info:
        client.get("items")

    assert "HTTP 403: <html>Forbidden by WAF</html>" in str(info.value)


def test_vendor_message_that_echoes_a_secret_is_redacted(clock: FakeClock) -> None:
    register_secret("ak-live-9f8e7d6c5b4a")
    script = Script(fail(400, "Invalid API key ak-live-9f8e7d6c5b4a for this account"))
    client = make_client(script, clock)

    with pytest.raises(ApiError) as info:
        client.get("items", stream="items")

    assert "ak-live-9f8e7d6c5b4a" not in str(info.value)
    assert f"Invalid API key {REDACTED} for this account" in str(info.value)


def test_query_param_credential_never_shows_in_errors(clock: FakeClock) -> None:
    script = Script(fail(500, "oops"))
    client = make_client(script, clock, attempts=2, auth=QueryParamAuth("k3y-query-secret", "hapikey"))

    with pytest.raises(RetryableApiError) as info:
        client.get("items", stream="items", params={"page": 1})

    assert script.calls[0].url.params["hapikey"] == "k3y-query-secret"
    assert "k3y-query-secret" not in str(info.value)
    assert "[GET https://api.acme.test/v1/items?page=1&hapikey=" in str(info.value)


def test_retry_warnings_are_logged_without_secrets(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(Script(fail(502, "bad gateway"), ok()), clock, auth=bearer("bearer-log-secret-1"))

    with caplog.at_level(logging.WARNING, logger="bosco_connectors.http"):
        client.get("items", stream="items", params={"access_token": "bearer-log-secret-1"})

    assert "acme/items: retrying after acme/items: HTTP 502: bad gateway" in caplog.text
    # The URL keeps its closing bracket after a second pass of redaction.
    assert f"[GET https://api.acme.test/v1/items?access_token={REDACTED}] (attempt 1 of 4)" in caplog.text
    assert "bearer-log-secret-1" not in caplog.text


# -- error envelopes on HTTP 200 -------------------------------------------------------


def _tiktok_style_envelope(response: httpx.Response, body: Any) -> ApiError | None:
    code = body.get("code") if isinstance(body, dict) else None
    if not code:
        return None
    cls = RetryableApiError if code == 51010 else ApiError
    return cls(body.get("message", ""), vendor_code=code)


def test_envelope_error_on_http_200_is_raised(clock: FakeClock) -> None:
    script = Script(ok({"code": 40002, "message": "advertiser_id is invalid", "data": {}}))
    client = make_client(script, clock, errors=ErrorPolicy(envelope=_tiktok_style_envelope))

    with pytest.raises(ApiError) as info:
        client.get("report", stream="daily")

    assert not isinstance(info.value, RetryableApiError)
    assert info.value.vendor_code == 40002
    assert str(info.value) == "acme/daily: advertiser_id is invalid [GET https://api.acme.test/v1/report]"
    assert len(script.calls) == 1


def test_retryable_envelope_error_is_retried(clock: FakeClock) -> None:
    script = Script(ok({"code": 51010, "message": "throttled"}), ok({"code": 0, "data": {"list": [7]}}))
    client = make_client(script, clock, errors=ErrorPolicy(envelope=_tiktok_style_envelope))

    _, body = client.get("report")

    assert body["data"]["list"] == [7]
    assert len(script.calls) == 2
    assert clock.sleeps == [1.0]


# -- download --------------------------------------------------------------------------


def test_download_returns_raw_bytes_after_retries(clock: FakeClock) -> None:
    script = Script(fail(503), httpx.Response(200, content=b'{"a":1}\n{"a":2}\n'))
    client = make_client(script, clock)

    assert client.download("https://files.acme.test/export.jsonl", stream="orders") == b'{"a":1}\n{"a":2}\n'
    assert clock.sleeps == [1.0]


def test_download_error_names_the_request(clock: FakeClock) -> None:
    client = make_client(Script(fail(404, "export expired")), clock)

    with pytest.raises(ApiError) as info:
        client.download("https://files.acme.test/export.jsonl?signature=s1gn3d", stream="orders")

    assert str(info.value) == (
        f"acme/orders: HTTP 404: export expired [GET https://files.acme.test/export.jsonl?signature={REDACTED}]"
    )



def test_an_html_page_where_a_report_file_was_asked_for_is_retried_then_fails(clock: FakeClock) -> None:
    """A proxy's or login page in a 200 is not an empty CSV: read as one, the day's rows would be lost."""
    page = httpx.Response(200, content=b"<html><body>Service temporarily unavailable</body></html>", headers={"Content-Type": "text/html"})
    script = Script(page, httpx.Response(200, content=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"}))
    report = {"params": {"from": "2026-11-01"}, "stream": "installs"}  # a report asked of the API (AppsFlyer's CSV)
    assert make_client(script, clock).download_file(BASE + "/report.csv", **report).read() == b"a,b\n1,2\n"
    assert len(script.calls) == 2

    pages = Script(*[httpx.Response(200, content=b"<html>login</html>", headers={"Content-Type": "text/html"})] * 5)
    with pytest.raises(ResponseFormatError, match="expected the report file, got an HTML page"):
        make_client(pages, clock).download_file(BASE + "/report.csv", **report)

# -- over loopback: the real fake API --------------------------------------------------


def loopback_client(api: FakeApi, clock: FakeClock, *, attempts: int = 4, timeout: float = 5.0) -> ApiClient:
    client = ApiClient(
        "acme",
        api.url("acme"),
        auth=bearer(TOKEN),
        retry=RetryPolicy(max_attempts=attempts, initial_wait=1.0, jitter=0.0),
        timeout=timeout,
        sleep=clock.sleep,
    )
    client.limiter.clock = clock
    return client


def test_connection_reset_is_retried_over_loopback(acme_api: FakeApi, clock: FakeClock) -> None:
    acme_api.inject(Fault.reset(), times=2, path_contains="/items")
    with loopback_client(acme_api, clock) as client:
        _, body = client.get("items", stream="items", params={"page": 1, "page_size": 3})

    assert [r["id"] for r in body["data"]] == [0, 1, 2]
    assert [r.fault for r in acme_api.requests_to("/items")] == ["reset", "reset", None]
    assert clock.sleeps == [1.0, 2.0]


def test_truncated_body_is_retried_over_loopback(acme_api: FakeApi, clock: FakeClock) -> None:
    acme_api.inject(Fault.truncated(), times=1)
    with loopback_client(acme_api, clock) as client:
        _, body = client.get("items", params={"page": 3, "page_size": 3})

    assert body == {"data": [{"id": 6, "name": "item 6"}], "page_info": {"page": 3, "total_page": 3}}
    assert [r.fault for r in acme_api.requests] == ["truncate", None]


def test_persistent_truncation_gives_a_format_error(acme_api: FakeApi, clock: FakeClock) -> None:
    acme_api.inject(Fault.truncated(), times=10)
    with loopback_client(acme_api, clock, attempts=3) as client, pytest.raises(ResponseFormatError) as info:
        client.get("items", stream="items")

    assert len(acme_api.requests) == 3
    assert "acme/items: expected JSON, got application/json" in str(info.value)


def test_slow_response_times_out_and_is_retried_over_loopback(acme_api: FakeApi, clock: FakeClock) -> None:
    acme_api.inject(Fault.slow(0.6), times=1)
    with loopback_client(acme_api, clock, timeout=0.15) as client:
        _, body = client.get("items", params={"page": 1})

    assert len(body["data"]) == 3
    assert len(acme_api.requests_to("/items")) == 2
    assert clock.sleeps == [1.0]


def test_rate_limit_fault_waits_retry_after_over_loopback(acme_api: FakeApi, clock: FakeClock) -> None:
    acme_api.inject(Fault.rate_limited(2), times=1)
    with loopback_client(acme_api, clock) as client:
        client.get("items")

    assert clock.sleeps == [2.0]
    assert [r.status for r in acme_api.requests] == [429, 200]


def test_html_fault_over_loopback_fails_after_retries(acme_api: FakeApi, clock: FakeClock) -> None:
    acme_api.inject(Fault.html(), times=5)
    with loopback_client(acme_api, clock, attempts=2) as client, pytest.raises(ResponseFormatError) as info:
        client.get("items", stream="items")

    assert "expected JSON, got text/html" in str(info.value)
    assert len(acme_api.requests) == 2


def test_wrong_token_over_loopback_is_an_auth_error(acme_api: FakeApi, clock: FakeClock) -> None:
    client = ApiClient("acme", acme_api.url("acme"), auth=bearer("wrong-token-456"), sleep=clock.sleep)

    with pytest.raises(AuthError) as info:
        client.get("items", stream="items")

    assert "HTTP 401: invalid token" in str(info.value)
    assert len(acme_api.requests) == 1
