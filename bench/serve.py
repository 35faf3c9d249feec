"""Run the benchmark's fake TikTok API (`fakeapp.bench_app`) in its own process.

The server gets its own interpreter (and so its own core and GIL): what a contender
measures is its own client work. ``python -m bench.serve '<json options>'`` prints one
JSON line ``{"port": ..., "root": ...}`` when it is listening, and serves until its
stdin closes. ``GET /_bench/stats`` answers the server's request and in-flight counters.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import date
from typing import Any, Iterator

from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse

from .fakeapp import bench_app


class _Stats:
    """A tiny app that reports the server's own counters (max in flight, requests)."""

    prefix = "_bench"

    def __init__(self) -> None:
        self.api: FakeApi | None = None

    def handle(self, request: FakeRequest) -> FakeResponse:
        assert self.api is not None
        if request.path == "/reset":
            with self.api._lock:
                self.api.requests.clear()
                self.api.max_in_flight = 0
        return FakeResponse.json({"requests": len(self.api.requests), "max_in_flight": self.api.max_in_flight})


def main(options: dict[str, Any]) -> None:
    app = bench_app(date.fromisoformat(options["end_date"]), options["world"], cache=options.get("cache", False))
    stats = _Stats()
    api = FakeApi([app, stats], latency=options.get("latency", 0.0))
    stats.api = api
    if options.get("forget_requests", True):
        api.requests = _Forgetful()  # a 10M-row run would otherwise keep every request's record
    api.start()
    print(json.dumps({"port": api.port, "root": api.url(app.prefix)}), flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us
    api.stop()


class _Forgetful(list):
    """Counts requests instead of keeping them."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def append(self, item: Any) -> None:
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def clear(self) -> None:
        self.count = 0


@contextmanager
def fake_server(world: dict[str, int], end_date: date, *, cache: bool = False, latency: float = 0.0) -> Iterator[dict[str, Any]]:
    """Start the server process; yield ``{"port", "root", "config"}``; stop it on exit."""
    options = {"world": world, "end_date": end_date.isoformat(), "cache": cache, "latency": latency}
    proc = subprocess.Popen([sys.executable, "-m", "bench.serve", json.dumps(options)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark fake API did not start")
        info = json.loads(line)
        app = bench_app(end_date, world)  # same world, only to build the source config
        info["config"] = _jsonable(app.source_config(info["root"]))
        yield info
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_stats(info: dict[str, Any], reset: bool = False) -> dict[str, Any]:
    import httpx

    return httpx.get(f"http://127.0.0.1:{info['port']}/_bench/" + ("reset" if reset else "stats")).json()


def _jsonable(config: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in config.items()}


if __name__ == "__main__":
    threading.current_thread().name = "bench-serve"
    main(json.loads(sys.argv[1]))
