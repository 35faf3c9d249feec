"""The Google Ads API client: OAuth2, developer token, manager account, and Google's errors.

Every request carries ``Authorization: Bearer <access token>`` (minted from the refresh
token at ``token_url``, refreshed once on a 401), ``developer-token`` and, when a manager
account is used, ``login-customer-id``
(https://developers.google.com/google-ads/api/rest/auth).

Errors follow Google's error model (https://developers.google.com/google-ads/api/docs/get-started/handle-errors):
``{"error": {"code", "message", "status", "details": [{"@type": ".../GoogleAdsFailure",
"errors": [{"errorCode": {"authenticationError": "OAUTH_TOKEN_INVALID"}, "message",
"location", "details"}], "requestId"}]}}``; searchStream wraps the same object in a
JSON array. `google_ads_error` renders one line per failure, e.g.
``AUTHENTICATION_ERROR.OAUTH_TOKEN_INVALID: OAuth token in the header is not valid.``,
and classifies it:

- authentication/authorization errors, HTTP 401/403 and a missing developer token:
  `AuthError` (never retried, the credential or access must change);
- quota errors (``RESOURCE_EXHAUSTED``, HTTP 429), ``INTERNAL``/``UNAVAILABLE``/
  ``DEADLINE_EXCEEDED`` and 5xx: `RetryableApiError`, waiting the ``retryDelay`` Google
  gives in ``quotaErrorDetails`` (or a ``google.rpc.RetryInfo`` detail) when it gives one;
- anything else (a GAQL error, say): `ApiError` with Google's text.

The gRPC transport (`grpc_transport`) builds the same failure dict from the SDK's
``GoogleAdsFailure`` and uses the same renderer, so both transports fail alike.
"""

from __future__ import annotations

import re
import logging
import threading
import time
from typing import Any, Callable, Iterator, Mapping

import httpx

from ...framework import (
    ApiClient,
    ApiError,
    AuthError,
    ErrorPolicy,
    OAuth2RefreshToken,
    RateLimit,
    ResponseFormatError,
    RetryableApiError,
    RetryPolicy,
    SourceError,
)
from .config import GoogleAdsConfig

SOURCE = "google_ads"
log = logging.getLogger("bosco_connectors.sources.google_ads")
#: The Google Ads API version this source speaks (current as of its release: v26, 2026-10-14).
API_VERSION = "v26"
API_ROOT = "https://googleads.googleapis.com"
BASE_URL = f"{API_ROOT}/{API_VERSION}/"
ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"

#: gRPC status names Google sends as ``error.status``, and the HTTP code REST maps each to.
RETRYABLE_STATUS = frozenset({"RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED", "UNKNOWN"})
AUTH_STATUS = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED"})
AUTH_CATEGORIES = frozenset({"AUTHENTICATION_ERROR", "AUTHORIZATION_ERROR"})
#: Codes outside the auth categories that still mean "fix the credentials".
AUTH_CODES = frozenset({"REQUEST_ERROR.DEVELOPER_TOKEN_PARAMETER_MISSING"})
#: What to do when the OAuth client's Cloud project may not call production accounts (since v25).
NOT_APPROVED_HINT = (
    "the Google Cloud project of this OAuth client is not approved for production accounts: apply for access on the "
    "project's Google Ads API page (https://console.cloud.google.com/apis/api/googleads.googleapis.com)"
)
#: A customer the user may not read, or that is closed: skipped, the others load (a partial sync).
SKIPPED_CUSTOMER_CODES = frozenset({"AUTHORIZATION_ERROR.USER_PERMISSION_DENIED", "AUTHORIZATION_ERROR.CUSTOMER_NOT_ENABLED"})
RETRYABLE_CODES = frozenset({
    "QUOTA_ERROR.RESOURCE_EXHAUSTED",
    "QUOTA_ERROR.RESOURCE_TEMPORARILY_EXHAUSTED",
    "QUOTA_ERROR.EXCESSIVE_SHORT_TERM_QUERY_RESOURCE_CONSUMPTION",
    "INTERNAL_ERROR.INTERNAL_ERROR",
    "INTERNAL_ERROR.TRANSIENT_ERROR",
    "INTERNAL_ERROR.DEADLINE_EXCEEDED",
})


# -- Google's error model ------------------------------------------------------------------


def _upper_snake(name: str) -> str:
    """``authenticationError`` / ``authentication_error`` -> ``AUTHENTICATION_ERROR``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def _seconds(duration: Any) -> float | None:
    """A protobuf Duration in its JSON form (``"30s"``, ``"1.5s"``) -> seconds."""
    if isinstance(duration, (int, float)):
        return float(duration)
    if isinstance(duration, str) and duration.endswith("s"):
        try:
            return float(duration[:-1])
        except ValueError:
            return None
    if isinstance(duration, Mapping):  # {"seconds": "30", "nanos": 0}
        return float(duration.get("seconds") or 0) + float(duration.get("nanos") or 0) / 1e9
    return None


def _location(error: Mapping[str, Any]) -> str:
    elements = (error.get("location") or {}).get("fieldPathElements") or []
    parts = []
    for element in elements:
        name = element.get("fieldName", "?")
        parts.append(f"{name}[{element['index']}]" if "index" in element else name)
    return ".".join(parts)


def find_error(body: Any) -> Mapping[str, Any] | None:
    """Google's ``error`` object, from ``{"error": ...}`` or searchStream's ``[..., {"error": ...}]``."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return body["error"]
    if isinstance(body, list):
        for item in body:
            if isinstance(item, Mapping) and isinstance(item.get("error"), Mapping):
                return item["error"]
    return None


def failure_of(error: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ``GoogleAdsFailure`` among ``error.details``, if Google attached one."""
    for detail in error.get("details") or []:
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith(".GoogleAdsFailure"):
            return detail
    return None


def _retry_info_delay(error: Mapping[str, Any]) -> float | None:
    for detail in error.get("details") or []:
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            return _seconds(detail.get("retryDelay"))
    return None


def google_ads_error(
    *,
    http_status: int | None,
    status: str | None,
    message: str | None,
    failure: Mapping[str, Any] | None,
    retry_delay: float | None = None,
) -> ApiError:
    """One error from Google's status + GoogleAdsFailure, the same for REST and gRPC."""
    lines, codes, delays = [], [], []
    for error in (failure or {}).get("errors") or []:
        code_obj = error.get("errorCode") or {}
        category, value = next(iter(code_obj.items()), ("unknown", "UNKNOWN"))
        code = f"{_upper_snake(category)}.{value}"
        codes.append(code)
        where = _location(error)
        lines.append(f"{code}: {error.get('message') or 'no message'}" + (f" (at {where})" if where else ""))
        delay = _seconds(((error.get("details") or {}).get("quotaErrorDetails") or {}).get("retryDelay"))
        if delay is not None:
            delays.append(delay)
    request_id = (failure or {}).get("requestId")
    context = ", ".join(p for p in (f"HTTP {http_status}" if http_status else None, status, f"request-id {request_id}" if request_id else None) if p)
    text = "; ".join(lines) if lines else (message or "no message")
    text = f"{text} ({context})" if context else text
    retry_after = max(delays) if delays else retry_delay
    vendor_code = codes[0] if codes else status

    if any(c.endswith(".CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION") for c in codes):
        return AuthError(f"{text}: {NOT_APPROVED_HINT}", status=http_status, vendor_code=vendor_code)
    if (
        status in AUTH_STATUS
        or http_status in (401, 403)
        or any(c.split(".")[0] in AUTH_CATEGORIES or c in AUTH_CODES for c in codes)
    ):
        return AuthError(text, status=http_status, vendor_code=vendor_code)
    if (
        status in RETRYABLE_STATUS
        or (http_status is not None and (http_status == 429 or http_status >= 500))
        or any(c in RETRYABLE_CODES for c in codes)
    ):
        return RetryableApiError(text, status=http_status, vendor_code=vendor_code, retry_after=retry_after)
    return ApiError(text, status=http_status, vendor_code=vendor_code)


class GoogleAdsErrorPolicy(ErrorPolicy):
    """Reads Google's error object from an error status, or from a 200 searchStream array
    whose stream broke after it started (the error arrives as the array's last element)."""

    def for_status(self, response: httpx.Response, body: Any) -> ApiError | None:
        error = find_error(body)
        if error is None:
            return super().for_status(response, body) if response.status_code >= 400 else None
        return google_ads_error(
            http_status=response.status_code if response.status_code >= 400 else int(error.get("code") or 0) or None,
            status=error.get("status"),
            message=error.get("message"),
            failure=failure_of(error),
            retry_delay=_retry_info_delay(error),
        )


ERRORS = GoogleAdsErrorPolicy()


# -- clients -------------------------------------------------------------------------------

_warned = threading.Event()


def warn_developer_token() -> None:
    """Once per process: the developer token is sunset (https://developers.google.com/google-ads/api/docs/api-policy/developer-token)."""
    if not _warned.is_set():
        _warned.set()
        log.warning("google_ads: developer_token is deprecated since 2026-09-09 and ignored by Google; remove it from "
                    "the config (access belongs to the OAuth client's Google Cloud project)")



class CustomerDirectory:
    """Which customers a sync reads: the configured ids, or the manager's enabled clients.

    Walking the manager is one GAQL query on ``customer_client``, a resource that lists
    every direct and indirect client of a manager plus the manager itself at level 0
    (https://developers.google.com/google-ads/api/docs/account-management/get-account-hierarchy).
    Metrics cannot be queried on a manager (``REQUESTED_METRICS_FOR_MANAGER``), so only
    non-manager, enabled clients are kept. The answer is cached for the whole sync.
    """

    QUERY = (
        "SELECT customer_client.id, customer_client.descriptive_name, customer_client.level, "
        "customer_client.manager, customer_client.status FROM customer_client "
        "WHERE customer_client.manager = FALSE AND customer_client.status = 'ENABLED'"
    )

    def __init__(self, config: GoogleAdsConfig, search: Callable[..., Iterator[Mapping[str, Any]]]) -> None:
        self.config = config
        self._search = search
        self._lock = threading.Lock()
        self._ids: list[str] | None = None

    def customer_ids(self) -> list[str]:
        with self._lock:
            if self._ids is None:
                self._ids = list(self.config.customer_ids) if self.config.customer_ids else self._walk_manager()
            return self._ids

    def _walk_manager(self) -> list[str]:
        manager = self.config.login_customer_id
        assert manager is not None  # the config requires customer_ids or login_customer_id
        ids = set()
        for batch in self._search(manager, self.QUERY):
            for row in batch.get("results") or []:
                client = row.get("customerClient") or {}
                # The WHERE clause already says so; checked again so a lenient server cannot
                # make us query a manager (metrics on a manager are an error) or a closed account.
                if client.get("manager") is True or client.get("status") not in (None, "ENABLED"):
                    continue
                if client.get("id") is not None:
                    ids.add(str(client["id"]))
        if not ids:
            raise SourceError(f"manager account {manager} has no enabled client accounts to read", source=SOURCE)
        return sorted(ids)


class GoogleAdsRestClient(ApiClient):
    """REST transport: ``POST /v26/customers/{id}/googleAds:searchStream`` through httpx.

    searchStream answers the whole result in one response, a JSON array of
    ``SearchGoogleAdsStreamResponse`` batches (``results``, ``fieldMask``, ``requestId``);
    it has no page tokens. Each batch is handed on as it is.
    """

    def __init__(
        self,
        config: GoogleAdsConfig,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {}
        if config.developer_token is not None:  # sunset on 2026-09-09: optional, ignored by Google
            warn_developer_token()
            headers["developer-token"] = config.developer_token.get_secret_value()
        if config.login_customer_id:
            headers["login-customer-id"] = config.login_customer_id
        super().__init__(
            SOURCE,
            config.base_url or BASE_URL,
            auth=OAuth2RefreshToken(
                config.token_url, config.client_id, config.client_secret, config.refresh_token, transport=transport
            ),
            headers=headers,
            rate_limit=RateLimit(max_concurrency=config.max_workers),
            retry=retry or RetryPolicy(max_attempts=5, initial_wait=2.0, max_wait=60.0),
            errors=ERRORS,
            timeout=300.0,  # a stream of a large account takes a while to finish
            sleep=sleep,
            transport=transport,
        )
        self.customers = CustomerDirectory(config, self.search_stream)

    def search_stream(self, customer_id: str, query: str, *, stream: str | None = None) -> Iterator[Mapping[str, Any]]:
        _, body = self.post(f"customers/{customer_id}/googleAds:searchStream", json={"query": query}, stream=stream)
        if body is None:
            return
        if not isinstance(body, list):
            raise ResponseFormatError(
                f"searchStream answered a JSON {type(body).__name__}, expected an array of batches",
                source=SOURCE,
                stream=stream,
            )
        for batch in body:
            if isinstance(batch, Mapping):
                yield batch


def make_client(
    config: GoogleAdsConfig,
    *,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> Any:
    """One client per sync, for the configured transport; the SDK loads only for ``grpc``."""
    if config.transport == "grpc":
        from .grpc_transport import GoogleAdsGrpcClient  # imports google-ads lazily

        return GoogleAdsGrpcClient(config, retry=retry, sleep=sleep)
    return GoogleAdsRestClient(config, retry=retry, sleep=sleep, transport=transport)
