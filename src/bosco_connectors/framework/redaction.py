"""Keep secrets out of every string that leaves the process.

Two nets, because one is not enough: known secret *values* (registered by auth
strategies and config) are replaced wherever they appear, and well-known secret
*names* (``access_token=...`` in a query, ``Authorization:`` headers) are masked even
when the value was never registered, e.g. a token embedded in a ``paging.next`` URL.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "***REDACTED***"

#: Query-string and JSON keys whose values are always secret.
SECRET_KEYS = frozenset(
    {
        "access_token",
        "access-token",
        "appsecret_proof",
        "api_key",
        "apikey",
        "api-key",
        "client_secret",
        "refresh_token",
        "token",
        "password",
        "secret",
        "key",
        "authorization",
        "x-shopify-access-token",
        "developer-token",
        "developer_token",
        "private_key",
        "signature",
        "sig",
    }
)

_KEY_ALT = "|".join(re.escape(k) for k in sorted(SECRET_KEYS, key=len, reverse=True))
# key=value in query strings / form bodies, "key": "value" in JSON, Key: value in headers.
_PATTERNS = [
    re.compile(rf"(?i)\b({_KEY_ALT})=([^&\s\"'#\]]+)"),
    re.compile(rf"(?i)(\"(?:{_KEY_ALT})\"\s*:\s*\")([^\"]+)(\")"),
    re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}"),
    # Header lines in free text: "Access-Token: abc", "X-Shopify-Access-Token: abc".
    re.compile(r"(?i)\b(access-token|x-shopify-access-token|developer-token|x-api-key|api-key)(\s*:\s*)([^\s,;'\"]+)"),
]

_lock = threading.Lock()
_known: set[str] = set()


def register_secret(value: object) -> None:
    """Remember a secret value so that `redact` masks it anywhere it shows up."""
    text = _secret_text(value)
    if text and len(text) >= 4:
        with _lock:
            _known.add(text)


def register_secrets(values: Iterable[object]) -> None:
    for value in values:
        register_secret(value)


def _secret_text(value: object) -> str | None:
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    text = getter() if callable(getter) else value
    return text if isinstance(text, str) else None


def redact(text: str) -> str:
    """Return `text` with registered secret values and secret-named fields masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)
    text = _PATTERNS[2].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PATTERNS[3].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text


#: Characters that could forge or hide output lines: C0/C1 controls (newlines, ANSI
#: escapes), line and paragraph separators, and bidirectional overrides.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: The longest vendor text we print in one line.
MAX_LINE = 500


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """Text from outside (a vendor's error message) made safe to print as part of one line.

    Control characters are escaped (``\\n``, ``\\x1b``, ``\\u202e``), so a message can
    neither start a line that looks like ours (``FAILED tenant=...``) nor colour or hide
    text; the length is capped.
    """
    if not text:
        return text
    text = _UNPRINTABLE.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"), text)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters)"
    return text


def redact_url(url: str) -> str:
    """Mask secret query parameters of a URL, keeping the rest readable."""
    parts = urlsplit(url)
    if not parts.query:
        return redact(url)
    query = [
        # Values are compared decoded: a registered key with "+", "/" or "=" is percent-encoded here.
        (k, REDACTED if k.lower() in SECRET_KEYS else redact(v))
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return redact(urlunsplit(parts._replace(query=urlencode(query, safe="*"))))


def strip_known_secrets(url: str) -> str:
    """Drop query parameters whose value is a registered secret (ours, echoed back by a vendor).

    For URLs we follow to another origin without credentials. By value, not by name: a
    pre-signed storage URL's own ``Signature`` or ``key`` parameters are its grant, not ours.
    """
    parts = urlsplit(url)
    if not parts.query:
        return url
    with _lock:
        known = set(_known)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if v not in known]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in SECRET_KEYS else redact(v)) for k, v in headers.items()}


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the final message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so handlers never format the raw one.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the redacting filter to every handler of `logger` (root by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
