"""The declared amazon_ads source: documented bodies as loaded, regions, errors, the report jobs per ad product.

Expected values are read off the documented bodies in cassettes/amazon_ads/ (the gzip JSON report
files read with gzip and json) or the demo `World`, never computed by the connector.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, ConfigError, RetryableApiError
from bosco_connectors.framework.registry import provisional, registered
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.amazon_ads import API, REPORTS, connector
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FOLDER = fixture_folder("amazon_ads")
PROFILE = "3386516771012345"
END = date(2026, 11, 20)


def documented_rows() -> dict[str, list[dict]]:
    """The report files as documented, per ad product."""
    products = {"sp": "SPONSORED_PRODUCTS", "sb": "SPONSORED_BRANDS", "sd": "SPONSORED_DISPLAY"}
    return {product: json.loads(gzip.decompress((FOLDER / "bodies" / f"report.{short}.json.gz").read_bytes()))
            for short, product in products.items()}


def load_documented(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    app = FixtureApp(Fixtures.load(FOLDER))
    with provisional(connector), FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("amazon_docs", destination=dlt.destinations.duckdb(str(tmp_path / "a.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def replayed(module_tmp) -> Path:
    """The documented sync the tests below query (run once for the module): its database."""
    load_documented(module_tmp).close()
    return module_tmp / "a.duckdb"


def test_the_three_ad_products_reports_load_into_one_table(replayed):
    """sales14d/purchases14d (Sponsored Products) and sales/purchases (Brands, Display) land in one column each."""
    con = duckdb.connect(str(replayed), read_only=True)
    loaded = con.execute("select ad_product, campaign_id, date, impressions, clicks, cost, purchases, sales, "
                         "campaign_budget_currency_code, profile_id from raw.amazon_ads_campaign_daily "
                         "order by ad_product, date").fetchall()
    expected = []
    for product, rows in sorted(documented_rows().items()):
        for r in rows:
            purchases, sales = (r["purchases14d"], r["sales14d"]) if product == "SPONSORED_PRODUCTS" else (r["purchases"], r["sales"])
            expected.append((product, str(r["campaignId"]), date.fromisoformat(r["date"]), r["impressions"], r["clicks"],
                             Decimal(str(r["cost"])), purchases, Decimal(str(sales)), r["campaignBudgetCurrencyCode"], PROFILE))
    assert loaded == sorted(expected, key=lambda r: (r[0], r[2])) and len(loaded) == 4
    assert con.execute("select typeof(cost), typeof(campaign_id) from raw.amazon_ads_campaign_daily limit 1").fetchone()[0].startswith("DECIMAL")


def test_only_the_configured_profile_is_kept_with_its_currency_and_zone(replayed):
    con = duckdb.connect(str(replayed), read_only=True)
    assert con.execute("select profile_id, country_code, currency_code, timezone, account_name, account_type "
                       "from raw.amazon_ads_profiles").fetchall() == [
        (PROFILE, "US", "USD", "America/Los_Angeles", "Contoso Outdoor", "seller")]


def test_sponsored_products_entities_read_both_pages(replayed):
    con = duckdb.connect(str(replayed), read_only=True)
    assert con.execute("select campaign_id, state, budget, budget_type, targeting_type, start_date, profile_id "
                       "from raw.amazon_ads_sp_campaigns order by 1").fetchall() == [
        ("158410630682987", "ENABLED", Decimal("50"), "DAILY", "AUTO", date(2026, 9, 1), PROFILE),
        ("158410630682988", "PAUSED", Decimal("25.5"), "DAILY", "MANUAL", date(2026, 10, 15), PROFILE)]
    assert con.execute("select ad_group_id, campaign_id, default_bid from raw.amazon_ads_sp_ad_groups order by 1").fetchall() == [
        ("55720282058882", "158410630682988", Decimal("0.6")), ("72320882861500", "158410630682987", Decimal("0.75"))]
    assert con.execute("select ad_id, ad_group_id, sku from raw.amazon_ads_sp_product_ads order by 1").fetchall() == [
        ("260982453612345", "72320882861500", "TENT-4P-GRN"), ("260982453612346", "55720282058882", "PACK-30L-BLU")]


def test_documented_cost_and_sales_reach_the_unified_facts(replayed, tmp_path):
    from bosco_connectors.recipes.runner import build

    shutil.copy(replayed, tmp_path / "a.duckdb")  # the facts are built into it: a copy of the shared sync's database
    spend: dict[date, Decimal] = defaultdict(Decimal)
    value: dict[date, Decimal] = defaultdict(Decimal)
    for product, rows in documented_rows().items():
        for r in rows:
            spend[date.fromisoformat(r["date"])] += Decimal(str(r["cost"]))
            value[date.fromisoformat(r["date"])] += Decimal(str(r["sales14d" if product == "SPONSORED_PRODUCTS" else "sales"]))
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    try:
        with registered(connector):
            built = build(con, select=["fct_campaign_performance"])
        assert built.ok, [m.reason for m in built.models if m.status == "failed"]
        loaded = con.execute("select date, sum(spend), sum(conversion_value), max(currency) from analytics.fct_campaign_performance "
                             "where platform = 'amazon_ads' group by 1 order by 1").fetchall()
    finally:
        con.close()
    assert [(d, round(Decimal(str(s)), 2), round(Decimal(str(v)), 2), c) for d, s, v, c in loaded] == \
        [(d, spend[d], value[d], "USD") for d in sorted(spend)]


# -- against the generated fake ----------------------------------------------------------------


def test_each_job_asks_for_its_products_report_and_the_world_is_counted_once(tmp_path, monkeypatch):
    from bosco_connectors.framework import jobs

    monkeypatch.setattr(jobs, "_timing", lambda client: (lambda seconds: None, time.monotonic))
    with provisional(connector):
        app = app_for(connector, seed=3, size="tiny", end_date=END)
        with FakeApi([app]) as api:
            source, _ = build_source(connector, {**sandbox_config(api, connector), "max_workers": 1}, tenant_id="t1")
            pipeline = dlt.pipeline("amazon_fake", destination=dlt.destinations.duckdb(str(tmp_path / "f.duckdb")),
                                    dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
            pipeline.run(source.with_resources("campaign_daily"), loader_file_format="parquet")
            creates = [r for r in api.requests if r.method == "POST" and r.path.endswith("reporting/reports")]
    (account,) = app.world.accounts
    asked = {(r.headers.get("amazon-advertising-api-scope"), r.json()["configuration"]["adProduct"],
              r.json()["configuration"]["reportTypeId"]) for r in creates}
    assert asked == {(account.id, product, report_type) for product, (report_type, _, _) in REPORTS.items()}
    assert all(r.headers.get("content-type") == "application/vnd.createasyncreportrequest.v3+json" for r in creates)
    with duckdb.connect(str(tmp_path / "f.duckdb"), read_only=True) as con:
        loaded = con.execute("select sum(cost), count(distinct campaign_id), count(*) from raw.amazon_ads_campaign_daily").fetchone()
        per_campaign = con.execute("select campaign_id, count(distinct ad_product) from raw.amazon_ads_campaign_daily group by 1").fetchall()
    world = app.world
    total = sum(Decimal(str(world.sum_metrics([ad for g in c.ad_groups for ad in g.ads], d).spend)).quantize(Decimal("0.01"))
                for c in account.campaigns for d in world.days)
    assert round(Decimal(str(loaded[0])), 2) == total  # each world campaign in exactly one ad product's report
    assert all(n == 1 for _, n in per_campaign)


# -- region, errors, config --------------------------------------------------------------------


@pytest.mark.parametrize(("region", "host", "token"), [
    ("NA", "advertising-api.amazon.com", "api.amazon.com"), ("EU", "advertising-api-eu.amazon.com", "api.amazon.co.uk"),
    ("FE", "advertising-api-fe.amazon.com", "api.amazon.co.jp")])
def test_the_region_picks_the_api_host_and_the_token_host(region, host, token):
    config = connector.validate({"client_id": "c", "client_secret": "s" * 20, "refresh_token": "r" * 20,
                                 "profile_ids": [PROFILE], "region": region})
    assert httpx.URL(config.base_url).host == host and httpx.URL(config.token_url).host == token


def test_a_profile_id_that_is_not_a_number_fails_before_any_request():
    with pytest.raises(ConfigError, match="profile ids are numbers"):
        connector.validate({"client_id": "c", "client_secret": "s" * 20, "refresh_token": "r" * 20, "profile_ids": ["ATVPDKIKX0DER"]})


def error(body: dict, status: int) -> Exception | None:
    return API.errors.policy().for_status(httpx.Response(status), body)


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (429, RetryableApiError), (425, RetryableApiError),
                                               (500, RetryableApiError), (502, RetryableApiError), (400, ApiError), (422, ApiError)])
def test_documented_statuses(status, kind):
    assert type(error({"code": str(status), "detail": "vendor says no"}, status)) is kind
    assert type(error({"code": str(status), "details": "vendor says no"}, 200 if kind is not ApiError else status)) is kind


def test_the_documented_auth_body_is_an_auth_error_in_amazons_words():
    body = json.loads((FOLDER / "bodies" / "error.auth.json").read_text())
    err = error(body, 401)
    assert isinstance(err, AuthError) and "Not authorized to access scope" in str(err)
