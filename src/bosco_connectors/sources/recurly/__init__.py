"""Recurly: a subscription site's invoices (paid charge invoices as unified orders), accounts and subscriptions, declared.

Reference: the Recurly API v3, version v2021-02-25 (https://recurly.com/developers/api/v2021-02-25/),
from Recurly's OpenAPI description of that version (``openapi/api.yaml`` of recurly/recurly-client-python).
Host ``https://v3.recurly.com`` (``https://v3.eu.recurly.com`` for EU sites: set ``base_url``); the
version is asked for with ``Accept: application/vnd.recurly.v2021-02-25+json``. Authentication is HTTP
basic auth with the private API key as the user name and an empty password (the description's
``api_key`` security scheme).

Streams, each a GET list ``{"object": "list", "has_more", "next", "data": [...]}``:

- ``invoices``, ``accounts``, ``subscriptions``: incremental on ``updated_at`` (``sort=updated_at``,
  ``order=asc``, as the description advises: in descending order updated records move behind the
  cursor; ``begin_time`` / ``end_time`` inclusive ISO 8601), ``limit`` at most 200; the next page is
  the body's ``next`` path, followed as given until ``has_more`` is false (its last page has no next).
  Money is JSON numbers in the record's ``currency``, loaded as exact decimals. No personal data
  (names, emails, addresses, VAT numbers, hosted login tokens, notes).

Refunds: Recurly writes a refund as a credit invoice naming the charge invoice
(``previous_invoice_id``), and lowers the charge invoice's ``refundable_amount``, which moves its
``updated_at``: the next run reads it again and its row is updated. The unified refunds of a paid
charge invoice are ``total - refundable_amount`` (what can no longer be refunded), an inference from
the description ("the refundable amount on a charge invoice"), not a documented field of its own.

Time: Recurly's site object documents no time zone (an account's ``preferred_time_zone`` is the
customer's): unified order days are UTC days of ``closed_at`` (when a paid invoice was closed).

Look-back: one day (Recurly documents no delay in ``updated_at``). Limits: 1,000 GET requests a
minute on production sites (400 on sandbox sites) over a sliding 5-minute window; 429 when exceeded
(retried; ``X-RateLimit-Reset`` is epoch seconds). Errors: ``{"error": {"type", "message"}}``;
``unauthorized``, ``invalid_api_key``, ``invalid_permissions``, ``invalid_token`` stop the sync,
``rate_limited``, ``simultaneous_request``, ``service_not_available`` and ``internal_server_error``
are retried, ``invalid_api_version`` (406) fails naming the version.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.paginators import NextUrlInBody
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, RestStream, Stream

API_VERSION = "v2021-02-25"
MAX_PAGE_SIZE = 200  # "Limit number of records 1-200."
ONE_DAY = timedelta(days=1)


class RecurlyConfig(SourceConfig):
    """Config of the ``recurly`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A private API key of the site (Integrations > API Credentials).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (`limit`, 1-200).")
    requests_per_second: float = Field(default=5.0, gt=0, description="Pace of requests (production: 1,000 GETs a minute).")


# -- contracts: the columns of each raw table, as Recurly names them ---------------------------


class Invoice(Contract):
    """One invoice, from GET invoices. Money in `currency` units."""

    id: Id
    number: str | None = None
    account_id: Id | None = Field(default=None, description="account.id")
    account_code: str | None = Field(default=None, description="account.code: the site's own id of the customer.")
    type: str | None = Field(default=None, description="charge, credit or legacy.")
    origin: str | None = None
    state: str | None = Field(default=None, description="open, pending, processing, past_due, paid, closed, failed, voided.")
    previous_invoice_id: Id | None = Field(default=None, description="On a credit invoice: the charge invoice it refunds.")
    collection_method: str | None = None
    currency: str | None = None
    subtotal: Decimal | None = Field(default=None, description="Charges and credits before discounts and taxes.")
    discount: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    paid: Decimal | None = None
    balance: Decimal | None = None
    refundable_amount: Decimal | None = Field(default=None, description="On a charge invoice: what may still be refunded.")
    created_at: dt.datetime | None = None
    updated_at: dt.datetime
    due_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    business_entity_id: str | None = None


class Account(Contract):
    """One account (a customer) without personal data, from GET accounts."""

    id: Id
    code: str | None = None
    state: str | None = Field(default=None, description="active or inactive.")
    has_live_subscription: bool | None = None
    has_active_subscription: bool | None = None
    has_future_subscription: bool | None = None
    has_canceled_subscription: bool | None = None
    has_paused_subscription: bool | None = None
    has_past_due_invoice: bool | None = None
    preferred_locale: str | None = None
    preferred_time_zone: str | None = None
    tax_exempt: bool | None = None
    bill_to: str | None = None
    parent_account_id: Id | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


class Subscription(Contract):
    """One subscription, from GET subscriptions. Money in `currency` units."""

    id: Id
    uuid: str | None = None
    account_id: Id | None = Field(default=None, description="account.id")
    plan_id: Id | None = Field(default=None, description="plan.id")
    plan_code: str | None = Field(default=None, description="plan.code")
    state: str | None = Field(default=None, description="active, canceled, expired, failed, future, paused.")
    currency: str | None = None
    unit_amount: Decimal | None = None
    quantity: int | None = None
    add_ons_total: Decimal | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    collection_method: str | None = None
    auto_renew: bool | None = None
    remaining_billing_cycles: int | None = None
    total_billing_cycles: int | None = None
    current_period_started_at: dt.datetime | None = None
    current_period_ends_at: dt.datetime | None = None
    trial_started_at: dt.datetime | None = None
    trial_ends_at: dt.datetime | None = None
    activated_at: dt.datetime | None = None
    canceled_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    expiration_reason: str | None = None
    paused_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://v3.recurly.com/",
    auth=Basic("api_key", None),
    headers={"Accept": f"application/vnd.recurly.{API_VERSION}+json"},
    errors=ErrorMap(
        # Every error answer is ``{"error": {"type", "message"}}`` (no list body has ``error``).
        "Recurly", code="error.type", message="error.message",
        codes={"unauthorized": Action.AUTH, "invalid_api_key": Action.AUTH, "invalid_permissions": Action.AUTH,
               "invalid_token": Action.AUTH, "rate_limited": Action.RETRY, "simultaneous_request": Action.RETRY,
               "service_not_available": Action.RETRY, "internal_server_error": Action.RETRY},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the private API key (and base_url https://v3.eu.recurly.com/ for an EU site)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

UPDATED = WindowParams("begin_time", "end_time", format=DATETIME)
PERSONAL = ("email", "username", "first_name", "last_name", "company", "vat_number", "cc_emails", "address", "shipping_address",
            "shipping_addresses", "billing_info", "hosted_login_token", "custom_fields", "external_accounts", "customer_notes",
            "terms_and_conditions", "vat_reverse_charge_notes", "po_number", "exemption_certificate", "shipping")
NESTED = ("line_items", "transactions", "credit_payments", "tax_info", "subscription_ids", "coupon_redemptions", "add_ons",
          "pending_change", "ramp_intervals", "action_result", "object", "invoice_template_id", "dunning_campaign_id",
          "override_business_entity_id", "billing_info_id", "net_terms", "net_terms_type", "used_tax_service",
          "has_more_line_items", "dunning_events_sent", "final_dunning_event", "revenue_schedule_type", "tax_inclusive",
          "current_term_started_at", "current_term_ends_at", "renewal_billing_cycles", "remaining_pause_cycles",
          "bank_account_authorized_at", "gateway_code", "active_invoice_id", "started_with_gift", "converted_at", "uuid_")


def _list(name: str, size: int, contract: type[Contract], description: str, *, rename: dict[str, str] | None = None,
          unified: object = None) -> RestStream:
    times = {f: ISO_DATETIME for f, info in contract.model_fields.items() if "datetime" in str(info.annotation)}
    return RestStream(
        name=name, description=description, path=name, window=UPDATED,
        params={"limit": size, "sort": "updated_at", "order": "asc"},
        paginator=lambda: NextUrlInBody("next"),
        records=Records("data", rename=rename or {}, formats=times, drop=PERSONAL + NESTED),
        contract=contract, primary_key=("id",), arrow=True,
        cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY), unified=unified,
    )


def streams(config: RecurlyConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        _list("invoices", size, Invoice, "Invoices: charge and credit invoices, totals, discounts, tax, refundable amount.",
              rename={"account.id": "account_id", "account.code": "account_code"},
              unified=Maps(
                  "orders", where="type = 'charge' and state = 'paid'",
                  order_id="id", order_number="number", customer_id="account_id", store_id=Const("site"),
                  order_date=DayOf("closed_at"), created_at="created_at", updated_at="updated_at", currency="currency",
                  gross="subtotal", discounts="discount", refunds=Expr("total - coalesce(refundable_amount, total)"),
                  tax="tax", total="total", status="state", source_name="origin",
                  meanings={"store_id": "the Recurly site (one per API key: the tenant)",
                            "order_date": "the UTC day of closed_at (Recurly documents no site time zone)",
                            "gross": "subtotal: charges and credits before discounts and taxes",
                            "refunds": "total - refundable_amount: what can no longer be refunded (refunded so far)",
                            "source_name": "origin: purchase, renewal, immediate_change, ..."},
              )),
        _list("accounts", size, Account, "Accounts (customers) without personal data: subscription flags, locale, time zone."),
        _list("subscriptions", size, Subscription, "Subscriptions: plan, state, amounts, periods, trial, cancellation.",
              rename={"account.id": "account_id", "plan.id": "plan_id", "plan.code": "plan_code"}),
    ]


connector = declare(
    "recurly", title="Recurly", api=API, config=RecurlyConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://recurly.com/developers/api/v2021-02-25/", category="commerce",
    support_policy="https://recurly.com/developers/api/changelog.html (v2021-02-25 is the current GA version)",
    description="Recurly subscriptions: invoices (paid charge invoices as unified orders, refunds as updates), accounts, subscriptions.",
    error_example={"error": {"type": "unauthorized", "message": "Invalid API key"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "RecurlyConfig"]
