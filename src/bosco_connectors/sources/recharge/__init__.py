"""Recharge: a subscription store's charges (payments), orders, customers and subscriptions, declared.

Reference: the Recharge API, version 2021-11 (https://developer.rechargepayments.com/2021-11/),
base URL ``https://api.rechargeapps.com``; the token goes in ``X-Recharge-Access-Token``, the
version in ``X-Recharge-Version: 2021-11``. Recharge publishes no machine-readable description:
field names and types follow the reference pages named in ``cassettes/recharge/SOURCES.md``,
cross-checked against two independent clients that were run against the live API (Airbyte's
``source-recharge`` schemas and recorded 2021-11 records, and the ``recharge-api`` Python
client's 2021-11 models); a field the two do not agree on is not read.

Streams:

- ``store`` (GET store): the store's id, name and currency (the token is one store's).
- ``charges`` (GET charges): the payments. Incremental on ``updated_at`` (``updated_at_min``,
  ``updated_at_max``), paged by cursor: the body's ``next_cursor`` is sent back as ``cursor``
  and is absent on the last page; a request that carries a cursor carries only it and
  ``limit`` (the cursor holds the query; https://docs.getrecharge.com/docs/using-cursor-pagination-with-the-recharge-api).
  Money is text in the charge's ``currency`` (``"24.30"``), loaded as exact decimals. A
  refund changes the charge (``total_refunds`` grows, ``status`` becomes ``refunded`` or
  ``partially_refunded``) and moves ``updated_at``, so the next run reads it again and its
  row is updated, never added.
- ``orders`` (GET orders): the orders Recharge creates in the e-commerce platform from
  processed charges (a prepaid charge makes several), incremental like charges. Not mapped
  into the unified ``orders`` (the charge is the payment; mapping both would count it twice).
- ``customers`` (GET customers) and ``subscriptions`` (GET subscriptions): incremental on
  ``updated_at`` the same way; no personal data (names, emails, phones, addresses).

Time: 2021-11 timestamps carry their offset (``"2023-05-13T04:07:34+00:00"``, UTC). Days of
the unified ``orders`` are UTC days: the 2021-11 store object's time zone field could not be
verified (one client reads ``timezone.iana_name``, the other ``iana_timezone``), so it is not
read, and a UTC day is said rather than a guessed zone.

Look-back: one day. Recharge documents no delay in ``updated_at``; a charge refunded while a
run was paging is read again by the next run (the merge keeps one row per id).

Limits (https://docs.getrecharge.com/docs/api-rate-limits): a leaky bucket of 40 calls per
token leaking 2 per second; a full bucket answers 429 (retried with back-off). Errors
(https://developer.rechargepayments.com/2021-11/#errors): 401 a bad token, 403 a token
without the scope (both stop the sync), 429 and 5xx are retried.

Unified facts: ``orders`` from charges that were paid (``success``, ``partially_refunded``,
``refunded``), with discount codes and the UTM parameters of ``analytics_data.utm_params``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Maps
from bosco_connectors.framework.paginators import CursorInBody, PageRequest
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

API_VERSION = "2021-11"
MAX_PAGE_SIZE = 250  # "Our default limit is 50 and we allow up to 250 results."
ONE_DAY = timedelta(days=1)
PAID = ("success", "partially_refunded", "refunded")
PERSONAL = ("email", "first_name", "last_name", "phone", "billing_address", "shipping_address", "client_details", "note")


class RechargeConfig(SourceConfig):
    """Config of the ``recharge`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="A Recharge API token (read scopes), sent as X-Recharge-Access-Token.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (1-250).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace of requests (the bucket leaks 2 calls per second).")


# -- contracts: the columns of each raw table, as Recharge names them --------------------------


class Store(Contract):
    """The store, from GET store."""

    id: Id
    name: str | None = None
    currency: str | None = None
    external_platform: str | None = None
    checkout_platform: str | None = None
    checkout_logo_url: str | None = None


class Charge(Contract):
    """One charge (a payment), from GET charges. Money as text in ``currency``."""

    id: Id
    customer_id: Id | None = Field(default=None, description="customer.id")
    address_id: Id | None = None
    external_order_id: str | None = Field(default=None, description="external_order_id.ecommerce: the platform's order.")
    created_at: dt.datetime
    updated_at: dt.datetime
    processed_at: dt.datetime | None = Field(default=None, description="When the charge was paid (null until processed).")
    scheduled_at: str | None = Field(default=None, description="The day the charge is scheduled for, as sent.")
    retry_date: dt.datetime | None = Field(default=None, description="When a failed charge is tried again.")
    status: str | None = None
    type: str | None = Field(default=None, description="checkout or recurring.")
    currency: str | None = None
    subtotal_price: Decimal | None = None
    total_discounts: Decimal | None = None
    total_line_items_price: Decimal | None = None
    total_price: Decimal | None = None
    total_refunds: Decimal | None = None
    total_tax: Decimal | None = None
    taxes_included: bool | None = None
    orders_count: int | None = None
    payment_processor: str | None = None
    discount_codes: str | None = Field(default=None, description="discounts[].code, comma-separated.")
    utm_source: str | None = Field(default=None, description="analytics_data.utm_params[0].utm_source")
    utm_medium: str | None = Field(default=None, description="analytics_data.utm_params[0].utm_medium")
    utm_campaign: str | None = Field(default=None, description="analytics_data.utm_params[0].utm_campaign")


class Order(Contract):
    """One order made from a processed charge, from GET orders."""

    id: Id
    charge_id: Id | None = Field(default=None, description="charge.id")
    address_id: Id | None = None
    external_order_id: str | None = Field(default=None, description="external_order_id.ecommerce")
    created_at: dt.datetime
    updated_at: dt.datetime
    processed_at: dt.datetime | None = None
    scheduled_at: dt.datetime | None = None
    status: str | None = None
    type: str | None = None
    is_prepaid: bool | None = None
    subtotal_price: Decimal | None = None
    total_discounts: Decimal | None = None
    total_line_items_price: Decimal | None = None
    total_price: Decimal | None = None
    total_tax: Decimal | None = None


class Customer(Contract):
    """One customer without personal data, from GET customers."""

    id: Id
    external_customer_id: str | None = Field(default=None, description="external_customer_id.ecommerce")
    created_at: dt.datetime
    updated_at: dt.datetime
    first_charge_processed_at: dt.datetime | None = None
    subscriptions_active_count: int | None = None
    subscriptions_total_count: int | None = None
    has_valid_payment_method: bool | None = None
    has_payment_method_in_dunning: bool | None = None
    tax_exempt: bool | None = None


class Subscription(Contract):
    """One subscription, from GET subscriptions."""

    id: Id
    customer_id: Id | None = None
    address_id: Id | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    cancelled_at: dt.datetime | None = None
    cancellation_reason: str | None = None
    status: str | None = Field(default=None, description="active, cancelled or expired.")
    next_charge_scheduled_at: str | None = None
    order_interval_unit: str | None = Field(default=None, description="day, week or month.")
    order_day_of_month: int | None = None
    order_day_of_week: int | None = None
    expire_after_specific_number_of_charges: int | None = None
    is_prepaid: bool | None = None
    presentment_currency: str | None = None
    price: Decimal | None = None
    quantity: int | None = None
    product_title: str | None = None
    variant_title: str | None = None
    sku: str | None = None
    external_product_id: str | None = Field(default=None, description="external_product_id.ecommerce")
    external_variant_id: str | None = Field(default=None, description="external_variant_id.ecommerce")


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://api.rechargeapps.com/",
    auth=ApiKey("access_token", header="X-Recharge-Access-Token"),
    headers={"X-Recharge-Version": API_VERSION},
    errors=ErrorMap(
        # Error answers carry ``errors`` (no data body does): with it, even an HTTP 200 is an error.
        "Recharge", code="errors", message=("errors", "error"),
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the API token and its read scopes (read_orders, read_customers, read_subscriptions, read_store)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


@dataclasses.dataclass(kw_only=True)
class CursorPaged(RestStream):
    """A 2021-11 list: a request that carries a ``cursor`` carries only it and ``limit``
    (the cursor stands for the first request's filters and sort)."""

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        params = super().request_params(ctx, page)
        if page.params.get("cursor"):
            return {k: v for k, v in params.items() if k in ("cursor", "limit")}
        return params


def _attribution(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """The charge's discount codes and the first UTM parameters Recharge recorded for it."""
    codes = [d["code"] for d in record.pop("discounts", None) or [] if isinstance(d, dict) and d.get("code")]
    record["discount_codes"] = ",".join(codes) if codes else None
    utm = ((record.pop("analytics_data", None) or {}).get("utm_params") or [{}])[0] or {}
    for name in ("utm_source", "utm_medium", "utm_campaign"):
        record[name] = utm.get(name) or None
    return record


UPDATED = WindowParams("updated_at_min", "updated_at_max", format="%Y-%m-%dT%H:%M:%S%z")
STORE_ID = Lookup("store", (), "id", on=())
NESTED_OUT = ("line_items", "shipping_lines", "tax_lines", "order_attributes", "tags", "error", "error_type",
              "external_transaction_id", "properties")


def _list(name: str, size: int, contract: type[Contract], description: str, *, rename: dict[str, str],
          transform: Any = None, unified: Any = None, drop: tuple[str, ...] = ()) -> CursorPaged:
    times = ("created_at", "updated_at", "processed_at", "cancelled_at", "first_charge_processed_at", "retry_date")
    if contract is Order:
        times += ("scheduled_at",)
    return CursorPaged(
        name=name, description=description, path=name, window=UPDATED,
        paginator=lambda: CursorInBody("next_cursor", "cursor"), params={"limit": size},
        records=Records(name, rename=rename, drop=PERSONAL + NESTED_OUT + drop,
                        formats={t: ISO_DATETIME for t in times if t in contract.model_fields}),
        transform=transform, contract=contract, primary_key=("id",),
        cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY), unified=unified,
    )


def streams(config: RechargeConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="store", description="The store: id, name, currency, platform.", path="store",
            records=Records("store", drop=("email", "phone", "timezone", "iana_timezone")),
            contract=Store, primary_key=("id",), cursor=FullRefresh("one record of current settings, with no date to filter on"),
        ),
        _list(
            "charges", size, Charge, "Charges (payments): totals, refunds, status, discount codes and UTM parameters.",
            rename={"customer.id": "customer_id", "external_order_id.ecommerce": "external_order_id"}, transform=_attribution,
            unified=Maps(
                "orders", where="status in ('success', 'partially_refunded', 'refunded')",
                order_id="id", order_number="external_order_id", customer_id="customer_id", store_id=STORE_ID,
                store_name=Lookup("store", (), "name", on=()), order_date=DayOf("processed_at", Const("UTC")),
                created_at="processed_at", updated_at="updated_at", currency="currency",
                gross="total_line_items_price", discounts="total_discounts", refunds="total_refunds", tax="total_tax",
                total="total_price", status="status", source_name="type", discount_codes="discount_codes",
                utm_source="utm_source", utm_medium="utm_medium", utm_campaign="utm_campaign",
                meanings={"order_date": "the UTC day of processed_at (the store's time zone is not read: see the docstring)",
                          "gross": "total_line_items_price: the line items before discounts (tax included when taxes_included)",
                          "discounts": "total_discounts", "refunds": "total_refunds: refunded so far",
                          "total": "total_price: after discounts, with tax and shipping",
                          "source_name": "type: checkout (the first charge) or recurring"},
            ),
        ),
        _list("orders", size, Order, "Orders created from processed charges (a prepaid charge makes several).",
              rename={"charge.id": "charge_id", "external_order_id.ecommerce": "external_order_id"},
              drop=("customer", "discounts", "external_order_number", "external_cart_token", "total_duties", "taxable")),
        _list("customers", size, Customer, "Customers without personal data: subscription counts, payment state.",
              rename={"external_customer_id.ecommerce": "external_customer_id"}, drop=("analytics_data", "hash")),
        _list("subscriptions", size, Subscription, "Subscriptions: product, price, interval unit, status, cancellation.",
              rename={"external_product_id.ecommerce": "external_product_id", "external_variant_id.ecommerce": "external_variant_id"},
              drop=("analytics_data", "cancellation_reason_comments", "charge_interval_frequency", "order_interval_frequency")),
    ]


connector = declare(
    "recharge", title="Recharge", api=API, config=RechargeConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://developer.rechargepayments.com/2021-11/", category="commerce",
    support_policy="https://developer.rechargepayments.com/2021-11/ (2021-11 is the current version; 2021-01 is the older one)",
    description="Recharge subscriptions: charges (paid ones as unified orders, refunds as updates), orders, customers, subscriptions.",
    error_example={"errors": "Invalid API token."},
)
source = source_function(connector)

__all__ = ["connector", "source", "RechargeConfig"]
