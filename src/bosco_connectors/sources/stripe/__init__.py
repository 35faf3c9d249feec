"""Stripe: the Stripe API v1 (version 2026-07-29.dahlia, sent as ``Stripe-Version``), declared.

Reference: https://docs.stripe.com/api (the official OpenAPI description,
https://github.com/stripe/openapi ``openapi/spec3.json`` and its fixtures ``openapi/fixtures3.json``,
release of 2026-07-29); base ``https://api.stripe.com/v1/``; the secret (or a restricted,
read-only) key as ``Authorization: Bearer``.

Streams: the account of the key (``GET /v1/account``: its Dashboard time zone), and the list
endpoints of charges, payment intents, refunds, balance transactions, customers,
subscriptions (``status=all``: canceled ones too), invoices and events. Lists are read by
``created[gte]``/``created[lte]`` (Unix seconds) and paged with ``starting_after=<id of the
page's last object>`` while ``has_more`` (``limit`` at most 100; https://docs.stripe.com/api/pagination).
Objects change after they are created (a refund raises its charge's ``amount_refunded``,
an invoice is paid, a subscription canceled) and lists cannot filter on that, so each
mutable stream also reads the window's events (``GET /v1/events?type=charge.*``, kept 30
days: https://docs.stripe.com/api/events/list) and loads the objects they carry that were
created earlier, as updates of their rows (`lists.StripeList`). Its cursor is ``updated``
(the creation or event time) with a one-hour look-back: events are written when the
change happens, so the look-back only covers requests in flight at the previous run's end.
Balance transactions are never changed but for ``status`` (pending until ``available_on``,
days later per the payout schedule: https://docs.stripe.com/payouts#payout-schedule):
they are re-read seven days back.

Money: integers in the smallest unit of the row's currency (cents; whole units for
zero-decimal currencies such as JPY, thousandths for the three-decimal ones;
https://docs.stripe.com/currencies#zero-decimal), kept so in the raw tables; the unified
``orders`` fact converts each charge by its own currency (`STRIPE_MINOR_UNITS`).

Errors: ``{"error": {"type", "code", "message", ...}}`` with the HTTP status
(https://docs.stripe.com/api/errors): 401 a bad key, 403 a restricted key without the
permission, 429 too many requests (https://docs.stripe.com/rate-limits: 100 operations per
second in live mode, 25 per endpoint by default), 5xx retried. A Connect platform reading its
connected accounts would send ``Stripe-Account``: not covered here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.currencies import MinorUnits
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import DayOf, Expr, Maps
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import EPOCH, WindowParams
from ...framework.records import EPOCH_SECONDS, Records
from ...framework.spec import Contract, Cursor, FullRefresh, Stream
from ...framework.unified import Lookup
from .contracts import Account, BalanceTransaction, Charge, Customer, Event, Invoice, PaymentIntent, Refund, Subscription
from .lists import Changes, StripeList

API_VERSION = "2026-07-29.dahlia"
MAX_PAGE_SIZE = 100

#: Stripe's minor units (https://docs.stripe.com/currencies): zero-decimal and three-decimal
#: currencies; every other currency is two-decimal in the API, the documented special cases
#: included (ISK, HUF and TWD amounts are sent with two decimals even where only whole units may
#: be charged: https://docs.stripe.com/currencies#special-cases).
STRIPE_MINOR_UNITS = MinorUnits(
    "Stripe's minor unit of the row's currency",
    exceptions={
        **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
                         "XAF", "XOF", "XPF"), 0),
        **dict.fromkeys(("BHD", "JOD", "KWD", "OMR", "TND"), 3),
    },
)


class StripeConfig(SourceConfig):
    """Config of the ``stripe`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A secret key (sk_...) or a restricted key (rk_...) with read access to "
                                           "the streams you load, sent as Authorization: Bearer.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Objects per page (limit, 1-100).")
    requests_per_second: float = Field(
        default=20.0, gt=0, le=100,
        description="Stripe allows 100 operations per second in live mode (25 in a sandbox) and 25 per endpoint by default.",
    )


API = Api(
    base_url="https://api.stripe.com/v1/",
    auth=ApiKey("api_key", header="Authorization", prefix="Bearer "),
    headers={"Stripe-Version": API_VERSION},
    errors=ErrorMap(
        # Every error body has error.type (api_error, card_error, idempotency_error, invalid_request_error);
        # the HTTP status says the rest (401 key, 403 permission, 429 rate or lock_timeout, 5xx Stripe's).
        "Stripe", code="error.type", message=("error.message",),
        codes={"api_error": Action.RETRY},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the secret key, or the restricted key's read permissions"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

#: The list endpoints' window: ``created[gte]`` and ``created[lte]``, Unix seconds, both inclusive.
CREATED = WindowParams("created[gte]", "created[lte]", format=EPOCH)
#: One hour: events are written as the change happens (see the module docstring).
SINCE_LAST_RUN = timedelta(hours=1)


def pages():
    return lambda: CursorInBody("data.-1.id", "starting_after", has_more_path="has_more")


def listing(name: str, path: str, contract: type[Contract], size: int, *, changes: Changes | None,
            times: tuple[str, ...] = (), params: dict[str, Any] | None = None, description: str, **kw: Any) -> StripeList:
    cursor = Cursor("updated", kind="datetime", lookback=SINCE_LAST_RUN) if changes is not None else kw.pop("cursor")
    return StripeList(
        name=name, description=description, path=path, params={**(params or {}), "limit": size}, window=CREATED,
        paginator=pages(), records=Records("data", formats=dict.fromkeys(("created", *times), EPOCH_SECONDS)),
        contract=contract, primary_key=("id",), cursor=cursor, changes=changes, arrow=True, **kw,
    )


ACCOUNT_ID = Lookup("account", (), "id", on=())

ORDERS = Maps(
    "orders",
    order_id="id", store_id=ACCOUNT_ID, store_name=Lookup("account", (), "business_profile__name", on=()),
    customer_id="customer", created_at="created", updated_at="updated",
    order_date=DayOf("created", Lookup("account", (), "settings__dashboard__timezone", on=())),
    currency=Expr("upper(currency)"), gross="amount_captured", total="amount_captured", refunds="amount_refunded",
    status="status", is_test=Expr("not livemode"),
    units={"gross": STRIPE_MINOR_UNITS, "total": STRIPE_MINOR_UNITS, "refunds": STRIPE_MINOR_UNITS},
    meanings={
        "order_date": "the charge's day in the account's Dashboard time zone",
        "gross": "amount_captured: the amount captured (0 for failed or uncaptured charges); Stripe does not split a "
                 "charge into items, tax and shipping",
        "total": "amount_captured",
        "refunds": "amount_refunded: refunds of the charge so far",
        "status": "succeeded, pending or failed",
    },
)


def streams(config: StripeConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        StripeList(
            name="account", description="The account of the key: name, country, default currency, Dashboard time zone.",
            path="account", records=Records(formats={"created": EPOCH_SECONDS}), paginator=SinglePage, contract=Account,
            primary_key=("id",), cursor=FullRefresh("GET /v1/account is one object, the account's current settings"),
        ),
        listing("charges", "charges", Charge, size, changes=Changes("charge.*", "charge"), unified=ORDERS,
                description="Charges: amount, captured, refunded, currency, status, customer."),
        listing("payment_intents", "payment_intents", PaymentIntent, size, times=("canceled_at",),
                changes=Changes("payment_intent.*", "payment_intent"), drop=("client_secret",),
                description="Payment intents: a payment's lifecycle; its client_secret is not loaded."),
        listing("refunds", "refunds", Refund, size, changes=Changes("refund.*", "refund"),
                description="Refunds of charges: amount, reason, status."),
        listing("balance_transactions", "balance_transactions", BalanceTransaction, size, times=("available_on",),
                changes=None, cursor=Cursor("created", kind="datetime", lookback=timedelta(days=7)),
                description="Balance transactions: gross, fee and net of each charge, refund and payout."),
        listing("customers", "customers", Customer, size, changes=Changes("customer.*", "customer"),
                description="Customers."),
        listing("subscriptions", "subscriptions", Subscription, size, params={"status": "all"},
                times=("canceled_at", "ended_at", "start_date", "trial_start", "trial_end"),
                changes=Changes("customer.subscription.*", "subscription"),
                description="Subscriptions, canceled ones included."),
        listing("invoices", "invoices", Invoice, size, times=("due_date", "period_start", "period_end"),
                changes=Changes("invoice.*", "invoice"), description="Invoices."),
        listing("events", "events", Event, size, changes=None,
                cursor=Cursor("created", kind="datetime", lookback=SINCE_LAST_RUN),
                description="Events of the last 30 days: every change, with the object as it was then."),
    ]


connector = declare(
    "stripe", title="Stripe", api=API, config=StripeConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://docs.stripe.com/api", category="payments",
    support_policy="https://docs.stripe.com/upgrades (a pinned version keeps working; Stripe ships a new one monthly)",
    description="Stripe: charges (into the unified orders), payment intents, refunds, balance transactions, customers, "
                "subscriptions, invoices and events.",
    error_example={"error": {"message": "Invalid API Key provided: sk_live_*********************wXyZ",
                             "type": "invalid_request_error"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "StripeConfig", "STRIPE_MINOR_UNITS"]
