"""What each stream has read so far (pages, rows, since when), for progress lines.

The stream reader counts every page it hands to dlt; `bosco-sync run` shows the
streams being read (a live line each on a terminal, a line every few seconds in logs).
Counting costs one lock per page.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StreamProgress:
    tenant: str
    source: str
    stream: str
    started: float = field(default_factory=time.monotonic)
    pages: int = 0
    rows: int = 0
    finished: bool = False

    @property
    def name(self) -> str:
        return f"{self.tenant}/{self.source}/{self.stream}"

    def line(self, now: float | None = None) -> str:
        """``acme/tiktok_ads/report_ad_daily: 12 pages, 4,000 rows, 350 rows/s``."""
        seconds = max(1e-9, (now or time.monotonic()) - self.started)
        return (f"{self.name}: {self.pages:,} page{'s' if self.pages != 1 else ''}, {self.rows:,} rows, "
                f"{self.rows / seconds:,.0f} rows/s")


log = logging.getLogger("bosco_connectors.progress")
_lock = threading.Lock()
_streams: dict[tuple[str, str, str], StreamProgress] = {}


def started(tenant: str, source: str, stream: str) -> StreamProgress:
    """A stream starts reading (again): its counts start from zero."""
    progress = StreamProgress(tenant, source, stream)
    with _lock:
        _streams[(tenant, source, stream)] = progress
    return progress


def page(progress: StreamProgress, item: Any) -> None:
    """Count one page handed to dlt (an Arrow table or batch, a list of rows, or one row)."""
    rows = getattr(item, "num_rows", None)
    if rows is None:
        rows = len(item) if isinstance(item, list) else 1
    with _lock:
        progress.pages += 1
        progress.rows += rows


def finished(progress: StreamProgress) -> None:
    """The stream's read ended: its totals are logged (INFO: what ``-v`` shows)."""
    with _lock:
        progress.finished = True
    log.info("read %s", progress.line())


def reading() -> list[StreamProgress]:
    """The streams being read now, oldest first."""
    with _lock:
        return sorted((p for p in _streams.values() if not p.finished), key=lambda p: p.started)


def forget(tenant: str, source: str) -> None:
    """Drop one sync's streams (it ended, whatever happened to them)."""
    with _lock:
        for key in [k for k in _streams if k[:2] == (tenant, source)]:
            del _streams[key]
