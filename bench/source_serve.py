"""Serve one source's fake API in its own process, for the per-source benchmark.

``python -m bench.source_serve '<json options>'`` starts the fake that `sandbox.app_for`
gives for ``options["source"]`` (the hand-written one for a flagship, the one generated
from the declarations for a declared source; `FAST_METRICS` with ``arithmetic_metrics``
so a large report costs the server little), with ``options["world"]`` as the world's shape. It
prints one JSON line ``{"port", "config"}`` (the source's sandbox config) when it is
listening, and serves until its stdin closes.

``GET /_bench/requests`` answers every request the fake has seen so far (method, path
with query, headers, base64 body): the raw baseline replays them. ``GET /_bench/forget``
stops recording (a large run would otherwise keep every request).

A generated fake keeps every data page it answered and serves it again to the same
request (``page_cache=True``, `sandbox.generated.PageCache`; a report job's status still
changes between polls): it renders ~2 ms a row (Reddit's per-ad report: 8,795 rows in 17 s
of the fake's CPU, 1.2 s of our client's), which would otherwise be most of every
contender's time. Our first sync at a size pays it; the raw baseline and our second sync,
the figures compared, are served the pages from memory. The 10x run (``keep_pages`` false)
asks each page once: its fake keeps each route's rows between pages (rendered once, not once
per page) but not the pages, which would only hold memory.
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse, app_for, sandbox_config

from .serve import _Forgetful


#: Generated fakes that serve the benchmark's cheap metrics (`arithmetic_metrics` renders
#: pre-built pages, which only TikTok's page-numbered report takes: on Taboola's one-page
#: report the fake fails); the others render from the world's seeded RNG.
FAST_METRICS = {"tiktok_ads"}


class _Recorder:
    prefix = "_bench"

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.api: FakeApi | None = None

    def handle(self, request: FakeRequest) -> FakeResponse:
        assert self.api is not None
        if request.path == "/forget":
            self.api.requests = _Forgetful()
            return FakeResponse.json({"ok": True})
        seen = [r for r in self.api.requests if r.vendor == self.vendor]
        return FakeResponse.json([
            {"method": r.method, "url": f"/{r.vendor}{r.path}" + (f"?{urlencode(r.query, doseq=True)}" if r.query else ""),
             "headers": r.headers, "body": base64.b64encode(r.body or b"").decode()}
            for r in seen
        ])


def make_app(source: str, world: dict[str, Any], end_date: date, keep_pages: bool = True) -> Any:
    from bosco_connectors.framework.registry import get_connector
    from bosco_connectors.sandbox.generated import arithmetic_metrics

    connector = get_connector(source)
    options: dict[str, Any] = dict(seed=7, size="tiny", end_date=end_date, **world)
    if source in FAST_METRICS:
        options["metrics"] = arithmetic_metrics
    generated = (connector.sandbox or "").split(":")[0].endswith(".generated")
    if generated:
        options["page_cache"] = True  # see the module's docstring
    app = app_for(connector, **options)
    if generated and not keep_pages:  # a run that asks each page once: the route's rows kept, not its pages
        app.page_cache.enabled = False
    return app


def main(options: dict[str, Any]) -> None:
    from bosco_connectors.framework.registry import get_connector

    source = options["source"]
    app = make_app(source, options["world"], date.fromisoformat(options["end_date"]), options.get("keep_pages", True))
    recorder = _Recorder(app.prefix)
    api = FakeApi([app, recorder])
    recorder.api = api
    api.start()
    config = sandbox_config(api, get_connector(source))
    print(json.dumps({"port": api.port, "config": _jsonable(config)}), flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us
    api.stop()


def _jsonable(config: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        if hasattr(value, "get_secret_value"):
            return value.get_secret_value()
        return value

    return {k: plain(v) for k, v in config.items()}


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
