"""Adobe Commerce (Magento 2): a store's orders, order lines, store views, products and customers, declared.

Reference: the Adobe Commerce Admin REST API, 2.4.9, as published in Adobe's OpenAPI file
(https://github.com/AdobeDocs/commerce-webapi, ``src/openapi/admin-schema-2.4.9.yaml``;
rendered at https://developer.adobe.com/commerce/webapi/rest/reference/), with the guides
"Search using REST endpoints" (https://developer.adobe.com/commerce/webapi/rest/use-rest/performing-searches/),
"Retrieve filtered responses" (https://developer.adobe.com/commerce/webapi/rest/use-rest/retrieve-filtered-responses/)
and "Rate limiting" (https://developer.adobe.com/commerce/webapi/get-started/rate-limiting/).
Every store is its own server: ``base_url`` is required (``https://<host>/rest/default/``).
Authentication: an integration's access token as a bearer token (on 2.4.4 and later the store
must allow it: Stores > Configuration > Services > OAuth > Consumer Settings, "Allow OAuth
Access Tokens to be used as standalone Bearer tokens",
https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/).

Streams:

- ``store_configs`` (GET V1/store/storeConfigs): every store view with its currencies and IANA
  ``timezone``; an order's day is the day of its ``created_at`` (UTC) in its store view's zone.
- ``orders`` (GET V1/orders): incremental on ``updated_at`` (two filter groups, ``gteq`` and
  ``lteq``, ``Y-m-d H:i:s`` in UTC), sorted by ``entity_id``, paged with
  ``searchCriteria[pageSize]``/``[currentPage]`` until ``total_count``: a page past the last
  answers the last page again, so the count alone ends the read. Money arrives as JSON numbers
  in the order's currency (``grand_total``) and the base currency (``base_*``). A credit memo
  (refund) raises ``total_refunded`` and moves ``updated_at``: the next run reads the order
  again and its row is updated. No personal data is loaded (customer names and email, the
  billing address, the payment, shipping assignments with addresses, IPs, status comments).
- ``order_items`` (GET V1/orders, the same window, with ``fields`` naming only what the lines
  need): one row per ``items`` entry, with its order's fields prefixed ``order_``. A
  configurable product is two entries (the parent, and its child with ``parent_item_id``); the
  unified lines take the parents and simple products only.
- ``products`` (GET V1/products) and ``customers`` (GET V1/customers/search): incremental on
  ``updated_at`` like orders; customers without personal data.

Look-back: one day (Adobe documents no delay in ``updated_at``; an order changed while a run was
paging is read again). Rate limits are off by default and set per store; a limited request is
answered 429 ``{"message": "Too Many Requests"}`` (retried). Errors
(``error-response``: ``message``, ``parameters``, ``trace``): 401 "The consumer isn't authorized
to access %resources." stops the sync.

Unified facts: ``orders`` and ``order_lines``. Adobe Commerce documents no UTM, landing-page or
referrer field of an order: those columns stay NULL.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Expr, Maps
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

MAX_PAGE_SIZE = 300  # Adobe documents no maximum; larger pages of full orders get slow
UTC_TEXT = "%Y-%m-%d %H:%M:%S"  # "2017-08-21 22:22:19", UTC
ONE_DAY = timedelta(days=1)
PERSONAL_ORDER = ("customer_email", "customer_firstname", "customer_lastname", "customer_middlename", "customer_prefix",
                  "customer_suffix", "customer_dob", "customer_taxvat", "customer_gender", "customer_note", "billing_address",
                  "payment", "extension_attributes", "status_histories", "remote_ip", "x_forwarded_for", "protect_code")
PERSONAL_CUSTOMER = ("email", "firstname", "lastname", "middlename", "prefix", "suffix", "dob", "gender", "taxvat", "addresses",
                     "default_billing", "default_shipping", "confirmation", "extension_attributes", "custom_attributes")


class AdobeCommerceConfig(SourceConfig):
    """Config of the ``adobe_commerce`` source (plus the fields every source accepts)."""

    base_url: str = Field(description="The store's REST root, https://<host>/rest/default/ (each store is its own server).")
    access_token: SecretStr = Field(description="An integration's access token, sent as a bearer token.")
    page_size: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE, description="Records per page (searchCriteria[pageSize]).")
    requests_per_second: float = Field(default=5.0, gt=0, description="Pace of requests (the store's own rate limits, if set).")


# -- contracts ----------------------------------------------------------------------------------


class StoreConfig(Contract):
    """One store view, from GET V1/store/storeConfigs."""

    id: Id
    code: str | None = None
    website_id: Id | None = None
    timezone: str | None = Field(default=None, description="IANA zone of the store view.")
    base_currency_code: str | None = None
    default_display_currency_code: str | None = None


class Order(Contract):
    """One order, from GET V1/orders (money in the order's currency, ``base_*`` in the base currency)."""

    entity_id: Id
    increment_id: str | None = None
    store_id: Id | None = None
    store_name: str | None = None
    customer_id: Id | None = Field(default=None, description="Empty for a guest (customer_is_guest = 1).")
    created_at: dt.datetime
    updated_at: dt.datetime
    state: str | None = None
    status: str | None = None
    order_currency_code: str | None = None
    coupon_code: str | None = None
    subtotal: Decimal | None = None
    discount_amount: Decimal | None = Field(default=None, description="Negative, as Adobe Commerce stores an order's discount.")
    tax_amount: Decimal | None = None
    shipping_amount: Decimal | None = None
    grand_total: Decimal | None = None
    total_refunded: Decimal | None = Field(default=None, description="Absent until a credit memo is made.")


class OrderItem(Contract):
    """One item of an order, from GET V1/orders (``items``), its order's fields prefixed ``order_``."""

    item_id: Id
    order_id: Id
    order_created_at: dt.datetime
    order_updated_at: dt.datetime
    order_store_id: Id | None = None
    order_order_currency_code: str | None = None
    parent_item_id: Id | None = Field(default=None, description="The configurable parent of a child item.")
    product_id: Id | None = None
    product_type: str | None = None
    sku: str | None = None
    name: str | None = None
    qty_ordered: float | None = None
    price: Decimal | None = None
    discount_amount: Decimal | None = None


class Product(Contract):
    """One product, from GET V1/products."""

    id: Id
    sku: str
    name: str | None = None
    price: Decimal | None = None
    type_id: str | None = None
    updated_at: dt.datetime


class Customer(Contract):
    """One customer without personal data, from GET V1/customers/search."""

    id: Id
    group_id: Id | None = None
    store_id: Id | None = None
    website_id: Id | None = None
    created_in: str | None = None
    updated_at: dt.datetime


# -- the API ------------------------------------------------------------------------------------

API = Api(
    base_url="https://example.com/rest/default/",  # every store is its own server: config base_url
    auth=Bearer("access_token"),
    errors=ErrorMap(
        # error-response: {"message", "parameters", "trace"}; no data body has a top-level message,
        # so one answered with HTTP 200 is an error too
        "Adobe Commerce", code="message", message=("message",),
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the integration's access token, its API resources (Sales, Catalog, Customers) and "
                            "that integration tokens may be used as bearer tokens"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def _search(field: str, fields: str | None = None) -> dict[str, str]:
    """searchCriteria with `field` between the window's bounds (two filter groups: AND), sorted by `field`."""
    params = {
        "searchCriteria[filterGroups][0][filters][0][field]": "updated_at",
        "searchCriteria[filterGroups][0][filters][0][conditionType]": "gteq",
        "searchCriteria[filterGroups][1][filters][0][field]": "updated_at",
        "searchCriteria[filterGroups][1][filters][0][conditionType]": "lteq",
        "searchCriteria[sortOrders][0][field]": field,
        "searchCriteria[sortOrders][0][direction]": "ASC",
    }
    return {**params, "fields": fields} if fields else params


UPDATED = WindowParams("searchCriteria[filterGroups][0][filters][0][value]", "searchCriteria[filterGroups][1][filters][0][value]",
                       format=UTC_TEXT)
#: The fields the order lines need: the order's ids, dates, store and currency, and its items.
LINE_FIELDS = "items[entity_id,increment_id,created_at,updated_at,store_id,order_currency_code,items],total_count"
STORE_ZONE = Lookup("store_configs", "id", "timezone", on="store_id")


def pages(size: int):
    return lambda: PageNumber(page_size=size, page_param="searchCriteria[currentPage]", size_param="searchCriteria[pageSize]",
                              total_items_path="total_count")


def streams(config: AdobeCommerceConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else 100
    return [
        RestStream(
            name="store_configs", description="Store views: code, website, currencies, IANA time zone.", path="V1/store/storeConfigs",
            records=Records(), contract=StoreConfig, primary_key=("id",),
            cursor=FullRefresh("a short list of current settings, with no date to filter on"),
        ),
        RestStream(
            name="orders", description="Orders with totals, state, refunds, coupon (no personal data).", path="V1/orders",
            params=_search("entity_id"), window=UPDATED, paginator=pages(size),
            records=Records("items", formats={"created_at": UTC_TEXT, "updated_at": UTC_TEXT}, drop=(*PERSONAL_ORDER, "items")),
            contract=Order, primary_key=("entity_id",), cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "orders", order_id="entity_id", order_number="increment_id", customer_id="customer_id", store_id="store_id",
                store_name="store_name", currency="order_currency_code", created_at="created_at", updated_at="updated_at",
                order_date=DayOf("created_at", STORE_ZONE), gross="subtotal", discounts=Expr("abs(discount_amount)"),
                refunds="total_refunded", tax="tax_amount", shipping="shipping_amount", total="grand_total", status="status",
                is_cancelled=Expr("state = 'canceled'"), discount_codes="coupon_code",
                meanings={"gross": "subtotal: the items before discounts, without tax and shipping",
                          "discounts": "discount_amount, which Adobe Commerce stores negative",
                          "refunds": "total_refunded: the credit memos' total"},
            ),
        ),
        RestStream(
            name="order_items", description="One row per item of the orders read, with its order's ids, dates and currency.",
            path="V1/orders", params=_search("entity_id", LINE_FIELDS), window=UPDATED, paginator=pages(size),
            records=Records("items", explode="items", parent_prefix="order_",
                            formats={"order_created_at": UTC_TEXT, "order_updated_at": UTC_TEXT, "created_at": UTC_TEXT,
                                     "updated_at": UTC_TEXT}),
            contract=OrderItem, primary_key=("item_id",), cursor=Cursor("order_updated_at", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "order_lines", where="parent_item_id is null", order_id="order_id", line_id="item_id", product_id="product_id",
                sku="sku", title="name", quantity="qty_ordered", price="price", discounts="discount_amount",
                store_id="order_store_id", currency="order_order_currency_code",
                order_date=DayOf("order_created_at", STORE_ZONE),
                meanings={"quantity": "qty_ordered", "price": "price: the unit price in the order's currency"},
            ),
        ),
        RestStream(
            name="products", description="Products: SKU, name, price, type.", path="V1/products",
            params=_search("entity_id"), window=UPDATED, paginator=pages(size),
            records=Records("items", formats={"created_at": UTC_TEXT, "updated_at": UTC_TEXT}),
            contract=Product, primary_key=("id",), cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY),
        ),
        RestStream(
            name="customers", description="Customers without personal data: group, store, website, dates.", path="V1/customers/search",
            params=_search("entity_id"), window=UPDATED, paginator=pages(size),
            records=Records("items", formats={"created_at": UTC_TEXT, "updated_at": UTC_TEXT}, drop=PERSONAL_CUSTOMER),
            contract=Customer, primary_key=("id",), cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY),
        ),
    ]


connector = declare(
    "adobe_commerce", title="Adobe Commerce (Magento 2)", api=API, config=AdobeCommerceConfig, streams=streams, api_version="2.4.9",
    docs_url="https://developer.adobe.com/commerce/webapi/rest/", category="commerce",
    support_policy="https://experienceleague.adobe.com/en/docs/commerce-operations/release/planning/lifecycle-policy (2.4.9 current)",
    description="Adobe Commerce / Magento 2: orders (with refunds) and their items on the store view's day, store views, "
                "products and customers.",
    # error-response, as Adobe Commerce answers an integration without the resource's permission.
    error_example={"message": "The consumer isn't authorized to access %resources.",
                   "parameters": {"resources": "Magento_Sales::actions_view"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "AdobeCommerceConfig"]
