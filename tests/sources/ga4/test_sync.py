"""The declared ga4 source against its generated fake: reports, paging, windows, look-back, quota.

The fake is generated from the declarations and the documented bodies; its values come from
the web-traffic world, and so do the expected values here (conftest.expected), summed from the
world's cells, never from the connector.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bosco_connectors.sandbox.traffic import AD_CHANNELS
from bosco_connectors.sandbox.world import World
from bosco_connectors.sources.ga4 import connector, source
from bosco_connectors.sync import build_source

from .conftest import END, exception_chain, expected, fast_client_factory, landing_key, make_pipeline, query, serve, traffic_key

DEVICE_REPORT = {"name": "device_engagement", "dimensions": ["deviceCategory"], "metrics": ["sessions", "engagedSessions", "engagementRate"]}


def _bodies(api, second_dimension: str | None) -> list[dict]:
    """runReport request bodies whose dimension after ``date`` is `second_dimension`."""
    out = []
    for request in api.requests_to(":runReport"):
        body = request.json()
        names = [d["name"] for d in body["dimensions"]]
        if (names[1] if len(names) > 1 else None) == second_dimension:
            out.append(body)
    return out


def _ranges(api, second_dimension: str) -> list[tuple[str, str]]:
    return [(b["dateRanges"][0]["startDate"], b["dateRanges"][0]["endDate"]) for b in _bodies(api, second_dimension) if b["offset"] == 0]


@pytest.fixture(scope="module")
def synced(module_tmp):
    """One sync of both built-in reports and a user-defined one, 20 rows per page (run once for the module)."""
    app, api = serve()
    with pytest.MonkeyPatch.context() as patch, api:
        patch.setattr(connector, "client_factory", fast_client_factory())  # as the `fast_client` fixture does
        config = {**app.source_config(api.url("ga4")), "page_size": 20, "max_workers": 1, "reports": [DEVICE_REPORT]}
        make_pipeline(module_tmp).run(source(**config), loader_file_format="parquet")
        bodies = {d: _bodies(api, d) for d in ("sessionSource", "landingPage", "deviceCategory")}
    return module_tmp, app.world, bodies


def test_traffic_matches_the_world_exactly(synced):
    tmp_path, world, _ = synced
    want = expected(world, traffic_key)
    rows = query(tmp_path, "select date, session_source, session_medium, session_campaign_name, sessions, total_users, new_users, "
                           "engaged_sessions, key_events, round(purchase_revenue * 100), round(total_revenue * 100) from raw.ga4_traffic_daily")
    got = {r[:4]: {"sessions": r[4], "users": r[5], "new_users": r[6], "engaged_sessions": r[7], "key_events": r[8],
                   "purchase_revenue_cents": r[9], "revenue_cents": r[10]} for r in rows}
    assert len(rows) == len(want) == 90
    assert got == want


def test_landing_pages_match_the_world_and_tell_the_same_totals(synced):
    tmp_path, world, _ = synced
    want = expected(world, landing_key)
    rows = query(tmp_path, "select date, landing_page, sessions, key_events, round(total_revenue * 100) from raw.ga4_landing_pages_daily")
    assert {r[:2]: r[2:] for r in rows} == {k: (v["sessions"], v["key_events"], v["revenue_cents"]) for k, v in want.items()}
    ((sessions, cents),) = query(tmp_path, "select sum(sessions), round(sum(total_revenue) * 100) from raw.ga4_traffic_daily")
    assert (sessions, cents) == (sum(v["sessions"] for v in want.values()), sum(v["revenue_cents"] for v in want.values()))


def test_paid_campaigns_are_the_ad_platforms_campaigns(synced):
    tmp_path, world, _ = synced
    for utm_source, medium, namespace in AD_CHANNELS:
        platform = World(world.seed, world.size, namespace=namespace, end_date=END)
        names = {c.name for a in platform.accounts for c in a.campaigns}
        loaded = {r[0] for r in query(tmp_path, "select distinct session_campaign_name from raw.ga4_traffic_daily "
                                                f"where session_source = '{utm_source}' and session_medium = '{medium}'")}
        assert loaded and loaded <= names, (utm_source, loaded, names)


def test_a_user_defined_report_is_its_own_typed_stream(synced):
    tmp_path, world, _ = synced
    want = expected(world, lambda c: (c.day, c.device))
    rows = query(tmp_path, "select date, device_category, sessions, engaged_sessions, engagement_rate, property_id, currency_code "
                           "from raw.ga4_device_engagement")
    assert len(rows) == len(want) == 30
    for day, device, sessions, engaged, rate, property_id, currency in rows:
        w = want[(day, device)]
        assert (sessions, engaged, property_id, currency) == (w["sessions"], w["engaged_sessions"], "123456789", "USD")
        assert rate == pytest.approx(w["engaged_sessions"] / w["sessions"])
    types = dict(query(tmp_path, "select column_name, data_type from information_schema.columns where table_name = 'ga4_device_engagement'"))
    assert (types["date"], types["sessions"], types["engagement_rate"]) == ("DATE", "BIGINT", "DOUBLE")


def test_offset_paging_goes_in_the_post_body_until_row_count(synced):
    _, _, bodies = synced
    for dimension, pages in (("sessionSource", 5), ("landingPage", 3), ("deviceCategory", 2)):  # 90, 50 and 30 rows
        assert [(b["offset"], b["limit"]) for b in bodies[dimension]] == [(i * 20, 20) for i in range(pages)], dimension
        for body in bodies[dimension]:
            names = [d["name"] for d in body["dimensions"]]
            assert names[0] == "date" and body["orderBys"] == [{"dimension": {"dimensionName": n}} for n in names]
            assert body["dateRanges"] == [{"startDate": "2026-11-11", "endDate": "2026-11-20"}]
            assert body["returnPropertyQuota"] is True and body["keepEmptyRows"] is False


def test_windows_of_window_days_then_three_days_of_look_back(tmp_path, fast_client):
    app, api = serve()
    pipeline = make_pipeline(tmp_path)
    with api:
        config = {**app.source_config(api.url("ga4")), "window_days": 4}
        pipeline.run(source(**config), loader_file_format="parquet")
        assert sorted(_ranges(api, "sessionSource")) == [("2026-11-11", "2026-11-14"), ("2026-11-15", "2026-11-18"), ("2026-11-19", "2026-11-20")]
        first = query(tmp_path, "select count(*), sum(sessions) from raw.ga4_traffic_daily")
        api.clear()
        pipeline.run(source(**config), loader_file_format="parquet")
        since = (END - timedelta(days=3)).isoformat()
        assert _ranges(api, "sessionSource") == _ranges(api, "landingPage") == [(since, "2026-11-20")]
    want = expected(app.world, traffic_key)
    assert first == query(tmp_path, "select count(*), sum(sessions) from raw.ga4_traffic_daily") == [
        (len(want), sum(v["sessions"] for v in want.values()))]
    assert query(tmp_path, "select count(*) from (select date, session_source, session_medium, session_campaign_name "
                           "from raw.ga4_traffic_daily group by all having count(*) > 1)") == [(0,)]


def test_a_later_run_completes_an_earlier_one_and_lookback_days_overrides(tmp_path, fast_client):
    app, api = serve()
    pipeline = make_pipeline(tmp_path)
    early = END - timedelta(days=2)
    with api:
        config = app.source_config(api.url("ga4"))
        pipeline.run(source(**{**config, "end_date": early}, streams=["traffic_daily"]), loader_file_format="parquet")
        assert query(tmp_path, "select max(date) from raw.ga4_traffic_daily") == [(early,)]
        api.clear()
        pipeline.run(source(**config, lookback_days=1, streams=["traffic_daily"]), loader_file_format="parquet")
        assert _ranges(api, "sessionSource") == [((early - timedelta(days=1)).isoformat(), "2026-11-20")]
    want = expected(app.world, traffic_key)
    assert query(tmp_path, "select count(*), sum(sessions) from raw.ga4_traffic_daily") == [(len(want), sum(v["sessions"] for v in want.values()))]


# -- the property quota ----------------------------------------------------------------------------


def _sync_with_quota(tmp_path, monkeypatch, remaining_per_page: list[int], **options):
    """Sync traffic_daily with each answer's tokensPerHour ``remaining`` set from the list, in turn."""
    sleeps: list[float] = []
    monkeypatch.setattr(connector, "client_factory", fast_client_factory(sleep=sleeps.append))
    left = iter(remaining_per_page)

    def quota(body):
        if isinstance(body, dict) and "propertyQuota" in body:
            body["propertyQuota"]["tokensPerHour"] = {"consumed": 40, "remaining": next(left)}
        return body

    app, api = serve()
    with api:
        api.transform(quota, path_contains=":runReport")
        config = {**app.source_config(api.url("ga4")), "page_size": 20, **options}
        dlt_source, client = build_source(connector, config, tenant_id="t", streams=["traffic_daily"])
        make_pipeline(tmp_path).run(dlt_source, loader_file_format="parquet")
    return client, [s for s in sleeps if s > 1]


def test_low_hourly_tokens_pause_every_request_of_the_source(tmp_path, monkeypatch):
    client, pauses = _sync_with_quota(tmp_path, monkeypatch, [900, 700, 450, 120, 0], quota_reserve_tokens=500, quota_pause_seconds=30)
    assert client.quota.pauses == 3, "pages 3 to 5 left fewer than 500 tokens"
    assert len(pauses) == 2 and all(29 < s <= 30 for s in pauses), "the requests after pages 3 and 4 waited (page 5 is the last)"
    assert client.quota.last["tokensPerHour"] == {"consumed": 40, "remaining": 0}
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


def test_plenty_of_tokens_means_no_pause(tmp_path, monkeypatch):
    client, pauses = _sync_with_quota(tmp_path, monkeypatch, [39_000] * 5)
    assert client.quota.pauses == 0 and pauses == []


def test_the_documented_rate_limit_answer_is_retried(tmp_path, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(connector, "client_factory", fast_client_factory(sleep=sleeps.append))
    app, api = serve()
    with api:
        app.inject("rate_limit", times=2)
        dlt_source, client = build_source(connector, app.source_config(api.url("ga4")), tenant_id="t", streams=["traffic_daily"])
        make_pipeline(tmp_path).run(dlt_source, loader_file_format="parquet")
        statuses = [r.status for r in api.requests_to(":runReport")]
    assert statuses == [429, 429, 200] and client.stats.retries == 2
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


def test_an_exhausted_quota_fails_with_googles_words_after_the_retries(tmp_path, fast_client):
    app, api = serve()
    with api, pytest.raises(Exception) as info:
        app.inject("rate_limit", times=10)
        make_pipeline(tmp_path).run(source(**app.source_config(api.url("ga4")), streams=["traffic_daily"]))
    assert [r.status for r in api.requests_to(":runReport")] == [429] * 4, "FAST_RETRY allows 4 attempts"
    lines = [str(e) for e in exception_chain(info.value)]
    assert any("ga4/traffic_daily: HTTP 429, Google code RESOURCE_EXHAUSTED: Exhausted property tokens per hour" in line for line in lines)


def test_the_fake_refuses_a_field_its_traffic_world_lacks(tmp_path, fast_client):
    """The fake serves GA4 names its world can answer; others fail loudly rather than load nothing."""
    app, api = serve()
    report = {"name": "by_country", "dimensions": ["country"], "metrics": ["sessions"]}
    with api, pytest.raises(Exception) as info:
        make_pipeline(tmp_path).run(source(**app.source_config(api.url("ga4")), reports=[report], streams=["by_country"]))
    assert any("has no GA4 field country" in str(e) for e in exception_chain(info.value))


def test_every_option_is_accepted_from_python():
    import inspect

    parameters = set(inspect.signature(source).parameters)
    assert set(connector.config_model.model_fields) | {"tenant_id", "streams"} == parameters
    assert {"reports", "window_days", "page_size", "quota_reserve_tokens", "quota_pause_seconds", "service_account_key"} <= parameters


def test_an_empty_day_range_has_no_rows_and_no_row_count(tmp_path, fast_client):
    """proto3 JSON leaves empty fields out: a report with no rows has no ``rows`` and no ``rowCount``."""
    app, api = serve()
    answers = []
    with api:
        api.transform(lambda body: answers.append(body) or body, path_contains=":runReport")
        config = {**app.source_config(api.url("ga4")), "start_date": date(2026, 11, 1), "end_date": date(2026, 11, 5)}
        make_pipeline(tmp_path).run(source(**config, streams=["traffic_daily"]), loader_file_format="parquet")
    (body,) = answers
    assert "rows" not in body and "rowCount" not in body
    assert [h["name"] for h in body["dimensionHeaders"]] == ["date", "sessionSource", "sessionMedium", "sessionCampaignName"]


def test_engagement_rate_is_read_beside_engaged_sessions(synced):
    """Issue 12: engagementRate in the built-in reports: the world's engaged sessions / sessions per row."""
    tmp_path, world, bodies = synced
    assert all("engagementRate" in [m["name"] for m in b["metrics"]] for b in bodies["sessionSource"])
    rows = query(tmp_path, "select sessions, engaged_sessions, engagement_rate from raw.ga4_traffic_daily")
    assert rows and all(rate == pytest.approx(engaged / sessions, rel=1e-12) for sessions, engaged, rate in rows)


def test_extra_metrics_from_python_are_asked_for_and_loaded(tmp_path, fast_client):
    """``source(extra_metrics=[...])`` (the config model reads bosco.toml too): asked with the built-in metrics, one column each."""
    app, api = serve()
    with api:
        config = {**app.source_config(api.url("ga4")), "max_workers": 1, "extra_metrics": ["screenPageViews", "sessions"]}
        make_pipeline(tmp_path).run(source(**config).with_resources("traffic_daily"), loader_file_format="parquet")
        (asked,) = {tuple(m["name"] for m in b["metrics"]) for b in _bodies(api, "sessionSource")}
    assert asked[-2:] == ("purchaseRevenue", "screenPageViews") and asked.count("sessions") == 1
    types = dict(query(tmp_path, "select column_name, data_type from information_schema.columns where table_name = 'ga4_traffic_daily'"))
    assert types["screen_page_views"] == "BIGINT"
    (total,) = query(tmp_path, "select sum(screen_page_views) from raw.ga4_traffic_daily")[0]
    assert total and total > 0
