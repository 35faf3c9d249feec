"""The declared snapchat_ads source: documented bodies, local-day windows, paging, errors.

Expected values come from the documented bodies (cassettes/snapchat_ads/), never from
the connector's own code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, ConfigError, RetryableApiError
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.snapchat_ads import API, connector, midnight, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from .conftest import make_pipeline, query

FIXTURES = Fixtures.load(fixture_folder("snapchat_ads"))
ACCOUNT = FIXTURES.config["ad_account_ids"][0]


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def wrapped(stream: str, kind: str) -> list[dict]:
    return [item[kind] for body in bodies(stream) for item in body[f"{kind}s"]]


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync every read-only test below queries (run once for the module)."""
    tmp_path = module_tmp
    app = FixtureApp(Fixtures.load(fixture_folder("snapchat_ads")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        return handle(request)

    app.handle = spy
    with FakeApi([app]) as api:
        make_pipeline(tmp_path).run(source(**app.source_config(api.url(app.prefix))))
    assert not app.unmatched
    return tmp_path, seen


def test_daily_stats_load_in_currency_units_on_local_days(replayed):
    """spend and purchase value arrive in micro-currency; a row's day is its start_time's local date."""
    tmp_path, _ = replayed
    loaded = {(r[0], r[1]): r[2:] for r in query(tmp_path, "select campaign_id, date, spend, conversion_purchases_value, swipes, "
                                                           "ad_account_id from raw.snapchat_ads_campaign_stats_daily")}
    expected = {}
    for body in bodies("campaign_stats_daily"):
        stat = body["timeseries_stats"][0]["timeseries_stat"]
        for day in stat["timeseries"]:
            s = day["stats"]
            expected[(stat["id"], date.fromisoformat(day["start_time"][:10]))] = (
                Decimal(s["spend"]) / 1_000_000, Decimal(s["conversion_purchases_value"]) / 1_000_000, s["swipes"], ACCOUNT)
    assert loaded == expected
    assert (Decimal("183.456789"), 512) in {(v[0], v[2]) for v in loaded.values()}  # exact, not 183.45678900000001


def test_an_ad_row_names_its_squad_and_the_squads_campaign(replayed):
    tmp_path, _ = replayed
    squad_campaign = {s["id"]: s["campaign_id"] for s in wrapped("ad_squads", "adsquad")}
    ad_squad = {a["id"]: a["ad_squad_id"] for a in wrapped("ads", "ad")}
    rows = set(query(tmp_path, "select distinct ad_id, ad_squad_id, campaign_id from raw.snapchat_ads_ad_stats_daily"))
    assert rows == {(ad, squad, squad_campaign[squad]) for ad, squad in ad_squad.items()}


def test_stats_windows_are_local_midnights_of_the_account_zone(replayed):
    """The account is in America/Los_Angeles and daylight saving time ends on 2026-11-01."""
    _, seen = replayed
    stats = [r for r in seen if r.path.endswith("/stats")]
    assert len(stats) == 6
    assert {(r.arg("start_time"), r.arg("end_time"), r.arg("granularity")) for r in stats} == {
        ("2026-11-01T00:00:00-07:00", "2026-11-04T00:00:00-08:00", "DAY")}
    assert all(r.arg("timezone") is None and r.arg("ad_account_id") is None for r in stats)  # partition keys are not sent


def test_next_link_is_followed_by_its_query_on_the_configured_host(replayed):
    """Snap's next_link names a host of its own: only its cursor and limit are sent, to the configured one."""
    _, seen = replayed
    cursors = [r.arg("cursor") for r in seen if r.path.endswith("/campaigns")]
    (link,) = [b["paging"]["next_link"] for b in bodies("campaigns") if b["paging"].get("next_link")]
    # campaigns are listed for their own table and again to partition their stats: every listing pages the same way
    cursor = link.split("cursor=")[1].split("&")[0]
    assert set(cursors) == {None, cursor} and cursors.count(None) == cursors.count(cursor)


def test_objects_unwrap_and_convert_micros(replayed):
    tmp_path, _ = replayed
    squads = {r[0]: r[1:] for r in query(tmp_path, "select id, campaign_id, ad_account_id, bid, daily_budget from raw.snapchat_ads_ad_squads")}
    assert squads == {s["id"]: (s["campaign_id"], ACCOUNT, Decimal(s["bid_micro"]) / 1_000_000, Decimal(s["daily_budget_micro"]) / 1_000_000)
                      for s in wrapped("ad_squads", "adsquad")}
    (account,) = query(tmp_path, "select id, currency, timezone from raw.snapchat_ads_ad_accounts")
    doc = wrapped("ad_accounts", "adaccount")[0]
    assert account == (doc["id"], doc["currency"], doc["timezone"])
    tables = {r[0] for r in query(tmp_path, "select table_name from information_schema.tables where table_schema = 'raw'")}
    assert not [t for t in tables if "delivery_status" in t or "targeting" in t or "funding" in t]  # JSON columns, no child tables


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        (date(2026, 11, 1), "America/Los_Angeles", "2026-11-01T00:00:00-07:00"),  # still daylight time at midnight
        (date(2026, 11, 2), "America/Los_Angeles", "2026-11-02T00:00:00-08:00"),
        (date(2026, 3, 29), "Europe/Berlin", "2026-03-29T00:00:00+01:00"),
        (date(2026, 7, 1), "Asia/Kolkata", "2026-07-01T00:00:00+05:30"),
    ],
)
def test_midnight(day, zone, expected):
    assert midnight(day, ZoneInfo(zone)) == expected


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (200, {"request_status": "ERROR", "request_id": "r1", "debug_message": "Resource can not be found",
               "display_message": "We're sorry, but the requested resource is not available at this time", "error_code": "E3003"},
         ApiError, "We're sorry, but the requested resource is not available at this time"),
        (401, {"request_status": "ERROR", "request_id": "r2", "debug_message": "Unauthorized", "error_code": "E3002"},
         AuthError, "Unauthorized"),
        (403, {"request_status": "ERROR", "request_id": "r3", "msg": "Forbidden"}, AuthError, "Forbidden"),
        (429, {"request_status": "ERROR", "request_id": "r4", "debug_message": "Too Many Requests"}, RetryableApiError, "Too Many Requests"),
        (503, None, RetryableApiError, "503"),
    ],
)
def test_error_map(status, body, kind, text):
    error = API.errors.policy().for_status(httpx.Response(status), body)
    assert type(error) is kind and text in str(error)


@pytest.mark.parametrize("status_text", ["SUCCESS", "success"])
def test_success_in_either_case_is_no_error(status_text):
    assert API.errors.policy().for_status(httpx.Response(200), {"request_status": status_text, "request_id": "r"}) is None


@pytest.mark.parametrize(
    ("change", "says"),
    [({"page_size": 20}, "page_size"), ({"ad_account_ids": "not an id!"}, "UUID"), ({"refresh_token": None}, "refresh_token")],
)
def test_config_errors_say_what_is_wrong(change, says):
    good = {"client_id": "app", "client_secret": "s" * 20, "refresh_token": "r" * 20, "ad_account_ids": ACCOUNT}
    with pytest.raises(ConfigError) as info:
        connector.validate({**good, **change})
    assert says in str(info.value)
