"""`heap.release_freed`: what a step freed goes back to the system before the next step allocates."""

from __future__ import annotations

import pyarrow as pa

from bosco_connectors.framework import heap


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def test_arrow_memory_freed_by_a_step_leaves_the_process():
    before = rss_mb()
    tables = [pa.array(range(4_000_000), pa.int64()) for _ in range(4)]  # ~128 MB through Arrow's pool
    assert pa.total_allocated_bytes() >= 120 * 2**20
    del tables
    held = rss_mb()

    heap.release_freed()

    assert rss_mb() < held - 64, f"RSS {before:.0f} MB before, {held:.0f} MB once freed, {rss_mb():.0f} MB released"


def test_release_is_safe_without_glibc(monkeypatch):
    monkeypatch.setattr(heap, "_malloc_trim", lambda: None)
    heap.release_freed()
