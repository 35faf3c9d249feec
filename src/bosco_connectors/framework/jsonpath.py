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


def put_at(record: Any, path: tuple[str, ...], value: Any) -> None:
    """Set `value` at `path`, through dicts and, by index, through lists (X's ``data.0.status``);
    a missing or null dict on the way becomes an empty one (Mollie's ``_links.next``)."""
    for key in path[:-1]:
        if isinstance(record, list):
            record = record[int(key)]
        else:
            if record.get(key) is None:
                record[key] = {}
            record = record[key]
    if isinstance(record, list):
        record[int(path[-1])] = value
    else:
        record[path[-1]] = value
