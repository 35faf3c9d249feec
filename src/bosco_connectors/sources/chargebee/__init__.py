"""Chargebee: a subscription business's invoices (paid ones as unified orders), customers and subscriptions, declared.

Reference: the Chargebee API v2 (https://apidocs.chargebee.com/docs/api), base URL
``https://{site}.chargebee.com/api/v2/`` (``{site}-test`` for a test site). Authentication is
HTTP basic auth with the site's API key as the user name and an empty password (the official
Python SDK, chargebee/chargebee-python 3.20.0, ``http_request._basic_auth_str``: ``"key:"``).
Field names and JSON types follow the SDK's typed models (``chargebee/models/{invoice,customer,
subscription}/responses.py``) and list parameters (``.../operations.py``, ``filters/filters.py``),
cross-checked with the list-invoices reference page and Airbyte's ``source-chargebee`` manifest
(``cassettes/chargebee/SOURCES.md`` names each).

Streams, each GET ``<resource>`` answering ``{"list": [{"<resource>": {...}}], "next_offset"}``:

- ``invoices``: incremental on ``updated_at`` (``updated_at[after]`` / ``updated_at[before]``,
  epoch seconds) sorted by ``sort_by[asc]=updated_at`` with ``include_deleted=true`` (a deleted
  invoice comes back with ``deleted: true``); paged by ``offset`` = the body's ``next_offset``,
  absent on the last page; ``limit`` at most 100. A refund is a credit note issued against the
  invoice (``issued_credit_notes[].cn_total``): it changes the invoice and its ``updated_at``,
  so the next run reads it again and its row is updated, never added.
- ``customers``: the same parameters; no personal data (names, email, phone, company, VAT
  number, addresses, IP, meta data).
- ``subscriptions``: the same parameters (each list item also carries its ``customer``, not
  loaded here: the customers stream has it).

Money: Chargebee sends whole numbers "in cents": hundredths of the currency unit, except for
zero-decimal currencies (JPY, KRW, ...), sent in whole units, and three-decimal currencies are
still sent in hundredths ("supports values up to two decimal places",
https://apidocs.chargebee.com/docs/api/currencies?prod_cat_ver=2). `CHARGEBEE_MINOR_UNITS`
says so; amounts load as exact decimals in each record's ``currency_code``.

Time: timestamps are epoch seconds (UTC). Each invoice names its site's time zone at creation
(``site_details_at_creation.timezone``): the unified order day is the paid day there.

Look-back: one day. Chargebee documents no delay in ``updated_at``; an invoice changed while a
run was paging is read again by the next run (the merge keeps one row per id).

Limits and errors (https://apidocs.chargebee.com/docs/api/error-handling?prod_cat_ver=2; the
codes per status from Chargebee's OpenAPI description, chargebee/openapi): 401
``api_authentication_failed`` and 403 ``api_authorization_failed`` / ``request_blocked`` stop
the sync; 429 (``api_request_limit_exceeded``, ``lock_timeout``; the plan's requests per minute
are exceeded) and 5xx are retried; 404 ``site_not_found`` fails naming the site.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.currencies import ISO_4217, MinorUnits
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.paginators import CursorInBody
from bosco_connectors.framework.params import EPOCH, WindowParams
from bosco_connectors.framework.records import EPOCH_SECONDS, Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

API_VERSION = "v2"
MAX_PAGE_SIZE = 100  # list operations: limit 1..100, default 10 (chargebee/openapi)
ONE_DAY = timedelta(days=1)

#: Chargebee's amounts: whole units for ISO 4217's zero-decimal currencies, hundredths for all
#: others (three-decimal currencies included: Chargebee keeps two decimals).
CHARGEBEE_MINOR_UNITS = MinorUnits(
    "Chargebee's currency unit (hundredths; whole units for zero-decimal currencies)",
    exceptions={code: 0 for code, exponent in ISO_4217.exceptions.items() if exponent == 0},
)


class ChargebeeConfig(SourceConfig):
    """Config of the ``chargebee`` source (plus the fields every source accepts)."""

    site: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                      description="The site's name: acme for https://acme.chargebee.com (acme-test for its test site).")
    api_key: SecretStr = Field(description="A read-only API key of the site (Settings > Configure Chargebee > API keys).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (`limit`, 1-100).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace of requests (plans allow 150 or more a minute).")

    @model_validator(mode="after")
    def _host_from_the_site(self) -> "ChargebeeConfig":
        if self.base_url is None:
            self.base_url = f"https://{self.site}.chargebee.com/api/v2/"
        return self


# -- contracts: the columns of each raw table, as Chargebee names them -------------------------


class Invoice(Contract):
    """One invoice, from GET invoices. Money in `currency_code` units, as exact decimals."""

    id: Id
    customer_id: Id | None = None
    subscription_id: Id | None = None
    recurring: bool | None = None
    first_invoice: bool | None = None
    status: str | None = Field(default=None, description="paid, posted, payment_due, not_paid, voided or pending.")
    price_type: str | None = Field(default=None, description="tax_exclusive or tax_inclusive.")
    date: dt.datetime | None = Field(default=None, description="The document date on the invoice.")
    due_date: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    voided_at: dt.datetime | None = None
    generated_at: dt.datetime | None = None
    updated_at: dt.datetime
    currency_code: str | None = None
    exchange_rate: float | None = Field(default=None, description="To the site's base currency (a rate, not money).")
    sub_total: Decimal | None = None
    discount_total: Decimal | None = Field(default=None, description="discounts[].amount summed.")
    tax: Decimal | None = None
    total: Decimal | None = None
    amount_paid: Decimal | None = None
    amount_adjusted: Decimal | None = None
    amount_due: Decimal | None = None
    credits_applied: Decimal | None = None
    write_off_amount: Decimal | None = None
    round_off_amount: Decimal | None = None
    new_sales_amount: Decimal | None = None
    refund_total: Decimal | None = Field(default=None, description="issued_credit_notes[].cn_total summed, voided ones left out.")
    coupon_ids: str | None = Field(default=None, description="discounts[].entity_id of coupon discounts, comma-separated.")
    dunning_status: str | None = None
    channel: str | None = None
    business_entity_id: str | None = None
    site_timezone: str | None = Field(default=None, description="site_details_at_creation.timezone (IANA).")
    deleted: bool | None = None
    resource_version: int | None = None


class Customer(Contract):
    """One customer without personal data, from GET customers."""

    id: Id
    created_at: dt.datetime | None = None
    updated_at: dt.datetime
    auto_collection: str | None = None
    net_term_days: int | None = None
    allow_direct_debit: bool | None = None
    taxability: str | None = None
    locale: str | None = None
    channel: str | None = None
    card_status: str | None = None
    customer_type: str | None = None
    preferred_currency_code: str | None = None
    promotional_credits: Decimal | None = Field(default=None, description="In preferred_currency_code units.")
    refundable_credits: Decimal | None = Field(default=None, description="In preferred_currency_code units.")
    excess_payments: Decimal | None = Field(default=None, description="In preferred_currency_code units.")
    unbilled_charges: Decimal | None = Field(default=None, description="In preferred_currency_code units.")
    business_entity_id: str | None = None
    pii_cleared: str | None = None
    deleted: bool | None = None
    resource_version: int | None = None


class Subscription(Contract):
    """One subscription, from GET subscriptions. Money in `currency_code` units."""

    id: Id
    customer_id: Id | None = None
    currency_code: str | None = None
    status: str | None = Field(default=None, description="future, in_trial, active, non_renewing, paused, cancelled, transferred.")
    billing_period: int | None = None
    billing_period_unit: str | None = Field(default=None, description="day, week, month or year.")
    auto_collection: str | None = None
    remaining_billing_cycles: int | None = None
    created_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    activated_at: dt.datetime | None = None
    trial_start: dt.datetime | None = None
    trial_end: dt.datetime | None = None
    current_term_start: dt.datetime | None = None
    current_term_end: dt.datetime | None = None
    next_billing_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    cancel_reason_code: str | None = None
    updated_at: dt.datetime
    mrr: Decimal | None = Field(default=None, description="Monthly recurring revenue, in currency_code units.")
    total_dues: Decimal | None = None
    due_invoices_count: int | None = None
    channel: str | None = None
    business_entity_id: str | None = None
    deleted: bool | None = None
    resource_version: int | None = None


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://{site}.chargebee.com/api/v2/",  # the config's site names the host (see ChargebeeConfig)
    auth=Basic("api_key", None),
    errors=ErrorMap(
        # Every error answer carries ``api_error_code`` (no list body does): with it, even an HTTP 200 is an error.
        "Chargebee", code="api_error_code", message="message",
        codes={"api_authentication_failed": Action.AUTH, "basic_authentication_failed": Action.AUTH,
               "api_authorization_failed": Action.AUTH, "request_blocked": Action.AUTH,
               "api_request_limit_exceeded": Action.RETRY, "third_party_api_request_limit_exceeded": Action.RETRY,
               "lock_timeout": Action.RETRY, "site_not_ready": Action.RETRY, "internal_temporary_error": Action.RETRY,
               "db_connection_failure": Action.RETRY, "site_read_only_mode": Action.RETRY},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the site name and that the API key is a (read-only) key of that site"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

UPDATED = WindowParams("updated_at[after]", "updated_at[before]", format=EPOCH, end_exclusive=True)
TIMES = ("date", "due_date", "paid_at", "voided_at", "generated_at", "updated_at", "created_at", "started_at",
         "activated_at", "trial_start", "trial_end", "current_term_start", "current_term_end", "next_billing_at",
         "cancelled_at")
MONEY = {
    "invoices": ("sub_total", "tax", "total", "amount_paid", "amount_adjusted", "amount_due", "credits_applied",
                 "write_off_amount", "round_off_amount", "new_sales_amount"),
    "customers": ("promotional_credits", "refundable_credits", "excess_payments", "unbilled_charges"),
    "subscriptions": ("mrr", "total_dues"),
}
CURRENCY_OF = {"invoices": "currency_code", "customers": "preferred_currency_code", "subscriptions": "currency_code"}


def _invoice_extras(row: dict[str, Any]) -> None:
    """Discounts, coupons, refunds (issued credit notes) and the site's zone, from the invoice's lists."""
    discounts = [d for d in row.get("discounts") or [] if isinstance(d, dict)]
    row["discount_total"] = sum((int(d.get("amount") or 0) for d in discounts), 0)
    coupons = [str(d["entity_id"]) for d in discounts if d.get("entity_id") and "coupon" in str(d.get("entity_type"))]
    row["coupon_ids"] = ",".join(dict.fromkeys(coupons)) or None
    notes = [n for n in row.get("issued_credit_notes") or [] if isinstance(n, dict) and n.get("cn_status") != "voided"]
    row["refund_total"] = sum((int(n.get("cn_total") or 0) for n in notes), 0)
    row["site_timezone"] = (row.get("site_details_at_creation") or {}).get("timezone")


def _shaper(name: str, contract: type[Contract]):
    """The row of one list item: the resource's own fields (flattened by `Records`), money in
    currency units by the row's currency, only the contract's columns (no personal data)."""
    money = MONEY[name] + (("discount_total", "refund_total") if name == "invoices" else ())
    keep = set(contract.model_fields)

    def shape(row: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
        if name == "invoices":
            _invoice_extras(row)
        currency = row.get(CURRENCY_OF[name])
        for field in money:
            if field in row:
                row[field] = CHARGEBEE_MINOR_UNITS.to_currency(row[field], currency)
        return {k: v for k, v in row.items() if k in keep}

    return shape


def _list(name: str, item: str, size: int, contract: type[Contract], description: str, unified: Any = None) -> RestStream:
    return RestStream(
        name=name, description=description, path=name, window=UPDATED,
        params={"limit": size, "sort_by[asc]": "updated_at", "include_deleted": "true"},
        paginator=lambda: CursorInBody("next_offset", "offset"),
        records=Records("list", flatten=(item,), formats={t: EPOCH_SECONDS for t in TIMES if t in contract.model_fields}),
        transform=_shaper(name, contract), contract=contract, primary_key=("id",),
        cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY), unified=unified,
    )


def streams(config: ChargebeeConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        _list(
            "invoices", "invoice", size, Invoice,
            "Invoices: totals, tax, discounts, payments, refunds (issued credit notes), status, the site's time zone.",
            unified=Maps(
                "orders", where="status = 'paid'",
                order_id="id", order_number="id", customer_id="customer_id", store_id=Const("site"),
                order_date=DayOf("paid_at", "site_timezone"), created_at="date", updated_at="updated_at",
                currency="currency_code", gross="sub_total", discounts="discount_total", refunds="refund_total",
                tax="tax", total="total", status="status", is_cancelled=Expr("coalesce(deleted, false)"),
                source_name="channel", discount_codes="coupon_ids",
                meanings={"store_id": "the Chargebee site (one per connection: the tenant)",
                          "order_date": "the day of paid_at in the site's time zone at the invoice's creation",
                          "gross": "sub_total: the line items before invoice-level discounts, without tax",
                          "discounts": "discounts[].amount summed (coupons, credits as discounts)",
                          "refunds": "issued_credit_notes[].cn_total summed (refundable credit notes, voided ones left out)",
                          "total": "total: after discounts, with tax",
                          "is_cancelled": "deleted (include_deleted=true returns deleted invoices)",
                          "source_name": "channel: web, app_store or play_store",
                          "discount_codes": "the coupon ids of the invoice's discounts"},
            ),
        ),
        _list("customers", "customer", size, Customer,
              "Customers without personal data: billing settings, credits, preferred currency."),
        _list("subscriptions", "subscription", size, Subscription,
              "Subscriptions: status, billing period, terms, trial, cancellation, MRR."),
    ]


connector = declare(
    "chargebee", title="Chargebee", api=API, config=ChargebeeConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://apidocs.chargebee.com/docs/api", category="commerce",
    support_policy="https://apidocs.chargebee.com/docs/api (v2 is current; v1 is the older API)",
    description="Chargebee subscriptions: invoices (paid ones as unified orders, credit-note refunds as updates), customers, subscriptions.",
    error_example={"message": "Sorry, authentication failed. Invalid api key", "type": "untyped",
                   "api_error_code": "api_authentication_failed"},
)
source = source_function(connector)

__all__ = ["CHARGEBEE_MINOR_UNITS", "connector", "source", "ChargebeeConfig"]
