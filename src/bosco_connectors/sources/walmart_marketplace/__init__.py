"""Walmart Marketplace: a seller's purchase orders and their lines (Orders API v3, US), declared.

Reference: the Marketplace Orders API, getAllOrders (GET /v3/orders),
https://developer.walmart.com/api/us/mp/orders#operation/getAllOrders (rendered from Walmart's
OpenAPI description "Walmart Order Management", stored at
https://github.com/api-evangelist/walmart ``openapi/walmart-marketplace-orders-openapi-original.yml``,
commit d9aaf1ddf48f62ff0157439e338dadd5da8616ac, and in the generated client
https://github.com/highsidelabs/walmart-api-php ``resources/schemas/models/us/mp/orders.json``,
version 0.6.3; the two agree on every shape used here), and the Token API
(``resources/schemas/models/us/mp/auth.json`` there). Host ``https://marketplace.walmartapis.com/``
(sandbox ``https://sandbox.walmartapis.com/``: set ``base_url``). Authentication: the client
credentials grant at POST /v3/token (client id and secret as HTTP basic auth); the access token
(valid 15 minutes) goes in ``WM_SEC.ACCESS_TOKEN``, and every call carries ``WM_SVC.NAME`` and
a fresh GUID in ``WM_QOS.CORRELATION_ID`` (required header parameters of every operation).

Streams:

- ``orders`` (GET v3/orders): purchase orders changed in the window
  (``lastModifiedStartDate``/``lastModifiedEndDate``, ISO 8601 UTC), ``limit`` up to 200, the
  next page asked with ``list.meta.nextCursor`` (a query string holding the criteria and the
  position: "?limit=10&hasMoreElements=true&soIndex=31&poIndex=10&...") until an answer has
  none. Walmart answers orders created in the last 180 days only, at most 20,000 per request
  (the window steps a week at a time). Without ``shipNodeType`` Walmart answers
  seller-fulfilled orders only (``ship_node_type`` in config: WFSFulfilled, 3PLFulfilled).
  A purchase order has no totals of its own and no modified time: ``product_amount``,
  ``shipping_amount``, ``tax_amount`` and ``refund_amount`` are computed here from its lines'
  ``charges`` and ``refund.refundCharges`` (refund charges are negative as Walmart writes
  them), ``line_statuses`` lists its lines' statuses. The cursor is ``modified_by``: the end of
  the ``lastModified`` window the order was read in (Walmart says it changed by then); a
  refund makes the order change, so the next run reads it again and its row is updated.
  The customer's email, name, phone and address (``customerEmailId``, ``shippingInfo``,
  ``pickupPersons``) are not loaded.
- ``order_lines``: one row per ``orderLines.orderLine`` item of the same orders, asked with
  ``productInfo=true`` (each item's image URL and weight; the two streams' requests also
  differ so), with its order's id and date, and the same computed amounts per line.

Money: ``chargeAmount``/``taxAmount`` objects ``{"currency": "USD", "amount": 9.99}``, JSON
numbers in currency units, summed as exact decimals. Walmart documents no per-unit price: a
line's ``PRODUCT`` charge is its "ItemPrice"; every documented line holds one unit
(``orderLineQuantity.amount`` "1"), and the unit price is mapped only for such lines.

Days: ``orderDate`` is epoch milliseconds (UTC); the API exposes no seller time zone, so the
day is the UTC day. The seller is not named in the records: ``seller_id`` (config, the Partner
ID shown in Seller Center) is the store id.

Look-back: one day on ``modified_by``; Walmart documents no delay before a change is seen by
``lastModifiedStartDate``.

Limits (https://developer.walmart.com/us-marketplace/docs/rate-limiting): per-API token
buckets, reported in ``x-current-token-count`` and ``x-next-replenishment-time``; over them 429
(retried). Errors: ``{"errors": [{"code", "field", "description", "info", "severity",
"category", "causes"}]}`` (the description's ``GatewayError``): 401
``UNAUTHORIZED.GMP_GATEWAY_API`` and 403 stop the sync, 429
``REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API`` and 5xx are retried.

Unified facts: ``orders`` (one row per purchase order: Walmart's ``purchaseOrderId``; the
customer's order, ``customerOrderId``, is the order number) and ``order_lines``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any, Generator

import httpx
from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ClientCredentials
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Expr, Maps
from bosco_connectors.framework.paginators import NextUrlInBody, PageRequest
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import EPOCH_MILLIS, Records
from bosco_connectors.framework.jsonpath import get_path
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

MAX_PAGE_SIZE = 200  # getAllOrders: limit "cannot be larger than 200"
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)  # at most 20,000 orders per request
SERVICE_NAME = "Walmart Marketplace"
TOKEN_URL = "https://marketplace.walmartapis.com/v3/token"


class WalmartMarketplaceConfig(SourceConfig):
    """Config of the ``walmart_marketplace`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The Marketplace API client id (Developer Portal).")
    client_secret: SecretStr = Field(description="The Marketplace API client secret.")
    seller_id: str = Field(min_length=1, description="The seller's Partner ID (Seller Center), loaded as the orders' store id.")
    token_url: str | None = Field(default=None, description="Token endpoint override (sandbox: https://sandbox.walmartapis.com/v3/token).")
    ship_node_type: str | None = Field(default=None, pattern="^(SellerFulfilled|WFSFulfilled|3PLFulfilled)$",
                                       description="shipNodeType; Walmart's default is SellerFulfilled.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Orders per page (limit, 1-200).")
    requests_per_second: float = Field(default=1.0, gt=0, description="Pace of requests (Walmart throttles per API).")


# -- contracts --------------------------------------------------------------------------------


class PurchaseOrder(Contract):
    """One purchase order (getAllOrders), its amounts summed from its lines' charges."""

    purchase_order_id: Id
    customer_order_id: str | None = None
    order_type: str | None = Field(default=None, description="REGULAR or REPLACEMENT (with replacementInfo=true).")
    order_date: dt.datetime
    seller_id: str
    modified_by: dt.datetime = Field(description="The end of the lastModified window the order was read in.")
    ship_node_type: str | None = None
    currency: str | None = None
    product_amount: Decimal = Field(description="Sum of the lines' PRODUCT charges (ItemPrice), currency units.")
    shipping_amount: Decimal = Field(description="Sum of the lines' SHIPPING charges.")
    tax_amount: Decimal = Field(description="Sum of the charges' taxes.")
    refund_amount: Decimal = Field(description="Refunded so far: the lines' refund charges and their taxes, made positive.")
    line_statuses: str | None = Field(default=None, description="The lines' statuses (Created, Acknowledged, Shipped, "
                                                                 "Delivered, Cancelled, Refund), distinct, comma-separated.")
    is_cancelled: bool = Field(description="Every line Cancelled.")


class OrderLine(Contract):
    """One line of a purchase order, with its order's id and date and its own amounts."""

    order_id: Id
    line_number: Id
    order_date: dt.datetime
    modified_by: dt.datetime
    seller_id: str
    product_name: str | None = None
    sku: str | None = None
    image_url: str | None = Field(default=None, description="item.imageUrl (productInfo=true).")
    weight: str | None = Field(default=None, description="item.weight.value, as text (productInfo=true).")
    weight_unit: str | None = None
    quantity: float | None = Field(default=None, description="orderLineQuantity.amount (text in the API).")
    status_date: dt.datetime | None = None
    currency: str | None = None
    product_amount: Decimal
    shipping_amount: Decimal
    tax_amount: Decimal
    refund_amount: Decimal
    line_statuses: str | None = None


# -- the API ------------------------------------------------------------------------------------


class WalmartToken(ClientCredentials):
    """Client credentials whose token goes in ``WM_SEC.ACCESS_TOKEN``, every call with a fresh
    ``WM_QOS.CORRELATION_ID`` (Walmart: "a random generated GUID" identifying each call)."""

    def __init__(self) -> None:
        super().__init__(TOKEN_URL, client_auth="basic", header="WM_SEC.ACCESS_TOKEN", prefix="",
                         token_headers=lambda config: {"WM_SVC.NAME": SERVICE_NAME, "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
                                                       "Accept": "application/json"})

    def build(self, config: object) -> httpx.Auth:
        return _Correlated(super().build(config))


class _Correlated(httpx.Auth):
    def __init__(self, inner: httpx.Auth) -> None:
        self.inner = inner

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["WM_QOS.CORRELATION_ID"] = str(uuid.uuid4())
        yield from self.inner.auth_flow(request)


API = Api(
    base_url="https://marketplace.walmartapis.com/",
    auth=WalmartToken(),
    headers={"WM_SVC.NAME": SERVICE_NAME, "Accept": "application/json"},
    errors=ErrorMap(
        "Walmart", code="errors.0.code", message=("errors.0.info", "errors.0.description"),
        codes={"UNAUTHORIZED.GMP_GATEWAY_API": Action.AUTH, "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API": Action.RETRY},
        hints={Action.AUTH: "check the client id and secret (Developer Portal) and that the app may read orders"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


class NextCursor(NextUrlInBody):
    """``list.meta.nextCursor``: the next page's query string ("?limit=...&soIndex=..."), asked at the same path."""

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        cursor = get_path(body, self.path)
        return PageRequest(url=str(response.request.url.join(cursor))) if cursor else None


def _money(obj: Any) -> Decimal:
    amount = (obj or {}).get("amount")
    return Decimal(str(amount)) if amount is not None else Decimal(0)


def _line_amounts(line: dict[str, Any]) -> dict[str, Any]:
    """A line's charges summed by type, its taxes, its refunds (made positive) and its statuses."""
    charges = get_path(line, "charges.charge") or []
    refunds = get_path(line, "refund.refundCharges.refundCharge") or []
    statuses = [s.get("status") for s in get_path(line, "orderLineStatuses.orderLineStatus") or [] if s.get("status")]
    currencies = [c["chargeAmount"]["currency"] for c in charges if (c.get("chargeAmount") or {}).get("currency")]
    return {
        "currency": currencies[0] if currencies else None,
        "product_amount": sum((_money(c.get("chargeAmount")) for c in charges if c.get("chargeType") == "PRODUCT"), Decimal(0)),
        "shipping_amount": sum((_money(c.get("chargeAmount")) for c in charges if c.get("chargeType") == "SHIPPING"), Decimal(0)),
        "tax_amount": sum((_money(get_path(c, "tax.taxAmount")) for c in charges), Decimal(0)),
        "refund_amount": -sum((_money(get_path(r, "charge.chargeAmount")) + _money(get_path(r, "charge.tax.taxAmount"))
                               for r in refunds), Decimal(0)),
        "statuses": statuses,
    }


def _stamp(record: dict[str, Any], ctx: ReadContext) -> None:
    record["seller_id"] = ctx.config.seller_id
    record["modified_by"] = ctx.window.end if isinstance(ctx.window.end, dt.datetime) else ctx.until


def _order(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    lines = [_line_amounts(line) for line in record.pop("lines", None) or []]
    statuses = [s for line in lines for s in line["statuses"]]
    for name in ("product_amount", "shipping_amount", "tax_amount", "refund_amount"):
        record[name] = sum((line[name] for line in lines), Decimal(0))
    record["currency"] = next((line["currency"] for line in lines if line["currency"]), None)
    record["line_statuses"] = ",".join(dict.fromkeys(statuses)) or None
    record["is_cancelled"] = bool(statuses) and all(s == "Cancelled" for s in statuses)
    _stamp(record, ctx)
    return record


def _line(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    amounts = _line_amounts({"charges": record.pop("charges", None), "refund": record.pop("refund", None),
                             "orderLineStatuses": record.pop("orderLineStatuses", None)})
    statuses = amounts.pop("statuses")
    record.update(amounts, line_statuses=",".join(dict.fromkeys(statuses)) or None)
    _stamp(record, ctx)
    return record


MODIFIED = WindowParams("lastModifiedStartDate", "lastModifiedEndDate", format=DATETIME)
#: The customer's email, name, phone and address: never loaded.
PERSONAL = ("customerEmailId", "shippingInfo", "pickupPersons", "buyerId", "isGuest")


def streams(config: WalmartMarketplaceConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    fixed: dict[str, Any] = {"limit": size}
    if config is not None and config.ship_node_type:
        fixed["shipNodeType"] = config.ship_node_type
    pages = lambda: NextCursor("list.meta.nextCursor")  # noqa: E731
    cursor = Cursor("modified_by", kind="datetime", lookback=ONE_DAY, window=ONE_WEEK)
    return [
        RestStream(
            name="orders", arrow=True, description="Purchase orders with amounts summed from their lines, statuses and refunds.",
            path="v3/orders", params=fixed, window=MODIFIED, paginator=pages, transform=_order,
            records=Records("list.elements.order", rename={"purchaseOrderId": "purchase_order_id", "customerOrderId": "customer_order_id",
                                                           "orderType": "order_type", "orderDate": "order_date",
                                                           "orderLines.orderLine": "lines", "shipNode.type": "ship_node_type"},
                            formats={"order_date": EPOCH_MILLIS},
                            drop=(*PERSONAL, "originalCustomerOrderID", "mart", "paymentTypes", "orderSummary")),
            contract=PurchaseOrder, primary_key=("purchase_order_id",), cursor=cursor,
            unified=Maps(
                "orders", order_id="purchase_order_id", order_number="customer_order_id", store_id="seller_id",
                order_date=DayOf("order_date"), created_at="order_date", updated_at="modified_by", currency="currency",
                gross="product_amount", tax="tax_amount", shipping="shipping_amount", refunds="refund_amount",
                total=Expr("product_amount + shipping_amount + tax_amount"), status="line_statuses", is_cancelled="is_cancelled",
                meanings={
                    "order_id": "purchaseOrderId: Walmart's purchase order (one customer order may hold several)",
                    "order_number": "customerOrderId: the customer's order",
                    "order_date": "the UTC day of orderDate: this API exposes no seller time zone",
                    "updated_at": "the end of the lastModified window the order was read in (no modified time is sent)",
                    "gross": "the lines' PRODUCT charges (ItemPrice) summed",
                    "shipping": "the lines' SHIPPING charges summed",
                    "tax": "the charges' taxes summed",
                    "refunds": "the lines' refund charges with their taxes, made positive",
                    "total": "PRODUCT + SHIPPING charges + taxes",
                    "status": "the lines' statuses, comma-separated",
                },
            ),
        ),
        RestStream(
            name="order_lines", description="One row per order line, with its order's id and date and its amounts.",
            path="v3/orders", params={**fixed, "productInfo": "true"}, window=MODIFIED, paginator=pages, transform=_line,
            records=Records("list.elements.order", explode="orderLines.orderLine", parent_prefix="order_",
                            rename={"order_purchaseOrderId": "order_id", "order_orderDate": "order_date", "lineNumber": "line_number",
                                    "item.productName": "product_name", "item.sku": "sku", "item.imageUrl": "image_url",
                                    "item.weight.value": "weight", "item.weight.unit": "weight_unit", "orderLineQuantity.amount": "quantity",
                                    "statusDate": "status_date"},
                            formats={"order_date": EPOCH_MILLIS, "status_date": EPOCH_MILLIS},
                            drop=(*(f"order_{p}" for p in (*PERSONAL, "customerOrderId", "orderType", "originalCustomerOrderID",
                                                           "mart", "paymentTypes", "orderSummary", "shipNode")),
                                  "fulfillment", "returnOrderId", "originalCarrierMethod", "referenceLineId", "serialNumbers",
                                  "intentToCancel", "configId", "sellerOrderId")),
            contract=OrderLine, primary_key=("order_id", "line_number"), cursor=cursor,
            unified=Maps(
                "order_lines", order_id="order_id", line_id="line_number", sku="sku", title="product_name", quantity="quantity",
                price=Expr("case when quantity = 1 then product_amount end"), currency="currency", store_id="seller_id",
                order_date=DayOf("order_date"),
                meanings={"line_id": "lineNumber within the purchase order",
                          "price": "the line's PRODUCT charge when the line holds one unit (Walmart documents no unit price)",
                          "order_date": "the UTC day of the order's orderDate"},
            ),
        ),
    ]


connector = declare(
    "walmart_marketplace", title="Walmart Marketplace", api=API, config=WalmartMarketplaceConfig, streams=streams,
    api_version="v3", docs_url="https://developer.walmart.com/api/us/mp/orders#operation/getAllOrders", category="commerce",
    support_policy="https://developer.walmart.com/us-marketplace/docs (Orders API v3 is current)",
    description="Walmart Marketplace: a seller's purchase orders (with refunds) and their lines.",
    # The gateway's error shape (GatewayError in the OpenAPI description), as it answers a bad token.
    error_example={"errors": [{"code": "UNAUTHORIZED.GMP_GATEWAY_API", "field": "UNAUTHORIZED", "description": "Unauthorized",
                               "info": "Unauthorized token or incorrect authorization header.", "severity": "ERROR",
                               "category": "DATA", "causes": [], "errorIdentifiers": {}}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "WalmartMarketplaceConfig"]
