"""Adobe Analytics: the Analytics 2.0 API (ranked reports by day), declared.

Reference: https://developer.adobe.com/analytics-apis/docs/2.0/ (source github.com/AdobeDocs/analytics-2.0-apis,
read at 0168125 of 2026-08-06): the Swagger of the 2.0 APIs (``static/swagger.json``: ``POST /{globalCompanyId}/reports``,
``RankedRequest``, ``RankedReportData``, ``ReportErrorStatus``), report suites (``static/report-suites.json``:
``GET /{globalCompanyId}/reportsuites/collections/suites/{rsid}?expansion=...``, ``Suite``), the date-trended
KPI guide (``src/pages/guides/endpoints/reports/kpi.md``: the request and its answer), authentication
(``guides/endpoints/reports/recurring.md``: OAuth Server-to-Server, ``POST https://ims-na1.adobelogin.com/ims/token/v3``
with a client-credentials form; tokens live 24 hours; every call with ``Authorization: Bearer`` and
``x-api-key`` the client id) and limits (``guides/faq.md``: 12 requests every 6 seconds per user, a 429
``{"error_code":"429050","message":"Too many requests"}``; 60 s timeout).

Streams:

- ``report_suites``: each configured report suite's name, currency and time zone (``expansion=name,
  currency,timezoneZoneinfo``); a full refresh, a few rows.
- ``kpi_daily``: a ranked report of ``variables/daterangeday`` (one row per day, in the report suite's
  time zone: its ``value`` is "Nov 28, 2025") with ``metrics/visits``, ``metrics/visitors``,
  ``metrics/orders`` and ``metrics/revenue`` (the report suite's currency), the window as the
  ``dateRange`` global filter (``<first>T00:00:00.000/<day after last>T00:00:00.000``), paged by
  ``settings.page`` (from 0) and ``settings.limit`` until ``totalPages``. Incremental on ``date`` with
  a 2-day look-back (hits processed late: Adobe asks not to poll faster than every 30 minutes;
  mobile offline hits arrive later), 31-day windows.

``kpi_daily`` maps into the unified ``web_traffic_daily`` per report suite: visits are sessions,
unique visitors users (of the day), orders conversions, revenue the report suite's revenue in its
currency. No source, medium nor campaign (the marketing-channel breakdown is not read).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Iterator, Mapping

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ClientCredentials
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.paginators import PageNumber, PageRequest, SinglePage
from bosco_connectors.framework.params import DATE, ForEach, WindowParams, _set_path, render_bound
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

IMS_TOKEN_URL = "https://ims-na1.adobelogin.com/ims/token/v3"
#: (metric id, our column), in ``columnId`` order: each row's ``data`` follows it.
METRICS = (("metrics/visits", "visits"), ("metrics/visitors", "visitors"), ("metrics/orders", "orders"),
           ("metrics/revenue", "revenue"))


class AdobeAnalyticsConfig(SourceConfig):
    """Config of the ``adobe_analytics`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="The OAuth Server-to-Server credential's client id (also sent as x-api-key).")
    client_secret: SecretStr = Field(description="The credential's client secret.")
    scopes: str = Field(default="openid,AdobeID,additional_info.projectedProductContext",
                        description="The credential's scopes (Developer Console project).")
    token_url: str | None = Field(default=None, description=f"Token endpoint (default {IMS_TOKEN_URL}).")
    global_company_id: str = Field(description="The Global Company ID (the Discovery API's globalCompanyId).")
    rsids: IdList = Field(min_length=1, description="Report suite ids; a list, or one comma-separated string.")
    page_size: int = Field(default=400, ge=1, le=50_000, description="settings.limit: rows per page.")
    requests_per_second: float = Field(default=1.5, gt=0, description="Pace (12 requests every 6 seconds per user).")


# -- contracts -----------------------------------------------------------------------------


class ReportSuite(Contract):
    """A report suite (Suite)."""

    rsid: Id
    id: str | None = None
    name: str | None = None
    currency: str | None = Field(default=None, description="ISO code of the suite's revenue.")
    timezoneZoneinfo: str | None = Field(default=None, description="The suite's time zone: whose days the reports are.")
    parentRsid: str | None = None


class KpiDaily(Contract):
    """One report suite and day."""

    rsid: Id
    date: dt.date = Field(description="The day in the report suite's time zone.")
    item_id: str = Field(description="The day's itemId in the report ('1251028').")
    visits: int | None = None
    visitors: int | None = Field(default=None, description="Unique visitors of the day.")
    orders: int | None = None
    revenue: Decimal | None = Field(default=None, description="In the report suite's currency.")


# -- the API ---------------------------------------------------------------------------------


class ScopedClientCredentials(ClientCredentials):
    """IMS wants the credential's own scopes in the grant (they vary by project): read from config ``scopes``."""

    def build(self, config: object) -> Any:
        from bosco_connectors.framework.auth import OAuth2ClientCredentials, _value

        url = getattr(config, "token_url", None) or self.token_url
        return OAuth2ClientCredentials(url, _value(config, self.fields[0]), _value(config, self.fields[1]),
                                       scope=getattr(config, "scopes", None))


API = Api(
    base_url="https://analytics.adobe.io/api/",
    auth=ScopedClientCredentials(IMS_TOKEN_URL),
    headers=lambda c: {"x-api-key": c.client_id},
    # ReportErrorStatus {"errorCode", "errorDescription", "errorId"}; the gateway's 429 {"error_code": "429050", "message"}.
    errors=ErrorMap("Adobe Analytics", code=("errorCode", "error_code"), message=("errorDescription", "message"),
                    request_id="errorId",
                    codes={**dict.fromkeys(("unauthorized", "invalid_token", "invalid_client_id", "authorization_error",
                                            "insufficient_access", "insufficient_scope", "invalid_access"), Action.AUTH),
                           **dict.fromkeys(("429050", "resource_temporarily_unavailable"), Action.RETRY)},
                    hints={Action.AUTH: "check the OAuth Server-to-Server credential, its product profile's access to "
                                        "each report suite, and global_company_id"}),
    rate=RateBudget(per_second="requests_per_second"),
)


@dataclass(frozen=True)
class DateRangeFilter(WindowParams):
    """The window as the report's ``dateRange`` global filter: ``<first>T00:00:00.000/<day after last>T00:00:00.000``."""

    start: str = "globalFilters.0.dateRange"

    def render(self, window: Any) -> dict[str, Any]:
        if window.start is None:
            return {}
        last = (window.end if window.end is not None else window.start) + timedelta(days=1)
        return {self.start: f"{render_bound(window.start, DATE)}T00:00:00.000/{render_bound(last, DATE)}T00:00:00.000"}

    def apply(self, params: dict[str, Any], window: Any) -> None:
        for path, value in self.render(window).items():
            _set_path(params, path, value)

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        filters = params.get("globalFilters") or []
        text = next((f.get("dateRange") for f in filters if isinstance(f, dict) and f.get("type") == "dateRange"), None)
        if not text or "/" not in text:
            return None, None
        first, after = (part[:10] for part in text.split("/", 1))
        return first, (dt.date.fromisoformat(after) - timedelta(days=1)).isoformat()


@dataclass(kw_only=True)
class RankedDays(RestStream):
    """POST {company}/reports by ``variables/daterangeday``: each row's ``data`` in ``columnId`` order."""

    method: str = "POST"

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
            raise ResponseFormatError(f"the report answered without rows: {str(body)[:80]}", stream=self.name)
        rsid = str(ctx.partition["rsid"])
        return response, {**body, "rows": [self.decode(row, rsid) for row in body["rows"]]}

    def decode(self, row: Any, rsid: str) -> dict[str, Any]:
        data = row.get("data") if isinstance(row, dict) else None
        if not isinstance(data, list) or len(data) != len(METRICS):
            raise ResponseFormatError(f"a row {row!r:.80} does not have the report's {len(METRICS)} metrics", stream=self.name)
        try:
            day = dt.datetime.strptime(str(row.get("value")), "%b %d, %Y").date()
        except ValueError:
            raise ResponseFormatError(f"a daterangeday row's value {row.get('value')!r:.40} is not a day", stream=self.name) from None
        record: dict[str, Any] = {"rsid": rsid, "date": day, "item_id": str(row.get("itemId"))}
        for (_, name), value in zip(METRICS, data):
            record[name] = None if value is None else (Decimal(str(value)) if name == "revenue" else int(value))
        return record

    # -- the generated fake: the documented rows, one per asked day ------------------------

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        documented = [row for exchange in app.fixtures.data(self.name) for row in app.fixtures.body(exchange)["rows"]]
        first, last = (dt.date.fromisoformat(v) for v in self.window.parse(route.params))
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            row = documented[day.toordinal() % len(documented)] if documented else {"data": [0] * len(METRICS)}
            yield {"itemId": f"1{day:%y%m%d}", "value": f"{day:%b} {day.day:02d}, {day.year}", "data": list(row["data"])}

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        """The page's rows (the fake pages by ``settings.page`` and writes ``totalPages`` itself)."""
        page, pages = int((route.params.get("settings") or {}).get("page") or 0), int(body.get("totalPages") or 1)
        return {**body, "rows": records, "numberOfElements": len(records), "number": page, "firstPage": page == 0,
                "lastPage": page >= pages - 1}


REPORT = {
    "globalFilters": [{"type": "dateRange", "dateRange": ""}],
    "metricContainer": {"metrics": [{"columnId": str(i), "id": metric} for i, (metric, _) in enumerate(METRICS)]},
    "dimension": "variables/daterangeday",
    "settings": {"dimensionSort": "asc", "countRepeatInstances": True, "nonesBehavior": "return-nones"},
}


def streams(config: AdobeAnalyticsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else 400
    return [
        RestStream(name="report_suites", description="Each report suite's name, currency and time zone.",
                   path="{global_company_id}/reportsuites/collections/suites/{rsid}",
                   params={"expansion": "name,currency,timezoneZoneinfo"}, partitions=ForEach("rsids", "rsid"),
                   paginator=SinglePage, records=Records(None), contract=ReportSuite, primary_key=("rsid",),
                   cursor=FullRefresh("a few report suites, read whole on every run")),
        RankedDays(name="kpi_daily", description="Visits, unique visitors, orders and revenue per report suite and day.",
                   path="{global_company_id}/reports", params={**REPORT, "rsid": "{rsid}"},
                   partitions=ForEach("rsids", "rsid"), window=DateRangeFilter(),
                   paginator=lambda: PageNumber(page_size=size, page_param="settings.page", size_param="settings.limit",
                                                first_page=0, total_pages_path="totalPages"),
                   records=Records("rows"), contract=KpiDaily, primary_key=("rsid", "date"), arrow=True,
                   cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=31)),
                   unified=Maps("web_traffic_daily", date="date", property_id="rsid", sessions="visits", users="visitors",
                                conversions="orders", revenue="revenue",
                                currency=Lookup("report_suites", "rsid", "currency", on="property_id"),
                                meanings={"date": "the day in the report suite's time zone",
                                          "sessions": "visits: end after 30 minutes without hits (or 12 hours, or 2,500 hits)",
                                          "users": "unique visitors of the day",
                                          "conversions": "orders (purchase events)",
                                          "revenue": "revenue of orders, in the report suite's currency"})),
    ]


connector = declare(
    "adobe_analytics", title="Adobe Analytics", api=API, config=AdobeAnalyticsConfig, streams=streams,
    api_version="2.0", docs_url="https://developer.adobe.com/analytics-apis/docs/2.0/guides/endpoints/reports/",
    category="analytics",
    description="Adobe Analytics 2.0 API: visits, unique visitors, orders and revenue per report suite and day.",
)
source = source_function(connector)

__all__ = ["connector", "source", "AdobeAnalyticsConfig"]
