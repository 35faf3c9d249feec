"""Every web analytics tool in ``daily_channel_summary``: GA4's and Plausible's rows, written
here, reach the summary through one source / medium -> channel rule, and a tenant with both
tools that day is counted once (GA4 that day; the other tool on a day without GA4).
Expected numbers are worked out by hand from the rows below."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from bosco_connectors.recipes import as_executor, build, run_tests

from .rawdata import TRAFFIC_COLUMNS, create_table, load_raw

D1, D2 = date(2026, 11, 1), date(2026, 11, 2)

GA4 = [
    # tenant, property, day, currency, source, medium, campaign, sessions, users, new, engaged, key events, revenue, purchase
    ("acme", "p-1", D1, "USD", "tiktok", "paid_social", "Spring", 300, 250, 200, 150, 12.0, 410.0, 400.0),
    ("acme", "p-1", D1, "USD", "google", "organic", "(organic)", 500, 400, 100, 300, 8.0, 200.0, 180.0),
]
PLAUSIBLE_COLUMNS = {"tenant_id": "varchar", "site_id": "varchar", "date": "date", "source": "varchar", "utm_medium": "varchar",
                     "utm_campaign": "varchar", "visits": "bigint", "visitors": "bigint"}
PLAUSIBLE = [
    # acme syncs Plausible too: on D1 GA4 is counted, on D2 (no GA4 rows) Plausible is
    ("acme", "acme.com", D1, "TikTok", "paid_social", "Spring", 280, 240),
    ("acme", "acme.com", D2, "TikTok", "paid_social", "Spring", 90, 80),
    ("acme", "acme.com", D2, "Google", "organic", "(not set)", 40, 35),
    ("acme", "acme.com", D2, "Newsletter", "email", "(not set)", 7, 7),
    # beta has Plausible only
    ("beta", "beta.io", D1, "facebook", "paid_social", "Launch", 25, 20),
    ("beta", "beta.io", D1, "Direct / None", "(not set)", "(not set)", 11, 10),
]
GOALS_COLUMNS = {"tenant_id": "varchar", "site_id": "varchar", "date": "date", "source": "varchar", "utm_medium": "varchar",
                 "utm_campaign": "varchar", "events": "bigint", "total_revenue": "double", "revenue_currency": "varchar"}
GOALS = [("acme", "acme.com", D2, "TikTok", "paid_social", "Spring", 3, 60.0, "USD")]


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    execute = as_executor(con)
    load_raw(execute, shopify=False, ga4=False)  # TikTok's spend (the summary is built on ad spend)
    names = list(TRAFFIC_COLUMNS)
    create_table(execute, "duckdb", "ga4_traffic_daily", TRAFFIC_COLUMNS, [dict(zip(names, r)) for r in GA4])
    create_table(execute, "duckdb", "plausible_traffic_daily", PLAUSIBLE_COLUMNS, [dict(zip(PLAUSIBLE_COLUMNS, r)) for r in PLAUSIBLE])
    create_table(execute, "duckdb", "plausible_goal_conversions_daily", GOALS_COLUMNS, [dict(zip(GOALS_COLUMNS, r)) for r in GOALS])
    result = build(con)
    for name in ("int_web_channel_daily", "int_ga4_channel_daily", "channel_activity__web", "daily_channel_summary"):
        assert result.get(name).status == "built", result.get(name).line()
    assert [str(f) for f in run_tests(con, build_result=result, today=D2)] == []
    yield con
    con.close()


def summary(con: duckdb.DuckDBPyConnection, column: str) -> dict:
    rows = con.execute(f"select tenant_id, date, channel, {column} from analytics.daily_channel_summary "
                       f"where {column} is not null and {column} <> 0").fetchall()
    return {(t, d, c): v for t, d, c, v in rows}


def test_sessions_come_from_one_tool_per_tenant_and_day(warehouse) -> None:
    assert summary(warehouse, "sessions") == {
        ("acme", D1, "tiktok_ads"): 300,          # GA4 (Plausible's 280 that day are not added)
        ("acme", D1, "organic_search"): 500,
        ("acme", D2, "tiktok_ads"): 90,           # no GA4 rows on D2: Plausible, "TikTok" mapped by the seed
        ("acme", D2, "organic_search"): 40,
        ("acme", D2, "email"): 7,
        ("beta", D1, "facebook_ads"): 25,         # Plausible alone
        ("beta", D1, "other"): 11,                # Plausible's "Direct / None" is no GA4 (direct) / (none) pair
    }


def test_revenue_and_conversions_of_the_counted_tool(warehouse) -> None:
    assert {k: float(v) for k, v in summary(warehouse, "ga4_revenue").items()} == {
        ("acme", D1, "tiktok_ads"): 410.0, ("acme", D1, "organic_search"): 200.0, ("acme", D2, "tiktok_ads"): 60.0}
    assert summary(warehouse, "key_events") == {
        ("acme", D1, "tiktok_ads"): 12.0, ("acme", D1, "organic_search"): 8.0, ("acme", D2, "tiktok_ads"): 3.0}


def test_the_other_tool_stays_visible_but_not_counted(warehouse) -> None:
    rows = warehouse.execute(
        "select web_tool, date, counted, sum(sessions) from analytics.int_web_channel_daily "
        "where tenant_id = 'acme' group by all order by 2, 1").fetchall()
    assert rows == [("ga4", D1, True, 800), ("plausible", D1, False, 280), ("plausible", D2, True, 137)]


def test_ga4_channels_are_ga4_rows_of_the_shared_classification(warehouse) -> None:
    rows = warehouse.execute("select date, channel, platform, sessions, key_events from analytics.int_ga4_channel_daily order by 2").fetchall()
    assert rows == [(D1, "organic_search", None, 500, 8.0), (D1, "tiktok_ads", "tiktok_ads", 300, 12.0)]
