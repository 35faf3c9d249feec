"""Unified facts beyond ads: a stream's `Maps` written as staging SQL, and the facts they feed.

Expected rows are worked out by hand from the raw rows below, never by the code under test.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import duckdb
import pytest

from bosco_connectors.framework.facts import (
    COUNT, FACTS, Const, DayOf, Expr, FactError, Maps, Total, fact_mart_sql, fact_staging_models,
)
from bosco_connectors.framework.currencies import ISO_4217, MinorUnits
from bosco_connectors.framework.records import CENTS
from bosco_connectors.framework.unified import Lookup, staging_models


def connector(*streams):
    return SimpleNamespace(name="toy", title="Toy", streams=list(streams), table_name=lambda s: f"toy_{s}")


def stream(name, *specs):
    return SimpleNamespace(name=name, unified=specs[0] if len(specs) == 1 else tuple(specs))


@pytest.fixture
def raw():
    con = duckdb.connect()
    con.execute("create schema raw")
    # two orders of one shop in New York: 03:30 UTC on Nov 2 is still Nov 1 there
    con.execute("""create table raw.toy_orders as select * from (values
        ('t', 'o1', 's1', TIMESTAMPTZ '2026-11-02 03:30:00+00', 'USD', 12345, 500, 0, false),
        ('t', 'o2', 's1', TIMESTAMPTZ '2026-11-02 15:00:00+00', 'USD', 1000, 0, 250, true)
    ) as r(tenant_id, id, shop, created, cur, subtotal_cents, discount_cents, refunded_cents, test)""")
    con.execute("""create table raw.toy_shops as select * from (values
        ('t', 's1', 'America/New_York', 'Toy Shop')) as r(tenant_id, id, iana_timezone, name)""")
    # web visits by device: two rows of one (day, source, medium, campaign) are summed
    con.execute("""create table raw.toy_visits as select * from (values
        ('t', DATE '2026-11-01', 'p1', 'google', 'cpc', 'spring', 'mobile', 10, 7, 3.0),
        ('t', DATE '2026-11-01', 'p1', 'google', 'cpc', 'spring', 'desktop', 5, 4, 1.5)
    ) as r(tenant_id, day, property, src, med, camp, device, visits, visitors, revenue)""")
    con.execute("""create table raw.toy_search as select * from (values
        ('t', DATE '2026-11-01', 'site', 'shoes', 100, 10, 2.0),
        ('t', DATE '2026-11-01', 'site', 'shoes', 300, 5, 6.0)
    ) as r(tenant_id, day, site, q, imps, clicks, pos)""")
    con.execute("""create table raw.toy_deals as select * from (values
        ('t', DATE '2026-11-01', DATE '2026-11-03', 'web', true, 100.5),
        ('t', DATE '2026-11-01', DATE '2026-11-04', 'web', false, 50.0),
        ('t', DATE '2026-11-02', DATE '2026-11-03', 'web', true, 20.0)
    ) as r(tenant_id, created, closed, lead_source, is_won, amount)""")
    yield con
    con.close()


ORDERS = Maps(
    "orders", order_id="id", store_id="shop", currency="cur", is_test="test",
    order_date=DayOf("created", Lookup("shops", "id", "iana_timezone", on="store_id")),
    store_name=Lookup("shops", "id", "name", on="store_id"),
    gross=Expr("subtotal_cents + discount_cents"), discounts="discount_cents", refunds="refunded_cents",
    units={"gross": CENTS, "discounts": CENTS, "refunds": CENTS},
)


def test_a_report_row_takes_its_day_from_the_campaigns_send_time_in_the_accounts_zone(raw) -> None:
    """Campaign totals reported without a day (Klaviyo's campaign values): the send day of the campaign, local."""
    raw.execute("""create table raw.toy_campaign_values as select * from (values
        ('t', 'c1', 'email', 120), ('t', 'c2', 'sms', 40)) as r(tenant_id, campaign_id, send_channel, recipients)""")
    raw.execute("""create table raw.toy_campaigns as select * from (values
        ('t', 'c1', TIMESTAMPTZ '2026-11-18 02:30:00+00'), ('t', 'c2', TIMESTAMPTZ '2026-11-18 15:00:00+00')
    ) as r(tenant_id, id, send_time)""")
    raw.execute("create table raw.toy_accounts as select 't' as tenant_id, 'America/New_York' as timezone")
    spec = Maps("email_campaign_performance", campaign_id="campaign_id", channel="send_channel", sends="recipients",
                date=DayOf(Lookup("campaigns", "id", "send_time", on="campaign_id"), Lookup("accounts", (), "timezone", on=())))
    sql = fact_staging_models(connector(stream("campaign_values", spec)))["stg_toy__email_campaign_performance"]
    from datetime import date
    assert raw.execute(f"select campaign_id, date, sends from ({sql}) order by 1").fetchall() == [
        ("c1", date(2026, 11, 17), 120), ("c2", date(2026, 11, 18), 40)]
    assert "the day of campaigns.send_time in the time zone accounts.timezone -> date" in sql


def test_orders_one_row_each_on_the_stores_day_in_exact_decimals(raw) -> None:
    sql = fact_staging_models(connector(stream("orders", ORDERS)))["stg_toy__orders"]
    rows = raw.execute(f"select order_id, order_date, store_name, gross, discounts, refunds, is_test, platform from ({sql}) order by 1").fetchall()
    from datetime import date
    assert rows == [
        ("o1", date(2026, 11, 1), "Toy Shop", Decimal("128.450000000"), Decimal("5.000000000"), Decimal("0E-9"), False, "toy"),
        ("o2", date(2026, 11, 2), "Toy Shop", Decimal("10.000000000"), Decimal("0E-9"), Decimal("2.500000000"), True, "toy"),
    ]
    # every column of the fact, in its order; the ones not mapped are NULL
    names = [d[0] for d in raw.execute(f"select * from ({sql}) limit 0").description]
    assert names == ["tenant_id", "platform", *FACTS["orders"].names]
    assert raw.execute(f"select count(*) from ({sql}) where tax is null and utm_source is null").fetchone() == (2,)
    assert "--     the day of created in the time zone shops.iana_timezone -> order_date" in sql
    assert "(sent in cents)" in sql


def test_minor_units_follow_each_rows_currency(raw) -> None:
    """A processor's integer amounts: cents for USD, whole yen for JPY, thousandths for KWD."""
    raw.execute("""create table raw.toy_charges as select * from (values
        ('t', 'c1', TIMESTAMPTZ '2026-11-02 10:00:00+00', 'usd', 1099, 99),
        ('t', 'c2', TIMESTAMPTZ '2026-11-02 11:00:00+00', 'jpy', 1099, 0),
        ('t', 'c3', TIMESTAMPTZ '2026-11-02 12:00:00+00', 'kwd', 1099, 1000)
    ) as r(tenant_id, id, created, currency, amount, amount_refunded)""")
    spec = Maps("orders", order_id="id", store_id=Const("acct"), currency="currency", order_date=DayOf("created"),
                gross="amount", refunds="amount_refunded", units={"gross": ISO_4217, "refunds": ISO_4217})
    sql = fact_staging_models(connector(stream("charges", spec)))["stg_toy__orders"]
    rows = raw.execute(f"select order_id, gross, refunds from ({sql}) order by 1").fetchall()
    assert rows == [("c1", Decimal("10.99"), Decimal("0.99")), ("c2", Decimal("1099"), Decimal("0")),
                    ("c3", Decimal("1.099"), Decimal("1"))]
    assert "(sent in the currency's ISO 4217 minor unit)" in sql


def test_refunds_recorded_as_transactions_of_their_own_land_in_their_sales_row(raw) -> None:
    """PayPal's way: a refund is a transaction (T1107, a negative amount) naming its sale; the sale
    stays one row of the fact, its refunds the sum of those naming it (0 when none do)."""
    raw.execute("""create table raw.toy_transactions as select * from (values
        ('t', 's1', null, 'T0006', TIMESTAMPTZ '2026-11-12 10:00:00+00', '100.00'),
        ('t', 's2', null, 'T0006', TIMESTAMPTZ '2026-11-13 10:00:00+00', '40.00'),
        ('t', 'r1', 's1', 'T1107', TIMESTAMPTZ '2026-11-14 10:00:00+00', '-30.00'),
        ('t', 'r2', 's1', 'T1107', TIMESTAMPTZ '2026-11-15 10:00:00+00', '-20.50'),
        ('t', 'x1', 's2', 'T1106', TIMESTAMPTZ '2026-11-15 11:00:00+00', '-40.00'),
        ('u', 'r9', 's1', 'T1107', TIMESTAMPTZ '2026-11-15 10:00:00+00', '-99.00')
    ) as r(tenant_id, transaction_id, paypal_reference_id, code, created, amount)""")
    spec = Maps("orders", order_id="transaction_id", store_id=Const("acct"), currency=Const("USD"), order_date=DayOf("created"),
                gross="amount", where="code = 'T0006'",
                refunds=Total("transactions", key="paypal_reference_id", on="order_id", value="-cast(amount as decimal(38, 9))",
                              where="code = 'T1107'"))
    sql = fact_staging_models(connector(stream("transactions", spec)))["stg_toy__orders"]
    # another tenant's refund of a sale with the same id, and a reversal (T1106), are not this sale's refunds
    assert raw.execute(f"select order_id, gross, refunds from ({sql}) order by 1").fetchall() == [
        ("s1", Decimal("100"), Decimal("50.5")), ("s2", Decimal("40"), Decimal("0"))]
    assert "the sum of -cast(amount as decimal(38, 9)) over transactions rows whose paypal_reference_id is the order_id" in sql


def test_a_staging_with_a_total_is_rebuilt_whole_not_day_by_day() -> None:
    """A refund dated the 22nd changes the row of its sale dated the 13th: such a staging is not
    date-local, so it must not promise ``-- incremental`` (the runner would rebuild only the 22nd)."""
    plain = Maps("orders", order_id="transaction_id", store_id=Const("acct"), currency=Const("USD"), order_date=DayOf("created"),
                 gross="amount")
    totalled = Maps("orders", order_id="transaction_id", store_id=Const("acct"), currency=Const("USD"), order_date=DayOf("created"),
                    gross="amount", refunds=Total("transactions", key="paypal_reference_id", on="order_id", value="-amount"))
    assert "-- incremental: order_date" in fact_staging_models(connector(stream("transactions", plain)))["stg_toy__orders"]
    assert "-- incremental" not in fact_staging_models(connector(stream("transactions", totalled)))["stg_toy__orders"]


def test_a_total_matches_a_column_of_the_row() -> None:
    spec = Maps("orders", order_id=Expr("upper(id)"), store_id="s", currency="c", order_date="d", gross="g",
                refunds=Total("transactions", key="ref", on="order_id", value="amount"))
    with pytest.raises(FactError, match="Total.*matches 'order_id', which this mapping does not take from a column"):
        fact_staging_models(connector(stream("transactions", spec)))


def test_a_vendor_table_departs_from_iso() -> None:
    vendor = MinorUnits("a vendor's minor units", exceptions={"jpy": 0, "ISK": 2})
    assert (vendor.to_currency(500, "isk"), ISO_4217.to_currency(500, "ISK")) == (Decimal("5.00"), Decimal("500"))
    assert (vendor.to_currency("1099", "JPY"), vendor.to_currency(1099, "eur"), vendor.to_currency(None, "usd")) == (
        Decimal("1099"), Decimal("10.99"), None)


def test_a_daily_fact_sums_rows_of_its_grain(raw) -> None:
    spec = Maps("web_traffic_daily", date="day", property_id="property", source="src", medium="med", campaign="camp",
                sessions="visits", users="visitors", revenue="revenue", currency=Const("EUR"))
    sql = fact_staging_models(connector(stream("visits", spec)))["stg_toy__web_traffic_daily"]
    rows = raw.execute(f"select source, sessions, users, revenue, currency, new_users from ({sql})").fetchall()
    assert rows == [("google", 15, 11, Decimal("4.500000000"), "EUR", None)]


def test_a_position_is_averaged_by_impressions(raw) -> None:
    spec = Maps("organic_search_daily", date="day", property_id="site", query="q", impressions="imps", clicks="clicks", position="pos")
    sql = fact_staging_models(connector(stream("search", spec)))["stg_toy__organic_search_daily"]
    # (2 * 100 + 6 * 300) / 400 = 5.0, not the plain mean 4.0
    assert raw.execute(f"select impressions, clicks, position from ({sql})").fetchall() == [(400, 15, 5.0)]


def test_several_mappings_of_one_source_are_one_model(raw) -> None:
    created = Maps("crm_funnel_daily", date="created", lead_source="lead_source", opportunities_created=COUNT)
    won = Maps("crm_funnel_daily", date="closed", lead_source="lead_source", won=COUNT, won_amount="amount",
               currency=Const("USD"), where="is_won")
    models = staging_models(connector(stream("deals", created, won)))
    sql = models["stg_toy__crm_funnel_daily"]
    rows = raw.execute(f"select cast(date as varchar), opportunities_created, won, won_amount from ({sql}) order by 1").fetchall()
    assert rows == [
        ("2026-11-01", 2, None, None),
        ("2026-11-02", 1, None, None),
        ("2026-11-03", None, 2, Decimal("120.500000000")),
    ]


def test_the_fact_unions_sources_with_its_checks() -> None:
    sql = fact_mart_sql(FACTS["organic_search_daily"])
    assert "-- union: rows_ = stg_*__organic_search_daily" in sql
    assert "-- grain: tenant_id, platform, date, property_id, query?, page?, country?, device?" in sql
    assert "-- check: position is null or position >= 1" in sql
    assert "-- derived: ctr" in sql


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (Maps("ordres", order_id="id"), "no unified fact named 'ordres'"),
        (Maps("reviews", review_date="d", review_id="id", stars="s"), "stars not a column of fact reviews"),
        (Maps("reviews", review_date="d"), "maps no review_id"),
        (Maps("reviews", review_date="d", review_id="id", units={"rating": CENTS}), "not a mapped money column"),
        (Maps("reviews", review_date="d", review_id=DayOf("x")), "DayOf gives a date"),
        (Maps("reviews", review_date="d", review_id="id", title=Expr("(select 1)")), "not a query"),
        (Maps("reviews", review_date="d", review_id="id", title=Expr("a +")), "does not parse"),
        (Maps("reviews", review_date="d", review_id="id", title=Expr("other.a")), "names a table"),
    ],
)
def test_a_wrong_mapping_says_what_is_wrong(spec, match) -> None:
    with pytest.raises(FactError, match=match):
        fact_staging_models(connector(stream("s", spec)))


def test_a_prefixed_id_keeps_two_kinds_of_ids_apart_and_its_name_is_joined_on_the_vendors_id(raw) -> None:
    """Customer.io numbers its newsletters and its automations apart: newsletter 5 and automation 5
    of one day and channel would be summed into one row. The automation's id is written with a
    prefix, and its name still joins on the vendor's id (``Lookup(..., row=...)``)."""
    raw.execute("""create table raw.toy_newsletter_metrics as select * from (values
        ('t', '5', DATE '2026-11-16', 'email', 100)) as r(tenant_id, newsletter_id, day, type, sent)""")
    raw.execute("""create table raw.toy_campaign_metrics as select * from (values
        ('t', '5', DATE '2026-11-16', 'email', 7)) as r(tenant_id, campaign_id, day, type, sent)""")
    raw.execute("""create table raw.toy_campaigns as select * from (values
        ('t', '5', 'Welcome series')) as r(tenant_id, id, name)""")
    newsletters = Maps("email_campaign_performance", date="day", campaign_id="newsletter_id", channel="type", sends="sent",
                       campaign_type=Const("campaign"))
    automations = Maps("email_campaign_performance", date="day", campaign_id=Expr("'automation:' || campaign_id"),
                       campaign_name=Lookup("campaigns", "id", "name", on="campaign_id", row="campaign_id"),
                       channel="type", sends="sent", campaign_type=Const("flow"))
    models = staging_models(connector(stream("newsletter_metrics", newsletters), stream("campaign_metrics", automations)))
    sql = models["stg_toy__email_campaign_performance"]
    assert raw.execute(f"select campaign_id, campaign_name, campaign_type, sends from ({sql}) order by 1").fetchall() == [
        ("5", None, "campaign", 100), ("automation:5", "Welcome series", "flow", 7)]
    assert "campaigns.name (joined on id = campaign_id)" in sql


def test_a_lookup_on_a_fact_column_not_taken_from_a_column_names_row() -> None:
    spec = Maps("email_campaign_performance", date="day", campaign_id=Expr("'automation:' || campaign_id"), channel="type",
                campaign_name=Lookup("campaigns", "id", "name", on="campaign_id"))
    with pytest.raises(FactError, match="name the row's own column with row="):
        fact_staging_models(connector(stream("campaign_metrics", spec)))
    with pytest.raises(ValueError, match="2 row column"):
        _ = Lookup("campaigns", "id", "name", on="campaign_id", row=("a", "b")).row_columns
