"""vcrpy cassettes that look like the vendor's API and never hold a secret.

Cassettes are recorded against the local fake API (which follows each vendor's
documented shapes), then rewritten so that every URL points at the vendor's real
host: ``http://127.0.0.1:PORT/tiktok/open_api/...`` becomes
``https://business-api.tiktok.com/open_api/...``. Replay needs no server and no
network: the source is simply configured with its real base URL.

Before anything is written, headers, query strings and bodies are scrubbed:
auth headers and secret query parameters are replaced, and any secret-named field
or registered secret value in a body (including ``paging.next`` URLs) is masked.

Set ``BOSCO_RECORD=1`` to re-record; otherwise a missing cassette fails the test.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urlsplit

from ..framework.redaction import REDACTED, SECRET_KEYS, redact, redact_url

if TYPE_CHECKING:
    from ..framework.connector import Connector
    from ..sandbox.server import FakeApi

#: Headers never worth keeping in a cassette (noise or secrets).
DROP_HEADERS = {"set-cookie", "cookie", "date", "server", "user-agent", "host"}


def cassette_dir() -> Path:
    """``cassettes/`` at the repository root (override with ``BOSCO_CASSETTES``)."""
    env = os.environ.get("BOSCO_CASSETTES")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "cassettes").is_dir() and (parent / "pyproject.toml").exists():
            return parent / "cassettes"
    return Path.cwd() / "cassettes"


def recording() -> bool:
    return os.environ.get("BOSCO_RECORD", "") not in ("", "0", "false")


def _scrub_headers(headers: dict[str, Any]) -> dict[str, Any]:
    clean = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in DROP_HEADERS:
            continue
        if lower in SECRET_KEYS or "token" in lower or "secret" in lower or lower == "authorization":
            clean[name] = [REDACTED] if isinstance(value, list) else REDACTED
        else:
            clean[name] = value
    return clean


def _scrub_text(text: str, rewrite: tuple[str, str] | None) -> str:
    if rewrite:
        text = text.replace(rewrite[0], rewrite[1])
    return redact(text)


@dataclass
class _Rewriter:
    """Rewrites loopback URLs to the vendor host and scrubs secrets, request and response."""

    local_root: str | None
    real_root: str

    @property
    def pair(self) -> tuple[str, str] | None:
        return (self.local_root, self.real_root) if self.local_root else None

    def request(self, request: Any) -> Any:
        uri = request.uri
        if self.local_root and uri.startswith(self.local_root):
            uri = self.real_root + uri[len(self.local_root):]
        request.uri = redact_url(uri)
        request.headers = _scrub_headers(dict(request.headers))
        if request.body:
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            request.body = _scrub_text(body, self.pair).encode()
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        response["headers"] = _scrub_headers(response.get("headers", {}))
        body = response.get("body", {}).get("string")
        if body:
            text = body.decode() if isinstance(body, bytes) else body
            response["body"]["string"] = _scrub_text(text, self.pair).encode()
        return response


def _same_redacted_query(r1: Any, r2: Any) -> None:
    """Match queries after redaction, so a live secret matches its scrubbed recording."""
    q1 = sorted((k, REDACTED if k.lower() in SECRET_KEYS else v) for k, v in r1.query)
    q2 = sorted((k, REDACTED if k.lower() in SECRET_KEYS else v) for k, v in r2.query)
    assert q1 == q2, f"{q1} != {q2}"


def _same_redacted_body(r1: Any, r2: Any) -> None:
    def norm(body: Any) -> str:
        if body is None:
            return ""
        text = body.decode() if isinstance(body, bytes) else str(body)
        return redact(text)

    assert norm(r1.body) == norm(r2.body)


def make_vcr(local_root: str | None, real_root: str, record_mode: str) -> Any:
    import vcr

    rewriter = _Rewriter(local_root, real_root)
    my_vcr = vcr.VCR(
        record_mode=record_mode,
        match_on=["method", "scheme", "host", "port", "path", "redacted_query", "redacted_body"],
        before_record_request=rewriter.request,
        before_record_response=rewriter.response,
        decode_compressed_response=True,
    )
    my_vcr.register_matcher("redacted_query", _same_redacted_query)
    my_vcr.register_matcher("redacted_body", _same_redacted_body)
    return my_vcr


@dataclass
class Replay:
    """What a test needs inside a cassette: the config to run the source with."""

    config: dict[str, Any]
    cassette: Any
    api: "FakeApi | None"

    @property
    def recording(self) -> bool:
        return self.api is not None


@contextmanager
def use_cassette(connector: "Connector", name: str, **world: Any) -> Iterator[Replay]:
    """Run a block against ``cassettes/<source>/<name>.yaml``.

    Replays when the cassette exists (no server, no network). With ``BOSCO_RECORD=1``
    it starts the fake API with the given world options and records afresh.
    """
    from ..sandbox import app_for
    from ..sandbox.server import FakeApi

    app = app_for(connector, **world)
    real_root = app.real_root.rstrip("/")  # type: ignore[attr-defined]
    path = cassette_dir() / connector.name / f"{name}.yaml"
    if recording():
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        with FakeApi([app]) as api:
            local_root = api.url(app.prefix)
            with make_vcr(local_root, real_root, "once").use_cassette(str(path)) as cassette:
                yield Replay(app.source_config(local_root), cassette, api)  # type: ignore[attr-defined]
        return
    if not path.exists():
        raise FileNotFoundError(f"cassette {path} is missing; record it with BOSCO_RECORD=1")
    with make_vcr(None, real_root, "none").use_cassette(str(path)) as cassette:
        yield Replay(app.source_config(real_root), cassette, None)  # type: ignore[attr-defined]


SECRET_PATTERN = re.compile(
    r"(Bearer [A-Za-z0-9._-]{12,}|access_token=[A-Za-z0-9]{12,}|\"?(api_key|client_secret|refresh_token)\"?[:=] ?\"?[A-Za-z0-9_-]{16,})"
)


def find_secrets(text: str, secrets: list[str]) -> list[str]:
    """Secrets (given values, or well-known token shapes) present in `text`."""
    found = [s for s in secrets if s and s in text]
    found += [m.group(0) for m in SECRET_PATTERN.finditer(text) if REDACTED not in m.group(0)]
    return found


def host_of(url: str) -> str:
    return urlsplit(url).netloc
