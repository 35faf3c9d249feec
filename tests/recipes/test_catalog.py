"""Recipe discovery: headers, references parsed from the SQL, build order, and bad recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bosco_connectors.recipes import RecipeError, list_recipes, load_catalog, recipes_root, select_recipes

from . import rawdata

REPO_RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def write(root: Path, rel: str, sql: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql)


def shipped() -> dict[str, set[str]]:
    """The recipes the package ships, by layer; the breadth staging and facts appear once their
    sources' entry points are installed (computed when a test asks, not at collection)."""
    return {
        "seeds": {"ad_platforms", "exchange_rates", "traffic_source_platforms", "app_media_source_platforms", "lead_source_channels",
                  "post_purchase_questions", "post_purchase_channels"},
        "staging": {
            "stg_tiktok_ads__account_daily", "stg_tiktok_ads__campaign_daily", "stg_tiktok_ads__ad_group_daily",
            "stg_tiktok_ads__ad_daily", "stg_tiktok_ads__accounts", "stg_tiktok_ads__campaigns", "stg_tiktok_ads__ad_groups",
            "stg_tiktok_ads__ads",
            *(f"stg_{p}__{t}" for p in ("google_ads", "facebook_ads") for t in (
                "account_daily", "campaign_daily", "ad_group_daily", "ad_daily", "accounts", "campaigns", "ad_groups", "ads",
            )),
            "stg_shopify__orders", "stg_shopify__order_lines", "stg_shopify__products",
            "stg_shopify__customers", "stg_ga4__traffic_daily", "stg_ga4__landing_pages_daily", "stg_ga4__web_traffic_daily", "stg_user__exchange_rates",
            *rawdata.breadth_staging(),
        },
        "intermediate": {
            "dim_dates", "int_fx_rates", "int_reporting_currency", "int_ga4_channel_daily", "int_web_channel_daily", "int_unified_accounts",
            "int_unified_campaigns", "int_unified_ad_groups", "int_unified_ads", "int_source_platforms",
        },
        "marts": {
            "fct_account_performance", "fct_campaign_performance", "fct_ad_group_performance", "fct_ad_performance",
            "dim_accounts", "dim_campaigns", "dim_ad_groups", "dim_ads", "dim_ad_platforms",
            "fct_orders", "fct_order_lines", "fct_web_traffic_daily", "fct_post_purchase_attribution", *rawdata.breadth_facts(),
        },
        "metrics": {
            "daily_campaign_summary", "weekly_performance_rollup", "monthly_performance_rollup", "daily_channel_summary",
            "daily_marketing_efficiency", "shopify_daily_revenue", "daily_commerce_revenue",
            "channel_activity__web", "channel_activity__organic_search", "channel_activity__organic_social", "channel_activity__email",
            "channel_activity__apps", "channel_activity__crm", "channel_activity__affiliate", "channel_activity__surveys",
        },
        "ml": {"campaign_features", "metric_anomalies"},
    }


UNIFIED = ["tenant_id", "date", "platform", "account_id", "account_name", "currency", "spend", "impressions", "clicks", "conversions", "conversion_value",
           "view_through_conversions", "video_views"]  # the last two NULL where a platform does not report them (issue 12)


def test_the_shipped_recipes_and_what_they_read() -> None:
    recipes = {r.name: r for r in list_recipes()}
    assert {layer: {n for n, r in recipes.items() if r.layer == layer} for layer in shipped()} == shipped()
    tiktok = recipes["stg_tiktok_ads__campaign_daily"]
    assert tiktok.layer == "staging"
    assert tiktok.raw_tables == ("tiktok_ads_advertisers", "tiktok_ads_report_campaign_daily")
    assert tiktok.depends_on == ()
    assert tiktok.incremental == "date"
    assert recipes["fct_campaign_performance"].depends_on == tuple(sorted((
        "int_fx_rates", "int_reporting_currency",
        "stg_facebook_ads__campaign_daily", "stg_google_ads__campaign_daily", "stg_tiktok_ads__campaign_daily",
        *(m for m in rawdata.breadth_staging() if m.endswith("__campaign_daily")),
    )))
    assert recipes["daily_campaign_summary"].depends_on == ("fct_campaign_performance",)
    assert recipes["shopify_daily_revenue"].depends_on == ("fct_orders",)
    assert recipes["fct_orders"].union.members == tuple(sorted(m for m in recipes if m.startswith("stg_") and m.endswith("__orders")))
    assert "stg_shopify__orders" in recipes["fct_orders"].union.members
    assert recipes["stg_shopify__orders"].path.parts[0] == "<generated from shopify>"
    assert recipes["int_source_platforms"].output_columns == ("platform", "category", "reports_ad_performance")
    assert recipes["int_fx_rates"].union.members == ("exchange_rates", "stg_user__exchange_rates")
    assert recipes["fct_campaign_performance"].grain == ("tenant_id", "date", "platform", "campaign_id")
    assert "spend >= 0" in recipes["fct_campaign_performance"].checks
    assert recipes["shopify_daily_revenue"].path == REPO_RECIPES / "metrics" / "shopify_daily_revenue.sql"
    assert recipes["exchange_rates"].path == REPO_RECIPES / "seeds" / "exchange_rates.csv"


def test_every_level_has_the_unified_columns_and_its_ids() -> None:
    recipes = {r.name: r for r in list_recipes()}
    ids = {
        "account": [],
        "campaign": ["campaign_id", "campaign_name"],
        "ad_group": ["campaign_id", "campaign_name", "ad_group_id", "ad_group_name"],
        "ad": ["campaign_id", "campaign_name", "ad_group_id", "ad_group_name", "ad_id", "ad_name"],
    }
    derived = ["ctr", "cpc", "cpm", "roas", "conversion_rate", "reporting_currency", "fx_rate", "spend_reporting", "conversion_value_reporting"]
    for level, extra in ids.items():
        fact = recipes[f"fct_{level}_performance"]
        assert set(fact.output_columns) == set(UNIFIED + extra + derived), level
        assert fact.incremental == "date" and fact.union.pattern == f"stg_*__{level}_daily"
        # every platform's staging model for this level selects the same columns (checked on load, too)
        for member in fact.union.members:
            assert set(recipes[member].output_columns) == set(UNIFIED + extra), member


def test_editable_install_finds_the_repository_recipes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOSCO_RECIPES_DIR", raising=False)
    assert recipes_root() == REPO_RECIPES


def test_build_order_puts_every_model_after_what_it_reads() -> None:
    order = [r.name for r in list_recipes()]
    position = {name: i for i, name in enumerate(order)}
    for recipe in list_recipes():
        for dep in recipe.depends_on:
            assert position[dep] < position[recipe.name], (dep, recipe.name)
    # stable: seeds first, then staging (by name), then the later layers
    staging = sorted(r.name for r in list_recipes() if r.layer == "staging")
    seeds = sorted(shipped()["seeds"])
    assert order[:len(seeds) + 1] == [*seeds, staging[0]]


def test_order_comes_from_the_sql_not_the_layer_or_name(tmp_path: Path) -> None:
    write(tmp_path, "staging/stg_a.sql", "select 1 as x from raw.src_a")
    # alphabetically first in marts, but reads m_z, so it must come after it
    write(tmp_path, "marts/m_a.sql", "with z as (select * from m_z) select x from z")
    write(tmp_path, "marts/m_z.sql", "select x from stg_a")
    names = [r.name for r in load_catalog(tmp_path)]
    assert names == ["stg_a", "m_z", "m_a"]
    by_name = {r.name: r for r in load_catalog(tmp_path)}
    assert by_name["m_a"].depends_on == ("m_z",)  # the CTE named z is not a dependency


def test_union_members_come_from_the_pattern(tmp_path: Path) -> None:
    write(tmp_path, "staging/stg_one__daily.sql", "select 1 as a, 2 as b from raw.one_x")
    write(tmp_path, "staging/stg_two__daily.sql", "select 2 as b, 1 as a from raw.two_x")
    write(tmp_path, "staging/stg_two__other.sql", "select 1 as z from raw.two_y")
    write(tmp_path, "marts/fct.sql", "-- union: daily = stg_*__daily\nselect a, b from daily")
    fct = {r.name: r for r in load_catalog(tmp_path)}["fct"]
    assert fct.union is not None
    assert fct.union.members == ("stg_one__daily", "stg_two__daily")
    assert fct.union.columns == ("a", "b")
    assert fct.depends_on == ("stg_one__daily", "stg_two__daily")


@pytest.mark.parametrize(
    ("files", "match"),
    [
        ({"staging/s.sql": "select 1 as x from raw.a join nowhere on true"}, "unknown table 'nowhere'"),
        ({"staging/s.sql": "select 1 as x from other.a"}, r"read raw tables as raw\.<source>_<stream>"),
        ({"staging/s.sql": "select 1 as x from raw.a", "marts/m.sql": "select x from raw.a"}, "only staging recipes read raw"),
        ({"marts/a.sql": "select 1 as x from b", "marts/b.sql": "select 1 as x from a"}, "cycle: a, b"),
        ({"staging/s.sql": "select 1 as x from raw.a", "marts/m.sql": "select 1 as x from k", "metrics/k.sql": "select 1 as x from s"}, "later layer 'metrics'"),
        ({"staging/s.sql": "-- grian: x\nselect 1 as x from raw.a"}, "unknown header '-- grian:'"),
        ({"staging/s.sql": "select 1 as x from raw.a; select 2"}, "exactly one SELECT"),
        ({"staging/s.sql": "delete from raw.a"}, "exactly one SELECT"),
        ({"staging/s.sql": "select from from"}, "does not parse"),
        ({"staging/s.sql": "-- check: spend >=\nselect 1 as spend from raw.a"}, "not a SQL condition"),
        ({"misc/s.sql": "select 1"}, "layer folder"),
        ({"seeds/s.sql": "select 1"}, "layer folder"),
        ({"staging/s.sql": "-- incremental: day\nselect 1 as x from raw.a"}, "'-- incremental: day' is not a column the SELECT returns"),
        ({"staging/s.sql": "-- incremental: a, b\nselect 1 as a, 2 as b from raw.a"}, "names one date column"),
        ({"staging/s.sql": "-- incremental: date\nselect * from raw.a"}, "is not a column the SELECT returns"),
        ({"staging/s.sql": "-- relationship: a => b\nselect 1 as a from raw.a"}, "write '-- relationship:"),
        ({"staging/s.sql": "-- relationship: a -> nowhere\nselect 1 as a from raw.a"}, "unknown model 'nowhere'"),
        (
            {"staging/s.sql": "-- relationship: a -> t(b)\nselect 1 as a from raw.a", "staging/t.sql": "select 1 as c from raw.b"},
            "model 't' has no column\\(s\\) b",
        ),
        ({"staging/s.sql": "-- relationship: a, b -> t(c)\nselect 1 as a from raw.a", "staging/t.sql": "select 1 as c from raw.b"}, "pairs 2 column"),
        ({"staging/s.sql": "-- freshness: date 3 days\nselect 1 as a from raw.a"}, "within <n> days"),
        ({"staging/s.sql": "-- warn_if: spend >\nselect 1 as spend from raw.a"}, "'-- warn_if: spend >' is not a SQL condition"),
        ({"marts/f.sql": "-- union: d = nothing_* (optional)\nselect a from d"}, "optional union 'nothing_\\*' matches no recipe"),
        ({"staging/S-1.sql": "select 1 as x from raw.a"}, "lower_snake_case"),
        ({"staging/a/s.sql": "select 1 as x from raw.a", "staging/b/s.sql": "select 1 as x from raw.b"}, "already exists"),
        (
            {
                "staging/stg_a__d.sql": "select 1 as a, 2 as b from raw.a",
                "staging/stg_b__d.sql": "select 1 as a, 3 as c from raw.b",
                "marts/f.sql": "-- union: d = stg_*__d\nselect a from d",
            },
            "'stg_b__d' does not match 'stg_a__d'; missing b; extra c",
        ),
        (
            {"staging/stg_a__d.sql": "select * from raw.a", "marts/f.sql": "-- union: d = stg_*__d\nselect a from d"},
            "must name its output columns",
        ),
        ({"staging/s.sql": "-- derived: ctrr\nselect ctrr from raw.a"}, "'-- derived: ctrr' is not defined in derived.sql"),
        ({"staging/s.sql": "-- derived: ctr, cpc\nselect ctr from raw.a"}, "'-- derived: cpc' is declared but not selected"),
        ({"staging/s.sql": "-- derived: ctr\nselect t.ctr from raw.a as t"}, "'-- derived: ctr' is declared but not selected"),
        ({"staging/s.sql": "-- derived: ctr\nselect ctr from raw.a union all select ctr from raw.b"}, "outermost statement to be a SELECT"),
        ({"derived.sql": "select a / b as r from t", "staging/s.sql": "select 1 as x from raw.a"}, "derived.sql: write one SELECT"),
        ({"derived.sql": "select a / b", "staging/s.sql": "select 1 as x from raw.a"}, "needs a name"),
        ({"derived.sql": "select a as r, b as r", "staging/s.sql": "select 1 as x from raw.a"}, "'r' is defined twice"),
        ({"derived.sql": "select r + 1 as r", "staging/s.sql": "select 1 as x from raw.a"}, "'r' refers to itself"),
    ],
)
def test_bad_recipes_fail_when_the_catalog_loads(tmp_path: Path, files: dict[str, str], match: str) -> None:
    for rel, sql in files.items():
        write(tmp_path, rel, sql)
    with pytest.raises(RecipeError, match=match):
        load_catalog(tmp_path)


def test_select_is_a_model_and_what_depends_on_it() -> None:
    catalog = list_recipes()
    names = [r.name for r in select_recipes(catalog, ["daily_campaign_summary"])]
    assert names == [
        "daily_campaign_summary", "monthly_performance_rollup", "weekly_performance_rollup", "campaign_features", "metric_anomalies",
    ]
    shopify = [r.name for r in select_recipes(catalog, ["stg_shopify__orders"])]
    assert shopify[:2] == ["stg_shopify__orders", "fct_orders"]
    assert set(shopify[2:]) == {"daily_commerce_revenue", "shopify_daily_revenue", "daily_marketing_efficiency"}
    assert shopify.index("daily_commerce_revenue") < shopify.index("daily_marketing_efficiency")
    assert {r.name for r in select_recipes(catalog, ["ml"])} == {"campaign_features", "metric_anomalies"}
    with pytest.raises(RecipeError, match="matches no recipe"):
        select_recipes(catalog, ["nope"])


def test_select_builds_missing_upstream_and_reads_existing_upstream(tmp_path: Path) -> None:
    import duckdb

    from bosco_connectors.recipes import build

    write(tmp_path, "staging/stg_a.sql", "select x from raw.src")
    write(tmp_path, "marts/m.sql", "select x + 1 as x from stg_a")
    write(tmp_path, "metrics/k.sql", "select x * 10 as x from m")
    conn = duckdb.connect()
    conn.execute("create schema raw; create table raw.src as select 1 as x")
    # nothing exists yet: selecting m builds its missing upstream stg_a, then m and k
    first = build(conn, root=tmp_path, select=["m"])
    assert [(r.name, r.status) for r in first.models] == [("stg_a", "built"), ("m", "built"), ("k", "built")]
    # now stg_a exists: it is read as it is, not rebuilt (raw changed, stg_a did not)
    conn.execute("update raw.src set x = 5")
    second = build(conn, root=tmp_path, select=["m"])
    assert [r.name for r in second.models] == ["m", "k"]
    assert conn.execute("select x from analytics.k").fetchall() == [(20,)]


def test_seeds_are_csv_models_and_can_be_replaced(tmp_path: Path) -> None:
    write(tmp_path, "seeds/rates.csv", "date,rate\n2026-01-01,1.5\n2026-02-01,\n")
    write(tmp_path, "seeds/empty.csv", "a,b\n")
    write(tmp_path, "staging/stg_x.sql", "select cast(rate as double) as rate from rates")
    by_name = {r.name: r for r in load_catalog(tmp_path)}
    assert by_name["rates"].layer == "seeds" and by_name["rates"].output_columns == ("date", "rate")
    assert by_name["stg_x"].depends_on == ("rates",)
    import duckdb

    conn = duckdb.connect()
    assert conn.execute(by_name["rates"].sql).fetchall() == [("2026-01-01", "1.5"), ("2026-02-01", None)]
    assert conn.execute(by_name["empty"].sql).fetchall() == []
    # a seeds folder replaces same-named seeds
    override = tmp_path / "mine"
    write(override, "rates.csv", "date,rate\n2027-01-01,2\n")
    replaced = {r.name: r for r in load_catalog(tmp_path, seeds_dir=override)}
    assert conn.execute(replaced["rates"].sql).fetchall() == [("2027-01-01", "2")]
    with pytest.raises(RecipeError, match="line 2 has 1 values, the header has 2"):
        write(tmp_path, "seeds/bad.csv", "a,b\n1\n")
        load_catalog(tmp_path)


def test_as_dict_is_what_recipes_list_prints() -> None:
    fct = {r.name: r for r in list_recipes()}["stg_tiktok_ads__campaign_daily"].as_dict()
    assert fct["layer"] == "staging"
    assert fct["raw_tables"] == ["raw.tiktok_ads_advertisers", "raw.tiktok_ads_report_campaign_daily"]
    assert fct["incremental"] == "date"
    assert fct["description"].startswith("TikTok Ads campaign-day performance")


def test_every_division_in_the_shipped_recipes_is_guarded() -> None:
    """Snowflake raises on x / 0 and DuckDB returns inf: each denominator must be NULLIF(..., 0)."""
    from sqlglot import exp

    divisions = 0
    for recipe in list_recipes():
        for div in recipe.ast.find_all(exp.Div):
            divisions += 1
            denominator = div.expression
            literal = isinstance(denominator, exp.Literal) and denominator.is_number and float(denominator.this) != 0
            guarded = isinstance(denominator, exp.Nullif) and denominator.expression.sql() == "0"
            assert literal or guarded, f"{recipe.name}: {div.sql()}"
    assert divisions >= 5  # roas, ctr, cpc, cpm, conversion_rate


def test_derived_columns_are_written_from_derived_sql_into_the_outermost_select(tmp_path: Path) -> None:
    write(tmp_path, "derived.sql", "-- ratios\nselect a / nullif(b, 0) as ratio, ratio * 2 as twice")
    write(tmp_path, "staging/s.sql", "-- derived: ratio, twice\nselect x, ratio, b * twice as scaled, twice, t.ratio as kept from raw.t as t")
    recipe = {r.name: r for r in load_catalog(tmp_path)}["s"]
    assert recipe.output_columns == ("x", "ratio", "scaled", "twice", "kept")
    flat = recipe.ast.sql(dialect="duckdb")
    assert "a / NULLIF(b, 0) AS ratio" in flat
    assert "b * ((a / NULLIF(b, 0)) * 2) AS scaled" in flat
    assert "(a / NULLIF(b, 0)) * 2 AS twice" in flat
    assert "t.ratio AS kept" in flat  # a qualified column is the input's, never the derived one


def test_a_recipes_folder_without_derived_sql_uses_the_shipped_definitions(tmp_path: Path) -> None:
    write(tmp_path, "staging/s.sql", "-- derived: cpm\nselect cpm from raw.t")
    recipe = {r.name: r for r in load_catalog(tmp_path)}["s"]
    assert recipe.ast.sql(dialect="duckdb") == "SELECT spend * 1000 / NULLIF(impressions, 0) AS cpm FROM raw.t"


def test_a_source_registered_later_gets_its_generated_staging() -> None:
    """The catalog is memoised per process: a source registered after a first read (a plugin,
    a source under test) must still find its generated staging models in the next one."""
    from dataclasses import replace

    from bosco_connectors.framework.registry import registered
    from bosco_connectors.sources.tiktok_ads import connector as tiktok

    late = replace(tiktok, name="late_ads")  # the same declarations under a name no catalog has seen
    assert "stg_late_ads__campaign_daily" not in {r.name for r in load_catalog()}
    with registered(late):
        names = {r.name for r in load_catalog()}
    assert {"stg_late_ads__campaign_daily", "stg_late_ads__campaigns"} <= names
    assert "stg_late_ads__campaign_daily" not in {r.name for r in load_catalog()}
