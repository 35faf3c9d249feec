"""Turn Shopify nodes into flat rows: money bags to numbers, nested objects to columns.

Both read paths (pages and bulk JSONL) hand these functions the same node shape, with
nested connections as ``{"edges": [{"node": ...}]}``, so both load identical rows.

Money: Shopify sends ``MoneyBag.shopMoney.amount`` as a Decimal *string* ("24.99") in
the shop's currency; it stays an exact `Decimal` here. Tags (a list) become Shopify's classic
comma-separated string rather than a child table per tag.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
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
