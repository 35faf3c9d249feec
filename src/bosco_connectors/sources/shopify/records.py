"""Turn Shopify nodes into flat rows: money bags to numbers, nested objects to columns.

Both read paths (pages and bulk JSONL) hand these functions the same node shape, with
nested connections as ``{"edges": [{"node": ...}]}``, so both load identical rows.

Orders come three ways with the same values: `order_row` (a dict per order, for reads
that hand dlt dicts), `order_table` (Arrow columns gathered from the nodes, no dict per
order or line: the Arrow path of paged reads) and `order_table_of_lines` (a bulk export's
lines parsed by Arrow's JSON reader straight into those columns, no Python object per
value: hundreds of thousands of orders). Tests hold the three to one table
(tests/sources/shopify/test_order_table.py).

Money: Shopify sends ``MoneyBag.shopMoney.amount`` as a Decimal *string* ("24.99") in
the shop's currency; it stays an exact `Decimal` here. Tags (a list) become Shopify's classic
comma-separated string rather than a child table per tag.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ...framework import parse_datetime

Node = dict[str, Any]


def money(bag: Any) -> Decimal | None:
    """``{"shopMoney": {"amount": "24.99"}}`` -> Decimal("24.99") (None when absent)."""
    amount = ((bag or {}).get("shopMoney") or {}).get("amount") if isinstance(bag, dict) else None
    return Decimal(str(amount)) if amount not in (None, "") else None


def when(value: Any) -> datetime | None:
    return parse_datetime(value) if value else None


def ref(obj: Any) -> str | None:
    """``customer { id }`` -> the id (None for guest checkouts, deleted products...)."""
    return obj.get("id") if isinstance(obj, dict) else None


def tags(value: Any) -> str | None:
    if isinstance(value, list):
        return ", ".join(str(t) for t in value)
    return value


def nodes(connection: Any) -> list[Node]:
    edges = (connection.get("edges") or []) if isinstance(connection, dict) else []
    return [edge["node"] for edge in edges if isinstance(edge, dict) and edge.get("node") is not None]


def _visit(visit: Any) -> dict[str, Any]:
    visit = visit if isinstance(visit, dict) else {}
    utm = visit.get("utmParameters") or {}
    return {
        "landing_page_url": visit.get("landingPage"),
        "referrer_url": visit.get("referrerUrl"),
        "source": visit.get("source"),
        "utm_source": utm.get("source"),
        "utm_medium": utm.get("medium"),
        "utm_campaign": utm.get("campaign"),
        "utm_content": utm.get("content"),
        "utm_term": utm.get("term"),
    }


def order_row(node: Node) -> dict[str, Any]:
    """One ``shopify_orders`` row; its line items become ``shopify_orders__line_items``.

    Attribution columns describe the session that led to the order: the journey's last
    visit, or its first when Shopify recorded only one. ``first_*`` keep the first visit
    for first-touch models. Orders without an online session (POS, drafts) leave them null.
    """
    journey = node.get("customerJourneySummary") or {}
    first = _visit(journey.get("firstVisit"))
    last = _visit(journey.get("lastVisit") or journey.get("firstVisit"))
    order_id = node.get("id")
    return {
        "id": order_id,
        "name": node.get("name"),
        "number": node.get("number"),
        "created_at": when(node.get("createdAt")),
        "updated_at": when(node.get("updatedAt")),
        "processed_at": when(node.get("processedAt")),
        "closed_at": when(node.get("closedAt")),
        "cancelled_at": when(node.get("cancelledAt")),
        "cancel_reason": node.get("cancelReason"),
        "currency_code": node.get("currencyCode"),
        "total_price": money(node.get("totalPriceSet")),
        "subtotal_price": money(node.get("subtotalPriceSet")),
        "total_discounts": money(node.get("totalDiscountsSet")),
        "total_tax": money(node.get("totalTaxSet")),
        "total_shipping": money(node.get("totalShippingPriceSet")),
        "total_refunded": money(node.get("totalRefundedSet")),
        "current_total_price": money(node.get("currentTotalPriceSet")),
        "current_subtotal_price": money(node.get("currentSubtotalPriceSet")),
        "current_total_discounts": money(node.get("currentTotalDiscountsSet")),
        "current_total_tax": money(node.get("currentTotalTaxSet")),
        "discount_codes": tags(node.get("discountCodes")) or None,
        "financial_status": node.get("displayFinancialStatus"),
        "fulfillment_status": node.get("displayFulfillmentStatus"),
        "customer_id": ref(node.get("customer")),
        "source_name": node.get("sourceName"),
        "tags": tags(node.get("tags")),
        "test": bool(node.get("test")),
        **{key: last[key] for key in ("landing_page_url", "referrer_url", "utm_source", "utm_medium",
                                      "utm_campaign", "utm_content", "utm_term")},
        "visit_source": last["source"],
        "first_landing_page_url": first["landing_page_url"],
        "first_referrer_url": first["referrer_url"],
        "first_utm_source": first["utm_source"],
        "first_utm_medium": first["utm_medium"],
        "first_utm_campaign": first["utm_campaign"],
        "line_items": [line_item_row(item, order_id) for item in nodes(node.get("lineItems"))],
    }


def order_table(batch: list[Node], contract: Any, stream: str = "") -> Any:
    """The rows `order_row` makes, as one Arrow table built column by column (`arrow.columns_to_arrow`):
    the same fields, read the same way, the line items a ``list<struct>`` column."""
    from ...framework.arrow import columns_to_arrow, timestamps

    field = _fields_of(batch, _ORDER_FIELDS)
    journeys = [journey or {} for journey in field["customerJourneySummary"]]
    first = [journey.get("firstVisit") for journey in journeys]
    last = [journey.get("lastVisit") or visit for journey, visit in zip(journeys, first)]
    items = [nodes(connection) for connection in field["lineItems"]]
    lines = _fields_of([item for order in items for item in order], _LINE_FIELDS)
    columns = {
        **{column: field[key] for column, key in _AS_IS.items()},
        **{column: timestamps(field[key]) for column, key in _TIMES.items()},
        **{column: amounts(field[key]) for column, key in _ORDER_MONEY.items()},
        "discount_codes": [tags(value) or None for value in field["discountCodes"]],
        "customer_id": [ref(value) for value in field["customer"]],
        "tags": [tags(value) for value in field["tags"]],
        "test": [bool(value) for value in field["test"]],
        **_visit_columns(last, _LAST_VISIT),
        **_visit_columns(first, _FIRST_VISIT),
    }
    line_columns = {
        "id": lines["id"],
        "order_id": [order_id for order_id, order in zip(field["id"], items) for _ in order],
        "title": lines["title"],
        "quantity": lines["quantity"],
        "sku": lines["sku"],
        "variant_id": [ref(value) for value in lines["variant"]],
        "product_id": [ref(value) for value in lines["product"]],
        "unit_price": amounts(lines["originalUnitPriceSet"]),
        "discounted_total": amounts(lines["discountedTotalSet"]),
    }
    return columns_to_arrow(columns, len(batch), contract, stream,
                            children={"line_items": (line_columns, [len(order) for order in items])})


def order_table_of_lines(batch: Any, contract: Any, stream: str = "") -> Any:
    """`order_table` of a bulk export's lines (`bulk.LineBatch`) parsed by Arrow's JSON reader straight
    into columns, no Python object per value; None when Arrow refuses a line (a value of another
    type than Shopify documents) or the batch holds what only Python reads alike (an empty
    ``lastVisit``, a null tag): the caller then reads the batch's nodes (`order_table`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ...framework.arrow import columns_to_arrow, read_json_lines, timestamps

    parent_lines = batch.parent_lines()
    line_lines, owners = batch.child_lines("lineItems")
    if any(_EMPTY_VISIT.search(line) for line in parent_lines if b'"lastVisit"' in line):
        return None  # `{}` is a falsy dict: `order_row` takes the first visit then, Arrow cannot tell
    orders, lines = read_json_lines(parent_lines, _ORDER_JSON()), read_json_lines(line_lines, _LINE_JSON())
    if orders is None or lines is None:
        return None
    field = {name: orders[name].chunk(0) if orders.num_rows else pa.array([], orders.schema.field(name).type)
             for name in orders.column_names}
    item = {name: lines[name].chunk(0) if lines.num_rows else pa.array([], lines.schema.field(name).type)
            for name in lines.column_names}
    joined = {}
    for key in ("tags", "discountCodes"):
        if pc.list_flatten(field[key]).null_count:
            return None  # `tags` writes a null tag as "None"
        joined[key] = pc.binary_join(field[key], ", ")
    journey = field["customerJourneySummary"]
    first, last = pc.struct_field(journey, "firstVisit"), pc.struct_field(journey, "lastVisit")
    last = pc.if_else(pc.is_valid(last), last, first)
    per_order = [0] * orders.num_rows
    for owner in owners:
        per_order[owner] += 1
    columns = {
        **{column: field[key] for column, key in _AS_IS.items()},
        **{column: timestamps(field[key]) for column, key in _TIMES.items()},
        **{column: _amounts_of(field[key]) for column, key in _ORDER_MONEY.items()},
        "discount_codes": pc.if_else(pc.equal(joined["discountCodes"], ""), pa.scalar(None, pa.string()), joined["discountCodes"]),
        "customer_id": pc.struct_field(field["customer"], "id"),
        "tags": joined["tags"],
        "test": pc.fill_null(field["test"], False),
        **{column: _visit_of(last, key) for column, key in _LAST_VISIT.items()},
        **{column: _visit_of(first, key) for column, key in _FIRST_VISIT.items()},
    }
    line_columns = {
        "id": item["id"],
        "order_id": pc.take(field["id"], pa.array(owners, pa.int64())),
        "title": item["title"],
        "quantity": item["quantity"],
        "sku": item["sku"],
        "variant_id": pc.struct_field(item["variant"], "id"),
        "product_id": pc.struct_field(item["product"], "id"),
        "unit_price": _amounts_of(item["originalUnitPriceSet"]),
        "discounted_total": _amounts_of(item["discountedTotalSet"]),
    }
    return columns_to_arrow(columns, orders.num_rows, contract, stream, children={"line_items": (line_columns, per_order)})


def _amounts_of(bags: Any) -> Any:
    import pyarrow.compute as pc

    return pc.struct_field(bags, ["shopMoney", "amount"])


_VISIT_PATHS = {"landing_page_url": ["landingPage"], "referrer_url": ["referrerUrl"], "source": ["source"],
                **{f"utm_{key}": ["utmParameters", key] for key in ("source", "medium", "campaign", "content", "term")}}


def _visit_of(visits: Any, key: str) -> Any:
    import pyarrow.compute as pc

    return pc.struct_field(visits, _VISIT_PATHS[key])


_EMPTY_VISIT = re.compile(rb'"lastVisit"\s*:\s*\{\s*\}')


@lru_cache(maxsize=1)
def _ORDER_JSON() -> Any:
    """The fields of an order node `order_row` reads, typed as the GraphQL Admin API documents them."""
    import pyarrow as pa

    text = pa.string()
    money = pa.struct([("shopMoney", pa.struct([("amount", text)]))])
    visit = pa.struct([("landingPage", text), ("referrerUrl", text), ("source", text),
                       ("utmParameters", pa.struct([(key, text) for key in ("source", "medium", "campaign", "content", "term")]))])
    return pa.schema([
        ("id", text), ("name", text), ("number", pa.int64()), *[(key, text) for key in _TIMES.values()],
        ("cancelReason", text), ("currencyCode", text), *[(key, money) for key in _ORDER_MONEY.values()],
        ("discountCodes", pa.list_(text)), ("displayFinancialStatus", text), ("displayFulfillmentStatus", text),
        ("customer", pa.struct([("id", text)])), ("sourceName", text), ("tags", pa.list_(text)), ("test", pa.bool_()),
        ("customerJourneySummary", pa.struct([("firstVisit", visit), ("lastVisit", visit)])),
    ])


@lru_cache(maxsize=1)
def _LINE_JSON() -> Any:
    import pyarrow as pa

    text = pa.string()
    money = pa.struct([("shopMoney", pa.struct([("amount", text)]))])
    return pa.schema([("id", text), ("title", text), ("quantity", pa.int64()), ("sku", text),
                      ("variant", pa.struct([("id", text)])), ("product", pa.struct([("id", text)])),
                      ("originalUnitPriceSet", money), ("discountedTotalSet", money)])


#: Columns of `order_table` read the same way from a field of the node.
#: Order columns the nodes' fields fill as they are (column: field), in every build.
_AS_IS = {
    "id": "id", "name": "name", "number": "number", "cancel_reason": "cancelReason", "currency_code": "currencyCode",
    "financial_status": "displayFinancialStatus", "fulfillment_status": "displayFulfillmentStatus",
    "source_name": "sourceName",
}
_TIMES = {"created_at": "createdAt", "updated_at": "updatedAt", "processed_at": "processedAt", "closed_at": "closedAt",
          "cancelled_at": "cancelledAt"}
_ORDER_MONEY = {
    "total_price": "totalPriceSet", "subtotal_price": "subtotalPriceSet", "total_discounts": "totalDiscountsSet",
    "total_tax": "totalTaxSet", "total_shipping": "totalShippingPriceSet", "total_refunded": "totalRefundedSet",
    "current_total_price": "currentTotalPriceSet", "current_subtotal_price": "currentSubtotalPriceSet",
    "current_total_discounts": "currentTotalDiscountsSet", "current_total_tax": "currentTotalTaxSet",
}
#: The node fields `order_table` reads (an order's, a line item's).
_ORDER_FIELDS = ("id", "name", "number", *_TIMES.values(), "cancelReason", "currencyCode", *_ORDER_MONEY.values(),
                 "discountCodes", "displayFinancialStatus", "displayFulfillmentStatus", "customer", "sourceName", "tags",
                 "test", "customerJourneySummary", "lineItems")
_LINE_FIELDS = ("id", "title", "quantity", "sku", "variant", "product", "originalUnitPriceSet", "discountedTotalSet")
#: Attribution columns (see `order_row`): the last visit's, and the first visit's ``first_*``.
_LAST_VISIT = {"landing_page_url": "landing_page_url", "referrer_url": "referrer_url", "utm_source": "utm_source",
               "utm_medium": "utm_medium", "utm_campaign": "utm_campaign", "utm_content": "utm_content",
               "utm_term": "utm_term", "visit_source": "source"}
_FIRST_VISIT = {"first_landing_page_url": "landing_page_url", "first_referrer_url": "referrer_url",
                "first_utm_source": "utm_source", "first_utm_medium": "utm_medium", "first_utm_campaign": "utm_campaign"}


def _fields_of(batch: list[Node], keys: tuple[str, ...]) -> dict[str, list[Any]]:
    """``{key: [node.get(key) for node in batch]}``, each node visited once (a pass per key costs twice as much)."""
    if not batch:
        return {key: [] for key in keys}
    return dict(zip(keys, map(list, zip(*[tuple(map(node.get, keys)) for node in batch]))))


def _visit_columns(visits: list[Any], names: dict[str, str]) -> dict[str, list[Any]]:
    """`_visit`'s fields of each order's visit as columns named by `names` (None: no visit)."""
    found = [visit if isinstance(visit, dict) else {} for visit in visits]
    utm = [visit.get("utmParameters") or {} for visit in found]
    fields = {"landing_page_url": (found, "landingPage"), "referrer_url": (found, "referrerUrl"), "source": (found, "source"),
              **{f"utm_{key}": (utm, key) for key in ("source", "medium", "campaign", "content", "term")}}
    return {column: [part.get(name) for part in parts] for column, (parts, name) in
            ((column, fields[key]) for column, key in names.items())}


def amounts(bags: list[Any]) -> list[Any]:
    """`amount` of each money bag (``{"shopMoney": {"amount": "24.99"}}`` or null), as a column."""
    try:
        return [None if bag is None else bag["shopMoney"]["amount"] for bag in bags]
    except (KeyError, TypeError, IndexError):  # a bag of another shape: read as `money` reads it
        return [amount(bag) for bag in bags]


def amount(bag: Any) -> Any:
    """`money`'s amount as sent (``"24.99"``), for a column Arrow casts to decimals at once."""
    value = ((bag or {}).get("shopMoney") or {}).get("amount") if isinstance(bag, dict) else None
    return None if value == "" else value


def line_item_row(node: Node, order_id: str) -> dict[str, Any]:
    return {
        "id": node.get("id"),
        "order_id": order_id,
        "title": node.get("title"),
        "quantity": node.get("quantity"),
        "sku": node.get("sku"),
        "variant_id": ref(node.get("variant")),
        "product_id": ref(node.get("product")),
        "unit_price": money(node.get("originalUnitPriceSet")),
        "discounted_total": money(node.get("discountedTotalSet")),
    }


def shop_row(node: Node) -> dict[str, Any]:
    """The one ``shopify_shop`` row: the shop's id, name, currency and IANA time zone."""
    return {
        "id": node.get("id"),
        "name": node.get("name"),
        "myshopify_domain": node.get("myshopifyDomain"),
        "currency_code": node.get("currencyCode"),
        "iana_timezone": node.get("ianaTimezone"),
        "taxes_included": node.get("taxesIncluded"),
        "updated_at": when(node.get("updatedAt")),
    }


def product_row(node: Node) -> dict[str, Any]:
    return {
        "id": node.get("id"),
        "title": node.get("title"),
        "handle": node.get("handle"),
        "vendor": node.get("vendor"),
        "product_type": node.get("productType"),
        "status": node.get("status"),
        "tags": tags(node.get("tags")),
        "created_at": when(node.get("createdAt")),
        "updated_at": when(node.get("updatedAt")),
        "published_at": when(node.get("publishedAt")),
    }


def customer_row(node: Node) -> dict[str, Any]:
    spent = node.get("amountSpent") or {}
    count = node.get("numberOfOrders")  # UnsignedInt64: a string of digits
    return {
        "id": node.get("id"),
        "state": node.get("state"),
        "tags": tags(node.get("tags")),
        "number_of_orders": int(count) if count not in (None, "") else None,
        "amount_spent": Decimal(str(spent["amount"])) if spent.get("amount") not in (None, "") else None,
        "amount_spent_currency": spent.get("currencyCode"),
        "created_at": when(node.get("createdAt")),
        "updated_at": when(node.get("updatedAt")),
    }
