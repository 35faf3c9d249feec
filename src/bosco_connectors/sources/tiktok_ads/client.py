"""The TikTok Marketing API client: base URL, Access-Token header, rate limit, error envelope.

TikTok answers almost every request with HTTP 200 and puts the outcome in the body:
``{"code": 0, "message": "OK", "request_id": "...", "data": {...}}``. Any ``code`` other
than 0 is an error, and TikTok says the code takes precedence over the HTTP status
(return codes: https://business-api.tiktok.com/portal/docs?id=1737172488964097).
`tiktok_error` turns that envelope into the framework's error types:

- 40100 / 40016 / 40133 (requests made too frequently) and 5xxxx service errors, 60001
  (maintenance): `RetryableApiError`, retried with backoff by the client;
- authentication and permission codes (40001, 401xx except 40100): `AuthError`, never
  retried: the operator must fix the token or its advertiser access;
- anything else: `ApiError` carrying TikTok's own message and code.

Rate limits (https://business-api.tiktok.com/portal/docs/rate-limits/v1.3): a developer
app on the Basic tier may send 10 requests per second (600 per minute); higher tiers
allow 20/30/50. TikTok sends no rate-limit headers, so the limit is enforced here.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import httpx

from ...framework import (
    ApiClient,
    ApiError,
    AuthError,
    ErrorPolicy,
    RateLimit,
    RetryableApiError,
    RetryPolicy,
    api_key_header,
)
from .config import TikTokAdsConfig

BASE_URL = "https://business-api.tiktok.com/open_api/v1.3/"
SOURCE = "tiktok_ads"

#: "Requests made too frequently": app level (40100, 40016) and advertiser level (40133).
RATE_LIMIT_CODES = frozenset({40016, 40100, 40133})
#: Authentication and permission failures: a new token or new advertiser access is needed.
AUTH_CODES = frozenset(
    {40001, 40101, 40102, 40103, 40104, 40105, 40106, 40107, 40108, 40109, 40110,
     40112, 40113, 40115, 40116, 40118, 40119, 40125}
)
#: Errors worth another attempt besides rate limits: entity write conflict, maintenance.
TRANSIENT_CODES = frozenset({40202, 60001})


def tiktok_error(response: httpx.Response | None, body: Any) -> ApiError | None:
    """The error a 200 response carries in TikTok's envelope, or None when ``code`` is 0."""
    if not isinstance(body, dict) or "code" not in body:
        return ApiError("response has no TikTok envelope (no 'code' field)", status=_status(response))
    try:
        code = int(body["code"])
    except (TypeError, ValueError):
        return ApiError(f"response has a non-numeric TikTok code {body['code']!r}", status=_status(response))
    if code == 0:
        return None
    message = str(body.get("message") or "no message").strip()
    request_id = body.get("request_id")
    text = f"TikTok code {code}: {message}" + (f" (request_id {request_id})" if request_id else "")
    kind: type[ApiError]
    if code in RATE_LIMIT_CODES or code in TRANSIENT_CODES or code >= 50000:
        kind = RetryableApiError
    elif code in AUTH_CODES:
        kind = AuthError
    else:
        kind = ApiError
    return kind(text, status=_status(response), vendor_code=code)


def _status(response: httpx.Response | None) -> int | None:
    return response.status_code if response is not None else None


ERRORS = ErrorPolicy(message_paths=("message", "error.message", "error"), envelope=tiktok_error)


def make_client(
    config: TikTokAdsConfig,
    *,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> ApiClient:
    """One client per sync: the Access-Token header, TikTok's QPS budget, its error envelope."""
    return ApiClient(
        SOURCE,
        config.base_url or BASE_URL,
        auth=api_key_header(config.access_token, "Access-Token"),
        rate_limit=RateLimit(max_concurrency=config.max_workers, per_second=config.requests_per_second),
        retry=retry or RetryPolicy(max_attempts=6, initial_wait=1.0, max_wait=60.0),
        errors=ERRORS,
        sleep=sleep,
        transport=transport,
    )
