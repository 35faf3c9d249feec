"""Replay a recorded GA4 sync (two built-in reports and one user-defined report), offline.

Record with ``BOSCO_RECORD=1``: the fake GA4 API serves a tiny world and the cassette is
rewritten to analyticsdata.googleapis.com. Expected sums come from the fake property's
cells and from the ad platforms' worlds, not from the connector.
"""

from __future__ import annotations

import json

import pytest

from bosco_connectors.framework.redaction import REDACTED
from bosco_connectors.sandbox.ga4 import AD_CHANNELS, FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN, Ga4App
from bosco_connectors.sandbox.world import World
from bosco_connectors.sources.ga4 import connector, source
from bosco_connectors.testing.cassettes import cassette_dir, find_secrets, use_cassette

from .conftest import END, columns, expected, fast_client_factory, landing_key, make_pipeline, query, traffic_key

SEED = 11
PAGE_SIZE = 20  # traffic (90 rows) needs 5 pages, landing pages (50 rows) 3, the device report (30 rows) 2
DEVICE_REPORT = {"name": "device_engagement", "dimensions": ["deviceCategory"], "metrics": ["sessions", "engagedSessions", "engagementRate"]}


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """Run the sync once per module inside the cassette."""
    tmp_path = tmp_path_factory.mktemp("ga4_cassette")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
        mp.setenv("DLT_PROJECT_DIR", str(tmp_path))
        mp.chdir(tmp_path)
        mp.setattr(connector, "client_factory", fast_client_factory())
        with use_cassette(connector, "full_sync", seed=SEED, size="tiny", end_date=END) as replay:
            config = {**replay.config, "page_size": PAGE_SIZE, "max_workers": 1, "reports": [DEVICE_REPORT]}
            make_pipeline(tmp_path).run(source(**config), loader_file_format="parquet")
            recorded = [(r.method, r.uri, r.body) for r in replay.cassette.requests]
            if not replay.recording:
                assert replay.cassette.all_played, "every recorded request must be asked for again"
    return tmp_path, Ga4App(seed=SEED, size="tiny", end_date=END), recorded


def _report_bodies(recorded, first_dimension_after_date: str | None) -> list[dict]:
    out = []
    for _method, uri, body in recorded:
        if uri.endswith(":runReport"):
            payload = json.loads(body)
            names = [d["name"] for d in payload["dimensions"]]
            if (names[1] if len(names) > 1 else None) == first_dimension_after_date:
                out.append(payload)
    return out


def test_traffic_matches_the_property_exactly(synced):
    tmp_path, app, _ = synced
    want = expected(app, traffic_key)
    rows = query(
        tmp_path,
        "select date, session_source, session_medium, session_campaign_name, sessions, total_users, new_users, "
        "engaged_sessions, key_events, round(purchase_revenue * 100), round(total_revenue * 100) from raw.ga4_traffic_daily",
    )
    got = {
        r[:4]: {"sessions": r[4], "total_users": r[5], "new_users": r[6], "engaged_sessions": r[7], "key_events": r[8],
                "purchase_cents": r[9], "total_cents": r[10]}
        for r in rows
    }
    assert len(rows) == len(want) == 90
    assert got == want


def test_landing_pages_match_the_property_exactly(synced):
    tmp_path, app, _ = synced
    want = expected(app, landing_key)
    rows = query(tmp_path, "select date, landing_page, sessions, key_events, round(total_revenue * 100) from raw.ga4_landing_pages_daily")
    assert {r[:2]: (r[2], r[3], r[4]) for r in rows} == {k: (v["sessions"], v["key_events"], v["total_cents"]) for k, v in want.items()}
    # Both reports describe the same sessions and revenue.
    ((sessions, cents),) = query(tmp_path, "select sum(sessions), round(sum(total_revenue) * 100) from raw.ga4_traffic_daily")
    assert (sessions, cents) == (sum(v["sessions"] for v in want.values()), sum(v["total_cents"] for v in want.values()))


def test_paid_campaigns_are_the_ad_platforms_campaigns(synced):
    tmp_path, _, _ = synced
    for utm_source, medium, namespace in AD_CHANNELS:
        platform = World(SEED, "tiny", namespace=namespace, end_date=END)
        names = {c.name for a in platform.accounts for c in a.campaigns}
        sql = (
            "select distinct session_campaign_name from raw.ga4_traffic_daily "
            f"where session_source = '{utm_source}' and session_medium = '{medium}'"
        )
        loaded = {r[0] for r in query(tmp_path, sql)}
        assert loaded and loaded <= names, (utm_source, loaded, names)


def test_user_defined_report_is_its_own_typed_stream(synced):
    tmp_path, app, _ = synced
    assert {"tenant_id", "property_id", "date", "currency_code", "device_category", "sessions", "engaged_sessions",
            "engagement_rate"} <= set(columns(tmp_path, "ga4_device_engagement"))
    want = expected(app, lambda c: (c.day, c.device))
    rows = query(tmp_path, "select date, device_category, sessions, engaged_sessions, engagement_rate from raw.ga4_device_engagement")
    assert len(rows) == len(want) == 30
    for day, device, sessions, engaged, rate in rows:
        w = want[(day, device)]
        assert (sessions, engaged) == (w["sessions"], w["engaged_sessions"])
        assert rate == pytest.approx(w["engaged_sessions"] / w["sessions"])
    types = dict(query(tmp_path, "select column_name, data_type from information_schema.columns where table_name = 'ga4_device_engagement'"))
    assert (types["date"], types["sessions"], types["engagement_rate"]) == ("DATE", "BIGINT", "DOUBLE")


def test_offset_paging_reads_every_page_through_the_post_body(synced):
    _, _, recorded = synced
    for dimension, pages in (("sessionSource", 5), ("landingPage", 3), ("deviceCategory", 2)):
        bodies = _report_bodies(recorded, dimension)
        assert [(b["offset"], b["limit"]) for b in bodies] == [(i * PAGE_SIZE, PAGE_SIZE) for i in range(pages)], dimension
        for body in bodies:
            assert body["dateRanges"] == [{"startDate": "2026-11-11", "endDate": END.isoformat()}]
            assert body["returnPropertyQuota"] is True and body["keepEmptyRows"] is False
            assert body["dimensions"][0] == {"name": "date"}
    assert all(uri.startswith("https://analyticsdata.googleapis.com/") for _, uri, _ in recorded)


def test_raw_tables_carry_tenant_property_and_currency(synced):
    tmp_path, app, _ = synced
    assert query(tmp_path, "select distinct tenant_id, property_id, currency_code from raw.ga4_traffic_daily") == [
        ("default", app.property_id, "USD")
    ]


def test_cassette_holds_no_secret(synced):
    text = (cassette_dir() / "ga4" / "full_sync.yaml").read_text()
    for secret in (FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN, "ya29."):
        assert secret not in text
    assert find_secrets(text, [FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN]) == []
    assert f"authorization:\n      - '{REDACTED}'" in text
