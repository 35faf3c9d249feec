"""AdRoll: the documented bodies load as the schema types them, the error map, the two credentials."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.auth import AllOf, ApiKey
from bosco_connectors.framework.records import CURRENCY, Records
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.adroll import API, AdRollConfig, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("adroll"))
ADVERTISABLE = FIXTURES.config["advertisable_eids"][0]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The documented fixtures replayed into DuckDB; the requests the source sent."""
    tmp_path = tmp_path_factory.mktemp("adroll")
    app = FixtureApp(Fixtures.load(fixture_folder("adroll")))
    seen: list = []
    handle = app.handle
    app.handle = lambda request: (seen.append(request), handle(request))[1]
    with FakeApi([app]) as api:
        config = app.source_config(api.url(app.prefix))
        pipeline = dlt.pipeline(pipeline_name="adroll_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(source(**config))
    assert not app.unmatched
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        yield (lambda sql: con.execute(sql).fetchall()), seen, config


def test_daily_rows_are_the_byDate_items_with_their_campaign_and_exact_money(loaded):
    query, _, _ = loaded
    rows = query("select campaign_eid, campaign_name, date, impressions, clicks, cost, revenue, conversions, currency, advertisable_eid "
                 "from raw.adroll_campaign_daily order by campaign_eid, date")
    assert rows == [
        ("CMP5R4W2KQ7TNZ8JH3LX6B", "Retargeting - Web", dt.date(2026, 11, 1), 18250, 42, Decimal("31.87"), Decimal("214.50"), Decimal("3"), "USD", ADVERTISABLE),
        ("CMP5R4W2KQ7TNZ8JH3LX6B", "Retargeting - Web", dt.date(2026, 11, 2), 17604, 39, Decimal("29.12"), Decimal("96.00"), Decimal("2"), "USD", ADVERTISABLE),
        ("CMP8D2F6HJ4KL9QW1ER7TY", "Prospecting - Facebook", dt.date(2026, 11, 1), 9120, 15, Decimal("12.40"), Decimal("0.00"), Decimal("0"), "USD", ADVERTISABLE),
    ]


def test_ads_name_the_ad_group_they_were_read_in(loaded):
    query, _, _ = loaded
    assert query("select adgroup_eid, eid, width, height from raw.adroll_ads order by eid") == [
        ("ADG9P3O7I5U2Y8T4R6E1WQ", "ADX1Z5X9C3V7B2N6M4L8KJ", 1200, 628),
        ("ADG2M7N4B8V1C5X9Z3L6KQ", "ADX4F8G2H6J1K5L9M3N7PQ", 300, 250),
        ("ADG2M7N4B8V1C5X9Z3L6KQ", "ADX7Q3W9E5R1T6Y2U8I4OP", 728, 90),
    ]


def test_advertisable_keeps_its_currency_and_attribution_windows(loaded):
    query, _, _ = loaded
    assert query("select eid, currency, click_through_conversion_window, view_through_conversion_window from raw.adroll_advertisables") == [
        (ADVERTISABLE, "EUR", 30, 1)]


def test_every_request_carries_the_token_and_the_apikey_and_the_window_is_end_exclusive(loaded):
    _, seen, config = loaded
    assert seen and all(r.header("authorization") == "Token " + config["personal_access_token"] for r in seen)
    assert all(r.arg("apikey") == config["api_key"] for r in seen)
    daily = [r.json() for r in seen if r.json().get("operationName") == "CampaignDaily"]
    assert daily[0]["variables"] == {"advertisable": ADVERTISABLE, "currency": "USD", "start": "2026-11-01", "end": "2026-11-03"}


def test_decimal_metrics_load_the_same_from_json_numbers():
    """The schema's Decimal scalar: its JSON form is not documented, so both forms must load alike."""
    records = Records("rows", explode="metrics.byDate", units={"cost": CURRENCY})
    as_text = records.columns(records.select({"rows": [{"eid": "C", "metrics": {"byDate": [{"date": "2026-11-01", "cost": "31.87"}]}}]}))
    as_number = records.columns(records.select({"rows": [{"eid": "C", "metrics": {"byDate": [{"date": "2026-11-01", "cost": 31.87}]}}]}))
    assert as_text["cost"] == as_number["cost"] == [Decimal("31.87")]
    assert as_text["eid"] == ["C"] and "metrics" not in as_text


def test_all_of_sends_every_part():
    config = AdRollConfig(personal_access_token="t0k", api_key="k3y", advertisable_eids=["ABC"])
    auth = AllOf(ApiKey("personal_access_token", header="Authorization", prefix="Token "), ApiKey("api_key", query="apikey"))
    request = next(auth.build(config).sync_auth_flow(httpx.Request("POST", "https://services.adroll.com/reporting/api/v1/query")))
    assert request.headers["Authorization"] == "Token t0k" and request.url.params["apikey"] == "k3y"
    assert auth.fields == ("personal_access_token", "api_key")


@pytest.mark.parametrize("value", ["US", "U$D"])
def test_a_currency_that_is_not_an_iso_code_fails_before_any_request(value):
    with pytest.raises(ValueError, match="ISO 4217"):
        AdRollConfig(personal_access_token="t", api_key="k", advertisable_eids=["ABC"], currency=value)


# -- the error map ------------------------------------------------------------------------------


def _error(status: int, body: dict):
    response = httpx.Response(status, json=body, request=httpx.Request("POST", "https://services.adroll.com/reporting/api/v1/query"))
    return API.errors.policy().for_status(response, body)


def test_the_proxy_401_is_an_auth_error_with_its_message():
    error = _error(401, FIXTURES.body(FIXTURES.error("auth_error")))
    assert isinstance(error, AuthError) and "Missing 'apikey' query parameter" in str(error)


def test_the_proxy_code_is_an_auth_error_even_in_a_200():
    assert isinstance(_error(200, FIXTURES.body(FIXTURES.error("auth_error"))), AuthError)


def test_429_is_retried():
    assert isinstance(_error(429, FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)


def test_a_has_errors_answer_fails_naming_its_message_and_request():
    error = _error(200, FIXTURES.body(FIXTURES.error("has_errors")))
    assert isinstance(error, ApiError) and not isinstance(error, (AuthError, RetryableApiError))
    assert "HTTP request failed" in str(error) and "req46209" in str(error)


def test_a_documented_answer_passes():
    assert _error(200, FIXTURES.body(FIXTURES.data("campaign_daily")[0])) is None
