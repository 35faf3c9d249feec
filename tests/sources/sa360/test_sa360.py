"""The declared sa360 source: documented bodies, query text, paging, headers and errors.

Expected values come from the documented bodies (cassettes/sa360/) or are written out
here, never computed by the connector's own code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, ConfigError, RetryableApiError
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.sa360 import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

CUSTOMER = "1234567890"
SEARCH = f"customers/{CUSTOMER}/searchAds360:search"


def fixtures() -> Fixtures:
    return Fixtures.load(fixture_folder(connector))


def documented(stream: str) -> list[dict]:
    f = fixtures()
    return [row for e in f.data(stream) for row in f.body(e)["results"]]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """The documented fixtures synced into DuckDB, and the requests the source sent."""
    tmp = tmp_path_factory.mktemp("sa360")
    app = FixtureApp(fixtures())
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="sa360_test", destination=dlt.destinations.duckdb(str(tmp / "x.duckdb")),
                                pipelines_dir=str(tmp / "p"), dataset_name="raw")
        pipeline.run(source(**app.source_config(api.url(app.prefix))))
    assert not app.unmatched
    return tmp, app


def query(tmp: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_cost_micros_load_as_exact_currency_amounts(replayed):
    tmp, _ = replayed
    loaded = {(r[0], r[1]): r[2:] for r in query(tmp, "select campaign_id, date, cost, impressions, clicks, conversions, "
                                                     "conversions_value, customer_id from raw.sa360_campaign_daily")}
    # campaign_daily.page1.json: costMicros "15230000" and "42817500"; impressions and clicks are int64 text
    assert loaded[("20451", date(2026, 11, 1))] == (Decimal("15.23"), 4210, 388, 21.0, 1680.5, CUSTOMER)
    assert loaded[("20452", date(2026, 11, 1))] == (Decimal("42.8175"), 12904, 655, 9.5, 741.0, CUSTOMER)
    assert len(loaded) == len(documented("campaign_daily")) == 4


def test_each_resource_keeps_its_own_id(replayed):
    """campaign.id, adGroup.id and adGroupAd.ad.id are all ``id`` in the rows: each lands in its own column."""
    tmp, _ = replayed
    rows = set(query(tmp, "select customer_id, campaign_id, ad_group_id, ad_id, ad_name, ad_type, status from raw.sa360_ads"))
    assert rows == {(r["customer"]["id"], r["campaign"]["id"], r["adGroup"]["id"], r["adGroupAd"]["ad"]["id"],
                     r["adGroupAd"]["ad"]["name"], r["adGroupAd"]["ad"]["type"], r["adGroupAd"]["status"]) for r in documented("ads")}
    columns = {r[0] for r in query(tmp, "select column_name from information_schema.columns where table_name = 'sa360_ads'")}
    assert not [c for c in columns if c.startswith(("ad_group_ad__", "campaign__", "customer__"))], columns


def test_the_customer_carries_currency_and_time_zone(replayed):
    tmp, _ = replayed
    assert query(tmp, "select customer_id, descriptive_name, currency_code, time_zone, status, manager from raw.sa360_customers") == [
        (CUSTOMER, "Acme Outdoor - Search", "EUR", "Europe/Berlin", "ENABLED", False)]


def test_the_window_is_a_condition_of_the_query_and_pages_follow_the_token(replayed):
    _, app = replayed
    sent = [r.json() for e, r in app.answered if e.stream == "campaign_daily"]
    assert [s["query"].split(" FROM ")[1] for s in sent] == ["campaign WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-02'"] * 2
    assert "pageToken" not in sent[0]
    assert sent[1]["pageToken"] == fixtures().body(next(e for e in fixtures().data("campaign_daily")
                                                        if e.response["body"] == "campaign_daily.page1.json"))["nextPageToken"]


def test_requests_name_the_manager_and_the_token(replayed):
    _, app = replayed
    request = next(r for e, r in app.answered if e.stream == "campaigns")
    assert request.header("login-customer-id") == "9876543210"
    assert request.header("authorization") == "Bearer ya29.fixture-access-token"


def test_customer_ids_are_accepted_as_the_ui_writes_them():
    config = connector.validate({"client_id": "c", "client_secret": "s", "refresh_token": "r",
                                 "customer_ids": "123-456-7890, 1234567890,5550001111", "login_customer_id": "987-654-3210"})
    assert config.customer_ids == ["1234567890", "5550001111"]
    assert config.login_customer_id == "9876543210"
    with pytest.raises(ConfigError) as info:
        connector.validate({"client_id": "c", "client_secret": "s", "refresh_token": "r", "customer_ids": "acme"})
    assert "customer_ids" in str(info.value)


@pytest.mark.parametrize(("body", "status", "kind"), [
    ("error.auth.json", 401, AuthError),
    ("error.permission_denied.json", 403, AuthError),
    ("error.rate_limit.json", 429, RetryableApiError),
])
def test_error_map(body, status, kind):
    documented_body = fixtures().body(next(e for e in fixtures().exchanges if e.response.get("body") == body))
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["error"]["message"] in str(error)


def test_an_error_under_status_200_is_still_an_error():
    body = {"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}
    error = API.errors.policy().for_status(httpx.Response(200), body)
    assert isinstance(error, AuthError) and "login_customer_id" in str(error)


def test_a_page_is_no_error():
    assert API.errors.policy().for_status(httpx.Response(200), {"results": [], "fieldMask": "campaign.id"}) is None
