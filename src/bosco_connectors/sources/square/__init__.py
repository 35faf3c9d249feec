"""Square: the Square API v2 (Square-Version 2026-08-19), declared.

Reference: https://developer.squareup.com/reference/square (Square's OpenAPI description,
https://github.com/square/connect-api-specification ``api.json``, release 2025-08-20, and the
official Python SDK generated for 2026-08-19, https://github.com/square/square-python-sdk,
whose types add fields only); base ``https://connect.squareup.com/v2/`` (sandbox
``https://connect.squareupsandbox.com/v2/``: set ``base_url``); an access token (personal or
OAuth) as ``Authorization: Bearer``, the version in ``Square-Version``.

Streams: the seller's locations (GET /v2/locations: name, IANA time zone, currency; one
answer, no paging), payments per location (GET /v2/payments answers for the main location
unless ``location_id`` is given), refunds (GET /v2/refunds), orders (POST
/v2/orders/search, up to 10 location ids a request) and customers (POST
/v2/customers/search). Each is read incrementally on its ``updated_at`` (payments and refunds:
``updated_at_begin_time``/``updated_at_end_time`` with ``sort_field=UPDATED_AT``; orders and
customers: ``query.filter...updated_at.start_at``/``end_at``, orders sorted by UPDATED_AT as
Square requires for that filter), paged with the answer's ``cursor`` until an answer has
none (https://developer.squareup.com/docs/build-basics/common-api-patterns/pagination).
A refund raises its payment's ``refunded_money`` and ``updated_at``, so the payment is read
again and its row updated. Square documents no delay before changes are searchable: the
one-hour look-back only covers requests in flight at the previous run's end. Payments and
refunds default to those created in the last year (``begin_time``): the source asks from
``start_date`` instead, so an older payment refunded today is read too.

Unified: payments map into ``orders`` (one row per payment: ``amount_money`` as gross,
``total_money`` with the tip, ``refunded_money``), on the day of ``created_at`` in the
location's time zone. Orders are not mapped: Square models a return as a separate return
order and never changes the sale order (https://developer.squareup.com/blog/everything-is-an-order),
so only payments carry their refunds.

Money: Money objects, ``amount`` an integer "in the smallest denomination of the currency
indicated by ``currency``" (cents for USD, yen for JPY), converted per currency
(``framework.currencies.ISO_4217``).

Errors: ``{"errors": [{"category", "code", "detail", "field"}]}`` with a 4xx/5xx status
(https://developer.squareup.com/docs/build-basics/general-considerations/handling-errors);
401 ``UNAUTHORIZED``/``ACCESS_TOKEN_EXPIRED``/``ACCESS_TOKEN_REVOKED``, 403
``INSUFFICIENT_SCOPES``/``FORBIDDEN``, 429 ``RATE_LIMITED`` (Square publishes no numbers:
back off and retry), 5xx retried.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr

from ...framework import Child, SourceConfig
from ...framework.auth import Bearer
from ...framework.currencies import ISO_4217
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import DayOf, Expr, Maps
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import DATETIME, FromParent, ParentBatches, WindowParams, render_bound
from ...framework.records import ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Customer, Location, Order, Payment, PaymentRefund

SQUARE_VERSION = "2026-08-19"
MAX_PAGE_SIZE = 100  # payments, refunds and customers take at most 100; orders up to 1,000


class SquareConfig(SourceConfig):
    """Config of the ``square`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="A personal access token or an OAuth access token with PAYMENTS_READ, "
                                                 "ORDERS_READ, CUSTOMERS_READ and MERCHANT_PROFILE_READ, sent as Bearer.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Objects per page (limit, 1-100).")
    requests_per_second: float = Field(default=10.0, gt=0, le=100,
                                       description="Square publishes no rate limit; it answers 429 RATE_LIMITED when exceeded.")


API = Api(
    base_url="https://connect.squareup.com/v2/",
    auth=Bearer("access_token"),
    headers={"Square-Version": SQUARE_VERSION},
    errors=ErrorMap(
        "Square", code="errors.0.code", message=("errors.0.detail",),
        codes={
            **dict.fromkeys(("UNAUTHORIZED", "ACCESS_TOKEN_EXPIRED", "ACCESS_TOKEN_REVOKED", "FORBIDDEN",
                             "INSUFFICIENT_SCOPES", "V1_ACCESS_TOKEN"), Action.AUTH),
            **dict.fromkeys(("RATE_LIMITED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT",
                             "BAD_GATEWAY", "REQUEST_TIMEOUT"), Action.RETRY),
        },
        hints={Action.AUTH: "check the access token and its scopes (PAYMENTS_READ, ORDERS_READ, CUSTOMERS_READ, MERCHANT_PROFILE_READ)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

#: One hour (see the module docstring).
SINCE_LAST_RUN = timedelta(hours=1)
UPDATED = Cursor("updated_at", kind="datetime", lookback=SINCE_LAST_RUN)
TIMES = ("created_at", "updated_at")


def pages():
    return lambda: CursorInBody("cursor", "cursor")


def created_since_start(params: dict[str, Any]):
    """The list's fixed parameters and ``begin_time``: created since ``start_date`` (Square's default is one year)."""
    return lambda ctx: {**params, "begin_time": render_bound(ctx.config.start_date, DATETIME)}


def updated_in(filter_path: str) -> WindowParams:
    """A search's ``updated_at`` time range, in the JSON body."""
    return WindowParams(f"{filter_path}.updated_at.start_at", f"{filter_path}.updated_at.end_at", format=DATETIME, in_body=True)


AT_LOCATION = dict(on="store_id")

PAYMENTS_AS_ORDERS = Maps(
    "orders",
    order_id="id", order_number="receipt_number", store_id="location_id",
    store_name=Lookup("locations", "id", "name", **AT_LOCATION), customer_id="customer_id",
    created_at="created_at", updated_at="updated_at",
    order_date=DayOf("created_at", Lookup("locations", "id", "timezone", **AT_LOCATION)),
    currency="total_money__currency", gross="amount_money__amount", total="total_money__amount",
    refunds="refunded_money__amount", status="status", is_cancelled=Expr("status in ('CANCELED', 'FAILED')"),
    source_name="application_details__square_product",
    units={"gross": ISO_4217, "total": ISO_4217, "refunds": ISO_4217},
    meanings={
        "order_date": "the payment's day in its location's time zone",
        "gross": "amount_money: the amount processed, without the tip; Square does not split a payment into items, "
                 "tax and shipping (its order does)",
        "total": "total_money: amount_money and tip_money",
        "refunds": "refunded_money: refunds of the payment so far",
        "is_cancelled": "status CANCELED or FAILED: the payment moved no money",
        "source_name": "application_details.square_product (SQUARE_POS, ECOMMERCE_API, VIRTUAL_TERMINAL, ...)",
    },
)


def streams(config: SquareConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    locations = RestStream(
        name="locations", description="The seller's locations: name, IANA time zone, currency, status.", path="locations",
        records=Records("locations", formats={"created_at": ISO_DATETIME}), paginator=SinglePage, contract=Location,
        primary_key=("id",), cursor=FullRefresh("GET /v2/locations answers every location at once, without a filter"),
    )
    return [
        locations,
        RestStream(
            name="payments", description="Payments of each location, with refunded_money so far.", path="payments",
            params=created_since_start({"sort_field": "UPDATED_AT", "sort_order": "ASC", "limit": size}),
            partitions=FromParent(locations, {"location_id": "id"}),
            window=WindowParams("updated_at_begin_time", "updated_at_end_time", format=DATETIME), paginator=pages(),
            records=Records("payments", formats=dict.fromkeys((*TIMES, "delayed_until"), ISO_DATETIME)), contract=Payment,
            primary_key=("id",), cursor=UPDATED, unified=PAYMENTS_AS_ORDERS, arrow=True,
        ),
        RestStream(
            name="refunds", description="Refunds of payments, every location.", path="refunds",
            params=created_since_start({"sort_field": "UPDATED_AT", "sort_order": "ASC", "limit": size}),
            window=WindowParams("updated_at_begin_time", "updated_at_end_time", format=DATETIME), paginator=pages(),
            records=Records("refunds", formats=dict.fromkeys(TIMES, ISO_DATETIME)), contract=PaymentRefund,
            primary_key=("id",), cursor=UPDATED,
        ),
        RestStream(
            name="orders", description="Orders (sales, returns, exchanges) with their line items, 10 locations a request.",
            path="orders/search", method="POST",
            params={"query": {"sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}}, "limit": size},
            partitions=ParentBatches(locations, ids=("location_ids", "id"), size=10, encode=list),
            window=updated_in("query.filter.date_time_filter"), paginator=pages(),
            records=Records("orders", formats=dict.fromkeys((*TIMES, "closed_at"), ISO_DATETIME)), contract=Order,
            primary_key=("id",), cursor=UPDATED, children=(Child("line_items", primary_key=("order_id", "uid"), parent_key="order_id"),),
        ),
        RestStream(
            name="customers", description="Customer profiles.", path="customers/search", method="POST",
            params={"query": {"sort": {"field": "CREATED_AT", "order": "ASC"}}, "limit": size},
            window=updated_in("query.filter"), paginator=pages(),
            records=Records("customers", formats=dict.fromkeys(TIMES, ISO_DATETIME)), contract=Customer,
            primary_key=("id",), cursor=UPDATED,
        ),
    ]


connector = declare(
    "square", title="Square", api=API, config=SquareConfig, streams=streams, api_version=SQUARE_VERSION,
    docs_url="https://developer.squareup.com/reference/square", category="payments",
    support_policy="https://developer.squareup.com/docs/build-basics/api-lifecycle (a version keeps working; "
                   "Square releases monthly)",
    description="Square: locations, payments (into the unified orders), refunds, orders and customers.",
    error_example={"errors": [{"category": "AUTHENTICATION_ERROR", "code": "UNAUTHORIZED",
                               "detail": "This request could not be authorized."}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "SquareConfig"]
