"""`parse_retry_after`: both forms RFC 9110 allows (delta-seconds, HTTP-date), and garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from bosco_connectors.framework import parse_retry_after

NOW = datetime(2015, 10, 21, 7, 27, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "value, seconds",
    [("120", 120.0), ("0", 0.0), ("  7 ", 7.0), ("1.5", 1.5), ("-3", 0.0)],
)
def test_delta_seconds(value: str, seconds: float) -> None:
    assert parse_retry_after(value) == seconds


def test_http_date_in_the_future_is_the_seconds_until_then() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=NOW) == 60.0


def test_http_date_with_a_numeric_zone() -> None:
    # 09:29:30 +0200 is 07:29:30 UTC: 150 s after NOW.
    assert parse_retry_after("Wed, 21 Oct 2015 09:29:30 +0200", now=NOW) == 150.0


def test_http_date_in_the_past_means_no_wait() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now=NOW) == 0.0


def test_http_date_against_the_real_clock() -> None:
    header = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True)
    assert 88.0 < parse_retry_after(header) <= 90.0


@pytest.mark.parametrize("value", [None, "", "soon", "Wed, 99 Foo 2015", "12 seconds"])
def test_garbage_or_missing_is_none(value: str | None) -> None:
    assert parse_retry_after(value) is None


def test_a_vendor_header_in_milliseconds_sets_the_wait() -> None:
    """`ErrorMap.retry_after_header`: Outbrain's ``rate-limit-msec-left`` is milliseconds; Retry-After wins if both."""
    import httpx

    from bosco_connectors.framework.errormap import ErrorMap

    policy = ErrorMap("V", retry_after_header="rate-limit-msec-left", retry_after_unit=0.001).policy()
    assert policy.for_status(httpx.Response(429, headers={"rate-limit-msec-left": "35024"}), {}).retry_after == pytest.approx(35.024)
    both = httpx.Response(429, headers={"rate-limit-msec-left": "35024", "Retry-After": "3"})
    assert policy.for_status(both, {}).retry_after == 3.0
    for garbage in ("soon", "-5", "nan"):
        assert policy.for_status(httpx.Response(429, headers={"rate-limit-msec-left": garbage}), {}).retry_after is None
