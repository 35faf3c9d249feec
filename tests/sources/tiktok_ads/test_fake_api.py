"""The tiktok_ads source against the fake TikTok API: windows, state, errors, config.

Each test starts the fake API on loopback with a world pinned to END, so requests and
expected values are the same on any day.
"""

from __future__ import annotations

import traceback
from datetime import date, timedelta

import httpx
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from bosco_connectors.framework import ApiError, AuthError, ConfigError, RetryableApiError
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.tiktok import FAKE_TOKEN, TikTokApp
from bosco_connectors.sources.tiktok_ads import connector, source

from .conftest import END, exception_chain, expected_daily, make_pipeline, query

REPORTS = ["report_advertiser_daily", "report_campaign_daily", "report_adgroup_daily", "report_ad_daily"]
WRONG_TOKEN = "wrong-token-0123456789abcdef"


def serve(**world):
    app = TikTokApp(seed=3, size="tiny", end_date=END, **world)
    return app, FakeApi([app])


def report_requests(api: FakeApi) -> list:
    return api.requests_to("report/integrated/get/")


def _day(text: str) -> date:
    return date.fromisoformat(text)


def test_a_70_day_range_is_read_in_30_day_windows(tmp_path, fast_client):
    app, api = serve(days=70)
    with api:
        config = app.source_config(api.url("tiktok"))
        make_pipeline(tmp_path).run(source(**config, streams=REPORTS), loader_file_format="parquet")
        requests = report_requests(api)

    by_level: dict[str, list[tuple[date, date]]] = {}
    for r in requests:
        by_level.setdefault(r.arg("data_level"), []).append((_day(r.arg("start_date")), _day(r.arg("end_date"))))
    assert set(by_level) == {"AUCTION_ADVERTISER", "AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD"}
    first, last = app.world.start_date, app.world.end_date
    for level, windows in by_level.items():
        windows.sort()
        assert len(windows) == 3, level  # one advertiser, one page per window
        assert all((end - start).days + 1 <= 30 for start, end in windows)
        assert windows[0][0] == first and windows[-1][1] == last
        assert all(b[0] == a[1] + timedelta(days=1) for a, b in zip(windows, windows[1:]))  # no gap, no overlap
    loaded = query(tmp_path, "select count(*), min(stat_time_day), max(stat_time_day) from raw.tiktok_ads_report_ad_daily")
    expected = expected_daily(app.world, "ad")
    assert loaded == [(len(expected), min(d for _, d in expected), max(d for _, d in expected))]


def test_second_run_asks_only_for_the_lookback(tmp_path, fast_client):
    app, api = serve(days=25)
    pipeline = make_pipeline(tmp_path)
    with api:
        config = app.source_config(api.url("tiktok"))
        streams = REPORTS + ["campaigns"]
        pipeline.run(source(**config, streams=streams), loader_file_format="parquet")
        counts = {t: query(tmp_path, f"select count(*) from raw.tiktok_ads_{t}")[0][0] for t in streams}
        last_day = {t: query(tmp_path, f"select max(stat_time_day) from raw.tiktok_ads_{t}")[0][0] for t in REPORTS}
        api.clear()
        pipeline.run(source(**config, streams=streams), loader_file_format="parquet")
        second = report_requests(api)

    assert len(second) == len(REPORTS)  # one window and one page per report
    level_stream = {"AUCTION_ADVERTISER": REPORTS[0], "AUCTION_CAMPAIGN": REPORTS[1], "AUCTION_ADGROUP": REPORTS[2], "AUCTION_AD": REPORTS[3]}
    for r in second:
        stream = level_stream[r.arg("data_level")]
        assert _day(r.arg("start_date")) == last_day[stream] - timedelta(days=7)
        assert _day(r.arg("end_date")) == app.world.end_date
    # Re-read days are merged on the primary key: no duplicates, and objects are re-read in full.
    for table, count in counts.items():
        assert query(tmp_path, f"select count(*) from raw.tiktok_ads_{table}")[0][0] == count, table
    assert api.requests_to("campaign/get/"), "objects are a full refresh"


@pytest.mark.parametrize("code", [40100, 50002])
def test_throttling_and_service_errors_are_retried(tmp_path, fast_client, code):
    app, api = serve()
    app.fail_next(code, "Requests made too frequently." if code == 40100 else "Error processing request on TikTok side.", times=2, path_contains="campaign/get/")
    with api:
        make_pipeline(tmp_path).run(source(**app.source_config(api.url("tiktok")), streams=["campaigns"]))
        calls = api.requests_to("campaign/get/")
    assert len(calls) == 3  # two TikTok errors with HTTP 200, then success
    assert query(tmp_path, "select count(*) from raw.tiktok_ads_campaigns") == [(len(app.world.accounts[0].campaigns),)]


def _failure(excinfo) -> BaseException:
    for exc in exception_chain(excinfo.value):
        if isinstance(exc, ApiError):
            return exc
    raise AssertionError(f"no ApiError in {excinfo.value!r}")


def test_a_wrong_token_ends_with_a_clear_auth_error(tmp_path, fast_client):
    app, api = serve()
    with api:
        config = {**app.source_config(api.url("tiktok")), "access_token": WRONG_TOKEN}
        with pytest.raises(PipelineStepFailed) as excinfo:
            make_pipeline(tmp_path).run(source(**config, streams=["campaigns"]))
        calls = api.requests_to("campaign/get/")
    error = _failure(excinfo)
    assert isinstance(error, AuthError) and not error.retryable
    assert str(error).startswith("tiktok_ads/campaigns: TikTok code 40105: Access token is incorrect")
    assert error.vendor_code == 40105
    assert len(calls) == 1, "an auth error is not retried"
    shown = "".join(traceback.format_exception(excinfo.value))
    assert WRONG_TOKEN not in shown and FAKE_TOKEN not in shown


def test_a_missing_permission_is_an_auth_error(tmp_path, fast_client):
    app, api = serve()
    app.fail_next(40001, "No permission to operate advertiser 123.", path_contains="report/")
    with api:
        with pytest.raises(PipelineStepFailed) as excinfo:
            make_pipeline(tmp_path).run(source(**app.source_config(api.url("tiktok")), streams=["report_campaign_daily"]))
    error = _failure(excinfo)
    assert isinstance(error, AuthError)
    assert "tiktok_ads/report_campaign_daily" in str(error) and "No permission" in str(error)


def test_other_codes_fail_with_the_vendor_message(tmp_path, fast_client):
    app, api = serve()
    app.fail_next(40002, "Missing required field(s): advertiser_id.", path_contains="ad/get/")
    with api:
        with pytest.raises(PipelineStepFailed) as excinfo:
            make_pipeline(tmp_path).run(source(**app.source_config(api.url("tiktok")), streams=["ads"]))
        calls = api.requests_to("/ad/get/")
    error = _failure(excinfo)
    assert type(error) is ApiError and not isinstance(error, RetryableApiError)
    assert "TikTok code 40002: Missing required field(s): advertiser_id." in str(error)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"advertiser_ids": None}, "advertiser_ids"),
        ({"advertiser_ids": []}, "advertiser_ids"),
        ({"advertiser_ids": ["12ab"]}, "advertiser_ids"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"end_date": date(2020, 1, 1)}, "end_date"),
        ({"page_size": 5000}, "page_size"),
        ({"access_token": None}, "access_token"),
    ],
)
def test_bad_config_fails_before_any_request(change, field):
    app, api = serve()
    with api:
        config = {**app.source_config(api.url("tiktok")), **change}
        config = {k: v for k, v in config.items() if v is not None}
        with pytest.raises(ConfigError) as excinfo:
            connector.resources(config)
        assert api.requests == []
    message = str(excinfo.value)
    assert message.startswith("tiktok_ads: invalid config") and field in message
    assert FAKE_TOKEN not in message


def test_the_dlt_source_validates_before_any_request():
    app, api = serve()
    with api:
        with pytest.raises(ConfigError, match="advertiser_ids"):
            source(**{**app.source_config(api.url("tiktok")), "advertiser_ids": []})
        assert api.requests == []


def test_the_fake_enforces_tiktoks_documented_limits():
    app, api = serve(days=40)
    with api:
        base = app.source_config(api.url("tiktok"))["base_url"]
        advertiser = app.world.accounts[0].id
        headers = {"Access-Token": FAKE_TOKEN}
        report = {
            "advertiser_id": advertiser, "report_type": "BASIC", "service_type": "AUCTION", "data_level": "AUCTION_CAMPAIGN",
            "dimensions": '["campaign_id","stat_time_day"]', "metrics": '["spend"]',
            "start_date": "2026-10-20", "end_date": "2026-11-18",
        }
        with httpx.Client(base_url=base) as http:
            ok = http.get("report/integrated/get/", params=report, headers=headers)
            too_long = http.get("report/integrated/get/", params={**report, "end_date": "2026-11-19"}, headers=headers)
            big_page = http.get("campaign/get/", params={"advertiser_id": advertiser, "page_size": 1001}, headers=headers)
            no_token = http.get("campaign/get/", params={"advertiser_id": advertiser})
            no_advertiser = http.get("campaign/get/", headers=headers)
            bad_metric = http.get("report/integrated/get/", params={**report, "metrics": '["ad_name"]'}, headers=headers)
            no_slash = http.get("campaign/get", params={"advertiser_id": advertiser}, headers=headers)
    assert ok.json()["code"] == 0 and ok.json()["data"]["page_info"]["page_size"] == 10  # TikTok's default page size
    row = ok.json()["data"]["list"][0]
    assert set(row) == {"dimensions", "metrics"} and isinstance(row["metrics"]["spend"], str)
    assert row["dimensions"]["stat_time_day"].endswith(" 00:00:00")
    assert too_long.status_code == 200 and too_long.json()["code"] == 40002 and "30 days" in too_long.json()["message"]
    assert big_page.json()["code"] == 40002 and "page_size" in big_page.json()["message"]
    assert no_token.status_code == 200 and no_token.json()["code"] == 40104
    assert no_advertiser.json() | {"request_id": None} == {
        "code": 40002, "message": "Missing required field(s): advertiser_id.", "request_id": None, "data": {},
    }
    assert bad_metric.json()["code"] == 40002 and "Invalid metric fields: ['ad_name']" in bad_metric.json()["message"]
    assert no_slash.status_code == 404
