"""dlt's row columns (``_dlt_load_id``, ``_dlt_id``) on the Arrow batches of entity streams.

dlt gives every table it loads from dict rows these two columns, not null, and never gives
them to Arrow tables. Entity streams (orders, charges, contacts: a datetime cursor or a full
refresh) loaded dict rows before they moved to Arrow, so a table an earlier version made has
them, not null: an Arrow batch without them fails its load there (``NOT NULL constraint
failed: <table>._dlt_load_id``), whichever tenant's pipeline sends it. So their batches carry
both, as dict rows did. They are hinted nullable: a table an Arrow version made without them
gets them as new columns, which a table holding rows can only take nullable.

Daily reports (a date cursor) were Arrow from the start and do without: at millions of rows a
day two columns of unique text are not free. A stream with declared children has both already
(`children.split_children`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from .children import LOAD_ID, ROW_ID, with_dlt_ids
from .spec import Cursor

if TYPE_CHECKING:
    from dlt.extract.resource import DltResource

    from .spec import Stream

HINTS = {name: {"name": name, "data_type": "text", "nullable": True} for name in (LOAD_ID, ROW_ID)}


def carries_dlt_ids(stream: "Stream") -> bool:
    """An Arrow entity stream without declared children (see the module docstring)."""
    cursor = stream.cursor
    daily = isinstance(cursor, Cursor) and cursor.kind == "date"
    return stream.arrow and not daily and not stream.children


def add_dlt_ids(resource: "DltResource", stream: "Stream") -> None:
    """Hint both columns on `resource` and stamp them on each of its Arrow batches."""
    if not carries_dlt_ids(stream):
        return
    import dlt
    import pyarrow as pa  # here, not at import: declarations load on `bosco-sync sources`'s path

    resource.apply_hints(columns=dict(HINTS))

    def stamp(table: Any) -> Iterator[Any]:
        if not isinstance(table, pa.Table) or ROW_ID in table.column_names:  # dict rows (`loads_as_dicts`): dlt's own
            yield table
            return
        try:
            load_id = dlt.current.load_package_state()["load_id"]
        except Exception:  # noqa: BLE001 - read outside a pipeline (iterated by hand): no load to name
            yield table
            return
        yield with_dlt_ids(table, load_id, nullable=True)[0]

    resource.add_yield_map(stamp)
