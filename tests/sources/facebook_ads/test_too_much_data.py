"""Meta's error 1 "Please reduce the amount of data you're asking for": a smaller request, never the same one again.

Per https://developers.facebook.com/docs/marketing-api/insights/best-practices a too-large
insights request is refused with code 1 and that message; resending it as is gets the same
answer. The source halves the days (down to one), then asks for half of the fields at a
time and joins the rows on their key. Expected values come from the fake's `World`.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest

from bosco_connectors.framework.errormap import TooMuchData
from bosco_connectors.sources.facebook_ads.client import meta_error

from .conftest import expected_daily, extract, sandbox_config

REFUSAL = "Please reduce the amount of data you're asking for, then retry your request"
STREAM = "insights_campaign_daily"


def posts(api) -> list[dict[str, str]]:
    return [dict(parse_qsl(r.body.decode())) for r in api.requests if r.method == "POST"]


def loaded(rows) -> dict:
    return {(r["campaign_id"], r["date_start"]): (round(float(r["spend"]), 2), r["impressions"],
                                                  round(float(r["conversion_value"]), 2)) for r in rows}


def expected(world) -> dict:
    return {k: (v["spend"], v["impressions"], v["value"])
            for k, v in expected_daily(world, "campaign").items()}


@pytest.mark.parametrize("status", [400, 500])
def test_the_refusal_is_too_much_data_not_a_retry(status):
    error = meta_error(status, {"error": {"message": REFUSAL, "type": "OAuthException", "code": 1, "fbtrace_id": "Ab1"}})
    assert isinstance(error, TooMuchData) and not error.retryable
    assert error.reason == f"Meta error 1: {REFUSAL} (fbtrace_id Ab1)"


def test_a_refused_range_is_read_in_halves(meta_app, meta_api, fast_client):
    world = meta_app.world
    config = {**sandbox_config(meta_app, meta_api), "account_ids": [world.accounts[0].id]}
    meta_app.fail_next(1, REFUSAL, path_contains="/insights", status=500)

    rows = extract(config, [STREAM])[STREAM]

    ranges = [json.loads(p["time_range"]) for p in posts(meta_api)]
    middle = world.start_date + timedelta(days=(world.end_date - world.start_date).days // 2)
    assert ranges == [
        {"since": str(world.start_date), "until": str(world.end_date)},
        {"since": str(world.start_date), "until": str(middle)},
        {"since": str(middle + timedelta(days=1)), "until": str(world.end_date)},
    ]
    assert fast_client.sleeps == []  # no identical request sent again after a back-off
    wanted = {k: v for k, v in expected(world).items() if k[0] in {c.id for c in world.accounts[0].campaigns}}
    assert loaded(rows) == wanted


def test_one_refused_day_is_read_in_two_halves_of_its_fields_joined_on_the_key(meta_app, meta_api, fast_client):
    world = meta_app.world
    day = world.end_date
    config = {**sandbox_config(meta_app, meta_api), "account_ids": [world.accounts[0].id], "start_date": day, "end_date": day}
    meta_app.fail_next(1, REFUSAL, path_contains="/insights")

    rows = extract(config, [STREAM])[STREAM]

    asked = [json.loads(p["fields"]) for p in posts(meta_api)]
    assert len(asked) == 3
    first, second = set(asked[1]), set(asked[2])
    ids = {"campaign_id", "campaign_name", "account_id"}
    assert ids <= first and ids <= second, "both halves carry the key"
    assert (first | second) == set(asked[0]) and (first & second) == ids
    assert all(json.loads(p["time_range"]) == {"since": str(day), "until": str(day)} for p in posts(meta_api))
    wanted = {k: v for k, v in expected(world).items() if k[1] == day and k[0] in {c.id for c in world.accounts[0].campaigns}}
    assert wanted and loaded(rows) == wanted


def test_a_day_refused_down_to_one_field_fails_with_the_vendor_line(meta_app, meta_api, fast_client):
    world = meta_app.world
    config = {**sandbox_config(meta_app, meta_api), "account_ids": [world.accounts[0].id],
              "start_date": world.end_date, "end_date": world.end_date}
    meta_app.fail_next(1, REFUSAL, path_contains="/insights", times=100)

    with pytest.raises(Exception) as info:
        extract(config, [STREAM])

    assert f"Meta error 1: {REFUSAL}" in str(info.value) and "cannot be split further" in str(info.value)
