"""Watch a sync from outside: what each stream is asked to read, which requests go out.

Read-only hooks for tests and tooling (the conformance kit checks a source through
them instead of patching the framework):

```python
from bosco_connectors.framework import hooks

with hooks.on_read(reads.append), hooks.on_request(sent.append):
    run_sync(...)
# reads: ReadStarted(source, stream, since, until), one per stream read
# sent: RequestSent(source, stream, method, path, query, body), one per request (retries too)
```

`on_phase` tells when a sync enters each phase (recover, extract, normalize, load): the
crash tests kill a run at points inside a phase, whatever the machine's speed.

Callbacks run on the reader threads, synchronously: keep them cheap (appending to a list
is enough), and what one raises fails the read. With no subscriber the cost is one
check of an empty tuple.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import httpx
import orjson


@dataclass(frozen=True)
class ReadStarted:
    """A stream starts reading the range [since, until] (None: no bound; full refresh)."""

    source: str
    stream: str
    since: Any
    until: Any


@dataclass(frozen=True)
class RequestSent:
    """One request an `ApiClient` sent: path, query and decoded body, secrets masked."""

    source: str
    stream: str | None
    method: str
    #: The URL's path (the base URL's path included), without the query string.
    path: str
    query: Mapping[str, str]
    #: The JSON body, a form as a dict, or None.
    body: Any

    def value(self, name: str) -> Any:
        """A parameter by name: from the query string, else from a JSON or form body."""
        if name in self.query:
            return self.query[name]
        return self.body.get(name) if isinstance(self.body, dict) else None


@dataclass(frozen=True)
class PhaseStarted:
    """One sync enters a phase: ``recover`` (finishing what an earlier run left), ``extract``,
    ``normalize`` or ``load``."""

    tenant: str
    source: str
    phase: str


_lock = threading.Lock()
_read_callbacks: tuple[Callable[[ReadStarted], None], ...] = ()
_request_callbacks: tuple[Callable[[RequestSent], None], ...] = ()
_phase_callbacks: tuple[Callable[[PhaseStarted], None], ...] = ()


@contextmanager
def on_phase(callback: Callable[[PhaseStarted], None]) -> Iterator[None]:
    """Call `callback` each time a sync enters a phase, inside the block (on the sync's thread)."""
    global _phase_callbacks
    with _lock:
        _phase_callbacks = (*_phase_callbacks, callback)
    try:
        yield
    finally:
        with _lock:
            _phase_callbacks = tuple(c for c in _phase_callbacks if c is not callback)


def phase_started(tenant: str, source: str, phase: str) -> None:
    """Called by `run_sync` as it enters each phase."""
    callbacks = _phase_callbacks
    if callbacks:
        event = PhaseStarted(tenant, source, phase)
        for callback in callbacks:
            callback(event)


@contextmanager
def on_read(callback: Callable[[ReadStarted], None]) -> Iterator[None]:
    """Call `callback` each time a stream starts reading, inside the block."""
    global _read_callbacks
    with _lock:
        _read_callbacks = (*_read_callbacks, callback)
    try:
        yield
    finally:
        with _lock:
            _read_callbacks = tuple(c for c in _read_callbacks if c is not callback)


@contextmanager
def on_request(callback: Callable[[RequestSent], None]) -> Iterator[None]:
    """Call `callback` with every request an `ApiClient` sends, inside the block."""
    global _request_callbacks
    with _lock:
        _request_callbacks = (*_request_callbacks, callback)
    try:
        yield
    finally:
        with _lock:
            _request_callbacks = tuple(c for c in _request_callbacks if c is not callback)


def read_started(source: str, stream: str, since: Any, until: Any) -> None:
    """Called by the framework's stream reader."""
    callbacks = _read_callbacks
    if callbacks:
        event = ReadStarted(source, stream, since, until)
        for callback in callbacks:
            callback(event)


def request_sent(source: str, stream: str | None, request: httpx.Request) -> None:
    """Called by `ApiClient` before each request goes out."""
    callbacks = _request_callbacks
    if callbacks:
        event = _describe(source, stream, request)
        for callback in callbacks:
            callback(event)


def _describe(source: str, stream: str | None, request: httpx.Request) -> RequestSent:
    from urllib.parse import parse_qsl

    from .redaction import REDACTED, SECRET_KEYS, redact

    def clean(name: str, value: Any) -> Any:
        if name.lower() in SECRET_KEYS:
            return REDACTED
        if isinstance(value, dict):
            return {k: clean(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean("", v) for v in value]
        return redact(value) if isinstance(value, str) else value

    query = {k: clean(k, v) for k, v in request.url.params.multi_items()}
    body: Any = None
    try:
        content = request.content
    except httpx.RequestNotRead:  # a streamed upload: its body is not ours to read
        content = b""
    kind = request.headers.get("content-type", "")
    if content and "json" in kind:
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            body = None
        body = clean("", body)
    elif content and "form" in kind:
        body = {k: clean(k, v) for k, v in parse_qsl(content.decode(errors="replace"), keep_blank_values=True)}
    return RequestSent(source, stream, request.method, request.url.path, query, body)


__all__ = ["ReadStarted", "RequestSent", "on_read", "on_request"]
