"""Report jobs run from a definition made first (`jobs.Prepare`), report files with a summary
block (`files.Csv(header_after=..., end_at=...)`), and one source on two hosts (`hosts.ServiceHosts`).

A small vendor on loopback works as Bid Manager does: ``POST definitions`` answers a definition
id, ``POST definitions/{id}:run`` a run id, ``GET definitions/{id}/runs/{run}`` its state and a
file link; the file ends with a totals row, a blank line and report-time lines; ``DELETE
definitions/{id}`` removes the definition. Expected values are written out here.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from io import BytesIO
from typing import Any, Iterator

import httpx
import pytest

from bosco_connectors.framework.auth import bearer
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.files import Csv
from bosco_connectors.framework.hosts import ServiceHosts, hosts_unless_base_url
from bosco_connectors.framework.http import ApiClient, RetryPolicy
from bosco_connectors.framework.ids import Id
from bosco_connectors.framework.jobs import DONE, RUNNING, AsyncReport, AsyncReportStream, Create, Download, JobRequest, Poll, Prepare
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Contract, Cursor, ReadContext, Window
from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse

TOKEN = "definitions-token-0001"
FILE = """Date,Account ID,Clicks
2026/11/01,7001,5
2026/11/02,7001,8
,,13

Report Time:,2026/11/03 06:12 GMT
Filter by Account ID:,Acme (7001)
"""


class DefinitionsVendor:
    prefix = "defs"

    def __init__(self) -> None:
        self.definitions: dict[str, dict[str, Any]] = {}
        self.runs: list[tuple[str, Any]] = []
        self.deleted: list[str] = []
        self.answer_without_id = False
        self.refuse_delete = False

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path == "/storage/report.csv":
            return FakeResponse(200, FILE.encode(), {"Content-Type": "text/csv"})
        if request.header("authorization") != f"Bearer {TOKEN}":
            return FakeResponse.json({"error": {"message": "invalid token"}}, 401)
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and parts == ["definitions"]:
            if self.answer_without_id:
                return FakeResponse.json({"title": "no id"})
            self.definitions[f"d{len(self.definitions) + 1}"] = request.json()
            return FakeResponse.json({"definitionId": f"d{len(self.definitions)}"})
        if request.method == "POST" and len(parts) == 2 and parts[1].endswith(":run"):
            self.runs.append((parts[1][:-4], request.json()))
            return FakeResponse.json({"key": {"runId": "r1"}, "state": "QUEUED"})
        if request.method == "GET" and parts[0] == "definitions" and parts[2] == "runs":
            host = request.header("host").replace("127.0.0.1", "localhost")
            return FakeResponse.json({"state": "DONE", "url": f"http://{host}/{self.prefix}/storage/report.csv"})
        if request.method == "DELETE" and parts[0] == "definitions":
            if self.refuse_delete:
                return FakeResponse.json({"error": {"message": "deletion refused"}}, 400)
            self.deleted.append(parts[1])
            return FakeResponse.json({})
        return FakeResponse.json({"error": {"message": "not found"}}, 404)


class Daily(Contract):
    date: date
    account_id: Id
    clicks: int | None = None


def stream() -> AsyncReportStream:
    report = AsyncReport(
        name="daily report",
        create=Create("definitions/{definition_id}:run", body={"range": "CUSTOM"}, job_id="key.runId",
                      window=WindowParams("from", "to", in_body=True),
                      prepare=Prepare("definitions", body={"account": "{account_id}"}, keep={"definition_id": "definitionId"},
                                      cleanup=JobRequest("definitions/{definition_id}", method="DELETE"))),
        poll=Poll("definitions/{definition_id}/runs/{job_id}", status="state", url="url", statuses={"QUEUED": RUNNING, "DONE": DONE}),
        download=Download(Csv(end_at=("",))), first_poll=0.01, max_poll=0.02, deadline=30,
    )
    return AsyncReportStream(
        name="daily", report=report, contract=Daily, primary_key=("account_id", "date"), arrow=True,
        cursor=Cursor("date", window=timedelta(days=7)),
        records=Records(rename={"Date": "date", "Account ID": "account_id", "Clicks": "clicks"}, formats={"date": "%Y/%m/%d"}),
    )


@pytest.fixture
def vendor() -> DefinitionsVendor:
    return DefinitionsVendor()


@pytest.fixture
def api(vendor: DefinitionsVendor) -> Iterator[FakeApi]:
    with FakeApi([vendor]) as server:
        yield server


def context(api: FakeApi) -> ReadContext:
    client = ApiClient("defs", api.url("defs"), auth=bearer(TOKEN), retry=RetryPolicy(max_attempts=2, initial_wait=0.01, jitter=0))
    start, end = date(2026, 11, 1), date(2026, 11, 2)
    return ReadContext(client, None, start, end, {"account_id": "7001"}, Window(start, end), arrow=True)


def test_the_job_runs_from_the_prepared_definition_which_is_removed_after_the_file_is_read(api, vendor):
    rows = [r for page in stream().read(context(api)) for r in page.to_pylist()]

    assert rows == [{"tenant_id": None, "date": date(2026, 11, 1), "account_id": "7001", "clicks": 5},
                    {"tenant_id": None, "date": date(2026, 11, 2), "account_id": "7001", "clicks": 8}]
    assert vendor.definitions == {"d1": {"account": "7001"}}
    assert vendor.runs == [("d1", {"range": "CUSTOM", "from": "2026-11-01", "to": "2026-11-02"})]
    assert vendor.deleted == ["d1"]


def test_a_preparation_that_names_no_definition_fails_saying_so(api, vendor):
    vendor.answer_without_id = True
    with pytest.raises(ResponseFormatError) as info:
        list(stream().read(context(api)))
    assert "names no definition_id ('definitionId')" in str(info.value)
    assert vendor.runs == []


def test_a_refused_cleanup_is_a_warning_and_the_rows_load(api, vendor, caplog):
    vendor.refuse_delete = True
    with caplog.at_level(logging.WARNING):
        rows = [r for page in stream().read(context(api)) for r in page.to_pylist()]
    assert len(rows) == 2
    assert any("could not remove" in m and "definitions/d1" in m and "deletion refused" in m for m in caplog.messages)


def test_csv_records_end_at_the_summary():
    """Display & Video 360: a totals row without dimensions, then a blank line and report lines."""
    assert list(Csv(end_at=("",)).records(BytesIO(FILE.encode()))) == [
        {"Date": "2026/11/01", "Account ID": "7001", "Clicks": "5"}, {"Date": "2026/11/02", "Account ID": "7001", "Clicks": "8"}]


def test_csv_header_after_a_preamble_and_records_up_to_a_grand_total():
    """Campaign Manager 360: a report block of any length before "Report Fields", a "Grand Total:" row last."""
    text = ("Acme Report,,\n,,\nReport Time:,2026-11-03 06:00:00,\nDate Range:,2026-11-01 - 2026-11-02,\n,,\n"
            "Report Fields,,\nDate,Campaign ID,Clicks\n2026-11-01,11,4\n2026-11-02,11,6\nGrand Total:,,10\n")
    fmt = Csv(header_after="Report Fields", end_at=("Grand Total:",))
    assert list(fmt.records(BytesIO(text.encode()))) == [
        {"Date": "2026-11-01", "Campaign ID": "11", "Clicks": "4"}, {"Date": "2026-11-02", "Campaign ID": "11", "Clicks": "6"}]
    assert list(fmt.records(BytesIO(fmt.dump([{"a": "1"}, {"a": "2"}])))) == [{"a": "1"}, {"a": "2"}]
    with pytest.raises(ResponseFormatError, match="no 'Report Fields' row"):
        list(fmt.records(BytesIO(b"Date,Clicks\n2026-11-01,4\n")))


def test_service_hosts_send_each_prefix_to_its_host():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.host}{request.url.path} {request.headers.get('authorization')}")
        return httpx.Response(200, json={})

    options = hosts_unless_base_url({"v2/": "https://reports.example.com/"})
    client = ServiceHosts("two", "https://entities.example.com/", auth=bearer("t-0001"), transport=httpx.MockTransport(handler),
                          **options(type("Config", (), {"base_url": None})()))
    client.get("v4/advertisers/1")
    client.post("v2/queries", json={})
    assert seen == ["entities.example.com/v4/advertisers/1 Bearer t-0001", "reports.example.com/v2/queries Bearer t-0001"]
    assert options(type("Config", (), {"base_url": "http://127.0.0.1:9/"})()) == {"services": {}}
