"""The declared adobe_commerce source: documented bodies, the store view's day, configurable
items, refunds, paging by total_count, errors.

Expected values come from the documented bodies (cassettes/adobe_commerce/), never from the
connector's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sources.adobe_commerce import API, connector, streams

from ..replayed import build_facts, documented, edited, query, sync

WINDOW = ("searchCriteria[filterGroups][0][filters][0][value]",)


def orders() -> list[dict]:
    fixtures = documented(connector)
    return [o for e in fixtures.data("orders") for o in fixtures.body(e)["items"]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adobe_commerce")
    sync(connector, documented(connector), tmp)
    build_facts(connector, tmp, "orders", "order_lines")
    return tmp


def test_orders_load_numbers_as_exact_decimals_without_personal_data(loaded):
    rows = {r[0]: r[1:] for r in query(loaded, "select entity_id, subtotal, grand_total, discount_amount, total_refunded "
                                               "from raw.adobe_commerce_orders")}
    assert len(rows) == len(orders()) == 3
    for o in orders():
        refunded = Decimal(str(o["total_refunded"])) if "total_refunded" in o else None
        assert rows[str(o["entity_id"])] == (Decimal(str(o["subtotal"])), Decimal(str(o["grand_total"])),
                                             Decimal(str(o["discount_amount"])), refunded)
    columns = {r[0] for r in query(loaded, "select column_name from information_schema.columns where table_name like 'adobe_commerce_orders%'")}
    assert not [c for c in columns if c.startswith(("customer_email", "customer_firstname", "billing_address__", "payment",
                                                    "extension_attributes", "remote_ip"))]


def test_an_order_is_on_its_store_views_day(loaded):
    """Order 4: 06:30 UTC on Nov 2 is 22:30 on Nov 1 in the store view's America/Los_Angeles."""
    order = next(o for o in orders() if o["entity_id"] == 4)
    assert order["created_at"] == "2026-11-02 06:30:00"
    assert query(loaded, "select order_date from analytics.fct_orders where order_id = '4'") == [(date(2026, 11, 1),)]
    assert query(loaded, "select distinct order_date from analytics.fct_order_lines where order_id = '4'") == [(date(2026, 11, 1),)]


def test_discounts_refunds_and_cancellation(loaded):
    facts = {r[0]: r[1:] for r in query(loaded, "select order_id, gross, discounts, refunds, total, discount_codes, is_cancelled "
                                                "from analytics.fct_orders")}
    assert facts["4"] == (Decimal("45"), Decimal("5"), Decimal("20"), Decimal("45"), "H20", False)  # discount_amount -5
    assert facts["3"][2] is None  # no credit memo: total_refunded not sent, not reported
    assert facts["5"][-1] is True


def test_a_configurable_product_is_one_line(loaded):
    """Order 3 holds a simple item and a configurable item with its child (parent_item_id): two lines."""
    items = {i["item_id"]: i for o in orders() if o["entity_id"] == 3 for i in o["items"]}
    assert [i for i in items.values() if i.get("parent_item_id")] == [items[5]]
    lines = query(loaded, "select line_id, quantity, price from analytics.fct_order_lines where order_id = '3' order by line_id")
    assert lines == [("3", float(items[3]["qty_ordered"]), Decimal(str(items[3]["price"]))),
                     ("4", float(items[4]["qty_ordered"]), Decimal(str(items[4]["price"])))]
    assert query(loaded, "select count(*) from raw.adobe_commerce_order_items") == [(5,)]


def test_a_credit_memo_on_a_later_sync_updates_the_orders_row(tmp_path):
    sync(connector, documented(connector), tmp_path)

    def refund_3(bodies):
        order = bodies["orders.page1.json"]["items"][0]
        assert order["entity_id"] == 3
        order.update(total_refunded=165, base_total_refunded=165, state="closed", status="closed", updated_at="2026-11-02 21:00:00")

    sync(connector, edited(connector, tmp_path, refund_3, unpinned=WINDOW), tmp_path)
    build_facts(connector, tmp_path, "orders")
    assert query(tmp_path, "select count(*) from raw.adobe_commerce_orders") == [(3,)]
    assert query(tmp_path, "select refunds, status from analytics.fct_orders where order_id = '3'") == [(Decimal("165"), "closed")]


def test_paging_ends_at_total_count():
    """Page 2 holds the last record of 3: no page 3 is asked for (Magento would answer page 2 again)."""
    fixtures = documented(connector)
    bodies = [fixtures.body(e) for e in fixtures.data("orders")]
    assert [b["total_count"] for b in bodies] == [3, 3] and sum(len(b["items"]) for b in bodies) == 3
    config = connector.validate(fixtures.config_for("http://127.0.0.1:9"))  # page_size 2, as documented
    stream = next(s for s in streams(config) if s.name == "orders")
    paginator = stream.paginator()
    paginator.first()
    assert paginator.next(None, bodies[0], bodies[0]["items"]) is not None
    assert paginator.next(None, bodies[1], bodies[1]["items"]) is None


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, {"message": "The consumer isn't authorized to access %resources.", "parameters": {"resources": "Magento_Sales::actions_view"}},
     AuthError),
    (429, {"message": "Too Many Requests", "trace": None}, RetryableApiError),
    (200, {"message": "The consumer isn't authorized to access %resources.", "parameters": {"resources": "Magento_Sales::actions_view"}},
     ApiError),
    (503, {"message": "Service Unavailable"}, RetryableApiError),
])
def test_error_map(status, body, kind):
    request = httpx.Request("GET", "https://shop.example.com/rest/default/V1/orders")
    assert isinstance(API.errors.policy().for_status(httpx.Response(status, json=body, request=request), body), kind)
