"""Shopify's documented order bodies, replayed, reach ``fct_orders`` and ``daily_commerce_revenue``
as the bodies say: exact money, order days on the shop's calendar (``shop.ianaTimezone``), and a
refund read on a later sync changes the order's row, never adds one.

The generic ``tests/test_unified_facts.py`` reads REST records by path; Shopify's GraphQL
connections are read here, from the same documented bodies, by hand.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dlt
import duckdb

from bosco_connectors.recipes.runner import build
from bosco_connectors.sandbox.server import FakeApi
from bosco_connectors.sources.shopify import connector
from bosco_connectors.sync import SyncJob, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = ("orders.page1.json", "orders.page2.json")


def _nodes(folder: Path) -> list[dict[str, Any]]:
    return [edge["node"] for name in BODIES for edge in json.loads((folder / "bodies" / name).read_text())["data"]["orders"]["edges"]]


def _amount(node: dict[str, Any], field: str) -> Decimal:
    bag = node.get(field)
    return Decimal(bag["shopMoney"]["amount"]) if bag else Decimal(0)


def _sync(folder: Path, db: Path, pipelines: Path) -> None:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        result = run_sync(SyncJob("t", "shopify", app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=pipelines, connector=connector)
    assert result.ok, result.failure_line


def _orders(db: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(db))
    try:
        built = build(con, select=["stg_shopify__orders"])  # it and what reads it: fct_orders, daily_commerce_revenue, ...
        assert built.get("fct_orders").status == "built", [m.line() for m in built.models if m.status != "built"]
        rows = con.execute("select order_id, order_date, gross, discounts, refunds, net_revenue, currency, store_name "
                           "from analytics.fct_orders where platform = 'shopify'").fetchall()
        return {r[0]: r[1:] for r in rows}
    finally:
        con.close()


def test_documented_orders_reach_fct_orders_on_the_shops_days(tmp_path: Path) -> None:
    folder = fixture_folder(connector)
    shop = json.loads((folder / "bodies" / "shop.json").read_text())["data"]["shop"]
    zone = ZoneInfo(shop["ianaTimezone"])
    _sync(folder, tmp_path / "s.duckdb", tmp_path / "p")
    loaded = _orders(tmp_path / "s.duckdb")

    nodes = _nodes(folder)
    assert set(loaded) == {n["id"] for n in nodes}
    for node in nodes:
        subtotal, discounts, refunded = (_amount(node, f) for f in ("subtotalPriceSet", "totalDiscountsSet", "totalRefundedSet"))
        created = datetime.fromisoformat(node["createdAt"].replace("Z", "+00:00"))
        order_date, gross, disc, refunds, net, currency, store = loaded[node["id"]]
        assert order_date == created.astimezone(zone).date(), node["name"]
        assert (gross, disc, refunds) == (subtotal + discounts, discounts, refunded), node["name"]
        assert net == subtotal - refunded and currency == node["currencyCode"] and store == shop["name"]
    # the POS order placed at 21:40 in New York on Nov 1 is 01:40Z on Nov 2: Nov 1 on the shop's calendar
    late = next(n for n in nodes if n["createdAt"].startswith("2026-11-02T01:40"))
    assert loaded[late["id"]][0] == date(2026, 11, 1)


def test_a_refund_on_a_later_sync_changes_the_order_and_adds_no_row(tmp_path: Path) -> None:
    folder = tmp_path / "fixtures"
    shutil.copytree(fixture_folder(connector), folder)
    db, pipelines = tmp_path / "s.duckdb", tmp_path / "p"
    _sync(folder, db, pipelines)
    before = _orders(db)

    page = folder / "bodies" / BODIES[0]
    body = json.loads(page.read_text())
    node = next(e["node"] for e in body["data"]["orders"]["edges"] if not e["node"]["test"] and _amount(e["node"], "totalRefundedSet") == 0)
    node["totalRefundedSet"] = {"shopMoney": {"amount": "10.5"}}
    node["displayFinancialStatus"] = "PARTIALLY_REFUNDED"
    page.write_text(json.dumps(body))
    _sync(folder, db, pipelines)
    after = _orders(db)

    assert set(after) == set(before)
    assert after[node["id"]][3] == Decimal("10.5")
    assert after[node["id"]][4] == before[node["id"]][4] - Decimal("10.5")
    con = duckdb.connect(str(db))
    try:
        assert con.execute("select count(*) from raw.shopify_orders where id = ?", [node["id"]]).fetchone() == (1,)
    finally:
        con.close()
