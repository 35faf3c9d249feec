"""Vendor field names that would collide with dlt's bookkeeping or with ours.

dlt keys rows and links child tables through ``_dlt_id``, ``_dlt_parent_id``,
``_dlt_load_id``...; a vendor record that carries such a field takes that role (one
tenant's merge then deletes another tenant's child rows). ``tenant_id`` is ours: it is
stamped on every row. Such vendor fields are renamed (``_dlt_id`` -> ``vendor_dlt_id``,
``tenant_id`` -> ``vendor_tenant_id``) before dlt sees them, in every source, and the
rename is logged once per stream and field. (A stream that builds its own Arrow pages
maps a vendor ``tenant_id`` onto the contract's column, which the stamp then overwrites:
isolation holds there too, the vendor's value is not kept.)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

#: Our own column names that no vendor field may take (``_bosco_deleted``: `deletions.DELETED`).
OURS = frozenset({"tenant_id", "_bosco_deleted"})


@lru_cache(maxsize=1)
def _normalize():
    from dlt.common.normalizers.naming import snake_case

    return snake_case.NamingConvention().normalize_identifier


@lru_cache(maxsize=8192)
def renamed(name: str) -> str | None:
    """The safe name for a reserved vendor field name, or None when the name is fine.

    Judged on the name dlt would give the column (``__DLT_ID`` and ``-dlt-id`` become
    ``_dlt_id`` too).
    """
    lowered = name.lower()
    if "dlt" not in lowered and "tenant" not in lowered and "bosco" not in lowered:
        return None  # the common case, without the normaliser
    normalized = _normalize()(name)
    if normalized.startswith("_dlt") or normalized in OURS:
        return "vendor" + normalized if normalized.startswith("_") else "vendor_" + normalized
    return None


def rename_reserved(record: dict[str, Any], seen: set[tuple[str, str]], tenant_id: str | None = None,
                    declared: frozenset[str] = frozenset()) -> None:
    """Rename reserved keys in `record` and in every dict nested in it, in place; stamp
    `tenant_id` on every dict inside a list (dlt makes those child-table rows, and a child
    row without its tenant could be read, or deleted, with another tenant's). A list of
    plain values (a list of URLs) becomes the rows dlt would make of it, ``{"value": ...}``,
    with the tenant, unless the contract `declared` that field (a typed ``list[str]`` loads
    as one JSON column, no child table). A declared object (``metadata: dict``) is one JSON
    column too: it is left as the vendor sent it.

    Each (old, new) pair is added to `seen`, so the caller can report it once.
    """
    for key in list(record):
        value = record[key]
        new = renamed(key) if isinstance(key, str) else None
        if new is not None:
            while new in record:  # never overwrite a field the vendor also sent
                new = "vendor_" + new
            record[new] = record.pop(key)
            seen.add((key, new))
        if isinstance(value, dict) and key in declared:
            continue
        if isinstance(value, dict):
            rename_reserved(value, seen, tenant_id)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    rename_reserved(item, seen, tenant_id)
                    if tenant_id is not None:
                        item["tenant_id"] = tenant_id
                elif tenant_id is not None and key not in declared and item is not None and not isinstance(item, list):
                    value[index] = {"value": item, "tenant_id": tenant_id}


def reserved_columns(names: list[str], keep: tuple[str, ...] = ()) -> dict[str, str]:
    """``{old: new}`` for the reserved names among a table's columns (except those in `keep`)."""
    out = {}
    for name in names:
        new = renamed(name)
        if new is not None and name not in keep:
            while new in names:
                new = "vendor_" + new
            out[name] = new
    return out
