"""Wix Stores: the Wix eCommerce Orders API v1 (the orders of Wix Stores and every Wix app that sells), declared.

Reference: https://dev.wix.com/docs/api-reference/business-solutions/e-commerce/orders/orders/search-orders
(REST ``POST https://www.wixapis.com/ecom/v1/orders/search``) and the official SDK generated
from the same service definition, npm ``@wix/auto_sdk_ecom_orders`` 1.0.300
(``build/cjs/ecom-v1-order-orders.universal-*.d.ts``: the ``Order``, ``PriceSummary``,
``BalanceSummary``, ``Price``, ``CursorPaging`` and ``SearchOrdersResponse`` types, the
filterable and sortable fields, the REST route). The Wix Stores Orders API (``stores/v2``) it
replaced was removed on 2024-09-04. Auth: an API key in ``Authorization`` (no prefix) with the
site's id in ``wix-site-id`` (https://dev.wix.com/docs/go-headless/develop-your-project/admin-operations/make-api-calls-with-an-api-key),
the key holding the Read Orders permission.

Stream ``orders``: Search Orders filtered on ``updatedDate`` (``$gte``/``$lte``, ISO 8601;
``updatedDate`` supports every operator and sorting) sorted ``updatedDate`` ASC,
``cursorPaging.limit`` at most 100; the next page sends ``cursorPaging.cursor`` = the answer's
``metadata.cursors.next`` while ``metadata.hasNext``. Orders in status INITIALIZED (a checkout
not completed) are never returned. A refund adds to the order's ``balanceSummary.refunded``
and updates it: the next run reads it again and its row is updated. Look-back one hour: Wix
documents no delay before an update is searchable. The buyer's email and addresses are not
loaded.

Money: ``Price`` objects ``{"amount": "<decimal text>", "formattedAmount": "$10.00"}`` in the
order's ``currency`` (currency units), loaded as exact decimals. Times are ISO 8601 UTC; the
site's time zone is not read (Site Properties API, another permission): the unified day is
the UTC day of ``createdDate``.

Errors: ``{"message", "details": {"applicationError": {"code", "description"}}}`` with the HTTP
status (https://dev.wix.com/docs/api-reference/articles/work-with-wix-apis/troubleshooting/about-errors):
UNAUTHENTICATED and PERMISSION_DENIED (401/403) stop the sync, RESOURCE_EXHAUSTED (429) and
5xx are retried.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Child, ChildContract, Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Expr, Maps
from bosco_connectors.framework.paginators import CursorInBody
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records, without_nulls
from bosco_connectors.framework.spec import Cursor, RestStream, Stream

MAX_PAGE_SIZE = 100  # CursorPaging.limit: "@max 100"


class WixStoresConfig(SourceConfig):
    """Config of the ``wix_stores`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Wix API key (API Keys Manager) with the Read Orders permission.")
    site_id: str = Field(description="The site's id (Site settings), sent in the wix-site-id header.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Orders per page (cursorPaging.limit).")
    requests_per_second: float = Field(default=5.0, gt=0, le=50, description="Our pace: Wix answers 429 when it is too fast.")


class LineItem(ChildContract):
    """A line item of an order (``lineItems[]``), loaded as table ``wix_stores_orders__line_items``:
    its ``order_id`` is filled from the order (a line item's ``id`` is unique within its order only),
    and its price objects become ``<field>__amount`` columns, as the order's do."""

    id: Id
    quantity: int | None = None
    product_name__original: str | None = Field(default=None, description="The product's name in the site's language.")
    physical_properties__sku: str | None = None
    catalog_reference__catalog_item_id: str | None = Field(default=None, description="The product's id in the catalog.")
    price__amount: Decimal | None = Field(default=None, description="The price of one item, after its discount.")
    price_before_discounts__amount: Decimal | None = None
    line_item_price__amount: Decimal | None = Field(default=None, description="price x quantity.")
    total_discount__amount: Decimal | None = None


class Order(Contract):
    """An order (Search Orders). Price objects load as ``<field>__amount`` columns; line items
    are a child table."""

    id: Id
    number: str | None = Field(default=None, description="The order number shown in the dashboard.")
    created_date: dt.datetime
    updated_date: dt.datetime
    status: str | None = Field(default=None, description="APPROVED, CANCELED, PENDING or REJECTED (INITIALIZED never returned).")
    payment_status: str | None = Field(default=None, description="NOT_PAID, PAID, PARTIALLY_REFUNDED, FULLY_REFUNDED, PENDING, PARTIALLY_PAID.")
    fulfillment_status: str | None = None
    currency: str | None = None
    tax_included_in_prices: bool | None = None
    archived: bool | None = None
    buyer_info__contact_id: str | None = None
    buyer_info__member_id: str | None = None
    channel_info__type: str | None = Field(default=None, description="WEB, POS, ... the sales channel.")
    price_summary__subtotal__amount: Decimal | None = None
    price_summary__shipping__amount: Decimal | None = None
    price_summary__tax__amount: Decimal | None = None
    price_summary__discount__amount: Decimal | None = None
    price_summary__total__amount: Decimal | None = None
    balance_summary__paid__amount: Decimal | None = None
    balance_summary__refunded__amount: Decimal | None = Field(default=None, description="Sum of all successfully refunded payments.")
    line_items: list[LineItem] | None = None


API = Api(
    base_url="https://www.wixapis.com/",
    auth=ApiKey("api_key", header="Authorization"),
    errors=ErrorMap(
        "Wix", code="details.applicationError.code", message=("details.applicationError.description", "message"),
        codes={"UNAUTHENTICATED": Action.AUTH, "PERMISSION_DENIED": Action.AUTH, "RESOURCE_EXHAUSTED": Action.RETRY},
        hints={Action.AUTH: "check the API key, its Read Orders permission, and site_id (the key's account must own the site)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

#: One hour (see the module docstring).
SINCE_LAST_RUN = timedelta(hours=1)
PRICES = ("subtotal", "shipping", "tax", "discount", "total")
RENAME = {
    "createdDate": "created_date", "updatedDate": "updated_date", "paymentStatus": "payment_status",
    "fulfillmentStatus": "fulfillment_status", "taxIncludedInPrices": "tax_included_in_prices",
    "buyerInfo.contactId": "buyer_info__contact_id", "buyerInfo.memberId": "buyer_info__member_id",
    "channelInfo.type": "channel_info__type", "lineItems": "line_items",
    **{f"priceSummary.{p}.amount": f"price_summary__{p}__amount" for p in PRICES},
    "balanceSummary.paid.amount": "balance_summary__paid__amount",
    "balanceSummary.refunded.amount": "balance_summary__refunded__amount",
}

ORDERS = Maps(
    "orders",
    order_id="id", order_number="number", store_id=Const("site"), customer_id="buyer_info__contact_id",
    created_at="created_date", updated_at="updated_date", order_date=DayOf("created_date", Const("UTC")),
    currency="currency", gross="price_summary__subtotal__amount", discounts="price_summary__discount__amount",
    tax="price_summary__tax__amount", shipping="price_summary__shipping__amount", total="price_summary__total__amount",
    refunds="balance_summary__refunded__amount", status="payment_status", is_cancelled=Expr("status = 'CANCELED'"),
    source_name="channel_info__type",
    meanings={
        "store_id": "the Wix site (one per connection: the tenant)",
        "customer_id": "buyerInfo.contactId: the buyer's contact",
        "order_date": "the UTC day of createdDate (the site's time zone is not read)",
        "gross": "priceSummary.subtotal", "discounts": "priceSummary.discount", "tax": "priceSummary.tax",
        "shipping": "priceSummary.shipping", "total": "priceSummary.total",
        "refunds": "balanceSummary.refunded: the sum of all successfully refunded payments",
        "status": "paymentStatus", "is_cancelled": "status CANCELED", "source_name": "channelInfo.type: WEB, POS, ...",
    },
)


def streams(config: WixStoresConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="orders", description="Orders updated in the window: totals, refunds, statuses, line items.",
            path="ecom/v1/orders/search", method="POST", headers={"wix-site-id": "{site_id}"},  # the site, from config
            params={"search": {"sort": [{"fieldName": "updatedDate", "order": "ASC"}], "cursorPaging": {"limit": size}}},
            window=WindowParams("search.filter.updatedDate.$gte", "search.filter.updatedDate.$lte", format=DATETIME, in_body=True),
            paginator=lambda: CursorInBody("metadata.cursors.next", "search.cursorPaging.cursor", has_more_path="metadata.hasNext"),
            records=Records("orders", rename=RENAME, drop=("billingInfo", "shippingInfo", "recipientInfo", "buyerNote"),
                            formats={"created_date": ISO_DATETIME, "updated_date": ISO_DATETIME}),
            transform=without_nulls(Order), contract=Order, primary_key=("id",),
            children=(Child("line_items", primary_key=("order_id", "id"), parent_key="order_id"),),
            cursor=Cursor("updated_date", kind="datetime", lookback=SINCE_LAST_RUN), unified=ORDERS,
        ),
    ]


connector = declare(
    "wix_stores", title="Wix Stores", api=API, config=WixStoresConfig, streams=streams, api_version="ecom v1",
    docs_url="https://dev.wix.com/docs/api-reference/business-solutions/e-commerce/orders/orders/search-orders",
    category="commerce",
    support_policy="https://dev.wix.com/docs/api-reference/business-solutions/e-commerce/orders/orders/introduction "
                   "(eCommerce Orders v1; the Stores Orders v2 API was removed on 2024-09-04)",
    description="Wix eCommerce orders (Wix Stores and the other Wix apps that sell) into the unified orders, refunds as updates.",
    error_example={"message": "Permission denied", "details": {"applicationError": {
        "code": "PERMISSION_DENIED", "description": "The API key does not have the required permission."}}},
)
source = source_function(connector)

__all__ = ["connector", "source", "WixStoresConfig"]
