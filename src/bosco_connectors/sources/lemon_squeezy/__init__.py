"""Lemon Squeezy: the Lemon Squeezy API v1 (JSON:API: stores, orders, subscriptions), declared.

Reference: https://docs.lemonsqueezy.com/api (API v1: the object pages "The Order Object",
"List All Orders", "Retrieve an Order", "Issue a Refund", "Retrieve a Subscription", the
getting-started pages "Requests" and "Responses"); the reference pages render in the browser,
so the field list and types are cross-checked with the official JavaScript SDK
(https://github.com/lmsqueezy/lemonsqueezy.js ``src/<resource>/types.ts``, whose comments
are the reference's attribute descriptions). Base ``https://api.lemonsqueezy.com/v1/``; an
API key (valid one year; test-mode and live-mode keys each see their own mode's data) as
``Authorization: Bearer``; ``Accept: application/vnd.api+json``.

Streams, each a GET list answering JSON:API ``{"meta": {"page": {"currentPage", "from",
"lastPage", "perPage", "to", "total"}}, "jsonapi", "links": {"first", "last", "next"?},
"data": [{"type", "id", "attributes": {...}, "relationships", "links"}]}``, paged with
``page[number]`` and ``page[size]`` (at most 100) until ``meta.page.lastPage``:

- ``stores``: the stores of the key's account, with their currency and country.
- ``orders``: every order (``store_id``, totals in cents, ``refunded_amount``, status
  ``pending``, ``failed``, ``paid`` or ``refunded``), newest first. The list filters by
  store, email or order number only, never by time: read whole every run. "Issue a Refund"
  returns the order "with updated refunded attributes": the next run's merge on ``id``
  updates the order's row.
- ``subscriptions``: status, renewal and end dates, the product and variant; filters by
  no time either.

Look-back: none (every stream is a full refresh; see above).

Money: "a positive integer in cents" in the order's ``currency`` (the currency's smallest
unit: whole yen for JPY), converted per currency (``framework.currencies.ISO_4217``); the
``*_usd`` twins are kept as sent. Times are ISO 8601 UTC (``2021-08-17T09:45:53.000000Z``);
the API keeps no store time zone, so the unified day is the UTC day of ``created_at``.
The customer's name and email, card digits and pre-signed URLs are never loaded.

Errors: JSON:API ``{"errors": [{"detail", "status", "title"}]}`` with the HTTP status (its
``status`` a string): 401 stops the sync, 429 (300 calls a minute; ``X-Ratelimit-Limit``,
``X-Ratelimit-Remaining``) and 5xx are retried, 404 and 422 fail.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.currencies import ISO_4217
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Maps
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.records import ISO_DATETIME, Records, without_nulls
from bosco_connectors.framework.spec import FullRefresh, RestStream, Stream

API_VERSION = "v1"
MAX_PAGE_SIZE = 100  # page[size]: default 10, at most 100


class LemonSqueezyConfig(SourceConfig):
    """Config of the ``lemon_squeezy`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Lemon Squeezy API key (Settings > API; valid one year; test or live mode).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Objects per page (page[size], at most 100).")
    requests_per_second: float = Field(default=5.0, gt=0, le=5.0, description="Lemon Squeezy allows 300 API calls a minute.")


class Store(Contract):
    """A store (GET stores): its currency and country; revenue counters in USD cents."""

    id: Id
    name: str | None = None
    slug: str | None = None
    domain: str | None = None
    url: str | None = None
    plan: str | None = None
    country: str | None = None
    currency: str = Field(description="ISO 4217: the store's currency (orders carry their own).")
    total_sales: int | None = None
    total_revenue: int | None = Field(default=None, description="All-time revenue in USD cents.")
    thirty_day_sales: int | None = None
    thirty_day_revenue: int | None = Field(default=None, description="Last 30 days' revenue in USD cents.")
    created_at: dt.datetime
    updated_at: dt.datetime | None = None


class Order(Contract):
    """An order (GET orders): totals in cents of ``currency`` and in USD cents; the customer's
    name and email are not loaded. ``first_order_item`` loads as ``first_order_item__*``."""

    id: Id
    store_id: int
    customer_id: int | None = None
    identifier: str | None = Field(default=None, description="The order's UUID.")
    order_number: int | None = Field(default=None, description="Sequential per store.")
    currency: str
    currency_rate: str | None = Field(default=None, description="To USD at purchase; \"1.0000\" for USD orders.")
    subtotal: int = Field(description="Cents of currency: before discount and tax.")
    setup_fee: int | None = None
    discount_total: int | None = None
    tax: int | None = None
    total: int | None = Field(default=None, description="Cents of currency: what the customer paid.")
    refunded_amount: int | None = Field(default=None, description="Cents of currency refunded so far.")
    subtotal_usd: int | None = None
    setup_fee_usd: int | None = None
    discount_total_usd: int | None = None
    tax_usd: int | None = None
    total_usd: int | None = None
    refunded_amount_usd: int | None = None
    tax_name: str | None = None
    tax_rate: str | None = None
    tax_inclusive: bool | None = None
    status: str = Field(description="pending, failed, paid or refunded.")
    refunded: bool | None = Field(default=None, description="True once the order has been refunded (in full).")
    refunded_at: dt.datetime | None = None
    first_order_item__id: int | None = None
    first_order_item__product_id: int | None = None
    first_order_item__variant_id: int | None = None
    first_order_item__product_name: str | None = None
    first_order_item__variant_name: str | None = None
    first_order_item__price: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    test_mode: bool | None = None


class Subscription(Contract):
    """A subscription (GET subscriptions); the customer's name, email and card are not loaded."""

    id: Id
    store_id: int
    customer_id: int | None = None
    order_id: int | None = None
    order_item_id: int | None = None
    product_id: int | None = None
    variant_id: int | None = None
    product_name: str | None = None
    variant_name: str | None = None
    status: str = Field(description="on_trial, active, paused, past_due, unpaid, cancelled or expired.")
    payment_processor: str | None = None
    cancelled: bool | None = None
    billing_anchor: int | None = None
    trial_ends_at: dt.datetime | None = None
    renews_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    test_mode: bool | None = None


API = Api(
    base_url="https://api.lemonsqueezy.com/v1/",
    auth=Bearer("api_key"),
    headers={"Accept": "application/vnd.api+json"},
    errors=ErrorMap(
        "Lemon Squeezy", code="errors.0.status", message=("errors.0.detail", "errors.0.title"),
        codes={"401": Action.AUTH, "403": Action.AUTH, "429": Action.RETRY, "404": Action.FAIL, "422": Action.FAIL,
               **dict.fromkeys(("500", "502", "503", "504"), Action.RETRY)},
        hints={Action.AUTH: "check the API key (it expires after a year) and its mode (test or live)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

PRIVATE = ("user_name", "user_email", "urls", "card_brand", "card_last_four")
NO_TIME_FILTER = "its list filters by store, email or status only, never by time: read whole every run"


def pages(size: int):
    return lambda: PageNumber(page_size=size, page_param="page[number]", size_param="page[size]",
                              total_pages_path="meta.page.lastPage")


def times(contract: type[Contract]) -> dict:
    return dict.fromkeys([f for f in contract.model_fields if f.endswith(("_at",))], ISO_DATETIME)


ORDERS = Maps(
    "orders",
    order_id="id", order_number="order_number", store_id="store_id", customer_id="customer_id",
    created_at="created_at", updated_at="updated_at", order_date=DayOf("created_at", Const("UTC")),
    currency="currency", gross="subtotal", discounts="discount_total", tax="tax", total="total",
    refunds="refunded_amount", status="status", is_test="test_mode",
    units={c: ISO_4217 for c in ("gross", "discounts", "tax", "total", "refunds")},
    meanings={
        "order_date": "the UTC day of created_at (Lemon Squeezy keeps no store time zone)",
        "gross": "subtotal: before discount and tax (a subscription's setup fee is its own field, setup_fee)",
        "discounts": "discount_total", "tax": "tax", "total": "total: what the customer paid",
        "refunds": "refunded_amount: refunded so far",
        "status": "pending, failed, paid or refunded (in full)",
        "is_test": "test_mode",
    },
)


def _list(name: str, contract: type[Contract], size: int, description: str, **kw) -> RestStream:
    return RestStream(
        name=name, path=name, description=description, paginator=pages(size),
        records=Records("data", flatten=("attributes",), drop=(*PRIVATE, "relationships", "links", "type", "pause",
                                                                "first_subscription_item"),
                        formats=times(contract)),
        transform=without_nulls(contract), contract=contract, primary_key=("id",), cursor=FullRefresh(NO_TIME_FILTER), **kw)


def streams(config: LemonSqueezyConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        _list("stores", Store, size, "The account's stores: currency, country, plan, revenue counters."),
        _list("orders", Order, size, "Orders: totals in cents, refunded amount, status, first item.", unified=ORDERS),
        _list("subscriptions", Subscription, size, "Subscriptions: status, product, renewal and end dates."),
    ]


connector = declare(
    "lemon_squeezy", title="Lemon Squeezy", api=API, config=LemonSqueezyConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://docs.lemonsqueezy.com/api", category="commerce",
    support_policy="https://docs.lemonsqueezy.com/api/getting-started/changelog (v1 is the only version; additive changes)",
    description="Lemon Squeezy: orders (into the unified orders, refunds as updates of the order's row), stores and "
                "subscriptions.",
    error_example={"jsonapi": {"version": "1.0"}, "errors": [{"detail": "Unauthenticated.", "status": "401", "title": "Unauthorized"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "LemonSqueezyConfig"]
