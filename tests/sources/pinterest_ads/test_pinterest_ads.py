"""pinterest_ads: its documented bodies load as documented, its error table, its report jobs.

Expected values are read off the documented bodies (cassettes/pinterest_ads/bodies, written
from Pinterest's v5 OpenAPI description) or computed from the fake's `World`, never from
the connector.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.errormap import SkipPartition
from bosco_connectors.framework.jobs import DONE, FAILED, RUNNING
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.pinterest_ads import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

ACCOUNT = "549755885175"
END = date(2026, 11, 20)


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="pinterest_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented fixtures, synced into DuckDB; the replay app keeps every request.
    Run once for the module: the tests below only read it."""
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with quick_client(connector, retry=fast):  # as `fast`, for the module
        with FakeApi([app]) as api:
            run(module_tmp, app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return module_tmp, app


def test_report_money_in_micro_units_of_the_account_currency_loads_as_exact_currency(replayed):
    tmp_path, _ = replayed
    rows = query(tmp_path, "select campaign_id, date, spend, total_conversions_value, total_checkout_value, impression_1, "
                           "clickthrough_1, total_conversions, ad_account_id, campaign_name from raw.pinterest_ads_campaign_daily order by 1, 2")
    assert rows == [
        # SPEND_IN_MICRO_DOLLAR 12450000, TOTAL_CONVERSIONS_VALUE_IN_MICRO_DOLLAR 845990000, TOTAL_CHECKOUT_VALUE 612500000
        ("626736533506", date(2026, 11, 1), Decimal("12.45"), Decimal("845.99"), Decimal("612.5"), 48210, 612, 21.0, ACCOUNT, "ACME Tools"),
        ("626736533506", date(2026, 11, 2), Decimal("9.870001"), Decimal("701.25"), Decimal("480"), 40102, 530, 17.0, ACCOUNT, "ACME Tools"),
        # JSON reports do not zero-fill: a metric left out of the row loads as null
        ("626736533507", date(2026, 11, 1), Decimal("3"), None, None, 12034, 90, None, ACCOUNT, "ACME Tools - consideration"),
    ]
    assert query(tmp_path, "select id, currency, country, created_time from raw.pinterest_ads_ad_accounts") == [
        (ACCOUNT, "USD", "US", datetime.fromtimestamp(1451431341, tz=timezone.utc))]


def test_every_level_loads_its_documented_rows_with_parent_ids(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select ad_group_id, campaign_id, spend from raw.pinterest_ads_ad_group_daily order by 1") == [
        ("2680060704746", "626736533506", Decimal("12.45")), ("2680060704748", "626736533507", Decimal("3"))]
    assert query(tmp_path, "select ad_id, pin_id, ad_group_id, date, spend, total_conversions_value from raw.pinterest_ads_ad_daily order by 1, 4") == [
        ("687195134316", "394205773611545468", "2680060704746", date(2026, 11, 1), Decimal("12.45"), Decimal("845.99")),
        ("687195134318", "394205773611545470", "2680060704748", date(2026, 11, 1), Decimal("3"), None),
        ("687195134318", "394205773611545470", "2680060704748", date(2026, 11, 2), Decimal("2.5"), Decimal("19.99")),
    ]


def test_entities_page_by_bookmark_and_micro_budgets_load_in_currency_units(replayed):
    tmp_path, app = replayed
    assert query(tmp_path, "select id, status, objective_type, daily_spend_cap from raw.pinterest_ads_campaigns order by 1") == [
        ("626736533506", "ACTIVE", "AWARENESS", 1432744744), ("626736533507", "PAUSED", "CONSIDERATION", 500000000),
        ("626736533508", "ARCHIVED", "WEB_CONVERSION", None)]  # spend caps: no documented unit, kept as sent
    assert query(tmp_path, "select id, campaign_id, budget, bid from raw.pinterest_ads_ad_groups order by 1") == [
        ("2680060704746", "626736533506", Decimal("5"), Decimal("5")), ("2680060704747", "626736533506", Decimal("12.5"), None),
        ("2680060704748", "626736533507", Decimal("2"), Decimal("0.25"))]
    listing = [r for e, r in app.answered if e.stream == "campaigns"]
    assert [r.arg("bookmark") for r in listing] == [None, "Y2FtcGFpZ25zOjI6NjI2NzM2NTMzNTA3"]
    assert all(r.query["entity_statuses"] == ["ACTIVE", "PAUSED", "ARCHIVED"] for r in listing)  # archived ones too


def test_report_jobs_ask_for_the_documented_request_and_poll_by_token(replayed):
    _, app = replayed
    creates = {json.loads(r.body)["level"]: json.loads(r.body) for e, r in app.answered if r.method == "POST" and e.stream}
    assert set(creates) == {"CAMPAIGN", "AD_GROUP", "PIN_PROMOTION"}
    body = creates["CAMPAIGN"]
    assert body["start_date"] == "2026-11-01" and body["end_date"] == "2026-11-02" and body["granularity"] == "DAY"
    assert (body["click_window_days"], body["engagement_window_days"], body["view_window_days"]) == (30, 30, 1)
    assert body["conversion_report_time"] == "TIME_OF_AD_ACTION" and body["report_format"] == "JSON"
    assert {"CAMPAIGN_ID", "SPEND_IN_MICRO_DOLLAR", "IMPRESSION_1", "CLICKTHROUGH_1", "TOTAL_CONVERSIONS"} <= set(body["columns"])
    polls = sorted(r.arg("token") for e, r in app.answered if r.method == "GET" and r.path.endswith("/reports"))
    assert polls == ["fixture-report-token-ad", "fixture-report-token-ad_group", "fixture-report-token-campaign"]
    (token,) = [r for e, r in app.answered if r.path.endswith("/token")]
    assert token.header("authorization") == "Basic " + base64.b64encode(b"1484362:fixture-secret").decode()  # basic client auth
    assert "client_secret" not in token.body.decode()


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"code": 2, "message": "Authentication failed."}, AuthError),
    (401, {"code": 3, "message": "Your token does not have sufficient permissions to perform this operation."}, AuthError),
    (403, {"code": 29, "message": "You are not permitted to access that resource."}, SkipPartition),  # one ad account
    (429, {"code": 8, "message": "This request exceeded a rate limit."}, RetryableApiError),
    (400, {"code": 400, "message": "Invalid ad account ads analytics parameters."}, ApiError),
    (503, {"code": 1, "message": "unavailable"}, RetryableApiError),
])
def test_documented_error_codes(status, body, kind):
    error = API.errors.policy().for_status(httpx.Response(status), body)
    assert type(error) is kind
    assert body["message"] in str(error)


def test_report_statuses_are_pinterests_bulk_reporting_job_statuses():
    """BulkReportingJobStatus (v5 description): every value has a meaning; expired or cancelled jobs start again."""
    poll = connector.streams[-1].report.poll  # type: ignore[attr-defined]
    assert dict(poll.statuses) == {"IN_PROGRESS": RUNNING, "FINISHED": DONE, "DOES_NOT_EXIST": FAILED, "EXPIRED": FAILED,
                                   "FAILED": FAILED, "CANCELLED": FAILED}


def test_lookback_follows_the_longest_attribution_window_and_jobs_span_186_days():
    narrow = connector.validate({"client_id": "1", "client_secret": "s", "refresh_token": "r", "ad_account_ids": "1",
                                 "click_window_days": 7, "engagement_window_days": 14, "view_window_days": 1})
    reports = [s for s in connector.streams_for(narrow) if s.name.endswith("_daily")]  # type: ignore[misc]
    assert {s.cursor.lookback for s in reports} == {timedelta(days=14)}
    assert {s.cursor.window for s in reports} == {timedelta(days=186)}
    assert {s.report.create.body["click_window_days"] for s in reports} == {7}
    assert {s.cursor.lookback for s in connector.streams if s.name.endswith("_daily")} == {timedelta(days=30)}


def test_reports_older_than_914_days_are_not_asked_for():
    stream = connector.streams[-1]
    assert stream.oldest_day() == datetime.now(timezone.utc).date() - timedelta(days=914)


def test_ad_account_ids_must_be_numeric():
    from bosco_connectors.framework.errors import ConfigError

    with pytest.raises(ConfigError, match="numeric"):
        connector.validate({"client_id": "1", "client_secret": "s", "refresh_token": "r", "ad_account_ids": "act_123"})


def test_generated_fake_reports_reach_the_unified_campaign_facts(tmp_path, monkeypatch):
    """Every level's report job against the fake, then the recipes: the world's spend reaches
    analytics.fct_campaign_performance in the account's currency."""
    from bosco_connectors.destinations import get_destination
    from bosco_connectors.framework.registry import registered
    from bosco_connectors.recipes import build, run_tests
    from bosco_connectors.sync import SyncJob, run_sync

    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    app = app_for(connector, seed=3, size="tiny", end_date=END)
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("demo", connector.name, sandbox_config(api, connector)),
                          destination=get_destination("duckdb", path=str(tmp_path / "x.duckdb")), pipelines_dir=tmp_path / "p")
        assert result.ok, result.failure_line
        with duckdb.connect(str(tmp_path / "x.duckdb")) as con:
            built = build(con)  # every model: the generated staging of every level, dims, facts, metrics
            assert built.ok, [m.line() for m in built.failed]
            assert [str(f) for f in run_tests(con, today=END)] == []  # the data-quality tests (not_null, checks, grain)
            rows = con.execute("select campaign_id, date, spend, impressions, currency from analytics.fct_campaign_performance "
                               "where platform = 'pinterest_ads'").fetchall()

    world = app.world
    (account,) = world.accounts
    expected = {}
    for campaign in account.campaigns:
        for day in world.days:
            metrics = world.sum_metrics([ad for g in campaign.ad_groups for ad in g.ads], day)
            if metrics.impressions:
                expected[(campaign.id, day)] = (round(metrics.spend, 2), metrics.impressions)
    assert {(r[0], r[1]): (round(float(r[2]), 2), r[3]) for r in rows} == expected
    assert {r[4] for r in rows} == {account.currency}
    per_level = defaultdict(set)
    for request in api.requests:
        if request.method == "POST" and request.path.endswith("/reports"):
            per_level[json.loads(request.body)["level"]].add(request.path)
    assert set(per_level) == {"CAMPAIGN", "AD_GROUP", "PIN_PROMOTION"}
