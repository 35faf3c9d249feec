"""eBay: a seller's orders and their line items from the Sell Fulfillment API v1, declared.

Reference: the Fulfillment API v1 (OpenAPI 1.20.7), getOrders,
https://developer.ebay.com/api-docs/sell/fulfillment/resources/order/methods/getOrders; eBay's
OpenAPI description https://developer.ebay.com/api-docs/master/sell/fulfillment/openapi/3/sell_fulfillment_v1_oas3.json
(stored copy: https://github.com/hendt/ebay-api ``specs/sell_fulfillment_v1_oas3.json``, commit
af51f9fdd8c77ea45d40c68014d23749800566ed), and the Commerce Identity API v1 getUser
(https://developer.ebay.com/api-docs/commerce/identity/resources/user/methods/getUser,
``specs/commerce_identity_v1_oas3.json`` there). Hosts ``https://api.ebay.com/`` and, for the
Identity API, ``https://apiz.ebay.com/`` (a sandbox, ``https://api.sandbox.ebay.com/``, or any
single host: set ``base_url``), the seller's
OAuth user token as ``Authorization: Bearer``, refreshed with the refresh-token grant at
``https://api.ebay.com/identity/v1/oauth2/token`` (the app's client id and secret as HTTP basic
auth, the scopes ``sell.fulfillment.readonly`` and ``commerce.identity.readonly``;
https://developer.ebay.com/api-docs/static/oauth-refresh-token-request.html).

Streams:

- ``seller`` (GET commerce/identity/v1/user/, getUser): the account the token belongs to, its
  ``username`` (the orders' ``sellerId``), account type and registration site; the account's
  name, email, phone and address (``individualAccount``, ``businessAccount``) are not loaded.
- ``orders`` (GET sell/fulfillment/v1/order): incremental on ``lastModifiedDate`` with the ``filter`` criterion
  ``lastmodifieddate:[<start>..<end>]`` (ISO 8601 UTC, both ends included), paged with
  ``limit`` (at most 200) and ``offset`` until ``total`` orders are read. getOrders answers
  orders of the last two years only. A refund adds to ``paymentSummary.refunds`` and moves
  ``lastModifiedDate``, so the next run reads the order again and its row is updated;
  ``refunded_total`` is those refunds' ``amount.value`` summed (eBay: "the seller's net amount",
  eBay-collected tax not included). The buyer's address, contact and checkout note
  (``fulfillmentStartInstructions``, ``buyer.buyerRegistrationAddress``, ``buyerCheckoutNotes``)
  are not loaded; the buyer's eBay user id is.
- ``order_line_items``: one row per ``lineItems`` item of the same orders, asked with
  ``fieldGroups=TAX_BREAKDOWN`` (each line's ``taxes`` with their ``taxType``, loaded as a child
  table; the two streams' requests also differ so), with its order's id, dates and seller.

Money: ``Amount`` objects, ``{"value": "<decimal text>", "currency": "<ISO 4217>"}``, in currency
units (the currency the order was paid in after any conversion), loaded as exact decimals; the
order's currency is ``pricingSummary.total.currency``. ``priceDiscount`` and
``deliveryDiscount`` are negative as eBay writes them.

Days: timestamps are UTC (``2015-08-04T19:09:02.768Z``); eBay exposes no seller time zone in
this API, so an order's day is its UTC day.

Look-back: one day. eBay documents no delay before a change shows in ``lastmodifieddate``;
re-reading the last day catches orders changed while a run paged.

Limits: the Fulfillment API allows 100,000 calls a day per application
(https://developer.ebay.com/develop/get-started/api-call-limits); over it eBay answers 429
with errorId 2001 (retried). Errors (https://developer.ebay.com/api-docs/static/handling-error-messages.html)
are ``{"errors": [{"errorId", "domain", "category", "message", "longMessage", "parameters"}]}``:
1001-1003 (invalid, missing or wrongly typed access token) and 1100 access denied
(insufficient permissions) stop the sync; 2001 too many requests, 2003 internal error, 30500
(getOrders: system error) and 5xx are retried; getOrders' request errors 30700-32800 (filter,
dates, offset, limit, field group) fail.

Unified facts: ``orders`` and ``order_lines``; eBay's finances (fees, payouts) are left to the
Finances API and not read here.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Mapping

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import RefreshToken
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Expr, Maps
from bosco_connectors.framework.hosts import ServiceHosts, hosts_unless_base_url
from bosco_connectors.framework.paginators import OffsetLimit
from bosco_connectors.framework.params import DATETIME, WindowParams, parse_bound
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

MAX_PAGE_SIZE = 200  # getOrders: limit at most 200 (default 50)
ONE_DAY = timedelta(days=1)
SCOPE = " ".join(f"https://api.ebay.com/oauth/api_scope/{s}" for s in ("sell.fulfillment.readonly", "commerce.identity.readonly"))
IDENTITY = "https://apiz.ebay.com/"  # the Commerce Identity API's host
TOKEN_URL = "https://api.ebay.com/identity/v1/oauth2/token"


class EbayConfig(SourceConfig):
    """Config of the ``ebay`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The application's App ID (client id).")
    client_secret: SecretStr = Field(description="The application's Cert ID (client secret).")
    refresh_token: SecretStr = Field(description="The seller's OAuth refresh token, granted the sell.fulfillment.readonly and "
                                                 "commerce.identity.readonly scopes.")
    token_url: str | None = Field(default=None, description="Token endpoint override (sandbox: https://api.sandbox.ebay.com/identity/v1/oauth2/token).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Orders per page (limit, 1-200).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace of requests (the daily limit is 100,000 calls).")


# -- contracts --------------------------------------------------------------------------------


class Seller(Contract):
    """The seller (Commerce Identity getUser), without the account's name, email, phone or address."""

    user_id: Id
    username: str = Field(description="The eBay user name: the orders' sellerId.")
    account_type: str | None = Field(default=None, description="BUSINESS or INDIVIDUAL.")
    registration_marketplace_id: str | None = Field(default=None, description="The eBay site the account is registered on (EBAY_US).")
    status: str | None = None


class Order(Contract):
    """One order (getOrders), money in currency units of ``currency``."""

    order_id: Id
    legacy_order_id: str | None = None
    seller_id: str
    buyer_username: str | None = Field(default=None, description="buyer.username: the buyer's eBay user id.")
    creation_date: dt.datetime
    last_modified_date: dt.datetime
    order_fulfillment_status: str | None = Field(default=None, description="NOT_STARTED, IN_PROGRESS or FULFILLED.")
    order_payment_status: str | None = Field(default=None, description="PAID, PENDING, FAILED, FULLY_REFUNDED, PARTIALLY_REFUNDED.")
    cancel_state: str | None = Field(default=None, description="cancelStatus.cancelState: NONE_REQUESTED, IN_PROGRESS, CANCELED.")
    sales_record_reference: str | None = None
    currency: str | None = Field(default=None, description="pricingSummary.total.currency.")
    price_subtotal: Decimal | None = Field(default=None, description="All units of all line items, before discounts.")
    price_discount: Decimal | None = Field(default=None, description="Item discounts and promotions, negative.")
    delivery_cost: Decimal | None = Field(default=None, description="Delivery, before delivery discounts.")
    delivery_discount: Decimal | None = Field(default=None, description="Delivery discounts, negative.")
    adjustment: Decimal | None = None
    fee: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    total_due_seller: Decimal | None = None
    total_marketplace_fee: Decimal | None = None
    refunded_total: Decimal = Field(description="paymentSummary.refunds[].amount.value summed (computed here).")


class OrderLineItem(Contract):
    """One line item of an order (getOrders with fieldGroups=TAX_BREAKDOWN), its order's fields prefixed ``order_``."""

    line_item_id: Id
    order_id: Id
    order_seller_id: str
    order_creation_date: dt.datetime
    order_last_modified_date: dt.datetime
    legacy_item_id: str | None = None
    legacy_variation_id: str | None = None
    sku: str | None = None
    title: str | None = None
    quantity: int | None = None
    sold_format: str | None = None
    line_item_fulfillment_status: str | None = None
    listing_marketplace_id: str | None = None
    currency: str | None = Field(default=None, description="lineItemCost.currency.")
    line_item_cost: Decimal | None = Field(default=None, description="Unit price times quantity, before discounts.")
    discounted_line_item_cost: Decimal | None = Field(default=None, description="After promotions; sent only when discounted.")
    shipping_cost: Decimal | None = None
    line_total: Decimal | None = Field(default=None, description="total.value: what the buyer pays for the line.")


# -- the API ------------------------------------------------------------------------------------

API = Api(
    base_url="https://api.ebay.com/",
    client_class=ServiceHosts, client_options=hosts_unless_base_url({"commerce/identity/": IDENTITY}),
    auth=RefreshToken(TOKEN_URL, scope=SCOPE, client_auth="basic"),
    errors=ErrorMap(
        "eBay", code="errors.0.errorId", message=("errors.0.longMessage", "errors.0.message"),
        codes={1001: Action.AUTH, 1002: Action.AUTH, 1003: Action.AUTH, 1100: Action.AUTH,
               2001: Action.RETRY, 2003: Action.RETRY, 30500: Action.RETRY,
               **dict.fromkeys((30700, 30800, 30810, 30820, 30830, 30840, 30850, 30900, 31000, 31100, 32800), Action.FAIL)},
        hints={Action.AUTH: "check the refresh token, that it was granted sell.fulfillment.readonly and "
                            "commerce.identity.readonly, and the app's client id and secret"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


class LastModified(WindowParams):
    """The window as getOrders' ``filter=lastmodifieddate:[<start>..<end>]`` (ISO 8601 UTC, both ends included)."""

    _RANGE = re.compile(r"lastmodifieddate:\[([^.\]]*(?:\.\d+)?Z?)\.\.([^\]]*)\]")

    def __init__(self) -> None:
        super().__init__(start="filter", end="filter", format=DATETIME)

    @staticmethod
    def _instant(value: Any, end: bool) -> str:
        if not isinstance(value, datetime):
            value = datetime.combine(value, dt.time.max.replace(microsecond=999000) if end else dt.time.min, tzinfo=dt.timezone.utc)
        moment = value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def render(self, window: Any) -> dict[str, Any]:
        if window.start is None:
            return {}
        end = self._instant(window.end, True) if window.end is not None else ""
        return {self.start: f"lastmodifieddate:[{self._instant(window.start, False)}..{end}]"}

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        found = self._RANGE.search(str(params.get(self.start) or ""))
        if not found:
            return None, None
        return parse_bound(found.group(1), DATETIME), (parse_bound(found.group(2), DATETIME) if found.group(2) else None)


def _refunds(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """The order's refunds summed (``paymentSummary.refunds[].amount.value``, currency units)."""
    refunds = record.pop("refunds", None) or []
    record["refunded_total"] = sum((Decimal(str(r["amount"]["value"])) for r in refunds if (r.get("amount") or {}).get("value")),
                                   Decimal(0))
    return record


AMOUNTS = {
    "pricingSummary.priceSubtotal.value": "price_subtotal", "pricingSummary.priceDiscount.value": "price_discount",
    "pricingSummary.deliveryCost.value": "delivery_cost", "pricingSummary.deliveryDiscount.value": "delivery_discount",
    "pricingSummary.adjustment.value": "adjustment", "pricingSummary.fee.value": "fee", "pricingSummary.tax.value": "tax",
    "pricingSummary.total.value": "total", "pricingSummary.total.currency": "currency",
    "paymentSummary.totalDueSeller.value": "total_due_seller", "paymentSummary.refunds": "refunds",
    "totalMarketplaceFee.value": "total_marketplace_fee",
}
ORDER_FIELDS = {
    "orderId": "order_id", "legacyOrderId": "legacy_order_id", "sellerId": "seller_id", "creationDate": "creation_date",
    "lastModifiedDate": "last_modified_date", "orderFulfillmentStatus": "order_fulfillment_status",
    "orderPaymentStatus": "order_payment_status", "salesRecordReference": "sales_record_reference",
    "ebayCollectAndRemitTax": "ebay_collect_and_remit_tax", "buyer.username": "buyer_username",
    "cancelStatus.cancelState": "cancel_state", "cancelStatus.cancelledDate": "cancelled_date",
}
#: Buyer's contact and address, notes, links: never loaded.
NOT_LOADED = ("fulfillmentStartInstructions", "fulfillmentHrefs", "buyerCheckoutNotes", "program", "totalFeeBasisAmount")
TIMES = ("creation_date", "last_modified_date", "cancelled_date")
LINE_FIELDS = {
    "lineItemId": "line_item_id", "legacyItemId": "legacy_item_id", "legacyVariationId": "legacy_variation_id",
    "soldFormat": "sold_format", "lineItemFulfillmentStatus": "line_item_fulfillment_status",
    "listingMarketplaceId": "listing_marketplace_id", "purchaseMarketplaceId": "purchase_marketplace_id",
    "lineItemCost.value": "line_item_cost", "lineItemCost.currency": "currency",
    "discountedLineItemCost.value": "discounted_line_item_cost", "deliveryCost.shippingCost.value": "shipping_cost",
    "total.value": "line_total", "order_orderId": "order_id", "order_sellerId": "order_seller_id",
    "order_creationDate": "order_creation_date", "order_lastModifiedDate": "order_last_modified_date",
}
#: The order's own objects repeated on each line (its totals are the orders stream's), and the
#: line's objects not loaded (addresses, programs, promotions' texts).
LINE_NOT_LOADED = (
    *(f"order_{k}" for k in ("legacyOrderId", "orderFulfillmentStatus", "orderPaymentStatus", "salesRecordReference",
                             "ebayCollectAndRemitTax", "buyer", "cancelStatus", "pricingSummary", "paymentSummary",
                             "totalMarketplaceFee", *NOT_LOADED)),
    "appliedPromotions", "refunds", "ebayCollectAndRemitTaxes", "ebayCollectedCharges", "properties", "itemLocation",
    "lineItemFulfillmentInstructions", "variationAspects", "giftDetails", "linkedOrderLineItems", "compatibilityProperties",
)


ORDERS = "sell/fulfillment/v1/order"


def streams(config: EbayConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE

    def pages():
        return lambda: OffsetLimit(limit=size, total_path="total")

    return [
        RestStream(
            name="seller", description="The seller: eBay user id and name, account type, registration site.",
            path="commerce/identity/v1/user/",
            records=Records(rename={"userId": "user_id", "accountType": "account_type",
                                    "registrationMarketplaceId": "registration_marketplace_id"},
                            drop=("individualAccount", "businessAccount")),
            contract=Seller, primary_key=("user_id",), cursor=FullRefresh("one record: the account the token belongs to"),
        ),
        RestStream(
            name="orders", arrow=True, description="Orders with their price summary, payment status and refunds (no buyer address).",
            path=ORDERS, window=LastModified(), paginator=pages(), transform=_refunds,
            records=Records("orders", rename={**ORDER_FIELDS, **AMOUNTS}, drop=(*NOT_LOADED, "lineItems"),
                            formats=dict.fromkeys(TIMES, ISO_DATETIME)),
            contract=Order, primary_key=("order_id",), cursor=Cursor("last_modified_date", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "orders", order_id="order_id", order_number="sales_record_reference", store_id="seller_id",
                store_name=Lookup("seller", "username", "username", on="store_id"),
                customer_id="buyer_username", order_date=DayOf("creation_date"), created_at="creation_date",
                updated_at="last_modified_date", currency="currency", gross="price_subtotal",
                discounts=Expr("-price_discount"), refunds=Expr("refunded_total"), tax="tax", shipping="delivery_cost",
                total="total", status="order_payment_status", is_cancelled=Expr("cancel_state = 'CANCELED'"),
                meanings={
                    "order_date": "the UTC day of creationDate: this API exposes no seller time zone",
                    "order_number": "salesRecordReference (Selling Manager's record number)",
                    "gross": "pricingSummary.priceSubtotal: all units of all line items before discounts",
                    "discounts": "pricingSummary.priceDiscount, which eBay writes negative",
                    "refunds": "paymentSummary.refunds summed: the seller's net refunded amounts, eBay-collected tax excluded",
                    "shipping": "pricingSummary.deliveryCost, before delivery discounts",
                    "total": "pricingSummary.total (Collect and Remit tax included only with fieldGroups=TAX_BREAKDOWN)",
                    "status": "orderPaymentStatus", "customer_id": "buyer.username",
                },
            ),
        ),
        RestStream(
            name="order_line_items", description="One row per line item of the orders read, with its order's id, dates and seller.",
            path=ORDERS, params={"fieldGroups": "TAX_BREAKDOWN"}, window=LastModified(), paginator=pages(),
            records=Records("orders", explode="lineItems", parent_prefix="order_", rename=LINE_FIELDS, drop=LINE_NOT_LOADED,
                            formats=dict.fromkeys(("order_creation_date", "order_last_modified_date"), ISO_DATETIME)),
            contract=OrderLineItem, primary_key=("order_id", "line_item_id"),
            cursor=Cursor("order_last_modified_date", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "order_lines", order_id="order_id", line_id="line_item_id", product_id="legacy_item_id",
                variant_id="legacy_variation_id", sku="sku", title="title", quantity="quantity",
                price=Expr("line_item_cost / nullif(quantity, 0)"),
                discounts=Expr("case when discounted_line_item_cost is null then 0 else line_item_cost - discounted_line_item_cost end"),
                currency="currency", store_id="order_seller_id", order_date=DayOf("order_creation_date"),
                meanings={"product_id": "legacyItemId: the listing", "variant_id": "legacyVariationId: the listing's variation",
                          "price": "lineItemCost / quantity (lineItemCost is the unit price times the quantity)",
                          "discounts": "lineItemCost - discountedLineItemCost (sent only for a discounted line)",
                          "order_date": "the UTC day of the order's creationDate"},
            ),
        ),
    ]


connector = declare(
    "ebay", title="eBay", api=API, config=EbayConfig, streams=streams, api_version="fulfillment v1 (1.20.7)",
    docs_url="https://developer.ebay.com/api-docs/sell/fulfillment/resources/order/methods/getOrders", category="commerce",
    support_policy="https://developer.ebay.com/develop/api-status (Fulfillment API v1 is current)",
    description="eBay: a seller's orders (with refunds) and their line items from the Sell Fulfillment API.",
    # The documented error container (https://developer.ebay.com/api-docs/static/handling-error-messages.html)
    # with getOrders' documented error 30700 (the OpenAPI description's x-response-codes).
    error_example={"errors": [{"errorId": 30700, "domain": "API_FULFILLMENT", "category": "REQUEST",
                               "message": "Invalid filter name: lastmodified",
                               "parameters": [{"name": "fieldname", "value": "lastmodified"}]}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "EbayConfig"]
