"""The fake GA4 API keeps to the documented runReport contract (so the cassettes do too)."""

from __future__ import annotations

import httpx
import pytest

from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.ga4 import Ga4App

from .conftest import END, expected, traffic_key


@pytest.fixture
def served():
    app = Ga4App(seed=7, size="tiny", end_date=END)
    with FakeApi([app]) as api:
        root = api.url("ga4")
        token = httpx.post(
            root + "/token",
            data={"grant_type": "refresh_token", "client_id": app.client_id, "client_secret": app.client_secret, "refresh_token": app.refresh_token},
        ).json()["access_token"]
        client = httpx.Client(base_url=root + "/v1beta/", headers={"Authorization": f"Bearer {token}"})
        yield app, client
        client.close()


def _report(client, app, **body):
    base = {
        "dimensions": [{"name": "date"}, {"name": "sessionSource"}, {"name": "sessionMedium"}, {"name": "sessionCampaignName"}],
        "metrics": [{"name": "sessions"}, {"name": "totalRevenue"}],
        "dateRanges": [{"startDate": "2026-11-11", "endDate": "2026-11-20"}],
    }
    return client.post(f"properties/{app.property_id}:runReport", json={**base, **body})


def test_row_count_is_the_whole_query_and_values_are_strings(served):
    app, client = served
    body = _report(client, app, limit="7", offset="14", returnPropertyQuota=True).json()
    assert body["rowCount"] == len(expected(app, traffic_key)) == 90
    assert len(body["rows"]) == 7
    assert all(isinstance(v["value"], str) for row in body["rows"] for v in row["dimensionValues"] + row["metricValues"])
    assert body["metricHeaders"] == [{"name": "sessions", "type": "TYPE_INTEGER"}, {"name": "totalRevenue", "type": "TYPE_CURRENCY"}]
    assert body["metadata"] == {"currencyCode": "USD", "timeZone": "America/New_York"}
    assert body["kind"] == "analyticsData#runReport"
    quota = body["propertyQuota"]
    assert quota["tokensPerHour"] == {"consumed": 2, "remaining": 39_998}
    assert quota["concurrentRequests"] == {"remaining": 10}, "proto3 JSON leaves zero values out"


def test_pages_tile_the_ordered_result(served):
    app, client = served
    order = [{"dimension": {"dimensionName": "date"}}, {"dimension": {"dimensionName": "sessionCampaignName"}, "desc": True}]
    whole = _report(client, app, limit=1000, orderBys=order).json()["rows"]
    pages = [_report(client, app, offset=o, limit=40, orderBys=order).json().get("rows", []) for o in (0, 40, 80, 120)]
    assert [r for p in pages for r in p] == whole
    assert pages[-1] == []


def test_an_empty_report_has_no_rows_and_no_row_count(served):
    app, client = served
    body = _report(client, app, dateRanges=[{"startDate": "2020-01-01", "endDate": "2020-01-31"}]).json()
    assert "rows" not in body and "rowCount" not in body
    assert body["dimensionHeaders"][0] == {"name": "date"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"dimensions": [{"name": "pageTitle"}]}, "Field pageTitle is not a valid dimension"),
        ({"metrics": [{"name": "sesions"}]}, "Field sesions is not a valid metric"),
        ({"foo": 1}, 'Unknown name "foo"'),
        ({"dateRanges": [{"startDate": "2026-11-20", "endDate": "2026-11-01"}]}, "is before startDate"),
        ({"limit": -1}, "limit must be positive"),
        ({"orderBys": [{"dimension": {"dimensionName": "country"}}]}, "OrderBy dimension country"),
    ],
)
def test_invalid_requests_get_googles_error_body(served, body, message):
    app, client = served
    response = _report(client, app, **body)
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert message in error["message"]


def test_auth_and_property_errors(served):
    app, client = served
    anonymous = httpx.post(str(client.base_url) + f"properties/{app.property_id}:runReport", json={})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["status"] == "UNAUTHENTICATED"
    other = client.post("properties/1:runReport", json={})
    assert other.status_code == 403 and other.json()["error"]["status"] == "PERMISSION_DENIED"
