"""The fake Meta API speaks Meta's shapes: cursor paging, error bodies, usage headers, async jobs."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from bosco_connectors.sandbox.facebook_ads import FAKE_APP_SECRET, FAKE_TOKEN

PROOF = hmac.new(FAKE_APP_SECRET.encode(), FAKE_TOKEN.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def graph(meta_api):
    with httpx.Client(base_url=meta_api.url("facebook_ads") + "/v26.0/") as client:
        yield client


@pytest.fixture
def account(meta_app):
    return meta_app.world.accounts[0]


def get(graph, path, **params):
    return graph.get(path, params={"access_token": FAKE_TOKEN, **params})


def test_edges_page_with_after_cursors_and_a_next_url_holding_the_token(graph, account, meta_app):
    first = get(graph, f"act_{account.id}/ads", fields="id,name,creative", limit=3)
    body = first.json()
    assert first.status_code == 200 and len(body["data"]) == 3
    assert set(body["paging"]["cursors"]) == {"before", "after"}
    assert f"access_token={FAKE_TOKEN}" in body["paging"]["next"]  # as Meta does
    assert body["data"][0]["creative"] == {"id": meta_app.creative_id(account.campaigns[0].ad_groups[0].ads[0])}
    seen = [row["id"] for row in body["data"]]
    while "next" in body.get("paging", {}):
        body = httpx.get(body["paging"]["next"]).json()
        seen += [row["id"] for row in body["data"]]
    assert seen == [ad.id for c in account.campaigns for g in c.ad_groups for ad in g.ads]
    assert "next" not in body["paging"] and "after" in body["paging"]["cursors"]


def test_numbers_are_strings_and_times_carry_an_offset(graph, account):
    (campaign, *_) = get(graph, f"act_{account.id}/campaigns", fields="daily_budget,updated_time").json()["data"]
    assert isinstance(campaign["daily_budget"], str) and campaign["daily_budget"].isdigit()
    assert campaign["updated_time"].endswith("+0000")


def test_every_response_carries_usage_headers(graph, account):
    response = get(graph, f"act_{account.id}/campaigns")
    buc = json.loads(response.headers["x-business-use-case-usage"])
    (entries,) = buc.values()
    assert {"type", "call_count", "total_cputime", "total_time", "estimated_time_to_regain_access"} <= set(entries[0])
    assert "acc_id_util_pct" in json.loads(response.headers["x-ad-account-usage"])
    assert "call_count" in json.loads(response.headers["x-app-usage"])


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({}, 104, "An access token is required"),
        ({"access_token": "EAAG-wrong"}, 190, "Invalid OAuth access token"),
        ({"access_token": FAKE_TOKEN, "appsecret_proof": "0" * 64}, 100, "Invalid appsecret_proof"),
        ({"access_token": FAKE_TOKEN, "fields": "id,colour"}, 100, "nonexisting field (colour) on node type (Campaign)"),
        ({"access_token": FAKE_TOKEN, "limit": "0"}, 100, "Param limit"),
        ({"access_token": FAKE_TOKEN, "effective_status": '["LIVE"]'}, 100, "effective_status"),
    ],
)
def test_errors_use_metas_error_body(graph, account, params, code, message):
    response = graph.get(f"act_{account.id}/campaigns", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and message in error["message"]
    assert error["type"] in ("OAuthException", "GraphMethodException") and error["fbtrace_id"]


def test_valid_proof_unknown_account_and_old_version(graph, meta_api):
    assert get(graph, "act_1/campaigns", appsecret_proof=PROOF).json()["error"]["error_subcode"] == 33
    old = httpx.get(meta_api.url("facebook_ads") + "/v19.0/act_1", params={"access_token": FAKE_TOKEN})
    assert old.json()["error"]["code"] == 2635


def test_async_job_runs_its_script_then_serves_rows(graph, account, meta_app):
    meta_app.script_jobs(["Job Not Started", "Job Running", "Job Completed"])
    form = {"access_token": FAKE_TOKEN, "level": "campaign", "fields": '["campaign_id","spend","actions"]',
            "time_range": '{"since":"2026-11-11","until":"2026-11-20"}', "time_increment": "1"}
    run_id = graph.post(f"act_{account.id}/insights", data=form).json()["report_run_id"]
    statuses = []
    for _ in range(3):
        status = get(graph, run_id, fields="async_status,async_percent_completion").json()
        statuses.append((status["async_status"], status["async_percent_completion"]))
        if status["async_status"] != "Job Completed":
            assert get(graph, f"{run_id}/insights").json()["error"]["code"] == 100  # not ready yet
    assert statuses == [("Job Not Started", 0), ("Job Running", 50), ("Job Completed", 100)]
    rows = get(graph, f"{run_id}/insights", limit=100).json()["data"]
    assert rows and all(isinstance(r["spend"], str) and r["date_start"] == r["date_stop"] for r in rows)
    assert set(rows[0]) <= {"campaign_id", "spend", "actions", "date_start", "date_stop"}


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"level": "country"}, 100, "param level"),
        ({"time_increment": "7"}, 100, "time_increment"),
        ({"time_range": '{"since":"2026-11-20","until":"2026-11-01"}'}, 100, "since must be on or before until"),
        ({"time_range": '{"since":"2023-01-01","until":"2026-11-01"}'}, 3018, "37 months"),
        ({"fields": '["ad_id"]'}, 100, "ad_id is not valid"),
        ({"action_attribution_windows": '["3d_click"]'}, 100, "action_attribution_windows"),
    ],
)
def test_insights_job_parameters_are_checked(graph, account, change, code, message):
    form = {"access_token": FAKE_TOKEN, "level": "campaign", "fields": '["spend"]',
            "time_range": '{"since":"2026-11-11","until":"2026-11-20"}', "time_increment": "1", **change}
    error = graph.post(f"act_{account.id}/insights", data=form).json()["error"]
    assert error["code"] == code and message in error["message"]
