"""The declared stackadapt source: documented bodies, GraphQL requests, Progress answers, errors.

Expected values come from the fixture bodies (cassettes/stackadapt/), never from the
connector's own code.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.stackadapt import API, source
from bosco_connectors.sources.stackadapt import graphql as stackadapt_graphql
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from .conftest import make_pipeline, query

FIXTURES = Fixtures.load(fixture_folder("stackadapt"))
ADVERTISER = FIXTURES.config["advertiser_ids"][0]
PROGRESS = json.loads((FIXTURES.folder / "bodies" / "campaign_group_delivery.progress.json").read_text())


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def run(tmp_path, answer_first=None, streams=None):
    """Replay the documented fixtures; `answer_first(request)` may answer a request instead."""
    app = FixtureApp(Fixtures.load(fixture_folder("stackadapt")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    with FakeApi([app]) as api:
        config = app.source_config(api.url(app.prefix))
        make_pipeline(tmp_path).run(source(**config, streams=streams))
    assert not app.unmatched
    return seen


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync every read-only test below reads (run once for the module): its folder and
    the requests it made."""
    folder = module_tmp / "replayed"
    return folder, run(folder)


def test_delivery_loads_money_as_exact_decimals_counts_as_integers_on_local_days(replayed):
    """cost and conversionRevenue are MoneyValue strings; the BigInt counts are strings too."""
    tmp_path, _ = replayed
    loaded = {(r[0], r[1]): r[2:] for r in query(tmp_path, "select campaign_group_id, date, cost, conversion_revenue, impressions_bigint, "
                                                           "clicks_bigint, conversions_bigint, advertiser_id "
                                                           "from raw.stackadapt_campaign_group_delivery_daily")}
    expected = {}
    for body in bodies("campaign_group_delivery_daily"):
        for node in body["data"]["campaignGroupDelivery"]["records"]["nodes"]:
            m = node["metrics"]
            key = (node["campaignGroup"]["campaignGroupId"], date.fromisoformat(node["granularity"]["startTime"][:10]))
            expected[key] = (Decimal(m["cost"]), Decimal(m["conversionRevenue"]), int(m["impressionsBigint"]), int(m["clicksBigint"]),
                             int(m["conversionsBigint"]), ADVERTISER)
    assert loaded == expected
    assert loaded[("418230", date(2026, 11, 1))][:2] == (Decimal("412.57"), Decimal("1874.50"))  # exact, not 412.56999...
    # the account's zone: 2026-11-02 starts at -05:00 (DST ended), still the 2nd
    assert {d for _, d in loaded} == {date(2026, 11, 1), date(2026, 11, 2)}


def test_advertisers_carry_the_accounts_currency_and_ads_their_campaign(replayed):
    tmp_path, _ = replayed
    (body,) = bodies("advertisers")
    assert query(tmp_path, "select id, name, currency from raw.stackadapt_advertisers") == [
        (ADVERTISER, body["data"]["advertisers"]["nodes"][0]["name"], body["data"]["account"]["currency"])]
    documented = {n["id"]: n["campaign"]["campaignId"] for b in bodies("ads") for n in b["data"]["ads"]["nodes"]}
    assert dict(query(tmp_path, "select id, campaign_id from raw.stackadapt_ads")) == documented
    groups = {n["id"]: n["campaignGroup"]["campaignGroupId"] for b in bodies("campaigns") for n in b["data"]["campaigns"]["nodes"]}
    assert dict(query(tmp_path, "select id, campaign_group_id from raw.stackadapt_campaigns")) == groups
    states = {n["id"]: n["campaignGroupStatus"]["state"] for b in bodies("campaign_groups") for n in b["data"]["campaignGroups"]["nodes"]}
    assert dict(query(tmp_path, "select id, state from raw.stackadapt_campaign_groups")) == states


def test_requests_carry_only_query_operation_and_variables(replayed):
    """StackAdapt refuses any other body key with HTTP 400; the window is variables.date, its end exclusive."""
    _, seen = replayed
    assert seen and all(set(r.json()) == {"query", "operationName", "variables"} for r in seen)
    delivery = [r.json()["variables"] for r in seen if r.json()["operationName"] == "CampaignGroupDelivery"]
    assert {json.dumps(v["date"], sort_keys=True) for v in delivery} == {'{"from": "2026-11-01", "to": "2026-11-03"}'}
    assert all(v["advertiserIds"] == [ADVERTISER] for v in delivery)
    assert [v["cursor"] for v in delivery] == [None, "Mg"]


def test_a_progress_answer_is_asked_again(tmp_path, monkeypatch):
    """Delivery answers Progress while its stats job runs: the same query is sent again, then its rows load."""
    pauses: list[float] = []
    monkeypatch.setattr(stackadapt_graphql, "_sleep", pauses.append)
    answered: list[int] = []

    def progress_twice(request):
        if request.json().get("operationName") == "CampaignGroupDelivery" and len(answered) < 2:
            answered.append(1)
            return FakeResponse.json(PROGRESS)
        return None

    seen = run(tmp_path, progress_twice, streams=["campaign_group_delivery_daily", "advertisers"])
    assert len(pauses) == 2
    first_pages = [r for r in seen if r.json()["operationName"] == "CampaignGroupDelivery" and r.json()["variables"]["cursor"] is None]
    assert len(first_pages) == 3  # twice Progress, then the outcome
    assert query(tmp_path, "select count(*) from raw.stackadapt_campaign_group_delivery_daily") == [(4,)]


def test_progress_for_ever_fails_naming_the_query(tmp_path, monkeypatch):
    monkeypatch.setattr(stackadapt_graphql, "_sleep", lambda seconds: None)

    def always(request):
        return FakeResponse.json(PROGRESS) if request.json().get("operationName") == "CampaignGroupDelivery" else None

    with pytest.raises(Exception) as raised:
        run(tmp_path, always, streams=["campaign_group_delivery_daily"])
    assert "CampaignGroupDelivery: StackAdapt still answers Progress" in str(raised.value)


# -- the error map ------------------------------------------------------------------------------


def _error(status: int, body: dict):
    response = httpx.Response(status, json=body, request=httpx.Request("POST", "https://api.stackadapt.com/graphql"))
    return API.errors.policy().for_status(response, body)


def test_the_observed_401_is_an_auth_error_naming_its_trace_id():
    body = FIXTURES.body(FIXTURES.error("auth_error"))
    error = _error(401, body)
    assert isinstance(error, AuthError)
    assert "Schema introspection requires authentication." in str(error)
    assert body["errors"][0]["extensions"]["traceId"] in str(error)


def test_429_is_retried():
    assert isinstance(_error(429, FIXTURES.body(FIXTURES.error("rate_limit"))), RetryableApiError)


def test_graphql_errors_in_a_200_fail_the_answer():
    error = _error(200, {"errors": [{"message": "Field 'nope' doesn't exist on type 'Query'"}], "data": None})
    assert isinstance(error, ApiError) and not isinstance(error, (AuthError, RetryableApiError))


def test_a_200_with_data_and_no_errors_passes():
    assert _error(200, bodies("advertisers")[0]) is None
