"""Issue 12: the metrics other Meta connectors read, from the documented insights bodies.

The documented bodies (cassettes/facebook_ads/) are replayed through the source into DuckDB;
the expected values are read from the JSON bodies directly (Meta's fields, Meta's nesting).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import dlt
import duckdb
import pytest

from bosco_connectors.sandbox.server import FakeApi
from bosco_connectors.sources.facebook_ads import connector
from bosco_connectors.sources.facebook_ads.config import DEFAULT_CONVERSION_ACTION_TYPES
from bosco_connectors.sync import SyncJob, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("meta_metrics")
    fixtures = Fixtures.load(fixture_folder(connector))
    app = FixtureApp(fixtures)
    db = tmp_path / "m.duckdb"
    with FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
    assert result.ok, result.failure_line
    return fixtures, db


def _documented(fixtures: Fixtures, stream: str) -> list[dict]:
    return [r for e in fixtures.data(stream) for r in (fixtures.body(e) or {}).get("data", []) if "date_start" in r]


def _stat(stats: list[dict], action_type: str | None, key: str = "value") -> Decimal | None:
    found = [Decimal(s[key]) for s in stats or [] if action_type is None or s["action_type"] == action_type]
    return sum(found, Decimal(0)) if found else None


def test_unique_counts_roas_video_plays_and_thruplays_load_as_documented(replayed):
    fixtures, db = replayed
    documented = _documented(fixtures, "insights_campaign_daily")
    assert documented and all("video_thruplay_watched_actions" in r for r in documented)
    assert {"purchase_roas" in r for r in documented} == {True, False}  # a lead campaign has no purchase ROAS: NULL
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = {(r[0], r[1]): r[2:] for r in con.execute(
            "select campaign_id, date_start, unique_clicks, unique_inline_link_clicks, unique_ctr, unique_inline_link_click_ctr, "
            "purchase_roas, video_play_actions, video_thruplay_watched_actions from raw.facebook_ads_insights_campaign_daily").fetchall()}
    assert len(loaded) == len(documented)
    for row in documented:
        expected = (int(row["unique_clicks"]), int(row["unique_inline_link_clicks"]), float(row["unique_ctr"]),
                    float(row["unique_inline_link_click_ctr"]), roas if (roas := _stat(row.get("purchase_roas"), "omni_purchase")) is None else float(roas),
                    int(_stat(row["video_play_actions"], None)), int(_stat(row["video_thruplay_watched_actions"], None)))
        assert loaded[(row["campaign_id"], date.fromisoformat(row["date_start"]))] == expected


def test_every_fixed_attribution_window_is_kept_in_its_own_columns(replayed):
    """conversions_<window> / conversion_value_<window>: the configured conversion action types'
    figures in that window (the 1-day view window is the view-through conversions)."""
    fixtures, db = replayed
    columns = ", ".join(f"conversions_{w}, conversion_value_{w}" for w in WINDOWS)
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = {(r[0], r[1]): r[2:] for r in con.execute(
            f"select ad_id, date_start, {columns} from raw.facebook_ads_insights_ad_daily").fetchall()}
    documented = _documented(fixtures, "insights_ad_daily")
    assert documented and any(_stat(r.get("actions"), "omni_purchase", "1d_view") for r in documented)
    for row in documented:
        expected = []
        for window in WINDOWS:
            count = sum((_stat(row.get("actions"), t, window) or Decimal(0) for t in DEFAULT_CONVERSION_ACTION_TYPES), Decimal(0))
            value = sum((_stat(row.get("action_values"), t, window) or Decimal(0) for t in DEFAULT_CONVERSION_ACTION_TYPES), Decimal(0))
            expected += [float(count), value]
        assert loaded[(row["ad_id"], date.fromisoformat(row["date_start"]))] == tuple(expected)


def test_view_through_conversions_and_video_views_reach_the_unified_facts(replayed, tmp_path):
    from bosco_connectors.recipes.runner import build

    fixtures, db = replayed
    expected_vtc, expected_views = defaultdict(Decimal), defaultdict(Decimal)
    for row in _documented(fixtures, "insights_campaign_daily"):
        day = date.fromisoformat(row["date_start"])
        expected_vtc[day] += sum((_stat(row.get("actions"), t, "1d_view") or Decimal(0) for t in DEFAULT_CONVERSION_ACTION_TYPES), Decimal(0))
        expected_views[day] += _stat(row["video_play_actions"], None)
    assert any(expected_vtc.values())
    copy = tmp_path / "u.duckdb"
    copy.write_bytes(db.read_bytes())
    with duckdb.connect(str(copy)) as con:
        assert build(con, select=["fct_campaign_performance", "daily_campaign_summary"]).ok
        for table in ("fct_campaign_performance", "daily_campaign_summary"):
            rows = con.execute(f"select date, sum(view_through_conversions), sum(video_views) from analytics.{table} "
                               "where platform = 'facebook_ads' group by date").fetchall()
            assert {d: Decimal(str(v)) for d, v, _ in rows} == dict(expected_vtc), table
            assert {d: Decimal(v) for d, _, v in rows} == dict(expected_views), table
