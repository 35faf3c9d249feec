"""The columns of each Stripe table, named as Stripe names them (API 2026-07-29.dahlia).

Money stays as Stripe sends it: integers in the smallest unit of the row's ``currency``
(cents for USD, whole yen for JPY, thousandths for KWD); the unified ``orders`` fact
converts per currency (`STRIPE_MINOR_UNITS`). Times arrive as Unix seconds and load as
UTC timestamps. Fields not declared here load as Stripe sends them (nested objects become
``parent__child`` columns, lists child tables); ``metadata`` (your own keys) is one JSON
column. ``updated`` is ours: when the row last changed as far as a sync has seen (its
``created``, or the time of the latest event that carried the object).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from ...framework import Contract, Id

_UPDATED = Field(description="When the row last changed as far as a sync has seen: created, or the latest event's time.")
_MINOR = "In the smallest unit of currency (cents; whole units for zero-decimal currencies such as JPY)."


class Account(Contract):
    """The account of the API key (GET /v1/account): its Dashboard time zone decides the orders' day."""

    id: Id
    object: str | None = None
    business_profile__name: str | None = Field(default=None, description="business_profile.name: the customer-facing business name.")
    settings__dashboard__timezone: str | None = Field(default=None, description="settings.dashboard.timezone (IANA).")
    business_type: str | None = None
    charges_enabled: bool | None = None
    country: str | None = None
    created: dt.datetime | None = None
    default_currency: str | None = None
    email: str | None = None
    type: str | None = None
    metadata: dict[str, Any] | None = None


class Charge(Contract):
    """One attempt to move money into the account (GET /v1/charges)."""

    id: Id
    amount: int = Field(description="Amount intended to be collected. " + _MINOR)
    amount_captured: int | None = Field(default=None, description="Amount captured (0 for failed or uncaptured charges). " + _MINOR)
    amount_refunded: int | None = Field(default=None, description="Amount refunded so far. " + _MINOR)
    balance_transaction: str | None = None
    captured: bool | None = None
    created: dt.datetime
    currency: str = Field(description="Three-letter ISO code, lower case (usd).")
    customer: str | None = None
    description: str | None = None
    disputed: bool | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    livemode: bool | None = None
    metadata: dict[str, Any] | None = None
    paid: bool | None = None
    payment_intent: str | None = None
    payment_method: str | None = None
    receipt_email: str | None = None
    refunded: bool | None = Field(default=None, description="Fully refunded (a partial refund leaves it false).")
    status: str | None = Field(default=None, description="succeeded, pending or failed.")
    updated: dt.datetime = _UPDATED


class PaymentIntent(Contract):
    """A payment's lifecycle (GET /v1/payment_intents); its charges are in ``charges``. The
    ``client_secret`` is never loaded."""

    id: Id
    amount: int = Field(description="Amount intended to be collected. " + _MINOR)
    amount_capturable: int | None = None
    amount_received: int | None = Field(default=None, description="Amount received. " + _MINOR)
    canceled_at: dt.datetime | None = None
    cancellation_reason: str | None = None
    capture_method: str | None = None
    created: dt.datetime
    currency: str
    customer: str | None = None
    description: str | None = None
    latest_charge: str | None = None
    livemode: bool | None = None
    metadata: dict[str, Any] | None = None
    payment_method: str | None = None
    status: str | None = None
    updated: dt.datetime = _UPDATED


class Refund(Contract):
    """A refund of a charge (GET /v1/refunds); its charge's ``amount_refunded`` sums them."""

    id: Id
    amount: int = Field(description=_MINOR)
    balance_transaction: str | None = None
    charge: str | None = None
    created: dt.datetime
    currency: str
    metadata: dict[str, Any] | None = None
    payment_intent: str | None = None
    reason: str | None = None
    receipt_number: str | None = None
    status: str | None = None
    updated: dt.datetime = _UPDATED


class BalanceTransaction(Contract):
    """A movement of the account's balance (GET /v1/balance_transactions): gross, Stripe's fee, net,
    in the balance's (settlement) currency."""

    id: Id
    amount: int = Field(description="Gross amount, in the settlement currency. " + _MINOR)
    available_on: dt.datetime | None = None
    created: dt.datetime
    currency: str
    description: str | None = None
    exchange_rate: float | None = Field(default=None, description="Charge currency -> settlement currency, when they differ.")
    fee: int | None = Field(default=None, description=_MINOR)
    net: int | None = Field(default=None, description="amount - fee. " + _MINOR)
    reporting_category: str | None = None
    source: str | None = Field(default=None, description="The charge, refund, payout... that moved the balance.")
    status: str | None = Field(default=None, description="pending or available.")
    type: str | None = None


class Customer(Contract):
    """A customer (GET /v1/customers)."""

    id: Id
    balance: int | None = None
    created: dt.datetime
    currency: str | None = None
    delinquent: bool | None = None
    description: str | None = None
    email: str | None = None
    livemode: bool | None = None
    metadata: dict[str, Any] | None = None
    name: str | None = None
    updated: dt.datetime = _UPDATED


class Subscription(Contract):
    """A recurring payment (GET /v1/subscriptions?status=all: canceled ones too)."""

    id: Id
    cancel_at_period_end: bool | None = None
    canceled_at: dt.datetime | None = None
    collection_method: str | None = None
    created: dt.datetime
    currency: str | None = None
    customer: str | None = None
    ended_at: dt.datetime | None = None
    latest_invoice: str | None = None
    livemode: bool | None = None
    metadata: dict[str, Any] | None = None
    start_date: dt.datetime | None = None
    status: str | None = None
    trial_end: dt.datetime | None = None
    trial_start: dt.datetime | None = None
    updated: dt.datetime = _UPDATED


class Invoice(Contract):
    """An invoice (GET /v1/invoices)."""

    id: Id
    amount_due: int | None = Field(default=None, description=_MINOR)
    amount_paid: int | None = Field(default=None, description=_MINOR)
    amount_remaining: int | None = Field(default=None, description=_MINOR)
    billing_reason: str | None = None
    collection_method: str | None = None
    created: dt.datetime
    currency: str | None = None
    customer: str | None = None
    due_date: dt.datetime | None = None
    livemode: bool | None = None
    metadata: dict[str, Any] | None = None
    number: str | None = None
    period_end: dt.datetime | None = None
    period_start: dt.datetime | None = None
    status: str | None = None
    subtotal: int | None = Field(default=None, description=_MINOR)
    total: int | None = Field(default=None, description=_MINOR)
    updated: dt.datetime = _UPDATED


class Event(Contract):
    """A change in the account (GET /v1/events, kept 30 days): ``data.object`` is the object as it
    was then, rendered in the event's ``api_version``."""

    id: Id
    api_version: str | None = None
    created: dt.datetime
    data: dict[str, Any] | None = Field(default=None, description="{object, previous_attributes}, as JSON.")
    livemode: bool | None = None
    pending_webhooks: int | None = None
    request: dict[str, Any] | None = None
    type: str


__all__ = ["Account", "BalanceTransaction", "Charge", "Customer", "Event", "Invoice", "PaymentIntent", "Refund", "Subscription"]
