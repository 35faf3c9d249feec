"""A second run asks Meta only for what may have changed: insights since the last day minus
the attribution look-back, objects updated since the last ``updated_time`` minus a day."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qsl

import pytest

from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.facebook_ads import FacebookAdsApp

from .conftest import END, query, run

STREAMS = ["ad_sets", "ads", "insights_account_daily", "insights_ad_daily"]


@pytest.fixture
def small():
    app = FacebookAdsApp(seed=3, size="small", end_date=END)  # 2 accounts, 45 days
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url(app.prefix)), "page_size": 500}
        config.pop("lookback_days")  # Meta's default look-back: 28 days
        yield app, api, config


def insights_ranges(api: FakeApi) -> dict[str, set[tuple[str, str]]]:
    """level -> the time ranges asked for, from the insights jobs created."""
    out: dict[str, set[tuple[str, str]]] = {}
    for r in api.requests:
        if r.method == "POST" and r.path.endswith("/insights"):
            form = dict(parse_qsl(r.body.decode()))
            window = json.loads(form["time_range"])
            out.setdefault(form["level"], set()).add((window["since"], window["until"]))
    return out


def updated_since(api: FakeApi, edge: str) -> set[str | None]:
    return {r.arg("updated_since") for r in api.requests if r.path.endswith(f"/{edge}")}


def test_second_run_reads_the_28_day_lookback_and_changed_objects(tmp_path, small, fast_client):
    app, api, config = small
    run(tmp_path, config, STREAMS)
    first = {t: query(tmp_path, f"select count(*) from raw.facebook_ads_{t}")[0][0] for t in STREAMS}
    assert insights_ranges(api) == {
        "account": {(str(app.world.start_date), str(END - timedelta(days=15))), (str(END - timedelta(days=14)), str(END))},
        "ad": {(str(app.world.start_date), str(END - timedelta(days=15))), (str(END - timedelta(days=14)), str(END))},
    }, "45 days are read in 30-day windows"
    assert updated_since(api, "ads") == updated_since(api, "adsets") == {None}, "a first run reads every object"
    (last_day,), = query(tmp_path, "select max(date_start) from raw.facebook_ads_insights_ad_daily")
    (last_ad_change,), = query(tmp_path, "select max(updated_time) from raw.facebook_ads_ads")
    (last_set_change,), = query(tmp_path, "select max(updated_time) from raw.facebook_ads_ad_sets")
    renamed = app.world.accounts[1].campaigns[0].ad_groups[1].ads[0]
    app.edit(renamed.id, datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc), name="Renamed after the first run")
    api.clear()

    run(tmp_path, config, STREAMS)

    since = str(last_day - timedelta(days=28))
    assert insights_ranges(api) == {"account": {(since, str(END))}, "ad": {(since, str(END))}}
    assert updated_since(api, "ads") == {str(int((last_ad_change - timedelta(days=1)).timestamp()))}
    assert updated_since(api, "adsets") == {str(int((last_set_change - timedelta(days=1)).timestamp()))}
    second = {t: query(tmp_path, f"select count(*) from raw.facebook_ads_{t}")[0][0] for t in STREAMS}
    assert second == first, "re-read rows are merged, not added"
    assert query(tmp_path, f"select name from raw.facebook_ads_ads where id = '{renamed.id}'") == [("Renamed after the first run",)]


def test_lookback_days_overrides_the_attribution_lookback(tmp_path, small, fast_client):
    _, api, config = small
    config = {**config, "lookback_days": 3}
    run(tmp_path, config, ["insights_account_daily"])
    (last_day,), = query(tmp_path, "select max(date_start) from raw.facebook_ads_insights_account_daily")
    api.clear()

    run(tmp_path, config, ["insights_account_daily"])

    assert insights_ranges(api) == {"account": {(str(last_day - timedelta(days=3)), str(END))}}
    assert isinstance(last_day, date)
