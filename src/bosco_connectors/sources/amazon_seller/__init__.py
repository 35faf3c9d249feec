"""Amazon Seller: a selling partner's orders and order items (SP-API Orders API 2026-01-01), declared.

Reference: the Selling Partner API for Orders, version 2026-01-01 (the current one; v0's
getOrders/getOrderItems are its predecessor), searchOrders,
https://developer-docs.amazon.com/sp-api/reference/searchorders; Amazon's model
https://github.com/amzn/selling-partner-api-models ``models/orders-api-model/orders_2026-01-01.json``
(commit 34dc93fe45f37c9a0b2e56823c808f68b4f81754). Hosts per region
(https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints): NA
``https://sellingpartnerapi-na.amazon.com/``, EU ``https://sellingpartnerapi-eu.amazon.com/``, FE
``https://sellingpartnerapi-fe.amazon.com/``. Authentication: a Login with Amazon refresh token
exchanged at ``https://api.amazon.com/auth/o2/token`` (client id and secret in the form), the
access token sent in ``x-amz-access-token``
(https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api).

Streams (one request serves both: searchOrders answers every order with its ``orderItems``):

- ``orders`` (GET orders/2026-01-01/orders): incremental on ``lastUpdatedTime`` with
  ``lastUpdatedAfter`` ("an update is any change made by Amazon or the seller"; no
  ``lastUpdatedBefore``: it must be two minutes before the request), for the configured
  ``marketplaceIds``, with ``includedData=PROCEEDS,FULFILLMENT``, ``maxResultsPerPage`` up to
  100, the next page asked with ``paginationToken`` = ``pagination.nextToken`` until an answer
  has none. A changed order (a cancellation) is read again and its row updated. The
  ``proceeds.breakdowns`` list is summed by ``type`` here (ITEM, SHIPPING, TAX, DISCOUNT,
  GIFT_WRAP, COD_FEE, DELIVERY_TIP, OTHER) into columns. No buyer or recipient data is asked
  for (``BUYER``, ``RECIPIENT`` left out of ``includedData``).
- ``order_items``: one row per ``orderItems`` item of the same orders, asked with
  ``includedData=PROCEEDS`` only (the items' own proceeds; the two streams' requests also
  differ so): ASIN, seller SKU, title, quantity, unit price, the item's proceeds by type.

Money: ``Money`` objects ``{"amount": "<decimal text>", "currencyCode": "USD"}`` ("a decimal
number with no loss of precision"), currency units, loaded as exact decimals. Refunds are not
part of the Orders API (they are Finances API events) and are not reported here.

Days: times are ISO 8601 UTC; the API names no seller or marketplace time zone, so an order's
day is its UTC day (Seller Central shows the marketplace's local day).

Look-back: one day; Amazon documents no delay before an update is visible to
``lastUpdatedAfter``.

Limits: searchOrders' usage plan is 0.0056 requests a second with a burst of 20 (reported in
``x-amzn-RateLimit-Limit``), declared so: a run's first 20 requests start at once; over it 429 ``QuotaExceeded`` (retried). Errors
(https://developer-docs.amazon.com/sp-api/docs/error-handling): ``{"errors": [{"code",
"message", "details"}]}``; 403 ``Unauthorized`` (access denied, expired token, missing role) and
401 stop the sync, 429 ``QuotaExceeded``, 500 ``InternalFailure`` and 503 are retried, 400
``InvalidInput`` fails.

Unified facts: ``orders`` and ``order_lines`` (the marketplace is the store: ``marketplaceId``).
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import RefreshToken
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Expr, Maps
from bosco_connectors.framework.paginators import CursorInBody
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

MAX_PAGE_SIZE = 100  # searchOrders: maxResultsPerPage 1 to 100
ONE_DAY = timedelta(days=1)
TOKEN_URL = "https://api.amazon.com/auth/o2/token"
REGIONS = {"NA": "https://sellingpartnerapi-na.amazon.com/", "EU": "https://sellingpartnerapi-eu.amazon.com/",
           "FE": "https://sellingpartnerapi-fe.amazon.com/"}
#: Proceeds categories (OrderProceedsBreakdown.type) loaded as columns ``<type>_amount``.
PROCEEDS = ("ITEM", "SHIPPING", "TAX", "DISCOUNT", "GIFT_WRAP", "COD_FEE", "DELIVERY_TIP", "OTHER")


class AmazonSellerConfig(SourceConfig):
    """Config of the ``amazon_seller`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The SP-API application's LWA client id.")
    client_secret: SecretStr = Field(description="The application's LWA client secret.")
    refresh_token: SecretStr = Field(description="The selling partner's LWA refresh token (Atzr|...).")
    region: Literal["NA", "EU", "FE"] = Field(default="NA", description="The SP-API region of the marketplaces.")
    marketplace_ids: IdList = Field(min_length=1, max_length=50, description="Marketplace ids (ATVPDKIKX0DER for amazon.com).")
    token_url: str | None = Field(default=None, description="Override the LWA token endpoint.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Orders per page (maxResultsPerPage).")
    requests_per_second: float = Field(default=0.0056, gt=0, description="searchOrders' default usage plan: 0.0056/s (burst 20).")

    @model_validator(mode="after")
    def _region_host(self) -> "AmazonSellerConfig":
        self.base_url = self.base_url or REGIONS[self.region]
        return self


# -- contracts --------------------------------------------------------------------------------



class Order(Contract):
    """One order (searchOrders with PROCEEDS and FULFILLMENT), its proceeds summed by category."""

    order_id: Id
    created_time: dt.datetime
    last_updated_time: dt.datetime
    marketplace_id: str
    marketplace_name: str | None = None
    sales_channel: str | None = Field(default=None, description="AMAZON or NON_AMAZON.")
    fulfillment_status: str | None = Field(default=None, description="PENDING, UNSHIPPED, PARTIALLY_SHIPPED, SHIPPED, CANCELLED, ...")
    fulfilled_by: str | None = Field(default=None, description="AMAZON or MERCHANT.")
    fulfillment_service_level: str | None = None
    currency: str | None = Field(default=None, description="proceeds.grandTotal.currencyCode.")
    grand_total: Decimal | None = Field(default=None, description="proceeds.grandTotal: what the seller receives for the order.")
    item_amount: Decimal | None = None
    shipping_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    gift_wrap_amount: Decimal | None = None
    cod_fee_amount: Decimal | None = None
    delivery_tip_amount: Decimal | None = None
    other_amount: Decimal | None = None


class OrderItem(Contract):
    """One order item (searchOrders with PROCEEDS), its order's fields prefixed ``order_``."""

    order_item_id: Id
    order_id: Id
    order_created_time: dt.datetime
    order_last_updated_time: dt.datetime
    order_marketplace_id: str
    asin: str | None = None
    seller_sku: str | None = None
    title: str | None = None
    quantity_ordered: int | None = None
    unit_price: Decimal | None = Field(default=None, description="product.price.unitPrice: one unit, before quantity.")
    currency: str | None = None
    proceeds_total: Decimal | None = None
    item_amount: Decimal | None = None
    shipping_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    gift_wrap_amount: Decimal | None = None
    cod_fee_amount: Decimal | None = None
    other_amount: Decimal | None = None


# -- the API ------------------------------------------------------------------------------------

API = Api(
    base_url=REGIONS["NA"],
    auth=RefreshToken(TOKEN_URL, header="x-amz-access-token", prefix=""),
    errors=ErrorMap(
        "Amazon SP-API", code="errors.0.code", message=("errors.0.message", "errors.0.details"),
        codes={"Unauthorized": Action.AUTH, "QuotaExceeded": Action.RETRY, "InternalFailure": Action.RETRY,
               "InvalidInput": Action.FAIL},
        hints={Action.AUTH: "check the LWA client id and secret, the refresh token, the region, and that the "
                            "application has the Inventory and Order Tracking role"},
    ),
    rate=RateBudget(per_second="requests_per_second", burst=20),  # searchOrders' usage plan: burst 20
)


def _by_type(record: dict[str, Any], field: str, types: tuple[str, ...]) -> None:
    """``<type>_amount`` columns from a proceeds ``breakdowns`` list (None where a type is absent)."""
    totals: dict[str, Decimal] = {}
    for item in record.pop(field, None) or []:
        amount = (item.get("subtotal") or {}).get("amount")
        if item.get("type") in types and amount not in (None, ""):
            totals[item["type"]] = totals.get(item["type"], Decimal(0)) + Decimal(str(amount))
    for kind in types:
        record[f"{kind.lower()}_amount"] = totals.get(kind)


def _order(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    _by_type(record, "proceeds_breakdowns", PROCEEDS)
    return record


def _item(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    _by_type(record, "proceeds_breakdowns", tuple(t for t in PROCEEDS if t != "DELIVERY_TIP"))
    return record


UPDATED = WindowParams("lastUpdatedAfter", format=DATETIME)
ORDERS = "orders/2026-01-01/orders"
#: Nothing about the buyer or the recipient is loaded, nor packages' addresses.
NOT_LOADED = ("buyer", "recipient", "packages", "payment", "tax", "fulfillmentOrders", "associatedOrders", "orderAliases",
              "programs")


def streams(config: AmazonSellerConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    markets = ",".join(config.marketplace_ids) if config is not None else ""
    pages = lambda: CursorInBody("pagination.nextToken", "paginationToken")  # noqa: E731
    return [
        RestStream(
            name="orders", arrow=True, description="Orders with status, fulfilment and proceeds by category (no buyer data).", path=ORDERS,
            params={"marketplaceIds": markets, "includedData": "PROCEEDS,FULFILLMENT", "maxResultsPerPage": size},
            window=UPDATED, paginator=pages, transform=_order,
            records=Records("orders", rename={
                "orderId": "order_id", "createdTime": "created_time", "lastUpdatedTime": "last_updated_time",
                "salesChannel.marketplaceId": "marketplace_id", "salesChannel.marketplaceName": "marketplace_name",
                "salesChannel.channelName": "sales_channel", "fulfillment.fulfillmentStatus": "fulfillment_status",
                "fulfillment.fulfilledBy": "fulfilled_by", "fulfillment.fulfillmentServiceLevel": "fulfillment_service_level",
                "proceeds.grandTotal.amount": "grand_total", "proceeds.grandTotal.currencyCode": "currency",
                "proceeds.breakdowns": "proceeds_breakdowns"},
                formats=dict.fromkeys(("created_time", "last_updated_time"), ISO_DATETIME), drop=(*NOT_LOADED, "orderItems")),
            contract=Order, primary_key=("order_id",), cursor=Cursor("last_updated_time", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "orders", order_id="order_id", store_id="marketplace_id", store_name="marketplace_name",
                order_date=DayOf("created_time"), created_at="created_time", updated_at="last_updated_time", currency="currency",
                gross="item_amount", discounts=Expr("case when discount_amount < 0 then -discount_amount else discount_amount end"),
                tax="tax_amount", shipping="shipping_amount", total="grand_total", status="fulfillment_status",
                is_cancelled=Expr("fulfillment_status = 'CANCELLED'"), source_name="sales_channel",
                meanings={
                    "store_id": "marketplaceId: the seller's store on one Amazon marketplace",
                    "order_date": "the UTC day of createdTime: the API names no seller or marketplace time zone",
                    "gross": "the ITEM proceeds: the items' prices times their quantities",
                    "discounts": "the DISCOUNT proceeds, made positive (their sign is not documented)",
                    "total": "proceeds.grandTotal: what the seller receives for the order",
                    "refunds": "not reported: refunds are Finances API events, not part of an order here",
                    "status": "fulfillment.fulfillmentStatus", "source_name": "salesChannel.channelName (AMAZON, NON_AMAZON)",
                },
            ),
        ),
        RestStream(
            name="order_items", description="One row per order item: ASIN, SKU, quantity, unit price, proceeds by category.",
            path=ORDERS, params={"marketplaceIds": markets, "includedData": "PROCEEDS", "maxResultsPerPage": size},
            window=UPDATED, paginator=pages, transform=_item,
            records=Records("orders", explode="orderItems", parent_prefix="order_", rename={
                "order_orderId": "order_id", "order_createdTime": "order_created_time",
                "order_lastUpdatedTime": "order_last_updated_time", "order_salesChannel.marketplaceId": "order_marketplace_id",
                "orderItemId": "order_item_id", "quantityOrdered": "quantity_ordered", "product.asin": "asin",
                "product.sellerSku": "seller_sku", "product.title": "title", "product.price.unitPrice.amount": "unit_price",
                "product.price.unitPrice.currencyCode": "currency", "proceeds.proceedsTotal.amount": "proceeds_total",
                "proceeds.breakdowns": "proceeds_breakdowns"},
                formats=dict.fromkeys(("order_created_time", "order_last_updated_time"), ISO_DATETIME),
                drop=(*(f"order_{k}" for k in (*NOT_LOADED, "proceeds", "fulfillment")), "measurement", "associatedOrderItems",
                      "programs", "expense", "promotion", "cancellation", "fulfillment", "tax")),
            contract=OrderItem, primary_key=("order_id", "order_item_id"),
            cursor=Cursor("order_last_updated_time", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "order_lines", order_id="order_id", line_id="order_item_id", product_id="asin", sku="seller_sku", title="title",
                quantity="quantity_ordered", price="unit_price", currency="currency", store_id="order_marketplace_id",
                discounts=Expr("case when discount_amount < 0 then -discount_amount else discount_amount end"),
                order_date=DayOf("order_created_time"),
                meanings={"product_id": "the ASIN", "price": "product.price.unitPrice: one unit's price",
                          "discounts": "the item's DISCOUNT proceeds, made positive",
                          "order_date": "the UTC day of the order's createdTime"},
            ),
        ),
    ]


connector = declare(
    "amazon_seller", title="Amazon Seller (SP-API)", api=API, config=AmazonSellerConfig, streams=streams,
    api_version="orders 2026-01-01", docs_url="https://developer-docs.amazon.com/sp-api/reference/searchorders", category="commerce",
    support_policy="https://developer-docs.amazon.com/sp-api/docs/sp-api-deprecation-schedule",
    description="Amazon Seller (SP-API): a selling partner's orders and order items with their proceeds.",
    # The documented error list (ErrorList in the model), as SP-API answers a bad request.
    error_example={"errors": [{"code": "InvalidInput", "message": "Invalid Input", "details": ""}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "AmazonSellerConfig"]
