"""Meta's errors and usage headers: what is retried, what fails at once, when the source slows down."""

from __future__ import annotations

import json

import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sandbox import Fault
from bosco_connectors.sources.facebook_ads.client import meta_error
from bosco_connectors.sources.facebook_ads.usage import Usage, UsagePolicy, read_usage

from .conftest import expected_daily, extract, sandbox_config


def body(code, subcode=None, **extra):
    error = {"message": f"message {code}", "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123", **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


# -- error mapping -------------------------------------------------------------------------


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80000, 80004, 80014])
def test_throttling_codes_are_retried(code):
    error = meta_error(400, body(code))
    assert isinstance(error, RetryableApiError) and error.vendor_code == code
    assert f"Meta error {code}: message {code} (fbtrace_id AbCdEf123)" in error.reason


@pytest.mark.parametrize("payload", [body(1), body(2), body(100, is_transient=True), body(1, 99), body(100, 1504018),
                                     body(100, 1504018, is_transient=False)])
def test_transient_errors_are_retried(payload):
    """Meta's error reference: 1/99 unknown error, 2 service unavailable, 100/1504018 request timed out."""
    assert isinstance(meta_error(400, payload), RetryableApiError)


def test_a_request_that_timed_out_is_retried_with_backoff(meta_app, meta_api, fast_client):
    meta_app.fail_next(100, "(#100) Request timed out", subcode=1504018, times=2, path_contains="/adsets")

    rows = extract(sandbox_config(meta_app, meta_api), ["ad_sets"])

    assert fast_client.sleeps == [1.0, 2.0]
    assert len(rows["ad_sets"]) == 4


@pytest.mark.parametrize("code", [190, 102, 104, 10, 200, 294])
def test_token_and_permission_errors_are_auth_errors(code):
    error = meta_error(400, body(code, 463 if code == 190 else None))
    assert isinstance(error, AuthError) and not error.retryable
    assert "access token or permission problem" in error.reason


@pytest.mark.parametrize("code", [100, 2635, 3018, 80015])
def test_other_errors_fail_without_retry(code):
    error = meta_error(400, body(code))
    assert type(error) is ApiError and not error.retryable


def test_errors_without_a_graph_body_follow_the_status():
    assert isinstance(meta_error(502, "<html>Bad Gateway</html>"), RetryableApiError)
    assert isinstance(meta_error(401, None), AuthError)
    assert type(meta_error(404, None)) is ApiError


def test_throttle_error_waits_as_long_as_meta_announces():
    headers = {"x-business-use-case-usage": json.dumps(
        {"123": [{"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": 3}]})}
    assert meta_error(400, body(80000), headers).retry_after == 180.0


# -- usage headers -------------------------------------------------------------------------


def test_usage_reads_every_header_and_keeps_the_highest():
    usage = read_usage({
        "X-App-Usage": '{"call_count": 12, "total_cputime": 3, "total_time": 4}',
        "x-ad-account-usage": '{"acc_id_util_pct": 81.5, "reset_time_duration": 240, "ads_api_access_tier": "standard_access"}',
        "x-business-use-case-usage": '{"99": [{"type": "ads_management", "call_count": 40, "total_cputime": 77, '
                                     '"total_time": 5, "estimated_time_to_regain_access": 0}]}',
        "x-fb-ads-insights-throttle": '{"app_id_util_pct": 2, "acc_id_util_pct": 1}',
    })
    assert usage == Usage(81.5, 0.0, 240.0, "x-ad-account-usage acc_id_util_pct")


def test_usage_ignores_garbled_headers():
    assert read_usage({"x-app-usage": "not json", "x-business-use-case-usage": "[1, 2]"}) == Usage()


@pytest.mark.parametrize(
    ("usage", "pause"),
    [
        (Usage(50), 0.0),
        (Usage(75), 5.0),
        (Usage(85), 32.5),  # 5 s at 75 %, growing to 60 s at 95 %
        (Usage(96, reset_seconds=300), 300.0),
        (Usage(99), 60.0),
        (Usage(10, regain_seconds=120), 120.0),
        (Usage(100, regain_seconds=7200), 900.0),  # capped: a cron run fails rather than sleeping two hours
    ],
)
def test_pause_grows_with_usage(usage, pause):
    assert UsagePolicy().pause(usage) == pause


# -- against the fake API --------------------------------------------------------------------


def test_high_usage_headers_make_the_source_wait(meta_app, meta_api, fast_client):
    meta_app.set_usage(85, times=1)  # the first response (the ad account) reports 85 %
    meta_app.set_usage(97, reset_seconds=120, times=1)  # the second one is close to the limit

    rows = extract(sandbox_config(meta_app, meta_api, max_workers=1), ["ad_accounts", "campaigns"])

    assert fast_client.sleeps == [32.5, 120.0]
    assert len(rows["campaigns"]) == 2


@pytest.mark.parametrize("code", [17, 613, 80004])
def test_throttling_error_is_retried_after_at_least_a_minute(meta_app, meta_api, fast_client, code):
    meta_app.fail_next(code, times=2, path_contains="/campaigns")

    extract(sandbox_config(meta_app, meta_api), ["campaigns"])

    assert fast_client.sleeps == [60.0, 60.0]
    assert [r.status for r in meta_api.requests_to("/campaigns")] == [400, 400, 200]


def test_business_use_case_throttle_honours_time_to_regain_access(meta_app, meta_api, fast_client):
    meta_app.fail_next(80000, path_contains="/insights", regain_minutes=2)

    rows = extract(sandbox_config(meta_app, meta_api), ["insights_account_daily"])

    assert fast_client.sleeps == [120.0]
    assert len(rows["insights_account_daily"]) == len(expected_daily(meta_app.world, "account"))


def test_transient_error_is_retried_with_backoff(meta_app, meta_api, fast_client):
    meta_app.fail_next(2, transient=True, path_contains="/adsets")
    meta_app.fail_next(1, path_contains="/adsets")

    rows = extract(sandbox_config(meta_app, meta_api), ["ad_sets"])

    assert fast_client.sleeps == [1.0, 2.0]
    assert len(rows["ad_sets"]) == 4


def test_html_page_and_reset_connection_are_retried(meta_app, meta_api, fast_client):
    meta_api.inject(Fault.html(), path_contains="/ads")
    meta_api.inject(Fault.reset(), path_contains="/ads")

    rows = extract(sandbox_config(meta_app, meta_api), ["ads"])

    assert fast_client.sleeps == [1.0, 2.0]
    assert len(rows["ads"]) == 8


def test_invalid_token_fails_at_once_with_an_auth_error(meta_app, meta_api, fast_client):
    config = sandbox_config(meta_app, meta_api, access_token="EAAG-revoked-token-0000")

    with pytest.raises(Exception) as info:
        extract(config, ["campaigns"])

    assert "facebook_ads/campaigns: access token or permission problem: Meta error 190: Invalid OAuth access token" in str(info.value)
    assert "EAAG-revoked-token-0000" not in str(info.value)
    assert len(meta_api.requests) == 1 and fast_client.sleeps == []


def test_bad_parameter_is_not_retried(meta_app, meta_api, fast_client):
    meta_app.fail_next(100, "(#100) Tried accessing nonexisting field (foo) on node type (Campaign)", path_contains="/campaigns")

    with pytest.raises(Exception) as info:
        extract(sandbox_config(meta_app, meta_api), ["campaigns"])

    assert "Meta error 100: (#100) Tried accessing nonexisting field (foo)" in str(info.value)
    assert len(meta_api.requests_to("/campaigns")) == 1


def test_throttling_that_never_ends_gives_up(meta_app, meta_api, fast_client):
    meta_app.fail_next(17, times=10, path_contains="/campaigns")

    with pytest.raises(Exception) as info:
        extract(sandbox_config(meta_app, meta_api), ["campaigns"])

    assert "rate limited: Meta error 17: (#17) User request limit reached" in str(info.value)
    assert len(meta_api.requests_to("/campaigns")) == 4  # max_attempts of the test's retry policy
