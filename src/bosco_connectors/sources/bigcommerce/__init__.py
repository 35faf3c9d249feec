"""BigCommerce: a store's orders, order lines, refunds, products and customers, declared.

Reference: the BigCommerce REST Management API, as published in BigCommerce's OpenAPI files
(https://github.com/bigcommerce/docs, ``reference/``; rendered at
https://developer.bigcommerce.com/docs/rest-management): Orders v2
(``orders.v2.oas2.yml``), Order Refunds v3 (``orders.v3.yml``), Store Information v2
(``store_information.v2.yml``), Catalog Products v3 (``catalog/products_catalog.v3.yml``) and
Customers v3 (``customers.v3.yml``). Every request goes to
``https://api.bigcommerce.com/stores/{store_hash}/`` with the API account's token in the
``X-Auth-Token`` header (https://developer.bigcommerce.com/docs/start/authentication/api-accounts).

Streams:

- ``store`` (GET v2/store): the store's name, default currency and time zone
  (``timezone.name``, an IANA zone): the store's day of every order comes from it.
- ``orders`` (GET v2/orders): read incrementally on ``date_modified`` (``min_date_modified`` /
  ``max_date_modified``, ISO-8601), paged with ``page``/``limit`` (default sort: id ascending;
  a short or empty page, HTTP 204, is the last). Money arrives as strings
  (``"336.3200"``), loaded as exact decimals. Dates are RFC 2822 (``"Wed, 10 Jan 2018
  21:05:30 +0000"``). The order's ``refunded_amount`` is documented as "always returns 0", so
  each page's refunds are read from Get All Refunds (v3, ``order_id:in``) and summed into
  ``refunded_total``; a refund changes the order (its status becomes Refunded or Partially
  Refunded), so the next run re-reads it and its row is updated, never added.
- ``order_products`` (GET v2/orders/{order_id}/products): the lines of each order the
  ``orders`` read finds in the same window, with that order's dates (``order_date_created``,
  ``order_date_modified``, the cursor) on each line.
- ``refunds`` (GET v3/orders/payment_actions/refunds): every refund, read incrementally on
  ``created`` (``created:min``/``created:max``, RFC 3339).
- ``products`` (GET v3/catalog/products) and ``customers`` (GET v3/customers): incremental on
  ``date_modified`` (``date_modified:min``/``:max``), paged with ``page``/``limit`` until
  ``meta.pagination.total_pages``. No personal data of customers is loaded (names, emails,
  phones, addresses are dropped), nor the billing address of orders.

Look-back: one day on every cursor. BigCommerce documents no delay in ``date_modified``; an
order changed while a run was paging may carry a ``date_modified`` below the highest one that
run saw, and re-reading the last day catches it (the merge keeps one row per key).

Limits (https://developer.bigcommerce.com/docs/start/best-practices/api-rate-limits): a quota
per 30-second window that depends on the plan (150 on Standard), reported in
``X-Rate-Limit-Requests-Left``; an exhausted quota answers HTTP 429 (retried with back-off).
Errors (https://developer.bigcommerce.com/docs/start/about/status-codes): 401 invalid token,
403 missing OAuth scope (both stop the sync), 429 and 5xx are retried.

Unified facts: ``orders`` (one row per order, on the store's day) and ``order_lines``. Orders
v2 documents no UTM, landing-page or referrer field: those columns stay NULL; the channel an
order came through is ``order_source`` (www, iphone, manual, external, checkout_api, ...).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any, Iterator

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Expr, Maps
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream, Window
from bosco_connectors.framework.unified import Lookup

MAX_PAGE_SIZE = 250  # BigCommerce's largest page (``limit``) on v2 and v3 collections
RFC_2822 = "%a, %d %b %Y %H:%M:%S %z"  # Orders v2 dates: "Wed, 10 Jan 2018 21:05:30 +0000"
ISO_8601 = "%Y-%m-%dT%H:%M:%S%z"  # v3 dates: "2018-08-15T14:49:05+00:00"
ONE_DAY = timedelta(days=1)
CANCELLED = 5  # status_id of Cancelled (GET v2/order_statuses)


class BigCommerceConfig(SourceConfig):
    """Config of the ``bigcommerce`` source (plus the fields every source accepts)."""

    store_hash: str = Field(pattern=r"^[a-z0-9]{1,32}$", description="The store hash (the part after /stores/ in the API path).")
    access_token: SecretStr = Field(description="An API account's access token, sent as X-Auth-Token.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (1-250).")
    requests_per_second: float = Field(default=4.0, gt=0, description="Pace of requests (Standard plan: 150 per 30 seconds).")


# -- contracts: the columns of each raw table, as BigCommerce names them -------------------


class Store(Contract):
    """The store, from GET v2/store (``timezone`` loads as ``timezone__name``, ...)."""

    id: Id = Field(description="The store hash.")
    name: str | None = None
    currency: str | None = Field(default=None, description="The store's default currency.")


class Order(Contract):
    """One order, from GET v2/orders. Money in the transactional currency (``default_currency_code``)."""

    id: Id
    customer_id: Id | None = Field(default=None, description="0 for a guest checkout.")
    date_created: dt.datetime
    date_modified: dt.datetime
    status_id: int | None = None
    status: str | None = None
    subtotal_ex_tax: Decimal | None = None
    discount_amount: Decimal | None = None
    refunded_total: Decimal | None = Field(default=None, description="Sum of the order's refunds (v3 Get All Refunds).")
    total_tax: Decimal | None = None
    shipping_cost_ex_tax: Decimal | None = None
    total_inc_tax: Decimal | None = None
    default_currency_code: str | None = None
    order_source: str | None = None
    external_source: str | None = None
    external_id: str | None = None
    external_merchant_id: str | None = None
    date_shipped: dt.datetime | None = Field(default=None, description="Empty text in the API until shipped.")
    is_deleted: bool | None = None


class OrderProduct(Contract):
    """One line of an order, from GET v2/orders/{order_id}/products."""

    id: Id
    order_id: Id
    order_date_created: dt.datetime = Field(description="The order's date_created (the line's day).")
    order_date_modified: dt.datetime = Field(description="The order's date_modified, when this line was read.")
    product_id: Id | None = None
    variant_id: Id | None = None
    sku: str | None = None
    name: str | None = None
    quantity: float | None = None
    price_ex_tax: Decimal | None = None
    option_set_id: Id | None = None
    parent_order_product_id: Id | None = Field(default=None, description="The bundle's line, for a bundled product.")
    gift_certificate_id: Id | None = None
    external_id: str | None = None


class Refund(Contract):
    """One refund, from GET v3/orders/payment_actions/refunds (``total_amount`` is a number)."""

    id: Id
    order_id: Id
    created: dt.datetime
    total_amount: Decimal | None = None


class Product(Contract):
    """One catalog product, from GET v3/catalog/products."""

    id: Id
    name: str | None = None
    sku: str | None = None
    price: Decimal | None = None
    base_variant_id: Id | None = Field(default=None, description="null for a product with options.")
    date_created: dt.datetime | None = None
    date_modified: dt.datetime


class Customer(Contract):
    """One customer without personal data, from GET v3/customers."""

    id: Id
    customer_group_id: Id | None = None
    date_created: dt.datetime | None = None
    date_modified: dt.datetime


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://api.bigcommerce.com/stores/",
    auth=ApiKey("access_token", header="X-Auth-Token"),
    errors=ErrorMap(
        # Errors are {"status", "title", "type"} (v3) or a list of {"status", "message"} (v2). A top-level
        # ``type`` (the error's documentation link) is in no data body: with it, even an HTTP 200 is an error.
        "BigCommerce", code="type", message=("title", "0.message", "message"),
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, 413: Action.FAIL},
        hints={Action.AUTH: "check the access token, the store hash and the API account's OAuth scopes "
                            "(Orders, Products, Customers: read-only)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

PERSONAL = ("email", "first_name", "last_name", "phone", "company", "addresses", "notes", "registration_ip_address",
            "authentication", "attributes", "form_fields")
STORE_ZONE = Lookup("store", (), "timezone__name", on=())
STORE_ID = Lookup("store", (), "id", on=())
STORE_NAME = Lookup("store", (), "name", on=())


def pages(size: int, total_pages: str | None = None):
    return lambda: PageNumber(page_size=size, page_param="page", size_param="limit", total_pages_path=total_pages)


@dataclasses.dataclass(kw_only=True)
class OrdersWithRefunds(RestStream):
    """Orders v2, each page's refunds summed into ``refunded_total`` (v3 Get All Refunds of
    the page's orders, ``order_id:in``): the order's own ``refunded_amount`` is always 0."""

    refunds: RestStream

    def shape(self, raw: list[dict[str, Any]], ctx: ReadContext) -> Any:
        rows = self.shape_records(raw, ctx)  # dicts, Arrow stream or not: a field is added below
        if not rows:
            return rows
        ids = [str(row["id"]) for row in rows]
        totals: dict[str, Decimal] = {}
        lookup = ReadContext(ctx.client, ctx.config, None, None, {"order_id:in": ",".join(ids)}, Window(None, None))
        for page in self.refunds.read(lookup):
            for refund in page:
                order = str(refund.get("order_id"))
                if order in ids and refund.get("total_amount") is not None:  # the filter, checked
                    totals[order] = totals.get(order, Decimal(0)) + Decimal(str(refund["total_amount"]))
        for row in rows:
            row["refunded_total"] = totals.get(str(row["id"]), Decimal(0))
        return rows


@dataclasses.dataclass(kw_only=True)
class LinesOfOrders(RestStream):
    """The lines of the orders ``orders`` finds in this run's window (one request per order),
    each with its order's dates: order lines have no date of their own to filter on."""

    orders: RestStream

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        # The orders' own listing (without their refunds), its requests counted as this stream's.
        listing = RestStream(**{f.name: getattr(self.orders, f.name) for f in dataclasses.fields(RestStream)} | {"name": self.name})
        for page in listing.read_records(ctx):
            for order in page:
                per_order = ReadContext(ctx.client, ctx.config, ctx.since, ctx.until, {"order_id": order["id"]}, ctx.window)
                for lines in super().read(per_order):
                    for line in lines:
                        line["order_id"] = str(order["id"])
                        line["order_date_created"] = order["date_created"]
                        line["order_date_modified"] = order["date_modified"]
                    yield lines


def streams(config: BigCommerceConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    refunds = RestStream(
        name="refunds", description="Every refund, with its order and amount.", path="{store_hash}/v3/orders/payment_actions/refunds",
        window=WindowParams("created:min", "created:max", format=DATETIME), paginator=pages(size),
        records=Records("data", formats={"created": ISO_8601}), contract=Refund, primary_key=("id",),
        cursor=Cursor("created", kind="datetime", lookback=ONE_DAY),
    )
    orders = OrdersWithRefunds(
        name="orders", description="Orders with totals, status, source and the sum of their refunds.", path="{store_hash}/v2/orders",
        window=WindowParams("min_date_modified", "max_date_modified", format=DATETIME), paginator=pages(size),
        records=Records(formats={"date_created": RFC_2822, "date_modified": RFC_2822, "date_shipped": RFC_2822},
                        # personal data; credit_card_type is in no schema (null or {} in the examples)
                        drop=("billing_address", "credit_card_type")),
        contract=Order, primary_key=("id",), cursor=Cursor("date_modified", kind="datetime", lookback=ONE_DAY), refunds=refunds,
        unified=Maps(
            "orders", order_id="id", order_number="id", customer_id="customer_id", store_id=STORE_ID, store_name=STORE_NAME,
            order_date=DayOf("date_created", STORE_ZONE), created_at="date_created", updated_at="date_modified",
            currency="default_currency_code", gross="subtotal_ex_tax", discounts="discount_amount", refunds="refunded_total",
            tax="total_tax", shipping="shipping_cost_ex_tax", total="total_inc_tax", status="status",
            is_cancelled=Expr(f"status_id = {CANCELLED}"), source_name="order_source",
            meanings={"gross": "subtotal_ex_tax: the items' subtotal without tax, before the order's discounts",
                      "discounts": "discount_amount: the order's discounts (coupons included)",
                      "refunds": "the sum of the order's refunds' total_amount (v3 refunds)",
                      "total": "total_inc_tax", "source_name": "order_source (www, iphone, manual, external, ...)"},
        ),
    )
    return [
        RestStream(
            name="store", description="The store: name, default currency, IANA time zone.", path="{store_hash}/v2/store",
            records=Records(drop=("admin_email", "order_email", "first_name", "last_name", "phone", "address")),
            contract=Store, primary_key=("id",), cursor=FullRefresh("one record of current settings, with no date to filter on"),
        ),
        orders,
        LinesOfOrders(
            name="order_products", description="The lines of each order read (product, variant, SKU, quantity, price).",
            path="{store_hash}/v2/orders/{order_id}/products", paginator=pages(size), orders=orders,
            records=Records(), contract=OrderProduct, primary_key=("order_id", "id"),
            cursor=Cursor("order_date_modified", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "order_lines", order_id="order_id", line_id="id", product_id="product_id", variant_id="variant_id", sku="sku",
                title="name", quantity="quantity", price="price_ex_tax", store_id=STORE_ID,
                order_date=DayOf("order_date_created", STORE_ZONE),
                currency=Lookup("orders", "id", "default_currency_code", on="order_id"),
                meanings={"price": "price_ex_tax: the unit price without tax"},
            ),
        ),
        refunds,
        RestStream(
            name="products", description="Catalog products: name, SKU, price.", path="{store_hash}/v3/catalog/products",
            window=WindowParams("date_modified:min", "date_modified:max", format=DATETIME),
            paginator=pages(size, "meta.pagination.total_pages"),
            records=Records("data", formats={"date_created": ISO_8601, "date_modified": ISO_8601}),
            contract=Product, primary_key=("id",), cursor=Cursor("date_modified", kind="datetime", lookback=ONE_DAY),
        ),
        RestStream(
            name="customers", description="Customers without personal data: group, channels, dates.", path="{store_hash}/v3/customers",
            window=WindowParams("date_modified:min", "date_modified:max", format=DATETIME),
            paginator=pages(size, "meta.pagination.total_pages"),
            records=Records("data", formats={"date_created": ISO_8601, "date_modified": ISO_8601}, drop=PERSONAL),
            contract=Customer, primary_key=("id",), cursor=Cursor("date_modified", kind="datetime", lookback=ONE_DAY),
        ),
    ]


connector = declare(
    "bigcommerce", title="BigCommerce", api=API, config=BigCommerceConfig, streams=streams, api_version="v2 orders / v3",
    docs_url="https://developer.bigcommerce.com/docs/rest-management", category="commerce",
    support_policy="https://developer.bigcommerce.com/docs/start/best-practices/sunsets (Orders v2 is current; no sunset announced)",
    description="BigCommerce: orders (with refunds) and their lines on the store's day, refunds, products and customers.",
    # A documented 401 body (reference/webhooks.v3.yml, 401_Unauthorized).
    error_example={"status": 401, "title": "Unauthorized - the v3 Auth client ID or token in the request are not a valid "
                   "combination for this store.", "type": "/api-docs/getting-started/api-status-codes"},
)
source = source_function(connector)

__all__ = ["connector", "source", "BigCommerceConfig"]
