"""``channel_activity__apps``: app installs, re-installs, in-app revenue and MMP cost per channel
in ``daily_channel_summary``, the MMP's media source mapped by the seed
app_media_source_platforms.csv, and an app store's totals never added to an MMP's rows for the
same app. Two MMPs and an app store are declared here (`fact_sources`), their raw rows written
below; the expected numbers are worked out by hand."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.registry import registered
from bosco_connectors.recipes import as_executor, build, run_tests

from .fact_sources import fact_source
from .rawdata import create_table, load_raw

D1, D2 = date(2026, 11, 1), date(2026, 11, 2)
INSTALLS = dict(date="day", app_id="app", app_os="os", media_source="source", campaign="campaign", installs="installs",
                reinstalls="reinstalls", revenue="revenue", cost="cost", currency="currency")
#: Two MMPs ("mmp_b" and "mmp_a", category attribution) and an app store (category analytics).
MMP_A = fact_source("mmp_a", "attribution", daily=Maps("app_installs_daily", **INSTALLS))
MMP_B = fact_source("mmp_b", "attribution", daily=Maps("app_installs_daily", **INSTALLS))
STORE = fact_source("app_store", "analytics", daily=Maps("app_installs_daily", date="day", app_id="app", app_os="os",
                                                          installs="installs", reinstalls="reinstalls"))
COLUMNS = {"tenant_id": "varchar", "day": "date", "app": "varchar", "os": "varchar", "source": "varchar", "campaign": "varchar",
           "installs": "bigint", "reinstalls": "bigint", "revenue": "double", "cost": "double", "currency": "varchar"}
MMP_B_ROWS = [
    # acme's iOS app (AppsFlyer-style id "id123"): the store's totals for app 123 are left out on D1
    ("acme", D1, "id123", "ios", "googleadwords_int", "Brand", 40, 2, 120.0, 80.0, "USD"),
    ("acme", D1, "id123", "ios", "Google Ads ACI", "UAC", 10, 0, 5.5, 20.0, "USD"),   # Adjust's name, same platform
    ("acme", D1, "id123", "ios", "Organic", None, 100, 5, 300.0, None, "USD"),
    ("acme", D1, "id123", "ios", "some_network_int", "X", 7, 0, 0.0, 3.0, "USD"),   # not in the seed: other_app
    ("acme", D1, "id123", "ios", "tiktokglobal_int", "Spring", 20, 1, 10.0, 30.0, "USD"),
    # beta's app reported by both MMPs on D1: mmp_a (first by name) is counted, not mmp_b
    ("beta", D1, "com.beta.app", "android", "Facebook Ads", "B", 999, 0, 0.0, 999.0, "EUR"),
]
MMP_A_ROWS = [("beta", D1, "com.beta.app", "android", "Facebook Ads", "B", 15, 1, 7.25, 12.0, "EUR")]
STORE_ROWS = [
    ("acme", D1, "123", "ios", None, None, 200, 9, None, None, None),    # an MMP reports app 123 on D1: not counted
    ("acme", D2, "123", "ios", None, None, 150, 4, None, None, None),    # no MMP row on D2: the store's totals count
    ("acme", D1, "com.acme.other", "android", None, None, 30, 0, None, None, None),  # an app no MMP reports
]


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    execute = as_executor(con)
    load_raw(execute, shopify=False, ga4=False)  # TikTok's spend (the summary is built on ad spend)
    for name, rows in (("mmp_a_daily", MMP_A_ROWS), ("mmp_b_daily", MMP_B_ROWS), ("app_store_daily", STORE_ROWS)):
        create_table(execute, "duckdb", name, COLUMNS, [dict(zip(COLUMNS, r)) for r in rows])
    with registered(MMP_A, MMP_B, STORE):
        result = build(con)
        for name in ("fct_app_installs_daily", "channel_activity__apps", "daily_channel_summary"):
            assert result.get(name).status == "built", result.get(name).line()
        assert [str(f) for f in run_tests(con, build_result=result, today=D2)] == []
    yield con
    con.close()


def summary(con: duckdb.DuckDBPyConnection, column: str) -> dict:
    rows = con.execute(f"select tenant_id, date, channel, {column} from analytics.daily_channel_summary where {column} is not null").fetchall()
    return {(t, d, c): v for t, d, c, v in rows}


def test_installs_per_channel_from_the_seed_and_one_reporter_per_app(warehouse) -> None:
    assert summary(warehouse, "installs") == {
        ("acme", D1, "google_ads"): 50,        # googleadwords_int 40 + Google Ads ACI 10
        ("acme", D1, "organic_app"): 100,
        ("acme", D1, "other_app"): 7 + 30,     # the unmapped network, and the other app's store totals
        ("acme", D1, "tiktok_ads"): 20,
        ("acme", D2, "other_app"): 150,        # no MMP row that day: the store's totals
        ("beta", D1, "facebook_ads"): 15,      # mmp_a's row, not mmp_b's 999
    }
    assert summary(warehouse, "reinstalls") == {
        ("acme", D1, "google_ads"): 2, ("acme", D1, "organic_app"): 5, ("acme", D1, "other_app"): 0,
        ("acme", D1, "tiktok_ads"): 1, ("acme", D2, "other_app"): 4, ("beta", D1, "facebook_ads"): 1,
    }


def test_revenue_and_cost_next_to_the_ad_spend(warehouse) -> None:
    revenue = {k: float(v) for k, v in summary(warehouse, "app_revenue").items()}
    cost = {k: float(v) for k, v in summary(warehouse, "app_cost").items()}
    assert revenue == {("acme", D1, "google_ads"): 125.5, ("acme", D1, "organic_app"): 300.0, ("acme", D1, "other_app"): 0.0,
                       ("acme", D1, "tiktok_ads"): 10.0, ("beta", D1, "facebook_ads"): 7.25}
    assert cost == {("acme", D1, "google_ads"): 100.0, ("acme", D1, "other_app"): 3.0, ("acme", D1, "tiktok_ads"): 30.0,
                    ("beta", D1, "facebook_ads"): 12.0}
    # the same row carries TikTok's spend (rawdata.REPORT: acme's D1 campaigns 100.0 + 0.0) and its app installs
    spend, installs = warehouse.execute("select spend, installs from analytics.daily_channel_summary "
                                        "where tenant_id = 'acme' and date = ? and channel = 'tiktok_ads'", [D1]).fetchone()
    assert (float(spend), installs) == (100.0, 20)
