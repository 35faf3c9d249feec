"""The declared outbrain source: its documented bodies as loaded, its error table, its paging of each
campaign's days, its unified mapping.

Expected values are read off the documented bodies in cassettes/outbrain/ (Outbrain's own examples)
or the demo `World`, never computed by the connector.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.outbrain import API, connector
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

MARKETER = "00f4b02153ee75f3c9dc4fc128ab0411ab"


@pytest.fixture(autouse=True)
def _reachable_by_name():
    """Until its entry point is installed, the registry knows the source only provisionally."""
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load(tmp_path: Path, app, config: dict) -> duckdb.DuckDBPyConnection:
    source, _ = build_source(connector, config, tenant_id="t1")
    pipeline = dlt.pipeline("outbrain_test", destination=dlt.destinations.duckdb(str(tmp_path / "o.duckdb")),
                            dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
    pipeline.run(source, loader_file_format="parquet")
    return duckdb.connect(str(tmp_path / "o.duckdb"), read_only=True)


def load_documented(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    app = FixtureApp(Fixtures.load(fixture_folder("outbrain")))
    with FakeApi([app]) as api:
        con = load(tmp_path, app, app.source_config(api.url(app.prefix)))
    assert not app.unmatched
    return con


@pytest.fixture(scope="module")
def documented(module_tmp: Path) -> Path:
    """The documented sync every test of the loaded bodies below queries (run once for the module)."""
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):  # as `_reachable_by_name` (function-scoped) gives each test
        load_documented(module_tmp).close()
    return module_tmp / "o.duckdb"


def test_documented_report_days_load_one_row_per_campaign_and_day(documented):
    """Both pages of the documented example (each campaign's first two days, then its third) load, money exact."""
    con = duckdb.connect(str(documented), read_only=True)
    rows = con.execute("select marketer_id, campaign_id, from_date, to_date, impressions, clicks, total_conversions, spend, "
                       "total_sum_value, last_capping_time from raw.outbrain_campaign_daily "
                       "order by campaign_id, from_date").fetchall()
    assert len(rows) == 9
    assert rows[0] == (MARKETER, "0042d2865b03b4d59f69c9b1cb254d22fa", date(2019, 5, 10), date(2019, 5, 10), 432104, 480, 0.0,
                       Decimal("201.6"), Decimal("0"), "16:56:15")
    by_key = {(r[1], r[2]): r for r in rows}
    first = by_key[("08ba87b1aa166a8fdc3400ad6d14789dda", date(2019, 5, 12))]
    assert (first[4], first[5], first[6], first[7], first[8]) == (93072, 101, 2.0, Decimal("85.96"), Decimal("97.98"))
    # the third day of each campaign came on page 2 (offset 2)
    assert by_key[("08ba87b1aa166a8fdc3400ad6d14789dda", date(2019, 5, 10))][7] == Decimal("22.05")
    assert con.execute("select typeof(spend) from raw.outbrain_campaign_daily limit 1").fetchone()[0].startswith("DECIMAL")


def test_documented_campaigns_and_marketers_load(documented):
    con = duckdb.connect(str(documented), read_only=True)
    assert con.execute("select id, marketer_id, enabled, currency, cpc from raw.outbrain_campaigns order by id").fetchall() == [
        ("0042d2865b03b4d59f69c9b1cb254d22fa", MARKETER, True, "USD", Decimal("0.13")),
        ("00cc27350e45a8a188b424165f65d6facc", MARKETER, False, "USD", Decimal("0.13")),
        ("08ba87b1aa166a8fdc3400ad6d14789dda", MARKETER, True, "USD", Decimal("0.13")),
    ]
    assert con.execute("select id, name, enabled from raw.outbrain_marketers order by id").fetchall() == [
        ("0095b3a4811c42fe570d1e730e7286adb4", "my other marketer", False),
        ("00f4b02153ee75f3c9dc4fc128ab041962", "my marketer", True),
    ]


def test_unified_staging_takes_currency_and_name_from_the_campaigns(documented):
    """The report has no currency: the generated staging joins each campaign's (its budget's, the marketer's)."""
    con = duckdb.connect(str(documented), read_only=True)
    sql = staging_models(connector)["stg_outbrain__campaign_daily"]
    rows = con.execute(f"select date, account_id, campaign_id, campaign_name, currency, spend, clicks, conversions, conversion_value "
                       f"from ({sql}) where campaign_id = '08ba87b1aa166a8fdc3400ad6d14789dda' order by date").fetchall()
    assert rows[-1] == (date(2019, 5, 12), MARKETER, "08ba87b1aa166a8fdc3400ad6d14789dda", "Boost 'ABC' Brand", "USD",
                        Decimal("85.96"), 101, 2.0, Decimal("97.98"))  # money: exact
    assert len(rows) == 3


def outbrain_error(body, status, headers=None):
    return API.errors.policy().for_status(httpx.Response(status, headers=headers or {}), body)


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (429, RetryableApiError),
                                               (500, RetryableApiError), (400, ApiError), (404, ApiError)])
def test_the_documented_statuses_map(status, kind):
    error = outbrain_error({"moreInfo": "get-budget", "errorMessage": "access denied"}, status)
    assert type(error) is kind
    assert "access denied" in str(error)


def test_the_error_envelope_answered_with_200_is_an_error_and_a_report_is_data():
    assert isinstance(outbrain_error({"moreInfo": "get-budget", "errorMessage": "access denied"}, 200), ApiError)
    assert outbrain_error({"campaignResults": [], "totalCampaigns": 0}, 200) is None


def test_a_429_waits_the_milliseconds_outbrain_says():
    """``rate-limit-msec-left: 35024`` (the docs' example) means 35.024 seconds."""
    error = outbrain_error({"moreInfo": "x", "errorMessage": "Request exceeded rate limits"}, 429, {"rate-limit-msec-left": "35024"})
    assert isinstance(error, RetryableApiError)
    assert error.retry_after == pytest.approx(35.024)


@pytest.mark.parametrize("per_page", [2])
def test_each_campaigns_days_are_read_page_by_page_from_the_fake(tmp_path, per_page):
    """Few days per request (Outbrain's limit) load the same rows and spend as one request per window."""
    app = app_for(connector, seed=3, size="tiny", end_date=date(2026, 11, 20))
    with FakeApi([app]) as api:
        con = load(tmp_path, app, {**sandbox_config(api, connector), "results_per_page": per_page})
        paged = con.execute("select count(*), sum(spend) from raw.outbrain_campaign_daily").fetchone()
        offsets = {r.arg("offset") for r in api.requests if "periodic" in r.path}
    world = app.world
    days = {(c.id, d) for a in world.accounts for c in a.campaigns for d in world.days
            if sum(world.ad_metrics(ad.id, d).impressions for g in c.ad_groups for ad in g.ads) > 0}
    spend = sum(world.ad_metrics(ad.id, d).spend for a in world.accounts for c in a.campaigns for g in c.ad_groups
                for ad in g.ads for d in world.days)
    assert paged[0] == len(days)
    assert float(paged[1]) == pytest.approx(spend, abs=0.01)
    assert len(offsets) > 1  # more than one page per window was asked for
