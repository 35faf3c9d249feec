"""Recipe discovery: headers, references parsed from the SQL, build order, and bad recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bosco_connectors.recipes import RecipeError, list_recipes, load_catalog, recipes_root, select_recipes

REPO_RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def write(root: Path, rel: str, sql: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql)


def test_the_shipped_recipes_and_what_they_read() -> None:
    recipes = {r.name: r for r in list_recipes()}
    assert set(recipes) == {
        "stg_tiktok_ads__campaign_daily",
        "stg_shopify__orders",
        "fct_campaign_performance",
        "daily_campaign_summary",
        "shopify_daily_revenue",
    }
    tiktok = recipes["stg_tiktok_ads__campaign_daily"]
    assert tiktok.layer == "staging"
    assert tiktok.raw_tables == ("tiktok_ads_advertisers", "tiktok_ads_campaigns", "tiktok_ads_report_campaign_daily")
    assert tiktok.depends_on == ()
    assert recipes["fct_campaign_performance"].depends_on == ("stg_tiktok_ads__campaign_daily",)
    assert recipes["daily_campaign_summary"].depends_on == ("fct_campaign_performance",)
    assert recipes["shopify_daily_revenue"].depends_on == ("stg_shopify__orders",)
    assert recipes["fct_campaign_performance"].grain == ("tenant_id", "date", "platform", "account_id", "campaign_id")
    assert "spend >= 0" in recipes["fct_campaign_performance"].checks
    assert recipes["shopify_daily_revenue"].path == REPO_RECIPES / "metrics" / "shopify_daily_revenue.sql"


def test_editable_install_finds_the_repository_recipes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOSCO_RECIPES_DIR", raising=False)
    assert recipes_root() == REPO_RECIPES


def test_build_order_puts_every_model_after_what_it_reads() -> None:
    order = [r.name for r in list_recipes()]
    position = {name: i for i, name in enumerate(order)}
    for recipe in list_recipes():
        for dep in recipe.depends_on:
            assert position[dep] < position[recipe.name], (dep, recipe.name)
    # stable: staging first (by name), then marts, then metrics
    assert order[:2] == ["stg_shopify__orders", "stg_tiktok_ads__campaign_daily"]


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
    ],
)
def test_bad_recipes_fail_when_the_catalog_loads(tmp_path: Path, files: dict[str, str], match: str) -> None:
    for rel, sql in files.items():
        write(tmp_path, rel, sql)
    with pytest.raises(RecipeError, match=match):
        load_catalog(tmp_path)


def test_select_includes_everything_upstream() -> None:
    catalog = list_recipes()
    names = [r.name for r in select_recipes(catalog, ["daily_campaign_summary"])]
    assert names == ["stg_tiktok_ads__campaign_daily", "fct_campaign_performance", "daily_campaign_summary"]
    assert [r.name for r in select_recipes(catalog, ["staging"])] == ["stg_shopify__orders", "stg_tiktok_ads__campaign_daily"]
    assert [r.name for r in select_recipes(catalog, ["*shopify*"])] == ["stg_shopify__orders", "shopify_daily_revenue"]
    with pytest.raises(RecipeError, match="matches no recipe"):
        select_recipes(catalog, ["nope"])


def test_as_dict_is_what_recipes_list_prints() -> None:
    fct = {r.name: r for r in list_recipes()}["stg_tiktok_ads__campaign_daily"].as_dict()
    assert fct["layer"] == "staging"
    assert fct["raw_tables"] == [
        "raw.tiktok_ads_advertisers",
        "raw.tiktok_ads_campaigns",
        "raw.tiktok_ads_report_campaign_daily",
    ]
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
