"""The Meta Marketing API client: the official SDK, one session per sync, Meta's errors.

The ``facebook-business`` SDK is imported only when the first call is made, so listing
sources never imports it. Each sync gets its own `FacebookSession` and
`FacebookAdsApi` object, passed explicitly to every SDK object: no process-wide default
API (``FacebookAdsApi.init`` would set one, holding one tenant's token, and could
enable the SDK's crash reporter; building the objects directly is ``init`` with
``crash_log=False`` minus the global). The session's ``GRAPH`` root is set on the
instance, so ``base_url`` points this tenant, and only it, at a sandbox or test API.

The SDK sends ``access_token`` (and ``appsecret_proof``) in every query string. Both are
registered as secrets and masked by the framework's redaction wherever a URL may be
printed; urllib3's request log gets the same redacting filter.

Errors (https://developers.facebook.com/docs/marketing-api/error-reference, rate limits
at https://developers.facebook.com/docs/marketing-api/overview/rate-limiting) come as
HTTP 400 with ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id",
"is_transient"}}`` and become the framework's errors:

- throttling, codes 4 (app), 17 (user), 32 (page), 613 (custom), 80000-80014 (business
  use case): `RetryableApiError`, retried after ``estimated_time_to_regain_access`` or
  a back-off of at least a minute;
- ``is_transient`` errors, codes 1 (unknown, subcode 99 included) and 2 (service
  unavailable), 100 with subcode 1504018 (request timed out), and 5xx without an error
  body: `RetryableApiError`, retried with back-off, whether ``is_transient`` is set or not;
- code 1 "Please reduce the amount of data you're asking for": `TooMuchData`, never
  resent as is: the framework reads a smaller request (`framework.splitting`: half the
  days, down to one, then half the fields);
- 102, 104, 190 (access token missing, invalid or expired), 10 and 200-299 (permission
  denied): `AuthError`, never retried;
- anything else: `ApiError` with Meta's code, message and fbtrace_id.

Usage headers on every response pace all calls of the source (see `usage`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar
from urllib.parse import urljoin

import orjson

from ...framework import ApiError, AuthError, RateLimit, ResponseFormatError, RetryableApiError, RetryPolicy, SourceError, interrupt
from ...framework.errormap import TooMuchData
from ...framework.meta_graph import (  # shared with the declared Meta sources
    AUTH_CODES, THROTTLE_CODES, TRANSIENT_CODES, TRANSIENT_SUBCODES,
)
from ...framework.http import CrossOriginRefused, RequestStats, describe_origin, origin
from ...framework.ratelimit import RateLimiter
from ...framework.spec import PageTrail
from ...framework.redaction import RedactingFilter, redact, register_secret
from .config import GRAPH_URL, FacebookAdsConfig
from .usage import Usage, UsagePolicy, read_usage

if TYPE_CHECKING:
    from facebook_business.adobjects.adaccount import AdAccount
    from facebook_business.api import FacebookAdsApi

SOURCE = "facebook_ads"
#: Graph / Marketing API version this source is written against: v26.0, released
#: 2026-07-29, the version the newest SDK (facebook-business 26.0.3) is generated for.
#: v27.0 (2026-11-04) is out, but no 27.x SDK yet; move both together.
API_VERSION = "v26.0"

log = logging.getLogger("bosco_connectors.facebook_ads")

#: Code 1 with this message: the request asks for too much; a smaller one is answered.
TOO_MUCH_DATA = "reduce the amount of data"
#: The shortest wait after a throttling error that announced no time to regain access.
THROTTLE_MIN_WAIT = 60.0

T = TypeVar("T")


def meta_error(status: int | None, body: Any, headers: Any = None) -> ApiError:
    """Turn Meta's error response into the framework's error type, with Meta's own words."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = f"HTTP {status}: no Graph API error body"
        if status is not None and (status >= 500 or status == 429):
            return RetryableApiError(text, status=status)
        return (AuthError if status in (401, 403) else ApiError)(text, status=status)
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    message = str(error.get("message") or "no message").strip()
    user_message = str(error.get("error_user_msg") or "").strip()
    if user_message and user_message not in message:
        message += f" ({user_message})"
    text = f"Meta error {code}" + (f"/{subcode}" if subcode else "") + f": {message}"
    if error.get("fbtrace_id"):
        text += f" (fbtrace_id {error['fbtrace_id']})"
    if code in AUTH_CODES or (status in (401, 403) and code not in THROTTLE_CODES):
        return AuthError(f"access token or permission problem: {text}", status=status, vendor_code=code)
    if code in THROTTLE_CODES:
        usage = read_usage(headers or {})
        hint = usage.regain_seconds or usage.reset_seconds or None
        return RetryableApiError(f"rate limited: {text}", status=status, vendor_code=code, retry_after=hint)
    if status == 429:
        # A 429 is a rate limit whatever the body says (a proxy or edge may send it without a
        # Meta code); honour its Retry-After when there is one.
        from ...framework.http import parse_retry_after

        wait = parse_retry_after((headers or {}).get("Retry-After") or (headers or {}).get("retry-after"))
        return RetryableApiError(f"rate limited: {text}", status=status, vendor_code=code, retry_after=wait)
    if code == 1 and TOO_MUCH_DATA in message.lower():
        return TooMuchData(text, status=status, vendor_code=code)
    if (error.get("is_transient") or code in TRANSIENT_CODES or (code, subcode) in TRANSIENT_SUBCODES
            or (status is not None and status >= 500)):
        return RetryableApiError(text, status=status, vendor_code=code)
    return ApiError(text, status=status, vendor_code=code)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GarbledResponse(ResponseFormatError):
    """A body that is not JSON (a proxy's HTML page, a cut-off response): worth a retry."""

    retryable = True
    retry_after = None


class MetaClient:
    """The SDK session of one sync, with retries, pacing from usage headers, and counters.

    ``sleep`` and ``clock`` are injectable so tests can check every wait without waiting;
    the default sleep ends at once when the run is asked to stop (Ctrl-C, SIGTERM).
    """

    def __init__(
        self,
        config: FacebookAdsConfig,
        *,
        retry: RetryPolicy | None = None,
        usage: UsagePolicy | None = None,
        sleep: Callable[[float], None] = interrupt.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 120.0,
    ) -> None:
        self.source = SOURCE
        self.config = config
        self.base_url = config.base_url or GRAPH_URL
        self.retry = retry or RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=300.0)
        self.usage = usage or UsagePolicy()
        self.sleep = sleep
        self.clock = clock
        self.timeout = timeout
        self.stats = RequestStats()
        self.limiter = RateLimiter(RateLimit(max_concurrency=config.max_workers), clock=clock, sleep=sleep)
        self.last_usage = Usage()
        self._api: FacebookAdsApi | None = None
        self._lock = threading.Lock()

    # -- the SDK, built on first use ----------------------------------------------------

    @property
    def api(self) -> "FacebookAdsApi":
        with self._lock:
            if self._api is None:
                self._api = self._build_api()
            return self._api

    def _build_api(self) -> "FacebookAdsApi":
        from facebook_business.api import FacebookAdsApi
        from facebook_business.session import FacebookSession

        token = self.config.access_token.get_secret_value()
        secret = self.config.app_secret.get_secret_value() if self.config.app_secret else None
        register_secret(token)
        session = FacebookSession(access_token=token, app_secret=secret, timeout=self.timeout)
        if secret:
            register_secret(session.appsecret_proof)
        session.GRAPH = self.base_url  # this session only; the class default stays Meta's host
        session.requests.hooks["response"].append(self._observe)
        _redact_urllib3_log()
        return FacebookAdsApi(session, api_version=API_VERSION)

    def account(self, account_id: str) -> "AdAccount":
        from facebook_business.adobjects.adaccount import AdAccount

        return AdAccount(f"act_{account_id}", api=self.api)

    def report_run(self, report_run_id: str) -> Any:
        from facebook_business.adobjects.adreportrun import AdReportRun

        return AdReportRun(report_run_id, api=self.api)

    def close(self) -> None:
        if self._api is not None:
            self._api._session.requests.close()

    # -- calls ----------------------------------------------------------------------------

    def call(self, fn: Callable[[], T], *, stream: str | None, what: str) -> T:
        """Run one SDK call (one HTTP request) with pacing and Meta-aware retries.

        ``what`` names the request in errors and logs (``GET act_1/campaigns``); the URL
        itself is never shown because the SDK puts the token in it.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                with self.limiter.slot():
                    return fn()
            except Exception as exc:  # classified below; anything unknown is re-raised
                error = self._classify(exc)
                if error is None:
                    raise
            error.request = what
            error.located(source=self.source, stream=stream)
            if not getattr(error, "retryable", False) or attempt >= self.retry.max_attempts:
                raise error from None
            delay = self._delay(error, attempt)
            if delay > self.retry.max_retry_after:
                raise error from None
            log.warning("%s/%s: retrying in %.0fs after %s (attempt %d of %d)", self.source, stream or "-",
                        delay, redact(error.reason), attempt, self.retry.max_attempts)
            self.stats.add(retries=1, waited_seconds=delay)
            self.limiter.pause_for(delay)

    def pages(self, first: Callable[[], Any], *, stream: str | None, what: str) -> Iterator[list[dict[str, Any]]]:
        """Pages of an edge read through the SDK's `Cursor` (``after`` cursors, ``limit``).

        ``first()`` makes the first request and returns the cursor; each further page is
        one ``load_next_page()``, retried on its own, so a failure never restarts the edge.
        """
        cursor = self.call(first, stream=stream, what=what)
        page_no = 1
        trail = PageTrail(stream or "-")
        while True:
            page = [cursor[i].export_all_data() for i in range(len(cursor))]
            if page:
                yield page
            page_no += 1
            after = cursor.params.get("after")  # the SDK sends paging.cursors.after back...
            if after is not None and not getattr(cursor, "_finished_iteration", False):  # ...unless it saw the end
                trail.visit_key(after, f"after cursor {str(after)[:24]}")
            if not self.call(cursor.load_next_page, stream=stream, what=f"{what} page {page_no}"):
                return

    # -- internals ------------------------------------------------------------------------

    def _classify(self, exc: BaseException) -> SourceError | None:
        from facebook_business.exceptions import FacebookRequestError
        from requests import RequestException

        if isinstance(exc, SourceError):
            return exc
        if isinstance(exc, FacebookRequestError):
            return meta_error(exc.http_status(), exc.body(), exc.http_headers())
        if isinstance(exc, RequestException):
            self.stats.add(requests=1)  # sent, but no response came back
            return RetryableApiError(f"connection failed ({type(exc).__name__}: {redact(str(exc))})")
        return None

    def _delay(self, error: SourceError, attempt: int) -> float:
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            return float(retry_after)
        delay = self.retry.backoff(attempt)
        if getattr(error, "vendor_code", None) in THROTTLE_CODES:
            delay = max(delay, THROTTLE_MIN_WAIT)
        return delay

    def _observe(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A `requests` response hook: count, pace from usage headers, reject non-JSON bodies.

        It runs before `requests` follows a redirect, so it is also where a redirect to
        another origin is refused: the SDK would carry the token's query string there.
        """
        self.stats.add(requests=1)
        if response.is_redirect:
            target = urljoin(response.url, response.headers.get("location", ""))
            if origin(target) != origin(self.base_url):
                raise CrossOriginRefused(
                    f"refused a redirect (HTTP {response.status_code}) to {describe_origin(target)}: the access "
                    f"token is only sent to {describe_origin(self.base_url)}, the configured base URL",
                    status=response.status_code,
                )
            return response
        usage = read_usage(response.headers)
        self.last_usage = usage
        pause = self.usage.pause(usage)
        if pause > 0:
            log.warning("%s: Meta reports %.0f%% usage (%s); pausing requests for %.0fs",
                        self.source, usage.percent, usage.source, pause)
            self.stats.add(waited_seconds=pause)
            self.limiter.pause_for(pause)
        content = response.content
        try:
            orjson.loads(content or b"null")
        except orjson.JSONDecodeError:
            kind = response.headers.get("content-type", "unknown content type").split(";")[0]
            raise GarbledResponse(f"expected JSON, got {kind} ({len(content)} bytes) with HTTP {response.status_code}") from None
        return response


def _redact_urllib3_log() -> None:
    """urllib3 logs every request line at DEBUG, query string (and token) included."""
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


def make_client(
    config: FacebookAdsConfig,
    *,
    retry: RetryPolicy | None = None,
    usage: UsagePolicy | None = None,
    sleep: Callable[[float], None] = interrupt.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> MetaClient:
    """One client per sync; building it does not import the SDK."""
    return MetaClient(config, retry=retry, usage=usage, sleep=sleep, clock=clock)
