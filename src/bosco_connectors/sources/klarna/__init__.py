"""Klarna: the Klarna Settlements API v1 (1.0.0-rc2), declared.

Reference: https://docs.klarna.com/settlement-reports/api (Klarna Settlements API 1.0.0-rc2,
with its OpenAPI description) and the official .NET SDK, https://github.com/klarna/kco_rest_dotnet
(``Klarna.Rest.Core/Store/SettlementStore.cs``, ``Model/SettlementsPayout.cs``,
``Model/SettlementsPayoutTotals.cs``, ``Model/Transaction.cs`` and the response bodies of its
tests, ``Klarna.Rest.Core.Tests/Data/Settlements*.json``). Base
``https://api.klarna.com/settlements/v1/`` (Europe; North America ``https://api-na.klarna.com/``,
Oceania ``https://api-oc.klarna.com/``, playground ``https://api.playground.klarna.com/``: set
``base_url``); the API credentials (username and password) as HTTP basic auth.

Streams:

- ``payouts``: GET ``payouts`` with ``start_date``/``end_date`` (ISO 8601 date-times filtering
  the payout date; Klarna advises full date-times such as ``...T23:59:59Z``), paged with
  ``offset``/``size`` (default 20, at most 500) until ``pagination.total`` is reached. A payout
  is final once made: the cursor ``payout_date`` looks back one day only for payouts booked
  while the previous run read.
- ``transactions``: GET ``transactions?payment_reference=`` for each payout of the run's
  window (the API has no date filter on transactions: they are reached through their payout),
  the same paging. A transaction has no id of its own: the key is ``payment_reference``,
  ``type``, ``capture_id``, ``refund_id``, ``order_id`` and ``amount`` joined in
  ``transaction_key`` (ours).

Unified: SALE transactions (a capture: a sale settled) map into ``orders`` keyed by their
``capture_id``; ``refunds`` are the RETURN transactions naming the same capture (`facts.Total`,
their absolute amount), so a return settled in a later payout changes the sale's row. Money:
integers "in minor units" of ``currency_code`` (``framework.currencies.ISO_4217``). Times are
ISO 8601 UTC; the unified day is the UTC day of ``sale_date``.

Errors: ``{"error_code", "error_messages", "correlation_id"}`` (the SDK's ``ErrorMessage``)
with the HTTP status: 401/403 stop the sync, 429 and 5xx are retried.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Iterator

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.currencies import ISO_4217
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Maps, Total
from bosco_connectors.framework.paginators import OffsetLimit
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

API_VERSION = "v1"
MAX_PAGE_SIZE = 500  # "A maximum of 500 can be set"


class KlarnaConfig(SourceConfig):
    """Config of the ``klarna`` source (plus the fields every source accepts)."""

    username: str = Field(description="The API credentials' username (Merchant portal > Settings > API credentials).")
    password: SecretStr = Field(description="The API credentials' password.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Elements per page (size, 1-500).")
    requests_per_second: float = Field(default=5.0, gt=0, le=50,
                                       description="Our pace: the Settlements API publishes no rate limit; it answers 429.")


class Payout(Contract):
    """A payout (GET payouts): ``totals`` (minor units) load as ``totals__*`` columns."""

    payment_reference: Id = Field(description="The payout's reference, on the merchant's bank statement.")
    payout_date: dt.datetime
    currency_code: str | None = None
    merchant_settlement_type: str | None = Field(default=None, description="NET or GROSS: whether the amounts are net or gross.")
    merchant_id: str | None = None
    totals__sale_amount: int | None = None
    totals__return_amount: int | None = None
    totals__fee_amount: int | None = None
    totals__commission_amount: int | None = None
    totals__tax_amount: int | None = None
    totals__holdback_amount: int | None = None
    totals__release_amount: int | None = None
    totals__reversal_amount: int | None = None
    totals__repay_amount: int | None = None
    totals__fee_correction_amount: int | None = None
    totals__settlement_amount: int | None = Field(default=None, description="The amount paid out, minor units.")


class Transaction(Contract):
    """A settled transaction of a payout (GET transactions?payment_reference=)."""

    transaction_key: str = Field(description="Ours: payment_reference|type|capture_id|refund_id|order_id|amount (Klarna gives none).")
    payment_reference: str
    payout_date: dt.datetime = Field(description="Ours: the payout's date (the cursor; transactions have no date filter).")
    type: str = Field(description="SALE, RETURN, FEE, REVERSAL, COMMISSION, ...")
    amount: int = Field(description="Minor units of currency_code.")
    currency_code: str | None = None
    capture_id: str | None = None
    refund_id: str | None = None
    order_id: str | None = None
    short_order_id: str | None = None
    merchant_reference1: str | None = None
    merchant_reference2: str | None = None
    sale_date: dt.datetime | None = None
    capture_date: dt.datetime | None = None
    purchase_country: str | None = None


API = Api(
    base_url="https://api.klarna.com/settlements/v1/",
    auth=Basic("username", "password"),
    errors=ErrorMap("Klarna", code="error_code", message=("error_messages.0",), request_id="correlation_id",
                    hints={Action.AUTH: "check the API username and password, and the region of base_url (EU, NA or OC)"}),
    rate=RateBudget(per_second="requests_per_second"),
)

#: See the module docstring.
PAYOUTS_SETTLE = timedelta(days=1)
TIMES = {"payout_date": ISO_DATETIME, "sale_date": ISO_DATETIME, "capture_date": ISO_DATETIME}


def pages(size: int):
    return lambda: OffsetLimit(limit=size, offset_param="offset", limit_param="size", total_path="pagination.total")


def key_of(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """``transaction_key`` (see `Transaction`) and the payout's date from the partition."""
    parts = ("payment_reference", "type", "capture_id", "refund_id", "order_id", "amount")
    record["transaction_key"] = "|".join("" if record.get(p) is None else str(record.get(p)) for p in parts)
    record["payout_date"] = ctx.partition.get("payout_date")
    return record


@dataclass(kw_only=True)
class PayoutTransactions(RestStream):
    """Transactions read payout by payout: the payouts of the run's window first (the API has no
    date filter on transactions), then each one's transactions with ``payment_reference``."""

    payouts: RestStream | None = None

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        found: dict[str, Any] = {}
        # The payouts list is asked as this stream's own request (its window, in its name): a second run
        # asks from the saved cursor less the look-back, like the payouts stream.
        for page in replace(self.payouts, name=self.name).read_records(replace(ctx, partition={})):
            for payout in page:
                found.setdefault(payout["payment_reference"], payout.get("payout_date"))
        for reference, day in found.items():
            yield from super().read(replace(ctx, partition={"payment_reference": reference, "payout_date": day}))

    @property
    def path_keys(self) -> frozenset[str]:
        return super().path_keys | {"payout_date"}  # ours, not a request parameter


SALES_AS_ORDERS = Maps(
    "orders", where="type = 'SALE'",
    order_id="capture_id", order_number="merchant_reference1", store_id=Const("merchant"),
    created_at="sale_date", order_date=DayOf("sale_date", Const("UTC")), currency="currency_code",
    gross="amount", total="amount", status="type",
    refunds=Total("transactions", key="capture_id", on="order_id", value="abs(amount)", where="type = 'RETURN'"),
    units={"gross": ISO_4217, "total": ISO_4217, "refunds": ISO_4217},
    meanings={
        "order_id": "capture_id: one row per settled capture (an order captured in parts has one row per capture)",
        "order_number": "merchant_reference1: the merchant's own order reference",
        "store_id": "the Klarna merchant (one per credential: the tenant)",
        "order_date": "the UTC day of sale_date",
        "gross": "the SALE transaction's amount; Klarna does not split it into items, tax and shipping",
        "refunds": "the RETURN transactions naming the same capture_id, as a positive amount",
    },
)


def streams(config: KlarnaConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    payouts = RestStream(
        name="payouts", description="Payouts to the merchant's bank account, with their totals per kind of transaction.",
        path="payouts", window=WindowParams("start_date", "end_date", format=DATETIME), paginator=pages(size),
        records=Records("payouts", formats={"payout_date": ISO_DATETIME}), contract=Payout, primary_key=("payment_reference",),
        cursor=Cursor("payout_date", kind="datetime", lookback=PAYOUTS_SETTLE),
    )
    return [
        payouts,
        PayoutTransactions(
            name="transactions", description="The transactions (sales, returns, fees, ...) each payout settled.",
            path="transactions", payouts=payouts, paginator=pages(size),
            records=Records("transactions", formats=TIMES), transform=key_of, contract=Transaction,
            primary_key=("transaction_key",), cursor=Cursor("payout_date", kind="datetime", lookback=PAYOUTS_SETTLE),
            unified=SALES_AS_ORDERS,
        ),
    ]


connector = declare(
    "klarna", title="Klarna", api=API, config=KlarnaConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://docs.klarna.com/settlement-reports/api", category="payments",
    support_policy="https://docs.klarna.com/settlement-reports/api (Settlements API v1, 1.0.0-rc2)",
    description="Klarna Settlements: payouts and their transactions; settled sales (with their returns) into the unified orders.",
    # The documented error object (https://docs.klarna.com/api/errors; 404 NOT_FOUND is a documented Klarna code);
    # the message text is ours, the correlation id the reference's example.
    error_example={"error_code": "NOT_FOUND", "error_messages": ["Not found"],
                   "correlation_id": "2fe0311b-adc5-45e5-ac2b-963dac83c88b"},
)
source = source_function(connector)

__all__ = ["connector", "source", "KlarnaConfig"]
