"""Singular: the Reporting API v2.0 (asynchronous reports), declared.

Reference: https://support.singular.net/hc/en-us/articles/360045245692-Reporting-API-Reference
(Create Async Report ``POST https://api.singular.net/api/v2.0/create_async_report``, Get Report
Status ``GET .../v2.0/get_report_status``, limits), https://support.singular.net/hc/en-us/articles/360056293692
(how to query it: one day per query, how far back to re-read), and Singular's official Python
client github.com/singular-labs/singular_api_client (``singular_client.py``, ``helpers.py``,
``params.py``: the form-encoded query, the ``{"status": 0, "substatus": 0, "value": {...}}``
envelope, ``value.report_id``, the report statuses QUEUED, STARTED, DONE and FAILED with
``download_url``/``url_expires_in`` or ``error_message``, the dimension and metric names).
Auth: the account's API key in the ``Authorization`` header (or an ``api_key`` parameter).

One stream, ``campaign_daily``, an async report per day (Singular: "we recommend filtering each
query ... to a single day"): ``time_breakdown=day``, ``format=json``, dimensions ``app``,
``site_public_id`` (the store id or bundle id), ``os``, ``source`` (the network),
``adn_campaign_name``, ``adn_campaign_id`` and ``organization_currency``, metrics
``adn_cost`` (network cost in the organization's currency), ``adn_impressions``,
``custom_clicks`` and ``custom_installs`` (the attribution tracker's clicks and installs),
with the discrepancy metric ``adn_installs`` (the network's installs). The job's file is a
JSON document whose ``results`` array holds one object per row, keyed by the dimension and
metric names plus ``start_date`` and ``end_date`` (the row's day): read with
`files.Json("results")`, batch by batch. Values Singular cannot compute read ``N/A`` (null).

Look-back: 7 days, Singular's recommended re-read for network data ("Historical data that may
have been updated by your networks ... Network Data: 7 days back"); tracker installs are
counted on the install day. Cohort metrics (revenue by install cohort) are not read.

Limits: up to 100 async reports at once (``max_reports``, 10 by default), 200,000 rows per
report, 3 million rows a day per account. Errors: an answer whose envelope ``status`` is not 0
is an error, its ``value`` the message; 401/403 a refused key.

Maps into the unified ``app_installs_daily`` (installs and cost per day, app, OS, network and
campaign). Category ``attribution`` (Singular attributes installs and joins network cost).
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.files import Json
from bosco_connectors.framework.jobs import DONE, FAILED, RUNNING, AsyncReport, Create, Download, Poll
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import CURRENCY, Records
from bosco_connectors.framework.spec import Cursor, Stream
from bosco_connectors.sandbox.documented_days import DocumentedDaysReport

DIMENSIONS = ("app", "site_public_id", "os", "source", "adn_campaign_name", "adn_campaign_id", "organization_currency")
METRICS = ("adn_cost", "adn_impressions", "custom_clicks", "custom_installs")
DISCREPANCY_METRICS = ("adn_installs",)


class SingularConfig(SourceConfig):
    """Config of the ``singular`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="The account's Reporting API key (Developer Tools > API Keys).")
    max_reports: int = Field(default=10, ge=1, le=100, description="Async reports at once (Singular allows 100).")
    requests_per_second: float = Field(default=2.0, gt=0, le=20, description="Pace of requests.")


class CampaignDaily(Contract):
    """One day, app, OS, network and campaign of the async report."""

    start_date: dt.date = Field(description="The row's day (time_breakdown=day: start_date is end_date).")
    app: str = Field(description="The app's name in Singular.")
    site_public_id: str = Field(description="The app's store id or bundle id.")
    os: str = Field(description="iOS, Android, ...")
    source: str = Field(description="The network (data source) the row comes from.")
    adn_campaign_id: str = Field(description="The campaign id at the network.")
    end_date: dt.date | None = None
    adn_campaign_name: str | None = None
    organization_currency: str | None = Field(default=None, description="ISO 4217 currency of adn_cost (the organization's).")
    adn_cost: Decimal | None = Field(default=None, description="Network cost, in the organization's currency.")
    adn_impressions: int | None = None
    custom_clicks: int | None = Field(default=None, description="Clicks the attribution tracker counted.")
    custom_installs: int | None = Field(default=None, description="Installs the attribution tracker counted.")
    adn_installs: int | None = Field(default=None, description="Installs the network reported.")


API = Api(
    base_url="https://api.singular.net/api/",
    auth=ApiKey("api_key", header="Authorization"),
    errors=ErrorMap("Singular", code="status", ok=(0,), message=("value", "value.error_message", "message"),
                    statuses={401: Action.AUTH, 403: Action.AUTH},
                    hints={Action.AUTH: "check the Reporting API key (Developer Tools > API Keys)"}),
    rate=RateBudget(per_second="requests_per_second"),
)

REPORT = AsyncReport(
    name="campaign report",
    create=Create("v2.0/create_async_report", payload="form", job_id="value.report_id",
                  body={"dimensions": ",".join(DIMENSIONS), "metrics": ",".join(METRICS),
                        "discrepancy_metrics": ",".join(DISCREPANCY_METRICS), "time_breakdown": "day", "format": "json"},
                  window=WindowParams("start_date", "end_date", in_body=True)),
    poll=Poll("v2.0/get_report_status", params={"report_id": "{job_id}"}, status="value.status", url="value.download_url",
              error="value.error_message", statuses={"QUEUED": RUNNING, "STARTED": RUNNING, "DONE": DONE, "FAILED": FAILED}),
    download=Download(Json("results")),
    max_concurrent="max_reports", deadline=timedelta(hours=1), first_poll=5.0, max_poll=60.0,
)


def streams(config: SingularConfig | None) -> list[Stream]:
    return [
        DocumentedDaysReport(
            name="campaign_daily", fake_days={"start_date": "%Y-%m-%d", "end_date": "%Y-%m-%d"}, description="Network cost and tracker installs per day, app, OS, network and campaign.",
            report=REPORT, records=Records(nulls=("N/A",), units={"adn_cost": CURRENCY}),
            contract=CampaignDaily, primary_key=("start_date", "app", "site_public_id", "os", "source", "adn_campaign_id"),
            arrow=True, cursor=Cursor("start_date", lookback=timedelta(days=7), window=timedelta(days=1)),
            unified=Maps(
                "app_installs_daily", date="start_date", app_id="site_public_id", app_os="os", media_source="source",
                campaign="adn_campaign_name", installs="custom_installs", cost="adn_cost", currency="organization_currency",
                meanings={"date": "start_date of a day-long row (the account's reporting day)",
                          "app_id": "site_public_id: the app's store id or bundle id",
                          "media_source": "source: the network the row comes from",
                          "campaign": "adn_campaign_name: the campaign name at the network",
                          "installs": "custom_installs: installs the attribution tracker counted (not the network's adn_installs)",
                          "cost": "adn_cost: the network's cost, in the organization's currency"}),
        ),
    ]


connector = declare(
    "singular", title="Singular", api=API, config=SingularConfig, streams=streams, api_version="v2.0",
    docs_url="https://support.singular.net/hc/en-us/articles/360045245692-Reporting-API-Reference", category="attribution",
    description="Singular Reporting API: network cost and tracker installs per day, app, OS, network and campaign "
                "(asynchronous reports).",
)
source = source_function(connector)

__all__ = ["connector", "source", "SingularConfig"]
