"""One rule for identifiers, in every source: an id is its exact decimal string.

Vendors document ids as strings, yet some answers carry them as JSON numbers (TikTok's
``campaign_id``), and a value that once went through a float comes back as
``"4000018919707257.0"``. Either way the id must still join the tables that hold it as
text, and an 18-digit id must keep all 18 digits. So, for a contract field typed `Id`:

- a string is kept, except that a run of digits followed by ``.0`` (a float's rendering
  of an integer) loses the ``.0``;
- an integer (JSON parsers such as orjson read 18-digit numbers exactly) becomes its
  decimal string;
- a float becomes the integer's decimal string only when it is integral and below 2**53,
  where every integer is exact; any other float (or a bool) is refused: its digits are
  already lost, and a wrong id would silently join nothing or the wrong row.

The same rule runs on both paths: pydantic validation (dict records, through dlt) and
`arrow.columns_to_arrow` (Arrow batches, `arrow_ids`).
"""

from __future__ import annotations

import re
import typing
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator

#: Above this a float no longer holds every integer exactly.
EXACT_FLOAT_LIMIT = 2**53

_FLOAT_TEXT = re.compile(r"^(-?\d+)\.0+$")


def to_id(value: Any) -> Any:
    """The id as its exact decimal string; ValueError when the value cannot be one.

    None and non-numeric values other than strings pass through, for the field's own
    type check to report.
    """
    if isinstance(value, str):
        match = _FLOAT_TEXT.match(value)
        return match.group(1) if match else value
    if isinstance(value, bool):
        raise ValueError(f"id {value} is a boolean, not an id")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < EXACT_FLOAT_LIMIT:
            return str(int(value))
        raise ValueError(f"id {value!r} is a float, which cannot hold an id exactly (not an integer, or past 2**53)")
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        raise ValueError(f"id {value} is not an integer")
    return value


class IdMarker:
    """Metadata that marks a contract field as an id (read by `is_id_field`)."""

    def __repr__(self) -> str:
        return "IdMarker()"


ID_MARKER = IdMarker()

#: A contract field that holds an identifier: ``campaign_id: Id``.
Id = Annotated[str, BeforeValidator(to_id), ID_MARKER]


def is_id_field(info: Any) -> bool:
    """True for a pydantic field typed `Id` (or ``Id | None``)."""
    if any(item is ID_MARKER for item in info.metadata):
        return True
    for arg in typing.get_args(info.annotation):  # Optional[Annotated[str, ..., ID_MARKER]]
        if typing.get_origin(arg) is Annotated and any(item is ID_MARKER for item in arg.__metadata__):
            return True
    return False


def arrow_ids(values: Any) -> "Any":
    """An Arrow string column of ids from one page's values (a list, or an Arrow column), under the same rule as `to_id`.

    The common page (every value a string, none ending in ``.0``) costs two vectorised
    calls; anything else goes value by value. Raises ValueError for a value `to_id` refuses.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array) and not pa.types.is_string(values.type):
        values = values.to_pylist()  # numbers: value by value, as below
    try:
        column = values if isinstance(values, pa.Array) else pa.array(values, pa.string())  # all str or None
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else _as_text(v) for v in values], pa.string())
    data = column.buffers()[2]  # every string's bytes: a dot anywhere costs one memchr to find
    if data is not None and b"." in data.to_pybytes():
        column = pc.replace_substring_regex(column, pattern=r"^(-?\d+)\.0+$", replacement=r"\1")
    return column


def _as_text(value: Any) -> str:
    result = to_id(value)
    if not isinstance(result, str):
        raise ValueError(f"id {value!r} is neither a string nor a number")
    return result
