"""Backfills through a bulk operation: one export job instead of thousands of pages.

https://shopify.dev/docs/api/usage/bulk-operations/queries

1. ``bulkOperationRunQuery(query:)`` starts the export; its ``userErrors`` reject a bad
   query or a second operation while one is running.
2. ``node(id:) { ... on BulkOperation { status url ... } }`` is polled by the framework's
   `ReportJob`: CREATED / RUNNING (/ CANCELING) keep waiting, COMPLETED is done, FAILED,
   CANCELED and EXPIRED fail the attempt (the job is then started once more).
3. ``url`` is a signed storage URL of a JSONL file (null when nothing matched). It is
   fetched with `ApiClient.download`; the token is not sent there (see `AdminApiToken`).
4. Each JSONL line is one object. Nodes of nested connections come on their own lines,
   after their parent, with ``__parentId``; they are put back under their parent as
   ``{"edges": [{"node": ...}]}``, the shape the paged query returns.

The file is held in memory while it is reassembled (`ApiClient.download` returns bytes):
plan on a few KB per order; split very large backfills with the CLI's backfill range.
An operation left running by a crashed run makes ``bulkOperationRunQuery`` refuse a new
one until it ends; the error carries Shopify's message with that operation's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from ...framework import ApiError, JobStatus, ReportJob, ReportJobError, ResponseFormatError
from ...framework.jsonpath import get_path
from .queries import BULK_POLL, BULK_RUN, Connection

if TYPE_CHECKING:
    from ...framework import ApiClient

_RUNNING = {"CREATED", "RUNNING", "CANCELING"}
_FAILED = {"FAILED", "CANCELED", "EXPIRED"}

#: A bulk export of years of orders can take hours; poll no slower than every 2 minutes.
DEADLINE_SECONDS = 6 * 3600.0
MAX_POLL_SECONDS = 120.0


@dataclass
class Operation:
    """One started bulk operation and what its last poll said."""

    id: str
    status: str = "CREATED"
    error_code: str | None = None
    url: str | None = None
    object_count: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        text = f"status {self.status}"
        if self.error_code:
            text += f", errorCode {self.error_code}"
        return text


class BulkExport:
    """Run one bulk query for a connection and return its nodes, nested lists reassembled."""

    def __init__(
        self,
        client: "ApiClient",
        stream: str,
        connection: Connection,
        search: str | None,
        *,
        poll_seconds: float = 5.0,
        attempts: int = 2,
    ) -> None:
        self.client = client
        self.stream = stream
        self.connection = connection
        self.document = connection.bulk_query(search)
        self.job = ReportJob(
            name="bulk operation",
            create=self.create,
            status=self.status,
            fetch=self.fetch,
            deadline_seconds=DEADLINE_SECONDS,
            first_poll=poll_seconds,
            max_poll=max(poll_seconds, MAX_POLL_SECONDS),
            attempts=attempts,
        )

    def run(self) -> list[dict[str, Any]]:
        try:
            return self.job.run()
        except ReportJobError as exc:
            raise exc.located(source="shopify", stream=self.stream) from None

    # -- the three calls ReportJob drives ---------------------------------------------

    def create(self) -> Operation:
        _, body = self.client.post(
            "graphql.json", stream=self.stream,
            json={"query": BULK_RUN, "variables": {"query": self.document}},
            on_response=getattr(self.client, "on_graphql_response", None),
        )
        payload = get_path(body, "data.bulkOperationRunQuery") or {}
        errors = [e.get("message", "") for e in payload.get("userErrors") or [] if isinstance(e, dict)]
        if errors:
            raise ApiError(f"bulkOperationRunQuery refused: {'; '.join(errors)}", stream=self.stream)
        operation = payload.get("bulkOperation") or {}
        if not operation.get("id"):
            raise ResponseFormatError("bulkOperationRunQuery returned no bulkOperation id", stream=self.stream)
        return Operation(id=operation["id"], status=operation.get("status") or "CREATED")

    def status(self, op: Operation) -> tuple[JobStatus, str]:
        _, body = self.client.post(
            "graphql.json", stream=self.stream,
            json={"query": BULK_POLL, "variables": {"id": op.id}},
            on_response=getattr(self.client, "on_graphql_response", None),
        )
        node = get_path(body, "data.node")
        if not isinstance(node, dict):
            raise ResponseFormatError(f"bulk operation {op.id} not found when polling", stream=self.stream)
        op.status = node.get("status") or "UNKNOWN"
        op.error_code = node.get("errorCode")
        op.url = node.get("url")
        op.object_count = node.get("objectCount")
        if op.status == "COMPLETED":
            return JobStatus.DONE, op.describe()
        if op.status in _FAILED:
            return JobStatus.FAILED, op.describe()
        if op.status in _RUNNING:
            return JobStatus.RUNNING, op.describe()
        raise ResponseFormatError(f"bulk operation {op.id} has unknown status {op.status!r}", stream=self.stream)

    def fetch(self, op: Operation) -> list[dict[str, Any]]:
        if not op.url:  # Shopify leaves url null when the query matched nothing
            return []
        return self.reassemble(self.client.download(op.url, stream=self.stream))

    # -- JSONL ------------------------------------------------------------------------

    def reassemble(self, content: bytes) -> list[dict[str, Any]]:
        roots: dict[str, dict[str, Any]] = {}
        children: list[tuple[str, dict[str, Any]]] = []
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise ResponseFormatError(f"bulk result line {number} is not JSON", stream=self.stream) from None
            parent = obj.pop("__parentId", None)
            if parent is None:
                for nested in self.connection.nested:
                    obj[nested.field] = {"edges": []}
                roots[obj["id"]] = obj
            else:
                children.append((parent, obj))
        for parent, obj in children:
            nested = self.connection.nested_for(str(obj.get("id", "")))
            if nested is None or parent not in roots:
                raise ResponseFormatError(
                    f"bulk result has a child {obj.get('id')!r} of unknown parent {parent!r}", stream=self.stream
                )
            roots[parent][nested.field]["edges"].append({"node": obj})
        return list(roots.values())
