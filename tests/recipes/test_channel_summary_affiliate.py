"""Affiliate networks in ``daily_channel_summary``, each counted once: Impact maps its actions as
ad performance too (commission as spend), so it is a paid channel of the ads part under its own
name and stays out of channel affiliate; Tapfiliate maps only fct_affiliate_performance_daily
and reaches the summary as channel affiliate (commission, actions, sale amount). The raw rows
are written below in each source's raw table; expected numbers worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb
import pytest

from bosco_connectors.recipes import as_executor, build, run_tests

from .rawdata import create_table, load_raw

D1 = date(2026, 11, 1)
IMPACT_COLUMNS = {"tenant_id": "varchar", "event_date": "date", "campaign_id": "varchar", "campaign_name": "varchar",
                  "media_partner_id": "varchar", "media_partner_name": "varchar", "payout": "double", "amount": "double", "currency": "varchar"}
IMPACT = [
    ("acme", D1, "c-1", "Acme program", "mp-1", "Blog A", 10.0, 100.0, "USD"),
    ("acme", D1, "c-1", "Acme program", "mp-2", "Blog B", 5.0, 50.0, "USD"),
]
TAPFILIATE_COLUMNS = {"tenant_id": "varchar", "id": "varchar", "conversion_created_at": "timestamptz", "program_id": "varchar",
                      "affiliate_id": "varchar", "amount": "double", "currency": "varchar", "kind": "varchar",
                      "conversion_sub_amount": "double"}
AT = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
TAPFILIATE = [
    ("acme", "k-1", AT, "prog", "aff-1", 8.0, "USD", "regular", 80.0),
    ("acme", "k-2", AT, "prog", "aff-9", 2.0, "USD", "level 2", 80.0),   # a second level's commission: cost, no action
    ("acme", "k-3", AT, "prog", "aff-2", 4.0, "USD", "regular", 40.0),
]


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    execute = as_executor(con)
    load_raw(execute, shopify=False, ga4=False)
    create_table(execute, "duckdb", "impact_actions", IMPACT_COLUMNS, [dict(zip(IMPACT_COLUMNS, r)) for r in IMPACT])
    create_table(execute, "duckdb", "tapfiliate_commissions", TAPFILIATE_COLUMNS, [dict(zip(TAPFILIATE_COLUMNS, r)) for r in TAPFILIATE])
    result = build(con)
    for name in ("fct_affiliate_performance_daily", "channel_activity__affiliate", "daily_channel_summary"):
        assert result.get(name).status == "built", result.get(name).line()
    assert [str(f) for f in run_tests(con, build_result=result, today=D1)] == []
    yield con
    con.close()


def test_a_network_with_ad_performance_is_its_own_paid_channel_only(warehouse) -> None:
    # both networks are in the affiliate fact ...
    assert warehouse.execute("select platform, cast(sum(commission) as double) from analytics.fct_affiliate_performance_daily "
                             "group by 1 order by 1").fetchall() == [("impact", 15.0), ("tapfiliate", 14.0)]
    rows = warehouse.execute(
        "select channel, cast(spend as double), cast(affiliate_commission as double), affiliate_actions, "
        "cast(affiliate_sale_amount as double) from analytics.daily_channel_summary "
        "where tenant_id = 'acme' and date = ? and channel in ('impact', 'affiliate') order by 1", [D1]).fetchall()
    # ... but Impact's commission is spend on its own channel, and only Tapfiliate's is on channel affiliate
    assert rows == [("affiliate", 0.0, 14.0, 2.0, 120.0), ("impact", 15.0, None, None, None)]
