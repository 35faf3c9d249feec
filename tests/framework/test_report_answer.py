"""`RestStream(file=...)`: a request whose answer is the report itself (Criteo's ``POST statistics/report``).

A small vendor ("stats") on loopback answers ``POST accounts/{id}/stats`` with the report
for the window in its JSON body, as a CSV with semicolons or as a JSON document whose rows
are under ``Rows``. Expected rows are computed here from the request, never from the code
under test.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterator

import orjson
import pyarrow as pa
import pytest

from bosco_connectors.framework.auth import bearer
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ApiError, AuthError
from bosco_connectors.framework.files import Csv, Json
from bosco_connectors.framework.http import ApiClient, RetryPolicy
from bosco_connectors.framework.ids import Id
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Contract, Cursor, ReadContext, RestStream, Window
from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse

TOKEN = "stats-secret-token-0001"
ERRORS = ErrorMap("Stats", code="errors.0.type", message=("errors.0.detail", "errors.0.title"), codes={"quota": Action.RETRY, "authentication": Action.AUTH})


class StatsVendor:
    prefix = "stats"

    def __init__(self) -> None:
        self.format = "json"
        self.bodies: list[dict[str, Any]] = []
        self.answers: list[tuple[int, bytes, str]] = []  # scripted answers first (errors), then the report

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.header("authorization") != f"Bearer {TOKEN}":
            return FakeResponse.json({"errors": [{"type": "authentication", "title": "invalid token"}]}, 401)
        if request.method != "POST" or not request.path.endswith("/stats"):
            return FakeResponse.json({"errors": [{"type": "validation", "title": "not found"}]}, 404)
        body = request.json()
        self.bodies.append(body)
        if self.answers:
            status, content, kind = self.answers.pop(0)
            return FakeResponse(status, content, {"Content-Type": kind})
        rows = report_rows(body)
        if self.format == "csv":
            lines = ["CampaignId;Day;Currency;AdvertiserCost;Clicks",
                     *(f"{r['CampaignId']};{r['Day']};EUR;{r['AdvertiserCost']};{r['Clicks']}" for r in rows)]
            return FakeResponse(200, ("\n".join(lines) + "\n").encode(), {"Content-Type": "text/csv"})
        return FakeResponse(200, orjson.dumps({"Rows": rows}), {"Content-Type": "application/json"})


def report_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    start, end = date.fromisoformat(body["startDate"]), date.fromisoformat(body["endDate"])
    return [{"CampaignId": str(c), "Day": (start + timedelta(days=d)).isoformat(), "Currency": "EUR",
             "AdvertiserCost": f"{c + d}.25", "Clicks": c * 10 + d}
            for d in range((end - start).days + 1) for c in (11, 12)]


class CampaignDaily(Contract):
    advertiser_id: Id
    campaign_id: Id
    day: date
    spend: float
    clicks: int


def stream(file: Any = None, **overrides: Any) -> RestStream:
    settings: dict[str, Any] = dict(
        name="campaign_daily", path="accounts/{advertiser_id}/stats", method="POST",
        params={"advertiserIds": "{advertiser_id}", "format": "json", "dimensions": ["CampaignId", "Day"]},
        window=WindowParams("startDate", "endDate"), file=file or Json("Rows"),
        records=Records(path="Rows", rename={"CampaignId": "campaign_id", "Day": "day", "AdvertiserCost": "spend",
                                             "Clicks": "clicks"}, from_partition=("advertiser_id",)),
        contract=CampaignDaily, primary_key=("campaign_id", "day"), arrow=True, cursor=Cursor("day", window=timedelta(days=7)),
    )
    return RestStream(**{**settings, **overrides})


@pytest.fixture
def vendor() -> StatsVendor:
    return StatsVendor()


@pytest.fixture
def api(vendor: StatsVendor) -> Iterator[FakeApi]:
    with FakeApi([vendor]) as server:
        yield server


def context(api: FakeApi, start: date = date(2026, 11, 1), end: date = date(2026, 11, 3)) -> ReadContext:
    client = ApiClient("stats", api.url("stats"), auth=bearer(TOKEN), errors=ERRORS.policy(),
                       retry=RetryPolicy(max_attempts=3, initial_wait=0.01, jitter=0))
    return ReadContext(client, None, start, end, {"advertiser_id": "7001"}, Window(start, end), arrow=True)


def read(s: RestStream, ctx: ReadContext) -> list[dict[str, Any]]:
    pages = list(s.read(ctx))
    assert pages and all(isinstance(p, pa.Table) for p in pages)
    return sorted(({k: r[k] for k in ("advertiser_id", "campaign_id", "day", "spend", "clicks")}
                   for page in pages for row in [page.to_pylist()] for r in row), key=lambda r: (r["day"], r["campaign_id"]))


def expected(days: int) -> list[dict[str, Any]]:
    start = date(2026, 11, 1)
    return [dict(advertiser_id="7001", campaign_id=str(c), day=start + timedelta(days=d), spend=c + d + 0.25, clicks=c * 10 + d)
            for d in range(days) for c in (11, 12)]


def test_a_post_answered_with_a_json_report_loads_its_rows(api, vendor):
    assert read(stream(), context(api)) == expected(3)
    (body,) = vendor.bodies
    assert body == {"advertiserIds": "7001", "format": "json", "dimensions": ["CampaignId", "Day"],
                    "startDate": "2026-11-01", "endDate": "2026-11-03"}, "the query, partition and window go in the JSON body"


def test_a_post_answered_with_a_semicolon_csv_report_loads_its_rows(api, vendor):
    vendor.format = "csv"
    assert read(stream(Csv(delimiter=";")), context(api)) == expected(3)


def test_an_error_envelope_answered_with_http_200_fails_with_the_vendors_words(api, vendor):
    error = {"errors": [{"type": "authentication", "title": "the token was revoked"}]}
    vendor.answers = [(200, orjson.dumps(error), "application/json")]
    with pytest.raises(AuthError, match="the token was revoked"):
        list(stream().read(context(api)))


def test_a_rate_limited_answer_is_retried_then_the_report_loads(api, vendor):
    quota = {"errors": [{"type": "quota", "title": "too many requests"}]}
    vendor.answers = [(429, orjson.dumps(quota), "application/json")]
    assert read(stream(), context(api, end=date(2026, 11, 1))) == expected(1)
    assert len(vendor.bodies) == 2


def test_a_report_request_never_leaves_the_configured_origin(api):
    client = ApiClient("stats", api.url("stats"), auth=bearer(TOKEN), retry=RetryPolicy(max_attempts=1))
    with pytest.raises(ApiError, match="refused"):
        client.download_file("http://localhost:1/elsewhere/stats", method="POST", json={"a": 1})
