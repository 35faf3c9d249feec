"""Squarespace: the Squarespace Commerce APIs 1.0 (Orders, Transactions, Profiles), declared.

Reference: https://developers.squarespace.com/commerce-apis/overview (Orders API 1.0,
Transactions API 1.0, Profiles API 1.0; "Current version: 1.0"); base
``https://api.squarespace.com/1.0/``; an API key (or an OAuth token) as ``Authorization:
Bearer``, and a ``User-Agent`` describing the application on every request ("Making
requests"). The reference pages render in the browser; the shapes here follow Squarespace's
own response example of "Retrieve all orders" (kept verbatim, with its comments, in a public
repository) and two independent client models per resource (``cassettes/squarespace/SOURCES.md``
names each).

Streams:

- ``orders``: GET ``commerce/orders`` with ``modifiedAfter``/``modifiedBefore`` (ISO 8601 UTC),
  "up to 50 Orders ordered by their modification date"; the next page is the answer's
  ``pagination.nextPageUrl``, requested as given ("A request cannot use both a cursor and a
  date range"), until ``hasNextPage`` is false (``nextPageUrl`` null). A refund raises the
  order's ``refundedTotal`` and its ``modifiedOn``: the order is read again and its row updated.
- ``transactions``: GET ``commerce/transactions``, the same window and paging: the financial
  documents (payments, refunds, fees, donations) of orders and donations.
- ``profiles``: GET ``profiles`` (customers, subscribers, donors), no time filter: read whole;
  names, emails and addresses are never loaded.

Look-back: one hour on ``modifiedOn``; Squarespace documents no delay before a change is listed.

Money: ``{"value": "57.70", "currency": "USD"}``, the value a decimal string in currency units
("Conforms to the selected ISO currency's precision"), loaded as exact decimals. Times are ISO
8601 UTC; the API keeps no site time zone we could confirm from two sources, so the unified
day is the UTC day of ``createdOn``.

Errors: ``{"type", "subtype", "message", "details", "contextId"}`` with the HTTP status: 401
``AUTHORIZATION_ERROR`` stops the sync, 429 ``TOO_MANY_REQUESTS`` (300 requests a minute) and
5xx are retried, 400 ``INVALID_REQUEST_ERROR`` fails.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.paginators import NextUrlInBody
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records, snake_case, without_nulls
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream

API_VERSION = "1.0"
USER_AGENT = "bosco-connectors (https://github.com/bosco-data/bosco-connectors)"


class SquarespaceConfig(SourceConfig):
    """Config of the ``squarespace`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Commerce API key (Settings > Developer API keys) with Orders, Transactions "
                                            "and Profiles read access, or an OAuth access token, sent as Bearer.")
    requests_per_second: float = Field(default=5.0, gt=0, le=5.0, description="Squarespace allows 300 requests a minute.")


def money(*names: str) -> dict[str, str]:
    """``{"grandTotal.value": "grand_total__value", "grandTotal.currency": "grand_total__currency"}``."""
    out: dict[str, str] = {}
    for name, column in snake_case(*names).items():
        out |= {f"{name}.value": f"{column}__value", f"{name}.currency": f"{column}__currency"}
    return out


ORDER_MONEY = ("subtotal", "shippingTotal", "discountTotal", "taxTotal", "refundedTotal", "grandTotal")
TRANSACTION_MONEY = ("totalSales", "totalNetSales", "totalNetShipping", "totalTaxes", "total", "totalNetPayment")
TIMES = {"created_on": ISO_DATETIME, "modified_on": ISO_DATETIME}


class Order(Contract):
    """An order (GET commerce/orders); ``lineItems``, ``shippingLines``, ``discountLines``,
    ``fulfillments`` are child tables. The customer's email and addresses are not loaded."""

    id: Id
    order_number: str | None = Field(default=None, description="orderNumber: a string of digits (\"3\").")
    created_on: dt.datetime
    modified_on: dt.datetime
    channel: str | None = Field(default=None, description="web or pos.")
    testmode: bool | None = None
    fulfillment_status: str | None = Field(default=None, description="PENDING, FULFILLED or CANCELED.")
    subtotal__value: Decimal | None = None
    subtotal__currency: str | None = None
    shipping_total__value: Decimal | None = None
    discount_total__value: Decimal | None = None
    tax_total__value: Decimal | None = None
    refunded_total__value: Decimal | None = None
    grand_total__value: Decimal | None = None
    grand_total__currency: str | None = None
    channel_name: str | None = None
    external_order_reference: str | None = None
    fulfilled_on: dt.datetime | None = None
    price_tax_interpretation: str | None = Field(default=None, description="EXCLUSIVE or INCLUSIVE: whether unitPricePaid includes tax.")


class TransactionDocument(Contract):
    """A financial document (GET commerce/transactions): an order's or a donation's payments,
    refunds and fees; ``payments``, ``salesLineItems``, ``discounts``, ``shippingLineItems``
    are child tables."""

    id: Id
    created_on: dt.datetime
    modified_on: dt.datetime
    sales_order_id: str | None = Field(default=None, description="The order's id; null for a donation.")
    voided: bool | None = None
    total_sales__value: Decimal | None = None
    total_net_sales__value: Decimal | None = None
    total_net_shipping__value: Decimal | None = None
    total_taxes__value: Decimal | None = None
    total__value: Decimal | None = None
    total__currency: str | None = None
    total_net_payment__value: Decimal | None = None
    payment_gateway_error: str | None = None


class Profile(Contract):
    """A profile (GET profiles): a customer, mailing-list subscriber or donor, without name,
    email or address."""

    id: Id
    has_account: bool | None = None
    is_customer: bool | None = None
    created_on: dt.datetime | None = None
    accepts_marketing: bool | None = None


API = Api(
    base_url="https://api.squarespace.com/1.0/",
    auth=Bearer("api_key"),
    headers={"User-Agent": USER_AGENT},
    errors=ErrorMap(
        "Squarespace", code="type", message=("message",), request_id="contextId",
        codes={"AUTHORIZATION_ERROR": Action.AUTH, "TOO_MANY_REQUESTS": Action.RETRY, "INVALID_REQUEST_ERROR": Action.FAIL},
        hints={Action.AUTH: "check the API key (or OAuth token) and its Orders, Transactions and Profiles permissions"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

#: One hour (see the module docstring).
SINCE_LAST_RUN = timedelta(hours=1)
MODIFIED = WindowParams("modifiedAfter", "modifiedBefore", format=DATETIME)


def pages():
    return lambda: NextUrlInBody("pagination.nextPageUrl")


ORDERS = Maps(
    "orders",
    order_id="id", order_number="order_number", store_id=Const("site"), created_at="created_on", updated_at="modified_on",
    order_date=DayOf("created_on", Const("UTC")), currency="grand_total__currency", gross="subtotal__value",
    discounts="discount_total__value", tax="tax_total__value", shipping="shipping_total__value", total="grand_total__value",
    refunds="refunded_total__value", status="fulfillment_status", is_cancelled=Expr("fulfillment_status = 'CANCELED'"),
    is_test="testmode", source_name="channel",
    meanings={
        "store_id": "the Squarespace site (one per API key: the tenant)",
        "order_date": "the UTC day of createdOn",
        "gross": "subtotal: the line items (unitPricePaid times quantity) before discounts, shipping and tax",
        "discounts": "discountTotal", "tax": "taxTotal", "shipping": "shippingTotal",
        "total": "grandTotal: what the customer paid", "refunds": "refundedTotal: refunded so far",
        "status": "fulfillmentStatus: PENDING, FULFILLED or CANCELED",
        "is_test": "testmode: placed with a payment method in test mode",
        "source_name": "channel: web or pos",
    },
)


def streams(config: SquarespaceConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="orders", arrow=True, description="Orders modified in the window: totals, refunds, fulfillment status, line items.",
            path="commerce/orders", window=MODIFIED, paginator=pages(),
            records=Records("result", drop=("customerEmail", "billingAddress", "shippingAddress", "formSubmission", "internalNotes"),
                            rename={**snake_case("orderNumber", "createdOn", "modifiedOn", "fulfillmentStatus", "channelName",
                                                 "externalOrderReference", "fulfilledOn", "priceTaxInterpretation"),
                                    **money(*ORDER_MONEY)},
                            formats={**TIMES, "fulfilled_on": ISO_DATETIME}),
            transform=without_nulls(Order), contract=Order, primary_key=("id",), cursor=Cursor("modified_on", kind="datetime", lookback=SINCE_LAST_RUN),
            unified=ORDERS,
        ),
        RestStream(
            name="transactions", description="Financial documents modified in the window: payments, refunds, fees, taxes.",
            path="commerce/transactions", window=MODIFIED, paginator=pages(),
            records=Records("documents", drop=("customerEmail",),
                            rename={**snake_case("createdOn", "modifiedOn", "salesOrderId", "paymentGatewayError"),
                                    **money(*TRANSACTION_MONEY)},
                            formats=TIMES),
            transform=without_nulls(TransactionDocument), contract=TransactionDocument, primary_key=("id",),
            cursor=Cursor("modified_on", kind="datetime", lookback=SINCE_LAST_RUN),
        ),
        RestStream(
            name="profiles", description="Customers, subscribers and donors, without personal data.", path="profiles",
            paginator=pages(),
            records=Records("profiles", drop=("firstName", "lastName", "email", "address"),
                            rename=snake_case("hasAccount", "isCustomer", "createdOn", "acceptsMarketing"), formats=TIMES),
            transform=without_nulls(Profile), contract=Profile, primary_key=("id",),
            cursor=FullRefresh("GET profiles filters by no modification time: every run reads every profile"),
        ),
    ]


connector = declare(
    "squarespace", title="Squarespace", api=API, config=SquarespaceConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://developers.squarespace.com/commerce-apis/overview", category="commerce",
    support_policy="https://developers.squarespace.com/commerce-apis/versioning (Orders, Transactions, Profiles: 1.0 is current)",
    description="Squarespace Commerce: orders (into the unified orders, refunds as updates), transactions and profiles.",
    # The answer observed without a valid key (contextId ours): cassettes/squarespace/SOURCES.md.
    error_example={"type": "AUTHORIZATION_ERROR", "subtype": None, "message": "You are not authorized to do that.",
                   "details": None, "contextId": "00000000000000000000"},
)
source = source_function(connector)

__all__ = ["connector", "source", "SquarespaceConfig"]
