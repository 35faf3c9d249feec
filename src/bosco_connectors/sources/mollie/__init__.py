"""Mollie: the Mollie API v2 (payments, refunds, customers), declared.

Reference: https://docs.mollie.com/reference/overview (API v2), from Mollie's own OpenAPI
description (https://github.com/mollie/openapi ``specs.yaml``, OpenAPI 3.1, the source of the
reference pages and of Mollie's generated SDKs; read at commit cfbba47, 2026-08-21) and the
error guide (https://docs.mollie.com/overview/handling-errors); base ``https://api.mollie.com/v2/``;
an API key (``live_...`` or ``test_...``) or an organization access token as ``Authorization:
Bearer``. A key belongs to one website profile and one mode: ``profileId`` and ``testmode`` are
then not sent (they are for organization tokens and OAuth, not supported here).

Streams, each a GET list answering HAL JSON ``{"count", "_embedded": {"<resource>": [...]},
"_links": {"self", "previous", "next", "documentation"}}``, newest first, ``limit`` at most 250;
the next page is ``_links.next.href`` (an absolute URL on api.mollie.com, ``from=<id>`` inside),
requested as given; ``next`` is null on the last page:

- ``payments`` (GET payments): amount, amounts refunded, remaining, captured and charged back,
  status and its times. The list filters by no time and payments carry no updated-at field:
  read whole every run (a refund raises the payment's ``amountRefunded``, and the merge on ``id``
  updates its row).
- ``refunds`` (GET refunds): every refund of the profile, naming its ``paymentId``.
- ``customers`` (GET customers): id, locale, creation time; names and emails are not loaded.

Not read: the Orders API (``/v2/orders``), which Mollie "no longer recommends" (the current
description no longer lists its paths; payments carry an ``orderId`` where one was used).

Look-back: none (every stream is a full refresh; see above).

Money: ``{"currency": "EUR", "value": "10.00"}``, "a string containing an exact monetary amount
in the given currency" (currency units, as many decimals as the currency has): loaded as
exact decimals. Times are ISO 8601 with an offset (``+00:00``); the API keeps no profile time
zone, so the unified day is the UTC day of ``createdAt``.

Errors: ``{"status", "title", "detail", "field"?, "_links"}`` with the HTTP status (the error
guide's table): 401 (a bad key) and 403 stop the sync, 429 ("Your request has hit a rate limit.
Please wait for a bit and retry") and 5xx are retried, 400, 404, 422 fail. Mollie publishes no
number for its rate limit; the default pace here is our choice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.paginators import NextUrlInBody
from bosco_connectors.framework.records import ISO_DATETIME, Records, snake_case, without_nulls
from bosco_connectors.framework.spec import FullRefresh, RestStream, Stream

API_VERSION = "v2"
MAX_PAGE_SIZE = 250  # list-limit: "minimum 1, maximum 250", default 50


class MollieConfig(SourceConfig):
    """Config of the ``mollie`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Mollie API key (live_... or test_...: one website profile and mode), sent as Bearer.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page (limit, at most 250).")
    requests_per_second: float = Field(default=5.0, gt=0, le=25.0,
                                       description="Mollie publishes no number; 429 answers are waited out and retried.")


def money(*names: str) -> dict[str, str]:
    """``{"amountRefunded.value": "amount_refunded__value", "amountRefunded.currency": ...}``."""
    out: dict[str, str] = {}
    for name, column in snake_case(*names).items():
        out |= {f"{name}.value": f"{column}__value", f"{name}.currency": f"{column}__currency"}
    return out


PAYMENT_MONEY = ("amount", "amountRefunded", "amountRemaining", "amountCaptured", "amountChargedBack", "settlementAmount")
PAYMENT_TIMES = ("createdAt", "authorizedAt", "paidAt", "canceledAt", "expiresAt", "expiredAt", "failedAt")


class Payment(Contract):
    """A payment (GET payments). The consumer's details (name, account), addresses, metadata and
    lines are not loaded."""

    id: Id
    mode: str = Field(description="live or test.")
    status: str = Field(description="open, pending, authorized, paid, canceled, expired or failed.")
    description: str | None = None
    method: str | None = Field(default=None, description="ideal, creditcard, paypal, ... (null until chosen).")
    sequence_type: str | None = Field(default=None, description="oneoff, first or recurring.")
    profile_id: str
    customer_id: str | None = None
    subscription_id: str | None = None
    mandate_id: str | None = None
    settlement_id: str | None = None
    order_id: str | None = Field(default=None, description="The Orders API order the payment was made for, if any.")
    country_code: str | None = None
    locale: str | None = None
    is_cancelable: bool | None = None
    amount__value: Decimal = Field(description="The amount asked for, in currency units.")
    amount__currency: str
    amount_refunded__value: Decimal | None = Field(default=None, description="Refunded so far; only where refunds are available.")
    amount_remaining__value: Decimal | None = None
    amount_captured__value: Decimal | None = None
    amount_charged_back__value: Decimal | None = None
    settlement_amount__value: Decimal | None = None
    settlement_amount__currency: str | None = None
    created_at: dt.datetime
    authorized_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    canceled_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    expired_at: dt.datetime | None = None
    failed_at: dt.datetime | None = None


class Refund(Contract):
    """A refund (GET refunds) of a payment; metadata and routing reversals are not loaded."""

    id: Id
    mode: str | None = None
    status: str = Field(description="queued, pending, processing, refunded, failed or canceled.")
    description: str | None = None
    payment_id: str
    settlement_id: str | None = None
    amount__value: Decimal
    amount__currency: str
    settlement_amount__value: Decimal | None = Field(default=None, description="Negative: what left the balance.")
    settlement_amount__currency: str | None = None
    created_at: dt.datetime


class Customer(Contract):
    """A customer (GET customers), without name and email."""

    id: Id
    mode: str | None = None
    locale: str | None = None
    created_at: dt.datetime


API = Api(
    base_url="https://api.mollie.com/v2/",
    auth=Bearer("api_key"),
    errors=ErrorMap(
        "Mollie", code="status", message=("detail", "title"),
        codes={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, 400: Action.FAIL, 404: Action.FAIL,
               422: Action.FAIL, **dict.fromkeys((500, 502, 503, 504), Action.RETRY)},
        hints={Action.AUTH: "check the API key (live_ or test_) and that it belongs to the profile you mean"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def pages():
    return lambda: NextUrlInBody("_links.next.href")


PAYMENTS_AS_ORDERS = Maps(
    "orders",
    order_id="id", store_id="profile_id", customer_id="customer_id", created_at="created_at",
    order_date=DayOf("created_at", Const("UTC")), currency="amount__currency", gross="amount__value",
    total="amount__value", refunds="amount_refunded__value", status="status",
    is_cancelled=Expr("status in ('canceled', 'expired', 'failed')"), is_test=Expr("mode = 'test'"),
    meanings={
        "store_id": "the website profile of the payment (profileId)",
        "order_date": "the UTC day of createdAt (Mollie keeps no profile time zone)",
        "gross": "amount: the amount asked for (Mollie does not split a payment into items, tax and shipping)",
        "total": "amount",
        "refunds": "amountRefunded: refunded so far (only present where the method allows refunds)",
        "status": "open, pending, authorized, paid, canceled, expired or failed",
        "is_cancelled": "never paid: canceled, expired or failed",
        "is_test": "mode test",
    },
)

NO_TIME_FILTER = "its list filters by no time and its items carry no updated-at field: read whole every run"


def _list(name: str, path: str, size: int, **kw) -> RestStream:
    return RestStream(name=name, path=path, params={"limit": size}, paginator=pages(), primary_key=("id",),
                      cursor=FullRefresh(NO_TIME_FILTER), **kw)


def streams(config: MollieConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        _list("payments", "payments", size,
              description="Payments: amount, refunded, captured and charged-back amounts, status and its times.",
              records=Records("_embedded.payments",
                              drop=("details", "billingAddress", "shippingAddress", "metadata", "lines", "_links",
                                    "redirectUrl", "cancelUrl", "webhookUrl", "applicationFee", "routing"),
                              rename={**snake_case("sequenceType", "profileId", "customerId", "subscriptionId", "mandateId",
                                                   "settlementId", "orderId", "countryCode", "isCancelable", *PAYMENT_TIMES),
                                      **money(*PAYMENT_MONEY)},
                              formats=dict.fromkeys(snake_case(*PAYMENT_TIMES).values(), ISO_DATETIME)),
              transform=without_nulls(Payment), contract=Payment, unified=PAYMENTS_AS_ORDERS),
        _list("refunds", "refunds", size, description="Refunds of payments: amount, status, payment.",
              records=Records("_embedded.refunds", drop=("metadata", "_links", "routingReversals", "externalReference"),
                              rename={**snake_case("paymentId", "settlementId", "createdAt"), **money("amount", "settlementAmount")},
                              formats={"created_at": ISO_DATETIME}),
              transform=without_nulls(Refund), contract=Refund),
        _list("customers", "customers", size, description="Customers, without name and email.",
              records=Records("_embedded.customers", drop=("name", "email", "metadata", "_links"),
                              rename=snake_case("createdAt"), formats={"created_at": ISO_DATETIME}),
              transform=without_nulls(Customer), contract=Customer),
    ]


connector = declare(
    "mollie", title="Mollie", api=API, config=MollieConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://docs.mollie.com/reference/overview", category="payments",
    support_policy="https://docs.mollie.com/reference/overview (v2 is the current API; v1 was retired)",
    description="Mollie: payments (into the unified orders, refunds as updates of the payment's row), refunds and customers.",
    error_example={"status": 401, "title": "Unauthorized Request", "detail": "Missing authentication, or failed to authenticate",
                   "_links": {"documentation": {"href": "https://docs.mollie.com/overview/authentication", "type": "text/html"}}},
)
source = source_function(connector)

__all__ = ["connector", "source", "MollieConfig"]
