"""The declared google_merchant_center source: documented bodies in the protobuf JSON mapping
(int64 strings, micros, date objects), free listings in the organic fact, the query window, errors.

Expected values come from the documented bodies (cassettes/google_merchant_center/), never from
the connector's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.spec import Window
from bosco_connectors.sources.google_merchant_center import API, PERFORMANCE_QUERY, connector

from ..replayed import documented, query, registered, sync


def rows(stream: str, path: str) -> list[dict]:
    fixtures = documented(connector)
    return [r for e in fixtures.data(stream) for r in fixtures.body(e)[path]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    import duckdb

    from bosco_connectors.recipes.runner import build

    tmp = tmp_path_factory.mktemp("gmc")
    sync(connector, documented(connector), tmp)
    with registered(connector), duckdb.connect(str(tmp / "x.duckdb")) as con:
        assert build(con, select=["fct_organic_search_daily"]).ok
    return tmp


def test_report_rows_load_with_days_counts_and_micros_converted(loaded):
    documented_rows = [r["productPerformanceView"] for r in rows("product_performance_daily", "results")]
    loaded_rows = {(r[0], r[1], r[2], r[3]): r[4:] for r in query(
        loaded, "select date, marketing_method, offer_id, customer_country_code, clicks, impressions, conversion_value "
                "from raw.google_merchant_center_product_performance_daily")}
    assert len(loaded_rows) == len(documented_rows) == 4
    for v in documented_rows:
        key = (date(v["date"]["year"], v["date"]["month"], v["date"]["day"]), v["marketingMethod"], v["offerId"], v["customerCountryCode"])
        value = Decimal(v["conversionValue"]["amountMicros"]) / 1_000_000 if "conversionValue" in v else None
        assert loaded_rows[key] == (int(v["clicks"]), int(v["impressions"]), value)
    assert loaded_rows[(date(2026, 11, 1), "ORGANIC", "MUG-BLUE", "US")][2] == Decimal("28")


def test_only_free_listings_reach_the_organic_fact(loaded):
    # by hand: ORGANIC rows 14 + 11 + 3 clicks, 512 + 487 + 96 impressions; the ADS row (9 clicks) stays out
    assert query(loaded, "select sum(clicks), sum(impressions) from analytics.fct_organic_search_daily "
                         "where platform = 'google_merchant_center'") == [(28, 1095)]
    assert query(loaded, "select distinct property_id from analytics.fct_organic_search_daily "
                         "where platform = 'google_merchant_center'") == [("123456789",)]


def test_products_prices_from_micros_and_the_accounts_time_zone(loaded):
    prices = dict(query(loaded, "select offer_id, price from raw.google_merchant_center_products"))
    for p in rows("products", "products"):
        assert prices[p["offerId"]] == Decimal(p["productAttributes"]["price"]["amountMicros"]) / 1_000_000
    assert query(loaded, "select account_id, time_zone from raw.google_merchant_center_accounts") == [("123456789", "America/New_York")]


def test_the_window_is_a_date_condition_of_the_query():
    stream = next(s for s in connector.streams if s.name == "product_performance_daily")
    params = {"query": PERFORMANCE_QUERY}
    stream.window.apply(params, Window(date(2026, 11, 1), date(2026, 11, 30)))
    assert params["query"] == PERFORMANCE_QUERY + " WHERE date BETWEEN '2026-11-01' AND '2026-11-30'"
    assert "title" not in PERFORMANCE_QUERY  # a segment that would split a product's day


@pytest.mark.parametrize(("status", "code", "kind"), [
    (401, "UNAUTHENTICATED", AuthError), (403, "PERMISSION_DENIED", AuthError), (429, "RESOURCE_EXHAUSTED", RetryableApiError),
    (503, "UNAVAILABLE", RetryableApiError),
])
def test_error_map(status, code, kind):
    body = {"error": {"code": status, "message": "m", "status": code}}
    request = httpx.Request("POST", "https://merchantapi.googleapis.com/reports/v1/accounts/1/reports:search")
    assert isinstance(API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body), kind)
