"""Full syncs against the fake Google Ads API, once over REST and once over gRPC.

The module-scoped sync runs each transport once; the assertions compare the loaded
tables with the World (exact spend), and the calls the fake saw with what the source
must send (MCC traversal, headers, GAQL).
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bosco_connectors.sources.google_ads import connector

from .conftest import (
    END,
    TRANSPORTS,
    columns,
    expected_daily,
    fast_client_factory,
    make_pipeline,
    query,
    run,
    start_sandbox,
    world_of,
    world_spend,
)

BATCH = 40
LEVELS = {  # stream -> (id column, World level)
    "campaign_daily": ("campaign_id", "campaign"),
    "ad_group_daily": ("ad_group_id", "ad_group"),
    "ad_daily": ("ad_id", "ad"),
}


@pytest.fixture(scope="module", params=TRANSPORTS)
def synced(request, tmp_path_factory):
    """One full sync per transport, with batches small enough that some responses carry several."""
    tmp_path = tmp_path_factory.mktemp(f"google_ads_{request.param}")
    with pytest.MonkeyPatch.context() as mp, ExitStack() as stack:
        mp.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
        mp.setenv("DLT_PROJECT_DIR", str(tmp_path))
        mp.chdir(tmp_path)
        mp.setattr(connector, "client_factory", fast_client_factory())
        box = start_sandbox(stack, request.param, batch_size=BATCH)
        client = run(make_pipeline(tmp_path), box.config)
        yield tmp_path, box, client


@pytest.mark.parametrize("stream", sorted(LEVELS))
def test_daily_rows_match_the_world(synced, stream):
    tmp_path, box, _ = synced
    id_column, level = LEVELS[stream]
    expected = expected_daily(world_of(), level)
    loaded = {
        (row[0], row[1]): tuple(row[2:])
        for row in query(tmp_path, f"select {id_column}, date, cost_micros, impressions, clicks, conversions from raw.google_ads_{stream}")
    }
    assert loaded == expected


@pytest.mark.parametrize("stream", ["campaign_daily", "ad_group_daily", "ad_daily", "keyword_daily", "search_terms"])
def test_spend_is_cost_micros_over_a_million_exactly(synced, stream):
    tmp_path, _, _ = synced
    spend = world_spend(world_of())
    (cost, micros, bad_rows), = query(
        tmp_path, f"select sum(cost), sum(cost_micros), count(*) filter (where cost * 1000000 <> cost_micros) from raw.google_ads_{stream}"
    )
    assert Decimal(micros) / 1_000_000 == spend  # the warehouse spend is exactly the World's
    assert cost == spend
    assert bad_rows == 0


def test_objects_match_the_world(synced):
    tmp_path, box, _ = synced
    world = world_of()
    (account,) = world.accounts
    assert query(tmp_path, "select customer_id, descriptive_name, currency_code, time_zone, manager, status from raw.google_ads_customers") == [
        (account.id, account.name, account.currency, account.timezone, False, "ENABLED")
    ]
    campaigns = sorted((c.id, c.name, "ENABLED" if c.status == "ENABLE" else "PAUSED", round(c.daily_budget * 1_000_000)) for c in account.campaigns)
    assert query(tmp_path, "select campaign_id, campaign_name, status, budget_amount_micros from raw.google_ads_campaigns order by 1") == campaigns
    groups = sorted((g.id, c.id, g.name) for c in account.campaigns for g in c.ad_groups)
    assert query(tmp_path, "select ad_group_id, campaign_id, ad_group_name from raw.google_ads_ad_groups order by 1") == groups
    ads = sorted((ad.id, g.id, c.id) for c in account.campaigns for g in c.ad_groups for ad in g.ads)
    assert query(tmp_path, "select ad_id, ad_group_id, campaign_id from raw.google_ads_ads order by 1") == ads
    urls = query(tmp_path, "select final_urls from raw.google_ads_ads")
    assert all(u.startswith('["https://') for (u,) in urls)


def test_keywords_are_keyed_by_ad_group_and_criterion(synced):
    """Google reuses a keyword's criterion id in every ad group that has the same keyword."""
    tmp_path, box, _ = synced
    expected = sorted((group_id, kw.criterion_id, kw.text) for group_id, kws in box.app.data.keywords.items() for kw in kws)
    assert query(tmp_path, "select ad_group_id, criterion_id, keyword_text from raw.google_ads_keywords order by 1, 2") == expected
    shared = query(tmp_path, "select criterion_id from raw.google_ads_keywords group by 1 having count(*) > 1")
    assert shared, "the fake world should repeat a criterion id across ad groups, or this test proves nothing"


def test_daily_rows_carry_the_customer_currency(synced):
    tmp_path, _, _ = synced
    (account,) = world_of().accounts
    for stream in ("campaign_daily", "ad_group_daily", "ad_daily", "keyword_daily", "search_terms"):
        assert query(tmp_path, f"select distinct currency_code, customer_id from raw.google_ads_{stream}") == [(account.currency, account.id)]


def test_raw_columns(synced):
    tmp_path, _, _ = synced
    metrics = ["tenant_id", "customer_id", "date", "currency_code", "cost_micros", "cost", "impressions", "clicks", "conversions", "conversions_value"]
    assert columns(tmp_path, "google_ads_campaign_daily")[:10] == metrics
    assert {"campaign_id", "campaign_name", "search_impression_share"} <= set(columns(tmp_path, "google_ads_campaign_daily"))
    assert set(columns(tmp_path, "google_ads_search_terms")) >= {*metrics, "search_term", "search_term_status", "keyword_text", "keyword_match_type", "ad_group_id"}
    types = dict(query(tmp_path, "select column_name, data_type from information_schema.columns where table_name = 'google_ads_ad_daily'"))
    assert types["cost_micros"] == "BIGINT" and types["cost"].startswith("DECIMAL") and types["date"] == "DATE"


def test_manager_is_walked_and_only_enabled_clients_are_read(synced):
    _, box, _ = synced
    app = box.app
    calls = app.calls
    (walk,) = [c for c in calls if "FROM customer_client" in c.query]
    assert walk.customer_id == app.manager_id
    assert "customer_client.manager = FALSE" in walk.query and "customer_client.status = 'ENABLED'" in walk.query
    read = {c.customer_id for c in calls} - {app.manager_id}
    assert read == {a.id for a in world_of().accounts}  # never the sub-manager nor the cancelled client
    assert all(c.login_customer_id == app.manager_id for c in calls)
    assert all(c.status == 200 for c in calls)


def test_every_stream_is_one_request_per_customer_and_window(synced):
    _, box, client = synced
    per_resource = {r: len(box.app.queries_for(r)) for r in ("customer", "campaign", "ad_group", "ad_group_ad", "ad_group_criterion", "keyword_view", "search_term_view")}
    # campaign and ad_group/ad_group_ad serve an object stream and a daily stream each.
    assert per_resource == {"customer": 1, "campaign": 2, "ad_group": 2, "ad_group_ad": 2, "ad_group_criterion": 1, "keyword_view": 1, "search_term_view": 1}
    assert client.stats.requests == len(box.app.calls) == 11
    # searchStream has no pages; a large result arrives as several batches in one response.
    (terms,) = box.app.queries_for("search_term_view")
    assert terms.batches >= 3


def test_daily_queries_ask_for_the_configured_range(synced):
    _, box, _ = synced
    start = box.config["start_date"]
    for resource in ("keyword_view", "search_term_view"):
        (call,) = box.app.queries_for(resource)
        assert f"segments.date BETWEEN '{start}' AND '{END}'" in call.query


# -- incremental ------------------------------------------------------------------------------


def _ranges(app, resource):
    found = (re.search(r"BETWEEN '([\d-]+)' AND '([\d-]+)'", c.query) for c in app.queries_for(resource))
    return [m.groups() for m in found if m]


@pytest.mark.parametrize("lookback", [None, 3])
def test_second_run_rereads_the_lookback(sandbox, tmp_path, lookback):
    config = {**sandbox.config, **({"lookback_days": lookback} if lookback else {})}
    pipeline = make_pipeline(tmp_path)
    streams = ["campaign_daily", "search_terms"]
    run(pipeline, config, streams)
    first = query(tmp_path, "select count(*), sum(cost_micros) from raw.google_ads_search_terms")
    sandbox.app.calls.clear()
    run(pipeline, config, streams)
    days = lookback or 14
    for resource in ("campaign", "search_term_view"):
        assert _ranges(sandbox.app, resource) == [(str(END - timedelta(days=days)), str(END))]
    assert query(tmp_path, "select count(*), sum(cost_micros) from raw.google_ads_search_terms") == first  # merged, not duplicated


def test_windows_step_through_the_range(sandbox, tmp_path):
    run(make_pipeline(tmp_path), {**sandbox.config, "window_days": 5}, streams=["ad_daily"])
    ranges = sorted(_ranges(sandbox.app, "ad_group_ad"))
    start = sandbox.config["start_date"]
    assert ranges[0][0] == str(start) and ranges[-1][1] == str(END)
    for (_, prev_end), (next_start, _) in zip(ranges, ranges[1:]):
        assert date.fromisoformat(prev_end) + timedelta(days=1) == date.fromisoformat(next_start)  # contiguous
    assert all((date.fromisoformat(b) - date.fromisoformat(a)).days == 4 for a, b in ranges[:-1])
    assert query(tmp_path, "select sum(cost_micros) from raw.google_ads_ad_daily") == [(sum(v[0] for v in expected_daily(world_of(), "ad").values()),)]


# -- the metrics other connectors read (issue 12) ----------------------------------------------


@pytest.mark.parametrize("stream", sorted(LEVELS))
def test_report_metrics_other_connectors_read_match_the_world(synced, stream):
    """The fake's documented counters: one view-through conversion per 100 impressions of each
    ad, all conversions = conversions + view-through, Search interactions = clicks, no TrueView views."""
    tmp_path, _, _ = synced
    id_column, level = LEVELS[stream]
    world = world_of()
    ads_of = {}
    for account in world.accounts:
        for campaign in account.campaigns:
            for group in campaign.ad_groups:
                for ad in group.ads:
                    ads_of.setdefault({"campaign": campaign.id, "ad_group": group.id, "ad": ad.id}[level], []).append(ad)
    expected = {}
    for key, ads in ads_of.items():
        for day in world.days:
            parts = [world.ad_metrics(ad.id, day) for ad in ads]
            if sum(p.impressions for p in parts):
                view_through = sum(p.impressions // 100 for p in parts)
                clicks = sum(p.clicks for p in parts)
                expected[(key, day)] = (view_through, float(sum(p.conversions for p in parts) + view_through), clicks, 0)
    loaded = {(r[0], r[1]): tuple(r[2:]) for r in query(tmp_path, f"select {id_column}, date, view_through_conversions, all_conversions, "
                                                       f"interactions, video_trueview_views from raw.google_ads_{stream}")}
    assert loaded == expected
    assert any(v[0] for v in expected.values()), "the world should have view-through conversions, or this test proves nothing"


def test_search_impression_share_is_a_fraction_with_googles_floor(synced):
    tmp_path, _, _ = synced
    shares = [r[0] for r in query(tmp_path, "select search_impression_share from raw.google_ads_campaign_daily")]
    assert shares and all(s == 0.0999 or 0.1 <= s <= 1 for s in shares)
    types = dict(query(tmp_path, "select column_name, data_type from information_schema.columns where table_name = 'google_ads_campaign_daily'"))
    assert types["search_impression_share"] == "DOUBLE" and types["all_conversions_value"].startswith("DECIMAL")


def test_extra_metrics_from_python_are_asked_for_and_loaded(sandbox, tmp_path, monkeypatch):
    """``source(extra_metrics=[...])`` (the config model bosco.toml reads too): in every daily query, one column each."""
    from bosco_connectors.sources.google_ads import source

    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
    monkeypatch.chdir(tmp_path)
    make_pipeline(tmp_path).run(source(**{**sandbox.config, "max_workers": 1}, extra_metrics=["metrics.engagements"]).with_resources("campaign_daily"),
                                loader_file_format="parquet")
    (asked,) = {c.query for c in sandbox.app.calls if "FROM campaign " in c.query}
    assert "metrics.engagements" in asked
    # the fake world has no engagements on Search: Google leaves the counter out, which is 0
    assert query(tmp_path, "select distinct engagements from raw.google_ads_campaign_daily") == [(0,)]


def test_view_through_conversions_and_video_views_reach_the_unified_facts(synced, tmp_path):
    """Google's view_through_conversions and video_trueview_views (0 on Search) fill the unified columns."""
    import duckdb

    from bosco_connectors.recipes.runner import build

    raw_dir, _, _ = synced
    world = world_of()
    expected = {}
    for account in world.accounts:
        for ad in world.ads(account.id):
            for day in world.days:
                expected[day] = expected.get(day, 0) + world.ad_metrics(ad.id, day).impressions // 100
    expected = {d: v for d, v in expected.items() if v}
    copy = tmp_path / "u.duckdb"
    copy.write_bytes((raw_dir / "x.duckdb").read_bytes())
    with duckdb.connect(str(copy)) as con:
        assert build(con, select=["fct_campaign_performance"]).ok
        rows = con.execute("select date, sum(view_through_conversions), sum(video_views) from analytics.fct_campaign_performance "
                           "where platform = 'google_ads' group by date").fetchall()
    assert {d: int(v) for d, v, _ in rows if v} == expected
    assert {views for _, _, views in rows} == {0}


def test_documented_report_metrics_load_exactly(tmp_path, monkeypatch):
    """The documented campaign bodies (REST JSON mapping) replayed: each new metric as Google sends it,
    a counter Google leaves out 0, search impression share 0.0999 kept as Google's "below 10%"."""
    import dlt

    from bosco_connectors.sandbox.server import FakeApi
    from bosco_connectors.sync import SyncJob, run_sync
    from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

    monkeypatch.setattr(connector, "client_factory", fast_client_factory())
    fixtures = Fixtures.load(fixture_folder(connector))
    app = FixtureApp(fixtures)
    with FakeApi([app]) as api:
        result = run_sync(SyncJob("t", "google_ads", app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")), pipelines_dir=tmp_path / "p")
    assert result.ok, result.failure_line
    documented = [row for e in fixtures.data("campaign_daily") for batch in fixtures.body(e) for row in batch.get("results", [])]
    loaded = {(r[0], r[1].isoformat()): r[2:] for r in query(
        tmp_path, "select campaign_id, date, view_through_conversions, all_conversions, all_conversions_value, interactions, "
                  "video_trueview_views, search_impression_share from raw.google_ads_campaign_daily")}
    assert documented and len(loaded) == len(documented)
    for row in documented:
        m = row["metrics"]
        expected = (int(m.get("viewThroughConversions", "0")), float(m.get("allConversions", 0)),
                    Decimal(str(m.get("allConversionsValue", 0))), int(m.get("interactions", "0")), 0, m["searchImpressionShare"])
        assert loaded[(row["campaign"]["id"], row["segments"]["date"])] == expected
    assert 0.0999 in {v[-1] for v in loaded.values()}
