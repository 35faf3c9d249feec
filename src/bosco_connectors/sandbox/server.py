"""The local fake API: vendor apps served over loopback, with switchable faults.

One server hosts every vendor under its own path prefix
(``http://127.0.0.1:PORT/tiktok/open_api/v1.3/...``). Each vendor app follows the
vendor's documented request and response shapes. Faults (429 with Retry-After, 5xx,
connection resets, truncated bodies, HTML bodies, delays) can be injected at a random
rate with a seed, or scripted for the next N matching requests. JSON bodies can be
rewritten on the way out (`FakeApi.transform`) to simulate schema drift. Every request
is recorded, so tests can check what a sync asked for.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import parse_qs, urlsplit

import orjson

from ..framework.redaction import redact

log = logging.getLogger("bosco_connectors.sandbox")
#: Bytes per write of an answer served from a file.
FILE_CHUNK = 1 << 20


@dataclass
class FakeRequest:
    method: str
    path: str  # below the vendor prefix, without query string
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: An answer read from this file instead of `body`, sent in chunks (a large export
    #: served without holding it in memory). Transforms and truncating faults see only `body`.
    file: Path | None = None

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> "FakeResponse":
        return cls(status, orjson.dumps(obj), {"Content-Type": "application/json", **(headers or {})})

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain") -> "FakeResponse":
        return cls(status, text.encode(), {"Content-Type": content_type})


class VendorApp(Protocol):
    """A fake vendor API mounted under ``prefix``."""

    prefix: str

    def handle(self, request: FakeRequest) -> FakeResponse: ...


@dataclass(frozen=True)
class Fault:
    """One injected fault. ``kind`` is one of: status, reset, truncate, html, delay, redirect."""

    kind: str
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    #: For redirects: the root URL the request is sent on to (path and query kept).
    location: str | None = None
    #: For status faults: the error message in the body (default: the status's reason).
    message: str | None = None
    #: For decompression bombs: the decoded size in MB.
    megabytes: int = 0

    @classmethod
    def rate_limited(cls, retry_after: float | str = 1) -> "Fault":
        return cls("status", 429, retry_after=str(retry_after))

    @classmethod
    def server_error(cls, status: int = 500) -> "Fault":
        return cls("status", status)

    @classmethod
    def error(cls, status: int, message: str) -> "Fault":
        """An error answer whose body carries `message` (``{"error": {"message": ...}}``)."""
        return cls("status", status, message=message)

    @classmethod
    def unauthorized(cls) -> "Fault":
        return cls("status", 401)

    @classmethod
    def reset(cls) -> "Fault":
        return cls("reset")

    @classmethod
    def truncated(cls) -> "Fault":
        return cls("truncate")

    @classmethod
    def html(cls) -> "Fault":
        return cls("html", 200)

    @classmethod
    def slow(cls, seconds: float) -> "Fault":
        return cls("delay", delay=seconds)

    @classmethod
    def bomb(cls, megabytes: int) -> "Fault":
        """A gzip body of a few KB that inflates to `megabytes` of JSON whitespace."""
        return cls("bomb", 200, megabytes=megabytes)

    @classmethod
    def redirect(cls, root: str, status: int = 302) -> "Fault":
        """Answer with a redirect to the same vendor path and query under another root URL."""
        return cls("redirect", status, location=root.rstrip("/"))


RANDOM_FAULTS: tuple[Fault, ...] = (
    Fault.rate_limited(0.05),
    Fault.server_error(500),
    Fault.server_error(502),
    Fault.server_error(503),
    Fault.reset(),
    Fault.truncated(),
    Fault.slow(0.05),
)


@dataclass
class FaultPlan:
    """Random faults on a share of requests, reproducible from the seed."""

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[Fault, ...] = RANDOM_FAULTS

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> Fault | None:
        if self.rate <= 0:
            return None
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            return self._rng.choice(self.kinds)


@dataclass
class _Scripted:
    fault: Fault
    remaining: int
    matches: Callable[[str, str], bool]


@dataclass
class RecordedRequest:
    vendor: str
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    status: int
    fault: str | None
    headers: dict[str, str]

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


class FakeApi:
    """Serve vendor apps on 127.0.0.1 in a background thread.

    >>> with FakeApi([app_for(tiktok_ads.connector, size="tiny")]) as api:
    ...     api.url("tiktok_ads")
    """

    def __init__(
        self,
        apps: Iterable[VendorApp],
        *,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
    ) -> None:
        self.apps = {app.prefix: app for app in apps}
        #: Keep every request in `requests` (tests read them; a long-lived sandbox does not).
        self.record = record
        self.faults = faults or FaultPlan()
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self._scripted: list[_Scripted] = []
        self._transforms: list[tuple[Callable[[str, str], bool], Callable[[Any], Any]]] = []
        self._file_transforms: list[tuple[Callable[[str, str], bool], Callable[[Any], Any]]] = []
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        #: The same per vendor (the path prefix): what an app-wide vendor limit caps.
        self.in_flight_by_vendor: dict[str, int] = {}
        self.max_in_flight_by_vendor: dict[str, int] = {}
        self._server = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, prefix: str) -> str:
        """Root URL of one vendor app; sources append their API's own base path."""
        return f"http://127.0.0.1:{self.port}/{prefix}"

    def start(self) -> "FakeApi":
        # A short poll interval: `stop()` waits for the serve loop to notice, 0.5 s by default.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() blocks forever if serve_forever never ran
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "FakeApi":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults -----------------------------------------------------------------------

    def inject(
        self, fault: Fault, times: int = 1, path_contains: str | None = None, vendor: str | None = None,
        path_excludes: str | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `fault`."""

        def matches(v: str, path: str) -> bool:
            return (
                (vendor is None or v == vendor)
                and (path_contains is None or path_contains in path)
                and (path_excludes is None or path_excludes not in path)
            )

        with self._lock:
            self._scripted.append(_Scripted(fault, times, matches))

    def transform(self, fn: Callable[[Any], Any], path_contains: str | None = None, vendor: str | None = None,
                  files: bool = False) -> None:
        """Rewrite the decoded JSON body of every matching successful answer with `fn`.

        For tests of schema drift (a field added, retyped or dropped) without vendor code:
        `fn` gets the body (each line of a JSON-lines body) and returns the new one. With
        ``files``, a successful answer that is not JSON (a CSV report file) is replaced too:
        `fn` gets None and its result is answered as JSON (a vendor's error body in a 200).
        A text that `fn` returns is answered as ``text/plain`` (a vendor whose errors are text).
        """

        def matches(v: str, path: str) -> bool:
            return (vendor is None or v == vendor) and (path_contains is None or path_contains in path)

        with self._lock:
            self._transforms.append((matches, fn))
            if files:
                self._file_transforms.append((matches, fn))

    def _transformed(self, vendor: str, path: str, response: FakeResponse) -> FakeResponse:
        with self._lock:
            fns = [fn for matches, fn in self._transforms if matches(vendor, path)]
        kind = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
        if fns and response.status < 400 and "json" not in kind:
            with self._lock:
                on_files = [fn for matches, fn in self._file_transforms if matches(vendor, path)]
            if on_files:
                replaced: Any = None
                for fn in on_files:
                    replaced = fn(replaced)
                return _answer(response.status, replaced)
        if not fns or response.status >= 400 or "json" not in kind:
            return response

        def apply(raw: bytes) -> bytes:
            body = orjson.loads(raw)
            for fn in fns:
                body = fn(body)
            return orjson.dumps(body)

        if "jsonl" in kind or "ndjson" in kind:
            body = b"\n".join(apply(line) for line in response.body.splitlines() if line.strip())
        else:
            decoded = orjson.loads(response.body)
            for fn in fns:
                decoded = fn(decoded)
            if isinstance(decoded, str):
                return _answer(response.status, decoded)
            body = orjson.dumps(decoded)
        return FakeResponse(response.status, body, dict(response.headers))

    def _next_fault(self, vendor: str, path: str) -> Fault | None:
        with self._lock:
            for item in self._scripted:
                if item.remaining > 0 and item.matches(vendor, path):
                    item.remaining -= 1
                    return item.fault
        return self.faults.draw()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripted.clear()
            self._transforms.clear()
            self._file_transforms.clear()

    def requests_to(self, path_contains: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if path_contains in r.path]

    # -- dispatch ---------------------------------------------------------------------

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[FakeResponse, Fault | None, str]:
        parts = urlsplit(raw_path)
        segments = parts.path.lstrip("/").split("/", 1)
        vendor = segments[0]
        path = "/" + (segments[1] if len(segments) > 1 else "")
        app = self.apps.get(vendor)
        if app is None:
            return FakeResponse.json({"error": f"no fake API mounted at /{vendor}"}, 404), None, vendor
        fault = self._next_fault(vendor, path)
        if fault is not None and fault.kind == "status":
            response = _fault_status(fault)
        elif fault is not None and fault.kind == "redirect":
            target = f"{fault.location}/{vendor}{path}" + (f"?{parts.query}" if parts.query else "")
            response = FakeResponse(fault.status, b"", {"Location": target})
        elif fault is not None and fault.kind == "bomb":
            response = FakeResponse(200, _gzip_bomb(fault.megabytes), {"Content-Type": "application/json", "Content-Encoding": "gzip"})
        elif fault is not None and fault.kind == "html":
            response = FakeResponse.text("<html><body><h1>502 Bad Gateway</h1></body></html>", 200, "text/html")
        else:
            request = FakeRequest(method, path, parse_qs(parts.query, keep_blank_values=True), headers, body)
            try:
                response = app.handle(request)
            except Exception as exc:  # noqa: BLE001 - a bug in a fake app must show up as a 500
                log.exception("fake %s app failed", vendor)
                response = FakeResponse.json({"error": f"fake app error: {exc}"}, 500)
            response = self._transformed(vendor, path, response)
        if not self.record:
            return response, fault, vendor
        with self._lock:
            self.requests.append(
                RecordedRequest(vendor, method, path, parse_qs(parts.query, keep_blank_values=True), body, response.status, fault.kind if fault else None, headers)
            )
        return response, fault, vendor


@functools.lru_cache(maxsize=4)
def _gzip_bomb(megabytes: int) -> bytes:
    import gzip

    return gzip.compress(b"{" + b" " * (megabytes * 2**20) + b"}", compresslevel=9)


def _answer(status: int, body: Any) -> FakeResponse:
    """A transformed answer: text as ``text/plain`` (an XML document as ``application/xml``), anything else as JSON."""
    if isinstance(body, str):
        kind = "application/xml" if body.lstrip().startswith("<") else "text/plain"
        return FakeResponse(status, body.encode(), {"Content-Type": kind})
    return FakeResponse(status, orjson.dumps(body), {"Content-Type": "application/json"})


def _fault_status(fault: Fault) -> FakeResponse:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
    messages = {429: "Too Many Requests", 401: "Unauthorized", 403: "Forbidden", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    message = fault.message or messages.get(fault.status, "error")
    return FakeResponse.json({"error": {"message": message}}, fault.status, headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and left (the slow fault) is expected, not a server bug.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("fake api: client %s went away", client_address)
            return
        super().handle_error(request, client_address)


def _handler_for(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, every keep-alive request
        # waits ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            # The request line carries query-string tokens (Meta style): log it redacted.
            log.debug("fake api: %s", redact(format % args))

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            vendor = urlsplit(self.path).path.lstrip("/").split("/", 1)[0]
            with api._lock:
                api.in_flight += 1
                api.max_in_flight = max(api.max_in_flight, api.in_flight)
                now = api.in_flight_by_vendor[vendor] = api.in_flight_by_vendor.get(vendor, 0) + 1
                api.max_in_flight_by_vendor[vendor] = max(api.max_in_flight_by_vendor.get(vendor, 0), now)
            answered = False

            def answering() -> None:
                """The request stops counting as in flight once its answer is ready, before
                it is written: the client may send its next request the moment it has read
                the answer, possibly before this thread would run again to count it out."""
                nonlocal answered
                if not answered:
                    answered = True
                    with api._lock:
                        api.in_flight -= 1
                        api.in_flight_by_vendor[vendor] -= 1

            try:
                if api.latency:
                    time.sleep(api.latency)
                response, fault, _ = api.dispatch(self.command, self.path, headers, body)
                if fault is not None and fault.kind == "delay":
                    time.sleep(fault.delay)
                answering()
                if fault is not None and fault.kind == "reset":
                    self._reset()
                    return
                if response.file is not None and (fault is None or fault.kind != "truncate"):
                    self._send_file(response)
                    return
                payload = response.body
                if fault is not None and fault.kind == "truncate":
                    payload = payload[: max(1, len(payload) // 2)]
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                answering()

        def _send_file(self, response: FakeResponse) -> None:
            assert response.file is not None
            with open(response.file, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                while chunk := file.read(FILE_CHUNK):
                    self.wfile.write(chunk)

        def _reset(self) -> None:
            # SO_LINGER 0 makes close() send RST: the client sees a connection reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.connection.close()

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler


def json_dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))
