"""The Data API client: base URL, auth, Google's error bodies, and the property's token quota.

Errors. Google APIs answer failures with ``{"error": {"code", "message", "status"}}``
(https://cloud.google.com/apis/design/errors). `GoogleErrors` renders them as
``HTTP 403 PERMISSION_DENIED: <Google's message>`` and sorts them:

- 401 ``UNAUTHENTICATED`` and 403 ``PERMISSION_DENIED``: `AuthError`, with a hint to give
  the credential's user or service account Viewer access to the property;
- ``RESOURCE_EXHAUSTED`` (429, or 403 for some quota errors), 500, 503, 504: retried;
- anything else (400 ``INVALID_ARGUMENT`` for an unknown or incompatible field): `ApiError`.

Quota. Every runReport asks for ``returnPropertyQuota``; the answer's ``propertyQuota``
holds, per quota, ``{"consumed", "remaining"}`` (proto3 JSON drops zero values, so a
missing ``remaining`` means none left). Standard properties get 200,000 tokens a day,
40,000 an hour, 14,000 per project an hour and 10 concurrent requests
(https://developers.google.com/analytics/devguides/reporting/data/v1/quotas). When either
hourly budget falls below ``quota_reserve_tokens``, `QuotaGuard` pauses every request of
this source for ``quota_pause_seconds`` (the framework's shared rate limiter), so a sync
slows down before Google starts answering ``RESOURCE_EXHAUSTED``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from ...framework import (
    ApiClient,
    ApiError,
    AuthError,
    ErrorPolicy,
    OAuth2RefreshToken,
    RateLimit,
    RetryableApiError,
    RetryPolicy,
    parse_retry_after,
)
from .auth import ServiceAccountAuth
from .config import ANALYTICS_READONLY_SCOPE, GOOGLE_TOKEN_URL, MAX_CONCURRENT_REQUESTS, Ga4Config

BASE_URL = "https://analyticsdata.googleapis.com/v1beta/"
SOURCE = "ga4"

log = logging.getLogger("bosco_connectors.sources.ga4")

RETRYABLE_STATUSES = frozenset({"RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED"})
AUTH_STATUSES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED"})
AUTH_HINT = (
    " (check the credential, and that its Google user or service account has at least Viewer access "
    "to the GA4 property)"
)


class GoogleErrors(ErrorPolicy):
    """Google's error envelope -> the framework's error types, with Google's own words.

    The envelope is an error whatever the status code: a proxy or a gateway may pass
    it on with HTTP 200, and read as a report it would have no rows (days missing, exit 0).
    Its own ``error.code`` then stands for the status.
    """

    def for_status(self, response: httpx.Response, body: Any) -> ApiError | None:
        code = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        if code < 400:
            if not isinstance(error, dict):
                return None
            code = _int(error.get("code")) or code
        status = message = None
        if isinstance(error, dict):
            status = error.get("status")
            message = error.get("message")
        elif isinstance(error, str):  # OAuth-style bodies ({"error": "invalid_grant"})
            status, message = error, body.get("error_description")
        text = f"HTTP {code}" + (f" {status}" if status else "") + f": {message or self.message(response, body)}"
        if code != response.status_code:
            text += f" (an error body answered with HTTP {response.status_code})"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in RETRYABLE_STATUSES or code in (429, 500, 502, 503, 504):
            return RetryableApiError(text, status=code, vendor_code=status, retry_after=retry_after)
        if status in AUTH_STATUSES or code in (401, 403):
            return AuthError(text + AUTH_HINT, status=code, vendor_code=status)
        return ApiError(text, status=code, vendor_code=status)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _quota_status(quota: dict[str, Any], name: str) -> tuple[int, int] | None:
    """``(consumed, remaining)`` of one quota, or None when Google did not report it."""
    status = quota.get(name)
    if not isinstance(status, dict):
        return None
    return int(status.get("consumed", 0) or 0), int(status.get("remaining", 0) or 0)


@dataclass
class QuotaGuard:
    """Reads ``propertyQuota`` from each report and pauses the source when hourly tokens run low."""

    pause: Callable[[float], None]
    reserve_tokens: int = 500
    pause_seconds: float = 60.0
    #: The last ``propertyQuota`` seen, for logs and run summaries.
    last: dict[str, Any] = field(default_factory=dict)
    pauses: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, response: httpx.Response, body: Any) -> None:
        quota = body.get("propertyQuota") if isinstance(body, dict) else None
        if not isinstance(quota, dict):
            return
        with self._lock:
            self.last = quota
        hourly = [
            (name, status)
            for name in ("tokensPerHour", "tokensPerProjectPerHour")
            if (status := _quota_status(quota, name)) is not None
        ]
        low = [(name, remaining) for name, (_, remaining) in hourly if remaining < self.reserve_tokens]
        if low and self.pause_seconds > 0:
            name, remaining = min(low, key=lambda item: item[1])
            with self._lock:
                self.pauses += 1
            log.warning(
                "ga4: %s has %d tokens left (reserve %d); pausing requests for %.0f s",
                name, remaining, self.reserve_tokens, self.pause_seconds,
            )
            self.pause(self.pause_seconds)
        daily = _quota_status(quota, "tokensPerDay")
        if daily is not None and daily[1] < self.reserve_tokens:
            log.warning("ga4: only %d tokens left today for this property; the sync may stop on RESOURCE_EXHAUSTED", daily[1])
        thresholded = _quota_status(quota, "potentiallyThresholdedRequestsPerHour")
        if thresholded is not None and thresholded[1] == 0:
            log.warning("ga4: no potentially-thresholded requests left this hour")
        server_errors = _quota_status(quota, "serverErrorsPerProjectPerHour")
        if server_errors is not None and server_errors[1] <= 1:
            log.warning("ga4: %d server errors allowed this hour before Google blocks this project", server_errors[1])


class Ga4Client(ApiClient):
    """`ApiClient` plus the property's quota guard, which report streams call on every response."""

    def __init__(self, *args: Any, quota_reserve_tokens: int = 500, quota_pause_seconds: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quota = QuotaGuard(self.limiter.pause_for, quota_reserve_tokens, quota_pause_seconds)

    def on_report_response(self, response: httpx.Response, body: Any) -> None:
        self.quota(response, body)


def make_auth(config: Ga4Config, transport: httpx.BaseTransport | None = None) -> httpx.Auth:
    """The configured credential as an `httpx.Auth` (validation guarantees exactly one)."""
    if config.uses_service_account:
        return ServiceAccountAuth(config.service_account(), token_url=config.token_url, transport=transport)
    assert config.client_id and config.client_secret and config.refresh_token
    return OAuth2RefreshToken(
        config.token_url or GOOGLE_TOKEN_URL,
        config.client_id,
        config.client_secret,
        config.refresh_token,
        scope=ANALYTICS_READONLY_SCOPE,
        transport=transport,
    )


def make_client(
    config: Ga4Config,
    *,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> Ga4Client:
    """One client per sync: auth, at most 10 requests in flight, Google's errors, the quota guard."""
    return Ga4Client(
        SOURCE,
        config.base_url or BASE_URL,
        auth=make_auth(config, transport),
        rate_limit=RateLimit(max_concurrency=min(config.max_workers, MAX_CONCURRENT_REQUESTS)),
        retry=retry or RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
        errors=GoogleErrors(),
        sleep=sleep,
        transport=transport,
        quota_reserve_tokens=config.quota_reserve_tokens,
        quota_pause_seconds=config.quota_pause_seconds,
    )
