"""Records deleted at the vendor leave our tables: each stream says how its vendor reports them.

- ``SoftDelete("archived")``: a field of the record marks it deleted (HubSpot's
  ``archived: true``, a ``deleted_at`` timestamp, an ``is_deleted`` flag, or a status among
  ``values=("DELETED",)``). Such a record arrives like any change, through the stream's
  own cursor, because deleting it touched its updated-at.
- ``DeletedRecords(...)``: a request that lists the deleted records (a deleted-objects
  endpoint, or the stream's list asked with HubSpot's ``archived=true``), read once per
  partition on every run, whole (no window: such lists rarely filter by date). Its records
  are shaped by the stream's own ``Records`` and contract, so fields the endpoint lacks must
  be optional in the contract (every key field must be there).

Both become dlt's hard delete (https://dlthub.com/docs/general-usage/merge-loading): every
row of such a stream carries `DELETED` (a bool with the ``hard_delete`` hint), true for a
record the vendor reports deleted. The ``delete-insert`` merge deletes the destination rows
with that primary key (``tenant_id`` first: another tenant's rows are never touched) and
inserts nothing for it; the raw row is gone, and with it the staging and fact rows built
from it (the recipes' fingerprints see the deleted row). A key read both live and deleted
in one run (deleted during the sync) ends deleted (``dedup_sort``).

A `DeletedRecords` read is its own dlt resource (``<stream>__deleted``) writing into the
stream's table: it has no incremental cursor, so dlt never filters its rows by the
stream's cursor value (a record deleted long after its last change), nor does it move
the stream's saved cursor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Union

if TYPE_CHECKING:
    import pyarrow as pa

    from .paginators import Paginator
    from .records import Records
    from .spec import Stream

#: The column that carries the vendor's "deleted" to dlt's hard delete (never true in a loaded row).
DELETED = "_bosco_deleted"
#: Its dlt column hints: a deleted row removes its key and is not inserted; of two rows of one
#: key in a load, the deleted one wins.
DELETED_HINTS: dict[str, Any] = {"name": DELETED, "data_type": "bool", "nullable": True, "hard_delete": True,
                                 "dedup_sort": "desc"}
#: Suffix of the resource that reads a stream's `DeletedRecords`.
RESOURCE_SUFFIX = "__deleted"


@dataclass(frozen=True)
class SoftDelete:
    """A record field that says the record is deleted.

    A bool field deletes when true; any other field when it holds a value (a ``deleted_at``
    timestamp; an empty string is no value), or, with ``values``, when it holds one of them
    (a status ``"DELETED"``). The field is named as it lands (after ``Records`` renames)
    and an Arrow stream's contract must declare it.
    """

    field: str
    values: tuple[Any, ...] = ()

    def flags(self, records: list[dict[str, Any]]) -> list[bool]:
        return [self.is_deleted(record.get(self.field)) for record in records]

    def is_deleted(self, value: Any) -> bool:
        if self.values:
            return value in self.values
        if isinstance(value, bool):
            return value
        return value is not None and value != ""

    def arrow_flags(self, table: "pa.Table") -> "pa.Array":
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.field not in table.column_names:
            return pa.array([False] * table.num_rows, pa.bool_())
        column = table.column(self.field)
        if self.values:
            flags = pc.is_in(column, value_set=pa.array(list(self.values), column.type))
        elif pa.types.is_boolean(column.type):
            flags = column
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            flags = pc.and_(pc.is_valid(column), pc.not_equal(column, ""))
        else:
            flags = pc.is_valid(column)
        return pc.fill_null(flags, False).combine_chunks() if isinstance(flags, pa.ChunkedArray) else pc.fill_null(flags, False)


@dataclass(frozen=True)
class DeletedRecords:
    """A request listing the records deleted at the vendor; unset parts are the stream's own.

    ``params`` replace the stream's (a function of the `ReadContext` too); the stream's
    window is not applied.
    """

    path: str | None = None
    method: Literal["GET", "POST"] | None = None
    params: Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] | None = None
    paginator: "Callable[[], Paginator] | None" = None
    records: "str | Records | None" = None
    description: str = ""

    def stream(self, stream: "Stream") -> "Stream":
        """The stream that reads this list: `stream` with this request, no window, no cursor."""
        from .spec import FullRefresh

        changes: dict[str, Any] = {"name": stream.name + RESOURCE_SUFFIX, "cursor": FullRefresh("the vendor's list of deleted records"),
                                   "unified": None, "deleted": None, "oldest_day": None, "history": None}
        for name in ("path", "method", "params", "paginator", "records"):
            value = getattr(self, name)
            if value is not None:
                changes[name] = value
        if hasattr(stream, "window"):
            changes.update(window=None, window_params=None)
        return replace(stream, **changes)  # type: ignore[type-var]


Deletions = Union[SoftDelete, DeletedRecords, tuple[Union[SoftDelete, DeletedRecords], ...]]


def parts(deleted: Deletions | None) -> tuple[SoftDelete | None, DeletedRecords | None]:
    """The soft-delete flag and the deleted-records request a stream declares (either may be None)."""
    items = deleted if isinstance(deleted, tuple) else (deleted,)
    soft = next((d for d in items if isinstance(d, SoftDelete)), None)
    listed = next((d for d in items if isinstance(d, DeletedRecords)), None)
    return soft, listed


def listing_streams(streams: "list[Stream]") -> "list[Stream]":
    """The streams that read the deleted-records lists the `streams` declare (``<stream>__deleted``:
    what the generated fake serves and the kit replays, beside the streams themselves)."""
    found = []
    for stream in streams:
        _, listed = parts(stream.deleted)
        if listed is not None:
            found.append(listed.stream(stream))
    return found


def describe(deleted: Deletions | None) -> str | None:
    """One line for the catalog: how the vendor's deletions reach the table."""
    if deleted is None:
        return None
    soft, listed = parts(deleted)
    said = []
    if soft is not None:
        said.append(f"rows whose {soft.field} " + (f"is one of {', '.join(map(str, soft.values))}" if soft.values else "is set") + " are deleted")
    if listed is not None:
        method, path = listed.method or "the stream's method", listed.path or "the stream's path"
        where = f"{method} {path}"
        said.append(f"records listed deleted by {where} are deleted")
    return "; ".join(said)


def flag(page: Any, soft: SoftDelete | None, deleted: bool) -> Any:
    """`page` (dicts or an Arrow table) with `DELETED` on every row: all true for a page of the
    deleted-records list, else the soft-delete field's verdict (false without one)."""
    import pyarrow as pa

    if isinstance(page, pa.Table):
        if deleted or soft is None:
            values: Any = pa.array([deleted] * page.num_rows, pa.bool_())
        else:
            values = soft.arrow_flags(page)
        field = pa.field(DELETED, pa.bool_(), nullable=True)
        if DELETED in page.column_names:
            return page.set_column(page.column_names.index(DELETED), field, values)
        return page.append_column(field, values)
    flags = [deleted] * len(page) if deleted or soft is None else soft.flags(page)
    for record, value in zip(page, flags):
        record[DELETED] = value
    return page


__all__ = ["DELETED", "DeletedRecords", "Deletions", "SoftDelete", "describe", "flag", "listing_streams", "parts"]
