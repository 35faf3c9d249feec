"""The declared pinterest_organic source: documented bodies, the unified fact, errors, re-reads.

Expected values come from the fixture bodies (cassettes/pinterest_organic/), never from the
connector's own code.
"""

from __future__ import annotations

import copy
from datetime import date

import httpx

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errormap import Action
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.pinterest_ads import API as ADS_API
from bosco_connectors.sources.pinterest_organic import API, connector, source
from bosco_connectors.testing.replay import Fixtures, fixture_folder

from ..meta_organic import params, query, social_rows
from ..meta_organic import run as replay

NAME = "pinterest_organic"
FIXTURES = Fixtures.load(fixture_folder(NAME))


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def run(tmp_path, answer_first=None, streams=None):
    return replay(NAME, source, tmp_path, answer_first, streams)


ACCOUNT = bodies("user_account")[0]
PINS = {p["id"]: p for body in bodies("pins") for p in body["items"]}
ACCOUNT_DAYS = bodies("user_account_analytics_daily")[0]["all"]["daily_metrics"]
PIN_DAYS = {e.request["path"].split("/")[1]: FIXTURES.body(e)["all"]["daily_metrics"] for e in FIXTURES.data("pin_analytics_daily")}


def test_the_account_and_its_pins_load_over_two_pages(tmp_path):
    run(tmp_path, streams=["user_account", "pins"])
    assert query(tmp_path, "select id, username, account_type, follower_count, pin_count from raw.pinterest_organic_user_account") == [
        ("2783136121146311751", "bosco_home", "BUSINESS", 10, 339)]
    loaded = dict(query(tmp_path, "select id, media_type from raw.pinterest_organic_pins"))
    assert loaded == {pid: pin["media"]["media_type"] for pid, pin in PINS.items()}
    assert len(loaded) == 3  # two on page 1, one on page 2


def test_the_daily_metrics_load_as_counts_per_utc_day_with_their_status(tmp_path):
    seen = run(tmp_path, streams=["pins", "user_account_analytics_daily", "pin_analytics_daily"])
    account = [params(r) for r in seen if r.path.endswith("user_account/analytics")]
    assert account == [{"start_date": "2026-11-01", "end_date": "2026-11-02", "content_type": "ORGANIC",
                        "metric_types": "IMPRESSION,ENGAGEMENT,PIN_CLICK,OUTBOUND_CLICK,SAVE"}]
    assert query(tmp_path, "select date, data_status, impression, engagement, pin_click, outbound_click, save "
                           "from raw.pinterest_organic_user_account_analytics_daily order by date") == [
        (date(2026, 11, 1), "READY", 2412, 131, 64, 19, 48), (date(2026, 11, 2), "PROCESSING", 1987, 102, 51, 14, 37)]
    per_pin = [r for r in seen if r.path.endswith("/analytics") and "/pins/" in r.path]
    assert sorted(r.path.split("/")[-2] for r in per_pin) == sorted(PINS)
    assert {params(r)["metric_types"] for r in per_pin} == {"IMPRESSION,PIN_CLICK,OUTBOUND_CLICK,SAVE"}
    rows = query(tmp_path, "select pin_id, date, impression, pin_click, outbound_click, save from raw.pinterest_organic_pin_analytics_daily")
    expected = [(pid, date.fromisoformat(d["date"]), d["metrics"]["IMPRESSION"], d["metrics"]["PIN_CLICK"],
                 d["metrics"]["OUTBOUND_CLICK"], d["metrics"]["SAVE"]) for pid, days in PIN_DAYS.items() for d in days]
    assert sorted(rows) == sorted(expected) and len(rows) == 6


def test_the_unified_fact_has_an_account_row_a_day_and_a_row_per_pin_and_day(tmp_path):
    run(tmp_path)
    rows = social_rows(connector, tmp_path)
    account_rows = [r for r in rows if r[2] == ""]
    assert account_rows == [
        (date(2026, 11, 1), ACCOUNT["id"], "", "account", 2412, None, 131, None, None),
        (date(2026, 11, 2), ACCOUNT["id"], "", "account", 1987, None, 102, None, None)]
    first = [r for r in rows if r[2] == "813744226420795884"]
    # 240 impressions; 37 Pin clicks + 20 outbound clicks + 20 saves on 1 November (pin_analytics.pin1.json)
    assert first[0] == (date(2026, 11, 1), ACCOUNT["id"], "813744226420795884", "pin", 240, None, 77, None, None)
    assert len(rows) == 2 + 6


def test_a_day_read_again_in_the_look_back_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path, streams=["user_account_analytics_daily"])
    revised = copy.deepcopy(bodies("user_account_analytics_daily")[0])
    revised["all"]["daily_metrics"][1].update(data_status="READY")
    revised["all"]["daily_metrics"][1]["metrics"]["IMPRESSION"] = 2050  # 2 November settles
    run(tmp_path, lambda r: FakeResponse.json(revised) if r.path.endswith("user_account/analytics") else None,
        streams=["user_account_analytics_daily"])
    assert query(tmp_path, "select date, data_status, impression from raw.pinterest_organic_user_account_analytics_daily "
                           "order by date") == [(date(2026, 11, 1), "READY", 2412), (date(2026, 11, 2), "READY", 2050)]


def _error(body: dict, status: int):
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "https://api.pinterest.com/v5/pins/1/analytics"))
    return API.errors.policy().for_status(response, body)


def test_the_documented_errors_retry_stop_or_skip_the_pin():
    assert isinstance(_error(FIXTURES.body(FIXTURES.error("rate_limit")), 429), RetryableApiError)
    error = _error(FIXTURES.body(FIXTURES.error("auth_error")), 401)
    assert isinstance(error, AuthError) and "Pinterest" in str(error)
    assert API.errors.codes[50] is Action.SKIP  # "Pin not found." (the documented 404 example)


def test_both_pinterest_sources_share_one_error_table_and_host():
    assert ADS_API.base_url == API.base_url == "https://api.pinterest.com/v5/"
    for code, action in {2: Action.AUTH, 3: Action.AUTH, 8: Action.RETRY}.items():
        assert ADS_API.errors.codes[code] is action and API.errors.codes[code] is action
    assert ADS_API.errors.codes[29] is Action.SKIP  # the ads side keeps its own (an ad account not permitted)
