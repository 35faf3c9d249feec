"""Backfills through a bulk operation: one export job instead of thousands of pages.

https://shopify.dev/docs/api/usage/bulk-operations/queries, declared as a framework job
(`jobs.AsyncReport`):

1. ``bulkOperationRunQuery(query:)`` starts the export; its ``userErrors`` refuse a bad
   query or one more operation than the app may run (the line carries Shopify's
   message). Before it, an export an earlier run left running is resumed or cancelled
   (`resume`). One operation at a time per client.
2. ``node(id:) { ... on BulkOperation { status url ... } }`` is polled: CREATED, RUNNING
   and CANCELING keep waiting, COMPLETED is done, FAILED, CANCELED and EXPIRED fail the
   attempt (the job is then started once more).
3. ``url`` is a signed storage URL of a JSONL file (null when nothing matched: no rows).
   It is downloaded to a temporary file without the token (see `AdminApiToken`).
4. Each line is one object; nodes of nested connections (an order's line items) come
   on their own lines with ``__parentId``. `BulkJsonLines` puts them back under their
   parent as ``{"edges": [{"node": ...}]}``, the shape the paged query returns, and hands
   out batches of finished parents: neither the file nor every order is held in memory.
   A sync reads it as `LineBatch`es instead (`BulkJsonLines.column_batches`): a batch of
   parents' lines with their children's, not parsed here; the stream has Arrow's JSON
   reader parse them straight into columns (`records.order_table_of_lines`), or makes
   the nodes of them where Arrow refuses a line or the read loads dicts.

Where children are. Up to API version 2025-10 the output is grouped by default (each
parent's children follow it); from 2026-01 ``groupObjects`` defaults to false and the
lines come in no promised order (https://shopify.dev/changelog/bulk-operations-group-objects-default-changed-to-false,
which advises against grouping for speed). So a first pass over the file's bytes checks
that every child follows its parent, reading each line's ``id`` and ``__parentId`` where
the line writes them (first and last, as Shopify does; any other line is parsed); if so,
the second pass cuts the file into batches of whole parents, which are parsed once; if
not, every line is spilled to a temporary SQLite file on disk and parents are read back
with their children from there. A child whose parent is nowhere in the file fails the
sync with one line naming both; a line of a
type the query does not select (a connection nested in a line item, one Shopify added)
fails with one line naming its type and its parent's, never as an "unknown parent".
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator

import orjson

from ...framework.errors import ResponseFormatError
from ...framework.files import JsonLines
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, Create, Download, Poll
from .queries import BULK_POLL, BULK_RUN, Connection, updated_between
from .resume import StartOrResume

if TYPE_CHECKING:
    from ...framework import ReadContext

log = logging.getLogger("bosco_connectors.sources.shopify")

STATUSES = {
    "CREATED": RUNNING, "RUNNING": RUNNING, "CANCELING": RUNNING,
    "COMPLETED": DONE,
    "FAILED": FAILED, "CANCELED": FAILED, "EXPIRED": FAILED,
}

#: A bulk export of years of orders can take hours; poll no slower than every 2 minutes.
DEADLINE_SECONDS = 6 * 3600.0
MAX_POLL_SECONDS = 120.0
#: Records (parents) handed out per batch.
BULK_PAGE = 2000

PARENT_KEY = "__parentId"


def bulk_export(connection: Connection) -> AsyncReport:
    """The bulk operation that exports one root connection for a read's range."""

    def body(ctx: "ReadContext") -> dict[str, Any]:
        search = updated_between(connection.search_field, ctx.since, ctx.until)
        return {"query": BULK_RUN, "variables": {"query": connection.bulk_query(search)}}

    return AsyncReport(
        name=lambda ctx: "bulk operation",  # one per stream and run: its stream names it enough
        create=StartOrResume(connection, Create("graphql.json", body=body, job_id="data.bulkOperationRunQuery.bulkOperation.id",
                                                refused="data.bulkOperationRunQuery.userErrors")),
        poll=Poll("graphql.json", method="POST", body={"query": BULK_POLL, "variables": {"id": "{job_id}"}},
                  status="data.node.status", statuses=STATUSES, url="data.node.url", error="data.node.errorCode"),
        download=Download(BulkJsonLines(connection=connection), no_url="empty", batch_rows=BULK_PAGE),
        max_concurrent=1,  # one bulk query operation at a time per shop and app
        deadline=DEADLINE_SECONDS,
        attempts=2,
        first_poll="bulk_poll_seconds",
        max_poll=lambda config: max(config.bulk_poll_seconds, MAX_POLL_SECONDS),
    )


@dataclass(frozen=True)
class BulkJsonLines(JsonLines):
    """A bulk operation's JSONL, its nested nodes put back under their parents."""

    connection: Connection | None = None

    def records(self, file: BinaryIO) -> Iterator[dict[str, Any]]:
        if self._grouped(file):
            yield from self._streamed(file)
        else:
            log.info("shopify: the bulk result is not grouped by parent; reassembling it through a file on disk")
            yield from self._spilled(file)

    def column_batches(self, file: BinaryIO, rows: int = BULK_PAGE) -> Iterator["LineBatch | list[dict[str, Any]]"]:
        """What a sync reads (`jobs.Download` asks for this): where the file is grouped, `LineBatch`es
        of up to `rows` parents' lines with their children's, unparsed (the stream parses them
        straight into Arrow columns, or into nodes: `LineBatch.nodes`); else lists of nodes
        reassembled through disk. A line of a type the query does not select fails as in `records`."""
        grouped, plain = self._survey(file)
        if not grouped:
            log.info("shopify: the bulk result is not grouped by parent; reassembling it through a file on disk")
            yield from _chunks(self._spilled(file), rows)
            return
        nested = self.connection.nested if self.connection else ()
        prefixes = tuple((n.gid_prefix(), n.field) for n in nested)
        batch = LineBatch(tuple(n.field for n in nested))
        if plain:  # every line as Shopify writes it, each child under the parent before it
            marks = tuple((prefix.encode(), field) for prefix, field in prefixes)
            for number, line in enumerate(self.lines(file), start=1):
                if b'"__parentId"' in line:
                    batch.add(line, number, next(f for prefix, f in marks if line.startswith(prefix, 7)))
                elif line.startswith(b"{"):
                    if batch.parents >= rows:
                        yield batch
                        batch = LineBatch(batch.fields)
                    batch.add(line, number)
            if batch.lines:
                yield batch
            return
        record, current = 0, None
        for number, line in enumerate(self.lines(file), start=1):
            ids = _ids(line)
            if ids is None:
                continue
            record += 1
            own, parent = ids
            if parent is None:
                if batch.parents >= rows:
                    yield batch
                    batch = LineBatch(batch.fields)
                batch.add(line, number)
                current = own
                continue
            field = next((f for prefix, f in prefixes if own.startswith(prefix)), None) if isinstance(own, str) else None
            if field is None or parent != current or not batch.parents:  # the first pass saw it under `current`'s family
                child = JsonLines.record(line, number)
                child.pop(PARENT_KEY, None)
                raise self._unselected(child, parent, record)
            batch.add(line, number, field)
        if batch.lines:
            yield batch

    # -- the first pass ------------------------------------------------------------------------

    def _grouped(self, file: BinaryIO) -> bool:
        """Does every child line come after its parent (or its parent's parent), before the next parent?"""
        return self._survey(file)[0]

    def _survey(self, file: BinaryIO) -> tuple[bool, bool]:
        """(grouped, plain): grouped as `_grouped` says; plain when, besides, every line was read from
        its bytes (`_ids`), each child is of a selected type right under the last parent, and a line
        holds ``"__parentId"`` exactly when it names a parent: then a batch's lines are told apart
        by that alone (`column_batches`)."""
        prefixes = tuple(n.gid_prefix() for n in self.connection.nested) if self.connection else ()
        current, family, plain = None, set(), True
        for line in self.lines(file):
            ids = _ids(line)
            if ids is None:
                continue  # a blank line
            own, parent = ids
            if plain and (not line.startswith(_ID_FIRST) or b"\\" in line or (parent is not None) != (b'"__parentId"' in line)):
                plain = False
            if parent is None:
                current, family = own, set()
            elif parent == current or parent in family:
                if plain and (parent != current or not isinstance(own, str) or not own.startswith(prefixes)):
                    plain = False
                family.add(own)
            else:
                return False, False
        return True, plain

    # -- grouped: one parent in hand at a time -----------------------------------------------------

    def _streamed(self, file: BinaryIO) -> Iterator[dict[str, Any]]:
        current: dict[str, Any] | None = None
        fields = tuple((n.gid_prefix(), n.field) for n in self.connection.nested) if self.connection else ()
        edges: dict[str, list[dict[str, Any]]] = {}
        for number, obj in enumerate(super().records(file), start=1):
            parent = obj.pop(PARENT_KEY, None)
            if parent is None:
                if current is not None:
                    yield current
                current = self._root(obj)
                edges = {field: current[field]["edges"] for _, field in fields}
                continue
            # the first pass saw `parent` in `current`'s family: under `current` itself, or deeper
            child_id = obj.get("id")
            field = next((f for prefix, f in fields if isinstance(child_id, str) and child_id.startswith(prefix)), None)
            if field is not None and current is not None and parent == current.get("id"):
                edges[field].append({"node": obj})
            else:
                self._attach(current, obj, parent, number)  # raises, naming the line
        if current is not None:
            yield current

    # -- not grouped: every line through SQLite on disk ----------------------------------------------

    def _spilled(self, file: BinaryIO) -> Iterator[dict[str, Any]]:
        with tempfile.TemporaryDirectory(prefix="bosco-bulk-") as folder:
            db = sqlite3.connect(Path(folder) / "lines.sqlite")
            try:
                db.executescript("""
                    PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
                    CREATE TABLE roots (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, line BLOB NOT NULL);
                    CREATE TABLE children (seq INTEGER PRIMARY KEY, id TEXT, parent TEXT NOT NULL, line BLOB NOT NULL);
                """)
                for number, obj in self._lines(file):
                    parent = obj.get(PARENT_KEY)
                    if parent is None:
                        db.execute("INSERT INTO roots VALUES (?, ?, ?)", (number, str(obj.get("id")), orjson.dumps(obj)))
                    else:
                        db.execute("INSERT INTO children VALUES (?, ?, ?, ?)",
                                   (number, str(obj.get("id")), str(parent), orjson.dumps(obj)))
                db.execute("CREATE INDEX roots_by_id ON roots (id)")
                db.execute("CREATE INDEX children_by_id ON children (id)")
                db.execute("CREATE INDEX children_by_parent ON children (parent, seq)")
                stray = db.execute("SELECT seq, parent, line, EXISTS (SELECT 1 FROM children p WHERE p.id = c.parent) "
                                   "FROM children c WHERE NOT EXISTS (SELECT 1 FROM roots r WHERE r.id = c.parent) "
                                   "ORDER BY seq LIMIT 1").fetchone()
                if stray is not None:  # under another child: a nested connection the query does not select
                    child, parent, number = orjson.loads(stray[2]), stray[1], stray[0]
                    raise (self._unselected(child, parent, number) if stray[3] else self._orphan(child, parent, number))
                for _, root_id, line in _rows(db, "SELECT seq, id, line FROM roots ORDER BY seq"):
                    root = self._root(orjson.loads(line))
                    for number, child in _rows(db, "SELECT seq, line FROM children WHERE parent = ? ORDER BY seq", (root_id,)):
                        obj = orjson.loads(child)
                        obj.pop(PARENT_KEY, None)
                        self._attach(root, obj, root_id, number)
                    yield root
            finally:
                db.close()

    # -- pieces --------------------------------------------------------------------------------------

    def _lines(self, file: BinaryIO) -> Iterator[tuple[int, dict[str, Any]]]:
        for number, obj in enumerate(super().records(file), start=1):
            yield number, obj

    def _root(self, obj: dict[str, Any]) -> dict[str, Any]:
        for nested in self.connection.nested if self.connection else ():
            obj[nested.field] = {"edges": []}
        return obj

    def _attach(self, root: dict[str, Any] | None, child: dict[str, Any], parent: str, number: int) -> None:
        nested = self.connection.nested_for(str(child.get("id", ""))) if self.connection else None
        if root is None:
            raise self._orphan(child, parent, number)
        if nested is None or parent != root.get("id"):
            raise self._unselected(child, parent, number)
        root[nested.field]["edges"].append({"node": child})  # type: ignore[index]

    def _unselected(self, child: dict[str, Any], parent: str, number: int) -> ResponseFormatError:
        """A line of a type the query does not select: say which, under what, and what to do."""
        selected = ", ".join(f"{n.field} ({n.type_name})" for n in self.connection.nested) if self.connection else ""
        return ResponseFormatError(
            f"bulk result line {number}: a {_type_of(child.get('id'))} ({child.get('id')}) under {_type_of(parent)} "
            f"{parent}, a connection the bulk query does not select (it selects {selected or 'no nested connection'}); "
            "nothing of this export was loaded: the source does not read that type, report this line to its "
            "maintainers", stream=None)

    @staticmethod
    def _orphan(child: dict[str, Any], parent: str, number: int) -> ResponseFormatError:
        return ResponseFormatError(f"bulk result line {number}: child {child.get('id')!r} of unknown parent {parent!r} "
                                   "(no line of the file has that id)")


class LineBatch:
    """Parents' lines, each followed by its children's, as a grouped file writes them: parsed only by
    the reader that takes them (Arrow's, into columns: `records.order_table_of_lines`; or `nodes`)."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        #: The nested connections' fields (``lineItems``): every parent node gets each.
        self.fields = fields
        self.lines: list[bytes] = []
        #: Each line's number in the file (for the messages of a line that does not parse).
        self.numbers: list[int] = []
        #: Per line: None for a parent, else the nested field the child belongs to (under the last parent before it).
        self.kinds: list[str | None] = []
        self.parents = 0

    def add(self, line: bytes, number: int, field: str | None = None) -> None:
        self.lines.append(line)
        self.numbers.append(number)
        self.kinds.append(field)
        if field is None:
            self.parents += 1

    def parent_lines(self) -> list[bytes]:
        return [line for line, kind in zip(self.lines, self.kinds) if kind is None]

    def child_lines(self, field: str) -> tuple[list[bytes], list[int]]:
        """The lines of one nested field's children, and the index of each one's parent."""
        lines, owners, parent = [], [], -1
        for line, kind in zip(self.lines, self.kinds):
            if kind is None:
                parent += 1
            elif kind == field:
                lines.append(line)
                owners.append(parent)
        return lines, owners

    def nodes(self) -> list[dict[str, Any]]:
        """The parents as nodes, children under them as ``{"edges": [{"node": ...}]}`` (what `records` yields)."""
        roots: list[dict[str, Any]] = []
        for line, number, kind in zip(self.lines, self.numbers, self.kinds):
            obj = JsonLines.record(line, number)
            obj.pop(PARENT_KEY, None)
            if kind is None:
                for field in self.fields:
                    obj[field] = {"edges": []}
                roots.append(obj)
            else:
                roots[-1][kind]["edges"].append({"node": obj})
        return roots


def _chunks(items: Iterator[Any], rows: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, rows)):
        yield batch


_PARENT_AT_END = b',"__parentId":"'
_ID_FIRST = b'{"id":"'


def _ids(line: bytes) -> tuple[Any, Any] | None:
    """A line's ``id`` and ``__parentId`` (None: it has none), read from its bytes where the line
    holds no escape and writes ``id`` first and ``__parentId`` last (there a quote is always a
    string's edge, so these are the object's own keys); parsed otherwise. None for a blank line."""
    if line.startswith(_ID_FIRST) and b"\\" not in line:
        own = line[7:line.find(b'"', 7)]
        if b'"__parentId"' not in line:
            return own.decode(), None
        tail = line.rstrip()
        start = tail.rfind(_PARENT_AT_END)
        if start > 0 and tail.endswith(b'"}'):
            parent = tail[start + len(_PARENT_AT_END):-2]
            if b'"' not in parent:
                return own.decode(), parent.decode()
    elif not line.strip():
        return None
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None, None  # the parse that reads the rows names the line
    if not isinstance(obj, dict):
        return None, None
    return obj.get("id"), obj.get(PARENT_KEY)


def _type_of(gid: Any) -> str:
    """``gid://shopify/LineItem/1`` -> ``LineItem``."""
    parts = str(gid or "").split("/")
    return parts[3] if len(parts) > 4 and parts[0] == "gid:" else "object"


def _rows(db: sqlite3.Connection, sql: str, args: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """A query's rows from a cursor of their own, fetched in small batches."""
    cursor = db.cursor()
    try:
        cursor.execute(sql, args)
        while rows := cursor.fetchmany(256):
            yield from rows
    finally:
        cursor.close()
