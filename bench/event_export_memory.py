"""Peak memory of an Amplitude event export read by the ``amplitude`` source: 1M and 10M events.

    python -m bench.event_export_memory [events ...]     # default: 1000000 10000000

The export is what Amplitude answers: a zip archive whose members are gzipped JSON Lines files,
one per hour (``JsonLines(compression="zip", member="*")``). A server process writes it to a
temporary file first (streamed member by member, so the writer's memory does not count either)
and serves it at ``GET /api/2/export``; each measurement runs in a fresh process that reads the
``events`` stream of one day (download to a temporary file, every member inflated in turn,
batches of 10,000 events shaped into rows) and reports its peak RSS (``getrusage``). The claim
under test: memory follows the batch, not the export, so 10M events peak at most 1.2x the 1M figure.
Not part of ``python -m bench``: a one-off figure (see the amplitude report).
"""

from __future__ import annotations

import gzip
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import date, datetime, time as dtime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DAY = date(2026, 11, 1)
HOURS = 24


def write_export(path: str, events: int) -> None:
    """`events` Amplitude export lines over the day's 24 hours, each hour a gzipped member."""
    import orjson

    per_hour = -(-events // HOURS)
    written = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for hour in range(HOURS):
            n = min(per_hour, events - written)
            if n <= 0:
                break
            with archive.open(f"187520_{DAY}_{hour}#0.json.gz", "w", force_zip64=True) as member, \
                    gzip.GzipFile(fileobj=member, mode="wb", compresslevel=1) as out:
                base = datetime.combine(DAY, dtime(hour), tzinfo=timezone.utc)
                for i in range(n):
                    at = (base + timedelta(microseconds=i * 3_600_000_000 // n)).strftime("%Y-%m-%d %H:%M:%S.%f")
                    out.write(orjson.dumps({
                        "uuid": str(uuid.UUID(int=written + i + 1)), "event_type": "[Amplitude] Page Viewed",
                        "server_upload_time": at, "server_received_time": at, "event_time": at, "client_event_time": at,
                        "client_upload_time": at, "user_id": None, "device_id": f"d-{(written + i) % 50_000}",
                        "amplitude_id": 900_000_000_000 + (written + i) % 50_000, "session_id": 1_761_955_200_000 + i,
                        "event_id": i, "platform": "Web", "country": "France", "$insert_id": f"i-{written + i}",
                        "event_properties": {"[Amplitude] Page URL": "https://shop.example.com/"}, "user_properties": {},
                    }) + b"\n")
            written += n


def serve(events: int) -> None:
    folder = tempfile.mkdtemp(prefix="amplitude-export-")
    path = os.path.join(folder, "export.zip")
    began = time.perf_counter()
    write_export(path, events)
    size = os.path.getsize(path)

    class Export(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if not self.path.startswith("/api/2/export"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            with open(path, "rb") as file:
                shutil.copyfileobj(file, self.wfile, 1 << 20)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Export)
    print(f"http://127.0.0.1:{server.server_address[1]}/ {size} {time.perf_counter() - began:.1f}", flush=True)
    try:
        server.serve_forever()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(url: str) -> None:
    import dlt  # noqa: F401 - imported before the baseline, as in a real run
    import pyarrow  # noqa: F401

    from bosco_connectors.framework import ReadContext
    from bosco_connectors.sources.amplitude import connector

    config = connector.validate({"api_key": "k", "secret_key": "s", "project_id": "187520", "base_url": url,
                                 "start_date": DAY, "end_date": DAY, "requests_per_minute": 600})
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = time.perf_counter()
    ctx = ReadContext(connector.client(config), config, datetime.combine(DAY, dtime.min, tzinfo=timezone.utc),
                      datetime.combine(DAY, dtime.max, tzinfo=timezone.utc))
    rows = sum(len(page) for page in connector.stream("events").read(ctx))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{rows} events read in {time.perf_counter() - began:.1f}s (cpu {usage.ru_utime + usage.ru_stime:.1f}s), "
          f"peak RSS {usage.ru_maxrss / 1024:.0f} MB ({baseline:.0f} MB after imports)", flush=True)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000]
    env = {**os.environ, "BOSCO_MAX_DOWNLOAD_MB": "100000"}
    for events in sizes:
        server = subprocess.Popen([sys.executable, "-m", "bench.event_export_memory", "--serve", str(events)],
                                  stdout=subprocess.PIPE, text=True, env=env)
        try:
            url, size, seconds = server.stdout.readline().split()  # type: ignore[union-attr]
            print(f"{events:,} events: a {int(size) / 2**20:.0f} MB export written in {seconds}s", flush=True)
            subprocess.run([sys.executable, "-m", "bench.event_export_memory", "--measure", url], check=True, env=env)
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2])
    else:
        main()
