"""Unified mappings written as staging SQL: lookups on any level, a report's grain, levels summed from a finer report."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import pytest

from bosco_connectors.framework.unified import Lookup, Performance, performance_sql, staging_models

BASE = dict(date="day", account="acct", spend="cost", impressions="imps", clicks="clicks", conversions="conv",
            conversion_value="value", currency="cur")


def connector(*streams):
    return SimpleNamespace(name="toy", title="Toy", streams=list(streams), table_name=lambda s: f"toy_{s}")


def stream(name, spec):
    return SimpleNamespace(name=name, unified=spec)


@pytest.fixture
def raw():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("""create table raw.toy_ads_daily as select * from (values
        ('t', DATE '2026-11-01', 'a1', 'c1', 'g1', 'x', 1.0, 10, 1, 0, 0.0, 'EUR'),
        ('t', DATE '2026-11-01', 'a1', 'c1', 'g2', 'x', 2.0, 20, 2, 1, 5.0, 'EUR')
    ) as r(tenant_id, day, acct, camp, grp, ad, cost, imps, clicks, conv, value, cur)""")
    con.execute("""create table raw.toy_ads as select * from (values
        ('t', 'g1', 'x', 'Ad x in g1'), ('t', 'g2', 'x', 'Ad x in g2')) as r(tenant_id, grp, ad, ad_name)""")
    yield con
    con.close()


def test_an_ad_keyed_with_its_ad_group_gets_its_name_joined_on_both(raw) -> None:
    spec = Performance("ad", **BASE, campaign="camp", ad_group="grp", ad="ad", grain=("ad_group", "ad"),
                       ad_name=Lookup("ads", ("grp", "ad"), "ad_name", on=("ad_group", "ad")))
    sql = performance_sql(connector(), "ads_daily", spec)
    assert "-- grain: tenant_id, date, account_id, ad_group_id, ad_id" in sql
    rows = raw.execute(f"select ad_group_id, ad_id, ad_name, spend from ({sql}) order by all").fetchall()
    assert rows == [("g1", "x", "Ad x in g1", 1.0), ("g2", "x", "Ad x in g2", 2.0)]


def test_a_coarser_level_is_the_report_summed(raw) -> None:
    spec = Performance("ad_group", **BASE, campaign="camp", ad_group="grp", sums_into=("account", "campaign"))
    models = staging_models(connector(stream("ads_daily", spec)))
    assert sorted(models) == ["stg_toy__account_daily", "stg_toy__ad_group_daily", "stg_toy__campaign_daily"]
    account = raw.execute(f"select * from ({models['stg_toy__account_daily']})").fetchall()
    assert [c[0] for c in raw.description] == [
        "tenant_id", "date", "platform", "account_id", "account_name", "currency",
        "spend", "impressions", "clicks", "conversions", "conversion_value", "view_through_conversions", "video_views",
    ]
    assert account[0][3:] == ("a1", None, "EUR", 3.0, 30, 3, 1.0, 5.0, None, None)
    assert raw.execute(f"select campaign_id, spend from ({models['stg_toy__campaign_daily']})").fetchall() == [("c1", 3.0)]
    assert "(summed from ads_daily, the ad group report)" in models["stg_toy__account_daily"]


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (Performance("campaign", **BASE, campaign="camp", sums_into=("ad",)), "sums only into coarser levels"),
        (Performance("ad", **BASE, campaign="camp", ad_group="grp", ad="ad", grain=("ad_group",)), "grain"),
        (Performance("campaign", **BASE, campaign="camp", campaign_name=Lookup("c", ("a", "b"), "n", on="campaign")),
         "2 key column\\(s\\) for 1 level"),
    ],
)
def test_a_mapping_that_cannot_be_written_says_why(spec, match) -> None:
    with pytest.raises(ValueError, match=match):
        staging_models(connector(stream("s", spec)))


def test_a_platform_without_conversion_value_stages_zero() -> None:
    """Apple Ads reports no conversion value: ``conversion_value=None`` stages 0, not a missing column."""
    from types import SimpleNamespace

    from bosco_connectors.framework.unified import Performance, performance_sql

    spec = Performance("campaign", date="date", account="acct", campaign="cid", spend="spend", impressions="imp", clicks="taps",
                       conversions="installs", conversion_value=None, currency="currency")
    connector = SimpleNamespace(name="x", title="X", table_name=lambda stream: f"x_{stream}")
    sql = performance_sql(connector, "daily", spec)  # type: ignore[arg-type]
    assert "cast(0 as decimal(38, 9)) as conversion_value" in sql
    assert "(none: 0) -> conversion_value" in sql


def test_an_entity_parent_is_joined_from_the_parent_stream(raw) -> None:
    """An ad that names only its ad group gets its campaign from the ad groups (LinkedIn, Snapchat)."""
    from bosco_connectors.framework.unified import Entity, entity_sql

    raw.execute("""create table raw.toy_ad_groups as select * from (values ('t', 'g1', 'c1'), ('t', 'g2', 'c2'), ('u', 'g1', 'c9'))
                   as r(tenant_id, id, campaign_id)""")
    raw.execute("""create table raw.toy_ad_list as select * from (values ('t', 'x', 'g1', 'a1', 'Ad x', 'ACTIVE'),
                   ('t', 'y', 'g2', 'a1', 'Ad y', 'PAUSED'), ('t', 'z', 'g3', 'a1', 'Ad z', 'ACTIVE'))
                   as r(tenant_id, id, grp, acct, name, status)""")
    spec = Entity("ad", id="id", name="name", account="acct", ad_group="grp", status="status", active_status="ACTIVE",
                  campaign=Lookup("ad_groups", "id", "campaign_id", on="ad_group"))
    rows = raw.execute(f"select account_id, campaign_id, ad_group_id, ad_id, ad_name, is_active from ({entity_sql(connector(), 'ad_list', spec)}) "
                       "order by ad_id").fetchall()
    assert rows == [("a1", "c1", "g1", "x", "Ad x", True), ("a1", "c2", "g2", "y", "Ad y", False), ("a1", None, "g3", "z", "Ad z", True)]


def test_an_entity_lookup_must_join_on_an_id_the_entity_names() -> None:
    from bosco_connectors.framework.unified import Entity

    spec = Entity("ad_group", id="id", account="acct", campaign=Lookup("ads", "ad_group_id", "campaign_id", on="ad"))
    with pytest.raises(ValueError, match="joins on the ad id"):
        staging_models(connector(stream("groups", spec)))


def test_a_parent_id_the_report_lacks_is_looked_up_on_the_ids_it_has(raw) -> None:
    """Reddit's ad report names the ad and its ad group; the campaign comes from the ad groups,
    its name from the campaigns (joined on the looked-up campaign id), and the ad-group level
    is the same report summed."""
    raw.execute("""create table raw.toy_ad_groups as select * from (values ('t', 'g1', 'c1', 'G one'), ('t', 'g2', 'c2', 'G two'),
                   ('u', 'g1', 'c9', 'other tenant')) as r(tenant_id, id, campaign_id, name)""")
    raw.execute("""create table raw.toy_campaigns as select * from (values ('t', 'c1', 'C one'), ('t', 'c2', 'C two'))
                   as r(tenant_id, id, name)""")
    spec = Performance("ad", **{**BASE}, ad_group="grp", ad="ad", grain=("ad_group", "ad"),
                       campaign=Lookup("ad_groups", "id", "campaign_id", on="ad_group"),
                       campaign_name=Lookup("campaigns", "id", "name", on="campaign"),
                       ad_group_name=Lookup("ad_groups", "id", "name", on="ad_group"), sums_into=("ad_group",))
    models = staging_models(connector(stream("ads_daily", spec)))
    rows = raw.execute(f"select campaign_id, campaign_name, ad_group_id, ad_group_name, ad_id, spend from ({models['stg_toy__ad_daily']}) "
                       "order by all").fetchall()
    assert rows == [("c1", "C one", "g1", "G one", "x", 1.0), ("c2", "C two", "g2", "G two", "x", 2.0)]
    groups = raw.execute(f"select campaign_id, ad_group_id, spend from ({models['stg_toy__ad_group_daily']}) order by all").fetchall()
    assert groups == [("c1", "g1", 1.0), ("c2", "g2", 2.0)]
    assert "raw.toy_ad_groups.campaign_id -> campaign_id (joined on ad_group_id" in models["stg_toy__ad_daily"]


def test_a_looked_up_parent_id_cannot_identify_rows() -> None:
    spec = Performance("ad", **BASE, ad_group="grp", ad="ad", campaign=Lookup("ad_groups", "id", "campaign_id", on="ad_group"),
                       sums_into=("campaign",))
    with pytest.raises(ValueError, match="campaign id is looked up in ad_groups"):
        staging_models(connector(stream("ads_daily", spec)))


def test_view_through_conversions_and_video_views_are_summed_where_mapped_and_null_where_not(raw) -> None:
    """Issue 12: two optional unified metrics. A platform that reports them fills them (a missing
    value counts 0, like the other metrics); one that does not leaves them NULL, never 0."""
    raw.execute("alter table raw.toy_ads_daily add column vtc integer")
    raw.execute("alter table raw.toy_ads_daily add column plays bigint")
    raw.execute("update raw.toy_ads_daily set vtc = case when grp = 'g1' then 3 else null end, plays = 40")
    mapped = Performance("campaign", **BASE, campaign="camp", view_through_conversions="vtc", video_views="plays",
                         video_views_are="2-second plays")
    sql = performance_sql(connector(), "ads_daily", mapped)
    assert raw.execute(f"select view_through_conversions, video_views from ({sql})").fetchall() == [(3.0, 80)]
    assert "--   vtc -> view_through_conversions" in sql and "--   plays -> video_views (2-second plays)" in sql
    plain = performance_sql(connector(), "ads_daily", Performance("campaign", **BASE, campaign="camp"))
    assert raw.execute(f"select view_through_conversions, video_views from ({plain})").fetchall() == [(None, None)]
    types = [d[1] for d in raw.execute(f"select view_through_conversions, video_views from ({plain}) limit 0").description]
    assert types == [d[1] for d in raw.execute(f"select view_through_conversions, video_views from ({sql}) limit 0").description]
