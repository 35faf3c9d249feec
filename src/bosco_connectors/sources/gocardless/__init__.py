"""GoCardless: the GoCardless API (``GoCardless-Version: 2015-07-06``: payments, refunds), declared.

Reference: https://developer.gocardless.com/api-reference (the reference pages render in the
browser); the paths, fields, types, version header, list envelope and error envelope here follow
GoCardless' official client, generated from its API description
(https://github.com/gocardless/gocardless-pro-ruby: ``lib/gocardless_pro/services/*``,
``resources/payment.rb``, ``resources/refund.rb``, ``list_response.rb``, ``error.rb``,
``middlewares/raise_gocardless_errors.rb``, ``client.rb``), cross-checked with Airbyte's
GoCardless manifest (paths, ``created_at[gte]``, ``after``/``limit`` paging on
``meta.cursors.after``, field types). Base ``https://api.gocardless.com/`` (sandbox
``https://api-sandbox.gocardless.com/``: set ``base_url``); an access token as
``Authorization: Bearer``; ``GoCardless-Version: 2015-07-06`` on every request (the only
version).

Streams, each a GET list answering ``{"<resource>": [...], "meta": {"cursors": {"before",
"after"}, "limit"}}``, paged with ``after`` = ``meta.cursors.after`` until it is null,
``limit`` at most 500:

- ``payments``: amount, ``amount_refunded``, currency, status, charge date, creditor and
  mandate. The list filters by ``created_at`` only, while a payment's status and refunded
  amount change for weeks after it was created (submitted, confirmed, paid out, refunded,
  charged back): read whole every run, so a refund updates the payment's row.
- ``refunds``: each refund of a payment (``links.payment``), its amount and status.

Look-back: none (both are full refreshes; see above).

Money: integers "in the lowest denomination for the currency (e.g. pence in GBP, cents in
EUR)", converted per currency (``framework.currencies.ISO_4217``). Times are ISO 8601 UTC
(``2014-05-08T17:01:06.000Z``); the API keeps no creditor time zone: the unified day is the
UTC day of ``created_at``. Metadata (free-form merchant data) is not loaded.

Errors: ``{"error": {"message", "documentation_url", "type", "request_id", "code",
"errors": [...]}}``: 401 and 403 stop the sync, 429 and 5xx are retried
(the client's status map); ``type`` ``gocardless`` (an internal error) is retried,
``invalid_api_usage``, ``invalid_state`` and ``validation_failed`` fail unless the status
says more. The default pace (10 requests a second) is our choice: a 429 is waited out and
retried.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.currencies import ISO_4217
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.paginators import CursorInBody
from bosco_connectors.framework.records import ISO_DATETIME, Records, without_nulls
from bosco_connectors.framework.spec import FullRefresh, RestStream, Stream

GOCARDLESS_VERSION = "2015-07-06"
MAX_PAGE_SIZE = 500


class GoCardlessConfig(SourceConfig):
    """Config of the ``gocardless`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="A GoCardless access token (read-only is enough), live or sandbox.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (limit, at most 500).")
    requests_per_second: float = Field(default=10.0, gt=0, le=16.0, description="Our pace; a 429 answer is waited out and retried.")


class Payment(Contract):
    """A payment (GET payments), amounts in the currency's lowest denomination."""

    id: Id
    created_at: dt.datetime
    charge_date: str | None = Field(default=None, description="YYYY-MM-DD: when the customer is (to be) charged.")
    amount: int = Field(description="Lowest denomination (pence for GBP).")
    amount_refunded: int | None = None
    currency: str
    description: str | None = None
    reference: str | None = None
    status: str = Field(description="pending_customer_approval, pending_submission, submitted, confirmed, paid_out, "
                                    "cancelled, customer_approval_denied, failed or charged_back.")
    retry_if_possible: bool | None = None
    links__creditor: str | None = None
    links__mandate: str | None = None
    links__payout: str | None = None
    links__subscription: str | None = None


class Refund(Contract):
    """A refund (GET refunds) of a payment."""

    id: Id
    created_at: dt.datetime
    amount: int
    currency: str
    reference: str | None = None
    status: str | None = None
    links__payment: str | None = None
    links__mandate: str | None = None


API = Api(
    base_url="https://api.gocardless.com/",
    auth=Bearer("access_token"),
    headers={"GoCardless-Version": GOCARDLESS_VERSION},
    errors=ErrorMap(
        "GoCardless", code="error.type", message=("error.message",), request_id="error.request_id",
        codes={"gocardless": Action.RETRY, "validation_failed": Action.FAIL, "invalid_state": Action.FAIL},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the access token, its environment (live or sandbox) and its read access"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

NO_UPDATE_FILTER = ("its list filters by created_at only, while a payment's status and refunded amount keep changing "
                    "after it is created: read whole every run")


def pages():
    return lambda: CursorInBody("meta.cursors.after", "after")


PAYMENTS_AS_ORDERS = Maps(
    "orders",
    order_id="id", order_number="reference", store_id="links__creditor", created_at="created_at",
    order_date=DayOf("created_at", Const("UTC")), currency="currency", gross="amount", total="amount",
    refunds="amount_refunded", status="status",
    is_cancelled=Expr("status in ('cancelled', 'customer_approval_denied', 'failed')"),
    units={c: ISO_4217 for c in ("gross", "total", "refunds")},
    meanings={
        "store_id": "the creditor collecting the payment (links.creditor)",
        "order_number": "reference: the merchant's reference on the customer's bank statement",
        "order_date": "the UTC day of created_at (GoCardless keeps no creditor time zone)",
        "gross": "amount: the amount collected (a Direct Debit payment has no items, tax or shipping)",
        "total": "amount",
        "refunds": "amount_refunded: refunded so far",
        "is_cancelled": "never collected: cancelled, customer_approval_denied or failed",
    },
)


def _list(name: str, contract: type[Contract], size: int, description: str, **kw) -> RestStream:
    return RestStream(
        name=name, path=name, description=description, params={"limit": size}, paginator=pages(),
        records=Records(name, drop=("metadata", "fx"), formats={"created_at": ISO_DATETIME}),
        transform=without_nulls(contract), contract=contract, primary_key=("id",), cursor=FullRefresh(NO_UPDATE_FILTER), **kw)


def streams(config: GoCardlessConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        _list("payments", Payment, size, "Payments: amount, refunded amount, status, charge date, creditor, mandate.",
              unified=PAYMENTS_AS_ORDERS),
        _list("refunds", Refund, size, "Refunds of payments: amount, status, payment."),
    ]


connector = declare(
    "gocardless", title="GoCardless", api=API, config=GoCardlessConfig, streams=streams, api_version=GOCARDLESS_VERSION,
    docs_url="https://developer.gocardless.com/api-reference", category="payments",
    support_policy="https://developer.gocardless.com/api-reference (GoCardless-Version 2015-07-06 is the current version)",
    description="GoCardless: Direct Debit payments (into the unified orders, refunds as updates of the payment's row) "
                "and refunds.",
    error_example={"error": {"message": "Access token not found", "documentation_url":
                             "https://developer.gocardless.com/api-reference",
                             "type": "invalid_api_usage", "request_id": "00000000-0000-0000-0000-000000000000", "code": 401,
                             "errors": []}},
)
source = source_function(connector)

__all__ = ["connector", "source", "GoCardlessConfig"]
