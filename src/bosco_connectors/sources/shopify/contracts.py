"""Schema contracts of the Shopify raw tables (``shopify_orders``, ``shopify_products``, ...).

Ids are Shopify's global ids as sent (``gid://shopify/Order/5123...``): unique across
resource types and what every other Admin API call expects back.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from dlt.common.libs.pydantic import DltConfig

from ...framework import ChildContract, Contract, Id


class OrderLineItem(ChildContract):
    """A row of ``shopify_orders__line_items``: the order's lines, replaced whole when the order is read again."""

    id: Id
    order_id: Id
    title: str | None = None
    quantity: int | None = None
    sku: str | None = None
    variant_id: Id | None = None
    product_id: Id | None = None
    #: Price of one unit before discounts, shop currency.
    unit_price: Decimal | None = None
    #: Line total after line-level discounts, shop currency.
    discounted_total: Decimal | None = None


class Order(Contract):
    """An order: money in the shop currency (``shopMoney``), attribution of its session."""

    # Line items are a table of their own, not a JSON column (`framework.children`): an order
    # read again replaces its lines, so items removed by an order edit disappear too.
    dlt_config: ClassVar[DltConfig] = {"skip_nested_types": True}

    id: Id
    name: str | None = None
    #: The order number behind ``name`` (not unique across shops).
    number: int | None = None
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    #: CUSTOMER, DECLINED, FRAUD, INVENTORY, STAFF or OTHER (OrderCancelReason).
    cancel_reason: str | None = None
    currency_code: str | None = None
    total_price: Decimal | None = None
    subtotal_price: Decimal | None = None
    total_discounts: Decimal | None = None
    total_tax: Decimal | None = None
    total_shipping: Decimal | None = None
    total_refunded: Decimal | None = None
    #: The ``current*`` totals: after returns, refunds and order edits.
    current_total_price: Decimal | None = None
    current_subtotal_price: Decimal | None = None
    current_total_discounts: Decimal | None = None
    current_total_tax: Decimal | None = None
    #: Discount codes used, comma-separated.
    discount_codes: str | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    customer_id: Id | None = None
    source_name: str | None = None
    tags: str | None = None
    test: bool = False
    landing_page_url: str | None = None
    referrer_url: str | None = None
    visit_source: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_content: str | None = None
    utm_term: str | None = None
    first_landing_page_url: str | None = None
    first_referrer_url: str | None = None
    first_utm_source: str | None = None
    first_utm_medium: str | None = None
    first_utm_campaign: str | None = None
    line_items: list[OrderLineItem] = []


class Shop(Contract):
    """The shop: its currency and IANA time zone (order days are the shop's days)."""

    id: Id
    name: str | None = None
    myshopify_domain: str | None = None
    currency_code: str | None = None
    iana_timezone: str | None = None
    #: Prices include tax (then subtotals include tax too).
    taxes_included: bool | None = None
    updated_at: datetime | None = None


class Product(Contract):
    id: Id
    title: str | None = None
    handle: str | None = None
    vendor: str | None = None
    product_type: str | None = None
    #: ACTIVE, ARCHIVED or DRAFT.
    status: str | None = None
    tags: str | None = None
    created_at: datetime | None = None
    updated_at: datetime
    published_at: datetime | None = None


class Customer(Contract):
    """A customer without personal data: no name, email, phone or address."""

    id: Id
    #: DISABLED, INVITED, ENABLED or DECLINED.
    state: str | None = None
    tags: str | None = None
    number_of_orders: int | None = None
    amount_spent: Decimal | None = None
    amount_spent_currency: str | None = None
    created_at: datetime | None = None
    updated_at: datetime
