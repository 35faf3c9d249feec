"""Braintree: the Braintree GraphQL API (``Braintree-Version: 2019-01-01``), declared.

Reference: https://graphql.braintreepayments.com/ (https://developer.paypal.com/braintree/graphql/),
the schema Braintree publishes, https://github.com/braintree/graphql-api ``schema.graphql``
(commit 2252d472, 2025-04-29), and the official Python SDK's GraphQL client
(https://github.com/braintree/braintree_python ``braintree/util/graphql_client.py``) for
the error classes. One endpoint, ``POST https://payments.braintree-api.com/graphql``
(sandbox ``https://payments.sandbox.braintree-api.com/graphql``: set ``base_url``), an API
key pair as HTTP basic auth (``Authorization: Basic base64(public_key:private_key)``), the
version date in ``Braintree-Version`` ("Making API Calls").

Streams (``search`` queries, Relay connections: ``after`` = the page's ``endCursor`` while
``pageInfo.hasNextPage``; no ``first`` is sent, Braintree picks the page size):

- ``transactions``: ``search { transactions(input: {createdAt: {greaterThanOrEqualTo,
  lessThanOrEqualTo}}) }``. Braintree's search has no updated-at: a transaction changes
  status after its creation (authorized, submitted for settlement, settled, voided, or
  expired after its authorization's time frame, which "differ[s] by card type, transaction
  type, and, in some cases, merchant category"), so each run reads again the last 30 days
  of creations: the longest authorization time frame we chose to cover.
- ``refunds``: ``search { refunds(input: {createdAt: ...}) }`` with each refund's
  ``refundedTransaction { id }``; a refund is a payment of its own, the refunded
  transaction is not changed by it. Same look-back (a refund settles after creation).

Timestamps are "ISO 8601 ... with microsecond precision, in UTC"; the search's range takes
"the lower bound inclusive, the upper bound exclusive, and one minute is always added to the
upper bound" (``SearchTimestampInput``): windows overlap by a minute, the merge keeps one row.

Unified: transactions map into ``orders`` (``amount`` as gross and total: Braintree does not
split a transaction into items, tax and shipping here), ``refunds`` the sum of the refunds
naming them that did not fail (`facts.Total`: a refund created on a later day changes the
sale's row, never adds one), on the UTC day of ``createdAt`` (the API keeps no merchant time
zone). Money: ``Amount`` is "a whole number or a number with exactly two or three decimal
places" as text, in the currency ``currencyCode``: loaded as exact decimals.

Errors: GraphQL's ``{"errors": [{"message", "extensions": {"errorClass", "legacyCode"}}],
"extensions": {"requestId"}}``, "always" with HTTP 200; ``errorClass`` AUTHENTICATION and
AUTHORIZATION stop the sync, RESOURCE_LIMIT (too many requests), INTERNAL and
SERVICE_AVAILABILITY are retried, VALIDATION, NOT_FOUND and UNSUPPORTED_CLIENT fail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps, Total
from bosco_connectors.framework.kept import KeptTable
from bosco_connectors.framework.paginators import GraphQLPageInfo, PageRequest
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

BRAINTREE_VERSION = "2019-01-01"


class BraintreeConfig(SourceConfig):
    """Config of the ``braintree`` source (plus the fields every source accepts)."""

    public_key: str = Field(description="The API key's public key (Settings > API > API Keys), the basic-auth user name.")
    private_key: SecretStr = Field(description="The API key's private key, the basic-auth password.")
    requests_per_second: float = Field(default=5.0, gt=0, le=50,
                                       description="Our pace: Braintree publishes no number; it answers RESOURCE_LIMIT.")


class Transaction(Contract):
    """A transaction (``search.transactions``), its node's fields as columns."""

    id: Id = Field(description="The GraphQL id (base64 of the legacy id with its type).")
    legacy_id: str | None = Field(default=None, description="The id the Control Panel and the server SDKs show.")
    created_at: dt.datetime
    status: str | None = Field(default=None, description="PaymentStatus: AUTHORIZED, SUBMITTED_FOR_SETTLEMENT, SETTLED, VOIDED, ...")
    order_id: str | None = None
    merchant_account_id: str | None = None
    channel: str | None = None
    source: str | None = None
    amount__value: Decimal | None = Field(default=None, description="Amount, currency units.")
    amount__currency_code: str | None = None
    discount_amount: Decimal | None = None
    customer_id: str | None = None


class Refund(Contract):
    """A refund (``search.refunds``) and the transaction it refunds."""

    id: Id
    legacy_id: str | None = None
    created_at: dt.datetime
    status: str | None = None
    order_id: str | None = None
    merchant_account_id: str | None = None
    amount__value: Decimal | None = Field(default=None, description="Amount refunded, currency units.")
    amount__currency_code: str | None = None
    refunded_transaction_id: str | None = None


API = Api(
    base_url="https://payments.braintree-api.com/",
    auth=Basic("public_key", "private_key"),
    headers={"Braintree-Version": BRAINTREE_VERSION},
    errors=ErrorMap(
        "Braintree", code="errors.0.extensions.errorClass", message=("errors.0.message",), request_id="extensions.requestId",
        codes={
            "AUTHENTICATION": Action.AUTH, "AUTHORIZATION": Action.AUTH,
            "RESOURCE_LIMIT": Action.RETRY, "INTERNAL": Action.RETRY, "SERVICE_AVAILABILITY": Action.RETRY,
            "VALIDATION": Action.FAIL, "NOT_FOUND": Action.FAIL, "UNSUPPORTED_CLIENT": Action.FAIL,
        },
        hints={Action.AUTH: "check the public and private key (an API key of this environment: production or sandbox) "
                            "and that its user may search transactions"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

#: See the module docstring: the authorizations' longest time frame we cover.
STATUS_CHANGES = timedelta(days=30)
CREATED = WindowParams("variables.input.createdAt.greaterThanOrEqualTo", "variables.input.createdAt.lessThanOrEqualTo",
                       format=DATETIME, in_body=True)
PAGE = "pageInfo { hasNextPage endCursor }"


def search_query(operation: str, root: str, input_type: str, node: str) -> str:
    """``query <operation>($input, $after) { search { <root>(input: $input, after: $after) { pageInfo edges { node } } } }``."""
    return (f"query {operation}($input: {input_type}!, $after: String) {{ search {{ {root}(input: $input, after: $after) "
            f"{{ {PAGE} edges {{ node {{ {node} }} }} }} }} }}")


TRANSACTION_FIELDS = ("id legacyId createdAt status orderId merchantAccountId channel source amount { value currencyCode } "
                      "discountAmount customer { id }")
REFUND_FIELDS = "id legacyId createdAt status orderId merchantAccountId amount { value currencyCode } refundedTransaction { id }"


def node_columns(*names: str) -> dict[str, str]:
    """``{"node.createdAt": "created_at", "node.amount.value": "amount__value", ...}``: the node's fields as columns."""
    import re

    def column(path: str) -> str:
        return "__".join(re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower() for part in path.split("."))

    return {f"node.{name}": column(name) for name in names}


TRANSACTION_COLUMNS = {**node_columns("id", "legacyId", "createdAt", "status", "orderId", "merchantAccountId", "channel", "source",
                                      "amount.value", "amount.currencyCode", "discountAmount"), "node.customer.id": "customer_id"}
REFUND_COLUMNS = {**node_columns("id", "legacyId", "createdAt", "status", "orderId", "merchantAccountId", "amount.value",
                                 "amount.currencyCode"), "node.refundedTransaction.id": "refunded_transaction_id"}
#: Refund statuses that moved no money back.
REFUND_FAILED = "('FAILED', 'GATEWAY_REJECTED', 'PROCESSOR_DECLINED', 'SETTLEMENT_DECLINED', 'VOIDED')"


@dataclass(kw_only=True)
class Search(RestStream):
    """One ``search`` query posted to ``graphql``: the window in ``variables.input``, the page's
    cursor in ``variables.after`` (the framework's `GraphQLPageInfo`)."""

    path: str = "graphql"
    method: str = "POST"  # type: ignore[assignment]
    arrow: bool = True

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        body = super().request_params(ctx, page)
        body.setdefault("variables", {}).update(page.variables)
        return body


@dataclass(kw_only=True)
class KeptSearch(Search, KeptTable):
    """A search whose table exists even before its first record (the refunds the orders sum)."""


TRANSACTIONS_AS_ORDERS = Maps(
    "orders",
    order_id="id", order_number="order_id", store_id="merchant_account_id", customer_id="customer_id",
    created_at="created_at", order_date=DayOf("created_at", Const("UTC")), currency="amount__currency_code",
    gross="amount__value", total="amount__value",
    refunds=Total("refunds", key="refunded_transaction_id", on="order_id", value="amount__value",
                  where=f"status not in {REFUND_FAILED}"),
    status="status", source_name="channel",
    is_cancelled=Expr("status in ('VOIDED', 'FAILED', 'GATEWAY_REJECTED', 'PROCESSOR_DECLINED', 'AUTHORIZATION_EXPIRED', "
                      "'SETTLEMENT_DECLINED')"),
    meanings={
        "store_id": "merchantAccountId: the merchant account (one per currency) that processed the transaction",
        "order_date": "the UTC day of createdAt (the API keeps no merchant time zone)",
        "gross": "amount: the amount of the transaction; Braintree does not split it into items, tax and shipping here",
        "total": "amount",
        "refunds": "the refunds naming the transaction (refundedTransaction), unless failed, declined or voided",
        "is_cancelled": "status VOIDED, FAILED, GATEWAY_REJECTED, PROCESSOR_DECLINED, AUTHORIZATION_EXPIRED or "
                        "SETTLEMENT_DECLINED: no money moved",
        "source_name": "channel: the partner or integration channel the transaction came through, when set",
    },
)


def streams(config: BraintreeConfig | None) -> list[Stream]:
    return [
        Search(
            name="transactions", description="Transactions created in the window, with their current status.",
            params={"query": search_query("Transactions", "transactions", "TransactionSearchInput", TRANSACTION_FIELDS)},
            window=CREATED, paginator=lambda: GraphQLPageInfo("data.search.transactions.pageInfo", cursor_variable="after"),
            records=Records("data.search.transactions.edges", rename=TRANSACTION_COLUMNS, formats={"created_at": ISO_DATETIME}),
            contract=Transaction, primary_key=("id",),
            cursor=Cursor("created_at", kind="datetime", lookback=STATUS_CHANGES), unified=TRANSACTIONS_AS_ORDERS,
        ),
        KeptSearch(
            name="refunds", description="Refunds created in the window, with the transaction each refunds.",
            params={"query": search_query("Refunds", "refunds", "RefundSearchInput", REFUND_FIELDS)},
            window=CREATED, paginator=lambda: GraphQLPageInfo("data.search.refunds.pageInfo", cursor_variable="after"),
            records=Records("data.search.refunds.edges", rename=REFUND_COLUMNS, formats={"created_at": ISO_DATETIME}),
            contract=Refund, primary_key=("id",), cursor=Cursor("created_at", kind="datetime", lookback=STATUS_CHANGES),
        ),
    ]


connector = declare(
    "braintree", title="Braintree", api=API, config=BraintreeConfig, streams=streams, api_version=BRAINTREE_VERSION,
    docs_url="https://graphql.braintreepayments.com/", category="payments",
    support_policy="https://graphql.braintreepayments.com/guides/making_api_calls (Braintree-Version is a date; "
                   "the schema changes additively, https://github.com/braintree/graphql-api CHANGELOG.md)",
    description="Braintree GraphQL: transactions (into the unified orders, their refunds summed) and refunds.",
    # The documented error example (https://developer.paypal.com/braintree/in-person/guides/graphql-error-handling).
    error_example={"data": {"requestChargeFromInStoreReader": None},
                   "errors": [{"message": "Reader not found.", "extensions": {"legacyCode": "96704"}}],
                   "extensions": {"requestId": "a-uuid-for-the-request"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "BraintreeConfig"]
