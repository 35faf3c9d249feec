"""umami: expanded metrics load with the UTC day their request covered, the credential choices,
the error table, and a day read again.

Expected values are read off the documented bodies (cassettes/umami/bodies), never from the connector.
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
from bosco_connectors.sources.umami import API, UmamiConfig, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
SHOP = "3f5e8a62-7c1d-4b9e-a0f4-2d6c8e1b9a37"


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="umami_test", destination=dlt.destinations.duckdb(str(tmp_path / "u.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(connector.resources({**app.source_config(api.url(app.prefix)), **config}, tenant_id="t1"),
                     loader_file_format="parquet")
    return seen


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "u.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_rows_carry_the_utc_day_their_request_covered(tmp_path, fast):
    seen = sync(tmp_path)
    rows = query(tmp_path, f"select date, name, pageviews, visitors, visits, bounces, totaltime from raw.umami_channel_daily "
                           f"where website_id = '{SHOP}' order by name")
    assert rows == sorted((date(2026, 11, 16), r["name"], r["pageviews"], r["visitors"], r["visits"], r["bounces"], r["totaltime"])
                          for r in body("channel_daily.shop.json"))
    referrers = body("referrer_daily.shop.page1.json") + body("referrer_daily.shop.page2.json") + body("referrer_daily.blog.json")
    assert query(tmp_path, "select count(*), sum(visits) from raw.umami_referrer_daily") == [(len(referrers), sum(r["visits"] for r in referrers))]
    metrics = [r for r in seen if r.path.endswith("metrics/expanded")]
    # the UTC day's first and last millisecond
    assert {(r.arg("startAt"), r.arg("endAt")) for r in metrics} == {("1794787200000", "1794873599000")}
    assert all(r.header("x-umami-api-key") == "fixture-key" and r.header("authorization") is None for r in seen)


def test_a_self_hosted_token_is_sent_as_a_bearer(tmp_path, fast):
    seen = sync(tmp_path, api_key=None, access_token="fixture-token")
    assert seen and all(r.header("authorization") == "Bearer fixture-token" for r in seen)


@pytest.mark.parametrize("config", [{}, {"api_key": "k", "access_token": "t"}])
def test_exactly_one_credential_is_required(config):
    with pytest.raises(ValueError):
        UmamiConfig(**config)


def test_a_day_read_again_changes_its_row_and_adds_none(tmp_path, fast):
    sync(tmp_path)
    changed = copy.deepcopy(body("channel_daily.shop.json"))
    changed[0]["visits"] += 9  # direct visits that were still open at midnight

    def later(request):
        if request.path.endswith(f"{SHOP}/metrics/expanded") and request.arg("type") == "channel":
            return FakeResponse.json(changed)
        return None

    sync(tmp_path, later)
    documented = body("channel_daily.shop.json") + body("channel_daily.blog.json")
    assert query(tmp_path, "select count(*), sum(visits) from raw.umami_channel_daily") == [
        (len(documented), sum(r["visits"] for r in documented) + 9)]


@pytest.mark.parametrize(("status", "name", "kind"), [
    (401, "error.auth.json", AuthError),
    (429, "error.rate_limit.json", RetryableApiError),
    (400, "error.bad_request.json", ApiError),
])
def test_the_documented_errors(status, name, kind):
    response = httpx.Response(status, text=(BODIES / name).read_text(), headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["error"]["message"] in str(error)
