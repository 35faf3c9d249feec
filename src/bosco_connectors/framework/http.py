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
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterator, Literal, Mapping

import httpx
import orjson
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from . import hooks
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

if TYPE_CHECKING:
    import ssl

log = logging.getLogger("bosco_connectors.http")

# httpx logs every request line at INFO, query string included (Meta's paging.next URLs carry
# the token): mask secrets on that logger itself, whatever handlers the application installs.
if not any(isinstance(f, RedactingFilter) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(RedactingFilter())

USER_AGENT = "bosco-connectors/0.1 (+https://github.com/bosco-connectors)"

#: The largest decoded JSON body accepted (``BOSCO_MAX_RESPONSE_MB`` overrides): far above
#: any page a vendor sends, far below what would exhaust memory.
MAX_RESPONSE_BYTES = 256 * 2**20
#: The largest decoded report file written to disk (``BOSCO_MAX_DOWNLOAD_MB`` overrides).
MAX_DOWNLOAD_BYTES = 20 * 2**30
#: A JSON answer to a report request up to this size is read as a possible error envelope first.
ERROR_BODY_BYTES = 64 * 2**10
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


def tls_context() -> "ssl.SSLContext":
    """The verifying TLS context httpx would build (certifi's CAs, or ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR``), built once per process and per those settings: building one reads the
    CA bundle (~25 ms), and a run makes a client per source, tenant and token exchange."""
    import os

    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> "ssl.SSLContext":
    return httpx.create_ssl_context(verify=True)


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
    #: One line per partition the vendor refused and that was skipped (a partial sync).
    skipped: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def skip(self, line: str) -> None:
        with self._lock:
            self.skipped.append(line)

    def add(self, **deltas: float) -> None:
        with self._lock:
            for key, value in deltas.items():
                setattr(self, key, getattr(self, key) + value)


class ApiClient:
    """A thread-safe JSON API client for one source.

    ``base_url`` is always overridable (sandboxes, regions, the local fake API in tests).
    """

    #: Report jobs the vendor lets this client run at once (`RateBudget.report_jobs`);
    #: an `jobs.AsyncReport` without its own ``max_concurrent`` waits for one of them.
    report_jobs: int | None = None
    #: The share of an app-wide budget this client's sync holds (`orchestration.lanes.fit`),
    #: or None: its readers use the share's lanes from the first request.
    lanes: Any = None

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
        max_response_bytes: int | None = None,
        max_download_bytes: int | None = None,
    ) -> None:
        self.source = source
        self.cross_origin = cross_origin
        self.max_response_bytes = max_response_bytes or _env_bytes("BOSCO_MAX_RESPONSE_MB", MAX_RESPONSE_BYTES)
        self.max_download_bytes = max_download_bytes or _env_bytes("BOSCO_MAX_DOWNLOAD_MB", MAX_DOWNLOAD_BYTES)
        self.retry = retry or RetryPolicy()
        self.errors = errors or ErrorPolicy()
        self.limiter = RateLimiter(rate_limit or RateLimit(), sleep=sleep)
        self.stats = RequestStats()
        self._sleep = sleep
        limits = httpx.Limits(max_connections=max(10, (rate_limit.max_concurrency or 10) if rate_limit else 10))
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            auth=auth,
            # Only encodings that `decoded_chunks` inflates under a cap (httpx adds br/zstd when installed).
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip, deflate", **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            transport=transport,
            limits=limits,
            follow_redirects=False,  # followed by `_transport_send`, which guards the origin
            verify=tls_context(),
        )
        self._origin = origin(self._http.base_url)
        #: For other origins: no auth, no vendor headers (built on first use).
        self._bare_http: httpx.Client | None = None
        self._bare_args = {"timeout": self._http.timeout, "transport": transport, "follow_redirects": False, "verify": tls_context()}

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
        try:
            for attempt in self._retrying(stream):
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
        """Fetch a small raw file into memory (capped like any response); see `download_file`."""
        with self.download_file(url, stream=stream, spool_bytes=self.max_response_bytes) as file:
            return file.read()

    def download_file(self, url: str, *, stream: str | None = None, spool_bytes: int = 16 * 1024 * 1024,
                      method: str = "GET", params: Mapping[str, Any] | None = None, json: Any = None,
                      data: Any = None, headers: Mapping[str, str] | None = None, json_is_error: bool = False,
                      on_response: Callable[[httpx.Response], None] | None = None) -> BinaryIO:
        """Fetch a report export to a temporary file, never whole in memory; the caller closes it.

        Same retries as JSON calls; a URL on another origin (a pre-signed storage link) is
        fetched without our credentials. The decoded size is capped (`max_download_bytes`):
        a small compressed body that inflates without end is refused, not written out.
        A request that asks for the report itself (Criteo's ``POST statistics/report``, whose
        answer is the CSV or JSON report) passes its ``method``, ``params``, ``json`` or
        ``data`` and ``headers``; a small JSON answer is checked against the error map, since
        vendors answer errors with HTTP 200 too. ``json_is_error``: the report asked for is not
        JSON (a CSV), so a small JSON answer is the vendor's error even where its body carries
        no code the error map knows (AppsFlyer's ``{"message": ...}``), never an empty report;
        so is a small XML document (Cloud Storage's ``<Error>``). ``on_response`` sees the answer
        that was saved (its headers: a next page named in a header, `locator.HeaderLocator`).
        """
        request_args = {"params": params, "json": json, "data": data, "headers": headers}
        try:
            for attempt in self._retrying(stream):
                with attempt:
                    file = tempfile.SpooledTemporaryFile(max_size=spool_bytes)
                    try:
                        response = self._download_once(url, stream, file, method, request_args, json_is_error)
                    except BaseException:
                        file.close()
                        raise
                    file.seek(0)
                    if on_response is not None:
                        on_response(response)
                    return file  # type: ignore[return-value]
        except SourceError as exc:
            raise exc.located(source=self.source, stream=stream) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _download_once(self, url: str, stream: str | None, sink: BinaryIO, method: str = "GET",
                       request_args: Mapping[str, Any] | None = None, json_is_error: bool = False) -> httpx.Response:
        args = {k: v for k, v in (request_args or {}).items() if v is not None}
        request = self._http.build_request(method, url, **args)
        bare = origin(request.url) != self._origin
        if bare:
            if method != "GET" or args:  # only a plain GET of a pre-signed link leaves our origin
                raise CrossOriginRefused(
                    f"refused to send a {method} request to {describe_origin(request.url)}: only plain downloads of "
                    f"pre-signed links leave {describe_origin(self._http.base_url)}, the configured base URL",
                    request=describe(request),
                ).located(source=self.source, stream=stream)
            # a pre-signed storage URL: it carries its own authorisation
            request = self._bare().build_request("GET", strip_known_secrets(str(request.url)))
        hooks.request_sent(self.source, stream, request)
        with self.limiter.slot():
            self.stats.add(requests=1)
            response = self._transport_send(request, stream, bare=bare, cross_origin="strip", sink=sink)
        if response.status_code >= 400:
            # Same error text as request_json: the vendor's message and the request.
            error = self.errors.for_status(response, self._decode(response, request, stream))
            error.request = describe(request)
            raise error.located(source=self.source, stream=stream)
        if not bare and (method != "GET" or args):  # a report asked for, not a file fetched
            self._check_answered_error(response, request, stream, sink, json_is_error)
        return response

    def _check_answered_error(self, response: httpx.Response, request: httpx.Request, stream: str | None,
                              sink: BinaryIO, json_is_error: bool = False) -> None:
        """A small JSON answer of our API that is the vendor's error envelope fails like one (an error in a 200);
        of a JSON Lines answer (Mixpanel's export), its first line."""
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        size = sink.seek(0, 2)
        sink.seek(0)
        if json_is_error and kind.endswith("xml") and size <= ERROR_BODY_BYTES:  # Cloud Storage's XML error document
            text = sink.read().decode("utf-8", "replace").strip().replace("\n", " ")
            sink.seek(0)
            raise ApiError(f"HTTP {response.status_code}: {text[:300]} (an XML answer where the report file was asked for)",
                           status=response.status_code, request=describe(request)).located(source=self.source, stream=stream)
        if kind == "text/html":  # a proxy's or login page where a data file was asked for: never a report
            snippet = redact(sink.read(80).decode("utf-8", "replace").replace("\n", " "))
            sink.seek(0)
            raise _GarbledBodyError(f"expected the report file, got an HTML page ({size} bytes, starts {snippet!r})",
                                    source=self.source, stream=stream, request=describe(request))
        lines = kind.endswith(("jsonl", "ndjson", "json-seq"))
        if not (kind.endswith("json") or lines) or size > ERROR_BODY_BYTES:
            return
        try:
            raw = sink.read()
            body = orjson.loads(next((line for line in raw.splitlines() if line.strip()), b"null") if lines else raw)
        except orjson.JSONDecodeError:
            return  # not JSON after all: the file's reader says what is wrong with it
        finally:
            sink.seek(0)
        error = self.errors.for_status(response, body)
        if error is None and json_is_error and not lines:
            error = ApiError(f"HTTP {response.status_code}: {self.errors.message(response, body)} (a JSON answer where "
                             "the report file was asked for)", status=response.status_code)
        if error is not None:
            error.request = describe(request)
            if error.retry_after is None and isinstance(error, RetryableApiError):
                error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise error.located(source=self.source, stream=stream)

    # -- internals -------------------------------------------------------------------

    def _retrying(self, stream: str | None) -> Retrying:
        return Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            retry=retry_if_exception(self._is_retryable),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda state: self._log_retry(state, stream),
        )

    def _send_once(self, method, url, stream, params, json, data, headers, on_response):
        request = self._http.build_request(method, url, params=params, json=json, data=data, headers=headers)
        if origin(request.url) != self._origin:
            # An absolute next-page URL on another host: never send it our credentials.
            raise CrossOriginRefused(
                f"refused to send credentials to {describe_origin(request.url)}: the API gave a URL outside "
                f"{describe_origin(self._http.base_url)}, the configured base URL",
                request=describe(request),
            ).located(source=self.source, stream=stream)
        hooks.request_sent(self.source, stream, request)
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
            self._bare_http = httpx.Client(headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}, **self._bare_args)
        return self._bare_http

    def _transport_send(
        self,
        request: httpx.Request,
        stream: str | None,
        *,
        bare: bool = False,
        cross_origin: CrossOrigin | None = None,
        sink: BinaryIO | None = None,
    ) -> httpx.Response:
        """Send one request and follow its redirects; credentials stay on our origin.

        A redirect within the configured origin is followed with our auth. One to another
        origin is refused (`CrossOriginRefused`) or, under ``cross_origin="strip"``,
        followed bare: no auth, no vendor header, no secret query parameter, there and on.
        """
        policy = cross_origin or self.cross_origin
        try:
            response = (self._bare() if bare else self._http).send(request, stream=True)
            self._read_capped(response, request, sink)
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
                response = (self._bare() if bare else self._http).send(target, stream=True)
                self._read_capped(response, request, sink)
            if response.next_request is None:
                return response
            raise ApiError(f"more than {MAX_REDIRECTS} redirects", status=response.status_code, request=describe(request))
        except httpx.TimeoutException as exc:
            raise _TransientTransportError(f"timed out ({type(exc).__name__})", request, stream, self.source) from None
        except httpx.DecodingError as exc:  # a cut-off or garbled compressed body: worth a retry
            raise _GarbledBodyError(str(exc), source=self.source, stream=stream, request=describe(request)) from None
        except httpx.TransportError as exc:
            raise _TransientTransportError(
                f"connection failed ({type(exc).__name__}: {redact(str(exc))})", request, stream, self.source
            ) from None

    def _read_capped(self, response: httpx.Response, request: httpx.Request, sink: BinaryIO | None) -> None:
        """Read the decoded body, into memory (JSON) or into `sink` (a file), up to the cap.

        The cap applies to the decoded bytes: gzip that inflates 1,000-fold is stopped at
        the limit, having held at most one decoded chunk more.
        """
        to_file = sink is not None and not response.is_redirect and response.status_code < 400
        limit = self.max_download_bytes if to_file else self.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        if to_file:
            sink.seek(0)  # type: ignore[union-attr]
            sink.truncate()  # type: ignore[union-attr]
        try:
            for chunk in decoded_chunks(response):
                size += len(chunk)
                if size > limit:
                    raise ResponseTooLarge(
                        f"the response passed {limit / 2**20:.0f} MB once decoded ({_encoding(response)}); refused "
                        f"(raise BOSCO_{'MAX_DOWNLOAD_MB' if to_file else 'MAX_RESPONSE_MB'} if this is expected)",
                        request=describe(request),
                    )
                if to_file:
                    sink.write(chunk)  # type: ignore[union-attr]
                else:
                    chunks.append(chunk)
        finally:
            response.close()
        response._content = b"" if to_file else b"".join(chunks)  # what Response.read() sets

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


#: Decoded bytes produced per step: a compressed chunk never inflates past this at once.
DECODE_STEP = 1 << 20


def decoded_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The body decoded step by step, never more than `DECODE_STEP` at a time.

    httpx inflates each network chunk whole, and 64 KB of gzip can hold 64 MB; so gzip
    and deflate (all we ask for in Accept-Encoding) are inflated here with a bounded
    output per step. Anything else goes through httpx's own decoders.
    """
    if response.is_stream_consumed:  # already read (an auth flow's replay, an in-memory transport)
        yield response.content
        return
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        yield from response.iter_raw()
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        yield from response.iter_bytes()
        return
    inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header, detected
    try:
        for raw in response.iter_raw():
            pending = raw
            while pending:
                out = inflater.decompress(pending, DECODE_STEP)
                if out:
                    yield out
                pending = inflater.unconsumed_tail
                if inflater.eof and inflater.unused_data:  # a second gzip member follows
                    pending = inflater.unused_data
                    inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as exc:
        raise httpx.DecodingError(f"{encoding} body does not decode: {exc}") from None


def _encoding(response: httpx.Response) -> str:
    return f"Content-Encoding {response.headers['content-encoding']}" if "content-encoding" in response.headers else "not compressed"


def _env_bytes(name: str, default: int) -> int:
    """A size limit from ``BOSCO_MAX_*_MB``, or the default."""
    import os

    value = os.environ.get(name)
    try:
        return int(float(value) * 2**20) if value else default
    except ValueError:
        return default


class ResponseTooLarge(ResponseFormatError):
    """A body larger than any answer of this API should be (or a decompression bomb): not retried."""


class _TransientTransportError(SourceError):
    """Timeouts and dropped connections: retried, and rendered clearly if they persist."""

    retry_after = None

    def __init__(self, message: str, request: httpx.Request, stream: str | None, source: str) -> None:
        super().__init__(message, source=source, stream=stream, request=describe(request))


class _GarbledBodyError(ResponseFormatError):
    """A body that does not decode: truncated by a flaky network, or HTML from a proxy."""

    retry_after = None
