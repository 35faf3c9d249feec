"""Bulk-operation JSONL put back together: streamed when grouped, through disk when not, bounded either way."""

from __future__ import annotations

import io
import logging
import tracemalloc
from pathlib import Path

import orjson
import pytest

from bosco_connectors.framework import ResponseFormatError
from bosco_connectors.sources.shopify.bulk import BulkJsonLines
from bosco_connectors.sources.shopify.queries import ORDERS

BULK = BulkJsonLines(connection=ORDERS)


def order(n: int) -> dict:
    return {"id": f"gid://shopify/Order/{n}", "name": f"#{1000 + n}"}


def item(order_n: int, k: int) -> dict:
    return {"id": f"gid://shopify/LineItem/{order_n}{k:02d}", "title": f"item {k}", "__parentId": f"gid://shopify/Order/{order_n}"}


def jsonl(lines: list[dict]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def nodes(content: bytes, rows: int = 500) -> list[dict]:
    return [node for batch in BULK.batches(io.BytesIO(content), rows) for node in batch]


def titles(result: list[dict]) -> list[list[str]]:
    return [[edge["node"]["title"] for edge in node["lineItems"]["edges"]] for node in result]


def test_grouped_lines_are_reassembled_in_bounded_batches(caplog):
    lines = [order(1), item(1, 1), item(1, 2), order(2), order(3), item(3, 1)]

    with caplog.at_level(logging.INFO, logger="bosco_connectors.sources.shopify"):
        batches = list(BULK.batches(io.BytesIO(jsonl(lines)), 2))

    assert [[n["id"] for n in b] for b in batches] == [["gid://shopify/Order/1", "gid://shopify/Order/2"], ["gid://shopify/Order/3"]]
    assert titles([n for b in batches for n in b]) == [["item 1", "item 2"], [], ["item 1"]]
    assert all("__parentId" not in e["node"] for b in batches for n in b for e in n["lineItems"]["edges"])
    assert "not grouped" not in caplog.text  # grouped: streamed, no disk


def test_ungrouped_lines_are_reassembled_through_disk(caplog):
    """API 2026-01+ (groupObjects false): children anywhere, even before their parent."""
    lines = [item(2, 1), order(1), order(2), item(1, 1), item(3, 1), item(1, 2), order(3)]

    with caplog.at_level(logging.INFO, logger="bosco_connectors.sources.shopify"):
        result = nodes(jsonl(lines))

    assert [n["id"] for n in result] == ["gid://shopify/Order/1", "gid://shopify/Order/2", "gid://shopify/Order/3"]
    assert titles(result) == [["item 1", "item 2"], ["item 1"], ["item 1"]]
    assert all("__parentId" not in e["node"] for n in result for e in n["lineItems"]["edges"])
    assert "not grouped by parent" in caplog.text


@pytest.mark.parametrize("lines", [
    [order(1), item(404, 1), order(2)],  # after an order that is not its parent
    [item(404, 1), order(1)],  # before any order
])
def test_a_child_of_a_parent_nowhere_in_the_file_fails_before_any_row(lines):
    read: list[dict] = []
    with pytest.raises(ResponseFormatError) as info:
        for batch in BULK.batches(io.BytesIO(jsonl(lines))):
            read += batch
    assert str(info.value).startswith("bulk result line ")
    assert "child 'gid://shopify/LineItem/40401' of unknown parent 'gid://shopify/Order/404'" in str(info.value)
    assert "\n" not in str(info.value) and read == []


UNSELECTED = ("the bulk query does not select (it selects lineItems (LineItem)); nothing of this export was loaded: the "
              "source does not read that type, report this line to its maintainers")


def test_a_child_of_a_connection_the_query_did_not_ask_for_is_refused_naming_its_type():
    stray = {"id": "gid://shopify/Fulfillment/9", "__parentId": "gid://shopify/Order/1"}
    with pytest.raises(ResponseFormatError) as info:
        nodes(jsonl([order(1), stray]))
    assert str(info.value) == ("bulk result line 2: a Fulfillment (gid://shopify/Fulfillment/9) under Order "
                               f"gid://shopify/Order/1, a connection {UNSELECTED}")


@pytest.mark.parametrize("lines", [
    [order(1), item(1, 1), {"id": "gid://shopify/DiscountAllocation/7", "__parentId": "gid://shopify/LineItem/101"}],
    [{"id": "gid://shopify/DiscountAllocation/7", "__parentId": "gid://shopify/LineItem/101"}, order(1), item(1, 1)],
], ids=["grouped", "ungrouped"])
def test_a_child_of_a_line_item_is_named_as_an_unselected_type_not_an_unknown_parent(lines):
    """Its parent is in the file (a line item): "unknown parent" would send the reader looking for a missing order."""
    with pytest.raises(ResponseFormatError) as info:
        nodes(jsonl(lines))
    message = str(info.value)
    assert "unknown parent" not in message and "\n" not in message
    assert message.endswith("a DiscountAllocation (gid://shopify/DiscountAllocation/7) under LineItem "
                            f"gid://shopify/LineItem/101, a connection {UNSELECTED}"), message


def test_an_empty_export_has_no_rows():
    assert nodes(b"") == []


def write_export(path: Path, orders: int, grouped: bool) -> None:
    with open(path, "wb") as out:
        pending: list[bytes] = []
        for n in range(1, orders + 1):
            out.write(orjson.dumps({**order(n), "note": "x" * 200}) + b"\n")
            children = [orjson.dumps({**item(n, k), "sku": "SKU-" + "y" * 40}) + b"\n" for k in range(3)]
            if grouped:
                out.writelines(children)
            else:  # each order's items a few orders later
                pending += children
                if len(pending) > 30:
                    out.writelines(pending[:15])
                    del pending[:15]
        out.writelines(pending)


def peak_while_reassembling(path: Path, rows: int) -> tuple[int, int, float]:
    """(orders, line items, peak traced MB) over a whole read of the export at `path`."""
    count = items = 0
    tracemalloc.start()
    try:
        with open(path, "rb") as file:
            for batch in BULK.batches(file, rows):
                count += len(batch)
                items += sum(len(n["lineItems"]["edges"]) for n in batch)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return count, items, peak


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "ungrouped"])
def test_reassembly_memory_does_not_grow_with_the_export(tmp_path, grouped):
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    write_export(small, 1_500, grouped)
    write_export(large, 6_000, grouped)

    *read_small, peak_small = peak_while_reassembling(small, 250)
    *read_large, peak_large = peak_while_reassembling(large, 250)

    assert (read_small, read_large) == ([1_500, 4_500], [6_000, 18_000])
    assert peak_large < 6, f"peak {peak_large:.1f} MB reassembling {large.stat().st_size / 2**20:.1f} MB"
    assert peak_large < peak_small * 1.5 + 1, f"a 4x larger export took {peak_large:.1f} MB against {peak_small:.1f} MB"


@pytest.mark.slow
@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "ungrouped"])
def test_reassembly_memory_stays_flat_on_a_large_export(tmp_path, grouped):
    """40,000 orders with 120,000 line items (~28 MB of JSONL)."""
    path = tmp_path / "export.jsonl"
    write_export(path, 40_000, grouped)

    count, items, peak = peak_while_reassembling(path, 500)

    assert (count, items) == (40_000, 120_000) and path.stat().st_size > 25 * 2**20
    assert peak < 8, f"peak {peak:.1f} MB reassembling a {path.stat().st_size / 2**20:.0f} MB export"
