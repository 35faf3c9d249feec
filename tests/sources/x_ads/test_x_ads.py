"""x_ads: documented bodies load as documented, signed requests, the error table, stats jobs.

Expected values are read off the documented bodies (cassettes/x_ads/bodies, written from
X's Ads API documentation) or computed from the fake's `World`, never from the connector.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.errormap import SkipPartition, TooMuchData
from bosco_connectors.framework.jobs import DONE, FAILED, RUNNING
from bosco_connectors.framework.oauth1 import verify
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.x_ads import API, connector
from bosco_connectors.sources.x_ads.stats import explode
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

ACCOUNT = "18ce54d4x5t"
END = date(2026, 11, 20)
FIXTURE_SECRETS = dict(consumer_key="fixture-consumer-key", consumer_secret="fixture-consumer-secret",
                       token="fixture-access-token", token_secret="fixture-token-secret")


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="x_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync every read-only test below queries (run once for the module)."""
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with quick_client(connector, retry=fast):  # as `fast`, for the module
        with FakeApi([app]) as api:
            run(module_tmp, app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return module_tmp, app


def test_stats_file_time_series_load_one_row_per_entity_and_delivery_day(replayed):
    tmp_path, _ = replayed
    rows = query(tmp_path, "select campaign_id, date, impressions, clicks, url_clicks, spend, conversion_purchases_metric, "
                           "conversion_purchases_sale_amount, account_id from raw.x_ads_campaign_daily order by 1, 2")
    assert rows == [
        # billed_charge_local_micro [12450000, 9870001], conversion_purchases.sale_amount [199980000, 19990000]
        ("8wku2", date(2026, 11, 1), 3482, 30, 22, Decimal("12.45"), 2, Decimal("199.98"), ACCOUNT),
        ("8wku2", date(2026, 11, 2), 2991, 25, 19, Decimal("9.870001"), 1, Decimal("19.99"), ACCOUNT),
        ("8wku3", date(2026, 11, 1), 1233, 58, 40, Decimal("3"), 0, Decimal("0"), ACCOUNT),
        # 8wku3 on 2026-11-02: every metric 0 (left out); 8wku4: every metric null (did not serve)
    ]
    assert query(tmp_path, "select line_item_id, campaign_id, date from raw.x_ads_line_item_daily order by 1, 3") == [
        ("itttx", "8wku3", date(2026, 11, 1)), ("itttx", "8wku3", date(2026, 11, 2)), ("itttz", "8wku3", date(2026, 11, 1))]
    assert query(tmp_path, "select distinct promoted_tweet_id, line_item_id from raw.x_ads_promoted_tweet_daily order by 1") == [
        ("1efwlo", "itttz"), ("1efwlp", "itttz")]


def test_entities_deleted_included_and_paged_by_cursor(replayed):
    tmp_path, app = replayed
    assert query(tmp_path, "select id, account_id, entity_status, currency, deleted, daily_budget_amount_local_micro "
                           "from raw.x_ads_campaigns order by 1") == [
        ("8wku2", ACCOUNT, "PAUSED", "USD", False, 10000000), ("8wku3", ACCOUNT, "ACTIVE", "USD", False, 25000000),
        ("8wku4", ACCOUNT, "PAUSED", "USD", True, 5000000)]
    assert query(tmp_path, "select id, name, timezone from raw.x_ads_accounts") == [(ACCOUNT, "API McTestface", "America/Los_Angeles")]
    listing = [r for e, r in app.answered if e.stream == "line_items"]
    # read twice: as a table, and for the ids of the line item stats jobs (ParentBatches)
    assert sorted(str(r.arg("cursor")) for r in listing) == ["None", "None", "c-3w3zdyg8ywan", "c-3w3zdyg8ywan"]
    assert all(r.arg("with_deleted") == "true" and r.arg("count") == "2" for r in listing)


def test_every_request_is_signed_and_jobs_ask_for_local_days(replayed):
    _, app = replayed
    for exchange, request in app.answered:
        if request.path.startswith("/downloads/"):
            continue  # the file: a pre-signed link in X's case
        url = f"http://{request.header('host')}/{app.prefix}{request.path}"
        params = [(k, v) for k, values in request.query.items() for v in values]
        assert verify(request.method, url, params, request.header("authorization"), **FIXTURE_SECRETS), request.path
    creates = {r.arg("entity"): r for e, r in app.answered if r.method == "POST"}
    assert set(creates) == {"CAMPAIGN", "LINE_ITEM", "PROMOTED_TWEET"}
    job = creates["CAMPAIGN"]
    # dates, not instants: X reads them as midnight in the account's zone; the end is exclusive
    assert (job.arg("start_time"), job.arg("end_time"), job.arg("granularity")) == ("2026-11-01", "2026-11-03", "DAY")
    assert job.arg("entity_ids") == "8wku2,8wku3,8wku4" and job.arg("placement") == "ALL_ON_TWITTER"
    assert job.arg("metric_groups") == "ENGAGEMENT,BILLING,WEB_CONVERSION"
    assert not job.body  # parameters in the query, as documented
    polls = sorted(r.arg("job_ids") for e, r in app.answered if r.method == "GET" and r.path.startswith("/stats/jobs"))
    assert polls == ["1120829647711653888", "1120829647711653889", "1120829647711653890"]


@pytest.mark.parametrize(("status", "code", "kind"), [
    (401, "UNAUTHORIZED_ACCESS", AuthError),
    (403, "UNAUTHORIZED_CLIENT_APPLICATION", AuthError),
    (403, "ACCOUNT_NOT_FOUND", SkipPartition),
    (429, "TOO_MANY_REQUESTS", RetryableApiError),
    (503, "OVER_CAPACITY", RetryableApiError),
    (400, "REQUEST_TOO_COMPLEX", TooMuchData),
    (400, "INVALID_PARAMETER", ApiError),
])
def test_documented_error_codes(status, code, kind):
    body = {"errors": [{"code": code, "message": "vendor says no"}], "request": {"params": {}}}
    error = API.errors.policy().for_status(httpx.Response(status), body)
    assert type(error) is kind and error.vendor_code == code
    assert "vendor says no" in str(error)


def test_job_statuses():
    poll = connector.streams[-1].report.poll  # type: ignore[attr-defined]
    assert dict(poll.statuses) == {"PROCESSING": RUNNING, "SUCCESS": DONE, "FAILED": FAILED, "CANCELLED": FAILED}


def test_explode_reads_conversion_objects_and_skips_segments_and_silent_days():
    entities = [
        {"id": "a", "id_data": [{"segment": None, "metrics": {
            "impressions": [10, 0, 7], "clicks": None,
            "conversion_purchases": {"metric": [1, 0, 0], "sale_amount": [5000000, 0, 0], "assisted": None}}}]},
        {"id": "b", "id_data": [{"segment": {"segment_name": "Android", "segment_value": "0"},
                                  "metrics": {"impressions": [99, 99, 99]}}]},
    ]
    keep = ["impressions", "clicks", "conversion_purchases_metric", "conversion_purchases_sale_amount"]
    assert explode(entities, date(2026, 11, 1), "campaign_id", keep) == [
        {"campaign_id": "a", "date": date(2026, 11, 1), "impressions": 10, "clicks": None, "conversion_purchases_metric": 1,
         "conversion_purchases_sale_amount": 5000000},
        {"campaign_id": "a", "date": date(2026, 11, 3), "impressions": 7, "clicks": None, "conversion_purchases_metric": 0,
         "conversion_purchases_sale_amount": 0},
    ]


def test_jobs_take_20_ids_of_one_account_and_line_items_of_one_campaign(tmp_path, fast):
    app = app_for(connector, seed=3, size="tiny", end_date=END, campaigns=45)
    with FakeApi([app]) as api:
        run(tmp_path, sandbox_config(api, connector), streams=["campaign_daily", "line_item_daily"])
        creates = [r for r in api.requests if r.method == "POST"]
    (account,) = app.world.accounts
    campaign_of = {g.id: c.id for c in account.campaigns for g in c.ad_groups}
    sizes = sorted(len(r.arg("entity_ids").split(",")) for r in creates if r.arg("entity") == "CAMPAIGN")
    assert sizes == [5, 20, 20]  # 45 campaigns, one window (10 days)
    groups = [r.arg("entity_ids").split(",") for r in creates if r.arg("entity") == "LINE_ITEM"]
    assert all(len({campaign_of[i] for i in ids}) == 1 for ids in groups)
    assert sum(len(ids) for ids in groups) == len(campaign_of)
    rows = query(tmp_path, "select line_item_id, campaign_id from raw.x_ads_line_item_daily")
    assert rows and all(campaign_of[line_item] == campaign for line_item, campaign in rows)


def test_windows_of_90_days_and_a_30_day_lookback():
    reports = [s for s in connector.streams if s.name.endswith("_daily")]
    assert {s.cursor.window for s in reports} == {timedelta(days=90)} and {s.cursor.lookback for s in reports} == {timedelta(days=30)}


def test_account_ids_are_x_ids():
    from bosco_connectors.framework.errors import ConfigError

    secrets = {k: "x" for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")}
    assert connector.validate({**secrets, "account_ids": "18ce54d4x5t, 18ce54d4x5t"}).account_ids == ["18ce54d4x5t"]
    with pytest.raises(ConfigError, match="lower-case letters and digits"):
        connector.validate({**secrets, "account_ids": "Act-1"})


def test_generated_fake_stats_reach_the_unified_campaign_facts(tmp_path, monkeypatch):
    """Signed requests, stats jobs and their gzip time series from the fake, then the recipes:
    the world's spend reaches analytics.fct_campaign_performance in the campaign's currency."""
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
        files = [r for r in api.requests if "/_jobs/" in r.path]
        with duckdb.connect(str(tmp_path / "x.duckdb")) as con:
            built = build(con)  # every model: the generated staging of every level, dims, facts, metrics
            assert built.ok, [m.line() for m in built.failed]
            assert [str(f) for f in run_tests(con, today=END)] == []  # the data-quality tests (not_null, checks, grain)
            rows = con.execute("select campaign_id, date, spend, impressions, clicks, currency from analytics.fct_campaign_performance "
                               "where platform = 'x_ads'").fetchall()
    assert files and len(files) == len([r for r in api.requests if r.method == "POST"])
    world = app.world
    (account,) = world.accounts
    expected = {}
    for campaign in account.campaigns:
        for day in world.days:
            m = world.sum_metrics([ad for g in campaign.ad_groups for ad in g.ads], day)
            if m.impressions:
                expected[(campaign.id, day)] = (round(m.spend, 2), m.impressions, m.clicks)
    assert {(r[0], r[1]): (round(float(r[2]), 2), r[3], r[4]) for r in rows} == expected
    assert {r[5] for r in rows} == {account.currency}


def test_the_fake_file_is_xs_documented_shape(tmp_path):
    """The generated fake writes the world into X's file layout: arrays over the job's days."""
    import io

    app = app_for(connector, seed=3, size="tiny", end_date=END)
    (account,) = app.world.accounts
    campaign = account.campaigns[0]
    with FakeApi([app]) as api, httpx.Client(base_url=api.url(app.prefix)) as http:
        config = sandbox_config(api, connector)
        from bosco_connectors.framework.oauth1 import OAuth1Signer

        sign = OAuth1Signer(config["consumer_key"], config["consumer_secret"], config["access_token"], config["access_token_secret"])
        request = http.build_request("POST", f"12/stats/jobs/accounts/{account.id}", params={
            "entity": "CAMPAIGN", "entity_ids": campaign.id, "start_time": "2026-11-18", "end_time": "2026-11-21",
            "granularity": "DAY", "placement": "ALL_ON_TWITTER", "metric_groups": "ENGAGEMENT,BILLING,WEB_CONVERSION"})
        sign(request)
        job = http.send(request).json()["data"]["id_str"]
        poll = http.build_request("GET", f"12/stats/jobs/accounts/{account.id}", params={"job_ids": job})
        sign(poll)
        url = http.send(poll).json()["data"][0]["url"]
        document = json.load(io.BytesIO(gzip.decompress(http.get(url).content)))
    assert document["data_type"] == "stats" and document["time_series_length"] == 3
    (entity,) = document["data"]
    metrics = entity["id_data"][0]["metrics"]
    days = [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    ads = [ad for g in campaign.ad_groups for ad in g.ads]
    assert entity["id"] == campaign.id
    assert metrics["impressions"] == [app.world.sum_metrics(ads, d).impressions for d in days]
    assert metrics["billed_charge_local_micro"] == [round(app.world.sum_metrics(ads, d).spend * 1e6) for d in days]


def test_the_fake_refuses_a_request_signed_with_another_secret():
    from bosco_connectors.framework.oauth1 import OAuth1Signer

    app = app_for(connector, seed=3, size="tiny", end_date=END)
    (account,) = app.world.accounts
    with FakeApi([app]) as api, httpx.Client(base_url=api.url(app.prefix)) as http:
        config = sandbox_config(api, connector)
        keys = [config[k] for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")]
        answers = []
        for secrets in (keys, [keys[0], "another-secret", keys[2], keys[3]]):
            request = http.build_request("GET", f"12/accounts/{account.id}", params={"with_deleted": "true"})
            OAuth1Signer(*secrets)(request)
            answers.append(http.send(request))
    assert answers[0].status_code == 200 and answers[0].json()["data"]["id"] == account.id
    assert answers[1].status_code == 401 and answers[1].json()["errors"][0]["code"] == "UNAUTHORIZED_ACCESS"
