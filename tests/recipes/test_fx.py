"""Reporting currency: exchange rates from the seed file or a user table, carried forward
day by day; a missing rate gives NULL amounts and a warning, never a wrong number."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bosco_connectors.recipes import as_executor, build, run_tests

from . import rawdata
from .compare import differences

RATES = "date,from_currency,to_currency,rate\n2026-10-01,EUR,USD,1.10\n2026-11-02,eur, usd ,1.20\n"


def seeds(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir(exist_ok=True)
    (folder / "exchange_rates.csv").write_text(text)
    return folder


def rate(currency: str, day: date, rates: list[tuple[date, str, float]]) -> float | None:
    """USD is the reporting currency: 1; otherwise the latest rate on or before `day`."""
    if currency == "USD":
        return 1.0
    known = [(d, r) for d, c, r in rates if c == currency and d <= day]
    return max(known)[1] if known else None


@pytest.fixture
def conn() -> Any:
    connection = duckdb.connect()
    rawdata.load_raw(as_executor(connection))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The fixtures built once with RATES (read by several tests)."""
    folder = tmp_path_factory.mktemp("fx")
    connection = duckdb.connect()
    rawdata.load_raw(as_executor(connection))
    # efficiency and what it reads (the campaign fact, rates, Shopify revenue) suffice here
    result = build(connection, seeds_dir=seeds(folder, RATES), select=["daily_marketing_efficiency"])
    assert result.ok and result.get("fct_campaign_performance").status == "built"
    assert run_tests(connection, build_result=result, today=rawdata.LAST_DAY, seeds_dir=folder / "seeds") == []
    yield connection
    connection.close()


def test_amounts_are_converted_with_the_rate_of_their_day(converted) -> None:
    conn = converted
    rates = [(date(2026, 10, 1), "EUR", 1.10), (date(2026, 11, 2), "EUR", 1.20)]
    rows = conn.execute(
        "select tenant_id, date, currency, spend, conversion_value, reporting_currency, fx_rate, spend_reporting, conversion_value_reporting"
        " from analytics.fct_campaign_performance"
    ).fetchall()
    assert len(rows) == len(rawdata.REPORT)
    for _tenant, day, currency, spend, value, reporting, fx, spend_rep, value_rep in rows:
        want = rate(currency, day, rates)
        assert reporting == "USD"
        assert fx == pytest.approx(want)
        assert spend_rep == pytest.approx(float(spend) * want) and value_rep == pytest.approx(float(value) * want)
    # carried forward: every day from the first rate to two days after today, one rate per day
    fx_days = conn.execute("select min(date), max(date), count(*), count(distinct date) from analytics.int_fx_rates").fetchone()
    assert fx_days[0] == date(2026, 10, 1) and fx_days[1] >= date.today() + timedelta(days=2)
    assert fx_days[2] == fx_days[3]


def test_blended_efficiency_is_one_row_per_day_in_the_reporting_currency(converted) -> None:
    conn = converted
    rates = [(date(2026, 10, 1), "EUR", 1.10), (date(2026, 11, 2), "EUR", 1.20)]
    spend: dict[tuple, float] = {}
    for tenant, _a, _c, _n, day, s, *_rest in rawdata.REPORT:
        currency = "USD" if tenant == "acme" else "EUR"
        spend[(tenant, day)] = spend.get((tenant, day), 0.0) + s * rate(currency, day, rates)
    revenue: dict[tuple, float] = {}
    for (tenant, day, currency), values in rawdata.expected_shopify_revenue().items():
        revenue[(tenant, day)] = revenue.get((tenant, day), 0.0) + values["net_revenue"] * rate(currency, day, rates)
    got = {
        (t, d): (c, s, r, mer)
        for t, d, c, s, r, mer in conn.execute(
            "select tenant_id, date, currency, ad_spend, net_revenue, mer from analytics.daily_marketing_efficiency"
        ).fetchall()
    }
    assert set(got) == set(spend) | set(revenue)
    for key, (currency, s, r, mer) in got.items():
        assert currency == "USD"
        assert s == pytest.approx(spend.get(key, 0.0)) and r == pytest.approx(revenue.get(key, 0.0))
        assert mer == (pytest.approx(revenue.get(key, 0.0) / spend[key]) if spend.get(key) else None)


def test_without_rates_amounts_stay_in_their_currency(built) -> None:
    conn = built  # built with the shipped seed, which has no rows
    assert conn.execute("select count(*) from analytics.fct_campaign_performance where reporting_currency is not null or spend_reporting is not null").fetchone() == (0,)
    # no blending across currencies: acme's EUR order is its own row; its USD orders of Nov 1 on
    # the shop's (New York) calendar are 1001 (90), 1003 (60 - 20 refunded) and 1002 (40, placed
    # 23:30 in New York, 04:30 UTC on Nov 2)
    rows = conn.execute("select currency, ad_spend, net_revenue from analytics.daily_marketing_efficiency where tenant_id = 'acme' and date = DATE '2026-11-01' order by 1").fetchall()
    assert rows == [("EUR", 0.0, 30.0), ("USD", 100.0, 170.0)]
    assert run_tests(conn, today=rawdata.LAST_DAY) == []  # no rates configured: no warnings either


def test_a_missing_rate_gives_null_and_a_warning_not_a_failure(conn, tmp_path: Path) -> None:
    late = "date,from_currency,to_currency,rate\n2026-11-02,EUR,USD,1.2\n"
    facts = ["fct_account_performance", "fct_ad_group_performance", "fct_ad_performance", "daily_marketing_efficiency"]
    result = build(conn, seeds_dir=seeds(tmp_path, late), select=facts)
    beta = conn.execute("select fx_rate, spend_reporting from analytics.fct_campaign_performance where tenant_id = 'beta'").fetchall()
    assert beta == [(None, None)]  # beta's only day (Nov 1) is before the first EUR rate
    found = run_tests(conn, build_result=result, today=rawdata.LAST_DAY)
    assert found and not any(f.is_error for f in found)
    messages = {str(f) for f in found}
    assert "warn_if(NOT reporting_currency IS NULL AND fx_rate IS NULL) warns on analytics.fct_campaign_performance: 1 row" in messages
    assert {f.model for f in found} >= {"fct_account_performance", "fct_ad_group_performance", "fct_ad_performance", "daily_marketing_efficiency"}


def test_a_user_table_in_raw_supplies_rates(built) -> None:
    conn = built
    conn.execute("create table raw.exchange_rates (date date, from_currency varchar, to_currency varchar, rate double)")
    conn.execute("insert into raw.exchange_rates values (DATE '2026-10-15', 'EUR', 'USD', 1.05)")
    result = build(conn)
    assert result.get("int_fx_rates").inputs == ["exchange_rates", "stg_user__exchange_rates"]
    assert conn.execute("select fx_rate, spend_reporting from analytics.fct_campaign_performance where tenant_id = 'beta'").fetchall() == [
        (pytest.approx(1.05), pytest.approx(21.0))
    ]


def test_two_reporting_currencies_fail_the_tests(conn, tmp_path: Path) -> None:
    mixed = RATES + "2026-10-01,EUR,GBP,0.85\n"
    result = build(conn, seeds_dir=seeds(tmp_path, mixed), select=["daily_marketing_efficiency"])
    failures = {(f.model, f.test) for f in run_tests(conn, build_result=result, today=rawdata.LAST_DAY) if f.is_error}
    assert ("int_reporting_currency", "check(reporting_currencies <= 1)") in failures
    assert ("int_fx_rates", "unique(date, currency)") in failures


def test_a_new_rate_rebuilds_only_the_dates_it_changes(conn, tmp_path: Path) -> None:
    folder = seeds(tmp_path, RATES)
    build(conn, seeds_dir=folder)
    (folder / "exchange_rates.csv").write_text(RATES + "2026-11-02,GBP,USD,1.3\n2026-11-01,EUR,USD,1.15\n")
    result = build(conn, seeds_dir=folder)
    dates = result.rebuilt_dates()["fct_campaign_performance"]
    # the EUR rate changes on Nov 1 only (Nov 2 has its own rate); GBP rows start on Nov 2
    assert dates[0] == rawdata.D1 and rawdata.date(2026, 10, 31) not in dates
    assert conn.execute("select fx_rate from analytics.fct_campaign_performance where tenant_id = 'beta'").fetchall() == [(pytest.approx(1.15),)]
    conn.execute("drop schema if exists reference cascade")
    reference = build(conn, seeds_dir=folder, target_schema="reference")
    assert reference.ok
    assert differences(as_executor(conn), result, "analytics", "reference") == {}
