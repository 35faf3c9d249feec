"""mailgun: the documented items load as rows (dimension values beside the counters, the RFC 2822
time bucket as its UTC day), the query sent, the error table, and a day read again.

Expected values are read off the documented bodies (cassettes/mailgun/bodies), never from the connector.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.mailgun import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"


def body(name: str):
    return json.loads((BODIES / name).read_text())


def documented(stream: str) -> list[dict]:
    out = []
    for page in (1, 2):
        for item in body(f"{stream}.page{page}.json")["items"]:
            out.append({**{d["dimension"]: d["value"] for d in item["dimensions"]}, **item["metrics"]})
    return out


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(tmp_path: Path, answer_first=None) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="mailgun_test", destination=dlt.destinations.duckdb(str(tmp_path / "m.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    return seen


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_items_load_as_rows_with_their_dimension_values_and_utc_days(tmp_path, fast):
    sync(tmp_path)
    rows = query(tmp_path, "select date, domain, tag, sent_count, delivered_count, opened_count, unique_opened_count, "
                           "clicked_count, bounced_count, complained_count from raw.mailgun_tag_stats_daily order by 1, 2, 3")
    days = {"Mon, 16 Nov 2026 00:00:00 +0000": date(2026, 11, 16), "Tue, 17 Nov 2026 00:00:00 +0000": date(2026, 11, 17)}
    assert rows == sorted((days[r["time"]], r["domain"], r["tag"], r["sent_count"], r["delivered_count"], r["opened_count"],
                           r["unique_opened_count"], r["clicked_count"], r["bounced_count"], r["complained_count"])
                          for r in documented("tag_stats_daily"))
    assert (date(2026, 11, 16), "news.example.com", "black-friday", 5000, 4930, 2210, 1790, 388, 70, 3) in rows
    domains = query(tmp_path, "select count(*), sum(sent_count) from raw.mailgun_domain_stats_daily")
    assert domains == [(4, sum(r["sent_count"] for r in documented("domain_stats_daily")))]


def test_the_query_asks_for_day_buckets_in_rfc2822_and_pages_by_skip(tmp_path, fast):
    seen = sync(tmp_path)
    bodies = [r.json() for r in seen if r.path.endswith("v1/analytics/metrics")]
    assert len(bodies) == 4
    assert {(b["start"], b["end"]) for b in bodies} == {("Mon, 16 Nov 2026 00:00:00 +0000", "Tue, 17 Nov 2026 23:59:59 +0000")}
    assert all(b["resolution"] == "day" and b["include_subaccounts"] is False for b in bodies)
    assert sorted((tuple(b["dimensions"]), b["pagination"]["skip"]) for b in bodies) == [
        (("time", "domain"), 0), (("time", "domain"), 3), (("time", "domain", "tag"), 0), (("time", "domain", "tag"), 3)]
    # basic auth: user "api", the key as password
    assert all(r.header("authorization") == "Basic " + __import__("base64").b64encode(b"api:fixture-key").decode() for r in seen)


def test_a_day_read_again_changes_its_row_and_adds_none(tmp_path, fast):
    sync(tmp_path)
    changed = copy.deepcopy(body("tag_stats_daily.page2.json"))
    changed["items"][0]["metrics"]["opened_count"] += 10  # 2026-11-17 order-confirmation: opens arrived later

    def later(request):
        b = request.json() or {}
        if "tag" in b.get("dimensions", []) and b.get("pagination", {}).get("skip") == 3:
            return FakeResponse.json(changed)
        return None

    sync(tmp_path, later)
    total = sum(r["opened_count"] for r in documented("tag_stats_daily")) + 10
    assert query(tmp_path, "select count(*), sum(opened_count) from raw.mailgun_tag_stats_daily") == [(5, total)]


@pytest.mark.parametrize(("status", "name", "kind"), [
    (401, "error.auth.json", AuthError),
    (403, "error.auth.json", AuthError),
    (429, "error.rate_limit.json", RetryableApiError),
    (400, "error.bad_request.json", ApiError),
])
def test_the_documented_errors(status, name, kind):
    response = httpx.Response(status, text=(BODIES / name).read_text(), headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["message"] in str(error)
