"""Awin: the Advertiser API (accounts, publishers, publisher performance, transactions), declared.

Reference: https://help.awin.com/apidocs (also https://developer.awin.com/apidocs; the API has
no version number: paths are unversioned under ``https://api.awin.com/``). The Advertiser API is
open to the Accelerate and Advanced plans. Authentication: a user's OAuth2 token, made on
https://ui.awin.com/awin-api, sent as ``Authorization: Bearer <token>``; it reaches every account
the user may see (https://help.awin.com/apidocs/api-authentication). Awin throttles at 20 calls
a minute per user (https://help.awin.com/apidocs/introduction-1): the default pace.

Streams:

- ``accounts``: the user's advertiser accounts (``GET accounts?type=advertiser``).
- ``publishers``: the publishers each configured advertiser works with
  (``GET advertisers/{advertiserId}/publishers``).
- ``publisher_daily``: the publisher performance report
  (``GET advertisers/{advertiserId}/reports/publisher``,
  https://help.awin.com/apidocs/get-publisher-performance-report): impressions, clicks and the
  transactions' count, sale value and commission by status (pending, confirmed, bonus,
  declined, total) per publisher, summed over ``startDate``..``endDate`` (dates, both
  included) by transaction date in the configured ``timezone``. Its rows name no day, so each
  request asks for one day and the row is stamped with it. Publishers without activity that day
  are not listed: a missing row means nothing happened.
- ``transactions``: every transaction (``GET advertisers/{advertiserId}/transactions/``,
  https://wiki.awin.com/index.php/API_get_transactions_list), read by transaction date in UTC,
  at most 31 days a request (the documented cap), in windows of 30 days. Not mapped into the
  facts (the report already counts them); the raw detail behind the report.

Look-back: 67 days on both. A transaction is pending until the advertiser validates it, or
until the programme's auto-validation period ends; that period is up to 67 days on Awin
Access and set by contract on the other plans (https://help.awin.com/advertisers/docs/auto-validation).
A re-read day replaces its rows (key: advertiser, publisher, region, day; transactions by id).

Money: JSON numbers in currency units, with the ISO 4217 code in the row's ``currency`` (the
report) or beside each amount (``commissionAmount.currency``).

Unified: ``publisher_daily`` maps into ``affiliate_performance_daily`` (programme = the
advertiser account, partner = the publisher; clicks, the total transactions as actions, their
total value as sale amount and total commission as commission) and into the campaign-performance
facts as a paid platform whose spend is the commission: there the account is the advertiser
account and the campaign is the publisher, because Awin reports and pays commission per
publisher, the unit an advertiser manages and compares as it would campaigns.

Errors: Awin's reference lists the HTTP statuses (https://help.awin.com/apidocs/response-codes:
400, 401, 403, 404, 409, 422, 429, 5xx) and shows no error body; the body read for the message is
``{"error", "description"}`` as the API answers (see cassettes/awin/SOURCES.md).
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records, snake_case
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Performance

#: The report's and the transactions' documented time zones.
Timezone = Literal["America/Sao_Paulo", "Australia/Sydney", "Europe/Berlin", "Europe/Dublin", "Europe/Helsinki",
                   "Europe/London", "Europe/Paris", "Canada/Central", "Canada/Eastern", "Canada/Mountain",
                   "Canada/Pacific", "US/Central", "US/Eastern", "US/Mountain", "US/Pacific", "UTC"]
#: Up to 67 days to validate a transaction (Awin Access's longest auto-validation period).
LOOKBACK = timedelta(days=67)


class AwinConfig(SourceConfig):
    """Config of the ``awin`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="Your user's API token (https://ui.awin.com/awin-api).")
    advertiser_ids: IdList = Field(min_length=1, description="Advertiser account ids; a list, or one comma-separated string.")
    timezone: Timezone = Field(default="UTC", description="Whose day the publisher report's days are (one of Awin's zones).")
    requests_per_minute: float = Field(default=20.0, gt=0, le=20, description="Awin allows 20 calls a minute per user.")


# -- contracts: the columns of each raw table, as Awin names them (snake_case) ---------------


class Account(Contract):
    """An account the token's user may read (GET accounts)."""

    account_id: Id
    account_name: str | None = Field(default=None, description="The programme name of an advertiser.")
    account_type: str | None = Field(default=None, description="advertiser or publisher.")
    user_role: str | None = None


class Publisher(Contract):
    """A publisher an advertiser works with (GET advertisers/{advertiserId}/publishers)."""

    advertiser_id: Id = Field(description="The advertiser the list was read for.")
    id: Id
    name: str | None = None
    primary_region: str | None = None
    sales_regions: list[str] | None = None
    primary_type: str | None = Field(default=None, description="The publisher's primary promotion type.")


class PublisherDay(Contract):
    """One advertiser, publisher, region and day (publisher performance report)."""

    date: dt.date = Field(description="The day the request asked for, in the configured time zone (by transaction date).")
    advertiser_id: Id
    advertiser_name: str | None = None
    publisher_id: Id
    publisher_name: str | None = None
    region: str = Field(description="The programme region (GB, DE, US...).")
    currency: str | None = Field(default=None, description="ISO 4217 code of the money columns.")
    tags: list[str] | None = Field(default=None, description="The advertiser's tags on the publisher.")
    impressions: int | None = None
    clicks: int | None = None
    pending_no: int | None = None
    pending_value: Decimal | None = None
    pending_comm: Decimal | None = None
    confirmed_no: int | None = None
    confirmed_value: Decimal | None = None
    confirmed_comm: Decimal | None = None
    bonus_no: int | None = None
    bonus_value: Decimal | None = None
    bonus_comm: Decimal | None = None
    declined_no: int | None = None
    declined_value: Decimal | None = None
    declined_comm: Decimal | None = None
    total_no: int | None = Field(default=None, description="Transactions of all statuses, as Awin totals them.")
    total_value: Decimal | None = None
    total_comm: Decimal | None = None


class Transaction(Contract):
    """One transaction (GET advertisers/{advertiserId}/transactions/)."""

    id: Id
    advertiser_id: Id
    publisher_id: Id | None = None
    url: str | None = None
    site_name: str | None = None
    commission_sharing_publisher_id: Id | None = None
    commission_sharing_selected_rate_publisher_id: Id | None = None
    campaign: str | None = None
    commission_status: str | None = Field(default=None, description="pending, approved, declined or deleted.")
    commission_amount: Decimal | None = None
    commission_currency: str | None = None
    sale_amount: Decimal | None = None
    sale_currency: str | None = None
    customer_country: str | None = None
    click_refs: dict[str, Any] | None = None
    click_date: dt.datetime | None = Field(default=None, description="UTC (asked with timezone=UTC).")
    transaction_date: dt.datetime = Field(description="UTC (asked with timezone=UTC).")
    validation_date: dt.datetime | None = None
    type: str | None = None
    decline_reason: str | None = None
    voucher_code_used: bool | None = None
    voucher_code: str | None = None
    lapse_time: int | None = Field(default=None, description="Seconds from click to transaction.")
    amended: bool | None = None
    amend_reason: str | None = None
    click_device: str | None = None
    transaction_device: str | None = None
    publisher_url: str | None = None
    advertiser_country: str | None = None
    order_ref: str | None = None
    custom_parameters: list[dict[str, Any]] | None = None
    transaction_parts: list[dict[str, Any]] | None = None
    paid_to_publisher: bool | None = None
    payment_id: Id | None = None
    transaction_query_id: Id | None = None


# -- the API: what every request shares -----------------------------------------------------

API = Api(
    base_url="https://api.awin.com/",
    auth=ApiKey("access_token", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        # {"error": "unauthorized", "description": "..."}: no code beyond the HTTP status, which decides.
        "Awin", code="error", message=("description", "error"),
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, 400: Action.FAIL, 404: Action.FAIL},
        hints={Action.AUTH: "check the API token (https://ui.awin.com/awin-api), that its user may see each advertiser id, "
                            "and that the account's plan (Accelerate or Advanced) includes the Advertiser API"},
    ),
    rate=RateBudget(per_minute="requests_per_minute"),
)

PER_ADVERTISER = ForEach("advertiser_ids", "advertiserId")
REPORT_FIELDS = ("advertiserId", "advertiserName", "publisherId", "publisherName", "region", "currency", "tags",
                 "impressions", "clicks", "pendingNo", "pendingValue", "pendingComm", "confirmedNo", "confirmedValue",
                 "confirmedComm", "bonusNo", "bonusValue", "bonusComm", "declinedNo", "declinedValue", "declinedComm",
                 "totalNo", "totalValue", "totalComm")
TRANSACTION_FIELDS = ("id", "url", "advertiserId", "publisherId", "commissionSharingPublisherId",
                      "commissionSharingSelectedRatePublisherId", "campaign", "siteName", "commissionStatus",
                      "customerCountry", "clickRefs", "clickDate", "transactionDate", "validationDate", "type",
                      "declineReason", "voucherCodeUsed", "voucherCode", "lapseTime", "amended", "amendReason",
                      "clickDevice", "transactionDevice", "publisherUrl", "advertiserCountry", "orderRef",
                      "customParameters", "transactionParts", "paidToPublisher", "paymentId", "transactionQueryId")


def streams(config: AwinConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="accounts", description="The advertiser accounts the token's user may read.",
            path="accounts", params={"type": "advertiser"},
            records=Records("accounts", rename=snake_case("accountId", "accountName", "accountType", "userRole")),
            contract=Account, primary_key=("account_id",),
            cursor=FullRefresh("the user's accounts: one short list, no change filter"),
            unified=Entity("account", id="account_id", name="account_name"),
        ),
        RestStream(
            name="publishers", description="The publishers each advertiser works with.",
            path="advertisers/{advertiserId}/publishers", partitions=PER_ADVERTISER,
            records=Records(rename=snake_case("advertiserId", "primaryRegion", "salesRegions", "primaryType"),
                            from_partition=("advertiserId",)),
            contract=Publisher, primary_key=("advertiser_id", "id"),
            cursor=FullRefresh("the list has no change filter and no paging; read whole"),
        ),
        RestStream(
            name="publisher_daily", description="Publisher performance per advertiser, publisher, region and day.",
            path="advertisers/{advertiserId}/reports/publisher", partitions=PER_ADVERTISER,
            params={"dateType": "transaction", "timezone": "{timezone}"},
            # The report sums the asked range and names no day: each request asks for one, stamped on its rows.
            window=WindowParams("startDate", "endDate"),
            records=Records(rename=snake_case(*REPORT_FIELDS), window_day="date"),
            contract=PublisherDay, primary_key=("advertiser_id", "publisher_id", "region", "date"),
            cursor=Cursor("date", lookback=LOOKBACK, window=timedelta(days=1)),
            unified=(
                Maps("affiliate_performance_daily", date="date", program_id="advertiser_id", partner_id="publisher_id",
                     partner_name="publisher_name", clicks="clicks", actions="total_no", sale_amount="total_value",
                     commission="total_comm", currency="currency",
                     meanings={"date": "the transaction day (dateType=transaction) in the configured Awin time zone",
                               "actions": "totalNo: the publisher's transactions that day, as Awin totals the statuses",
                               "sale_amount": "totalValue: their sale value",
                               "commission": "totalComm: their commission (bonus included), pending until validated"}),
                Performance(
                    "campaign", date="date", account="advertiser_id", account_name="advertiser_name",
                    campaign="publisher_id", campaign_name="publisher_name",
                    spend="total_comm", impressions="impressions", clicks="clicks", conversions="total_no",
                    conversion_value="total_value", currency="currency",
                    clicks_are="clicks on the publisher's Awin tracking links",
                    conversions_are="the publisher's transactions by transaction date (totalNo), pending until validated",
                    conversion_value_is="their sale value (totalValue)",
                    date_is="the transaction day in the configured Awin time zone",
                ),
            ),
        ),
        RestStream(
            name="transactions", description="Every transaction of each advertiser, by transaction date (UTC).",
            path="advertisers/{advertiserId}/transactions/", partitions=PER_ADVERTISER,
            params={"dateType": "transaction", "timezone": "UTC"},
            window=WindowParams("startDate", "endDate", format="%Y-%m-%dT%H:%M:%S"),
            records=Records(rename={**snake_case(*TRANSACTION_FIELDS), "commissionAmount.amount": "commission_amount",
                                    "commissionAmount.currency": "commission_currency", "saleAmount.amount": "sale_amount",
                                    "saleAmount.currency": "sale_currency"},
                            drop=("ipHash", "basketProducts", "oldSaleAmount", "oldCommissionAmount", "originalSaleAmount",
                                  "advertiserCost", "customerAcquisition"),
                            formats={c: ISO_DATETIME for c in ("click_date", "transaction_date", "validation_date")}),
            contract=Transaction, primary_key=("id",),
            cursor=Cursor("transaction_date", kind="datetime", lookback=LOOKBACK, window=timedelta(days=30)),
        ),
    ]


connector = declare(
    "awin", title="Awin", api=API, config=AwinConfig, streams=streams, api_version="unversioned (2024-12 reference)",
    docs_url="https://help.awin.com/apidocs", category="affiliate",
    support_policy="https://help.awin.com/apidocs (no versions; paths unversioned under https://api.awin.com/)",
    description="Awin Advertiser API: accounts, publishers, the daily publisher performance report and transactions.",
    # The error envelope the API answers with (cassettes/awin/SOURCES.md).
    error_example={"error": "unauthorized", "description": "Full authentication is required to access this resource"},
)
source = source_function(connector)

__all__ = ["connector", "source", "AwinConfig"]
