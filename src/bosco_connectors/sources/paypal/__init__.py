"""PayPal: the Transaction Search API v1 (OpenAPI 1.9), declared.

Reference: https://developer.paypal.com/docs/api/transaction-search/v1/ (PayPal's OpenAPI
description, https://github.com/paypal/paypal-rest-api-specifications
``openapi/reporting_transactions_v1.json``, version 1.9); base ``https://api-m.paypal.com/v1/``
(sandbox ``https://api-m.sandbox.paypal.com/v1/``: set ``base_url`` and ``token_url``). An app's
client id and secret are exchanged for a token with the client-credentials grant at
``/v1/oauth2/token`` (HTTP basic auth; https://developer.paypal.com/api/rest/authentication/),
scopes ``.../reporting/search/read`` and ``.../reporting/balances/read``.

Streams: ``balances`` (GET /v1/reporting/balances: the account id and its balance per
currency now) and ``transactions`` (GET /v1/reporting/transactions, ``fields=all``, the
balance-affecting ones): ``start_date``/``end_date`` windows of at most 31 days ("The maximum
supported range is 31 days"), ``page``/``page_size`` (at most 500) until ``total_pages``;
``transaction_info``'s fields are the row's own, ``payer_info``, ``cart_info``... load as
nested columns. "It takes a maximum of three hours for executed transactions to appear in the
list transactions call": the cursor, ``transaction_updated_date``, looks back three hours.
The API has no updated-since filter beyond that window and "lists transaction for the previous
three years". A window holding more than PayPal serves (``RESULTSET_TOO_LARGE``) is read in halves.

Refunds are transactions of their own (event code T1107, a negative amount) that name their
sale in ``paypal_reference_id``; a sale fully refunded turns to status ``V``. Unified: the sales
(event codes T00xx with a positive amount: payments received) map into ``orders``, their
``refunds`` the refunds naming them (`facts.Total`), on ``transaction_date``: the day of
``transaction_initiation_date``, which PayPal writes "in the time zone of the account".

Money: ``{"currency_code", "value"}`` objects whose value is a decimal string in currency
units ("An integer for currencies like JPY"), loaded as exact decimals.

Errors: ``{"name", "message", "debug_id", "details", "links"}``
(https://developer.paypal.com/api/rest/responses/): 401 ``AUTHENTICATION_FAILURE``, 403
``NOT_AUTHORIZED`` (a scope missing), 429 ``RATE_LIMIT_REACHED``, 400 ``RESULTSET_TOO_LARGE``
(https://docs.paypal.ai/growth/reports/troubleshooting), 5xx retried.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from ...framework import Contract, Id, SourceConfig
from ...framework.auth import ClientCredentials
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Expr, Maps, Total
from ...framework.paginators import PageNumber, SinglePage
from ...framework.params import DATETIME, WindowParams
from ...framework.records import ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Lookup

API_VERSION = "v1"
TOKEN_URL = "https://api-m.paypal.com/v1/oauth2/token"
MAX_PAGE_SIZE = 500


class PayPalConfig(SourceConfig):
    """Config of the ``paypal`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The REST app's client id (developer dashboard, Apps & Credentials).")
    client_secret: SecretStr = Field(description="The REST app's secret; the app needs Transaction Search.")
    token_url: str | None = Field(default=None, description=f"Override the token endpoint (default {TOKEN_URL}; sandbox "
                                                            "https://api-m.sandbox.paypal.com/v1/oauth2/token).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Transactions per page (1-500).")
    requests_per_second: float = Field(default=5.0, gt=0, le=50,
                                       description="PayPal publishes no number; it answers 429 RATE_LIMIT_REACHED.")


class Balances(Contract):
    """The account and its balances now (GET /v1/reporting/balances); ``balances`` (one per
    currency: total, available, withheld) is a child table."""

    account_id: Id
    as_of_time: dt.datetime | None = None
    last_refresh_time: dt.datetime | None = None


class Transaction(Contract):
    """A balance-affecting transaction (``transaction_info`` as columns). Money fields arrive as
    ``{"currency_code", "value"}``; the ones read by the unified orders are declared, so their
    columns exist (and are exact decimals) before the first one is sent."""

    transaction_id: Id
    transaction_event_code: str | None = Field(default=None, description="T0006 a PayPal Checkout payment, T1107 a refund... "
                                                                         "(https://developer.paypal.com/docs/transaction-search/transaction-event-codes/)")
    transaction_status: str | None = Field(default=None, description="D denied, P pending, S success, V reversed and refunded.")
    transaction_initiation_date: dt.datetime
    transaction_updated_date: dt.datetime
    transaction_date: dt.date = Field(description="Ours: the day of transaction_initiation_date in the account's time zone "
                                                  "(PayPal writes the time with that zone's offset).")
    paypal_reference_id: str | None = Field(default=None, description="The related transaction (a refund's sale).")
    paypal_reference_id_type: str | None = None
    invoice_id: str | None = None
    transaction_amount__value: Decimal | None = Field(default=None, description="All-inclusive gross amount, currency units.")
    transaction_amount__currency_code: str | None = None
    fee_amount__value: Decimal | None = None
    discount_amount__value: Decimal | None = None
    sales_tax_amount__value: Decimal | None = None
    shipping_amount__value: Decimal | None = None
    payer_info__account_id: str | None = None


API = Api(
    base_url="https://api-m.paypal.com/v1/",
    auth=ClientCredentials(TOKEN_URL, client_auth="basic"),
    errors=ErrorMap(
        "PayPal", code="name", message=("message", "error_description"),
        codes={
            "AUTHENTICATION_FAILURE": Action.AUTH, "NOT_AUTHORIZED": Action.AUTH, "PERMISSION_DENIED": Action.AUTH,
            "RATE_LIMIT_REACHED": Action.RETRY, "INTERNAL_SERVER_ERROR": Action.RETRY, "INTERNAL_SERVICE_ERROR": Action.RETRY,
            "SERVICE_UNAVAILABLE": Action.RETRY, "RESULTSET_TOO_LARGE": Action.SPLIT,
        },
        hints={Action.AUTH: "check the client id and secret, and that the app has Transaction Search enabled"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

#: "It takes a maximum of three hours for executed transactions to appear".
DATA_DELAY = timedelta(hours=3)
#: "The maximum supported range is 31 days."
MAX_RANGE = timedelta(days=31)
SALES = "transaction_event_code like 'T00%' and transaction_amount__value > 0"
ACCOUNT = Lookup("balances", (), "account_id", on=())

SALES_AS_ORDERS = Maps(
    "orders", where=SALES,
    order_id="transaction_id", order_number="invoice_id", store_id=ACCOUNT, customer_id="payer_info__account_id",
    order_date="transaction_date", created_at="transaction_initiation_date", updated_at="transaction_updated_date",
    currency="transaction_amount__currency_code", total="transaction_amount__value",
    tax="sales_tax_amount__value", shipping="shipping_amount__value", discounts="discount_amount__value",
    gross=Expr("transaction_amount__value - coalesce(sales_tax_amount__value, 0) - coalesce(shipping_amount__value, 0)"
               " + coalesce(discount_amount__value, 0)"),
    refunds=Total("transactions", key="paypal_reference_id", on="order_id", value="-transaction_amount__value",
                  where="transaction_event_code = 'T1107'"),
    status="transaction_status", is_cancelled=Expr("transaction_status = 'D'"),
    meanings={
        "order_date": "the day of transaction_initiation_date in the PayPal account's time zone",
        "total": "transaction_amount: the all-inclusive gross amount the buyer paid",
        "gross": "transaction_amount less sales tax and shipping, plus the discount",
        "refunds": "the refunds (T1107 transactions) that name this sale, as a positive amount",
        "status": "S success, P pending, V fully reversed and refunded, D denied",
        "is_cancelled": "status D: PayPal or the merchant's rules denied the payment",
    },
)


def local_day(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """``transaction_date``: the date part of the initiation time in its own offset (the account's zone)."""
    initiated = record.get("transaction_initiation_date")
    record["transaction_date"] = initiated.date() if isinstance(initiated, dt.datetime) else None
    return record


def streams(config: PayPalConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="balances", description="The account id and its balance per currency, now.", path="reporting/balances",
            records=Records(formats={"as_of_time": ISO_DATETIME, "last_refresh_time": ISO_DATETIME}), paginator=SinglePage,
            contract=Balances, primary_key=("account_id",),
            cursor=FullRefresh("GET /v1/reporting/balances answers the balances now (or at as_of_time): a snapshot"),
        ),
        RestStream(
            name="transactions", description="Balance-affecting transactions: sales, refunds, fees, transfers.",
            path="reporting/transactions", params={"fields": "all", "balance_affecting_records_only": "Y"},
            window=WindowParams("start_date", "end_date", format=DATETIME),
            paginator=lambda: PageNumber(page_size=size, page_param="page", size_param="page_size", total_pages_path="total_pages"),
            records=Records("transaction_details", flatten=("transaction_info",),
                            formats={"transaction_initiation_date": ISO_DATETIME, "transaction_updated_date": ISO_DATETIME}),
            transform=local_day, contract=Transaction, primary_key=("transaction_id",),
            cursor=Cursor("transaction_updated_date", kind="datetime", lookback=DATA_DELAY, window=MAX_RANGE),
            unified=SALES_AS_ORDERS,
        ),
    ]


connector = declare(
    "paypal", title="PayPal", api=API, config=PayPalConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://developer.paypal.com/docs/api/transaction-search/v1/", category="payments",
    support_policy="https://developer.paypal.com/docs/api/transaction-search/v1/ (v1 is current)",
    description="PayPal Transaction Search: balances and transactions; sales (with their refunds) into the unified orders.",
    error_example={"name": "AUTHENTICATION_FAILURE",
                   "message": "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
                   "links": [{"href": "https://developer.paypal.com/docs/api/overview/#error", "rel": "information_link"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "PayPalConfig"]
