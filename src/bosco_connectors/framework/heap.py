"""Give the memory a step freed back to the system before the next step allocates its own.

A sync's steps allocate through different allocators: extraction builds Arrow batches
through Arrow's pool (mimalloc) and parses through Python's and C's (glibc malloc); the
load's DuckDB allocates through its own. Both mimalloc and glibc keep pages they freed for
their own reuse, so what extraction held at its peak stays in the process while DuckDB
merges, and the two peaks add up: Shopify's 30k-order export held 291 MB once extracted
with no Arrow buffer alive, and peaked at 490 MB in the load; returned first, 186 MB and
390 MB (bench/README.md, shopify_bulk).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any


def release_freed() -> None:
    """Return freed memory to the system: Arrow's pool, C's heap (glibc). (No ``gc.collect()``: a
    full collection costs tens of ms on a sync's heap and returned nothing more here.)"""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow ships with every install
        pa = None
    if pa is not None:
        pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim`` (None elsewhere: musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None
