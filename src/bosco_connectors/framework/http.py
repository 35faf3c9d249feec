"""The HTTP client every source uses: httpx for transport, tenacity for retries.

What it owns, so that connectors do not:
- retries on 429, 5xx, timeouts, dropped connections and garbled bodies, with
  exponential backoff and jitter, honouring ``Retry-After`` (seconds or HTTP-date);
- one rate limiter per source, shared by all threads that use the client;
- JSON decoding (orjson) with a clear error when the body is not JSON;
- errors that name source, stream and request (secrets redacted) and carry the vendor's
  own message, extracted by the source's `ErrorPolicy`;
- credentials that never leave the configured origin: redirects and absolute URLs on
  another scheme, host or port are refused (JSON calls) or fetched bare, without any
  auth header, vendor header or secret query parameter (file downloads, which vendors
  serve from pre-signed storage URLs).
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Literal, Mapping

import httpx
import orjson
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from .errors import (
    ApiError,
    AuthError,
    ResponseFormatError,
    RetryableApiError,
    SourceError,
)
from .jsonpath import get_path
from .ratelimit import RateLimit, RateLimiter
from .redaction import RedactingFilter, redact, redact_url, strip_known_secrets

log = logging.getLogger("bosco_connectors.http")

# httpx logs every request line at INFO, query string included (Meta's paging.next URLs carry
# the token): mask secrets on that logger itself, whatever handlers the application installs.
if not any(isinstance(f, RedactingFilter) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(RedactingFilter())

USER_AGENT = "bosco-connectors/0.1 (+https://github.com/bosco-connectors)"

#: Redirect hops followed for one request before it fails (httpx's own default is 20).
MAX_REDIRECTS = 5
#: What a JSON call does when the vendor redirects it to another origin: "refuse" (the
#: default: one clear error) or "strip" (follow it bare, for vendors that document such
#: redirects). File downloads always follow bare: pre-signed URLs need no credentials.
CrossOrigin = Literal["refuse", "strip"]


def origin(url: httpx.URL | str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports made explicit: what a credential is bound to."""
    url = httpx.URL(url) if isinstance(url, str) else url
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, port


class CrossOriginRefused(ApiError):
    """The API pointed us at another origin; our credentials are not sent there."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass
class RetryPolicy:
    """How hard to try before giving up on one request."""

    max_attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 60.0
    multiplier: float = 2.0
    jitter: float = 0.5
    #: A vendor asking us to wait longer than this is treated as a hard failure.
    max_retry_after: float = 900.0

    def backoff(self, attempt: int) -> float:
        base = min(self.max_wait, self.initial_wait * self.multiplier ** max(0, attempt - 1))
        return base + random.uniform(0, self.jitter * base)


@dataclass
class ErrorPolicy:
    """How a vendor reports errors. Sources override the pieces their API needs.

    `message` pulls the human text out of an error body. `envelope` inspects a
    *successful* HTTP response for an error the vendor wraps in a 200 (TikTok's
    ``code != 0``, GraphQL ``errors``) and returns the error to raise, or None.
    """

    message_paths: tuple[str, ...] = ("error.message", "message", "error_description", "error", "errors.0.message", "detail")
    envelope: Callable[[httpx.Response, Any], ApiError | None] | None = None

    def message(self, response: httpx.Response, body: Any) -> str:
        for path in self.message_paths:
            value = get_path(body, path) if isinstance(body, (dict, list)) else None
            if isinstance(value, str) and value:
                return value
        text = (response.text or "").strip().replace("\n", " ")
        return text[:200] or response.reason_phrase

    def for_status(self, response: httpx.Response, body: Any) -> ApiError | None:
        status = response.status_code
        if status < 400:
            return self.envelope(response, body) if self.envelope else None
        message = f"HTTP {status}: {self.message(response, body)}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in (401, 403):
            return AuthError(message, status=status)
        if status == 429 or status >= 500 or status == 408:
            return RetryableApiError(message, status=status, retry_after=retry_after)
        return ApiError(message, status=status)


def describe(request: httpx.Request) -> str:
    return f"{request.method} {redact_url(str(request.url))}"


def describe_origin(url: httpx.URL | str) -> str:
    """scheme://host[:port] of a URL, as error lines name it."""
    scheme, host, port = origin(url)
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port != default else "")


@dataclass
class RequestStats:
    """Counters a run summary reports: requests sent, retries, time spent waiting."""

    requests: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **deltas: float) -> None:
        with self._lock:
            for key, value in deltas.items():
                setattr(self, key, getattr(self, key) + value)


class ApiClient:
    """A thread-safe JSON API client for one source.

    ``base_url`` is always overridable (sandboxes, regions, the local fake API in tests).
    """

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        rate_limit: RateLimit | None = None,
        retry: RetryPolicy | None = None,
        errors: ErrorPolicy | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        cross_origin: CrossOrigin = "refuse",
    ) -> None:
        self.source = source
        self.cross_origin = cross_origin
        self.retry = retry or RetryPolicy()
        self.errors = errors or ErrorPolicy()
        self.limiter = RateLimiter(rate_limit or RateLimit(), sleep=sleep)
        self.stats = RequestStats()
        self._sleep = sleep
        limits = httpx.Limits(max_connections=max(10, (rate_limit.max_concurrency or 10) if rate_limit else 10))
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            auth=auth,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            transport=transport,
            limits=limits,
            follow_redirects=False,  # followed by `_transport_send`, which guards the origin
        )
        self._origin = origin(self._http.base_url)
        #: For other origins: no auth, no vendor headers (built on first use).
        self._bare_http: httpx.Client | None = None
        self._bare_args = {"timeout": self._http.timeout, "transport": transport, "follow_redirects": False}

    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    @property
    def timeout(self) -> float | None:
        """Seconds to wait for a response (read); settable, e.g. short in fault tests."""
        return self._http.timeout.read

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._http.timeout = httpx.Timeout(seconds, connect=min(seconds, 15.0))

    def close(self) -> None:
        self._http.close()
        if self._bare_http is not None:
            self._bare_http.close()

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one public verb -------------------------------------------------------

    def request_json(
        self,
        method: str,
        url: str,
        *,
        stream: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        on_response: Callable[[httpx.Response, Any], None] | None = None,
    ) -> tuple[httpx.Response, Any]:
        """Send a request with retries and return ``(response, decoded JSON body)``.

        ``url`` may be a path relative to the base URL or an absolute next-page URL.
        ``on_response`` sees every successful response (throttle headers, cost info).
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            retry=retry_if_exception(self._is_retryable),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda state: self._log_retry(state, stream),
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send_once(method, url, stream, params, json, data, headers, on_response)
        except SourceError as exc:
            raise exc.located(source=self.source, stream=stream) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, url: str, **kwargs: Any) -> tuple[httpx.Response, Any]:
        return self.request_json("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> tuple[httpx.Response, Any]:
        return self.request_json("POST", url, **kwargs)

    def download(self, url: str, *, stream: str | None = None) -> bytes:
        """Fetch a raw file (report exports, bulk JSONL) with the same retries, no JSON decoding."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            retry=retry_if_exception(self._is_retryable),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda state: self._log_retry(state, stream),
        )
        try:
            for attempt in retrying:
                with attempt:
                    request = self._http.build_request("GET", url)
                    bare = origin(request.url) != self._origin
                    if bare:  # a pre-signed storage URL: it carries its own authorisation
                        request = self._bare().build_request("GET", strip_known_secrets(str(request.url)))
                    with self.limiter.slot():
                        self.stats.add(requests=1)
                        response = self._transport_send(request, stream, bare=bare, cross_origin="strip")
                    if response.status_code >= 400:
                        # Same error text as request_json: the vendor's message and the request.
                        error = self.errors.for_status(response, self._decode(response, request, stream))
                        error.request = describe(request)
                        raise error.located(source=self.source, stream=stream)
                    return response.content
        except SourceError as exc:
            raise exc.located(source=self.source, stream=stream) from None
        raise AssertionError("unreachable")  # pragma: no cover

    # -- internals -------------------------------------------------------------------

    def _send_once(self, method, url, stream, params, json, data, headers, on_response):
        request = self._http.build_request(method, url, params=params, json=json, data=data, headers=headers)
        if origin(request.url) != self._origin:
            # An absolute next-page URL on another host: never send it our credentials.
            raise CrossOriginRefused(
                f"refused to send credentials to {describe_origin(request.url)}: the API gave a URL outside "
                f"{describe_origin(self._http.base_url)}, the configured base URL",
                request=describe(request),
            ).located(source=self.source, stream=stream)
        with self.limiter.slot():
            self.stats.add(requests=1)
            response = self._transport_send(request, stream)
        if log.isEnabledFor(logging.DEBUG):  # describe() redacts the URL: ~0.7 ms on a report URL
            log.debug("%s -> %s", describe(request), response.status_code)
        body = self._decode(response, request, stream)
        error = self.errors.for_status(response, body)
        if error is not None:
            error.request = describe(request)
            if error.retry_after is None and isinstance(error, RetryableApiError):
                error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise error.located(source=self.source, stream=stream)
        if on_response is not None:
            on_response(response, body)
        return response, body

    def _bare(self) -> httpx.Client:
        if self._bare_http is None:
            self._bare_http = httpx.Client(headers={"User-Agent": USER_AGENT}, **self._bare_args)
        return self._bare_http

    def _transport_send(
        self, request: httpx.Request, stream: str | None, *, bare: bool = False, cross_origin: CrossOrigin | None = None
    ) -> httpx.Response:
        """Send one request and follow its redirects; credentials stay on our origin.

        A redirect within the configured origin is followed with our auth. One to another
        origin is refused (`CrossOriginRefused`) or, under ``cross_origin="strip"``,
        followed bare: no auth, no vendor header, no secret query parameter, there and on.
        """
        policy = cross_origin or self.cross_origin
        try:
            response = (self._bare() if bare else self._http).send(request)
            response.read()
            for _ in range(MAX_REDIRECTS):
                target = response.next_request
                if target is None:
                    return response
                if not bare and origin(target.url) != self._origin:
                    if policy == "refuse":
                        raise CrossOriginRefused(
                            f"refused a redirect (HTTP {response.status_code}) to {describe_origin(target.url)}: "
                            f"credentials are only sent to {describe_origin(self._http.base_url)}, the configured base URL",
                            status=response.status_code,
                            request=describe(request),
                        )
                    bare = True
                if bare:
                    body = target.read() if target.method not in ("GET", "HEAD") else None
                    kind = {"Content-Type": target.headers["content-type"]} if body and "content-type" in target.headers else None
                    target = self._bare().build_request(
                        target.method, strip_known_secrets(str(target.url)), content=body or None, headers=kind
                    )
                response = (self._bare() if bare else self._http).send(target)
                response.read()
            if response.next_request is None:
                return response
            raise ApiError(f"more than {MAX_REDIRECTS} redirects", status=response.status_code, request=describe(request))
        except httpx.TimeoutException as exc:
            raise _TransientTransportError(f"timed out ({type(exc).__name__})", request, stream, self.source) from None
        except httpx.TransportError as exc:
            raise _TransientTransportError(
                f"connection failed ({type(exc).__name__}: {redact(str(exc))})", request, stream, self.source
            ) from None

    def _decode(self, response: httpx.Response, request: httpx.Request, stream: str | None) -> Any:
        content = response.content
        if not content:
            return None
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            kind = response.headers.get("content-type", "unknown content type").split(";")[0]
            if response.status_code >= 400:
                return None  # the status code says enough; the error policy renders it
            snippet = redact(response.text[:80].replace("\n", " "))
            raise _GarbledBodyError(
                f"expected JSON, got {kind} ({len(content)} bytes, starts {snippet!r})",
                source=self.source,
                stream=stream,
                request=describe(request),
            ) from None

    @staticmethod
    def _is_retryable(exc: BaseException) -> bool:
        return isinstance(exc, (RetryableApiError, _TransientTransportError, _GarbledBodyError))

    def _wait(self, state: RetryCallState) -> float:
        if state.attempt_number >= self.retry.max_attempts:
            # tenacity asks for the wait before it checks `stop`: no retry follows this
            # attempt, so neither count it nor pause the other threads for it.
            return 0.0
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.retry.max_retry_after:
                raise exc  # the vendor wants us gone for longer than a cron run should wait
            # Everyone sharing this source's budget waits, not just this thread.
            self.limiter.pause_for(retry_after)
            delay = retry_after
        else:
            delay = self.retry.backoff(state.attempt_number)
        self.stats.add(retries=1, waited_seconds=delay)
        return delay

    def _log_retry(self, state: RetryCallState, stream: str | None) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "%s/%s: retrying after %s (attempt %d of %d)",
            self.source,
            stream or "-",
            redact(str(exc)),
            state.attempt_number,
            self.retry.max_attempts,
        )


class _TransientTransportError(SourceError):
    """Timeouts and dropped connections: retried, and rendered clearly if they persist."""

    retry_after = None

    def __init__(self, message: str, request: httpx.Request, stream: str | None, source: str) -> None:
        super().__init__(message, source=source, stream=stream, request=describe(request))


class _GarbledBodyError(ResponseFormatError):
    """A body that does not decode: truncated by a flaky network, or HTML from a proxy."""

    retry_after = None
