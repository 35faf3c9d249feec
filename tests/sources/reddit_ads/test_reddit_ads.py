"""The declared reddit_ads source: documented bodies, report requests, local days, paging, errors.

Expected values come from the documented bodies (cassettes/reddit_ads/), never from the
connector's own code.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
import pyarrow as pa
import pytest

from bosco_connectors.framework import ApiError, AuthError, ConfigError, RetryableApiError
from bosco_connectors.framework.errormap import SkipPartition
from bosco_connectors.framework.spec import Window
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.reddit_ads import API, AccountDays, connector, in_window, local_midnight, source, utc_hour
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from .conftest import make_pipeline, query

FIXTURES = Fixtures.load(fixture_folder("reddit_ads"))
ACCOUNT = FIXTURES.config["ad_account_ids"][0]


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def objects(stream: str) -> list[dict]:
    return [record for body in bodies(stream) for record in body["data"]]


def rows(stream: str) -> list[dict]:
    return [row for body in bodies(stream) for row in body["data"]["metrics"]]


def replay(tmp_path, *, inject: tuple[str, str, int] | None = None):
    app = FixtureApp(Fixtures.load(fixture_folder("reddit_ads")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        return handle(request)

    app.handle = spy
    if inject is not None:
        app.inject(inject[0], stream=inject[1], times=inject[2])
    with FakeApi([app]) as api:
        info = make_pipeline(tmp_path).run(source(**app.source_config(api.url(app.prefix))))
    return app, seen, info


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("reddit")
    app, seen, _ = replay(tmp_path)
    assert not app.unmatched
    return tmp_path, seen


def test_reports_load_spend_from_micros_and_purchase_value_from_cents(replayed):
    tmp_path, _ = replayed
    loaded = {(r[0], r[1]): r[2:] for r in query(tmp_path, "select campaign_id, date, spend, conversion_purchase_total_value, clicks, "
                                                           "key_conversion_total_count, currency, ad_account_id from raw.reddit_ads_campaign_daily")}
    expected = {(r["campaign_id"], date.fromisoformat(r["date"])): (
        Decimal(r["spend"]) / 1_000_000, Decimal(r["conversion_purchase_total_value"]) / 100, r["clicks"],
        r["key_conversion_total_count"], r["currency"], ACCOUNT) for r in rows("campaign_daily")}
    assert loaded == expected
    assert (Decimal("183.456789"), Decimal("1298.70")) in {v[:2] for v in loaded.values()}  # exact, not 183.45678900000001


def test_the_ad_report_names_the_ad_and_its_ad_group(replayed):
    tmp_path, _ = replayed
    loaded = set(query(tmp_path, "select ad_id, ad_group_id, date, spend from raw.reddit_ads_ad_daily"))
    assert loaded == {(r["ad_id"], r["ad_group_id"], date.fromisoformat(r["date"]), Decimal(r["spend"]) / 1_000_000)
                      for r in rows("ad_daily")}


def test_objects_load_with_micro_currency_in_currency_units(replayed):
    tmp_path, _ = replayed
    campaigns = dict(query(tmp_path, "select id, spend_cap from raw.reddit_ads_campaigns"))
    assert campaigns == {c["id"]: None if c["spend_cap"] is None else Decimal(c["spend_cap"]) / 1_000_000 for c in objects("campaigns")}
    groups = {r[0]: r[1:] for r in query(tmp_path, "select id, campaign_id, bid_value, ad_account_id from raw.reddit_ads_ad_groups")}
    assert groups == {g["id"]: (g["campaign_id"], Decimal(g["bid_value"]) / 1_000_000, ACCOUNT) for g in objects("ad_groups")}
    assert {r[0] for r in query(tmp_path, "select id from raw.reddit_ads_ads")} == {a["id"] for a in objects("ads")}
    (account,) = query(tmp_path, "select id, currency, time_zone_id from raw.reddit_ads_ad_accounts")
    doc = bodies("ad_accounts")[0]["data"]
    assert account == (doc["id"], doc["currency"], doc["time_zone_id"])


def test_report_requests_carry_the_documented_body_on_the_accounts_local_days(replayed):
    """The account is in America/Los_Angeles; daylight saving time ends on 2026-11-01, the first day."""
    _, seen = replayed
    reports = [json.loads(r.body) for r in seen if r.path.endswith("/reports")]
    assert len(reports) == 4  # two reports, two pages each
    windows = {(b["data"]["starts_at"], b["data"]["ends_at"], b["data"]["time_zone_id"]) for b in reports}
    assert windows == {("2026-11-01T07:00:00Z", "2026-11-03T08:00:00Z", "America/Los_Angeles")}
    assert {tuple(b["data"]["breakdowns"]) for b in reports} == {("CAMPAIGN_ID", "DATE"), ("AD_ID", "AD_GROUP_ID", "DATE")}
    assert all("SPEND" in b["data"]["fields"] and "CONVERSION_PURCHASE_TOTAL_VALUE" in b["data"]["fields"] for b in reports)
    assert all(set(b) == {"data"} for b in reports)  # partition keys (the account, its zone) are not sent in the body


def test_the_next_page_is_the_same_post_sent_to_next_url(replayed):
    _, seen = replayed
    posts = [(r.path, r.arg("page.token"), json.loads(r.body)) for r in seen if r.path.endswith("/reports")]
    by_breakdowns: dict = {}
    for path, token, body in posts:
        by_breakdowns.setdefault(tuple(body["data"]["breakdowns"]), []).append((path, token, body))
    for pages in by_breakdowns.values():
        (first, second) = pages
        assert first[1] is None and second[1] is not None and first[0] == second[0] and first[2] == second[2]
    (link,) = [b["pagination"]["next_url"] for b in bodies("campaign_daily") if b["pagination"]["next_url"]]
    assert link.endswith("page.token=cmVwb3J0OjM%3D")  # the token as sent, percent-encoded


def test_every_request_carries_the_apps_user_agent_and_the_token_request_basic_auth(replayed):
    _, seen = replayed
    agent = FIXTURES.config["user_agent"]
    assert {r.header("user-agent") for r in seen} == {agent}
    (token,) = [r for r in seen if r.path.rstrip("/").endswith("token")]
    secret = FIXTURES.config["client_secret"]
    assert token.header("authorization") == "Basic " + base64.b64encode(f"{FIXTURES.config['client_id']}:{secret}".encode()).decode()
    assert "grant_type=refresh_token" in token.body.decode() and secret not in token.body.decode()


def test_the_unified_ad_rows_get_their_campaign_from_the_ad_groups(replayed):
    """The ad report names no campaign: the staging SQL joins it from the ad groups on the ad group id."""
    import duckdb

    tmp_path, _ = replayed
    sql = staging_models(connector)["stg_reddit_ads__ad_daily"]
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        facts = set(con.execute(f"select campaign_id, ad_group_id, ad_id, campaign_name, currency from ({sql})").fetchall())
    group_campaign = {g["id"]: g["campaign_id"] for g in objects("ad_groups")}
    campaign_name = {c["id"]: c["name"] for c in objects("campaigns")}
    currency = bodies("ad_accounts")[0]["data"]["currency"]
    assert facts == {(group_campaign[r["ad_group_id"]], r["ad_group_id"], r["ad_id"], campaign_name[group_campaign[r["ad_group_id"]]], currency)
                     for r in rows("ad_daily")}


def test_an_account_the_user_may_not_read_is_skipped(tmp_path):
    """A 403 (no access to the account, or no adsread scope) skips that account: the run is partial, not failed.

    Here only the account itself answers 403 (read for its table and again for the reports'
    partitions): its reports have no partition left, the objects still load."""
    app, _, info = replay(tmp_path, inject=("forbidden", "ad_accounts", 2))
    assert not info.has_failed_jobs
    assert query(tmp_path, "select count(*) from raw.reddit_ads_campaigns") == [(len(objects("campaigns")),)]
    tables = {r[0] for r in query(tmp_path, "select table_name from information_schema.tables where table_schema = 'raw'")}
    assert "reddit_ads_ad_accounts" not in tables and "reddit_ads_campaign_daily" not in tables


ERRORS = [("auth_error", AuthError, AuthError, "Unauthorized"), ("rate_limit", RetryableApiError, RetryableApiError, "Too Many Requests"),
          # the 403 body says UNAUTHORIZED, not which 403: under HTTP 200 it fails the stream instead of skipping an account
          ("forbidden", SkipPartition, ApiError, "Insufficient authentication scopes"),
          ("not_found", ApiError, ApiError, "The specified resource was not found"),
          ("bad_request", ApiError, ApiError, "invalid field: campaign_name")]


@pytest.mark.parametrize(("kind", "error", "under_200", "text"), ERRORS)
def test_error_map(kind, error, under_200, text):
    """Each documented error body, at its documented status and under HTTP 200 (never loaded as data)."""
    exchange = FIXTURES.error(kind)
    body = FIXTURES.body(exchange)
    policy = API.errors.policy()
    found = policy.for_status(httpx.Response(exchange.response["status"]), body)
    assert type(found) is error and text in str(found)
    found = policy.for_status(httpx.Response(200), body)
    assert type(found) is under_200 and text in str(found)


def test_a_5xx_is_retried_and_success_is_no_error():
    policy = API.errors.policy()
    assert isinstance(policy.for_status(httpx.Response(503), None), RetryableApiError)
    assert policy.for_status(httpx.Response(200), bodies("campaigns")[0]) is None
    assert policy.for_status(httpx.Response(200), bodies("campaign_daily")[0]) is None


@pytest.mark.parametrize(
    ("day", "zone", "up", "expected"),
    [
        (date(2026, 11, 1), "America/Los_Angeles", False, "2026-11-01T07:00:00Z"),  # still daylight time at midnight
        (date(2026, 11, 3), "America/Los_Angeles", True, "2026-11-03T08:00:00Z"),
        (date(2026, 3, 29), "Europe/Berlin", False, "2026-03-28T23:00:00Z"),
        (date(2026, 7, 1), "Asia/Kolkata", False, "2026-06-30T18:00:00Z"),  # 18:30Z floored: the first day whole
        (date(2026, 7, 1), "Asia/Kolkata", True, "2026-06-30T19:00:00Z"),   # raised: the last day read whole
        (date(2026, 7, 1), "UTC", True, "2026-07-01T00:00:00Z"),
    ],
)
def test_local_midnights_on_the_hour(day, zone, up, expected):
    assert utc_hour(local_midnight(day, ZoneInfo(zone)), up=up) == expected


def test_a_window_round_trips_to_its_local_days():
    """The kit and the fake read the days back from a request: the same days, whatever the zone."""
    window = AccountDays()
    for zone in ("America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham", "UTC"):
        params = {"data": {"fields": ["SPEND"]}, "time_zone_id": zone}
        window.apply(params, Window(date(2026, 11, 1), date(2026, 11, 3)))
        assert "time_zone_id" not in params and params["data"]["time_zone_id"] == zone
        assert window.parse(params) == ("2026-11-01", "2026-11-03"), zone


def test_partial_days_around_the_window_are_dropped():
    """In Asia/Kolkata the floored start brings 30 minutes of the day before: that row would overwrite a whole day."""
    ctx = SimpleNamespace(window=Window(date(2026, 7, 1), date(2026, 7, 2)))
    table = pa.table({"date": [date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 2), date(2026, 7, 3)], "spend": [1, 2, 3, 4]})
    assert in_window(table, ctx).column("spend").to_pylist() == [2, 3]
    assert [r["spend"] for r in in_window([{"date": d, "spend": i} for i, d in enumerate(table.column("date").to_pylist())], ctx)] == [1, 2]


@pytest.mark.parametrize(
    ("change", "says"),
    [({"ad_account_ids": "not an id!"}, "a2_abc123"), ({"user_agent": None}, "user_agent"),
     ({"refresh_token": None}, "refresh_token"), ({"requests_per_second": 10}, "requests_per_second")],
)
def test_config_errors_say_what_is_wrong(change, says):
    good = {k: v for k, v in FIXTURES.config_for("http://127.0.0.1:9").items() if k not in ("start_date", "end_date")}
    connector.validate(good)
    with pytest.raises(ConfigError) as info:
        connector.validate({**good, **change})
    assert says in str(info.value)


def test_the_look_back_is_the_longest_attribution_window():
    """28 days: Reddit's default and longest click-through window; a day's conversions settle within it."""
    reports = [s for s in connector.streams if s.name in ("campaign_daily", "ad_daily")]
    assert [s.cursor.lookback for s in reports] == [timedelta(days=28)] * 2
    assert all(isinstance(s.cursor.lookback, timedelta) and s.cursor.window == timedelta(days=30) for s in reports)


def test_dates_in_the_objects_are_timestamps(replayed):
    tmp_path, _ = replayed
    ((modified,),) = query(tmp_path, "select modified_at from raw.reddit_ads_ad_accounts")
    assert isinstance(modified, datetime)
