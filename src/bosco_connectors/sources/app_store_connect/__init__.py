"""App Store Connect: the Sales and Trends reports of the App Store Connect API (v1), declared.

Reference: https://developer.apple.com/documentation/appstoreconnectapi/get-v1-salesreports
(``GET https://api.appstoreconnect.apple.com/v1/salesReports`` with ``filter[frequency]``,
``filter[reportDate]``, ``filter[reportSubType]``, ``filter[reportType]``,
``filter[vendorNumber]`` and ``filter[version]``; the answer is the report, gzip-compressed,
``application/a-gzip``), the report's fields
https://developer.apple.com/help/app-store-connect/reference/summary-sales-report (Summary Sales
Report, version 1_1), the product type identifiers
https://developer.apple.com/help/app-store-connect/reference/product-type-identifiers, and
authentication https://developer.apple.com/documentation/appstoreconnectapi/generating-tokens-for-api-requests
(a JWT the client signs with its API key: ES256, header ``kid`` the key id, claims ``iss`` the
issuer id, ``aud`` ``appstoreconnect-v1``, ``exp`` at most 20 minutes ahead; sent as
``Authorization: Bearer``; `auth.SignedJwt`). Errors are the API's ``ErrorResponse``:
``{"errors": [{"id", "status", "code", "title", "detail"}]}``.

One stream, ``sales_daily``: the DAILY SALES SUMMARY report of the configured vendor, one per
day (``filter[reportDate]=YYYY-MM-DD``), a tab-separated file with a header row, read from a
temporary file in batches (`files.Csv(delimiter="\\t", compression="gzip")`). A row is one
product (SKU, Apple Identifier), country, currency, device, customer price and product type
of the day: ``Units`` (negative for returns) and ``Developer Proceeds`` per unit in the
``Currency of Proceeds``. Its ``Begin Date`` and ``End Date`` are ``MM/DD/YYYY``; days end at
midnight Pacific Time. Daily reports are kept 365 days; a day is published the next day. A day
without sales answers 404 ``NOT_FOUND`` ("There were no sales for the date specified"): that
day loads nothing, quietly (``Action.EMPTY``: the run is not partial for it).

Look-back: 2 days: a day's report appears the next day and is final then.

Maps into the unified ``app_installs_daily``: installs are the units of first-time downloads
(product types 1, 1F, 1T, F1 and the custom-app types 1E, 1EP, 1EU), re-installs the units of
re-downloads (3, 3F, 3T, F3); the app is the Apple Identifier, the OS from ``Device``. Proceeds
are not mapped: every row has its own currency of proceeds, and the fact sums one app's day
across them. The store attributes nothing: media source and campaign are NULL. Category
``analytics``, as docs/sources.md groups the measurement sources that are not attribution
tools (Google Analytics 4, Plausible): a store's own installs and sales counts.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, SourceConfig
from bosco_connectors.framework.auth import SignedJwt
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Expr, Maps
from bosco_connectors.framework.files import Csv
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import CURRENCY, Records
from bosco_connectors.framework.spec import Cursor, Stream
from bosco_connectors.sandbox.documented_days import DocumentedDays

#: Summary Sales Report (1_1) columns -> our names.
COLUMNS = {
    "Provider": "provider", "Provider Country": "provider_country", "SKU": "sku", "Developer": "developer",
    "Title": "title", "Version": "version", "Product Type Identifier": "product_type_identifier", "Units": "units",
    "Developer Proceeds": "developer_proceeds", "Begin Date": "begin_date", "End Date": "end_date",
    "Customer Currency": "customer_currency", "Country Code": "country_code", "Currency of Proceeds": "currency_of_proceeds",
    "Apple Identifier": "apple_identifier", "Customer Price": "customer_price", "Promo Code": "promo_code",
    "Parent Identifier": "parent_identifier", "Subscription": "subscription", "Period": "period", "Category": "category",
    "CMB": "cmb", "Device": "device", "Supported Platforms": "supported_platforms", "Proceeds Reason": "proceeds_reason",
    "Preserved Pricing": "preserved_pricing", "Client": "client", "Order Type": "order_type",
}
FIRST_DOWNLOADS = ("1", "1F", "1T", "F1", "1E", "1EP", "1EU")
REDOWNLOADS = ("3", "3F", "3T", "F3")
US_DATE = "%m/%d/%Y"


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class AppStoreConnectConfig(SourceConfig):
    """Config of the ``app_store_connect`` source (plus the fields every source accepts)."""

    issuer_id: str = Field(min_length=1, description="The API key's issuer id (Users and Access > Integrations > App Store Connect API).")
    key_id: str = Field(min_length=1, description="The API key's id (a Sales or Finance role, or Admin).")
    private_key: SecretStr = Field(description="The API key's private key (.p8, PEM text); a key that cannot sign fails the first request as an auth error.")
    vendor_number: str = Field(pattern=r"^\d+$", description="The vendor number of the sales reports (Payments and Financial Reports).")
    requests_per_second: float = Field(default=1.0, gt=0, le=10, description="Pace of requests.")


class SalesDaily(Contract):
    """One row of a DAILY SALES SUMMARY report (one product, country, currency, device, price and type)."""

    begin_date: dt.date = Field(description="Begin Date: the report's day (days end at midnight Pacific Time).")
    sku: str
    apple_identifier: str = Field(description="Apple Identifier: the product's Apple ID (the app's, for an app).")
    product_type_identifier: str = Field(description="1, 1F, 1T, F1: first-time downloads; 3...: re-downloads; 7...: updates; IA...: in-app purchases.")
    country_code: str
    customer_currency: str
    currency_of_proceeds: str
    device: str = Field(description="iPhone, iPad, iPod, Desktop, Apple TV, Apple Watch, ...")
    customer_price: Decimal = Field(description="Customer Price per unit, in the customer currency.")
    promo_code: str = Field(description="Promo Code ('' when none).")
    order_type: str = Field(description="Order Type ('' when none).")
    proceeds_reason: str = Field(description="Proceeds Reason ('' when none).")
    end_date: dt.date | None = None
    provider: str | None = None
    provider_country: str | None = None
    developer: str | None = None
    title: str | None = None
    version: str | None = None
    units: int | None = Field(default=None, description="Units (negative for returns).")
    developer_proceeds: Decimal | None = Field(default=None, description="Proceeds per unit, in the currency of proceeds.")
    parent_identifier: str | None = None
    subscription: str | None = None
    period: str | None = None
    category: str | None = None
    cmb: str | None = None
    supported_platforms: str | None = None
    preserved_pricing: str | None = None
    client: str | None = None


API = Api(
    base_url="https://api.appstoreconnect.apple.com/",
    auth=SignedJwt(audience="appstoreconnect-v1", extra="app_store_connect"),
    errors=ErrorMap("App Store Connect", code="errors.0.code", message=("errors.0.detail", "errors.0.title"),
                    request_id="errors.0.id",
                    codes={"NOT_FOUND": Action.EMPTY, "NOT_AUTHORIZED": Action.AUTH, "FORBIDDEN_ERROR": Action.AUTH,
                           "RATE_LIMIT_EXCEEDED": Action.RETRY},
                    statuses={404: Action.EMPTY, 429: Action.RETRY},
                    hints={Action.AUTH: "check the issuer id, key id and private key, and that the key may read sales "
                                        "reports (Sales, Finance or Admin) of the vendor number",
                           Action.EMPTY: "a day without sales has no report"}),
    rate=RateBudget(per_second="requests_per_second"),
)


def streams(config: AppStoreConnectConfig | None) -> list[Stream]:
    return [
        DocumentedDays(
            name="sales_daily", fake_days={"Begin Date": US_DATE, "End Date": US_DATE},
            description="The vendor's DAILY SALES SUMMARY report: units and proceeds per product, country, currency, "
                        "device, price and product type.",
            path="v1/salesReports",
            params={"filter[frequency]": "DAILY", "filter[reportSubType]": "SUMMARY", "filter[reportType]": "SALES",
                    "filter[vendorNumber]": "{vendor_number}", "filter[version]": "1_1"},
            window=WindowParams("filter[reportDate]"), file=Csv(delimiter="\t", compression="gzip"),
            records=Records(rename=COLUMNS, formats={"begin_date": US_DATE, "end_date": US_DATE},
                            units={"developer_proceeds": CURRENCY, "customer_price": CURRENCY}),
            contract=SalesDaily,
            primary_key=("begin_date", "sku", "apple_identifier", "product_type_identifier", "country_code", "customer_currency",
                         "currency_of_proceeds", "device", "customer_price", "promo_code", "order_type", "proceeds_reason"),
            arrow=True, cursor=Cursor("begin_date", lookback=timedelta(days=2), window=timedelta(days=1)),
            history=timedelta(days=365),
            unified=(
                Maps("app_installs_daily", where=f"product_type_identifier in ({_sql_list(FIRST_DOWNLOADS)})",
                     date="begin_date", app_id="apple_identifier", app_os=Expr(
                         "case device when 'Desktop' then 'macos' when 'Apple TV' then 'tvos' "
                         "when 'Apple Watch' then 'watchos' else 'ios' end"), installs="units",
                     meanings={"date": "Begin Date of the daily report (the day ends at midnight Pacific Time)",
                               "app_id": "Apple Identifier: the app's Apple ID",
                               "app_os": "from Device: Desktop is macos, Apple TV tvos, Apple Watch watchos, else ios",
                               "installs": "Units of first-time downloads (product types 1, 1F, 1T, F1, 1E, 1EP, 1EU), "
                                           "returns negative"}),
                Maps("app_installs_daily", where=f"product_type_identifier in ({_sql_list(REDOWNLOADS)})",
                     date="begin_date", app_id="apple_identifier", app_os=Expr(
                         "case device when 'Desktop' then 'macos' when 'Apple TV' then 'tvos' "
                         "when 'Apple Watch' then 'watchos' else 'ios' end"), reinstalls="units",
                     meanings={"reinstalls": "Units of re-downloads (product types 3, 3F, 3T, F3) by the same Apple account"}),
            ),
        ),
    ]


connector = declare(
    "app_store_connect", title="App Store Connect", api=API, config=AppStoreConnectConfig, streams=streams,
    api_version="v1 (Sales and Trends, report version 1_1)",
    docs_url="https://developer.apple.com/documentation/appstoreconnectapi/get-v1-salesreports", category="analytics",
    description="App Store Connect Sales and Trends: the daily sales summary report (units and proceeds per app, "
                "country, device and product type).",
    # ErrorResponse, as cassettes/app_store_connect/bodies/error.auth.json.
    error_example={"errors": [{"id": "6a1b7c9e-0000-4d2e-9f3a-1b2c3d4e5f60", "status": "401", "code": "NOT_AUTHORIZED",
                               "title": "Authentication credentials are missing or invalid.",
                               "detail": "Provide a properly configured and signed bearer token, and make sure that it "
                                         "has not expired. Learn more about Generating Tokens for API Requests "
                                         "https://developer.apple.com/go/?id=api-generating-tokens"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "AppStoreConnectConfig"]
