"""Starting a bulk export when an earlier run left one running.

A run stopped by Ctrl-C, a kill or a crash leaves its bulk operation RUNNING at Shopify
until it ends. Before API 2026-01 an app has one bulk query operation at a time per shop,
so every later run was refused ("A bulk query operation for this app and shop is already
in progress") for as long as it ran; from 2026-01 five may run
(https://shopify.dev/docs/api/usage/bulk-operations/queries), and a leftover still holds
a slot and does work nobody will read. So before starting its export a stream:

1. lists the app's running bulk query operations: ``bulkOperations(query:
   "status:running operation_type:query")`` from 2026-01, ``currentBulkOperation``
   before (`queries.BULK_RUNNING`, `queries.BULK_CURRENT`);
2. keeps only ours: an operation whose document is the bulk query of one of this
   source's connections (`queries.BULK_CONNECTIONS`, any range). The list holds only
   this app's operations; an operation of the same app started by anything else (a
   script, another tool with the same token) has another document and is left alone;
3. **resumes** one whose document is exactly the export it would start (same stream,
   same range: a re-run of an interrupted backfill) and reads its result;
4. **cancels** the others (``bulkOperationCancel``) and starts its own. Where the
   version allows one operation only, the cancelled one holds the slot until Shopify
   has stopped it: the start is retried after polling it (by id) out of CANCELING, a
   bounded wait, never an open-ended one.

A refusal that is not about our own operation (another tool's export holds every slot)
fails the stream with one line naming the running operations and what to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ...framework.errors import ApiError, AuthError
from ...framework.jobs import Create, Job, JobContext, _timing
from ...framework.jsonpath import get_path
from .queries import BULK_CANCEL, BULK_CONNECTIONS, BULK_CURRENT, BULK_POLL, BULK_RUNNING, Connection

log = logging.getLogger("bosco_connectors.sources.shopify")

#: The first API version with ``bulkOperations`` and five concurrent bulk query operations.
LISTING_FROM = "2026-01"
#: `BulkOperationUserErrorCode` values that mean "no free slot", and the message Shopify gave before codes.
BUSY_CODES = {"OPERATION_IN_PROGRESS", "LIMIT_REACHED"}
BUSY_TEXT = "already in progress"
#: Polls of a cancelled operation before giving up waiting for its slot.
CANCEL_POLLS = 10


class BulkBusy(ApiError):
    """Shopify refused to start a bulk operation: the app's slots are taken."""


@dataclass(frozen=True)
class StartOrResume:
    """The `create` of the bulk export: resume our own running export, cancel our stale
    ones, then start (see the module docstring)."""

    connection: Connection
    start: Create

    def __call__(self, job: JobContext) -> Job:
        wanted = self.start.body(job.read)["variables"]["query"]  # type: ignore[operator,index]
        running = [op for op in self._running(job) if _ours(op.get("query") or "")]
        same = next((op for op in running if _same(op.get("query") or "", wanted)), None)
        if same is not None:
            log.info("shopify/%s: resuming bulk operation %s, left running by an earlier run with the same range",
                     job.stream, same["id"])
            return Job(id=same["id"], answer={"resumed": same})
        cancelled = [op["id"] for op in running if self._cancel(job, op)]
        try:
            return self._start(job)
        except BulkBusy:
            if not cancelled:
                raise
            self._wait_cancelled(job, cancelled)
            return self._start(job)

    # -- the three calls -----------------------------------------------------------------

    def _running(self, job: JobContext) -> list[dict[str, Any]]:
        """The app's running bulk query operations; a listing Shopify refuses must not block the
        export (the start then says whether a slot is free), a refused token still fails."""
        try:
            if str(job.config.api_version) >= LISTING_FROM:
                answer = _graphql(job, BULK_RUNNING)
                return [op for op in get_path(answer, "data.bulkOperations.nodes") or [] if isinstance(op, dict)]
            current = get_path(_graphql(job, BULK_CURRENT), "data.currentBulkOperation")
        except AuthError:
            raise
        except ApiError as exc:
            log.warning("shopify/%s: could not list the app's running bulk operations (%s); starting the export "
                        "without looking for one an earlier run left running", job.stream, exc.reason)
            return []
        return [current] if isinstance(current, dict) and current.get("status") in ("CREATED", "RUNNING") else []

    def _cancel(self, job: JobContext, op: dict[str, Any]) -> bool:
        log.warning("shopify/%s: cancelling bulk operation %s, left running by an earlier run that stopped "
                    "(its range differs from this run's)", job.stream, op["id"])
        answer = _graphql(job, BULK_CANCEL, {"id": op["id"]})
        errors = get_path(answer, "data.bulkOperationCancel.userErrors") or []
        if errors:  # it ended meanwhile: nothing to cancel, its slot is free
            log.info("shopify/%s: bulk operation %s was not cancelled: %s", job.stream, op["id"], _messages(errors))
            return False
        return True

    def _start(self, job: JobContext) -> Job:
        answer = self.start.send(job)
        errors = get_path(answer, "data.bulkOperationRunQuery.userErrors") or []
        if not errors:
            return Job(id=get_path(answer, self.start.job_id), answer=answer)
        text = _messages(errors)
        if any(e.get("code") in BUSY_CODES or BUSY_TEXT in str(e.get("message", "")) for e in errors if isinstance(e, dict)):
            raise BulkBusy(
                f"{job.name}: Shopify refused to start the export ({text}); the app's bulk operations running now are "
                "not this source's (another tool or script using the same app): wait for them to end, or cancel them "
                "with bulkOperationCancel, then run again", stream=job.stream)
        raise ApiError(f"{job.name}: the job was refused: {text}", stream=job.stream)

    def _wait_cancelled(self, job: JobContext, ids: list[str]) -> None:
        """Poll the cancelled operations by id until none is in flight (bounded)."""
        sleep, _ = _timing(job.client)
        pause = max(float(job.config.bulk_poll_seconds), 0.05)
        for _ in range(CANCEL_POLLS):
            statuses = [get_path(_graphql(job, BULK_POLL, {"id": gid}), "data.node.status") for gid in ids]
            if not any(status in ("CREATED", "RUNNING", "CANCELING") for status in statuses):
                return
            sleep(pause)
        raise BulkBusy(f"{job.name}: bulk operation {', '.join(ids)} was cancelled but is still stopping after "
                       f"{CANCEL_POLLS} polls; run again in a few minutes", stream=job.stream)


def _ours(document: str) -> bool:
    return any(connection.exports(document) for connection in BULK_CONNECTIONS)


def _same(document: str, wanted: str) -> bool:
    return " ".join(document.split()) == " ".join(wanted.split())


def _messages(errors: list[Any]) -> str:
    return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)


def _graphql(job: JobContext, document: str, variables: dict[str, Any] | None = None) -> Any:
    hook = getattr(job.client, "on_response", None)  # the cost bucket's pacing
    _, answer = job.client.request_json("POST", "graphql.json", stream=job.stream,
                                        json={"query": document, "variables": variables or {}}, on_response=hook)
    return answer
