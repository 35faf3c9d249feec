"""spotify_ads: the documented report rows load one per campaign and UTC day with their stats
pairs as columns and SPEND as sent (account currency, not micros); ad set budgets and bids in
micros become currency units; the report is asked with repeated ``fields`` and paged by the
continuation token; the unified campaign performance carries the account's currency; the
documented errors map (403: the account is skipped).

Expected values are read off the documented bodies (cassettes/spotify_ads/bodies, built from
Spotify's own OpenAPI description), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errormap import SkipPartition
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.spotify_ads import API, FIELDS, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
ACCOUNT = "ce4ff15e-f04d-48b9-9ddf-fb3c85fbd57a"
AUDIO, VIDEO = "7f4c1cc9-9a1d-4b65-b05c-46e5e33b6705", "2b8e6c1a-3d4f-4a5b-8c9d-0e1f2a3b4c5d"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spotify_ads")
    db = tmp / "t.duckdb"
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with pytest.MonkeyPatch.context() as mp, FakeApi([app]) as api:
        mp.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))
        pipeline = dlt.pipeline(pipeline_name="spotify_ads_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(tmp / "p"), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    with registered(connector), duckdb.connect(str(db)) as con:
        from bosco_connectors.recipes.runner import build

        built = build(con, select=["fct_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    return db, app


def test_report_rows_are_campaign_days_with_spend_as_sent(replayed):
    db, _ = replayed
    rows = query(db, "select campaign_id, date, campaign_name, impressions, clicks, spend, reach, completes "
                     "from raw.spotify_ads_campaign_daily order by campaign_id desc, date")
    assert rows == [
        (AUDIO, date(2026, 11, 1), "Trail Runner Launch - Audio", 15234, 312, Decimal("187.42"), 12100, 8450),
        (AUDIO, date(2026, 11, 2), "Trail Runner Launch - Audio", 14880, 298, Decimal("181.07"), 11870, 8212),
        (VIDEO, date(2026, 11, 1), "Trail Runner - Video", 6020, 144, Decimal("96.3"), 5110, 3975),
    ]
    spend = [s["field_value"] for s in body("campaign_daily.page1.json")["rows"][0]["stats"] if s["field_type"] == "SPEND"]
    assert spend == [187.42]  # sent in currency units: not divided by a million
    assert query(db, f"select distinct ad_account_id from raw.spotify_ads_campaign_daily") == [(ACCOUNT,)]


def test_the_report_is_asked_with_repeated_fields_and_paged_by_token(replayed):
    _, app = replayed
    asked = [r for e, r in app.answered if e.stream == "campaign_daily"]
    assert len(asked) == 2
    assert asked[0].query["fields"] == FIELDS  # fields=IMPRESSIONS&fields=CLICKS&... not one comma list
    assert asked[0].query["report_start"] == ["2026-11-01T00:00:00Z"] and asked[0].query["report_end"] == ["2026-11-02T00:00:00Z"]
    assert asked[1].query["continuation_token"] == [body("campaign_daily.page1.json")["continuation_token"]]
    assert body("campaign_daily.page2.json")["continuation_token"] is None


def test_ad_set_micro_amounts_become_currency_units(replayed):
    db, _ = replayed
    assert query(db, "select name, bid_amount, budget_amount, budget_type from raw.spotify_ads_ad_sets order by name") == [
        ("Audio US 18-34", Decimal("15"), Decimal("50"), "DAILY"),
        ("Podcast listeners", Decimal("12.5"), Decimal("7.500094"), "DAILY"),
        ("Video US 25-44", Decimal("20"), Decimal("1500"), "LIFETIME"),
    ]


def test_unified_performance_carries_the_account_currency(replayed):
    db, _ = replayed
    rows = query(db, "select date, campaign_id, spend, impressions, clicks, conversions, currency "
                     "from analytics.fct_campaign_performance where platform = 'spotify_ads' order by campaign_id desc, date")
    assert rows == [
        (date(2026, 11, 1), AUDIO, Decimal("187.42"), 15234, 312, 0, "USD"),
        (date(2026, 11, 2), AUDIO, Decimal("181.07"), 14880, 298, 0, "USD"),
        (date(2026, 11, 1), VIDEO, Decimal("96.3"), 6020, 144, 0, "USD"),
    ]


@pytest.mark.parametrize(("status", "name", "kind"), [(401, "error.auth.json", AuthError), (429, "error.rate_limit.json", RetryableApiError),
                                                      (403, "error.auth.json", SkipPartition)])
def test_documented_errors(status, name, kind):
    documented = body(name)
    error = API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), documented)
    assert type(error) is kind
    assert documented["messages"][0] in str(error)


def test_an_error_body_in_a_200_is_an_error():
    assert API.errors.policy().for_status(httpx.Response(200), body("error.auth.json")) is not None
    assert API.errors.policy().for_status(httpx.Response(200), body("campaign_daily.page1.json")) is None
