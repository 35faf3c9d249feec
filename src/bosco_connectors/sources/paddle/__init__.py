"""Paddle: the Paddle Billing API v1 (``Paddle-Version: 1``), declared.

Reference: https://developer.paddle.com/api-reference/overview (Paddle's OpenAPI description,
https://github.com/PaddleHQ/paddle-openapi ``v1/openapi.yaml``, and the official Python SDK,
https://github.com/PaddleHQ/paddle-python-sdk, whose functional-test response bodies are
Paddle's own examples); base ``https://api.paddle.com/`` (sandbox
``https://sandbox-api.paddle.com/``: set ``base_url``); an API key as ``Authorization: Bearer``
(https://developer.paddle.com/api-reference/about/authentication), the version in
``Paddle-Version`` (1 is the only version). Not Paddle Classic (vendor id and auth code).

Streams, each a GET list answering ``{"data": [...], "meta": {"pagination": {"per_page",
"next", "has_more", "estimated_total"}}}``, paged with ``after`` = the Paddle ID of the last
entity of the page ("the Paddle ID of the last entity in the page acts as the cursor for the
next page") until ``has_more`` is false (``next`` is present on the last page too:
https://developer.paddle.com/api-reference/about/pagination):

- ``transactions``: incremental on ``updated_at`` (``updated_at[GTE]``/``updated_at[LTE]``,
  RFC 3339), ordered ``id[ASC]`` (the cursor's order), ``per_page`` at most 30. Only the
  statuses of money asked for (``billed``, ``paid``, ``completed``, ``past_due``,
  ``canceled``): ``draft`` and ``ready`` transactions are checkouts nobody paid yet; once
  paid, their ``updated_at`` moves and they are read then.
- ``adjustments`` (refunds, credits, chargebacks against billed or completed transactions),
  ``customers`` and ``subscriptions``: their list operations filter by no time (only ids,
  statuses, customers), so each is read whole every run, ``per_page`` at most 200.

Refunds: an adjustment whose ``action`` is ``refund`` names its ``transaction_id``; once
``approved`` its ``totals.total`` is refunded. The unified ``orders`` read them as a `Total`
over the adjustments, which are read whole every run: a refund approved after the sale
changes the sale's row, never adds one.

Look-back: one hour on ``updated_at``. Paddle documents no delay before a change is listed;
the hour covers transactions changed while the previous run was paging.

Money: amounts are strings of integers "in the lowest denomination for the currency" (cents
for USD, whole yen for JPY), converted per currency (``framework.currencies.ISO_4217``:
Paddle's supported zero-decimal currencies JPY and KRW are ISO's). Times are RFC 3339 UTC.
Paddle keeps no account time zone in its API: the unified day is the UTC day of
``created_at``.

Errors: ``{"error": {"type", "code", "detail", "documentation_url"}, "meta": {"request_id"}}``
(https://developer.paddle.com/errors/overview): 403 ``authentication_missing``,
``authentication_malformed``, ``invalid_token``, ``forbidden`` (a permission the key lacks),
401 ``invalid_access_token`` stop the sync; 429 ``too_many_requests`` (240 requests a minute
per IP, ``Retry-After`` seconds: https://developer.paddle.com/api-reference/about/rate-limiting)
and 500 ``internal_error`` are retried.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.currencies import ISO_4217
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps, Total
from bosco_connectors.framework.kept import KeptTable
from bosco_connectors.framework.paginators import CursorInBody
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records, without_nulls
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream

PADDLE_VERSION = "1"
MAX_TRANSACTIONS_PER_PAGE = 30   # list transactions: "Default: 30; Maximum: 30"
MAX_PER_PAGE = 200               # the other lists: "Default: 50; Maximum: 200"
#: Transaction statuses that moved or owed money (``draft`` and ``ready`` did not yet).
BILLED_STATUSES = "billed,paid,completed,past_due,canceled"


class PaddleConfig(SourceConfig):
    """Config of the ``paddle`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Paddle Billing API key (Developer tools > Authentication) with "
                                            "transaction.read, adjustment.read, customer.read and subscription.read.")
    page_size: int = Field(default=MAX_TRANSACTIONS_PER_PAGE, ge=1, le=MAX_TRANSACTIONS_PER_PAGE,
                           description="Entities per page (per_page); transactions take at most 30, the others 200.")
    requests_per_second: float = Field(default=4.0, gt=0, le=4.0,
                                       description="Paddle allows 240 requests a minute per IP address.")


# -- contracts: the columns of each raw table, named as Paddle names them ----------------
# Money fields are strings of integers in the lowest denomination; they load as integers.


class Transaction(Contract):
    """A transaction (GET /transactions). ``details.totals`` load as ``details__totals__*``;
    ``items``, ``details.line_items``, ``payments`` are child tables."""

    id: Id
    status: str = Field(description="draft, ready, billed, paid, completed, canceled or past_due.")
    customer_id: str | None = None
    address_id: str | None = None
    business_id: str | None = None
    subscription_id: str | None = None
    invoice_id: str | None = None
    invoice_number: str | None = None
    discount_id: str | None = None
    origin: str | None = Field(default=None, description="web, api, subscription_recurring, subscription_charge, ...")
    collection_mode: str | None = Field(default=None, description="automatic (checkout) or manual (invoice).")
    currency_code: str
    created_at: dt.datetime
    updated_at: dt.datetime
    billed_at: dt.datetime | None = None
    revised_at: dt.datetime | None = None
    details__totals__subtotal: int | None = Field(default=None, description="Before discount and tax, lowest denomination.")
    details__totals__discount: int | None = None
    details__totals__tax: int | None = None
    details__totals__total: int | None = Field(default=None, description="After discount, with tax.")
    details__totals__grand_total: int | None = Field(default=None, description="Total after credits.")
    details__totals__credit: int | None = None
    details__totals__balance: int | None = None
    details__totals__fee: int | None = Field(default=None, description="Paddle's fee; null until the transaction is completed.")
    details__totals__earnings: int | None = None


class Adjustment(Contract):
    """An adjustment (GET /adjustments): a refund, credit or chargeback against a transaction."""

    id: Id
    action: str = Field(description="refund, credit, chargeback, chargeback_reverse, chargeback_warning, ...")
    type: str | None = Field(default=None, description="full or partial.")
    transaction_id: str
    subscription_id: str | None = None
    customer_id: str | None = None
    reason: str | None = None
    currency_code: str | None = None
    status: str = Field(description="pending_approval, approved, rejected or reversed.")
    totals__subtotal: int | None = None
    totals__tax: int | None = None
    totals__total: int | None = Field(default=None, description="The amount adjusted, with tax, lowest denomination.")
    totals__fee: int | None = None
    totals__earnings: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime | None = None


class Customer(Contract):
    """A customer (GET /customers), without name and email."""

    id: Id
    status: str | None = None
    marketing_consent: bool | None = None
    locale: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime | None = None


class Subscription(Contract):
    """A subscription (GET /subscriptions): status, billing cycle, dates; ``items`` a child table."""

    id: Id
    status: str = Field(description="active, canceled, past_due, paused or trialing.")
    customer_id: str | None = None
    address_id: str | None = None
    business_id: str | None = None
    currency_code: str | None = None
    collection_mode: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    first_billed_at: dt.datetime | None = None
    next_billed_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    canceled_at: dt.datetime | None = None
    billing_cycle__interval: str | None = None
    billing_cycle__frequency: int | None = None


# -- the API: what every request shares ---------------------------------------------------

API = Api(
    base_url="https://api.paddle.com/",
    auth=Bearer("api_key"),
    headers={"Paddle-Version": PADDLE_VERSION},
    errors=ErrorMap(
        "Paddle", code="error.code", message=("error.detail",), request_id="meta.request_id",
        codes={
            **dict.fromkeys(("authentication_missing", "authentication_malformed", "invalid_token", "invalid_access_token",
                             "forbidden"), Action.AUTH),
            **dict.fromkeys(("too_many_requests", "internal_error"), Action.RETRY),
        },
        hints={Action.AUTH: "check the API key, its environment (live or sandbox) and its read permissions"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

#: One hour (see the module docstring).
SINCE_LAST_RUN = timedelta(hours=1)
TIMES = ("created_at", "updated_at")


def pages():
    return lambda: CursorInBody("data.-1.id", "after", has_more_path="meta.pagination.has_more")


TRANSACTIONS_AS_ORDERS = Maps(
    "orders",
    order_id="id", order_number="invoice_number", store_id=Const("account"), customer_id="customer_id",
    created_at="created_at", updated_at="updated_at", order_date=DayOf("created_at", Const("UTC")),
    currency="currency_code", gross="details__totals__subtotal", discounts="details__totals__discount",
    tax="details__totals__tax", total="details__totals__total",
    refunds=Total("adjustments", key="transaction_id", on="order_id", value="totals__total",
                  where="action = 'refund' and status = 'approved'"),
    status="status", is_cancelled=Expr("status = 'canceled'"), source_name="origin",
    units={c: ISO_4217 for c in ("gross", "discounts", "tax", "total", "refunds")},
    meanings={
        "store_id": "the Paddle account (one per API key: the tenant)",
        "order_date": "the UTC day of created_at (Paddle keeps no account time zone)",
        "gross": "details.totals.subtotal: before discount and tax",
        "discounts": "details.totals.discount",
        "tax": "details.totals.tax",
        "total": "details.totals.total: after discount, with tax (before credits)",
        "refunds": "the approved refund adjustments naming the transaction (totals.total, with tax)",
        "status": "billed, paid, completed, past_due or canceled",
        "is_cancelled": "status canceled",
        "source_name": "origin: web (checkout), api, subscription_recurring, subscription_charge, ...",
    },
)


def _list(name: str, path: str, contract: type[Contract], size: int, description: str, why: str,
          kind: type[RestStream] = RestStream) -> RestStream:
    as_arrow = kind is KeptTable
    return kind(
        name=name, description=description, path=path, params={"order_by": "id[ASC]", "per_page": size},
        paginator=pages(), records=Records("data", formats=dict.fromkeys(
            [t for t in contract.model_fields if t.endswith("_at")], ISO_DATETIME), drop=("name", "email"),
            # nested fields the contract names (``totals__total``) picked by their path: Arrow pages do not flatten
            rename={f.replace("__", "."): f for f in contract.model_fields if "__" in f} if as_arrow else {}),
        transform=None if as_arrow else without_nulls(contract), contract=contract, primary_key=("id",),
        cursor=FullRefresh(why),
    )


def streams(config: PaddleConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_TRANSACTIONS_PER_PAGE
    no_filter = "its list operation filters by no time (ids, statuses and customers only): read whole every run"
    return [
        RestStream(
            name="transactions", arrow=True, description="Billed, paid, completed, past-due and canceled transactions with their totals.",
            path="transactions", params={"order_by": "id[ASC]", "per_page": min(size, MAX_TRANSACTIONS_PER_PAGE),
                                         "status": BILLED_STATUSES},
            window=WindowParams("updated_at[GTE]", "updated_at[LTE]", format=DATETIME), paginator=pages(),
            records=Records("data", formats=dict.fromkeys((*TIMES, "billed_at", "revised_at"), ISO_DATETIME)),
            transform=without_nulls(Transaction), contract=Transaction, primary_key=("id",), cursor=Cursor("updated_at", kind="datetime", lookback=SINCE_LAST_RUN),
            unified=TRANSACTIONS_AS_ORDERS,
        ),
        _list("adjustments", "adjustments", Adjustment, size,
              "Refunds, credits and chargebacks against transactions, with their totals.", no_filter, kind=KeptTable),
        _list("customers", "customers", Customer, size, "Customers, without name and email.", no_filter),
        _list("subscriptions", "subscriptions", Subscription, size,
              "Subscriptions: status, billing cycle, next billing and cancellation dates.", no_filter),
    ]


connector = declare(
    "paddle", title="Paddle", api=API, config=PaddleConfig, streams=streams, api_version=PADDLE_VERSION,
    docs_url="https://developer.paddle.com/api-reference/overview", category="payments",
    support_policy="https://developer.paddle.com/api-reference/about/versioning (version 1 is current)",
    description="Paddle Billing: transactions (into the unified orders, refund adjustments as updates), adjustments, "
                "customers and subscriptions.",
    error_example={"error": {"type": "request_error", "code": "invalid_token", "detail": "Invalid or revoked API key.",
                             "documentation_url": "https://developer.paddle.com/errors/shared/invalid_token"},
                   "meta": {"request_id": "00000000-0000-0000-0000-000000000000"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "PaddleConfig"]
