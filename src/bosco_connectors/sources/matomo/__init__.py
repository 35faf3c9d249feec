"""Matomo: the Reporting API (``index.php?module=API``) of Matomo 5, declared.

Reference: https://developer.matomo.org/api-reference/reporting-api (standard parameters:
``idSite``, ``period``, ``date``, ``format``, ``filter_limit``; "All reports are returned for
the dates based on the website's time zone") and
https://developer.matomo.org/api-reference/reporting-api#authenticate-to-the-api-via-token_auth-parameter
(``token_auth`` sent in a POST body, never in the URL). Shapes, metric names and errors from
Matomo's own code and system-test outputs (github.com/matomo-org/matomo at f09912c, 5.2.0-b5):
``plugins/VisitsSummary/API.php``, ``plugins/Referrers/API.php``, ``plugins/Goals/API.php``,
``plugins/API/Renderer/Json.php`` (errors: ``{"result": "error", "message": "..."}``, HTTP 401
for ``NoAccessException``, ``core/NoAccessException.php``; 200 otherwise), and
``tests/PHPUnit/System/expected/*_day.xml`` (the columns of each report).

Matomo is self-hosted or Matomo Cloud: config ``base_url`` is the instance
(``https://<name>.matomo.cloud/``). Every call is ``POST index.php?module=API&method=...``
with the report's parameters in the URL and ``token_auth`` alone in the form body
(``ApiKey(form="token_auth")``). ``period=day`` with ``date=<first>,<last>`` answers one
entry per day keyed by the day (``{"2026-11-01": {...} | [...], ...}``; a day without data is
``[]``); `MatomoReport.decode` turns that into rows carrying ``date``. Reports are read whole
(``filter_limit=-1``: no paging; an archived day holds at most
``datatable_archiving_maximum_rows_referrers`` (1000) rows, the rest summed into "Others").

Streams: ``sites`` (SitesManager.getSitesWithAtLeastViewAccess: each site's time zone and
currency; a full refresh, a handful of rows), ``visits_summary_daily`` (VisitsSummary.get:
the site's visits, unique visitors, actions, bounces per day), ``goals_daily`` (Goals.get:
conversions and revenue of all goals per day), ``referrer_types_daily``
(Referrers.getReferrerType: the same per channel, direct / search / website / social /
campaign, with goal conversions and revenue) and ``campaigns_daily`` (Referrers.getCampaigns:
per campaign name). Incremental on ``date`` with a 2-day look-back: Matomo archives today's
reports again and again (``time_before_today_archive_considered_outdated``) and a visit open
at the site's midnight goes on until 30 minutes without action
(https://matomo.org/faq/general/faq_21418/), so the last two days are read again. Windows of
7 days (campaign rows are many). Matomo documents no API rate limit (the instance's own
server answers): ``requests_per_second`` paces us.

Unified ``web_traffic_daily``: ``referrer_types_daily`` without its campaign row, plus
``campaigns_daily`` (the campaign channel per campaign name), so visits sum to the site's:
sessions are Matomo visits, users unique visitors of the day, conversions goal conversions
(ecommerce orders included, abandoned carts not), revenue their revenue in the site's
currency. The channel is the medium; Matomo's core reports name no utm_source (the
MarketingCampaignsReporting plugin does): source stays NULL, as do new users and engaged
visits (not reported per channel).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Iterator, Mapping

from pydantic import Field, SecretStr, field_validator

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.paginators import PageRequest, SinglePage
from bosco_connectors.framework.params import DATE, ForEach, WindowParams, render_bound
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup


class MatomoConfig(SourceConfig):
    """Config of the ``matomo`` source (plus the fields every source accepts)."""

    base_url: str = Field(description="The Matomo instance's root URL (https://<name>.matomo.cloud/ or your own host).")
    token_auth: SecretStr = Field(description="An auth token (Administration > Personal > Security > Auth tokens) "
                                              "with view access to the sites; sent in the POST body only.")
    site_ids: IdList = Field(min_length=1, description="idSite of each website to read; a list, or one comma-separated string.")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace of requests (the instance's own server answers them).")

    @field_validator("base_url")
    @classmethod
    def _root(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("base_url must be the instance's URL, https://...")
        return value if value.endswith("/") else value + "/"


# -- contracts -----------------------------------------------------------------------------


class Site(Contract):
    """One website (a row of the site table, as SitesManager answers it)."""

    idsite: Id
    name: str | None = None
    main_url: str | None = None
    ts_created: str | None = Field(default=None, description="Creation time, 'YYYY-MM-DD HH:MM:SS' (UTC).")
    ecommerce: int | None = Field(default=None, description="1 when the site is an ecommerce site.")
    timezone: str | None = Field(default=None, description="The site's time zone ('Europe/Paris', 'UTC+5'): whose day a report's day is.")
    currency: str | None = Field(default=None, description="ISO 4217 code of the site's revenue.")
    type: str | None = None


class VisitsSummaryDaily(Contract):
    """VisitsSummary.get: one site and day."""

    id_site: Id
    date: dt.date = Field(description="The day in the site's time zone.")
    nb_uniq_visitors: int | None = Field(default=None, description="Unique visitors of the day.")
    nb_users: int | None = Field(default=None, description="Distinct user ids (sites that set one).")
    nb_visits: int | None = Field(default=None, description="Visits: end after 30 minutes without action.")
    nb_actions: int | None = Field(default=None, description="Page views, downloads, outlinks, searches, events.")
    nb_visits_converted: int | None = None
    bounce_count: int | None = None
    sum_visit_length: int | None = Field(default=None, description="Seconds, all visits together.")
    max_actions: int | None = None
    bounce_rate: str | None = Field(default=None, description="As sent: a percentage text ('50%').")
    nb_actions_per_visit: float | None = None
    avg_time_on_site: int | None = Field(default=None, description="Seconds.")


class GoalsDaily(Contract):
    """Goals.get: one site and day, all goals (ecommerce orders included)."""

    id_site: Id
    date: dt.date = Field(description="The day in the site's time zone.")
    nb_conversions: int | None = None
    nb_visits_converted: int | None = None
    revenue: Decimal | None = Field(default=None, description="In the site's currency.")
    conversion_rate: str | None = Field(default=None, description="As sent: a percentage text ('100%').")
    nb_conversions_new_visit: int | None = None
    nb_visits_converted_new_visit: int | None = None
    revenue_new_visit: Decimal | None = None
    conversion_rate_new_visit: str | None = None
    nb_conversions_returning_visit: int | None = None
    nb_visits_converted_returning_visit: int | None = None
    revenue_returning_visit: Decimal | None = None
    conversion_rate_returning_visit: str | None = None


class ReferrerRow(Contract):
    """A row of a Referrers report: one site, day and label (a channel, or a campaign name)."""

    id_site: Id
    date: dt.date = Field(description="The day in the site's time zone.")
    label: str = Field(description="The channel's name in the token user's language, or the campaign name.")
    channel: str = Field(description="The referrerType of the row's segment: direct, search, website, social or campaign.")
    nb_uniq_visitors: int | None = None
    nb_visits: int | None = None
    nb_actions: int | None = None
    nb_users: int | None = None
    max_actions: int | None = None
    sum_visit_length: int | None = None
    bounce_count: int | None = None
    nb_visits_converted: int | None = None
    nb_conversions: int | None = Field(default=None, description="Goal conversions (ecommerce orders included, abandoned carts not).")
    revenue: Decimal | None = Field(default=None, description="Their revenue, in the site's currency.")
    segment: str | None = Field(default=None, description="The segment that selects the row's visits ('referrerType==search').")
    referrer_type: int | None = Field(default=None, description="1 direct, 2 search, 3 website, 6 campaign, 7 social.")


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://demo.matomo.cloud/",  # every instance is its own host: config base_url
    auth=ApiKey("token_auth", form="token_auth"),
    # {"result": "error", "message": "..."} with HTTP 401 (no access, bad token) or 200 (anything else).
    errors=ErrorMap("Matomo", code="result", ok=("success",), statuses={401: Action.AUTH},
                    hints={Action.AUTH: "check token_auth (Administration > Personal > Security) and that its user has "
                                        "view access to each idSite"}),
    rate=RateBudget(per_second="requests_per_second"),
)

#: ``date=<first>,<last>`` with ``period=day``: one entry per day.
REPORT = {"module": "API", "period": "day", "format": "JSON", "filter_limit": -1}


@dataclass(frozen=True)
class DayRange(WindowParams):
    """The window as Matomo's one ``date`` parameter: ``2026-11-01,2026-11-02`` (both included)."""

    start: str = "date"

    def render(self, window: Any) -> dict[str, Any]:
        if window.start is None:
            return {}
        last = window.end if window.end is not None else window.start
        return {self.start: f"{render_bound(window.start, DATE)},{render_bound(last, DATE)}"}

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        value = params.get(self.start)
        if not value or "," not in str(value):
            return None, None
        first, last = str(value).split(",", 1)
        return first, last


@dataclass(kw_only=True)
class MatomoCall(RestStream):
    """``POST index.php?module=API&method=...``: the call's parameters in the URL, ``token_auth``
    alone in the form body (the credential adds it)."""

    method: str = "POST"

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        return ctx.client.post(self.request_path(ctx), stream=self.name, params=self.request_params(ctx, page))


@dataclass(kw_only=True)
class MatomoReport(MatomoCall):
    """One Reporting API method per site and window, read by day: ``{"<day>": row or rows}``."""

    #: The answer of a day is one object (VisitsSummary.get, Goals.get), not a list of rows.
    per_day_object: bool = False
    #: The channel of rows whose segment names none (the campaigns' "Others" row).
    channel: str | None = None

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        return response, {"rows": self.decode(body, str(ctx.partition["idSite"]))}

    def decode(self, body: Any, site: str) -> list[dict[str, Any]]:
        if not isinstance(body, dict):
            raise ResponseFormatError(f"{self.params['method']} answered {str(body)[:80]!r}, not days", stream=self.name)
        rows = []
        for day, answer in body.items():
            try:
                date = dt.date.fromisoformat(day)
            except ValueError:
                raise ResponseFormatError(f"{self.params['method']} answered a key {day!r:.40}, not a day", stream=self.name) from None
            found = [answer] if isinstance(answer, dict) else answer if isinstance(answer, list) else None
            if found is None or (self.per_day_object and isinstance(answer, list) and answer):
                raise ResponseFormatError(f"{self.params['method']} answered {answer!r:.80} for {day}", stream=self.name)
            for row in found:
                if not isinstance(row, dict):
                    raise ResponseFormatError(f"{self.params['method']} answered a row {row!r:.80} for {day}", stream=self.name)
                record = {k: v for k, v in row.items() if k not in ("goals", "idsubdatatable", "subtable")}
                record.update(id_site=site, date=date)
                if not self.per_day_object:
                    record["channel"] = _channel(record.get("segment")) or self.channel
                for money in ("revenue", "revenue_new_visit", "revenue_returning_visit"):
                    if record.get(money) is not None:
                        record[money] = Decimal(str(record[money]))
                rows.append(record)
        return rows

    # -- the generated fake (sandbox.generated) serves the documented rows of the stream --

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        """The documented rows of the documented days, on each day of the asked range in turn."""
        documented: dict[str, list[dict[str, Any]]] = {}
        for exchange in app.fixtures.data(self.name):
            for day, answer in (app.fixtures.body(exchange) or {}).items():
                rows = [answer] if isinstance(answer, dict) else answer
                documented.setdefault(day, []).extend(copy.deepcopy(rows))
        days = [documented[d] for d in sorted(documented) if documented[d]]
        first, last = (dt.date.fromisoformat(v) for v in self.window.parse(route.params))
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            for row in days[day.toordinal() % len(days)] if days else []:
                yield {**row, "_day": day.isoformat()}

    def fake_encode(self, app: Any, route: Any, body: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
        first, last = (dt.date.fromisoformat(v) for v in self.window.parse(route.params))
        out: dict[str, Any] = {(first + timedelta(days=n)).isoformat(): [] for n in range((last - first).days + 1)}
        for record in records:
            row = {k: v for k, v in record.items() if k != "_day"}
            if self.per_day_object:
                out[record["_day"]] = row
            else:
                out[record["_day"]].append(row)
        return out


def _channel(segment: Any) -> str | None:
    """``referrerType==campaign;referrerName==ga+campaign`` -> ``campaign``."""
    for part in str(segment or "").split(";"):
        name, _, value = part.partition("==")
        if name == "referrerType":
            return value
    return None


def report(name: str, description: str, method: str, contract: type[Contract], primary_key: tuple[str, ...], *,
           per_day_object: bool = False, channel: str | None = None, unified: Maps | None = None) -> MatomoReport:
    return MatomoReport(
        name=name, description=description, path="index.php", params={**REPORT, "method": method},
        partitions=ForEach("site_ids", "idSite"), window=DayRange(), paginator=SinglePage,
        records=Records("rows"), contract=contract, primary_key=("id_site", "date", *primary_key), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=2), window=timedelta(days=7)), per_day_object=per_day_object,
        channel=channel, unified=unified,
    )


CURRENCY = Lookup("sites", "idsite", "currency", on="property_id")
COMMON = {"date": "date", "property_id": "id_site", "medium": "channel", "sessions": "nb_visits", "users": "nb_uniq_visitors",
          "conversions": "nb_conversions", "revenue": "revenue", "currency": CURRENCY}
MEANINGS = {
    "date": "the day in the site's time zone (the site's timezone setting)",
    "medium": "Matomo's channel (referrerType): direct, search, website, social or campaign",
    "sessions": "visits: a visit ends after 30 minutes without action",
    "users": "nb_uniq_visitors: unique visitors of the day (by visitor id), per channel",
    "conversions": "goal conversions, ecommerce orders included, abandoned carts not",
    "revenue": "revenue of those conversions, in the site's currency",
}


def streams(config: MatomoConfig | None) -> list[Stream]:
    return [
        MatomoCall(
            name="sites", description="Websites the token can view, with their time zone and currency.", path="index.php",
            params={"module": "API", "method": "SitesManager.getSitesWithAtLeastViewAccess", "format": "JSON"},
            paginator=SinglePage, records=Records(None), contract=Site, primary_key=("idsite",),
            cursor=FullRefresh("a handful of sites, no updated-at: read whole on every run"),
        ),
        report("visits_summary_daily", "Visits, unique visitors, actions and bounces per site and day.", "VisitsSummary.get",
               VisitsSummaryDaily, (), per_day_object=True),
        report("goals_daily", "Conversions and revenue of all goals per site and day.", "Goals.get", GoalsDaily, (),
               per_day_object=True),
        report("referrer_types_daily", "Visits, conversions and revenue per site, day and channel.", "Referrers.getReferrerType",
               ReferrerRow, ("channel",),
               unified=Maps("web_traffic_daily", **COMMON, where="channel <> 'campaign'", meanings=MEANINGS)),
        report("campaigns_daily", "Visits, conversions and revenue per site, day and campaign name.", "Referrers.getCampaigns",
               ReferrerRow, ("label",), channel="campaign",
               unified=Maps("web_traffic_daily", **COMMON, campaign="label", meanings={
                   **MEANINGS, "campaign": "the campaign name (mtm_campaign, utm_campaign...), lower-cased by Matomo"})),
    ]


connector = declare(
    "matomo", title="Matomo", api=API, config=MatomoConfig, streams=streams,
    api_version="5", docs_url="https://developer.matomo.org/api-reference/reporting-api", category="analytics",
    description="Matomo Reporting API: visits, goals and revenue per day, by channel and campaign, for each site.",
    # plugins/Login/Login.php onFailedAPILogin (NoAccessException, HTTP 401).
    error_example={"result": "error", "message": "Unable to authenticate with the provided token. It is either invalid or expired."},
)
source = source_function(connector)

__all__ = ["connector", "source", "MatomoConfig"]
