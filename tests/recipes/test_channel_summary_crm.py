"""``channel_activity__crm``: the CRM funnel per channel in ``daily_channel_summary``, the lead
source mapped by the seed lead_source_channels.csv (HubSpot's original sources, Salesforce's
default LeadSource values), an unlisted one kept as a lower_snake name. The CRM is declared
here (`fact_sources`), its raw rows written below; expected numbers worked out by hand."""

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
CRM = fact_source("crm_x", "crm", funnel=Maps(
    "crm_funnel_daily", date="day", lead_source="source", campaign="campaign", leads_created="leads", qualified="qualified",
    opportunities_created="opps", won="won", won_amount="amount", currency="currency"))
COLUMNS = {"tenant_id": "varchar", "day": "date", "source": "varchar", "campaign": "varchar", "leads": "bigint", "qualified": "bigint",
           "opps": "bigint", "won": "bigint", "amount": "double", "currency": "varchar"}
ROWS = [
    ("acme", D1, "ORGANIC_SEARCH", "a", 10, 4, 0, 0, None, None),
    ("acme", D1, "organic_search", "b", 1, 0, 0, 0, None, None),        # compared lower-cased: the same channel
    ("acme", D1, "REFERRALS", "a", 2, 1, 1, 0, None, None),
    ("acme", D1, "Partner Referral", "a", 3, 0, 0, 0, None, None),       # Salesforce's value, the same channel
    ("acme", D1, "Trade Show", "a", 6, 2, 0, 0, None, None),             # not in the seed: trade_show
    ("acme", D1, "Web", "a", 2, 0, 0, 0, None, None),
    ("acme", D1, None, "deals", 0, 0, 3, 2, 500.0, "USD"),               # deals without a lead source
    ("acme", D2, "PAID_SOCIAL", "c", 0, 0, 0, 1, 250.5, "USD"),
    ("beta", D1, "Phone Inquiry", "d", 4, 1, 0, 0, None, None),
]


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    execute = as_executor(con)
    load_raw(execute, shopify=False, ga4=False)  # TikTok's spend (the summary is built on ad spend)
    create_table(execute, "duckdb", "crm_x_funnel", COLUMNS, [dict(zip(COLUMNS, r)) for r in ROWS])
    with registered(CRM):
        result = build(con)
        for name in ("fct_crm_funnel_daily", "channel_activity__crm", "daily_channel_summary"):
            assert result.get(name).status == "built", result.get(name).line()
        assert [str(f) for f in run_tests(con, build_result=result, today=D2)] == []
    yield con
    con.close()


def summary(con: duckdb.DuckDBPyConnection, column: str) -> dict:
    rows = con.execute(f"select tenant_id, date, channel, {column} from analytics.daily_channel_summary "
                       f"where {column} is not null and {column} <> 0").fetchall()
    return {(t, d, c): v for t, d, c, v in rows}


def test_leads_per_channel(warehouse) -> None:
    assert summary(warehouse, "leads") == {
        ("acme", D1, "organic_search"): 11, ("acme", D1, "referral"): 5, ("acme", D1, "trade_show"): 6,
        ("acme", D1, "web"): 2, ("beta", D1, "phone"): 4}
    assert summary(warehouse, "qualified_leads") == {
        ("acme", D1, "organic_search"): 4, ("acme", D1, "referral"): 1, ("acme", D1, "trade_show"): 2, ("beta", D1, "phone"): 1}


def test_opportunities_and_won_deals(warehouse) -> None:
    assert summary(warehouse, "opportunities") == {("acme", D1, "referral"): 1, ("acme", D1, "unknown"): 3}
    assert summary(warehouse, "won_deals") == {("acme", D1, "unknown"): 2, ("acme", D2, "paid_social"): 1}
    assert {k: float(v) for k, v in summary(warehouse, "won_amount").items()} == {
        ("acme", D1, "unknown"): 500.0, ("acme", D2, "paid_social"): 250.5}
