"""Fixtures from the vendor's documentation, replayed over loopback.

A source's ``cassettes/<source>/`` folder holds:

- ``bodies/*.json``: response bodies that follow the vendor's documented examples and
  reference tables (field names, nesting and JSON types exactly as documented);
- ``fixtures.json``: which request each body answers, and the config to run with::

      {
        "config": {"access_token": "fixture-token", "advertiser_ids": ["7012345678901234567"],
                   "start_date": "2026-11-01", "end_date": "2026-11-02"},
        "exchanges": [
          {"stream": "campaigns",
           "request": {"method": "GET", "path": "campaign/get/", "query": {"page": "1"}},
           "response": {"status": 200, "body": "campaigns.page1.json"}},
          {"kind": "rate_limit", "response": {"status": 200, "body": "error.rate_limit.json",
                                              "headers": {"Retry-After": "0"}}},
          {"kind": "auth_error", "response": {"status": 200, "body": "error.auth.json"}}
        ]
      }

  ``path`` is relative to the source's base URL; ``query`` (and ``json``, for a POST body)
  list the parameters that pick this answer (any others may be present). ``facts`` states
  what the docs say that tests check the source against (``{"spend_unit": "micros"}``, and
  ``"day_field": "dateRange.start"`` where the report's day is not a field of its own). In ``config``,
  ``{root}`` stands for the replay server's root URL (token URLs, for instance; in a body or in a
  response header, such as a ``Link`` to the next page), and a value
  ``"{throwaway_ec_private_key}"`` for a P-256 private key made for this replay (a credential
  that signs with the user's key: no key is ever stored in the fixtures).
- ``SOURCES.md``: for every body, the documentation page (URL and API version) it
  follows, or the reference table it was built from where the docs show no example.

`FixtureApp` serves the exchanges as a fake vendor app; a request that matches none is
answered 404 and recorded in ``unmatched``, so a test fails naming it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..sandbox.server import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from ..framework.connector import Connector

MANIFEST = "fixtures.json"
SOURCES = "SOURCES.md"
ERROR_KINDS = ("rate_limit", "auth_error")
#: A config value standing for a private key made for the replay (see the module docstring).
THROWAWAY_KEY = "{throwaway_ec_private_key}"


@dataclass
class Exchange:
    """One documented request/answer pair."""

    response: dict[str, Any]
    stream: str | None = None
    request: dict[str, Any] = field(default_factory=dict)
    kind: str = "data"
    uses: int = 0

    def matches(self, request: FakeRequest, prefix_path: str) -> bool:
        want = self.request
        if not want:
            return False
        if want.get("method", "GET").upper() != request.method.upper():
            return False
        if want.get("path", "").strip("/") != prefix_path.strip("/"):
            return False
        for name, value in (want.get("query") or {}).items():
            if request.arg(name) != _text(value):
                return False
        if want.get("json"):
            body = request.json() or {}
            if not _contains(body, want["json"]):
                return False
        if want.get("form"):
            from urllib.parse import parse_qs

            form = {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
            if any(form.get(name) != _text(value) for name, value in want["form"].items()):
                return False
        return True


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _contains(actual: Any, expected: Any) -> bool:
    """Every key of `expected` is in `actual` with an equal (or recursively contained) value."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _contains(actual[k], v) for k, v in expected.items())
    return actual == expected


@dataclass
class Fixtures:
    """A source's documented fixtures, read from its cassette folder."""

    folder: Path
    config: dict[str, Any]
    exchanges: list[Exchange]
    #: Rows per stream where the bodies alone do not say (a JSONL export, an async job).
    expect: dict[str, int] = field(default_factory=dict)
    #: Facts the vendor documents that tests check the source against, independently of its
    #: declarations: ``{"spend_unit": "micros"}`` (currency, cents or micros).
    facts: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, manifest_name: str = MANIFEST) -> "Fixtures":
        manifest = json.loads((folder / manifest_name).read_text())
        exchanges = [Exchange(**{k: v for k, v in item.items() if k in ("response", "stream", "request", "kind")})
                     for item in manifest["exchanges"]]
        return cls(folder, manifest.get("config", {}), exchanges, manifest.get("expect", {}), manifest.get("facts", {}))

    def body(self, exchange: Exchange) -> Any:
        """The decoded JSON body of an exchange (None for a file body: see `raw_body`)."""
        name = exchange.response.get("body")
        if name is None or not name.endswith(".json"):
            return None
        return json.loads((self.folder / "bodies" / name).read_text())

    def raw_body(self, exchange: Exchange) -> bytes:
        name = exchange.response.get("body")
        return (self.folder / "bodies" / name).read_bytes() if name else b""

    def expected_rows(self, stream: str, select: Any) -> int:
        """Rows a replay must load for `stream`: ``expect`` in the manifest, else every
        record the stream's selector finds in its data bodies."""
        if stream in self.expect:
            return int(self.expect[stream])
        return sum(len(select(self.body(e))) for e in self.data(stream) if self.body(e) is not None)

    def data(self, stream: str | None = None) -> list[Exchange]:
        return [e for e in self.exchanges if e.kind == "data" and (stream is None or e.stream == stream)]

    def error(self, kind: str) -> Exchange | None:
        return next((e for e in self.exchanges if e.kind == kind), None)

    def streams(self) -> list[str]:
        return sorted({e.stream for e in self.data() if e.stream})

    def config_for(self, root: str) -> dict[str, Any]:
        """The replay config, ``{root}`` filled in and the base URL pointing at the replay server."""
        config = json.loads(json.dumps(self.config).replace("{root}", root.rstrip("/")))
        for name, value in config.items():
            if value == THROWAWAY_KEY:
                from ..framework.auth import throwaway_private_key

                config[name] = self._throwaway_key = getattr(self, "_throwaway_key", None) or throwaway_private_key("ES256")
        config["base_url"] = root.rstrip("/") + "/"
        return config

    def bodies_named_in_sources(self) -> tuple[list[str], list[str]]:
        """(bodies SOURCES.md does not name, bodies named without a documentation URL)."""
        text = (self.folder / SOURCES).read_text() if (self.folder / SOURCES).exists() else ""
        lines = text.splitlines()
        missing, no_url = [], []
        for path in sorted((self.folder / "bodies").glob("*.json")):
            named = [line for line in lines if path.name in line]
            if not named:
                missing.append(path.name)
            elif not any(re.search(r"https?://", line) for line in named):
                no_url.append(path.name)
        return missing, no_url


class FixtureApp:
    """Serves a source's fixtures as a fake vendor app under ``prefix``.

    ``inject(kind)`` answers the next matching data request with the documented error
    body of that kind (then the data as usual), for retry and auth checks.
    """

    def __init__(self, fixtures: Fixtures, prefix: str = "replay") -> None:
        self.fixtures = fixtures
        self.prefix = prefix
        self.unmatched: list[str] = []
        #: Every request a data fixture answered, with that fixture (its stream, its body).
        self.answered: list[tuple[Exchange, FakeRequest]] = []
        self.root = ""
        self._pending_errors: list[tuple[Exchange, int | None, str | None]] = []

    def source_config(self, root_url: str) -> dict[str, Any]:
        self.root = root_url.rstrip("/")
        return self.fixtures.config_for(root_url)

    def inject(self, kind: str, status: int | None = None, times: int = 1, stream: str | None = None) -> None:
        """Answer the next `times` data requests (of `stream`, if given) with the documented `kind` body."""
        exchange = self.fixtures.error(kind)
        if exchange is None:
            raise LookupError(f"no '{kind}' body in {self.fixtures.folder / MANIFEST}")
        self._pending_errors += [(exchange, status, stream)] * times

    def handle(self, request: FakeRequest) -> FakeResponse:
        for exchange in self.fixtures.exchanges:
            if exchange.kind == "data" and exchange.matches(request, request.path):
                pending = next((p for p in self._pending_errors if p[2] in (None, exchange.stream)), None)
                if pending is not None and exchange.stream is not None:
                    self._pending_errors.remove(pending)
                    return self._answer(pending[0], pending[1])
                exchange.uses += 1
                self.answered.append((exchange, request))
                return self._answer(exchange)
        query = "&".join(f"{k}={v[0]}" for k, v in sorted(request.query.items()))
        self.unmatched.append(f"{request.method} {request.path}" + (f"?{query}" if query else ""))
        return FakeResponse.json({"error": {"message": f"no fixture answers {request.method} {request.path}"}}, 404)

    def _answer(self, exchange: Exchange, status: int | None = None) -> FakeResponse:
        response = exchange.response
        name = response.get("body") or ""
        kind = _CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream") if name else "application/json"
        # ``{root}`` in a header too: a documented next-page ``Link`` names the replay server.
        headers = {"Content-Type": kind, **{k: v.replace("{root}", self.root) if isinstance(v, str) else v
                                            for k, v in (response.get("headers") or {}).items()}}
        body = self.fixtures.raw_body(exchange)
        if b"{root}" in body:
            body = body.replace(b"{root}", self.root.encode())
        return FakeResponse(status or int(response.get("status", 200)), body, headers)


_CONTENT_TYPES = {".json": "application/json", ".jsonl": "application/jsonl", ".csv": "text/csv",
                  ".gz": "application/gzip", ".zip": "application/zip", ".tsv": "text/tab-separated-values"}


def manifests(folder: Path) -> list[str]:
    """``fixtures.json`` first, then every ``fixtures.<scenario>.json``."""
    names = sorted(p.name for p in folder.glob("fixtures.*.json"))
    return ([MANIFEST] if (folder / MANIFEST).exists() else []) + names


def fixture_folder(source: "str | Connector") -> Path:
    """A source's documented fixtures: its connector's ``fixtures_dir``, else ``cassettes/<name>/``."""
    from .cassettes import cassette_dir

    if not isinstance(source, str):
        if source.fixtures_dir is not None:
            return Path(source.fixtures_dir)
        source = source.name
    return cassette_dir() / source


def has_fixtures(source: "str | Connector") -> bool:
    return (fixture_folder(source) / MANIFEST).exists()
