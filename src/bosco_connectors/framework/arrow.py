"""Arrow batches built against a stream's contract.

dlt loads Arrow tables about six times faster than Python dicts (DESIGN.md), so large
report streams convert each page to a `pyarrow.Table` whose schema comes from the
pydantic contract. Vendor strings such as ``"12.34"`` are cast by Arrow, column-wise.
The contract's rules hold here as on the dict path (where pydantic checks them): ids
follow `ids.to_id`, and a float column holds finite numbers only (``"Infinity"`` and
``"1e400"`` cast to inf, which no metric can be).
"""

from __future__ import annotations

import math
import types
import typing
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Any, Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from .drift import mark_absent
from .errors import ContractError
from .ids import arrow_ids, is_id_field

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
    """The Arrow schema for a contract: scalar fields typed, anything else as JSON text; a list
    of models is no column of it (`to_arrow` attaches it as a child: `children`)."""
    fields = []
    nested = {name for name, _ in _child_models(model)}
    for name, info in model.model_fields.items():
        if (info.alias or name) in nested:
            continue
        annotation = _unwrap_optional(info.annotation)
        # A field with a default that is not None (``test: bool = False``) is never null, as dlt
        # declares it from the contract: Arrow says the same, or dlt warns on every batch.
        nullable = not info.is_required() and (info.default is None or annotation is not info.annotation)
        fields.append(pa.field(info.alias or name, _SCALARS.get(annotation, pa.string()), nullable=nullable))
    return pa.schema(fields)


def to_arrow(records: Iterable[dict[str, Any]], model: type[BaseModel], stream: str = "", path: str = "") -> pa.Table:
    """Build a table from dict records, casting each column to the contract's type.

    A field holding a list of models (an order's line items) becomes a ``list<struct>``
    column built against that model the same way, which `children.split_children` turns
    into a table of its own once dlt's incremental step has filtered the parents."""
    rows = records if isinstance(records, list) else list(records)
    nested = _child_models(model)
    present = set().union(*rows) if rows else set()  # a field no record carries stays absent (`drift`)
    present -= {name for name, _ in nested}
    columns = {name: [r.get(name) for r in rows] for name in present}  # any row may bring a new field
    table = columns_to_arrow(columns, len(rows), model, stream, path)
    for name, child in nested:  # errors name the child's field as ``line_items.id``
        lists = [r.get(name) or [] for r in rows]
        rows_of_child = to_arrow([item for items in lists for item in items], child, stream, f"{path}{name}.")
        table = attach_child(table, rows_of_child, [len(items) for items in lists], name)
    return table


def attach_child(parent: pa.Table, child_rows: pa.Table, counts: list[int], field: str) -> pa.Table:
    """`parent` with a ``list<struct>`` column `field`: row i holds the next ``counts[i]`` child rows."""
    offsets = [0]
    for n in counts:
        offsets.append(offsets[-1] + n)
    columns = [column.combine_chunks() for column in child_rows.columns]
    structs = pa.StructArray.from_arrays(columns, fields=list(child_rows.schema))  # a child has its keys at least
    return parent.append_column(field, pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), structs))


def columns_to_arrow(columns: Mapping[str, Any], num_rows: int, model: type[BaseModel], stream: str = "",
                     path: str = "", children: Mapping[str, tuple[Mapping[str, Any], list[int]]] | None = None) -> pa.Table:
    """Build a table from one list of values per field (what `to_arrow` gathers from records).

    For streams that can gather columns straight from the vendor's page, without a dict
    per row first. A contract field missing from `columns` is all nulls (and named in the
    table's metadata: `drift.mark_absent`); a field the contract does not know is kept as
    JSON text (columns: evolve). A column may be an Arrow array already (`timestamps`).

    `children`: a list-of-models field (an order's line items) gathered as columns too,
    ``{field: (its columns, the number of child rows of each row)}``, the child rows of all
    rows one after the other: the table gets the ``list<struct>`` column `to_arrow` builds.
    """
    if children:
        table = columns_to_arrow(columns, num_rows, model, stream, path)
        nested = dict(_child_models(model))
        for name, (child_columns, counts) in children.items():
            rows = columns_to_arrow(child_columns, sum(counts), nested[name], stream, f"{path}{name}.")
            table = attach_child(table, rows, counts, name)
        return table
    if any(_holds_objects(values) for values in columns.values()):
        columns = _flattened(columns, model)
    arrays, absent = [], []
    for name, arrow_type, kind, required in _fields(model):  # plain tuples: `pa.Field.name` costs a C++ call
        values = columns.get(name)
        if values is None:
            if required and num_rows:
                raise missing_required(path + name, num_rows, num_rows, stream)
            arrays.append(pa.nulls(num_rows, arrow_type))
            if name not in FILLED_BY_FRAMEWORK:
                absent.append(name)
            continue
        if kind is _ID:
            try:
                ids = arrow_ids(values)
            except ValueError as exc:
                raise ContractError(f"field '{path}{name}': {exc}", stream=stream) from None
            if required and ids.null_count:
                raise missing_required(path + name, ids.null_count, num_rows, stream)
            arrays.append(ids)
            continue
        if kind is _JSON and not isinstance(values, pa.Array):  # an object or a list: JSON text, as dlt writes it
            values = [_jsonish(v) for v in values]
        try:
            column = _column(values, arrow_type)
        except NotFinite as exc:
            raise ContractError(f"field '{path}{name}' is not a finite number: {exc.value!r}", stream=stream) from None
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
            raise ContractError(f"field '{path}{name}' does not fit {arrow_type}: {exc}", stream=stream) from None
        if kind is _FLOAT and not math.isfinite(pc.sum(column).as_py() or 0.0):  # inf and NaN carry into the sum
            finite = pc.is_finite(column)
            if not pc.all(finite, min_count=0).as_py():  # not just finite numbers summing past the largest double
                bad = values[pc.index(finite, False).as_py()]
                raise ContractError(f"field '{path}{name}' is not a finite number: {bad!r}", stream=stream)
        if required and column.null_count:
            raise missing_required(path + name, column.null_count, num_rows, stream)
        arrays.append(column)
    table = pa.Table.from_arrays(arrays, schema=arrow_schema(model))
    for name in sorted(set(columns) - _names(model)):
        table = table.append_column(name, pa.array([_jsonish(v) for v in columns[name]], pa.string()))
    return mark_absent(table, absent)


def _holds_objects(values: Any) -> bool:
    """Whether a column holds JSON objects (its first value that is not null says: columns are one kind)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return False
    for value in values:
        if value is not None:
            return isinstance(value, dict)
    return False


def _flattened(columns: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """Columns of JSON objects as one ``parent__child`` column per field, as dlt flattens dict rows
    (Square's ``amount_money`` into the contract's ``amount_money__amount``), except a field the
    contract keeps whole (typed as one object: JSON text). A child's name is taken as the contract
    writes it where only dlt's naming tells them apart (``amountMoney__amount``)."""
    whole, names = _kept_whole(model), _names(model)
    out: dict[str, Any] = {}
    pending = list(columns.items())
    while pending:
        name, values = pending.pop(0)
        if name in whole or not _holds_objects(values):
            kept = out.get(name)  # two spellings of one column (``amount_money``, ``amountMoney``): one
            kept = kept.to_pylist() if isinstance(kept, (pa.Array, pa.ChunkedArray)) else kept
            out[name] = values if kept is None else [a if a is not None else b for a, b in zip(kept, values)]
            continue
        objects = [v if isinstance(v, dict) else {} for v in values]
        others = [None if isinstance(v, dict) else v for v in values]
        if any(v is not None for v in others):  # a scalar where other rows hold an object: kept under its name
            out[name] = others
        for key in dict.fromkeys(k for o in objects for k in o):
            pending.append((_contract_name(f"{name}__{key}", names), [o.get(key) for o in objects]))
    return out


def _contract_name(name: str, names: frozenset[str]) -> str:
    if name in names:
        return name
    normalized = _dlt_path(name)
    return normalized if normalized in names else name


@lru_cache(maxsize=4096)
def _dlt_path(name: str) -> str:
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return NamingConvention().normalize_path(name)


def dlt_columns(model: type[BaseModel]) -> dict[str, Any]:
    """The dlt column hints of an Arrow stream's contract.

    A field typed as one object or a list (not a declared child) gets no type: Arrow carries
    it as JSON text, which makes it a ``text`` column of a new table (DuckDB's JSON functions
    read it as they read a JSON column; on Snowflake a VARCHAR, ``PARSE_JSON``). A ``json``
    hint would make dlt warn on every batch that the hints differ, and a ``text`` hint would
    contradict the ``json`` column of a dataset an earlier version loaded from dict rows, which
    keeps loading dict rows (`children.loads_as_dicts`): there the column's own type holds."""
    from dlt.common.libs.pydantic import pydantic_to_table_schema_columns

    columns = pydantic_to_table_schema_columns(model)
    nested = {name for name, _ in _child_models(model)}
    for name in _kept_whole(model) - nested:
        if name in columns:
            columns[name] = {hint: value for hint, value in columns[name].items() if hint != "data_type"}
    return columns


@lru_cache(maxsize=None)
def _kept_whole(model: type[BaseModel]) -> frozenset[str]:
    """The contract's fields typed as one object (or list): loaded whole, as JSON text."""
    return frozenset(info.alias or name for name, info in model.model_fields.items()
                     if _SCALARS.get(_unwrap_optional(info.annotation)) is None)


_UTC_MICROS = pa.timestamp("us", tz="UTC")


def timestamps(values: Any) -> Any:
    """ISO 8601 instants (text, ``""`` or None for none; a list or an Arrow text column) as an Arrow
    ``timestamp[us, UTC]`` column, parsed by Arrow at once, not a `datetime` per value; what Arrow
    cannot read exactly (no zone, more than six fraction digits, not text) goes value by value
    through `spec.parse_datetime`, as the dict path does, so the two give the same instants."""
    try:
        text = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
        if pc.any(pc.equal(text, "")).as_py():
            text = pc.if_else(pc.equal(text, ""), _NULL_TEXT, text)
        return pc.cast(text, _UTC_MICROS)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        from .spec import parse_datetime

        values = values.to_pylist() if isinstance(values, pa.Array) else values
        return [parse_datetime(v) if v else None for v in values]


def read_json_lines(lines: list[bytes], schema: pa.Schema) -> pa.Table | None:
    """Lines of JSON objects parsed by Arrow's reader straight into `schema`'s columns (nested
    objects as structs, fields the schema lacks skipped), with no Python object per value; None
    when Arrow refuses them (a value of another JSON type than the schema's, a number past int64,
    a key twice, a line that is no object): the caller then reads them its own way, with the
    messages it gives. Arrow is strict where it reads: ``"12"`` is no int64, ``1`` no string."""
    import io

    import pyarrow.json as pj

    if not lines:
        return pa.table({f.name: pa.array([], f.type) for f in schema}, schema=schema)
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    try:
        table = pj.read_json(io.BytesIO(b"\n".join(lines)), parse_options=options,
                             read_options=pj.ReadOptions(use_threads=False, block_size=1 << 24))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return table.combine_chunks() if table.num_rows == len(lines) else None


def missing_required(name: str, nulls: int, rows: int, stream: str = "") -> ContractError:
    """One line for a required contract field the vendor's rows lack: which, how often, what to do.

    Arrow would take the nulls, and dlt fail later with a bare ``ArrowInvalid: Column ...
    declared non-nullable`` that names neither the source nor the stream.
    """
    where = "missing from all" if nulls == rows else f"missing (null) in {nulls} of {rows}"
    return ContractError(
        f"field '{name}' is required by the contract but {where} records the vendor sent; nothing of this batch "
        f"was loaded: if the vendor may leave '{name}' out, the stream's contract must declare it optional "
        "(report it to the source's maintainers with this line)", stream=stream)


def check_required(table: pa.Table, stream: str = "") -> None:
    """Refuse a table whose non-nullable columns hold nulls (a stream that built its own table)."""
    for field, column in zip(table.schema, table.columns):
        if not field.nullable and column.null_count and field.name not in FILLED_BY_FRAMEWORK:
            raise missing_required(field.name, column.null_count, table.num_rows, stream)


def check_required_records(records: list[dict[str, Any]], model: type[BaseModel], stream: str = "", path: str = "") -> None:
    """Refuse a page of dict records (a stream that hands dlt dicts) lacking a required field.

    dlt's validator would refuse it too, with pydantic's words for a missing value ("Input
    should be a valid datetime") and nothing to do about it; rows of nested child tables
    (a list of models: Shopify's ``line_items``) are checked as ``line_items.<field>``.
    """
    for name in _required(model):
        nulls = sum(1 for record in records if record.get(name) is None)
        if nulls:
            raise missing_required(path + name, nulls, len(records), stream)
    for name, child in _child_models(model):
        rows = [row for record in records for row in (record.get(name) or ()) if isinstance(row, dict)]
        if rows:
            check_required_records(rows, child, stream, f"{path}{name}.")


@lru_cache(maxsize=None)
def _required(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, _, _, required in _fields(model) if required)


@lru_cache(maxsize=None)
def _child_models(model: type[BaseModel]) -> tuple[tuple[str, type[BaseModel]], ...]:
    """Fields holding a list of models: dlt loads them as child tables."""
    found = []
    for name, info in model.model_fields.items():
        annotation = _unwrap_optional(info.annotation)
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation) or (None,)
            if isinstance(item, type) and issubclass(item, BaseModel):
                found.append((info.alias or name, item))
    return tuple(found)


#: Field kinds with a rule beyond the Arrow cast.
_ID, _FLOAT, _JSON = "id", "float", "json"


@lru_cache(maxsize=None)
def _fields(model: type[BaseModel]) -> tuple[tuple[str, pa.DataType, str | None, bool], ...]:
    """(column, Arrow type, kind, required) per contract field; kind is `_ID`, `_FLOAT` or None.

    Required: a value in every record (Arrow would take the nulls and dlt fail later, naming
    neither the stream nor the field), except `FILLED_BY_FRAMEWORK` columns.
    """
    ids = {info.alias or name for name, info in model.model_fields.items() if is_id_field(info)}
    objects = _kept_whole(model)
    return tuple(
        (f.name, f.type, _ID if f.name in ids else _JSON if f.name in objects else _FLOAT if pa.types.is_floating(f.type) else None,
         not f.nullable and f.name not in FILLED_BY_FRAMEWORK)
        for f in arrow_schema(model)
    )


#: Contract fields stamped on each batch after it is built (`resources._StreamReader`).
FILLED_BY_FRAMEWORK = frozenset({"tenant_id"})


@lru_cache(maxsize=None)
def _names(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(arrow_schema(model).names)


_NULL_TEXT = pa.scalar(None, pa.string())


def _column(values: Any, arrow_type: pa.DataType) -> pa.Array:
    if isinstance(values, pa.Array):  # built by Arrow already (`timestamps`, a field of Arrow structs)
        if values.type == arrow_type:
            return values
        try:
            if pa.types.is_string(values.type):  # "" means no value, as below
                values = pc.if_else(pc.equal(values, ""), _NULL_TEXT, values)
            return pc.cast(values, arrow_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            values = values.to_pylist()  # what the cast refuses goes the way of Python values
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    # Vendors send numbers as strings; let Arrow parse the whole column at once.
    try:
        as_text = pa.array(values, pa.string())  # all str or None: no Python loop
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        as_text = pa.array([None if v is None else str(v) for v in values], pa.string())
    if "" in values:  # "" means no value (checked in Python: each compute call drops the GIL)
        as_text = pc.if_else(pc.equal(as_text, ""), _NULL_TEXT, as_text)
    try:
        return pc.cast(as_text, arrow_type)
    except pa.ArrowInvalid:
        if not pa.types.is_decimal(arrow_type):
            raise
        return _rounded_decimals(values, arrow_type)


class NotFinite(ValueError):
    """A money value of ``"Infinity"`` or ``"NaN"``: no decimal column holds it."""

    def __init__(self, value: Any) -> None:
        super().__init__(f"not a finite number: {value!r}")
        self.value = value


def _rounded_decimals(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    """Money with more decimal places than the column's scale (LinkedIn's ``"400.0200000047684"``,
    a float's rendering), rounded half to even to that scale: nine places, beyond any currency's
    minor unit, so what is cut is float noise, never a cent. Text that is no number raises
    what Arrow raised; an infinity `NotFinite`."""
    step, out = Decimal(1).scaleb(-arrow_type.scale), []
    for v in values:
        if v is None or v == "":
            out.append(None)
            continue
        try:
            number = Decimal(str(v))
        except ArithmeticError:
            raise pa.ArrowInvalid(f"Failed to parse string: '{v}' as a scalar of type {arrow_type}") from None
        if not number.is_finite():
            raise NotFinite(v)
        try:
            out.append(number.quantize(step, rounding=ROUND_HALF_EVEN))
        except ArithmeticError:
            raise pa.ArrowInvalid(f"'{v}' is out of its range") from None
    return pa.array(out, arrow_type)


def _jsonish(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    import orjson

    return orjson.dumps(value, default=str).decode()
