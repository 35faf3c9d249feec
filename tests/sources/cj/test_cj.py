"""The declared cj source: commissions as documented, paged by maxCommissionId, both unified facts, errors.

Expected values come from the fixture bodies (cassettes/cj/) and are written out here, never
computed with the connector's code.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.cj import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import build_facts as build, documented, sync

FIXTURES = Fixtures.load(fixture_folder("cj"))

FAST = {"requests_per_minute": 25}


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder("cj")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="cj_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **FAST, **config}))
    assert not app.unmatched, app.unmatched
    return seen


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def variables(request) -> dict:
    return json.loads(request.body)["variables"]


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> tuple[Path, list]:
    """The documented sync the two read-only tests below query (run once for the module): its folder
    and the requests it made."""
    folder = module_tmp / "replayed"
    return folder, run(folder)


def test_commissions_load_as_documented_exact_money_string_ids_and_the_events_utc_day(replayed):
    tmp_path, _ = replayed
    rows = query(tmp_path / "x.duckdb", "select commission_id, advertiser_id, publisher_id, action_type, action_status, "
                                        "sale_amount_usd, adv_commission_amount_usd, cj_fee_usd, event_date, posting_date "
                                        "from raw.cj_commissions order by commission_id")
    utc = timezone.utc
    assert [(*r[:9], r[9].astimezone(utc)) for r in rows] == [
        ("2292067663", "11223344", "999", "item_sale", "new", Decimal("75.474"), Decimal("7.548"), Decimal("2.264"),
         date(2026, 11, 1), datetime(2026, 11, 1, 14, 31, 48, tzinfo=utc)),
        # an event at 23:58 UTC on the 1st, posted on the 2nd: its day is the event's
        ("2292491812", "11223344", "4455667", "sim_sale", "new", Decimal("37.737"), Decimal("3.773"), Decimal("1.132"),
         date(2026, 11, 1), datetime(2026, 11, 2, 0, 19, 21, tzinfo=utc)),
        ("2292512377", "11223344", "999", "sim_sale", "new", Decimal("120.50"), Decimal("12.05"), Decimal("3.615"),
         date(2026, 11, 2), datetime(2026, 11, 2, 9, 40, 3, tzinfo=utc)),
    ]


def test_pages_follow_max_commission_id_until_the_payload_is_complete_with_a_bearer_token(replayed):
    seen = [r for r in replayed[1] if r.path.endswith("/query")]
    assert [variables(r) for r in seen] == [
        {"forAdvertisers": ["11223344"], "sincePostingDate": "2026-11-01T00:00:00Z", "beforePostingDate": "2026-11-03T00:00:00Z",
         "sinceCommissionId": None},
        {"forAdvertisers": ["11223344"], "sincePostingDate": "2026-11-01T00:00:00Z", "beforePostingDate": "2026-11-03T00:00:00Z",
         "sinceCommissionId": "2292491812"},
    ]
    assert all(r.method == "POST" and r.header("authorization") == "Bearer fixture-token" for r in seen)
    assert "advertiserCommissions(forAdvertisers: $forAdvertisers" in json.loads(seen[0].body)["query"]


@pytest.fixture(scope="module")
def built_facts(module_tmp: Path) -> Path:
    """The documented fixtures replayed and both facts built from them (tests/sources/replayed.py),
    which the two tests below query (run once for the module)."""
    folder = module_tmp / "facts"
    sync(connector, documented(connector), folder, config=FAST)
    build(connector, folder, "affiliate_performance_daily", "campaign_performance")
    return folder / "x.duckdb"


def test_commissions_reach_the_affiliate_fact_per_advertiser_publisher_and_event_day_in_usd(built_facts):
    con = duckdb.connect(str(built_facts), read_only=True)
    rows = con.execute("select date, program_id, partner_id, partner_name, clicks, actions, sale_amount, commission, currency "
                       "from analytics.fct_affiliate_performance_daily where platform = 'cj' order by 1, 3").fetchall()
    assert rows == [
        (date(2026, 11, 1), "11223344", "4455667", "Maple Deals", None, 1, Decimal("37.737"), Decimal("3.773"), "USD"),
        (date(2026, 11, 1), "11223344", "999", "Donuts and Denim", None, 1, Decimal("75.474"), Decimal("7.548"), "USD"),
        (date(2026, 11, 2), "11223344", "999", "Donuts and Denim", None, 1, Decimal("120.50"), Decimal("12.05"), "USD"),
    ]
    con.close()


def test_commission_is_the_spend_of_a_publisher_campaign_in_the_campaign_facts(built_facts):
    con = duckdb.connect(str(built_facts), read_only=True)
    rows = con.execute("select date, account_id, account_name, campaign_id, campaign_name, spend, clicks, conversions, "
                       "conversion_value, currency from analytics.fct_campaign_performance where platform = 'cj' "
                       "order by 1, 4").fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4], Decimal(str(r[5])), r[6], float(r[7]), Decimal(str(r[8])), r[9]) for r in rows] == [
        (date(2026, 11, 1), "11223344", "Visit Canada", "4455667", "Maple Deals", Decimal("3.773"), 0, 1.0, Decimal("37.737"), "USD"),
        (date(2026, 11, 1), "11223344", "Visit Canada", "999", "Donuts and Denim", Decimal("7.548"), 0, 1.0, Decimal("75.474"), "USD"),
        (date(2026, 11, 2), "11223344", "Visit Canada", "999", "Donuts and Denim", Decimal("12.05"), 0, 1.0, Decimal("120.50"), "USD"),
    ]
    con.close()


def test_a_commission_locked_later_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    locked = copy.deepcopy(FIXTURES.body(FIXTURES.data("commissions")[1]))
    locked["data"]["advertiserCommissions"]["records"][0].update({"actionStatus": "locked", "validationStatus": "ACCEPTED"})

    def later(request):
        return FakeResponse.json(locked) if variables(request).get("sinceCommissionId") else None

    run(tmp_path, later)
    assert query(tmp_path / "x.duckdb", "select count(*), sum(adv_commission_amount_usd) from raw.cj_commissions") == [
        (3, Decimal("23.371"))]
    assert query(tmp_path / "x.duckdb", "select action_status, validation_status from raw.cj_commissions "
                                        "where commission_id = '2292512377'") == [("locked", "ACCEPTED")]


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"errors": [{"message": "Invalid Token"}], "data": None}, AuthError),
    (200, {"errors": [{"message": "Invalid Token"}], "data": None}, AuthError),  # GraphQL errors arrive in a 200
    (200, {"errors": [{"message": "Missing Token"}], "data": None}, AuthError),
    (200, {"errors": [{"message": "Unauthorized"}], "data": None}, AuthError),
    (429, {"errors": [{"message": "Too Many Requests"}], "data": None}, RetryableApiError),
    (200, {"errors": [{"message": "Validation error of type FieldUndefined: Field 'x' is undefined"}], "data": None}, ApiError),
])
def test_the_graphql_errors(status, body, kind):
    response = httpx.Response(status, json=body)
    error = API.errors.policy().for_status(response, body)
    assert type(error) is kind
    assert body["errors"][0]["message"] in str(error)


def test_the_documented_error_bodies_are_what_the_map_reads():
    for name, kind in (("error.auth.json", AuthError), ("error.rate_limit.json", RetryableApiError)):
        body = json.loads((fixture_folder("cj") / "bodies" / name).read_text())
        status = 401 if kind is AuthError else 429
        assert type(API.errors.policy().for_status(httpx.Response(status, json=body), body)) is kind


def test_the_generated_fake_pages_commissions_by_max_commission_id(tmp_path, monkeypatch):
    """The demo's fake answers batches with maxCommissionId and payloadComplete, and the reader follows them."""
    from bosco_connectors.sandbox import app_for, generated
    from bosco_connectors.sync import SyncJob, run_sync

    monkeypatch.setattr(generated, "DEFAULT_PAGE", 3)
    app = app_for(connector, seed=7, size="tiny", end_date=date(2026, 11, 20))
    db = tmp_path / "g.duckdb"
    with registered(connector), FakeApi([app]) as api:
        config = {**app.source_config(api.url(app.prefix)), "start_date": "2026-11-18", "end_date": "2026-11-20"}
        result = run_sync(SyncJob("t", connector.name, config), destination=dlt.destinations.duckdb(str(db)),
                          pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        cursors = [r.json()["variables"].get("sinceCommissionId") for r in api.requests_to("query")]
    loaded = query(db, "select count(*), count(distinct commission_id) from raw.cj_commissions")[0]
    assert loaded[0] == loaded[1] > 3  # more than one batch, no commission twice
    assert cursors[0] is None and any(cursors[1:])  # the next batches asked after the last one's cursor
