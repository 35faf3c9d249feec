"""Etsy: a shop's receipts (orders), their transactions (order lines) and the shop, declared.

Reference: the Etsy Open API v3, https://developers.etsy.com/documentation/reference (Etsy's
OpenAPI description, https://www.etsy.com/openapi/generated/oas/3.0.0.json; read here through
two clients generated from it with openapi-generator: https://github.com/guimauvedigital/etsy
``docs/`` (2025-09) and https://github.com/gordonturner/etsy-open-api-client ``docs/``), and
the essentials pages: Money objects (https://developers.etsy.com/documentation/essentials/definitions),
authentication (https://developers.etsy.com/documentation/essentials/authentication) and rate
limits (https://developers.etsy.com/documentation/essentials/rate-limits). Every request goes to
``https://api.etsy.com/v3/application/`` with the app's key in ``x-api-key``
(``keystring:shared_secret``) and the shop owner's OAuth 2.0 token (scope ``transactions_r``
and ``shops_r``) as ``Authorization: Bearer``. Etsy's access tokens last one hour; this source
sends the token it is given (the framework's grants cannot yet be combined with a fixed key
header, `auth.AllOf`), so a scheduler passes a fresh one per run.

Streams:

- ``shop`` (GET shops/{shop_id}, getShop): name, ``currency_code`` ("the shop displays all
  prices in this currency by default"), URL. One record, read whole every run.
- ``receipts`` (GET shops/{shop_id}/receipts, getShopReceipts): incremental on
  ``updated_timestamp`` (``min_last_modified``/``max_last_modified``, epoch seconds), sorted on
  ``receipt_id`` so offset pages do not move while a receipt changes, ``limit``/``offset``
  paging (at most 100) until ``count`` is reached. A refund adds to the receipt's ``refunds``
  and moves ``updated_timestamp``, so the next run reads the receipt again and its row is
  updated; ``refunded_amount`` is the sum of its refunds' ``amount.amount`` (minor units; the
  refunds themselves, with their free-text reason and note, are not loaded).
  No buyer name, address, email or message is loaded.
- ``receipt_transactions``: the transactions (one per listing bought) inside the same
  receipts, asked sorted on ``created`` (the endpoint has no field selector; the two streams'
  requests must differ and both sort keys are fixed per receipt), one row per transaction
  with its receipt's fields prefixed ``order_``. GET shops/{shop_id}/transactions has no date
  filter, so it is not used.

Money: Money objects ``{"amount": <integer>, "divisor": <integer>, "currency_code": "USD"}``
("the base amount by which the currency can not be divided further"; amount / divisor is the
value), loading as ``<field>__amount``, ``__divisor`` and ``__currency_code`` columns. The
unified facts convert the amount by the currency's ISO 4217 minor unit; a record whose
``divisor`` disagrees with that unit fails with one line rather than load a wrong amount.
A transaction's ``shop_coupon`` and ``buyer_coupon`` are numbers in the shop's currency.

Days: timestamps are epoch seconds (UTC). The Shop resource documents no time zone, so the
day of a receipt is its UTC day.

Look-back: one day. Etsy documents no delay before a change shows in
``min_last_modified``; re-reading the last day catches receipts changed while a run paged.

Limits: per API key, queries per second and per day (a sliding 24-hour window; 10 QPS and
10,000 QPD by default, the app's own figures in the Developer Portal), reported in
``x-limit-per-second``, ``x-remaining-this-second``, ``x-limit-per-day``, ``x-remaining-today``;
over a limit Etsy answers 429 (retried, honouring ``retry-after``). Errors are
``{"error": "<text>"}`` (the OpenAPI ``ErrorSchema``) with 400, 401 (bad credentials), 403
(not allowed: a shop the token does not own, a missing scope), 404 and 500.

Unified facts: ``orders`` (one row per receipt) and ``order_lines`` (one per transaction).
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import AllOf, ApiKey, Bearer
from bosco_connectors.framework.currencies import ISO_4217
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Expr, Maps
from bosco_connectors.framework.paginators import OffsetLimit
from bosco_connectors.framework.params import EPOCH, WindowParams
from bosco_connectors.framework.records import EPOCH_SECONDS, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

MAX_PAGE_SIZE = 100  # getShopReceipts: limit 1 to 100 (default 25)
ONE_DAY = timedelta(days=1)
#: The receipt's Money fields (ShopReceipt in the OpenAPI description).
RECEIPT_MONEY = ("grandtotal", "subtotal", "total_price", "total_shipping_cost", "total_tax_cost", "total_vat_cost",
                 "discount_amt", "gift_wrap_price")
#: Personal data of the buyer and the messages: never loaded.
PERSONAL = ("seller_email", "buyer_email", "name", "first_line", "second_line", "city", "state", "zip",
            "formatted_address", "payment_email", "message_from_seller", "message_from_buyer", "message_from_payment",
            "gift_message", "gift_sender")


class EtsyConfig(SourceConfig):
    """Config of the ``etsy`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="The app's key as Etsy asks for it in x-api-key: keystring:shared_secret.")
    access_token: SecretStr = Field(description="The shop owner's OAuth 2.0 access token (scopes transactions_r shops_r), "
                                                "sent as Bearer; Etsy's tokens last one hour.")
    shop_id: str = Field(pattern=r"^[1-9][0-9]*$", description="The shop's numeric id.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Receipts per page (limit, 1-100).")
    requests_per_second: float = Field(default=5.0, gt=0, le=150,
                                       description="Pace of requests: Etsy's default app limit is 10 per second.")


# -- contracts --------------------------------------------------------------------------------



class Shop(Contract):
    """The shop (getShop)."""

    shop_id: Id
    shop_name: str | None = None
    currency_code: str | None = Field(default=None, description="ISO code of the shop's currency.")
    url: str | None = None
    image_url_760x100: str | None = None
    icon_url_fullxfull: str | None = None
    is_vacation: bool | None = None
    transaction_sold_count: int | None = None
    created_timestamp: dt.datetime | None = None
    updated_timestamp: dt.datetime | None = None


class Receipt(Contract):
    """One receipt (an order), from getShopReceipts, without the buyer's personal data."""

    receipt_id: Id
    receipt_type: int | None = Field(default=None, description="0 or 5: Etsy.com; 1: a Pattern shop.")
    seller_user_id: Id | None = None
    buyer_user_id: Id | None = None
    status: str | None = Field(default=None, description="paid, completed, open, payment processing, canceled, "
                                                          "fully refunded, partially refunded.")
    payment_method: str | None = None
    is_paid: bool | None = None
    is_shipped: bool | None = None
    is_gift: bool | None = None
    created_timestamp: dt.datetime
    updated_timestamp: dt.datetime
    grandtotal__amount: int | None = Field(default=None, description="total_price - coupon discount + tax + shipping.")
    grandtotal__divisor: int | None = None
    grandtotal__currency_code: str | None = None
    subtotal__amount: int | None = Field(default=None, description="total_price - coupon discounts.")
    total_price__amount: int | None = Field(default=None, description="Sum of the listings' price * quantity.")
    total_shipping_cost__amount: int | None = None
    total_tax_cost__amount: int | None = Field(default=None, description="Sales tax.")
    total_vat_cost__amount: int | None = Field(default=None, description="Value-added tax.")
    discount_amt__amount: int | None = Field(default=None, description="Percent or fixed coupons (free shipping excluded).")
    gift_wrap_price__amount: int | None = None
    refunded_amount: int = Field(description="Sum of refunds[].amount.amount, in minor units (computed here).")


class ReceiptTransaction(Contract):
    """One transaction (a listing bought) of a receipt, its receipt's fields prefixed ``order_``."""

    transaction_id: Id
    order_receipt_id: Id
    order_created_timestamp: dt.datetime
    order_updated_timestamp: dt.datetime
    title: str | None = None
    listing_id: Id | None = None
    product_id: Id | None = None
    sku: str | None = None
    quantity: int | None = None
    is_digital: bool | None = None
    transaction_type: str | None = None
    created_timestamp: dt.datetime | None = None
    paid_timestamp: dt.datetime | None = None
    shipped_timestamp: dt.datetime | None = None
    price__amount: int | None = Field(default=None, description="Unit price, minor units.")
    price__divisor: int | None = None
    price__currency_code: str | None = None
    shipping_cost__amount: int | None = None
    shipping_method: str | None = None
    shipping_upgrade: str | None = None
    shop_coupon: Decimal | None = Field(default=None, description="Shop coupon discount, shop currency units.")
    buyer_coupon: Decimal | None = Field(default=None, description="Buyer coupon discount, shop currency units.")


# -- the API ------------------------------------------------------------------------------------

API = Api(
    base_url="https://api.etsy.com/v3/application/",
    auth=AllOf(ApiKey("api_key", header="x-api-key"), Bearer("access_token")),
    errors=ErrorMap(
        "Etsy", code="error", message=("error",),
        statuses={401: Action.AUTH, 403: Action.AUTH},
        hints={Action.AUTH: "check x-api-key (keystring:shared_secret), that the OAuth token is fresh (one hour) "
                            "and has transactions_r and shops_r, and that it is the shop owner's"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


class DivisorMismatch(ValueError):
    """Etsy's divisor for a currency is not that currency's ISO 4217 minor unit."""


def _check_divisor(money: Any, where: str) -> None:
    if not isinstance(money, dict) or money.get("amount") is None:
        return
    code, divisor = money.get("currency_code"), money.get("divisor")
    if divisor is not None and int(divisor) != 10 ** ISO_4217.exponent(code):
        raise DivisorMismatch(f"Etsy {where}: divisor {divisor} for {code}, whose ISO 4217 minor unit is "
                              f"1/{10 ** ISO_4217.exponent(code)}; not loaded")


def _receipt(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """Check every Money's divisor and sum the receipt's refunds (minor units of its currency)."""
    where = f"receipt {record.get('receipt_id')}"
    for name in RECEIPT_MONEY:
        _check_divisor(record.get(name), where)
    refunds = record.get("refunds") or []
    for refund in refunds:
        _check_divisor(refund.get("amount"), where)
    record["refunded_amount"] = sum(int((r.get("amount") or {}).get("amount") or 0) for r in refunds)
    record.pop("refunds", None)  # summed above; each refund's reason and note are free text of the parties
    return record


def _transaction(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    _check_divisor(record.get("price"), f"transaction {record.get('transaction_id')}")
    return record


MODIFIED = WindowParams("min_last_modified", "max_last_modified", format=EPOCH)
TIMES = ("created_timestamp", "updated_timestamp", "create_timestamp", "update_timestamp")
SHOP = dict(on=())


def streams(config: EtsyConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE

    def pages():
        return lambda: OffsetLimit(limit=size, total_path="count")

    return [
        RestStream(
            name="shop", description="The shop: name, currency, URL.", path="shops/{shop_id}",
            records=Records(formats=dict.fromkeys(("created_timestamp", "updated_timestamp", "create_date", "update_date",
                                                   "policy_update_date"), EPOCH_SECONDS),
                            drop=("announcement", "sale_message", "digital_sale_message", "vacation_message",
                                  "vacation_autoreply", "policy_welcome", "policy_payment", "policy_shipping",
                                  "policy_refunds", "policy_additional", "policy_seller_info", "policy_privacy")),
            contract=Shop, primary_key=("shop_id",), cursor=FullRefresh("one record of current settings, with no date to filter on"),
        ),
        RestStream(
            name="receipts", description="Receipts (orders) with totals, status and refunds; no buyer address or email.",
            path="shops/{shop_id}/receipts", params={"sort_on": "receipt_id", "sort_order": "asc"}, window=MODIFIED,
            paginator=pages(), transform=_receipt,
            records=Records("results", formats=dict.fromkeys(TIMES, EPOCH_SECONDS), drop=(*PERSONAL, "transactions")),
            contract=Receipt, primary_key=("receipt_id",), cursor=Cursor("updated_timestamp", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "orders", order_id="receipt_id", customer_id="buyer_user_id",
                store_id=Lookup("shop", (), "shop_id", **SHOP), store_name=Lookup("shop", (), "shop_name", **SHOP),
                order_date=DayOf("created_timestamp"), created_at="created_timestamp", updated_at="updated_timestamp",
                currency="grandtotal__currency_code", gross="total_price__amount", discounts="discount_amt__amount",
                refunds=Expr("refunded_amount"), tax="total_tax_cost__amount", shipping="total_shipping_cost__amount",
                total="grandtotal__amount", status="status", is_cancelled=Expr("status = 'canceled'"),
                units=dict.fromkeys(("gross", "discounts", "refunds", "tax", "shipping", "total"), ISO_4217),
                meanings={
                    "order_date": "the UTC day of created_timestamp: Etsy documents no shop time zone",
                    "gross": "total_price: the listings' price * quantity, before coupons, without tax and shipping",
                    "discounts": "discount_amt: percent and fixed coupons (free-shipping coupons not included)",
                    "refunds": "the receipt's refunds[].amount summed",
                    "tax": "total_tax_cost: sales tax (VAT is total_vat_cost, in the raw table)",
                    "total": "grandtotal: total_price - coupon discount + tax + shipping",
                },
            ),
        ),
        RestStream(
            name="receipt_transactions", description="One row per transaction (listing bought) of the receipts read.",
            path="shops/{shop_id}/receipts", params={"sort_on": "created", "sort_order": "asc"}, window=MODIFIED,
            paginator=pages(), transform=_transaction,
            records=Records("results", explode="transactions", parent_prefix="order_",
                            formats=dict.fromkeys((*TIMES, "paid_timestamp", "shipped_timestamp", "expected_ship_date",
                                                   *(f"order_{t}" for t in TIMES)), EPOCH_SECONDS),
                            drop=(*(f"order_{p}" for p in PERSONAL), "order_shipments", "order_refunds",
                                  *(f"order_{m}" for m in RECEIPT_MONEY), "variations", "product_data", "file_data",
                                  "description")),
            contract=ReceiptTransaction, primary_key=("order_receipt_id", "transaction_id"),
            cursor=Cursor("order_updated_timestamp", kind="datetime", lookback=ONE_DAY),
            unified=Maps(
                "order_lines", order_id="order_receipt_id", line_id="transaction_id", product_id="listing_id",
                variant_id="product_id", sku="sku", title="title", quantity="quantity", price="price__amount",
                discounts=Expr("coalesce(shop_coupon, 0) + coalesce(buyer_coupon, 0)"), currency="price__currency_code",
                store_id=Lookup("shop", (), "shop_id", **SHOP), order_date=DayOf("order_created_timestamp"),
                units={"price": ISO_4217},
                meanings={"product_id": "listing_id: the listing bought", "variant_id": "product_id: the listing's product",
                          "price": "price: the unit price recorded by the transaction",
                          "discounts": "shop_coupon + buyer_coupon: the coupons' amounts on this transaction",
                          "order_date": "the UTC day of the receipt's created_timestamp"},
            ),
        ),
    ]


connector = declare(
    "etsy", title="Etsy", api=API, config=EtsyConfig, streams=streams, api_version="v3",
    docs_url="https://developers.etsy.com/documentation/reference", category="commerce",
    support_policy="https://developers.etsy.com/documentation/ (Open API v3 is Etsy's current API; v2 was sunset in 2023)",
    description="Etsy: a shop's receipts (with refunds) and their transactions, and the shop with its currency.",
    # The OpenAPI ErrorSchema: {"error": "<text>"} (a 404 for a shop that does not exist).
    error_example={"error": "Could not find a shop with shop_id = 1"},
)
source = source_function(connector)

__all__ = ["connector", "source", "EtsyConfig"]
