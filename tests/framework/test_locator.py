"""`locator.HeaderLocator`: a job's result read set by set, each answer naming the next set in a
response header; and `jobs.RestStreamWithJob`, a REST stream whose long reads go through a job.

A small vendor ("sets") runs on loopback: ``POST jobs`` starts a job, ``GET jobs/{id}`` says it
is done, ``GET jobs/{id}/results?locator=&maxRecords=`` answers one CSV set of the job's
records with ``Next-Set`` (the next locator, ``"none"`` on the last set) and ``Set-Count``
headers, as Salesforce's Bulk API 2.0 does with ``Sforce-Locator``. ``GET items`` is the REST
endpoint of the same records. Expected rows are written here, never read from the code.
"""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest

from bosco_connectors.framework.auth import bearer
from bosco_connectors.framework.errors import PaginationLoop, ResponseFormatError
from bosco_connectors.framework.files import ColumnBatch, Csv
from bosco_connectors.framework.http import ApiClient, RetryPolicy
from bosco_connectors.framework.ids import Id
from bosco_connectors.framework.jobs import DONE, FAILED, RUNNING, AsyncReport, Create, Download, Poll, RestStreamWithJob
from bosco_connectors.framework.locator import HeaderLocator
from bosco_connectors.framework.paginators import SinglePage
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Contract, Cursor, ReadContext, Window
from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse

TOKEN = "sets-secret-token-0001"
ITEMS = [{"id": f"i{n}", "flag": "true" if n % 2 else "false", "note": "" if n % 3 == 0 else f"note {n}"} for n in range(1, 8)]


def locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


class SetsVendor:
    prefix = "sets"

    def __init__(self) -> None:
        self.requests: list[FakeRequest] = []
        self.repeat = False  # name the first set again instead of the next
        self.miscount = False  # state one record more than the set holds
        self.last = "none"

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.header("authorization") != f"Bearer {TOKEN}":
            return FakeResponse.json({"error": "invalid token"}, 401)
        self.requests.append(request)
        parts = request.path.strip("/").split("/")
        if parts == ["items"]:
            return FakeResponse.json({"items": [{**r, "flag": r["flag"] == "true", "note": r["note"] or None} for r in ITEMS]})
        if request.method == "POST" and parts == ["jobs"]:
            return FakeResponse.json({"id": "j1", "state": "Queued"})
        if parts == ["jobs", "j1"]:
            return FakeResponse.json({"id": "j1", "state": "Done"})
        if parts == ["jobs", "j1", "results"]:
            size = int(request.arg("maxRecords") or 1000)
            asked = request.arg("locator")
            offset = int(base64.b64decode(asked + "=" * (-len(asked) % 4)).decode()) if asked else 0
            chunk = ITEMS[offset:offset + size]
            following = locator(offset + size) if offset + size < len(ITEMS) else self.last
            if self.repeat and asked:
                following = asked
            lines = ['"id","flag","note"', *(f'"{r["id"]}","{r["flag"]}","{r["note"]}"' for r in chunk)]
            headers = {"Content-Type": "text/csv", "Set-Count": str(len(chunk) + (1 if self.miscount else 0))}
            if following is not None:
                headers["Next-Set"] = following
            return FakeResponse(200, ("\n".join(lines) + "\n").encode(), headers)
        return FakeResponse.json({"error": "not found"}, 404)


class Config:
    set_size = 3


PAGES = HeaderLocator("Next-Set", "locator", last="none", size_param="maxRecords", size="set_size", count_header="Set-Count")


@pytest.fixture
def vendor() -> SetsVendor:
    return SetsVendor()


@pytest.fixture
def api(vendor: SetsVendor) -> Iterator[FakeApi]:
    with FakeApi([vendor]) as server:
        yield server


def client(api: FakeApi) -> ApiClient:
    return ApiClient("sets", api.url("sets"), auth=bearer(TOKEN), retry=RetryPolicy(max_attempts=2, initial_wait=0.01, jitter=0))


def read_sets(api: FakeApi, rows: int = 1000, pages: HeaderLocator = PAGES) -> list[Any]:
    return list(pages.sets(client(api), "jobs/j1/results", Csv(), stream="items", config=Config(), rows=rows))


def ids(batches: list[Any]) -> list[str]:
    return [r["id"] for b in batches for r in (b.rows() if isinstance(b, ColumnBatch) else b)]


def test_every_set_is_read_following_the_header_until_its_last_value(api, vendor):
    batches = read_sets(api)

    assert ids(batches) == [r["id"] for r in ITEMS]
    asked = [(r.arg("locator"), r.arg("maxRecords")) for r in vendor.requests]
    assert asked == [(None, "3"), (locator(3), "3"), (locator(6), "3")]


def test_an_absent_or_empty_header_ends_the_read_too(api, vendor):
    vendor.last = None
    assert ids(read_sets(api)) == [r["id"] for r in ITEMS]
    assert len(vendor.requests) == 3


def test_memory_follows_the_batch_one_set_downloaded_at_a_time(api, vendor):
    """Batches never exceed `rows`; the next set is asked for only once the set before is read."""
    reader = PAGES.sets(client(api), "jobs/j1/results", Csv(), stream="items", config=Config(), rows=2)
    first = next(reader)
    assert first.num_rows == 2 and len(vendor.requests) == 1
    rest = list(reader)
    assert max(b.num_rows for b in [first, *rest]) <= 2
    assert ids([first, *rest]) == [r["id"] for r in ITEMS] and len(vendor.requests) == 3


def test_a_locator_given_twice_is_a_loop(api, vendor):
    vendor.repeat = True
    with pytest.raises(PaginationLoop, match="names a set already read"):
        read_sets(api)
    assert len(vendor.requests) == 2


def test_a_set_whose_count_header_disagrees_fails(api, vendor):
    vendor.miscount = True
    with pytest.raises(ResponseFormatError, match="says Set-Count: 4 but holds 3 records"):
        read_sets(api)


def test_without_a_size_the_vendor_chooses(api, vendor):
    batches = read_sets(api, pages=HeaderLocator("Next-Set", "locator", last="none"))
    assert ids(batches) == [r["id"] for r in ITEMS] and vendor.requests[0].arg("maxRecords") is None


def test_the_download_hands_its_headers_to_on_response(api, vendor):
    seen: list[str | None] = []
    with client(api).download_file("jobs/j1/results", params={"maxRecords": 2}, on_response=lambda r: seen.append(r.headers.get("next-set"))):
        pass
    assert seen == [locator(2)]


# -- a REST stream whose long reads go through the job ---------------------------------------


class Item(Contract):
    id: Id
    flag: bool | None = None
    note: str | None = None
    changed: datetime | None = None


def item_stream(**overrides: Any) -> RestStreamWithJob:
    settings: dict[str, Any] = dict(
        name="items", path="items", paginator=SinglePage, records=Records("items"), contract=Item, primary_key=("id",),
        cursor=Cursor("changed", kind="datetime"),
        report=AsyncReport(name="items job", create=Create("jobs", body={"what": "items"}),
                           poll=Poll("jobs/{job_id}", status="state", statuses={"Queued": RUNNING, "Done": DONE, "Failed": FAILED}),
                           download=Download(Csv(), path="jobs/{job_id}/results", headers={"Accept": "text/csv"}, pages=PAGES),
                           first_poll=0.01, max_poll=0.01),
        use_job=lambda ctx: ctx.window.end - ctx.window.start > timedelta(days=7),
        job_record=lambda r: {**r, "flag": r["flag"] == "true", "note": r["note"] or None},
    )
    return RestStreamWithJob(**{**settings, **overrides})


def context(api: FakeApi, days: int) -> ReadContext:
    end = datetime(2026, 11, 2, tzinfo=timezone.utc)
    return ReadContext(client(api), Config(), end - timedelta(days=days), end, {}, Window(end - timedelta(days=days), end))


def test_a_short_read_takes_the_rest_pages_a_long_one_the_job_and_both_give_the_same_rows(api, vendor):
    rest = [row for page in item_stream().read(context(api, 1)) for row in page]
    assert [r.path for r in vendor.requests] == ["/items"]

    vendor.requests.clear()
    job = [row for page in item_stream().read(context(api, 400)) for row in page]
    assert [r.path for r in vendor.requests] == ["/jobs", "/jobs/j1", *["/jobs/j1/results"] * 3]
    assert all(r.header("accept") == "text/csv" for r in vendor.requests[2:])
    assert job == rest and rest[0] == {"id": "i1", "flag": True, "note": "note 1"} and rest[2]["note"] is None


def test_no_credential_in_the_job_reads_logs(api, vendor, caplog):
    with caplog.at_level(logging.DEBUG):
        list(item_stream().read(context(api, 400)))
    assert TOKEN not in caplog.text
