"""Adjust: the Report Service API (``GET reports-service/report``, JSON), declared.

Reference: https://dev.adjust.com/en/api/rs-api/reports (the Report Service API's reports
endpoint; its source is github.com/adjust/dev-docs ``src/content/docs/en/api/rs-api/reports.mdx``,
read at commit 4062f96 of 2025-04-04), authentication https://dev.adjust.com/en/api/rs-api/authentication
(the user's Adjust API token as ``Authorization: Bearer``), metric ids
https://help.adjust.com/en/article/datascape-metrics-glossary. The API has no version in its
path; this source follows the endpoint as documented there. Base ``https://automate.adjust.com/``.

One stream, ``installs_daily``: one request per configured app token
(``app_token__in``) and window (``date_period=YYYY-MM-DD:YYYY-MM-DD``), grouped by ``day``,
``app``, ``app_token``, ``store_id``, ``os_name``, ``partner_name``, ``campaign``,
``campaign_id_network`` and ``campaign_network``, with the metrics ``installs``,
``reattributions``, ``revenue`` (in-app purchase revenue), ``all_revenue`` (in-app and ad
revenue), ``cost`` (ad spend), ``clicks``, ``impressions`` and ``sessions``. The answer is one
JSON document (``rows``, ``totals``, ``warnings``; ``pagination`` null): no pages. Every row's
values are strings (``"installs": "64"``, ``"cost": "1000"``), each row also carries an
``attr_dependency`` object (not loaded). ``format_dates=false`` makes ``day`` ``YYYY-MM-DD``;
``utc_offset`` sets the report's time zone; ``currency`` converts every money metric into one
currency (config, USD by default), which the rows do not repeat.

Look-back: 7 days, the usual click-based attribution window (Adjust sets attribution windows
per app, https://docs.adjust.com/en/attribution-settings/; raise ``lookback_days`` for longer
ones): installs and
reattributions of a day are final when they are measured, but the day's ad spend comes from
the networks' cost data, which Adjust does not document as final on a given day; revenue is
counted on the day of the revenue event (not the install cohort), so a day changes only while
late events arrive. Windows of 31 days (no documented cap).

Errors (the endpoint's response table): 400 malformed request or unsupported parameter, 401
wrong or absent credentials, 403 no permission for the data, 429 more than 50 simultaneous
requests, 503 unavailable, 504 the query took too long; 204 an empty report. Adjust documents
no error body: the status decides.

Maps into the unified ``app_installs_daily``. Category ``attribution`` (a mobile measurement partner).
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Expr, Maps
from bosco_connectors.framework.paginators import SinglePage
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import CURRENCY, Records
from bosco_connectors.framework.spec import Cursor, Stream
from bosco_connectors.sandbox.documented_days import DocumentedDays

DIMENSIONS = ("day", "app", "app_token", "store_id", "os_name", "partner_name", "campaign", "campaign_id_network",
              "campaign_network")
METRICS = ("installs", "reattributions", "revenue", "all_revenue", "cost", "clicks", "impressions", "sessions")
MONEY = ("revenue", "all_revenue", "cost")


class AdjustConfig(SourceConfig):
    """Config of the ``adjust`` source (plus the fields every source accepts)."""

    api_token: SecretStr = Field(description="The Adjust API token of a user (Account settings > My profile > API Token).")
    app_tokens: IdList = Field(min_length=1, description="App tokens (the app's id in Adjust) to read; a list or one "
                                                          "comma-separated string.")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 currency every money metric is "
                                                                           "converted to (the report's `currency`).")
    utc_offset: str = Field(default="+00:00", pattern=r"^[+-]\d{2}:\d{2}$", description="Time zone of the report days "
                                                                                        "(`utc_offset`, e.g. +01:00).")
    requests_per_second: float = Field(default=2.0, gt=0, le=20, description="Pace of requests (Adjust refuses more than "
                                                                             "50 simultaneous requests).")


class InstallsDaily(Contract):
    """One day, app, OS, partner and campaign of the Report Service report."""

    app_token: Id = Field(description="The app's id in Adjust.")
    day: dt.date = Field(description="The day in the report's utc_offset.")
    os_name: str = Field(description="android, ios, ... ('unknown' when not measured).")
    partner_name: str = Field(description="The partner (network) in Adjust: 'Organic', 'AppLovin', ...")
    campaign: str = Field(description="Link sub-level 1: usually the campaign's name and id ('unknown' when none).")
    campaign_id_network: str = Field(description="The campaign's id at the network ('unknown' when none).")
    campaign_network: str = Field(description="The campaign's name at the network ('unknown' when none).")
    app: str | None = Field(default=None, description="The app's name.")
    store_id: str | None = Field(default=None, description="The app's store id (bundle id or package name).")
    currency: str | None = Field(default=None, description="The currency money is converted to (config: the report's `currency`).")
    installs: int | None = None
    reattributions: int | None = None
    revenue: Decimal | None = Field(default=None, description="Revenue: in-app purchase revenue (revenue events).")
    all_revenue: Decimal | None = Field(default=None, description="All Revenue: in-app plus ad revenue.")
    cost: Decimal | None = Field(default=None, description="Ad Spend.")
    clicks: int | None = None
    impressions: int | None = None
    sessions: int | None = None


API = Api(
    base_url="https://automate.adjust.com/",
    auth=ApiKey("api_token", header="Authorization", prefix="Bearer "),
    # No documented error body: the HTTP status is the error (the endpoint's response table).
    errors=ErrorMap("Adjust", statuses={400: Action.FAIL, 403: Action.AUTH, 429: Action.RETRY, 503: Action.RETRY,
                                        504: Action.RETRY},
                    hints={Action.AUTH: "check the API token and that its user may see every configured app token"}),
    rate=RateBudget(per_second="requests_per_second"),
)


def streams(config: AdjustConfig | None) -> list[Stream]:
    return [
        DocumentedDays(
            name="installs_daily", fake_days={"day": "%Y-%m-%d"},
            description="Installs, reattributions, revenue and ad spend per day, app, OS, partner and campaign.",
            path="reports-service/report",
            params={"app_token__in": "{app_token}", "dimensions": ",".join(DIMENSIONS), "metrics": ",".join(METRICS),
                    "currency": "{currency}", "utc_offset": "{utc_offset}", "format_dates": "false"},
            partitions=ForEach("app_tokens", "app_token", with_config=("currency", "utc_offset")),
            window=WindowParams("date_period", joined=":"), paginator=SinglePage,
            records=Records("rows", drop=("attr_dependency",), units={m: CURRENCY for m in MONEY}, from_partition=("currency",)),
            contract=InstallsDaily,
            primary_key=("app_token", "day", "os_name", "partner_name", "campaign", "campaign_id_network", "campaign_network"),
            arrow=True, cursor=Cursor("day", lookback=timedelta(days=7), window=timedelta(days=31)),
            unified=Maps(
                "app_installs_daily", date="day", app_id=Expr("coalesce(nullif(store_id, ''), app_token)"), app_os="os_name",
                media_source="partner_name", campaign="campaign_network", installs="installs", reinstalls="reattributions",
                revenue="revenue", cost="cost", currency="currency",
                meanings={"date": "the day in the report's utc_offset",
                          "app_id": "store_id (bundle id or package name), else Adjust's app token",
                          "media_source": "partner_name: the partner in Adjust ('Organic' for organic installs)",
                          "campaign": "campaign_network: the campaign's name at the network ('unknown' when none)",
                          "installs": "installs measured on the day",
                          "reinstalls": "reattributions: users who installed before and came back through a new source",
                          "revenue": "revenue: in-app purchase revenue of the day's revenue events (not the install cohort), "
                                     "in the requested currency",
                          "cost": "cost: ad spend, in the requested currency"}),
        ),
    ]


connector = declare(
    "adjust", title="Adjust", api=API, config=AdjustConfig, streams=streams,
    api_version="Report Service API (reports endpoint, unversioned)", docs_url="https://dev.adjust.com/en/api/rs-api/reports",
    category="attribution",
    description="Adjust Report Service: installs, reattributions, revenue and ad spend per day, app, OS, partner and campaign.",
)
source = source_function(connector)

__all__ = ["connector", "source", "AdjustConfig"]
