"""Google Play Console: the monthly statistics reports in Cloud Storage, declared.

Reference: https://support.google.com/googleplay/android-developer/answer/6135870 (Download and
export monthly reports: Play Console writes reports to the developer account's Cloud Storage
bucket ``pubsite_prod_rev_<id>``, statistics under ``stats/installs/``, one CSV per app and month,
``installs_<package name>_<YYYYMM>_overview.csv``, updated daily; "CSV files ... use UTF-16
encoding"), read with the Cloud Storage XML API
(https://cloud.google.com/storage/docs/xml-api/get-object-download: ``GET
https://storage.googleapis.com/<bucket>/<object>``), authorised by OAuth 2.0 with the
``https://www.googleapis.com/auth/devstorage.read_only`` scope: a service account the Play
Console account invited (its JSON key) or a Google user's refresh token.

One stream, ``installs_daily``: the overview installs report of each configured package, one
file per calendar month of the read range (the current month's file grows day by day). A file
is UTF-16 text (with a byte-order mark), a header row then one row per day: ``Date``
(``YYYY-MM-DD``), ``Package Name``, ``Daily Device Installs``, ``Daily Device Uninstalls``,
``Daily Device Upgrades``, ``Total User Installs``, ``Daily User Installs``, ``Daily User
Uninstalls``, ``Active Device Installs``, ``Install events``, ``Update events``,
``Uninstall events``. Read as CSV columns into Arrow in batches (`files.Csv(encoding="utf-16")`).

Look-back: 7 days: recent days of the current month's file are rewritten as late data arrives
(the reference says the reports are updated daily, not when a day is final). A month's file is
asked for again while a day of it is inside the look-back.

Errors are Cloud Storage's XML errors (``<Error><Code>AccessDenied</Code>...``): 401/403 a
credential without access to the bucket, 404 no such file (an app or month without a report:
skipped with a warning), 429 and 5xx retried.

Maps into the unified ``app_installs_daily``: installs are ``Daily User Installs`` (users who
installed the app on a device for the first time that day); Play attributes nothing to a media
source or campaign, and reports no revenue here. Category ``analytics`` (a store's own
measurement, as docs/sources.md groups Google Analytics 4 and Plausible).
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, ClassVar, Iterator

from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, IdList, SourceConfig
from bosco_connectors.framework.auth import OneOf, RefreshToken, ServiceAccount
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, Maps
from bosco_connectors.framework.files import Csv
from bosco_connectors.framework.params import ForEach
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, ReadContext, Stream
from bosco_connectors.sandbox.documented_days import DocumentedDays, on_asked_days

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
STORAGE_READONLY_SCOPE = "https://www.googleapis.com/auth/devstorage.read_only"
CREDENTIAL = OneOf(ServiceAccount(GOOGLE_TOKEN_URL, scope=STORAGE_READONLY_SCOPE, extra="google-play"),
                   RefreshToken(GOOGLE_TOKEN_URL, scope=STORAGE_READONLY_SCOPE))
COLUMNS = {"Date": "date", "Package Name": "package_name", "Daily Device Installs": "daily_device_installs",
           "Daily Device Uninstalls": "daily_device_uninstalls", "Daily Device Upgrades": "daily_device_upgrades",
           "Total User Installs": "total_user_installs", "Daily User Installs": "daily_user_installs",
           "Daily User Uninstalls": "daily_user_uninstalls", "Active Device Installs": "active_device_installs",
           "Install events": "install_events", "Update events": "update_events", "Uninstall events": "uninstall_events"}


class GooglePlayConfig(SourceConfig):
    """Config of the ``google_play`` source (plus the fields every source accepts)."""

    bucket: str = Field(pattern=r"^pubsite_prod(_rev)?_[0-9]+$", description=(
        "The Play Console account's reports bucket (Download reports > Copy Cloud Storage URI: pubsite_prod_rev_<id>)."))
    package_names: IdList = Field(min_length=1, description="Apps to read, by package name; a list or one comma-separated string.")
    client_id: str | None = Field(default=None, description="OAuth client id (refresh-token auth).")
    client_secret: SecretStr | None = Field(default=None, description="OAuth client secret (refresh-token auth).")
    refresh_token: SecretStr | None = Field(default=None, description="OAuth refresh token with the devstorage.read_only scope.")
    service_account_key: SecretStr | None = Field(default=None, description=(
        "Service account JSON key (contents or path); the account must be invited to the Play Console with report access."))
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint.")
    requests_per_second: float = Field(default=5.0, gt=0, le=50, description="Pace of requests.")

    @model_validator(mode="after")
    def _one_credential(self) -> "GooglePlayConfig":
        if problem := CREDENTIAL.problem(self):
            raise ValueError(problem)
        return self


class InstallsDaily(Contract):
    """One app and day of the monthly overview installs report."""

    package_name: str
    date: dt.date = Field(description="The day (Play Console reports' days are in Pacific Time).")
    daily_device_installs: int | None = None
    daily_device_uninstalls: int | None = None
    daily_device_upgrades: int | None = None
    total_user_installs: int | None = None
    daily_user_installs: int | None = Field(default=None, description="Users who installed the app for the first time that day.")
    daily_user_uninstalls: int | None = None
    active_device_installs: int | None = None
    install_events: int | None = Field(default=None, description="Installs, re-installs included, on any device.")
    update_events: int | None = None
    uninstall_events: int | None = None


API = Api(
    base_url="https://storage.googleapis.com/",
    auth=CREDENTIAL,
    errors=ErrorMap("Cloud Storage", statuses={404: Action.EMPTY, 429: Action.RETRY},
                    hints={Action.AUTH: "check that the credential was invited to the Play Console account with access "
                                        "to reports, and may read the bucket",
                           Action.EMPTY: "no report for this app and month"}),
    rate=RateBudget(per_second="requests_per_second"),
)


def months(first: date, last: date) -> list[str]:
    """The calendar months (``YYYYMM``) from `first`'s to `last`'s."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass(kw_only=True)
class MonthlyReport(DocumentedDays):
    """One report file per app and calendar month of the read window (``{month}`` in the path)."""

    #: What a request names of the window: its month (the conformance kit looks for ``YYYYMM``).
    window_unit: ClassVar[str] = "month"

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        within = self.within_history(ctx)
        if within is None:
            return
        start = within.window.start or within.since
        end = within.window.end or within.until or start
        as_day = (lambda v: v.date() if isinstance(v, dt.datetime) else v)
        for month in months(as_day(start), as_day(end)):
            yield from self.read_answer_file(replace(within, partition={**within.partition, "month": month}))

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        """The documented days on the world's days of the asked month."""
        month = route.path_values.get("month", "")
        asked = [d for d in app.world.days if f"{d.year}{d.month:02d}" == month]
        return on_asked_days(app, route, self.fake_days, asked)


def streams(config: GooglePlayConfig | None) -> list[Stream]:
    return [
        MonthlyReport(
            name="installs_daily", fake_days={"Date": "%Y-%m-%d"},
            description="Daily installs, uninstalls, upgrades and active devices per app (the overview installs report).",
            path="{bucket}/stats/installs/installs_{package_name}_{month}_overview.csv", path_only=("month",),
            partitions=ForEach("package_names", "package_name"), file=Csv(encoding="utf-16"),
            records=Records(rename=COLUMNS, nulls=("",)),
            contract=InstallsDaily, primary_key=("package_name", "date"), arrow=True,
            cursor=Cursor("date", lookback=timedelta(days=7), window=timedelta(days=31)),
            unified=Maps("app_installs_daily", date="date", app_id="package_name", app_os=Const("android"),
                         installs="daily_user_installs",
                         meanings={"date": "Date of the report row (Play Console's day, Pacific Time)",
                                   "app_id": "the package name", "app_os": "android",
                                   "installs": "Daily User Installs: users who installed the app on a device for the "
                                               "first time that day (re-installs are in Install events, not mapped)"}),
        ),
    ]


connector = declare(
    "google_play", title="Google Play Console", api=API, config=GooglePlayConfig, streams=streams,
    api_version="monthly reports (Cloud Storage XML API)",
    docs_url="https://support.google.com/googleplay/android-developer/answer/6135870", category="analytics",
    description="Google Play Console statistics reports in Cloud Storage: daily installs, uninstalls and active devices per app.",
)
source = source_function(connector)

__all__ = ["connector", "source", "GooglePlayConfig"]
