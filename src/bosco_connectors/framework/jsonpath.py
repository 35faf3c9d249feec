"""Dotted paths into decoded JSON (``data.page_info.total_page``), the only selector we need."""

from __future__ import annotations

from typing import Any


def get_path(obj: Any, path: str | None, default: Any = None) -> Any:
    """Follow a dotted path through dicts (and integer indexes through lists)."""
    if not path:
        return obj
    current = obj
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list) and part.lstrip("-").isdigit():
            try:
                current = current[int(part)]
            except IndexError:
                return default
        else:
            return default
    return current
