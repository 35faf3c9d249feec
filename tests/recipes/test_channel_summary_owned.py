"""Owned and organic channels beside paid ones in ``daily_channel_summary``: the documented
fixtures of an ad platform, a search tool, a social platform and an email platform, replayed into one
warehouse, reach the summary's organic_search, organic_social and email rows with the totals
their unified facts hold (counted here, in Python, from the facts' rows)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import dlt
import duckdb
import pytest

from bosco_connectors.framework.registry import get_connector
from bosco_connectors.recipes.runner import build
from bosco_connectors.sandbox.server import FakeApi
from bosco_connectors.sync import SyncJob, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

SOURCES = ("tiktok_ads", "google_search_console", "facebook_pages", "brevo")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("owned")
    db = root / "w.duckdb"
    for name in SOURCES:
        connector = get_connector(name)
        app = FixtureApp(Fixtures.load(fixture_folder(connector)))
        with FakeApi([app]) as api:
            result = run_sync(SyncJob("t", name, app.source_config(api.url(app.prefix))),
                              destination=dlt.destinations.duckdb(str(db)), pipelines_dir=root / name, connector=connector)
        assert result.ok, result.failure_line
    con = duckdb.connect(str(db))
    built = build(con)
    assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    assert built.get("daily_channel_summary").status == "built", built.get("daily_channel_summary").line()
    yield con
    con.close()


def _summary(con: duckdb.DuckDBPyConnection, channel: str, column: str) -> dict:
    rows = con.execute(f"select date, {column} from analytics.daily_channel_summary where channel = ?", [channel]).fetchall()
    return {d: v for d, v in rows}


def test_search_clicks_and_impressions_per_day(warehouse) -> None:
    facts = warehouse.execute("select date, clicks, impressions from analytics.fct_organic_search_daily").fetchall()
    clicks, impressions = defaultdict(int), defaultdict(int)
    for day, c, i in facts:
        clicks[day] += c or 0
        impressions[day] += i or 0
    assert facts and _summary(warehouse, "organic_search", "search_clicks") == dict(clicks)
    assert _summary(warehouse, "organic_search", "search_impressions") == dict(impressions)


def test_social_takes_the_account_row_where_there_is_one(warehouse) -> None:
    facts = warehouse.execute(
        "select date, platform, account_id, content_type, impressions, engagements from analytics.fct_social_content_daily").fetchall()
    assert any(f[3] == "account" for f in facts) and any(f[3] != "account" for f in facts)  # both levels documented
    accounts = {(d, p, a) for d, p, a, kind, *_ in facts if kind == "account"}
    impressions: dict = {}
    engagements: dict = {}
    for day, platform, account, kind, imp, eng in facts:
        if ((day, platform, account) in accounts) == (kind == "account"):  # the account's row, or its content when it has none
            for total, value in ((impressions, imp), (engagements, eng)):
                total.setdefault(day, None)
                if value is not None:  # a day nobody reports a value for stays NULL, not 0
                    total[day] = (total[day] or 0) + value
    assert _summary(warehouse, "organic_social", "social_impressions") == {d: v for d, v in impressions.items()}
    assert _summary(warehouse, "organic_social", "social_engagements") == {d: v for d, v in engagements.items()}


def test_email_sends_per_day_and_channel(warehouse) -> None:
    facts = warehouse.execute("select date, lower(coalesce(channel, 'email')), sends from analytics.fct_email_campaign_performance").fetchall()
    sends = defaultdict(int)
    for day, channel, n in facts:
        sends[(day, channel)] += n or 0
    got = {(d, c): v for d, c, v in warehouse.execute(
        "select date, channel, email_sends from analytics.daily_channel_summary where email_sends is not null").fetchall()}
    assert facts and got == dict(sends)
