"""Adyen: the daily Payment accounting report, downloaded as CSV, declared.

Reference: https://docs.adyen.com/reporting/invoice-reconciliation/payment-accounting-report
(the report's columns) and https://docs.adyen.com/reporting/automatically-get-reports (the
download: ``GET https://ca-live.adyen.com/reports/download/MerchantAccount/<merchant
account>/<file name>`` with the report user's credentials as HTTP basic auth; test accounts
on ``ca-test.adyen.com``: set ``base_url``). Adyen has no reporting API returning rows: its
reports are files, generated on a schedule in the Customer Area and downloaded by name.

Which report, and why: the **Payment accounting report** (``payments_accounting_report_
YYYY_MM_DD.csv``, one file per day, generated for every merchant account with the report
switched on). It has one row per status change of every payment (Received, Authorised,
SentForSettle, Settled, Refunded, Chargeback, ...) with the payment's amount, booked on the
day in the account's time zone; its name carries its day, so a run asks exactly the days of
its window, and a past day's file does not change. The Settlement details report has the
same payments but is named by settlement batch number (``settlement_detail_report_batch_
<n>.csv``): reading it incrementally needs a batch-number cursor the framework does not
have (dates only), and it reports a payment only once it is paid out.

Stream ``payments_accounting``: per merchant account (``merchant_accounts``) and day, the
day's file; a day without a file (not generated yet, or a day without payments: Adyen
answers 404) loads nothing. Incremental on the file's day, two days of look-back: files are
generated after the day ends, and a run that asked before a file existed asks again. Rows
are keyed on merchant account, PSP reference, record type, booking date and amount (Adyen
gives no row id; two identical rows in one second would be one).

Unified: the Settled rows (a payment captured and settled) map into ``orders``, one per PSP
reference, ``refunds`` the Refunded rows of the same PSP reference (`facts.Total`, any day,
so a refund booked later changes the payment's row). Amounts are decimal text in currency
units of ``Main Currency``, loaded as exact decimals; ``Booking Date`` is written in the
account's time zone (``TimeZone``): its date part is the order's day.

Errors: Adyen's error responses (RFC 7807: ``type``, ``title``, ``status``, ``detail``,
``requestId``, ``errorCode``; https://docs.adyen.com/errors): 401 ``00_401`` and 403 ``00_403``
stop the sync (the report user's credentials, or the Merchant report role), 404 is a missing
file (see above), 429 and 5xx are retried.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any, Iterator

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, IdList, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ApiError
from bosco_connectors.framework.facts import Expr, Maps, Total
from bosco_connectors.framework.files import Csv
from bosco_connectors.framework.params import ForEach
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

log = logging.getLogger(__name__)

#: The report's standard columns (Adyen's names) -> column names.
COLUMNS = {
    "Company Account": "company_account", "Merchant Account": "merchant_account", "Psp Reference": "psp_reference",
    "Merchant Reference": "merchant_reference", "Payment Method": "payment_method", "Booking Date": "booking_date",
    "TimeZone": "timezone", "Main Currency": "main_currency", "Main Amount": "main_amount", "Record Type": "record_type",
    "Payment Currency": "payment_currency", "Received (PC)": "received_pc", "Authorised (PC)": "authorised_pc",
    "Captured (PC)": "captured_pc", "Settlement Currency": "settlement_currency", "Payable (SC)": "payable_sc",
    "Commission (SC)": "commission_sc", "Markup (SC)": "markup_sc", "Scheme Fees (SC)": "scheme_fees_sc",
    "Interchange (SC)": "interchange_sc", "Processing Fee Currency": "processing_fee_currency",
    "Processing Fee (FC)": "processing_fee_fc", "User Name": "user_name", "Payment Method Variant": "payment_method_variant",
    "Modification Merchant Reference": "modification_merchant_reference",
}


class AdyenConfig(SourceConfig):
    """Config of the ``adyen`` source (plus the fields every source accepts)."""

    report_user: str = Field(description="A report user with the Merchant report role (ReportUser@Company.<company>).")
    report_password: SecretStr = Field(description="The report user's password (its basic-auth password).")
    merchant_accounts: IdList = Field(min_length=1, description="Merchant accounts whose Payment accounting reports to read.")
    requests_per_second: float = Field(default=2.0, gt=0, le=20, description="Our pace: Adyen publishes no download limit.")


class PaymentAccountingRow(Contract):
    """One status change of a payment (a row of payments_accounting_report_YYYY_MM_DD.csv)."""

    merchant_account: str
    psp_reference: str = Field(description="Adyen's 16-character reference of the payment.")
    record_type: str = Field(description="Received, Authorised, SentForSettle, Settled, Refunded, Chargeback, ...")
    booking_date: str = Field(description="When the status was booked, 'YYYY-MM-DD HH:MM:SS' in the account's time zone.")
    main_amount: Decimal = Field(description="The payment's amount in main_currency, currency units.")
    report_day: dt.date = Field(description="Ours: the day of the file the row came from.")
    company_account: str | None = None
    merchant_reference: str | None = None
    payment_method: str | None = None
    timezone: str | None = Field(default=None, description="The account's time zone of booking_date (CET, PST, ...).")
    main_currency: str | None = None
    payment_currency: str | None = None
    received_pc: Decimal | None = None
    authorised_pc: Decimal | None = None
    captured_pc: Decimal | None = None
    settlement_currency: str | None = None
    payable_sc: Decimal | None = None
    commission_sc: Decimal | None = None
    markup_sc: Decimal | None = None
    scheme_fees_sc: Decimal | None = None
    interchange_sc: Decimal | None = None
    processing_fee_currency: str | None = None
    processing_fee_fc: Decimal | None = None
    user_name: str | None = None
    payment_method_variant: str | None = None
    modification_merchant_reference: str | None = None


API = Api(
    base_url="https://ca-live.adyen.com/reports/download/",
    auth=Basic("report_user", "report_password"),
    errors=ErrorMap("Adyen", code="errorCode", message=("detail", "title"), request_id="requestId",
                    codes={"00_401": Action.AUTH, "00_403": Action.AUTH},
                    hints={Action.AUTH: "check the report user, its password and its Merchant report role"}),
    rate=RateBudget(per_second="requests_per_second"),
)

#: Two days (see the module docstring).
FILE_DELAY = timedelta(days=2)


@dataclass(kw_only=True)
class DailyReportFile(RestStream):
    """One report file per partition and day, its day in its name (``{report_file_day}``)."""

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        day = ctx.window.start
        if day is None:
            return
        day = day.date() if isinstance(day, dt.datetime) else day
        partition = {**ctx.partition, "report_day": day, "report_file_day": day.strftime("%Y_%m_%d")}
        try:
            yield from super().read(replace(ctx, partition=partition))
        except ApiError as exc:
            if exc.status != 404:
                raise
            log.info("adyen/%s: no file for %s of %s (not generated yet, or no payments that day)", self.name, day,
                     ctx.partition.get("merchant_account"))

    @property
    def path_keys(self) -> frozenset[str]:
        return super().path_keys | {"report_day"}  # ours, not a request parameter


ORDERS = Maps(
    "orders", where="record_type = 'Settled'",
    order_id="psp_reference", order_number="merchant_reference", store_id="merchant_account",
    order_date=Expr("cast(substr(booking_date, 1, 10) as date)"), currency="main_currency",
    gross="main_amount", total="main_amount", status="record_type", source_name="payment_method",
    refunds=Total("payments_accounting", key="psp_reference", on="order_id", value="abs(main_amount)",
                  where="record_type = 'Refunded'"),
    meanings={
        "order_id": "the payment's PSP reference (its Settled row)",
        "order_number": "Merchant Reference: the merchant's own reference",
        "store_id": "the merchant account",
        "order_date": "the date part of Booking Date, written in the account's time zone",
        "gross": "Main Amount of the Settled row: the amount captured; Adyen does not split it into items, tax and shipping",
        "refunds": "Main Amount of the Refunded rows of the same PSP reference, any day",
        "source_name": "Payment Method (visa, mc, ideal, ...)",
    },
)


def streams(config: AdyenConfig | None) -> list[Stream]:
    return [
        DailyReportFile(
            name="payments_accounting", description="The daily Payment accounting report: every status change of every payment.",
            path="MerchantAccount/{merchant_account}/payments_accounting_report_{report_file_day}.csv", file=Csv(),
            partitions=ForEach("merchant_accounts", "merchant_account"),
            records=Records(rename=COLUMNS, nulls=("",), from_partition=("report_day",)), arrow=True,
            contract=PaymentAccountingRow,
            primary_key=("merchant_account", "psp_reference", "record_type", "booking_date", "main_amount"),
            cursor=Cursor("report_day", lookback=FILE_DELAY, window=timedelta(days=1)), unified=ORDERS,
        ),
    ]


connector = declare(
    "adyen", title="Adyen", api=API, config=AdyenConfig, streams=streams, api_version="payments_accounting_report (CSV)",
    docs_url="https://docs.adyen.com/reporting/invoice-reconciliation/payment-accounting-report", category="payments",
    support_policy="https://docs.adyen.com/reporting/automatically-get-reports (report downloads; the report's columns "
                   "changed with the 2023 reporting migration: https://help.adyen.com/updates/upcoming-changes-to-payment-oriented-reports-as-of-august-2023)",
    description="Adyen: the daily Payment accounting report (CSV); settled payments, with their refunds, into the unified orders.",
    # Adyen's error response (RFC 7807, https://docs.adyen.com/errors), code 00_403 (https://docs.adyen.com/errors/forbidden).
    error_example={"type": "https://docs.adyen.com/errors/forbidden", "title": "Forbidden", "status": 403,
                   "detail": "The user has insufficient rights to perform the requested operation.", "errorCode": "00_403"},
)
source = source_function(connector)

__all__ = ["connector", "source", "AdyenConfig"]
