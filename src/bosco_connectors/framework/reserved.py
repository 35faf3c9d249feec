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

#: Our own column names that no vendor field may take.
OURS = frozenset({"tenant_id"})


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
    if "dlt" not in lowered and "tenant" not in lowered:
        return None  # the common case, without the normaliser
    normalized = _normalize()(name)
    if normalized.startswith("_dlt") or normalized in OURS:
        return "vendor" + normalized if normalized.startswith("_") else "vendor_" + normalized
    return None


def rename_reserved(record: dict[str, Any], seen: set[tuple[str, str]], tenant_id: str | None = None,
                    keep: frozenset[str] = frozenset()) -> None:
    """Rename reserved keys in `record` and in every dict nested in it, in place; stamp
    `tenant_id` on every dict inside a list (dlt makes those child-table rows, and a child
    row without its tenant could be read, or deleted, with another tenant's). A list of
    plain values (``["en", "fr"]``) becomes the rows dlt would make of it (``value``), each
    with its tenant: ``[{"value": "en", "tenant_id": ...}, ...]``, the same child table.

    `keep` names top-level fields loaded as one JSON column (the contract declares them a
    dict or a list): dlt makes no table of them, so they are left as the vendor sent them.
    Each (old, new) pair is added to `seen`, so the caller can report it once.
    """
    for key in list(record):
        if key in keep:
            continue
        value = record[key]
        new = renamed(key) if isinstance(key, str) else None
        if new is not None:
            while new in record:  # never overwrite a field the vendor also sent
                new = "vendor_" + new
            record[new] = record.pop(key)
            seen.add((key, new))
        if isinstance(value, dict):
            rename_reserved(value, seen, tenant_id)
        elif isinstance(value, list):
            if tenant_id is not None and value and not any(isinstance(item, (dict, list)) for item in value):
                record[new or key] = [{"value": item, "tenant_id": tenant_id} for item in value]
                continue
            for item in value:
                if isinstance(item, dict):
                    rename_reserved(item, seen, tenant_id)
                    if tenant_id is not None:
                        item["tenant_id"] = tenant_id


def json_fields(contract: type) -> frozenset[str]:
    """The contract fields declared as a dict or a list of plain values: dlt loads each as one
    JSON column (a list of pydantic models is a child table instead)."""
    import typing

    from pydantic import BaseModel

    found = set()
    for name, info in getattr(contract, "model_fields", {}).items():
        annotation = info.annotation
        options = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, _union_type()) else (annotation,)
        for option in options:
            origin = typing.get_origin(option) or option
            models = [a for a in typing.get_args(option) if isinstance(a, type) and issubclass(a, BaseModel)]
            if isinstance(origin, type) and issubclass(origin, (dict, list, tuple, set)) and not models:
                found.add(info.alias or name)
    return frozenset(found)


def _union_type() -> Any:
    import types

    return types.UnionType


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
