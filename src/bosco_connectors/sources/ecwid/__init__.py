"""Ecwid: the Ecwid REST API v3 (store profile, orders), declared.

Reference: https://docs.ecwid.com/api-reference (REST API v3: "Get store profile", "Search
orders", "REST API error codes"), with the field list and types of the official client
(https://github.com/Ecwid/ecwid-java-api-client ``FetchedOrder``, ``FetchedStoreProfile``,
``EcwidApiError``) and the earlier edition of the same reference
(https://github.com/Ecwid/ecwid-api-docs ``includes/_orders.md``, ``_store_profile.md``),
whose response examples the fixtures follow. Base ``https://app.ecwid.com/api/v3/{store_id}/``;
the app's access token as ``Authorization: Bearer`` ("Get started with REST API").

Streams:

- ``profile``: GET ``{store_id}/profile``, one object: the store id and URL, its currency
  (``formatsAndUnits.currency``: orders carry none of their own) and time zone
  (``formatsAndUnits.timezone``: the store's day). Read whole every run.
- ``orders``: GET ``{store_id}/orders`` with ``updatedFrom``/``updatedTo`` (UNIX timestamps,
  "Order last update date/time"), paged by ``offset``/``limit`` (at most 100) until
  ``total`` is reached. Without a payment status filter the search returns every order but
  unfinished ones (``INCOMPLETE``), which are checkouts nobody paid. A refund raises the
  order's ``refundedAmount`` and its update time: the order is read again and its row
  updated.

Look-back: one hour on ``updateTimestamp``; Ecwid documents no delay before a change is
searchable, the hour covers orders changed while the previous run was paging.

Money: numbers in the store currency's units (``"total": 2014.97``), loaded as exact
decimals. Times: "Date/time values returned by Ecwid API are in UTC"; the order's UNIX
``createTimestamp``/``updateTimestamp`` are loaded; the unified day is the creation day in
the store's time zone. Customers' emails, IP addresses, names and addresses, tax and fiscal
codes, notes and payment parameters are never loaded.

Errors: ``{"errorMessage", "errorCode"}`` with the HTTP status: 403 ``INVALID_API_TOKEN``
and ``INSUFFICIENT_APP_SCOPE``, 402 ``NOT_AVAILABLE_ON_CURRENT_PLAN`` and
``STORE_IS_SUSPENDED`` stop the sync; 429 ``RATE_LIMITED`` (600 requests a minute per token,
``Retry-After``), 408 ``TIMEOUT`` and 500 ``INTERNAL_ERROR`` are retried; 400
``WRONG_PARAMETER`` and 404 ``STORE_NOT_FOUND`` fail.
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
from bosco_connectors.framework.paginators import OffsetLimit, SinglePage
from bosco_connectors.framework.params import EPOCH, WindowParams
from bosco_connectors.framework.records import EPOCH_SECONDS, Records, snake_case, without_nulls
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

API_VERSION = "v3"
MAX_PAGE_SIZE = 100  # limit: "Maximum allowed value: 100"


class EcwidConfig(SourceConfig):
    """Config of the ``ecwid`` source (plus the fields every source accepts)."""

    store_id: str = Field(pattern=r"^\d+$", description="The Ecwid store id (the number in the Control Panel's footer).")
    api_token: SecretStr = Field(description="The app's secret access token (read_store_profile and read_orders scopes).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Orders per page (limit, at most 100).")
    requests_per_second: float = Field(default=10.0, gt=0, le=10.0, description="Ecwid accepts 600 requests a minute per token.")


class Profile(Contract):
    """The store profile (GET profile): the store's currency and time zone."""

    store_id: Id
    store_url: str | None = None
    currency: str = Field(description="formatsAndUnits.currency: ISO 4217, the currency of every order.")
    currency_precision: int | None = None
    timezone: str = Field(description="formatsAndUnits.timezone, e.g. Europe/Moscow: the store's day.")


class Order(Contract):
    """An order (GET orders), money in the store currency's units; no customer contact data."""

    id: Id = Field(description="The order id (as shown to the customer, e.g. K8XTQ).")
    internal_id: int | None = None
    order_number: int | None = None
    vendor_order_number: str | None = None
    customer_id: int | None = None
    payment_status: str | None = Field(default=None, description="AWAITING_PAYMENT, PAID, CANCELLED, REFUNDED, PARTIALLY_REFUNDED, INCOMPLETE.")
    fulfillment_status: str | None = None
    payment_method: str | None = None
    subtotal: Decimal | None = Field(default=None, description="The items (price times quantity).")
    total: Decimal | None = Field(default=None, description="Order total: shipping, taxes, discounts included.")
    usd_total: Decimal | None = None
    tax: Decimal | None = None
    discount: Decimal | None = Field(default=None, description="All discounts but the coupon's.")
    coupon_discount: Decimal | None = None
    refunded_amount: Decimal | None = Field(default=None, description="Refunds made (Ecwid Payments only).")
    shipping_rate: Decimal | None = Field(default=None, description="shippingOption.shippingRate.")
    referer_url: str | None = None
    global_referer: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    hidden: bool | None = None
    create_timestamp: dt.datetime
    update_timestamp: dt.datetime


API = Api(
    base_url="https://app.ecwid.com/api/v3/",
    auth=Bearer("api_token"),
    errors=ErrorMap(
        "Ecwid", code="errorCode", message=("errorMessage",),
        codes={
            **dict.fromkeys(("INVALID_API_TOKEN", "INSUFFICIENT_APP_SCOPE", "NOT_AVAILABLE_ON_CURRENT_PLAN", "STORE_IS_SUSPENDED"),
                            Action.AUTH),
            **dict.fromkeys(("RATE_LIMITED", "TIMEOUT", "INTERNAL_ERROR"), Action.RETRY),
            **dict.fromkeys(("WRONG_PARAMETER", "STORE_NOT_FOUND", "PROFILE_NOT_FOUND"), Action.FAIL),
        },
        hints={Action.AUTH: "check the store id, the token, its read_orders and read_store_profile scopes and the store's plan"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

#: One hour (see the module docstring).
SINCE_LAST_RUN = timedelta(hours=1)
PRIVATE = ("email", "ipAddress", "billingPerson", "shippingPerson", "orderComments", "privateAdminNotes", "customerTaxId",
           "paymentParams", "creditCardStatus", "additionalInfo", "extraFields", "orderExtraFields", "customerFiscalCode",
           "electronicInvoicePecEmail", "electronicInvoiceSdiCode")
NESTED = ("items", "refunds", "discountCoupon", "discountInfo", "customDiscount", "taxesOnShipping", "predictedPackage",
          "handlingFee", "availableShippingOptions", "shipments", "customSurcharges", "availableTaxes", "externalOrderData",
          "createDate", "updateDate")
STORE = dict(on=())

ORDERS = Maps(
    "orders",
    order_id="id", order_number="vendor_order_number", store_id=Lookup("profile", (), "store_id", **STORE),
    customer_id="customer_id", created_at="create_timestamp", updated_at="update_timestamp",
    order_date=DayOf("create_timestamp", Lookup("profile", (), "timezone", **STORE)),
    currency=Lookup("profile", (), "currency", **STORE), gross="subtotal",
    discounts=Expr("coalesce(discount, 0) + coalesce(coupon_discount, 0)"), tax="tax", shipping="shipping_rate",
    total="total", refunds="refunded_amount", status="payment_status", is_cancelled=Expr("payment_status = 'CANCELLED'"),
    referring_site="referer_url", utm_source="utm_source", utm_medium="utm_medium", utm_campaign="utm_campaign",
    meanings={
        "order_date": "the creation day in the store's time zone (formatsAndUnits.timezone)",
        "currency": "the store's currency (formatsAndUnits.currency): orders carry none of their own",
        "gross": "subtotal: the items' price times quantity",
        "discounts": "discount + couponDiscount (Ecwid: the total order discount is their sum)",
        "shipping": "shippingOption.shippingRate",
        "total": "total: shipping, taxes and discounts included",
        "refunds": "refundedAmount: refunds made through Ecwid Payments (other gateways' refunds are not reported)",
        "status": "paymentStatus",
        "is_cancelled": "paymentStatus CANCELLED",
        "referring_site": "refererUrl",
    },
)


def _profile_only(record: dict, ctx) -> dict:
    """The profile's few columns the facts need (its other sections are settings, not data)."""
    return {k: record[k] for k in Profile.model_fields if record.get(k) is not None}


def streams(config: EcwidConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="profile", description="The store: id, URL, currency and time zone.", path="{store_id}/profile",
            paginator=SinglePage,
            records=Records(rename={"generalInfo.storeId": "store_id", "generalInfo.storeUrl": "store_url",
                                    "formatsAndUnits.currency": "currency", "formatsAndUnits.currencyPrecision": "currency_precision",
                                    "formatsAndUnits.timezone": "timezone"}),
            transform=_profile_only, contract=Profile, primary_key=("store_id",),
            cursor=FullRefresh("one object: the store's current settings"),
        ),
        RestStream(
            name="orders", arrow=True, description="Orders updated in the window: totals, discounts, refunds, statuses, UTM data.",
            path="{store_id}/orders", window=WindowParams("updatedFrom", "updatedTo", format=EPOCH),
            paginator=lambda: OffsetLimit(limit=size, total_path="total"),
            records=Records("items", drop=(*PRIVATE, *NESTED),
                            rename={**snake_case("internalId", "orderNumber", "vendorOrderNumber", "customerId", "paymentStatus",
                                                 "fulfillmentStatus", "paymentMethod", "usdTotal", "couponDiscount",
                                                 "refundedAmount", "refererUrl", "globalReferer", "createTimestamp",
                                                 "updateTimestamp"),
                                    "shippingOption.shippingRate": "shipping_rate", "utmData.source": "utm_source",
                                    "utmData.medium": "utm_medium", "utmData.campaign": "utm_campaign"},
                            formats={"create_timestamp": EPOCH_SECONDS, "update_timestamp": EPOCH_SECONDS}),
            transform=without_nulls(Order), contract=Order, primary_key=("id",),
            cursor=Cursor("update_timestamp", kind="datetime", lookback=SINCE_LAST_RUN),
            unified=ORDERS,
        ),
    ]


connector = declare(
    "ecwid", title="Ecwid", api=API, config=EcwidConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://docs.ecwid.com/api-reference", category="commerce",
    support_policy="https://docs.ecwid.com/api-reference (REST API v3 is the current version)",
    description="Ecwid by Lightspeed: orders (into the unified orders in the store's currency and time zone, refunds as "
                "updates) and the store profile.",
    error_example={"errorMessage": "Invalid access token in the request", "errorCode": "INVALID_API_TOKEN"},
)
source = source_function(connector)

__all__ = ["connector", "source", "EcwidConfig"]
