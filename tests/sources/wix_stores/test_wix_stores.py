"""wix_stores: Search Orders answers load as built from the reference and the SDK's types (exact
decimals, no buyer email or addresses), orders reach the unified orders, the search is sent as
documented (window, sort, cursor, site header), a refund on a later sync updates its order's row,
its errors.

Expected values are read off the bodies (cassettes/wix_stores/bodies), never from the connector.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi, FakeResponse
from bosco_connectors.sources.wix_stores import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, quick_client

BODIES = fixture_folder(connector) / "bodies"
O1, O2, O3 = "6f759095-0701-4075-9908-c9c31ff013e1", "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict) -> None:
    pipeline = dlt.pipeline(pipeline_name="wix_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1"), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_wix_stores__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, order_number, currency, gross, discounts, tax, shipping, total, refunds, "
                           "status, is_cancelled, source_name from analytics.fct_orders where platform = 'wix_stores' "
                           "order by created_at").fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync every read-only test below queries (run once for the module)."""
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with quick_client(connector, retry=fast):  # as `fast`, for the module
        with FakeApi([app]) as api:
            run(module_tmp, app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return module_tmp, app


def test_orders_load_with_exact_amounts_and_no_buyer_details(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, number, price_summary__total__amount, balance_summary__refunded__amount, payment_status, "
                           "created_date from raw.wix_stores_orders order by created_date") == [
        (O1, "10126", Decimal("42.80"), Decimal("17.50"), "PARTIALLY_REFUNDED", datetime(2026, 11, 12, 8, 28, 58, 917000, tzinfo=timezone.utc)),
        (O2, "10127", Decimal("19.44"), Decimal("0"), "PAID", datetime(2026, 11, 13, 15, 40, 2, 100000, tzinfo=timezone.utc)),
        (O3, "10128", Decimal("23.90"), Decimal("0"), "NOT_PAID", datetime(2026, 11, 18, 23, 55, tzinfo=timezone.utc)),
    ]
    columns = {r[0] for r in query(tmp_path, "select column_name from information_schema.columns where table_name = 'wix_stores_orders'")}
    assert not {c for c in columns if "email" in c or c.startswith(("billing_info", "shipping_info", "recipient_info"))}, columns
    # line items: a table of their own, each with its order's id filled in (their own ids repeat across orders)
    assert query(tmp_path, "select order_id, id, quantity, product_name__original, line_item_price__amount "
                           "from raw.wix_stores_orders__line_items order by order_id, id") == sorted(
        (o["id"], li["id"], li["quantity"], li["productName"]["original"], Decimal(li["lineItemPrice"]["amount"]))
        for page in ("orders.page1.json", "orders.page2.json") for o in body(page)["orders"] for li in o["lineItems"])


def test_orders_reach_the_orders_fact(replayed, tmp_path):
    import shutil

    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the build writes: a copy of the shared sync
    assert orders(tmp_path) == [
        (O1, date(2026, 11, 12), "10126", "USD", Decimal("35"), Decimal("0"), Decimal("2.8"), Decimal("5"), Decimal("42.8"),
         Decimal("17.5"), "PARTIALLY_REFUNDED", False, "WEB"),
        (O2, date(2026, 11, 13), "10127", "USD", Decimal("20"), Decimal("2"), Decimal("1.44"), Decimal("0"), Decimal("19.44"),
         Decimal("0"), "PAID", False, "POS"),
        (O3, date(2026, 11, 18), "10128", "USD", Decimal("17.5"), Decimal("0"), Decimal("1.4"), Decimal("5"), Decimal("23.9"),
         Decimal("0"), "NOT_PAID", True, "WEB"),
    ]


def test_the_search_is_sent_as_documented(replayed):
    _, app = replayed
    sent = [(r.json(), r.header("wix-site-id"), r.header("authorization")) for _, r in app.answered]
    window = {"updatedDate": {"$gte": "2026-11-11T00:00:00Z", "$lte": "2026-11-20T23:59:59Z"}}
    assert sent[0][0] == {"search": {"filter": window, "sort": [{"fieldName": "updatedDate", "order": "ASC"}],
                                     "cursorPaging": {"limit": 2}}}
    assert sent[1][0]["search"]["cursorPaging"] == {"limit": 2, "cursor": body("orders.page1.json")["metadata"]["cursors"]["next"]}
    assert {(s[1], s[2]) for s in sent} == {("fa19d2c0-7e17-4bc7-a3a8-eeeaf7c509b1", "fixture-key")}


class LaterRefund:
    """Wix for two syncs: the documented orders; on 2026-11-22 order 10127 is refunded in full."""

    prefix = "wix_stores"

    def __init__(self) -> None:
        self.orders = body("orders.page1.json")["orders"] + body("orders.page2.json")["orders"]
        self.later = copy.deepcopy(self.orders[1])
        self.later.update(updatedDate="2026-11-22T10:00:00.000Z", paymentStatus="FULLY_REFUNDED")
        self.later["balanceSummary"]["refunded"] = {"amount": "19.44", "formattedAmount": "$19.44"}

    def handle(self, request):
        bounds = request.json()["search"]["filter"]["updatedDate"]
        now = [self.later if o["id"] == O2 and bounds["$lte"] > "2026-11-22" else o for o in self.orders]
        found = [o for o in now if bounds["$gte"] <= o["updatedDate"][:19] + "Z" <= bounds["$lte"]]
        return FakeResponse.json({"orders": found, "metadata": {"count": len(found), "cursors": {}, "hasNext": False}})


def test_a_refund_on_a_later_sync_updates_its_orders_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"api_key": "k", "site_id": "s", "base_url": api.url(app.prefix), "start_date": "2026-11-11"}
        run(tmp_path, {**config, "end_date": "2026-11-20"})
        run(tmp_path, {**config, "end_date": "2026-11-25"})
    rows = orders(tmp_path)
    assert len(rows) == 3
    assert [(r[0], r[8], r[9], r[10]) for r in rows if r[0] == O2] == [(O2, Decimal("19.44"), Decimal("19.44"), "FULLY_REFUNDED")]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [(401, "UNAUTHENTICATED", AuthError), (403, "PERMISSION_DENIED", AuthError), (429, "RESOURCE_EXHAUSTED", RetryableApiError),
     (200, "PERMISSION_DENIED", AuthError), (404, "NOT_FOUND", ApiError), (500, "INTERNAL", RetryableApiError)],
)
def test_documented_errors(status, code, kind):
    error = API.errors.policy().for_status(httpx.Response(status), {
        "message": "short text", "details": {"applicationError": {"code": code, "description": "what went wrong"}}})
    assert type(error) is kind
    assert "what went wrong" in str(error)
