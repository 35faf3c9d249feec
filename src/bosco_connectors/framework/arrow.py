"""Arrow batches built against a stream's contract.

dlt loads Arrow tables about six times faster than Python dicts (DESIGN.md), so large
report streams convert each page to a `pyarrow.Table` whose schema comes from the
pydantic contract. Vendor strings such as ``"12.34"`` are cast by Arrow, column-wise.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from .errors import ContractError

_SCALARS: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
    date: pa.date32(),
    datetime: pa.timestamp("us", tz="UTC"),
    Decimal: pa.decimal128(38, 9),
}


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


@lru_cache(maxsize=None)
def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    """The Arrow schema for a contract: scalar fields typed, anything else as JSON text."""
    fields = []
    for name, info in model.model_fields.items():
        annotation = _unwrap_optional(info.annotation)
        fields.append(pa.field(info.alias or name, _SCALARS.get(annotation, pa.string()), nullable=not info.is_required()))
    return pa.schema(fields)


def to_arrow(records: Iterable[dict[str, Any]], model: type[BaseModel], stream: str = "") -> pa.Table:
    """Build a table from dict records, casting each column to the contract's type."""
    rows = list(records)
    schema = arrow_schema(model)
    columns = []
    for f in schema:
        values = [r.get(f.name) for r in rows]
        try:
            columns.append(_column(values, f.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
            raise ContractError(f"field '{f.name}' does not fit {f.type}: {exc}", stream=stream) from None
    table = pa.Table.from_arrays(columns, schema=schema)
    extra = sorted({k for r in rows for k in r} - set(schema.names))  # any row may bring a new field
    for name in extra:  # fields the contract does not know yet: keep them (columns: evolve)
        table = table.append_column(name, pa.array([_jsonish(r.get(name)) for r in rows], pa.string()))
    return table


def _column(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Vendors send numbers as strings; let Arrow parse the whole column at once.
        as_text = pa.array([None if v is None or v == "" else str(v) for v in values], pa.string())
        return pc.cast(as_text, arrow_type)


def _jsonish(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    import orjson

    return orjson.dumps(value, default=str).decode()
