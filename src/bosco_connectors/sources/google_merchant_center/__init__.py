"""Google Merchant Center: accounts, products and daily product performance (Merchant API v1), declared.

Reference: the Merchant API v1 (https://developers.google.com/merchant/api/reference/rest), its
protocol buffers in https://github.com/googleapis/googleapis: Accounts
(``google/shopping/merchant/accounts/v1/accounts.proto``: GetAccount), Products
(``google/shopping/merchant/products/v1/products.proto``, ``products_common.proto``:
ListProducts) and Reports (``google/shopping/merchant/reports/v1/reports.proto``: Search over
``product_performance_view``), answered in the protocol-buffers JSON mapping (lowerCamelCase
names, int64 as JSON strings, enums by name, ``google.type.Date`` as ``{year, month, day}``).
The Content API for Shopping v2.1 is its predecessor (sunset announced for 2026). Host
``https://merchantapi.googleapis.com/``; an OAuth 2.0 token with the ``content`` scope, from a
service account's key or a Google user's refresh token (exactly one).

Streams, per Merchant Center account (``merchant_ids``):

- ``accounts`` (GET accounts/v1/accounts/{id}): name, ``timeZone.id`` (the account's display
  and reporting time zone), language, test flag. Read whole every run.
- ``products`` (GET products/v1/accounts/{id}/products): the processed products, ``pageSize``
  up to 1000, ``nextPageToken`` sent back as ``pageToken``; offer id, language, feed label,
  title, brand, link, availability, condition and price (``price.amountMicros``: micros,
  converted to exact currency units). ListProducts has no modified-since filter: every run
  reads all products.
- ``product_performance_daily`` (POST reports/v1/accounts/{id}/reports:search): one row per
  day, marketing method (ORGANIC: free listings; ADS: Shopping ads), offer id and customer
  country, with clicks, impressions and (free listings only, "reported on the conversion
  date") conversions and conversion value (``conversionValue.amountMicros``, micros). The date
  range is a condition of the query text (``WHERE date BETWEEN '...' AND '...'``, required);
  ``date`` is "in the merchant timezone". Incremental on ``date`` with a look-back of three
  days: conversions are credited to their conversion date and can still arrive for recent
  days (Google documents no fixed restatement window; three days is this source's choice),
  one query per 30 days, ``pageSize`` up to 100,000 (default 1,000), ``nextPageToken`` sent
  back as ``pageToken`` in the body. The product ``title`` is not selected: it is a segment
  ("the state of a product at the time of the impression") that would split a product's day.

Unified facts: free-listing rows (``marketing_method = 'ORGANIC'``) map into
``organic_search_daily`` as clicks and impressions of the account's products on Google's
organic surfaces, by day and customer country (no query, page, device or position: Merchant
Center reports none). ADS rows are Shopping ads: their cost lives in Google Ads, so they stay in
the raw table, as do conversions and conversion value (no fact column fits free-listing
conversions honestly).

Limits: Merchant API quotas per method and account
(https://developers.google.com/merchant/api/guides/quotas); over them 429 RESOURCE_EXHAUSTED
(retried). Errors (https://cloud.google.com/apis/design/errors): ``{"error": {"code",
"message", "status"}}``: UNAUTHENTICATED and PERMISSION_DENIED stop the sync (an account the
credential may not read), RESOURCE_EXHAUSTED, UNAVAILABLE, INTERNAL are retried,
INVALID_ARGUMENT (a bad query) fails.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import OneOf, RefreshToken, ServiceAccount
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.gaql import DateRange
from bosco_connectors.framework.paginators import CursorInBody, SinglePage
from bosco_connectors.framework.params import ForEach
from bosco_connectors.framework.records import MICROS, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
CONTENT_SCOPE = "https://www.googleapis.com/auth/content"
MAX_PRODUCTS_PAGE = 1000  # ListProducts: "The maximum value is 1000"
MAX_REPORT_PAGE = 100_000  # Search: "Values above 100,000 are coerced to 100,000"
CREDENTIAL = OneOf(ServiceAccount(GOOGLE_TOKEN_URL, scope=CONTENT_SCOPE, extra="google-merchant-center"),
                   RefreshToken(GOOGLE_TOKEN_URL, scope=CONTENT_SCOPE))
#: The report's fields (product_performance_view), as the query names them.
PERFORMANCE_FIELDS = ("date", "marketing_method", "offer_id", "customer_country_code", "clicks", "impressions", "conversions",
                      "conversion_value")
PERFORMANCE_QUERY = f"SELECT {', '.join(PERFORMANCE_FIELDS)} FROM product_performance_view"


class GoogleMerchantCenterConfig(SourceConfig):
    """Config of the ``google_merchant_center`` source (plus the fields every source accepts)."""

    merchant_ids: IdList = Field(min_length=1, description="Merchant Center account ids (standalone accounts or sub-accounts).")
    client_id: str | None = Field(default=None, description="OAuth client id (refresh-token auth).")
    client_secret: SecretStr | None = Field(default=None, description="OAuth client secret (refresh-token auth).")
    refresh_token: SecretStr | None = Field(default=None, description="OAuth refresh token with the content scope.")
    service_account_key: SecretStr | None = Field(
        default=None, description="Service account JSON key: the file's contents or its path (added as a user of each account).")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint.")
    page_size: int = Field(default=MAX_PRODUCTS_PAGE, ge=1, le=MAX_PRODUCTS_PAGE, description="Products and report rows per page.")
    requests_per_minute: float = Field(default=60, gt=0, description="Pace of requests (Merchant API quotas are per method).")

    @field_validator("merchant_ids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        if bad := [v for v in value if not v.isdigit()]:
            raise ValueError(f"Merchant Center account ids are numbers: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _one_credential(self) -> "GoogleMerchantCenterConfig":
        if problem := CREDENTIAL.problem(self):
            raise ValueError(problem)
        return self


# -- contracts --------------------------------------------------------------------------------


class Account(Contract):
    """A Merchant Center account (GetAccount)."""

    account_id: Id
    name: str | None = Field(default=None, description="accounts/{account}.")
    account_name: str | None = None
    time_zone: str | None = Field(default=None, description="timeZone.id: an IANA zone, the account's reporting day.")
    language_code: str | None = None
    test_account: bool | None = None
    adult_content: bool | None = None


class Product(Contract):
    """A processed product (ListProducts)."""

    name: str = Field(description="accounts/{account}/products/{contentLanguage}~{feedLabel}~{offerId}.")
    merchant_id: Id
    offer_id: str | None = None
    content_language: str | None = None
    feed_label: str | None = None
    data_source: str | None = None
    title: str | None = None
    brand: str | None = None
    link: str | None = None
    availability: str | None = None
    condition: str | None = None
    item_group_id: str | None = None
    price: Decimal | None = Field(default=None, description="productAttributes.price, from micros to currency units.")
    currency: str | None = None


class ProductPerformanceDaily(Contract):
    """One day, marketing method, offer and customer country of product_performance_view."""

    merchant_id: Id
    date: dt.date = Field(description="In the merchant account's time zone.")
    marketing_method: str = Field(description="ORGANIC (free listings) or ADS (Shopping ads).")
    offer_id: str
    customer_country_code: str = Field(description="ISO 3166; ZZ when Google cannot tell.")
    clicks: int | None = None
    impressions: int | None = None
    conversions: float | None = Field(default=None, description="Free listings only, on the conversion date.")
    conversion_value: Decimal | None = Field(default=None, description="Free listings only, from micros to currency units.")
    conversion_currency: str | None = None


# -- the API ------------------------------------------------------------------------------------

API = Api(
    base_url="https://merchantapi.googleapis.com/",
    auth=CREDENTIAL,
    errors=ErrorMap(
        "Merchant API", code="error.status", message=("error.message",),
        codes={**dict.fromkeys(("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED"), Action.RETRY),
               **dict.fromkeys(("UNAUTHENTICATED", "PERMISSION_DENIED"), Action.AUTH),
               "INVALID_ARGUMENT": Action.FAIL},
        hints={Action.AUTH: "check the credential, its content scope, and that its user or service account is a user of each account"},
    ),
    rate=RateBudget(per_minute="requests_per_minute"),
)


def _day(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """``google.type.Date`` ({year, month, day}) as a day."""
    value = record.get("date")
    if isinstance(value, dict):
        record["date"] = dt.date(int(value["year"]), int(value["month"]), int(value["day"]))
    return record


PER_ACCOUNT = ForEach("merchant_ids", "merchant_id")


def streams(config: GoogleMerchantCenterConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PRODUCTS_PAGE
    pages = lambda: CursorInBody(token_path="nextPageToken", param="pageToken")  # noqa: E731
    view = "productPerformanceView"
    return [
        RestStream(
            name="accounts", description="Each account: name, time zone, language.", path="accounts/v1/accounts/{merchant_id}",
            partitions=PER_ACCOUNT, paginator=SinglePage,
            records=Records(rename={"accountId": "account_id", "accountName": "account_name", "timeZone.id": "time_zone",
                                    "languageCode": "language_code", "testAccount": "test_account", "adultContent": "adult_content"}),
            contract=Account, primary_key=("account_id",), cursor=FullRefresh("one record per account, with no date to filter on"),
        ),
        RestStream(
            name="products", description="Processed products: offer id, title, brand, link, availability, price.",
            path="products/v1/accounts/{merchant_id}/products", params={"pageSize": size}, partitions=PER_ACCOUNT, paginator=pages,
            records=Records("products", rename={
                "offerId": "offer_id", "contentLanguage": "content_language", "feedLabel": "feed_label", "dataSource": "data_source",
                "productAttributes.title": "title", "productAttributes.brand": "brand", "productAttributes.link": "link",
                "productAttributes.availability": "availability", "productAttributes.condition": "condition",
                "productAttributes.itemGroupId": "item_group_id", "productAttributes.price.amountMicros": "price",
                "productAttributes.price.currencyCode": "currency"},
                units={"price": MICROS}, drop=("productStatus", "customAttributes", "automatedDiscounts", "versionNumber", "legacyLocal"),
                from_partition=("merchant_id",)),
            contract=Product, primary_key=("name",),
            cursor=FullRefresh("ListProducts documents no modified-since filter: every run lists all products"),
        ),
        RestStream(
            name="product_performance_daily", description="Clicks, impressions and free-listing conversions per day, method, offer, country.",
            path="reports/v1/accounts/{merchant_id}/reports:search", method="POST",
            params={"query": PERFORMANCE_QUERY, "pageSize": size}, partitions=PER_ACCOUNT, window=DateRange(column="date"),
            paginator=pages, transform=_day,
            records=Records("results", rename={
                f"{view}.date": "date", f"{view}.marketingMethod": "marketing_method", f"{view}.offerId": "offer_id",
                f"{view}.customerCountryCode": "customer_country_code", f"{view}.clicks": "clicks",
                f"{view}.impressions": "impressions", f"{view}.conversions": "conversions",
                f"{view}.conversionValue.amountMicros": "conversion_value", f"{view}.conversionValue.currencyCode": "conversion_currency"},
                units={"conversion_value": MICROS}, from_partition=("merchant_id",)),
            contract=ProductPerformanceDaily,
            primary_key=("merchant_id", "date", "marketing_method", "offer_id", "customer_country_code"),
            cursor=Cursor("date", lookback=timedelta(days=3), window=timedelta(days=30)),
            unified=Maps(
                "organic_search_daily", where="marketing_method = 'ORGANIC'", date="date", property_id="merchant_id",
                country="customer_country_code", clicks="clicks", impressions="impressions",
                meanings={"property_id": "the Merchant Center account",
                          "impressions": "free-listing impressions of the account's products on Google (Shopping, Search, Images, ...)",
                          "clicks": "free-listing clicks", "country": "customerCountryCode: ISO 3166 alpha-2, ZZ when unknown",
                          "date": "the day in the account's time zone"},
            ),
        ),
    ]


connector = declare(
    "google_merchant_center", title="Google Merchant Center", api=API, config=GoogleMerchantCenterConfig, streams=streams,
    api_version="merchantapi v1", docs_url="https://developers.google.com/merchant/api/reference/rest", category="commerce",
    support_policy="https://developers.google.com/merchant/api/guides/versioning (Merchant API v1 replaces the Content API for Shopping)",
    description="Google Merchant Center: accounts, products, and daily free-listing and Shopping-ads clicks and impressions per product.",
    # Google's error model (https://cloud.google.com/apis/design/errors), a query Merchant API refuses.
    error_example={"error": {"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "GoogleMerchantCenterConfig"]
