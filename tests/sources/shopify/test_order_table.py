"""Orders as Arrow columns (`records.order_table`): the very table `order_row` + `to_arrow` builds."""

from __future__ import annotations

import pytest

from bosco_connectors.framework import ContractError
from bosco_connectors.framework.arrow import to_arrow
from bosco_connectors.sources.shopify import contracts, records

VISIT = {"landingPage": "https://s/p?utm_source=tiktok", "referrerUrl": "https://www.tiktok.com/", "source": "tiktok",
         "utmParameters": {"source": "tiktok", "medium": "paid_social", "campaign": "Launch", "content": None, "term": None}}


def order(n: int, **fields) -> dict:
    return {"id": f"gid://shopify/Order/{n}", "name": f"#{1000 + n}", "number": 1000 + n,
            "createdAt": "2026-11-01T10:00:00Z", "updatedAt": "2026-11-02T10:00:00+02:00", "processedAt": None,
            "totalPriceSet": {"shopMoney": {"amount": "24.99"}}, "tags": ["gift", "vip"], "discountCodes": ["WELCOME"],
            "customer": {"id": f"gid://shopify/Customer/{n}"}, "test": False,
            "customerJourneySummary": {"firstVisit": VISIT, "lastVisit": {**VISIT, "source": "google"}},
            "lineItems": {"edges": [{"node": {"id": f"gid://shopify/LineItem/{n}{k}", "title": f"item {k}", "quantity": k,
                                              "sku": None, "variant": {"id": "gid://shopify/ProductVariant/1"}, "product": None,
                                              "originalUnitPriceSet": {"shopMoney": {"amount": "12.5"}},
                                              "discountedTotalSet": {"shopMoney": {"amount": "20.000000001"}}}}
                                    for k in range(1, 3)]},
            **fields}


def same_table(nodes: list[dict]) -> None:
    expected = to_arrow([records.order_row(node) for node in nodes], contracts.Order, "orders")
    built = records.order_table(nodes, contracts.Order, "orders")
    assert built.schema.equals(expected.schema, check_metadata=True)
    assert built.to_pylist() == expected.to_pylist()


def test_documented_orders_give_the_table_of_the_dict_rows():
    same_table([order(1), order(2, lineItems={"edges": []}), order(3, customerJourneySummary=None, customer=None)])


@pytest.mark.parametrize("odd", [
    {"totalPriceSet": {"shopMoney": {"amount": 24.99}}},  # a number, not Decimal text
    {"totalPriceSet": {"shopMoney": {"amount": ""}}, "totalTaxSet": {"shopMoney": None}, "totalRefundedSet": "0"},
    {"totalPriceSet": {"shopMoney": {"amount": "1.1234567891234"}}},  # past nine places: rounded the same
    {"createdAt": "2026-11-01T10:00:00"},  # no zone: UTC, value by value
    {"closedAt": "", "cancelledAt": "2026-11-01T10:00:00.123456Z"},
    {"customerJourneySummary": {"firstVisit": VISIT, "lastVisit": {}}},  # an empty last visit: the first one counts
    {"customerJourneySummary": {"firstVisit": None, "lastVisit": {"utmParameters": None}}},
    {"tags": "already, text", "discountCodes": [], "test": None},
    {"number": "1001"},
])
def test_odd_values_are_read_as_the_dict_rows_read_them(odd):
    same_table([order(1), order(2, **odd)])


def test_a_missing_required_field_fails_the_same_way():
    nodes = [order(1), order(2, updatedAt=None)]
    with pytest.raises(ContractError) as dicts:
        to_arrow([records.order_row(node) for node in nodes], contracts.Order, "orders")
    with pytest.raises(ContractError) as columns:
        records.order_table(nodes, contracts.Order, "orders")
    assert str(columns.value) == str(dicts.value)
