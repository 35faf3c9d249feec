"""The declared tiktok_ads source against its generated fake API and its documented fixtures.

The fake is generated from the declarations and the documented bodies (sandbox.generated);
expected values come from the `World` directly (conftest.expected_daily), or from the
documented bodies themselves, never from the connector.
"""

from __future__ import annotations

from decimal import Decimal
import json
from datetime import date, timedelta

import pytest

from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.tiktok_ads import connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from .conftest import END, expected_daily, fast_client_factory, loaded_totals, make_pipeline, query, totals

REPORTS = ["report_advertiser_daily", "report_campaign_daily", "report_adgroup_daily", "report_ad_daily"]


def serve(**world):
    app = app_for(connector, seed=3, size="tiny", end_date=END, **world)
    return app, FakeApi([app])


def report_requests(api: FakeApi) -> list:
    return api.requests_to("report/integrated/get/")


def _day(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture(scope="module")
def paged_by_five(module_tmp):
    """The generated fake's sync in pages of five every level below reads (run once for the module)."""
    folder = module_tmp / "paged_by_five"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connector, "client_factory", fast_client_factory())
        app, api = serve()
        with api:
            make_pipeline(folder).run(source(**sandbox_config(api, connector), page_size=5), loader_file_format="parquet")
    return folder, app


@pytest.mark.parametrize("level", ["advertiser", "campaign", "adgroup", "ad"])
def test_daily_reports_load_the_worlds_metrics(paged_by_five, level):
    tmp_path, app = paged_by_five
    expected = expected_daily(app.world, level)
    assert loaded_totals(tmp_path, f"tiktok_ads_report_{level}_daily") == totals(expected)
    loaded = {(r[0], r[1]): (r[2], r[3]) for r in query(tmp_path, f"select {level}_id, stat_time_day, spend, impressions from raw.tiktok_ads_report_{level}_daily")}
    assert loaded == {key: (Decimal(str(v[0])), v[1]) for key, v in expected.items()}  # money: exact


def test_objects_and_parent_ids_match_the_world(tmp_path, fast_client):
    app, api = serve()
    with api:
        make_pipeline(tmp_path).run(source(**sandbox_config(api, connector)), loader_file_format="parquet")
    (account,) = app.world.accounts
    assert query(tmp_path, "select advertiser_id, name, currency from raw.tiktok_ads_advertisers") == [(account.id, account.name, account.currency)]
    groups = sorted((g.id, c.id) for c in account.campaigns for g in c.ad_groups)
    assert query(tmp_path, "select adgroup_id, campaign_id from raw.tiktok_ads_ad_groups order by 1") == groups
    parents = {ad.id: (g.id, c.id) for c in account.campaigns for g in c.ad_groups for ad in g.ads}
    rows = query(tmp_path, "select distinct ad_id, adgroup_id, campaign_id from raw.tiktok_ads_report_ad_daily")
    assert rows and all(parents[ad] == (group, campaign) for ad, group, campaign in rows)


def test_a_70_day_range_is_read_in_30_day_windows(tmp_path, fast_client):
    app, api = serve(days=70)
    with api:
        make_pipeline(tmp_path).run(source(**sandbox_config(api, connector), streams=REPORTS), loader_file_format="parquet")
        requests = report_requests(api)
    by_level: dict[str, list[tuple[date, date]]] = {}
    for r in requests:
        if r.arg("page") == "1":
            by_level.setdefault(r.arg("data_level"), []).append((_day(r.arg("start_date")), _day(r.arg("end_date"))))
    assert set(by_level) == {"AUCTION_ADVERTISER", "AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD"}
    for level, windows in by_level.items():
        windows.sort()
        assert len(windows) == 3, level
        assert all((end - start).days + 1 <= 30 for start, end in windows)
        assert windows[0][0] == app.world.start_date and windows[-1][1] == app.world.end_date
        assert all(b[0] == a[1] + timedelta(days=1) for a, b in zip(windows, windows[1:]))  # no gap, no overlap


def test_second_run_asks_only_for_the_lookback(tmp_path, fast_client):
    app, api = serve(days=25)
    pipeline = make_pipeline(tmp_path)
    with api:
        config = sandbox_config(api, connector)
        pipeline.run(source(**config, streams=REPORTS), loader_file_format="parquet")
        first = {t: query(tmp_path, f"select count(*) from raw.tiktok_ads_{t}")[0][0] for t in REPORTS}
        last_day = {t: query(tmp_path, f"select max(stat_time_day) from raw.tiktok_ads_{t}")[0][0] for t in REPORTS}
        api.clear()
        pipeline.run(source(**config, streams=REPORTS), loader_file_format="parquet")
        second = report_requests(api)
    assert {t: query(tmp_path, f"select count(*) from raw.tiktok_ads_{t}")[0][0] for t in REPORTS} == first
    level_stream = dict(zip(("AUCTION_ADVERTISER", "AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD"), REPORTS))
    for r in second:
        assert _day(r.arg("start_date")) == last_day[level_stream[r.arg("data_level")]] - timedelta(days=7)


def test_the_documented_rate_limit_answer_is_retried(tmp_path, fast_client):
    app, api = serve()
    with api:
        app.inject("rate_limit", times=2)
        make_pipeline(tmp_path).run(source(**sandbox_config(api, connector), streams=["campaigns"]), loader_file_format="parquet")
    expected = sum(len(a.campaigns) for a in app.world.accounts)
    assert query(tmp_path, "select count(*) from raw.tiktok_ads_campaigns") == [(expected,)]


def test_a_wrong_token_gets_the_documented_auth_error(tmp_path, fast_client):
    from bosco_connectors.sync import SyncJob, run_sync

    auth_body = json.loads((fixture_folder("tiktok_ads") / "bodies" / _error_body("auth_error")).read_text())
    app, api = serve()
    with api:
        config = {**sandbox_config(api, connector), "access_token": "wrong-token-0123456789abcdef"}
        import dlt

        result = run_sync(SyncJob("t", "tiktok_ads", config), destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")), pipelines_dir=tmp_path / "p")
    assert not result.ok
    assert f"TikTok code {auth_body['code']}: {auth_body['message']}" in result.error
    assert "wrong-token" not in result.error


def test_a_too_large_query_is_read_in_halves(tmp_path, fast_client):
    app, api = serve(days=8)
    refused: list[str] = []

    def too_large_once(body):
        if not refused and isinstance(body, dict) and body.get("data", {}).get("list"):
            refused.append("yes")
            return {"code": 40067, "message": "The query is too large.", "request_id": "r", "data": {}}
        return body

    with api:
        api.transform(too_large_once, path_contains="report/integrated/get/")
        make_pipeline(tmp_path).run(source(**sandbox_config(api, connector), streams=["report_advertiser_daily"]), loader_file_format="parquet")
        windows = [(_day(r.arg("start_date")), _day(r.arg("end_date"))) for r in report_requests(api)]
    start, end = app.world.start_date, app.world.end_date
    middle = start + timedelta(days=(end - start).days // 2)
    assert windows == [(start, end), (start, middle), (middle + timedelta(days=1), end)]
    assert loaded_totals(tmp_path, "tiktok_ads_report_advertiser_daily") == totals(expected_daily(app.world, "advertiser"))


def test_a_row_without_its_required_id_fails_with_one_line_naming_it(tmp_path, fast_client):
    """Not dlt's bare "ArrowInvalid: Column 'campaign_id' is declared non-nullable but contains nulls"."""
    import dlt

    from bosco_connectors.sync import SyncJob, run_sync

    def drop_first_id(body):
        rows = body.get("data", {}).get("list") if isinstance(body, dict) else None
        if rows:
            rows[0]["dimensions"].pop("campaign_id", None)
        return body

    app, api = serve()
    with api:
        api.transform(drop_first_id, path_contains="report/integrated/get/")
        result = run_sync(SyncJob("t", "tiktok_ads", sandbox_config(api, connector), ["report_campaign_daily"]),
                          destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")), pipelines_dir=tmp_path / "p")
    line = result.failure_line
    assert line.startswith("FAILED tenant=t source=tiktok_ads stream=report_campaign_daily: field 'campaign_id' is required "
                           "by the contract but missing (null) in 1 of "), line
    assert "contract must declare it optional" in line and "ArrowInvalid" not in line and "\n" not in line


def _error_body(kind: str) -> str:
    return Fixtures.load(fixture_folder("tiktok_ads")).error(kind).response["body"]


@pytest.fixture(scope="module")
def documented_sync(module_tmp):
    """The documented fixtures' sync the two tests below query (run once for the module; the fast
    client only shortens retries, and the documented answers ask for none)."""
    folder = module_tmp / "documented"
    fixtures = Fixtures.load(fixture_folder("tiktok_ads"))
    app = FixtureApp(fixtures)
    with pytest.MonkeyPatch.context() as patch, FakeApi([app]) as api:
        patch.setattr(connector, "client_factory", fast_client_factory())
        make_pipeline(folder).run(source(**app.source_config(api.url(app.prefix))), loader_file_format="parquet")
    return folder, fixtures, app


def test_documented_bodies_load_as_documented(documented_sync):
    """TikTok's documented example values, through the source: strings to numbers, "-" to NULL,
    day strings to dates, epoch seconds to timestamps, the partition's advertiser on report rows."""
    tmp_path, fixtures, app = documented_sync
    assert not app.unmatched
    documented = [r for e in fixtures.data("report_campaign_daily") for r in fixtures.body(e)["data"]["list"]]
    loaded = {(r[0], r[1].isoformat()): r[2:] for r in query(tmp_path, "select campaign_id, stat_time_day, spend, impressions, cpc, advertiser_id from raw.tiktok_ads_report_campaign_daily")}
    (advertiser,) = fixtures.config["advertiser_ids"]
    for row in documented:
        key = (row["dimensions"]["campaign_id"], row["dimensions"]["stat_time_day"][:10])
        metrics = row["metrics"]
        cpc = None if metrics.get("cpc") in (None, "-") else float(metrics["cpc"])
        assert loaded[key] == (Decimal(metrics["spend"]), int(metrics["impressions"]), cpc, advertiser)
    (created,) = [r["create_time"] for e in fixtures.data("advertisers") for r in fixtures.body(e)["data"]["list"]]
    ((loaded_created,),) = query(tmp_path, "select epoch(create_time) from raw.tiktok_ads_advertisers")
    assert int(loaded_created) == int(created)


def test_object_reads_ask_for_deleted_and_reservation_objects(tmp_path, fast_client):
    """/campaign/get/, /adgroup/get/ and /ad/get/ default to STATUS_NOT_DELETE and to auction objects only:
    spend on a deleted or a Reach & Frequency campaign would name no campaign (issue 12)."""
    app, api = serve()
    with api:
        make_pipeline(tmp_path).run(source(**sandbox_config(api, connector), streams=["campaigns", "ad_groups", "ads"]),
                                    loader_file_format="parquet")
        for path in ("campaign/get/", "adgroup/get/", "ad/get/"):
            requests = api.requests_to(path)
            assert requests, path
            for request in requests:
                assert json.loads(request.arg("filtering")) == {"primary_status": "STATUS_ALL", "buying_types": ["AUCTION", "RESERVATION_RF"]}


def test_extra_metrics_are_asked_for_and_loaded_as_columns(tmp_path, fast_client):
    """``extra_metrics`` from Python (the same config model reads bosco.toml): asked for with the base metrics."""
    from copy import copy
    from types import SimpleNamespace

    from bosco_connectors.sandbox.generated import GeneratedApp
    from bosco_connectors.sources.tiktok_ads import streams

    # The fake answers the requests its declarations make: declare it with the extra metric too.
    variant = copy(connector)
    variant.streams_for = lambda config: streams(SimpleNamespace(page_size=config.page_size, extra_metrics=["likes"]))
    app = GeneratedApp(connector=variant, seed=3, size="tiny", end_date=END)
    api = FakeApi([app])
    with api:
        make_pipeline(tmp_path).run(source(**sandbox_config(api, connector), extra_metrics=["likes", "spend", "video_play_actions"],
                                           streams=["report_campaign_daily"]), loader_file_format="parquet")
        asked = {(json.loads(r.arg("metrics")).count("likes"), json.loads(r.arg("metrics")).count("video_play_actions"))
                 for r in report_requests(api)}
    assert asked == {(1, 1)}, "asked once per request (spend and video_play_actions, already read, not twice)"
    types = dict(query(tmp_path, "select column_name, data_type from information_schema.columns "
                                 "where table_name = 'tiktok_ads_report_campaign_daily'"))
    assert types["likes"] == "DOUBLE"


def test_a_malformed_extra_metric_fails_before_any_request(tmp_path):
    from bosco_connectors.framework.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        connector.validate({"access_token": "t" * 20, "advertiser_ids": ["123"], "extra_metrics": ["Video Plays"]})
    assert "extra_metrics" in str(info.value) and "not a TikTok metric name: Video Plays" in str(info.value)


def test_documented_video_spend_split_and_ad_level_results_load_exactly(documented_sync):
    """Issue 12: cash / voucher spend, video plays and watch depth, engagements at every level, and the
    purchase, registration and lead metrics at ad level, as the documented bodies give them (strings)."""
    tmp_path, fixtures, _ = documented_sync
    money = ("cash_spend", "voucher_spend", "value_per_complete_payment")
    counts = ("video_play_actions", "video_watched_2s", "video_watched_6s", "video_views_p25", "video_views_p50",
              "video_views_p75", "video_views_p100", "engagements", "registration", "total_registration", "form", "onsite_form")
    columns = money + counts + ("complete_payment_roas",)
    loaded = {(r[0], r[1].isoformat()): r[2:] for r in query(
        tmp_path, f"select ad_id, stat_time_day, {', '.join(columns)} from raw.tiktok_ads_report_ad_daily")}
    documented = [r for e in fixtures.data("report_ad_daily") for r in fixtures.body(e)["data"]["list"]]
    assert documented and len(loaded) == len(documented)
    for row in documented:
        m = row["metrics"]
        as_ = lambda kind, c: None if m[c] == "-" else kind(m[c])  # noqa: E731 - "-": TikTok could not compute it
        expected = (*(as_(Decimal, c) for c in money), *(as_(int, c) for c in counts), as_(float, "complete_payment_roas"))
        assert loaded[(row["dimensions"]["ad_id"], row["dimensions"]["stat_time_day"][:10])] == expected
        assert Decimal(m["cash_spend"]) + Decimal(m["voucher_spend"]) == Decimal(m["spend"])
    campaign_columns = [r[0] for r in query(tmp_path, "select column_name from information_schema.columns "
                                                      "where table_name = 'tiktok_ads_report_campaign_daily'")]
    assert "video_watched_6s" in campaign_columns and "onsite_form" not in campaign_columns  # lead metrics: ad level only
