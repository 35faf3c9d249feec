"""The Shopify Admin API client: token auth, GraphQL error envelopes, cost-based throttling.

What Shopify needs beyond the framework's `ApiClient`:

- **Auth** is an ``X-Shopify-Access-Token`` header, sent only to the Admin API prefix
  (``/admin/api/<version>/``). Bulk results are downloaded from a signed storage URL that
  must never see the token, so the header is attached per request by URL, not per client.
- **Errors** come in two envelopes. HTTP 4xx bodies carry ``{"errors": "<text>"}`` (401:
  ``"[API] Invalid API key or access token (unrecognized login or wrong password)"``);
  GraphQL failures arrive with HTTP 200 and ``{"errors": [{"message", "extensions":
  {"code"}}]}``. ``THROTTLED`` is retried after the wait the cost data implies,
  ``ACCESS_DENIED`` (missing scope) is an auth error, anything else is an `ApiError`
  carrying Shopify's message.
- **Throttling** is a leaky bucket of query-cost points per app and shop. Every response
  reports ``extensions.cost`` (``requestedQueryCost``, ``actualQueryCost``,
  ``throttleStatus {maximumAvailable, currentlyAvailable, restoreRate}``). A query only
  starts when the bucket holds its *requested* cost, so after each response the client
  pauses every request of this source until the bucket has refilled enough for another
  query of the same size. https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generator

import httpx
from pydantic import SecretStr

from ...framework import (
    ApiClient,
    ApiError,
    AuthError,
    ErrorPolicy,
    RateLimit,
    RetryableApiError,
    RetryPolicy,
    parse_retry_after,
)
from ...framework.jsonpath import get_path
from ...framework.redaction import register_secret
from .config import ShopifyConfig

log = logging.getLogger("bosco_connectors.sources.shopify")

TOKEN_HEADER = "X-Shopify-Access-Token"

#: GraphQL error codes that a retry can fix (besides THROTTLED, which has its own wait).
_TRANSIENT_CODES = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}
#: Codes that mean the token lacks a scope or the shop refuses the app.
_AUTH_CODES = {"ACCESS_DENIED", "UNAUTHORIZED", "FORBIDDEN"}


class AdminApiToken(httpx.Auth):
    """Send the access token only to URLs under the Admin API root.

    Everything else the client may fetch (the bulk operation's JSONL on a storage host)
    goes out without it.
    """

    def __init__(self, token: str | SecretStr, api_root: str) -> None:
        self._token = token.get_secret_value() if isinstance(token, SecretStr) else token
        register_secret(self._token)
        root = httpx.URL(api_root)
        self._scheme, self._host, self._port, self._path = root.scheme, root.host, root.port, root.path

    def applies_to(self, url: httpx.URL) -> bool:
        return (
            url.scheme == self._scheme
            and url.host == self._host
            and url.port == self._port
            and url.path.startswith(self._path)
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.applies_to(request.url):
            request.headers[TOKEN_HEADER] = self._token
        else:
            request.headers.pop(TOKEN_HEADER, None)
        yield request


def query_cost(body: Any) -> dict[str, Any] | None:
    """``extensions.cost`` of a GraphQL response, if Shopify sent one."""
    cost = get_path(body, "extensions.cost") if isinstance(body, dict) else None
    return cost if isinstance(cost, dict) else None


def refill_seconds(cost: dict[str, Any] | None, needed: float | None = None) -> float | None:
    """Seconds until the bucket holds `needed` points (default: the requested cost)."""
    if not cost:
        return None
    status = cost.get("throttleStatus") or {}
    try:
        available = float(status["currentlyAvailable"])
        rate = float(status["restoreRate"])
        want = float(needed if needed is not None else cost["requestedQueryCost"])
    except (KeyError, TypeError, ValueError):
        return None
    if rate <= 0:
        return None
    return max(0.0, (want - available) / rate)


def _graphql_errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, str) and errors.strip():  # the text envelope Shopify documents for 4xx, here in a 200
        return [{"message": errors}]
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _code(error: dict[str, Any]) -> str | None:
    code = get_path(error, "extensions.code")
    return str(code) if code else None


def _is_throttled(errors: list[dict[str, Any]]) -> bool:
    return any(_code(e) == "THROTTLED" or str(e.get("message", "")).lower() == "throttled" for e in errors)


@dataclass
class ShopifyErrorPolicy(ErrorPolicy):
    """Shopify's two error envelopes, rendered with Shopify's own message."""

    message_paths: tuple[str, ...] = ("errors", "errors.0.message", "error_description", "error")

    def for_status(self, response: httpx.Response, body: Any) -> ApiError | None:
        errors = _graphql_errors(body)
        if response.status_code == 429 or _is_throttled(errors):
            wait = refill_seconds(query_cost(body))
            if wait is None:
                wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is not None:
                wait = max(wait, 0.1)  # the bucket said "now": still give it a tick
            return RetryableApiError(
                "throttled: the query-cost bucket is empty", status=response.status_code,
                vendor_code="THROTTLED", retry_after=wait,
            )
        if response.status_code >= 400:
            return super().for_status(response, body)
        if not errors:
            return None
        first = errors[0]
        code = _code(first)
        message = "; ".join(str(e.get("message", "")).strip() for e in errors if e.get("message")) or "GraphQL error"
        text = f"GraphQL error{f' {code}' if code else ''}: {message}"
        if code in _AUTH_CODES:
            return AuthError(text, status=response.status_code, vendor_code=code)
        if code in _TRANSIENT_CODES:
            return RetryableApiError(text, status=response.status_code, vendor_code=code)
        return ApiError(text, status=response.status_code, vendor_code=code)


@dataclass
class Throttle:
    """What the cost data made us do: how often and how long we held requests back."""

    pauses: int = 0
    paused_seconds: float = 0.0
    last_cost: dict[str, Any] | None = field(default=None, repr=False)


class ShopifyClient(ApiClient):
    """`ApiClient` that reads the cost bucket on every GraphQL response and paces itself."""

    #: Keep this share of the bucket's capacity in hand on top of the next query's cost,
    #: so concurrent streams of the same source do not race each other into THROTTLED.
    headroom: float = 0.05

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.throttle = Throttle()

    def on_graphql_response(self, response: httpx.Response, body: Any) -> None:
        """Called by `GraphQLStream` after each successful response (framework hook).

        Also `on_response`: the declared bulk-operation calls (`jobs.JobRequest`) report
        their cost data through that hook."""
        cost = query_cost(body)
        if cost is None:
            return
        self.throttle.last_cost = cost
        status = cost.get("throttleStatus") or {}
        try:
            requested = float(cost.get("requestedQueryCost") or 0)
            needed = requested + self.headroom * float(status.get("maximumAvailable") or 0)
        except (TypeError, ValueError):
            return
        wait = refill_seconds(cost, needed)
        if wait:
            self.throttle.pauses += 1
            self.throttle.paused_seconds += wait
            log.info(
                "shopify: cost bucket low (%s of %s points, next query ~%d), pausing %.2fs",
                status.get("currentlyAvailable"), status.get("maximumAvailable"), requested, wait,
            )
            self.limiter.pause_for(wait)

    on_response = on_graphql_response


SHOPIFY_ERRORS = ShopifyErrorPolicy()


def make_client(
    config: ShopifyConfig, *, retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep
) -> ShopifyClient:
    """One client per source run; every stream of the shop shares its bucket pacing.

    THROTTLED answers are retried after the refill time, so a few more attempts than
    the framework default are allowed before giving up.
    """
    return ShopifyClient(
        "shopify",
        config.api_root,
        auth=AdminApiToken(config.access_token, config.api_root),
        rate_limit=RateLimit(max_concurrency=4),
        retry=retry or RetryPolicy(max_attempts=8, initial_wait=1.0, max_wait=30.0),
        errors=SHOPIFY_ERRORS,
        sleep=sleep,
    )
