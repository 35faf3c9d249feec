"""Asynchronous report jobs: create, poll with backoff until done or a deadline, download.

Report APIs (Meta insights, Amazon Ads, Shopify bulk operations, Google Ads batch
reports) share one shape; only the three calls differ. A source supplies them and
this helper owns the waiting, the deadline and the retry of a failed job. The wait
between polls ends at once when the run is asked to stop (`interrupt.sleep`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Generic, TypeVar

from .deadline import check_run_deadline
from . import interrupt
from .errors import ReportJobError

log = logging.getLogger("bosco_connectors.reports")

JobT = TypeVar("JobT")
ResultT = TypeVar("ResultT")


class JobStatus(str, Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class ReportJob(Generic[JobT, ResultT]):
    """Run one report job to completion.

    ``create()`` starts the job and returns its handle; ``status(handle)`` returns a
    `JobStatus` (and may carry the vendor's status text in the handle); ``fetch(handle)``
    returns the result. A job that fails or passes its deadline is created again, up to
    ``attempts`` times, then raises `ReportJobError` with the vendor's last status.
    """

    name: str
    create: Callable[[], JobT]
    status: Callable[[JobT], tuple[JobStatus, str]]
    fetch: Callable[[JobT], ResultT]
    deadline_seconds: float = 1800.0
    first_poll: float = 2.0
    max_poll: float = 60.0
    backoff: float = 1.5
    attempts: int = 2
    sleep: Callable[[float], None] = interrupt.sleep
    clock: Callable[[], float] = time.monotonic
    #: The job's id in the handle `create` returned; a handle without one is refused at
    #: once (Meta has answered without a ``report_run_id``: polling ``GET /None/`` for hours).
    job_id: Callable[[JobT], Any] = lambda handle: handle

    def run(self) -> ResultT:
        last = "not started"
        for attempt in range(1, self.attempts + 1):
            handle = self.create()
            ident = self.job_id(handle) if handle is not None else None
            if ident is None or str(ident).strip() in ("", "None", "null"):
                raise ReportJobError(f"report job {self.name}: the API started no job (its answer carried no job id)")
            outcome, last = self._wait(handle)
            if outcome is JobStatus.DONE:
                return self.fetch(handle)
            log.warning("report job %s: %s (attempt %d of %d)", self.name, last, attempt, self.attempts)
        raise ReportJobError(f"report job {self.name} gave up after {self.attempts} attempts: {last}")

    def _wait(self, handle: JobT) -> tuple[JobStatus, str]:
        deadline = self.clock() + self.deadline_seconds
        delay = self.first_poll
        while True:
            state, text = self.status(handle)
            if state is JobStatus.DONE:
                return state, text
            if state is JobStatus.FAILED:
                return state, f"job failed ({text})"
            if self.clock() + delay > deadline:
                return JobStatus.FAILED, f"deadline of {self.deadline_seconds:.0f}s passed while '{text}'"
            check_run_deadline()
            self.sleep(delay)
            delay = min(self.max_poll, delay * self.backoff)
