"""WooCommerce: a store's orders, order lines, products and customers, declared.

Reference: the WooCommerce REST API v3 (``/wp-json/wc/v3/``),
https://woocommerce.github.io/woocommerce-rest-api-docs/ (source:
https://github.com/woocommerce/woocommerce-rest-api-docs, ``source/includes/wp-api-v3/``).
The store is the merchant's own WordPress site: ``base_url`` is required
(``https://shop.example.com/wp-json/wc/v3/``). Authentication: a REST API consumer key and
secret as HTTP basic auth over HTTPS (the documented way; "Authentication over HTTPS").

Streams:

- ``store`` (GET system_status): the site's URL (the store's id here), WooCommerce version
  and store currency (``environment`` and ``settings`` moved up; the rest of the report,
  plugins, theme, database, is not loaded).
- ``orders`` (GET orders): incremental on ``date_modified_gmt`` (``modified_after`` /
  ``modified_before`` with ``dates_are_gmt=true``), sorted by id, paged with
  ``page``/``per_page`` (at most 100) until a short or empty page. Money is text (``"29.35"``),
  loaded as exact decimals. A refund changes the order (``refunds`` lists each one, its
  ``total`` negative as the API writes it; its status may become ``refunded``) and moves
  ``date_modified``, so the next run reads the order again and its row is updated.
  ``refunds_total`` (the sum of those totals) and ``coupon_codes`` are computed here from
  ``refunds`` and ``coupon_lines``. No billing or shipping address is loaded.
- ``order_lines`` (GET orders, the same window, with ``_fields`` naming only what the lines
  need: WordPress's global parameter,
  https://developer.wordpress.org/rest-api/using-the-rest-api/global-parameters/#_fields): one
  row per ``line_items`` item, with its order's id, dates and currency (``order_`` prefix).
- ``products`` (GET products): incremental on ``date_modified_gmt`` like orders.
- ``customers`` (GET customers): the API has no modified-since filter, so every run reads
  all customers (sorted by id); no personal data (names, email, addresses, user name).

Days: WooCommerce documents ``date_created`` as "the date the order was created, in the site's
timezone" and ``date_created_gmt`` as GMT; the store's day of an order is the date of
``date_created`` (kept as the text the API sends). The REST API exposes no site time zone
(``system_status``'s ``default_timezone`` is PHP's, which WordPress keeps at UTC).

Look-back: one day (WooCommerce documents no delay; an order changed while a run was paging is
read again). Limits: the REST API v3 documents no rate limit (hosts may add their own; a 429 is
retried). Errors (https://woocommerce.github.io/woocommerce-rest-api-docs/#errors) are
``{"code", "message", "data": {"status"}}``: 401 (``woocommerce_rest_cannot_view``,
``woocommerce_rest_authentication_error``) and 403 stop the sync.

Unified facts: ``orders`` and ``order_lines``. The REST reference documents no UTM, landing
page or referrer field of an order; ``created_via`` (checkout, admin, rest-api) is its source.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Expr, Maps
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

MAX_PAGE_SIZE = 100  # WordPress REST collections: per_page is 1 to 100
GMT = "%Y-%m-%dT%H:%M:%S"  # "2017-03-22T19:28:08" (the *_gmt fields carry no offset)
ONE_DAY = timedelta(days=1)
PERSONAL = ("billing", "shipping", "customer_ip_address", "customer_user_agent", "customer_note")


class WooCommerceConfig(SourceConfig):
    """Config of the ``woocommerce`` source (plus the fields every source accepts)."""

    base_url: str = Field(description="The store's REST API root, https://<site>/wp-json/wc/v3/ (each store is its own site).")
    consumer_key: SecretStr = Field(description="REST API consumer key (ck_...), sent as the basic-auth user.")
    consumer_secret: SecretStr = Field(description="REST API consumer secret (cs_...), sent as the basic-auth password.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (1-100).")
    requests_per_second: float = Field(default=5.0, gt=0, description="Pace of requests (the store's own server answers them).")


# -- contracts --------------------------------------------------------------------------------


class Store(Contract):
    """The store, from GET system_status (``environment`` and ``settings`` fields)."""

    home_url: str = Field(description="The site's URL: the store's id.")
    currency: str | None = None
    version: str | None = Field(default=None, description="WooCommerce version.")


class Order(Contract):
    """One order, from GET orders. Money as text in the order's currency."""

    id: Id
    number: str | None = None
    status: str | None = None
    currency: str | None = None
    created_via: str | None = None
    customer_id: Id | None = Field(default=None, description="0 for a guest.")
    date_created: str = Field(description="In the site's time zone, without offset, as sent.")
    date_created_gmt: dt.datetime
    date_modified_gmt: dt.datetime
    date_paid: str | None = None
    date_paid_gmt: dt.datetime | None = None
    date_completed: str | None = None
    date_completed_gmt: dt.datetime | None = None
    discount_total: Decimal | None = None
    shipping_total: Decimal | None = None
    total: Decimal | None = None
    total_tax: Decimal | None = None
    refunds_total: Decimal = Field(description="Sum of refunds[].total: negative, as WooCommerce writes refunds.")
    coupon_codes: str | None = Field(default=None, description="coupon_lines[].code, comma-separated.")


class OrderLine(Contract):
    """One line item of an order, from GET orders (``line_items``), its order's fields prefixed ``order_``."""

    id: Id
    order_id: Id
    order_date_created: str = Field(description="The order's date_created, in the site's time zone.")
    order_date_modified_gmt: dt.datetime
    order_currency: str | None = None
    product_id: Id | None = None
    variation_id: Id | None = Field(default=None, description="0 for a simple product.")
    name: str | None = None
    sku: str | None = None
    quantity: float | None = None
    price: Decimal | None = None
    subtotal: Decimal | None = Field(default=None, description="Line subtotal, before discounts.")
    total: Decimal | None = Field(default=None, description="Line total, after discounts.")


class Product(Contract):
    """One product, from GET products."""

    id: Id
    name: str | None = None
    sku: str | None = None
    price: Decimal | None = None
    date_modified_gmt: dt.datetime
    date_on_sale_from: str | None = None
    date_on_sale_from_gmt: dt.datetime | None = None
    date_on_sale_to: str | None = None
    date_on_sale_to_gmt: dt.datetime | None = None
    stock_quantity: float | None = None
    shipping_class_id: Id | None = None
    # text fields a product may leave empty ("" loads as null)
    sale_price: Decimal | None = None
    weight: str | None = None
    tax_class: str | None = None
    shipping_class: str | None = None
    external_url: str | None = None
    button_text: str | None = None
    purchase_note: str | None = None


class Customer(Contract):
    """One customer without personal data, from GET customers."""

    id: Id
    role: str | None = None
    is_paying_customer: bool | None = None
    date_created_gmt: dt.datetime | None = None
    date_modified_gmt: dt.datetime | None = None


# -- the API ------------------------------------------------------------------------------------

API = Api(
    base_url="https://example.com/wp-json/wc/v3/",  # every store is its own site: config base_url
    auth=Basic("consumer_key", "consumer_secret"),
    errors=ErrorMap(
        "WooCommerce", code="code", message=("message",),
        codes={"woocommerce_rest_cannot_view": Action.AUTH, "woocommerce_rest_authentication_error": Action.AUTH,
               "woocommerce_rest_authentication_missing": Action.AUTH, "rest_forbidden": Action.AUTH},
        hints={Action.AUTH: "check the consumer key and secret and that the key's user may read orders (Read permission)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def _totals(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """The order's refunds summed (as WooCommerce writes them: negative) and its coupon codes."""
    refunds = record.get("refunds") or []
    record["refunds_total"] = sum((Decimal(str(r["total"])) for r in refunds if r.get("total") not in (None, "")), Decimal(0))
    codes = [c["code"] for c in record.get("coupon_lines") or [] if c.get("code")]
    record["coupon_codes"] = ",".join(codes) if codes else None
    return record


def pages(size: int):
    return lambda: PageNumber(page_size=size, page_param="page", size_param="per_page")


MODIFIED = WindowParams("modified_after", "modified_before", format=DATETIME)
BY_ID = {"orderby": "id", "order": "asc", "dates_are_gmt": "true"}
LINE_FIELDS = "id,date_created,date_modified_gmt,currency,line_items"


def streams(config: WooCommerceConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    gmt = {"date_created_gmt": GMT, "date_modified_gmt": GMT, "date_paid_gmt": GMT, "date_completed_gmt": GMT}
    return [
        RestStream(
            name="store", description="The site's URL, WooCommerce version and store currency.", path="system_status",
            records=Records(flatten=("environment", "settings"), drop=("database", "active_plugins", "theme", "security", "pages")),
            contract=Store, primary_key=("home_url",), cursor=FullRefresh("one report of current settings, with no date to filter on"),
        ),
        RestStream(
            name="orders", description="Orders with totals, status, refunds and coupons (no addresses).", path="orders",
            params=BY_ID, window=MODIFIED, paginator=pages(size),
            records=Records(formats=gmt, drop=PERSONAL), transform=_totals,
            contract=Order, primary_key=("id",), cursor=Cursor("date_modified_gmt", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "orders", order_id="id", order_number="number", customer_id="customer_id", currency="currency",
                store_id=Lookup("store", (), "home_url", on=()),
                order_date=Expr("cast(substr(date_created, 1, 10) as date)"),
                created_at="date_created_gmt", updated_at="date_modified_gmt",
                gross=Expr("total - total_tax - shipping_total + discount_total"), discounts="discount_total",
                refunds=Expr("-refunds_total"), tax="total_tax", shipping="shipping_total", total="total", status="status",
                is_cancelled=Expr("status = 'cancelled'"), source_name="created_via", discount_codes="coupon_codes",
                meanings={"order_date": "the date of date_created, which WooCommerce writes in the site's time zone",
                          "gross": "total - total_tax - shipping_total + discount_total: the items' subtotal, fees included",
                          "refunds": "the order's refunds summed (WooCommerce writes each total negative)",
                          "source_name": "created_via (checkout, admin, rest-api, ...)"},
            ),
        ),
        RestStream(
            name="order_lines", description="One row per line item of the orders read, with its order's id, dates and currency.",
            path="orders", params={**BY_ID, "_fields": LINE_FIELDS}, window=MODIFIED, paginator=pages(size),
            records=Records(explode="line_items", parent_prefix="order_", formats={"order_date_modified_gmt": GMT}),
            contract=OrderLine, primary_key=("order_id", "id"),
            cursor=Cursor("order_date_modified_gmt", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "order_lines", order_id="order_id", line_id="id", product_id="product_id", variant_id="variation_id", sku="sku",
                title="name", quantity="quantity", price="price", currency="order_currency",
                discounts=Expr("subtotal - total"), store_id=Lookup("store", (), "home_url", on=()),
                order_date=Expr("cast(substr(order_date_created, 1, 10) as date)"),
                meanings={"price": "price: the product's unit price", "discounts": "subtotal - total: the line's discounts"},
            ),
        ),
        RestStream(
            name="products", description="Products: name, SKU, price, stock.", path="products", params=BY_ID, window=MODIFIED,
            paginator=pages(size), records=Records(formats={**gmt, "date_on_sale_from_gmt": GMT, "date_on_sale_to_gmt": GMT},
                                                   nulls=("",)),  # a price not set is "" (a variable product's)
            contract=Product, primary_key=("id",), cursor=Cursor("date_modified_gmt", kind="datetime", lookback=ONE_DAY),
        ),
        RestStream(
            name="customers", description="Customers without personal data: role, paying or not, dates.", path="customers",
            params={"orderby": "id", "order": "asc"}, paginator=pages(size),
            records=Records(formats=gmt, drop=("email", "first_name", "last_name", "username", "billing", "shipping", "avatar_url")),
            contract=Customer, primary_key=("id",),
            cursor=FullRefresh("GET customers documents no modified-since filter (search, email, role, include only)"),
        ),
    ]


connector = declare(
    "woocommerce", title="WooCommerce", api=API, config=WooCommerceConfig, streams=streams, api_version="wc/v3",
    docs_url="https://woocommerce.github.io/woocommerce-rest-api-docs/", category="commerce",
    support_policy="https://woocommerce.github.io/woocommerce-rest-api-docs/ (v3 is the current REST API version)",
    description="WooCommerce: orders (with refunds) and their lines on the store's day, products and customers.",
    # The documented error body (https://woocommerce.github.io/woocommerce-rest-api-docs/#errors).
    error_example={"code": "woocommerce_rest_term_invalid", "message": "Resource doesn't exist.", "data": {"status": 404}},
)
source = source_function(connector)

__all__ = ["connector", "source", "WooCommerceConfig"]
