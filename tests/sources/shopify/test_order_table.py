"""Orders as Arrow columns (`records.order_table`, and from a bulk export's lines `order_table_of_lines`):
the very table `order_row` + `to_arrow` builds."""

from __future__ import annotations

import io

import orjson
import pytest

from bosco_connectors.framework import ContractError, ResponseFormatError
from bosco_connectors.framework.arrow import to_arrow
from bosco_connectors.sources.shopify import contracts, records
from bosco_connectors.sources.shopify.bulk import BulkJsonLines, LineBatch, _ids
from bosco_connectors.sources.shopify.queries import ORDERS

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


# -- a bulk export's lines, parsed by Arrow ------------------------------------------------------

def export_lines(nodes: list[dict]) -> bytes:
    """The nodes as a grouped bulk export writes them: each order, then its line items with ``__parentId``."""
    out = []
    for node in nodes:
        items = [edge["node"] for edge in (node.get("lineItems") or {}).get("edges", [])]
        out.append(orjson.dumps({k: v for k, v in node.items() if k != "lineItems"}))
        out += [orjson.dumps({**item, "__parentId": node["id"]}) for item in items]
    return b"\n".join(out) + b"\n"


def line_batches(content: bytes, rows: int = 500) -> list:
    return list(BulkJsonLines(connection=ORDERS).column_batches(io.BytesIO(content), rows))


def test_lines_give_the_table_of_their_nodes():
    nodes = [order(1), order(2, lineItems={"edges": []}), order(3, customerJourneySummary=None, customer=None), order(4)]

    batches = line_batches(export_lines(nodes), rows=3)

    assert [b.parents for b in batches] == [3, 1]
    for batch in batches:
        assert isinstance(batch, LineBatch)
        built = records.order_table_of_lines(batch, contracts.Order, "orders")
        expected = records.order_table(batch.nodes(), contracts.Order, "orders")
        assert built is not None and built.schema.equals(expected.schema, check_metadata=True)
        assert built.to_pylist() == expected.to_pylist()
    assert [n["id"] for b in batches for n in b.nodes()] == [n["id"] for n in nodes]


@pytest.mark.parametrize("odd", [
    {"totalPriceSet": {"shopMoney": {"amount": ""}}, "totalTaxSet": {"shopMoney": None}},
    {"totalPriceSet": {"shopMoney": {"amount": "1.1234567891234"}}},
    {"createdAt": "2026-11-01T10:00:00", "closedAt": ""},
    {"customerJourneySummary": {"firstVisit": None, "lastVisit": {"utmParameters": None}}},
    {"tags": [], "discountCodes": [], "test": None, "name": "a \"quoted\" name"},
])
def test_odd_values_arrow_reads_give_the_same_table(odd):
    (batch,) = line_batches(export_lines([order(1), order(2, **odd)]))
    built = records.order_table_of_lines(batch, contracts.Order, "orders")
    assert built is not None
    assert built.to_pylist() == records.order_table(batch.nodes(), contracts.Order, "orders").to_pylist()


@pytest.mark.parametrize("odd", [
    {"totalPriceSet": {"shopMoney": {"amount": 24.99}}},  # a number where Shopify sends Decimal text
    {"number": "1001"},
    {"customerJourneySummary": {"firstVisit": VISIT, "lastVisit": {}}},  # falsy: the first visit counts
    {"tags": ["a", None]},
    {"test": 0},
])
def test_what_arrow_cannot_read_alike_is_left_to_the_nodes(odd):
    (batch,) = line_batches(export_lines([order(1), order(2, **odd)]))
    assert records.order_table_of_lines(batch, contracts.Order, "orders") is None


def test_a_line_that_is_not_json_is_named_as_before():
    content = export_lines([order(1)]) + b'{"id":"gid://shopify/Order/2", oops\n'
    (batch,) = line_batches(content)
    assert records.order_table_of_lines(batch, contracts.Order, "orders") is None
    with pytest.raises(ResponseFormatError, match="line 4 is not JSON"):
        batch.nodes()


def test_ids_are_read_from_the_bytes_as_json_reads_them():
    for line in [b'{"id":"gid://shopify/Order/1","name":"x"}', b'{"id":"gid://shopify/LineItem/2","__parentId":"gid://shopify/Order/1"}',
                 b'{"name":"id first? no","id":"gid://shopify/Order/3"}', b'{"id":"a\\"b","__parentId":"p"}',
                 b'{"id":"x","note":{"__parentId":"n"}}', b'{"id":"x","__parentId":null}', b'{"id":"x","__parentId":"p"}  \r']:
        obj = orjson.loads(line)
        assert _ids(line) == (obj.get("id"), obj.get("__parentId")), line
    assert _ids(b"  \r") is None


def test_lines_shopify_writes_plainly_are_batched_as_line_by_line_checks_batch_them(monkeypatch):
    content = export_lines([order(1), order(2, lineItems={"edges": []}), order(3)]) + b"\n\n" + export_lines([order(4)])
    assert BulkJsonLines(connection=ORDERS)._survey(io.BytesIO(content)) == (True, True)
    plain = [(b.lines, b.numbers, b.kinds) for b in line_batches(content, rows=2)]

    monkeypatch.setattr(BulkJsonLines, "_survey", lambda self, file: (True, False))
    checked = [(b.lines, b.numbers, b.kinds) for b in line_batches(content, rows=2)]

    assert plain == checked and [kinds.count(None) for _, _, kinds in plain] == [2, 2]


@pytest.mark.parametrize(("line", "orders"), [
    (b'{"id":"gid://shopify/LineItem/9","title":"a \\"quote\\"","__parentId":"gid://shopify/Order/1"}', 1),  # an escape
    (b'{"title":"id last","id":"gid://shopify/LineItem/9","__parentId":"gid://shopify/Order/1"}', 1),
    (b'{"id":"gid://shopify/Order/5","note":"\\"__parentId\\""}', 2),  # the name in a text, not a key
])
def test_a_line_written_otherwise_is_batched_line_by_line(line, orders):
    content = export_lines([order(1)]) + line + b"\n"
    grouped, plain = BulkJsonLines(connection=ORDERS)._survey(io.BytesIO(content))
    assert grouped and not plain
    (batch,) = line_batches(content)
    assert batch.parents == orders and len(batch.lines) == 4
