"""The columns of each Square table, named as Square names them (Square-Version 2026-08-19).

Money stays as Square sends it: Money objects ``{"amount": <integer>, "currency": "USD"}``
whose amount is "in the smallest denomination of the currency" (cents for USD, whole yen
for JPY); they load as ``<field>__amount`` and ``<field>__currency`` columns. Times are RFC
3339 text and load as UTC timestamps. Fields not declared here load as Square sends them
(nested objects become ``parent__child`` columns, lists child tables).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from ...framework import ChildContract, Contract, Id


class Location(Contract):
    """A seller location (GET /v2/locations): its time zone is the day of its payments."""

    id: Id
    name: str | None = None
    business_name: str | None = None
    timezone: str | None = Field(default=None, description="IANA time zone of the location (America/Los_Angeles).")
    currency: str | None = None
    country: str | None = None
    merchant_id: str | None = None
    status: str | None = None
    type: str | None = None
    created_at: dt.datetime | None = None


class Payment(Contract):
    """A payment (GET /v2/payments, per location), with ``refunded_money`` so far. The Money
    fields the unified orders read are declared, so their columns exist before the first
    refund or tip."""

    id: Id
    location_id: str
    amount_money__amount: int | None = Field(default=None, description="amount_money.amount: without the tip, smallest denomination.")
    amount_money__currency: str | None = None
    total_money__amount: int | None = Field(default=None, description="total_money.amount: with the tip.")
    total_money__currency: str | None = None
    tip_money__amount: int | None = None
    refunded_money__amount: int | None = Field(default=None, description="refunded_money.amount: refunded to date.")
    application_details__square_product: str | None = None
    order_id: str | None = None
    customer_id: str | None = None
    status: str | None = Field(default=None, description="APPROVED, PENDING, COMPLETED, CANCELED or FAILED.")
    source_type: str | None = None
    receipt_number: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    delayed_until: dt.datetime | None = None


class PaymentRefund(Contract):
    """A refund of a payment (GET /v2/refunds)."""

    id: Id
    location_id: str | None = None
    payment_id: str | None = None
    order_id: str | None = None
    status: str | None = None
    reason: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class OrderLineItem(ChildContract):
    """A line item of an order (``line_items[]``, Square's OrderLineItem), loaded as table
    ``square_orders__line_items``: its ``order_id`` is filled from the order (Square's line items
    name none), and its money objects become ``<name>__amount`` and ``<name>__currency`` columns."""

    uid: Id = Field(description="Identifies the line item within its order only.")
    name: str | None = None
    quantity: str | None = Field(default=None, description="A decimal as text, as sent (\"2\", \"1.5\").")
    catalog_object_id: str | None = None
    # Money: amounts in the currency's smallest unit (cents), as Square sends them. A field no
    # contract declares is text on the Arrow path (`docs/schema-drift.md`).
    base_price_money__amount: int | None = None
    base_price_money__currency: str | None = None
    gross_sales_money__amount: int | None = None
    total_tax_money__amount: int | None = None
    total_discount_money__amount: int | None = None
    total_money__amount: int | None = None


class Order(Contract):
    """An order (POST /v2/orders/search). Returns are orders of their own that name the sale
    order in ``returns[].source_order_id``: a sale order is not changed by its return."""

    id: Id
    location_id: str
    customer_id: str | None = None
    state: str | None = None
    version: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None = None
    metadata: dict[str, Any] | None = None
    line_items: list[OrderLineItem] | None = None


class Customer(Contract):
    """A customer profile (POST /v2/customers/search)."""

    id: Id
    given_name: str | None = None
    family_name: str | None = None
    email_address: str | None = None
    creation_source: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int | None = None


__all__ = ["Customer", "Location", "Order", "Payment", "PaymentRefund"]
