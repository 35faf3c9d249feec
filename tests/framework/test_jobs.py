"""`jobs`: asynchronous report jobs declared (create, poll with a status map, download a file).

A small report vendor ("reports") runs on loopback: ``POST accounts/{id}/reports`` starts a
job, ``GET reports/{id}`` answers its scripted states, the file is a gzip CSV (or JSONL)
on another origin. Expected rows are computed here from the request's window, never
from the code under test.
"""

from __future__ import annotations

import gzip
import threading
import time
from datetime import date, timedelta
from typing import Any, Iterator

import orjson
import pyarrow as pa
import pytest

from bosco_connectors.framework import interrupt
from bosco_connectors.framework.auth import bearer
from bosco_connectors.framework.errors import ApiError, ReportJobError, ResponseFormatError
from bosco_connectors.framework.files import Csv, JsonLines
from bosco_connectors.framework.http import ApiClient, RetryPolicy
from bosco_connectors.framework.ids import Id
from bosco_connectors.framework.jobs import (
    DONE,
    FAILED,
    RUNNING,
    AsyncReport,
    AsyncReportStream,
    Create,
    Download,
    Poll,
    job_slot,
)
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Contract, Cursor, ReadContext, Window
from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse

TOKEN = "reports-secret-token-0001"
STATUSES = {"QUEUED": RUNNING, "PROCESSING": RUNNING, "DONE": DONE, "FAILED": FAILED, "EXPIRED": FAILED, "CANCELLED": FAILED}


class ReportsVendor:
    """The fake vendor. ``script`` is the states each new job answers, one per poll."""

    prefix = "reports"

    def __init__(self, *scripts: list[str], file_format: str = "csv") -> None:
        self.scripts = list(scripts) or [["QUEUED", "PROCESSING", "DONE"]]
        self.file_format = file_format
        self.jobs: dict[str, dict[str, Any]] = {}
        self.active = 0
        self.most_active = 0
        self.refuse: str | None = None
        self.no_id = False
        self._lock = threading.Lock()

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path.startswith("/files/"):  # "pre-signed" storage: no credential expected
            job = self.jobs[request.path.split("/")[2].split(".")[0]]
            return FakeResponse(200, self.file(job), {"Content-Type": "application/gzip"})
        if request.header("authorization") != f"Bearer {TOKEN}":
            return FakeResponse.json({"error": {"message": "invalid token"}}, 401)
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and parts[0] == "accounts" and parts[2] == "reports":
            return self.create(parts[1], request)
        if request.method == "GET" and parts[0] == "reports":
            return self.poll(parts[1], request)
        if request.method == "GET" and parts[0] == "exports" and parts[2] == "file":  # a file named by the poll's file_id
            job = next(j for i, j in self.jobs.items() if f"f-{i}" == parts[1])
            return FakeResponse(200, self.file(job), {"Content-Type": "application/gzip"})
        return FakeResponse.json({"error": {"message": "not found"}}, 404)

    def create(self, account: str, request: FakeRequest) -> FakeResponse:
        if self.refuse:
            return FakeResponse.json({"report": None, "errors": [{"message": self.refuse}]})
        if self.no_id:
            return FakeResponse.json({"report": {"state": "QUEUED"}})
        body = request.json()
        with self._lock:
            job_id = f"r{len(self.jobs) + 1}"
            script = self.scripts[min(len(self.jobs), len(self.scripts) - 1)]
            self.jobs[job_id] = {"account": account, "body": body, "states": list(script), "polls": 0,
                                 "scope": request.header("x-account-scope"), "open": True}
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        return FakeResponse.json({"report": {"id": job_id, "state": "QUEUED"}})

    def poll(self, job_id: str, request: FakeRequest) -> FakeResponse:
        job = self.jobs[job_id]
        with self._lock:
            state = job["states"][min(job["polls"], len(job["states"]) - 1)]
            job["polls"] += 1
            if state not in ("QUEUED", "PROCESSING") and job["open"]:
                job["open"] = False
                self.active -= 1
        host = request.header("host").replace("127.0.0.1", "localhost")  # another origin: credentials must not go there
        report = {"id": job_id, "state": state, "failure": "out of capacity" if state == "FAILED" else None,
                  "file_id": f"f-{job_id}" if state == "DONE" else None,
                  "download_url": f"http://{host}/{self.prefix}/files/{job_id}.gz?sig=abc" if state == "DONE" else None}
        return FakeResponse.json({"report": report})

    def file(self, job: dict[str, Any]) -> bytes:
        start, end = date.fromisoformat(job["body"]["range"]["from"]), date.fromisoformat(job["body"]["range"]["to"])
        rows = [dict(campaign_id=str(c), day=(start + timedelta(days=d)).isoformat(), spend_micros=str((c + d) * 1_250_000))
                for d in range((end - start).days + 1) for c in (11, 12)]
        if self.file_format == "jsonl":
            return gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in rows))
        lines = ["campaign_id,day,spend_micros", *(f"{r['campaign_id']},{r['day']},{r['spend_micros']}" for r in rows), "Total,,"]
        return gzip.compress(("\ufeff" + "\n".join(lines) + "\n").encode())


class CampaignDaily(Contract):
    account_id: Id
    campaign_id: Id
    day: date
    spend_micros: float


def report(**overrides: Any) -> AsyncReport:
    settings: dict[str, Any] = dict(
        name="campaign report",
        create=Create("accounts/{account_id}/reports", body={"level": "campaign", "account": "{account_id}"},
                      headers={"X-Account-Scope": "{account_id}"}, job_id="report.id", refused="errors",
                      window=WindowParams("range.from", "range.to", in_body=True)),
        poll=Poll("reports/{job_id}", status="report.state", statuses=STATUSES, url="report.download_url", error="report.failure"),
        download=Download(Csv(compression="gzip", footer_rows=1)),
        first_poll=0.01, max_poll=0.02, deadline=30, attempts=2,
    )
    return AsyncReport(**{**settings, **overrides})


def stream(**overrides: Any) -> AsyncReportStream:
    settings: dict[str, Any] = dict(
        name="campaign_daily", report=report(), contract=CampaignDaily, primary_key=("campaign_id", "day"),
        cursor=Cursor("day", window=timedelta(days=7)), arrow=True, records=Records(from_partition=("account_id",)),
    )
    return AsyncReportStream(**{**settings, **overrides})


@pytest.fixture
def vendor() -> ReportsVendor:
    return ReportsVendor()


@pytest.fixture
def api(vendor: ReportsVendor) -> Iterator[FakeApi]:
    with FakeApi([vendor]) as server:
        yield server


def client(api: FakeApi) -> ApiClient:
    return ApiClient("reports", api.url("reports"), auth=bearer(TOKEN), retry=RetryPolicy(max_attempts=2, initial_wait=0.01, jitter=0))


def context(api: FakeApi, account: str = "7001", start: date = date(2026, 11, 1), end: date = date(2026, 11, 3)) -> ReadContext:
    return ReadContext(client(api), None, start, end, {"account_id": account}, Window(start, end), arrow=True)


def read(s: AsyncReportStream, ctx: ReadContext) -> list[dict[str, Any]]:
    pages = list(s.read(ctx))
    assert all(isinstance(p, pa.Table) for p in pages)
    return [row for page in pages for row in page.to_pylist()]


def expected(account: str, start: date, days: int) -> list[dict[str, Any]]:
    return [dict(account_id=account, campaign_id=str(c), day=start + timedelta(days=d), spend_micros=(c + d) * 1.25e6)
            for d in range(days) for c in (11, 12)]


def test_declared_job_is_created_polled_and_its_csv_streamed_into_arrow(api, vendor):
    rows = read(stream(), context(api))

    key = lambda r: (r["day"], r["campaign_id"])  # noqa: E731
    assert sorted(({k: r[k] for k in ("account_id", "campaign_id", "day", "spend_micros")} for r in rows), key=key) == \
        sorted(expected("7001", date(2026, 11, 1), 3), key=key)
    (job,) = vendor.jobs.values()
    assert job["body"] == {"level": "campaign", "account": "7001", "range": {"from": "2026-11-01", "to": "2026-11-03"}}
    assert job["scope"] == "7001" and job["polls"] == 3
    (download,) = api.requests_to("/files/")
    assert "authorization" not in download.headers, "the bearer token must not go to the storage URL"


def test_jsonl_file_and_a_dict_stream(api, vendor):
    vendor.file_format = "jsonl"
    s = stream(report=report(download=Download(JsonLines(compression="gzip"))), arrow=False)
    pages = list(s.read(context(api, end=date(2026, 11, 1))))
    assert [sorted(r) for r in pages[0]] == [["account_id", "campaign_id", "day", "spend_micros"]] * 2


@pytest.mark.parametrize("vendor_state", ["FAILED", "EXPIRED", "CANCELLED"])
def test_a_failed_expired_or_cancelled_job_is_started_again(api, vendor, vendor_state):
    vendor.scripts = [["PROCESSING", vendor_state], ["DONE"]]

    rows = read(stream(), context(api))

    assert len(vendor.jobs) == 2 and len(rows) == 6


def test_a_job_failing_every_time_gives_up_with_the_vendors_reason(api, vendor):
    vendor.scripts = [["FAILED"]]
    with pytest.raises(ReportJobError) as info:
        read(stream(), context(api))
    assert str(info.value) == ("reports/campaign_daily: report job campaign report account_id=7001 2026-11-01..2026-11-03 "
                               "gave up after 2 attempts: job failed (status FAILED, failure out of capacity)")


def test_a_status_the_map_does_not_know_fails_naming_it_unless_declared(api, vendor):
    vendor.scripts = [["QUEUED", "ON_HOLD", "DONE"]]
    with pytest.raises(ResponseFormatError, match="job r1 has a status the declaration does not know: 'ON_HOLD'"):
        read(stream(), context(api))

    lenient = report(poll=Poll("reports/{job_id}", status="report.state", statuses=STATUSES, url="report.download_url",
                               unknown=RUNNING))
    assert len(read(stream(report=lenient), context(api))) == 6


def test_a_refused_job_and_an_answer_without_a_job_id_fail_at_once(api, vendor):
    vendor.refuse = "A report for this account is already running."
    with pytest.raises(ApiError, match="the job was refused: A report for this account is already running"):
        read(stream(), context(api))
    vendor.refuse, vendor.no_id = None, True
    with pytest.raises(ReportJobError, match="the API started no job"):
        read(stream(), context(api))
    assert not [r for r in api.requests if r.method == "GET"], "nothing is polled without a job id"


def test_a_job_past_its_deadline_is_started_again(api, vendor):
    vendor.scripts = [["QUEUED"] * 1000, ["DONE"]]
    rows = read(stream(report=report(deadline=0.2)), context(api))
    assert len(vendor.jobs) == 2 and len(rows) == 6


def test_deadline_and_attempts_may_name_config_fields(api, vendor):
    from types import SimpleNamespace

    vendor.scripts = [["QUEUED"] * 1000]
    ctx = context(api)
    ctx.config = SimpleNamespace(job_deadline_seconds=0.1, job_attempts=3)
    with pytest.raises(ReportJobError, match="gave up after 3 attempts: deadline of 0s passed"):
        read(stream(report=report(deadline="job_deadline_seconds", attempts="job_attempts")), ctx)
    assert len(vendor.jobs) == 3


@pytest.mark.parametrize("declared", ["report", "client"])
def test_max_concurrent_jobs_is_one_budget_per_client(api, vendor, declared):
    vendor.scripts = [["QUEUED", "PROCESSING", "PROCESSING", "DONE"]]
    shared = client(api)
    if declared == "client":  # `RateBudget(report_jobs=2)` of a declared source's `Api`
        shared.report_jobs = 2
    s = stream(report=report(max_concurrent=2 if declared == "report" else None))
    results: list[int] = []
    errors: list[BaseException] = []

    def run(account: str) -> None:
        try:
            ctx = ReadContext(shared, None, date(2026, 11, 1), date(2026, 11, 1), {"account_id": account}, Window(date(2026, 11, 1), date(2026, 11, 1)),
                              arrow=True)
            results.append(len(read(s, ctx)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(str(7000 + i),)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and results == [2] * 6
    assert vendor.most_active == 2, f"{vendor.most_active} jobs ran at once; the declared limit is 2"


def test_waiting_for_a_job_slot_ends_when_the_run_is_asked_to_stop():
    owner = object.__new__(ApiClient)  # any object can own a budget; no connection needed
    caught: list[BaseException] = []

    def wait() -> None:
        try:
            with job_slot(owner, 1):
                pass
        except BaseException as exc:  # noqa: BLE001
            caught.append(exc)

    with job_slot(owner, 1):
        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.2)
        assert waiter.is_alive(), "the second job must wait for the only slot"
        interrupt.request_stop(15)
        try:
            waiter.join(3)
        finally:
            interrupt.reset()
    assert caught and isinstance(caught[0], interrupt.Interrupted)


def test_download_from_an_api_path_and_a_done_job_without_url(api, vendor):
    vendor.file_format = "jsonl"
    empty = report(poll=Poll("reports/{job_id}", status="report.state", statuses=STATUSES),
                   download=Download(JsonLines(), no_url="empty"))
    assert list(stream(report=empty).read(context(api))) == []
    missing = report(poll=Poll("reports/{job_id}", status="report.state", statuses=STATUSES), download=Download(JsonLines()))
    with pytest.raises(ResponseFormatError, match="job r2 is done but its answer has no download URL"):
        list(stream(report=missing).read(context(api)))


def test_a_file_named_by_the_poll_answer_is_downloaded_from_the_api_path_it_fills(api, vendor):
    """`Poll(keep=...)`: a done job names its file by an id of its own (Qualtrics' ``fileId``)."""
    named = report(poll=Poll("reports/{job_id}", status="report.state", statuses=STATUSES, keep={"file_id": "report.file_id"}),
                   download=Download(Csv(compression="gzip", footer_rows=1), path="exports/{file_id}/file"))
    rows = read(stream(report=named), context(api))
    key = lambda r: (r["day"], r["campaign_id"])  # noqa: E731
    assert sorted(({k: r[k] for k in ("account_id", "campaign_id", "day", "spend_micros")} for r in rows), key=key) == \
        sorted(expected("7001", date(2026, 11, 1), 3), key=key)
    (download,) = api.requests_to("/exports/")
    assert download.path == "/exports/f-r1/file" and download.headers.get("authorization") == f"Bearer {TOKEN}"


def test_windows_before_the_vendors_history_are_skipped_or_cut(api, vendor):
    s = stream(oldest_day=lambda: date(2026, 11, 2))
    assert read(s, context(api, start=date(2026, 10, 1), end=date(2026, 10, 31))) == [] and not vendor.jobs
    rows = read(s, context(api))
    assert (vendor.jobs["r1"]["body"]["range"], len(rows)) == ({"from": "2026-11-02", "to": "2026-11-03"}, 4)


def test_sdk_calls_stand_in_for_declared_requests():
    """Create/poll/download as functions (an SDK): the same waiting, retrying and batching."""
    states = iter(["running", "failed", "running", "done"])
    created: list[str] = []

    def create(job):
        created.append(f"run-{len(created) + 1}")
        return {"run_id": created[-1]}

    def poll(job, handle):
        state = next(states)
        return {"running": RUNNING, "done": DONE, "failed": FAILED}[state], state

    def download(job, handle):
        yield [{"account_id": job.partition["account_id"], "campaign_id": "11", "day": "2026-11-01", "spend_micros": "1", "run": handle["run_id"]}]

    sdk = AsyncReport(name=lambda ctx: f"sdk report {ctx.partition['account_id']}", create=create, poll=poll, download=download,
                      job_id=lambda handle: handle.get("run_id"), first_poll=0.001, max_poll=0.001)
    ctx = ReadContext(object(), None, None, None, {"account_id": "9"}, Window(None, None), arrow=True)
    (page,) = list(stream(report=sdk).read(ctx))
    assert created == ["run-1", "run-2"] and page.column("run").to_pylist() == ["run-2"]


def test_a_declared_apis_report_job_budget_reaches_its_client():
    from types import SimpleNamespace

    from bosco_connectors.framework.declare import Api, RateBudget

    config = SimpleNamespace(base_url=None, max_workers=4, report_jobs_allowed=3)
    with Api(base_url="https://api.reports.example/", rate=RateBudget(report_jobs="report_jobs_allowed")).client("x", config) as made:
        assert made.report_jobs == 3
    with Api(base_url="https://api.reports.example/").client("x", config) as made:
        assert made.report_jobs is None
