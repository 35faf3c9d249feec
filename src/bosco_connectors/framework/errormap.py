"""Errors as data: where a vendor puts its error code, and what each code means.

A vendor's error reference becomes a table: code (or HTTP status) -> `Action`. The
same table applies whatever the HTTP status: many APIs answer 200 with an error
envelope (TikTok's ``{"code": 40100, ...}``, Google's ``{"error": {...}}``), and one that
is read as an empty page loses days without a word.

- ``RETRY``: transient (rate limits, maintenance): retried with back-off;
- ``AUTH``: the credential or its access must change: never retried, one clear line;
- ``FAIL``: a request we must not repeat as is: the stream fails with the vendor's words;
- ``SPLIT``: "too much data": the window is halved (down to one day), then the batch of
  ids is split, and both halves are read;
- ``SKIP``: this partition (one account) cannot be read: it is skipped with a warning
  naming it, the others load, and the run is reported partial;
- ``EMPTY``: the vendor's way of saying there is nothing to read (App Store Connect's 404 for
  a day without sales, a month without a report file): this request loads nothing, quietly,
  and the run is not partial.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

import httpx

from .errors import ApiError, AuthError, RetryableApiError
from .jsonpath import get_path


class Action(str, Enum):
    RETRY = "retry"
    AUTH = "auth"
    FAIL = "fail"
    SPLIT = "split"
    SKIP = "skip"
    EMPTY = "empty"


class TooMuchData(ApiError):
    """The vendor refused a request as too large: read it in smaller parts."""


class SkipPartition(ApiError):
    """The vendor refused one partition (an account we may not read): skip it, load the rest."""


class NothingToRead(SkipPartition):
    """The vendor says this request has no data (a day without sales): nothing loads, no warning."""


_KINDS: dict[Action, type[ApiError]] = {
    Action.RETRY: RetryableApiError,
    Action.AUTH: AuthError,
    Action.FAIL: ApiError,
    Action.SPLIT: TooMuchData,
    Action.SKIP: SkipPartition,
    Action.EMPTY: NothingToRead,
}

#: What an HTTP status means when the vendor's own code says nothing more.
DEFAULT_STATUSES: dict[int, Action] = {401: Action.AUTH, 403: Action.AUTH, 408: Action.RETRY, 429: Action.RETRY}


@dataclass(frozen=True)
class ErrorMap:
    """A vendor's error reference, declared (see the module docstring).

    ``code``: path of the vendor's error code in a body (``"code"``, ``"error.code"``,
    ``"errors.0.extensions.code"``), or several paths, the first that holds a code wins
    (Microsoft's ``Errors.0.Code`` or ``OperationErrors.0.Code``; Reddit's ``error.code``,
    ``error.reason`` or ``error``); ``ok``: the codes that mean success (TikTok: 0).
    ``codes``: code -> action; a key may be a ``range`` (TikTok's 5xxxx). ``statuses``:
    HTTP status -> action, over the defaults (401/403 auth, 408/429/5xx retry).
    ``envelope``: every answer must carry ``code`` (a 200 without it is an error too).
    ``vendor``: how lines name the code (``"TikTok code 40100: ..."``). A ``code`` may be
    text (Google's canonical status, ``"RESOURCE_EXHAUSTED"``). ``hints``: what to check,
    per action, added to the line (Google: give the credential Viewer access).
    """

    vendor: str
    code: str | tuple[str, ...] | None = None
    ok: tuple[Any, ...] = ()
    message: tuple[str, ...] = ("message", "error.message", "error_description", "errors.0.message", "error", "detail")
    codes: Mapping[Any, Action] = field(default_factory=dict)
    statuses: Mapping[int, Action] = field(default_factory=dict)
    envelope: bool = False
    request_id: str | None = None
    #: Where a vendor says how long to wait, in seconds, besides the Retry-After header.
    retry_after: str | None = None
    #: A header of the vendor's own that says how long to wait (Outbrain's ``rate-limit-msec-left``,
    #: the IETF draft's ``RateLimit-Reset``), read when there is no Retry-After, in units of
    #: `retry_after_unit` seconds (0.001 for milliseconds).
    retry_after_header: str | None = None
    retry_after_unit: float = 1.0
    hints: Mapping[Action, str] = field(default_factory=dict)

    def action_for(self, code: Any) -> Action | None:
        if code is None:
            return None
        for key, action in self.codes.items():
            if isinstance(key, range):
                if isinstance(code, int) and code in key:
                    return action
            elif key == code or str(key) == str(code):
                return action
        return None

    def code_in(self, body: Any) -> Any:
        """The vendor's error code in `body`: at the first declared path that holds one."""
        if not self.code or not isinstance(body, (dict, list)):
            return None
        for path in (self.code,) if isinstance(self.code, str) else self.code:
            found = get_path(body, path)
            if found is not None:
                return found
        return None

    def policy(self) -> "MappedErrors":
        return MappedErrors(self)


class MappedErrors:
    """The `ErrorPolicy` an `ErrorMap` declares (what `ApiClient` calls on every answer)."""

    def __init__(self, spec: ErrorMap) -> None:
        self.spec = spec

    def message(self, response: httpx.Response, body: Any) -> str:
        for path in self.spec.message:
            value = get_path(body, path) if isinstance(body, (dict, list)) else None
            if isinstance(value, str) and value:
                return value
        text = (response.text or "").strip().replace("\n", " ")
        return text[:200] or response.reason_phrase

    def for_status(self, response: httpx.Response, body: Any) -> ApiError | None:
        from .http import parse_retry_after

        spec = self.spec
        status = response.status_code
        code = spec.code_in(body)
        if code is not None and isinstance(code, str) and code.lstrip("-").isdigit():
            code = int(code)
        vendor_error = code is not None and code not in spec.ok and str(code) not in {str(c) for c in spec.ok}
        if status < 400 and not vendor_error:
            if spec.envelope and code is None:
                where = spec.code if isinstance(spec.code, str) else "' or '".join(spec.code or ())
                return ApiError(f"the answer has no {spec.vendor} envelope (no '{where}' field)", status=status)
            return None
        action = spec.action_for(code) if vendor_error else None
        if action is None:
            action = spec.statuses.get(status) or DEFAULT_STATUSES.get(status)
        if action is None:
            action = Action.RETRY if status >= 500 else Action.FAIL
        text = self.message(response, body)
        prefix = f"{spec.vendor} code {code}: " if vendor_error else f"HTTP {status}: "
        if vendor_error and status >= 400:
            prefix = f"HTTP {status}, {prefix}"
        rid = get_path(body, spec.request_id) if spec.request_id and isinstance(body, dict) else None
        line = prefix + text + (f" (request_id {rid})" if rid else "") + (f" ({spec.hints[action]})" if action in spec.hints else "")
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None and spec.retry_after_header:
            wait = _number(response.headers.get(spec.retry_after_header), spec.retry_after_unit)
        if wait is None and spec.retry_after and isinstance(body, dict):
            hinted = get_path(body, spec.retry_after)
            wait = float(hinted) if isinstance(hinted, (int, float)) or (isinstance(hinted, str) and hinted.replace(".", "", 1).isdigit()) else None
        return _KINDS[action](line, status=status, vendor_code=code, retry_after=wait)


def _number(text: str | None, unit: float) -> float | None:
    """A header's count of `unit`-second steps, in seconds (None if absent or not a number)."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value * unit if value is not None and value >= 0 else None
