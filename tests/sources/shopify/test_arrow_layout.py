"""Orders load as Arrow batches with line items a table of their own (`framework.children`),
in the layout dlt gives dict rows, so destinations an earlier version loaded keep working.

The "earlier version" is this connector with the orders stream on dlt's dict path
(``arrow=False``, no declared child): what every release before this one loaded.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.shopify import ShopifyApp
from bosco_connectors.sources.shopify import connector

from .conftest import END

TINY = dict(seed=3, size="tiny", end_date=END)

pytestmark = pytest.mark.wall_clock  # the fake's cost bucket refills in real time


def dict_era() -> Any:
    """The connector as releases before Arrow orders loaded it."""
    streams = [dataclasses.replace(s, arrow=False, children=()) if s.name == "orders" else s for s in connector.streams]
    return dataclasses.replace(connector, streams=streams)


def sync(db: Path, pipelines: Path, source: Any, config: dict[str, Any], tenant: str) -> dlt.Pipeline:
    @dlt.source(name="shopify")
    def shopify() -> Any:
        return source.resources(config, tenant_id=tenant, streams=["shop", "orders"])

    pipeline = dlt.pipeline(pipeline_name=f"shopify_{tenant}", destination=dlt.destinations.duckdb(str(db)),
                            pipelines_dir=str(pipelines), dataset_name="raw")
    pipeline.run(shopify(), loader_file_format="parquet")
    return pipeline


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def lines_per_order(db: Path, tenant: str) -> dict[str, int]:
    """Line items per order, joined the way dlt's child tables join (root id) and by order id: both must agree."""
    by_root = dict(rows(db, "select o.id, count(*) from raw.shopify_orders o join raw.shopify_orders__line_items li "
                            f"on li._dlt_root_id = o._dlt_id where o.tenant_id = '{tenant}' group by 1"))
    by_key = dict(rows(db, "select order_id, count(*) from raw.shopify_orders__line_items "
                           f"where tenant_id = '{tenant}' group by 1"))
    assert by_root == by_key
    return by_key


def load_ids(db: Path, tenant: str) -> set[str]:
    return {r[0] for r in rows(db, f"select distinct _dlt_load_id from raw.shopify_orders where tenant_id = '{tenant}'")}


def expected_lines(app: ShopifyApp) -> dict[str, int]:
    return {o.id: len(o.line_items) for o in app.shop.orders if o.line_items}


def test_a_new_destination_gets_line_items_as_their_own_arrow_table(tmp_path):
    app = ShopifyApp(**TINY)
    with FakeApi([app]) as api:
        pipeline = sync(tmp_path / "s.duckdb", tmp_path / "p", connector, app.source_config(api.url("shopify")), "t1")
    table = pipeline.default_schema.tables["shopify_orders__line_items"]
    assert not table.get("parent"), "a table of its own, not dlt's nested table"
    assert table.get("columns", {}).get("order_id", {}).get("merge_key"), "merged per order"
    assert lines_per_order(tmp_path / "s.duckdb", "t1") == expected_lines(app)
    assert rows(tmp_path / "s.duckdb", "select count(*) from raw.shopify_orders") == [(len(app.shop.orders),)]
    assert rows(tmp_path / "s.duckdb", "select count(*) from raw.shopify_orders where _dlt_load_id is null or _dlt_id is null") == [(0,)]


def test_a_tenant_an_earlier_version_loaded_keeps_loading_dict_rows(tmp_path, caplog):
    app = ShopifyApp(**TINY)
    db = tmp_path / "s.duckdb"
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url("shopify")), "bulk": False}
        sync(db, tmp_path / "p", dict_era(), config, "t1")
        before, first_load = lines_per_order(db, "t1"), load_ids(db, "t1")
        with caplog.at_level(logging.WARNING, logger="bosco_connectors.read"):
            pipeline = sync(db, tmp_path / "p", connector, {**config, "lookback_days": 400}, "t1")  # every order read again
    assert "loading dict rows as before" in caplog.text
    assert len(load_ids(db, "t1")) == 1 and load_ids(db, "t1") != first_load, "every order was read again"
    assert pipeline.default_schema.tables["shopify_orders__line_items"].get("parent") == "shopify_orders"
    assert lines_per_order(db, "t1") == before == expected_lines(app), "re-read orders replaced their lines, none doubled"


def test_a_new_tenant_loads_arrow_into_tables_an_earlier_version_made(tmp_path, caplog):
    app = ShopifyApp(**TINY)
    db = tmp_path / "s.duckdb"
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url("shopify")), "bulk": False}
        sync(db, tmp_path / "p", dict_era(), config, "t1")
        with caplog.at_level(logging.WARNING, logger="bosco_connectors.read"):
            sync(db, tmp_path / "p", connector, config, "t2")
            first_load = load_ids(db, "t2")
            sync(db, tmp_path / "p", connector, {**config, "lookback_days": 400}, "t2")  # every order read again
    assert "loading dict rows as before" not in caplog.text
    assert len(load_ids(db, "t2")) == 1 and load_ids(db, "t2") != first_load, "every order was read again"
    assert lines_per_order(db, "t2") == lines_per_order(db, "t1") == expected_lines(app)
    assert rows(db, "select tenant_id, count(*) from raw.shopify_orders group by 1 order by 1") == [
        ("t1", len(app.shop.orders)), ("t2", len(app.shop.orders))]
