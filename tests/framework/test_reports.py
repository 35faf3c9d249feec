"""`ReportJob`: polling with backoff, a failed job retried, a deadline on a fake clock."""

from __future__ import annotations

from typing import Iterator

import pytest

from bosco_connectors.framework import JobStatus, ReportJob, ReportJobError

from .conftest import FakeClock

R, D, F = JobStatus.RUNNING, JobStatus.DONE, JobStatus.FAILED


class Vendor:
    """A report API: each created job plays one script of (status, vendor text) answers."""

    def __init__(self, *scripts: list[tuple[JobStatus, str]]) -> None:
        self.scripts: Iterator[list[tuple[JobStatus, str]]] = iter(scripts)
        self.created: list[str] = []
        self.polls: dict[str, int] = {}
        self.fetched: list[str] = []
        self._answers: dict[str, Iterator[tuple[JobStatus, str]]] = {}

    def create(self) -> str:
        job = f"job-{len(self.created) + 1}"
        self.created.append(job)
        self._answers[job] = iter(next(self.scripts))
        return job

    def status(self, job: str) -> tuple[JobStatus, str]:
        self.polls[job] = self.polls.get(job, 0) + 1
        return next(self._answers[job])

    def fetch(self, job: str) -> list[dict[str, str]]:
        self.fetched.append(job)
        return [{"job": job}]


def job(vendor: Vendor, clock: FakeClock, **kwargs: float) -> ReportJob:
    return ReportJob(
        "insights", vendor.create, vendor.status, vendor.fetch,
        sleep=clock.sleep, clock=clock, **kwargs,  # type: ignore[arg-type]
    )


def test_running_several_times_then_done(clock: FakeClock) -> None:
    vendor = Vendor([(R, "Job Not Started"), (R, "Job Running 20%"), (R, "Job Running 80%"), (D, "Job Completed")])

    result = job(vendor, clock, first_poll=2.0, backoff=1.5, max_poll=60.0).run()

    assert result == [{"job": "job-1"}]
    assert vendor.created == ["job-1"] and vendor.fetched == ["job-1"]
    assert vendor.polls == {"job-1": 4}
    assert clock.sleeps == [2.0, 3.0, 4.5]  # 2, 2*1.5, 2*1.5*1.5


def test_poll_interval_is_capped(clock: FakeClock) -> None:
    vendor = Vendor([(R, "")] * 5 + [(D, "")])
    job(vendor, clock, first_poll=4.0, backoff=2.0, max_poll=10.0).run()
    assert clock.sleeps == [4.0, 8.0, 10.0, 10.0, 10.0]


def test_failed_job_is_created_again(clock: FakeClock) -> None:
    vendor = Vendor([(R, "Job Running"), (F, "Job Failed: internal error")], [(R, "Job Running"), (D, "Job Completed")])

    result = job(vendor, clock, attempts=2).run()

    assert result == [{"job": "job-2"}]
    assert vendor.created == ["job-1", "job-2"]
    assert vendor.fetched == ["job-2"]


def test_failed_every_time_raises_with_the_vendor_text(clock: FakeClock) -> None:
    vendor = Vendor([(F, "Job Failed: first")], [(F, "Job Failed: quota of async jobs reached")])

    with pytest.raises(ReportJobError) as info:
        job(vendor, clock, attempts=2).run()

    assert str(info.value) == "report job insights gave up after 2 attempts: job failed (Job Failed: quota of async jobs reached)"
    assert vendor.fetched == []


def test_deadline_exceeded_on_a_fake_clock(clock: FakeClock) -> None:
    forever = [(R, "Job Running 45%")] * 100
    vendor = Vendor(forever, forever)

    with pytest.raises(ReportJobError) as info:
        job(vendor, clock, deadline_seconds=10.0, first_poll=2.0, backoff=1.5, attempts=2).run()

    assert str(info.value) == "report job insights gave up after 2 attempts: deadline of 10s passed while 'Job Running 45%'"
    assert vendor.created == ["job-1", "job-2"]
    # Per attempt: sleeps 2, 3, 4.5 (t = 9.5); the next 6.75 s wait would pass the 10 s deadline.
    assert clock.sleeps == [2.0, 3.0, 4.5] * 2
    assert vendor.polls == {"job-1": 4, "job-2": 4}
    assert vendor.fetched == []
