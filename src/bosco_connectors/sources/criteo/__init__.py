"""Criteo: the Criteo Marketing Solutions API, version 2026-07, declared.

Reference: https://developers.criteo.com/marketing-solutions/docs (version 2026-07, the stable
release of July 2026, supported 12 months: https://developers.criteo.com/criteo-apis/docs/versioning-policy),
and Criteo's OpenAPI description of that version
(https://api.criteo.com/2026-07/marketingsolutions/open-api-specifications.json, also in
github.com/criteo/criteo-api-sdk-generator ``api-specifications/marketingsolutions_2026-07.json``).
Base ``https://api.criteo.com/``, the version first in every path. OAuth 2.0 client
credentials: the client id and secret are posted as a form to ``https://api.criteo.com/oauth2/token``
for a bearer token (no refresh token).

Streams: the advertisers of the app's portfolio (``GET advertisers/me``: id and name only;
Criteo keeps no currency or time zone on them), the campaigns and ad sets of each configured
advertiser (``POST marketing-solutions/campaigns/search`` and ``.../ad-sets/search`` with an
``advertiserIds`` filter; one answer each, the API takes no paging parameters), and the
statistics report (``POST statistics/report``) per advertiser, at two levels: campaign and
day, and ad set and day (the finest level loaded; the report also has ``AdId``, left out with
the ads). The report's answer IS the report (no job): asked as ``format: json``, it is a
document whose rows are the objects of its ``Rows`` array, keyed by the requested dimension and
metric names (``RestStream(file=Json("Rows"))``). The CSV of Criteo's own example
(https://developers.criteo.com/marketing-solutions/docs/campaign-statistics) is not used: its
delimiter differs between versions of that page (``;`` now, ``,`` in 2022-04).

Money: the report is asked in the configured ``currency`` (ISO 4217; ``AdvertiserCost`` and
the revenue are in its units, each row naming it in ``Currency``), its days in the configured
``timezone`` (tz database name; UTC by default). ``AdvertiserCost`` is loaded as an exact decimal.

Look-back: 30 days. Criteo's default attribution is 30 days post-click
(https://help.criteo.com/kb/guide/en/attribution-models-for-custom-reports-Vt7gYo86wi/Steps/2723128),
and its ``...ClientAttribution`` metrics follow the advertiser's own attribution, whose widest
window is 30 days (the ad set's ``attributionConfiguration.lookbackWindow``: 30M, 24H, 7D, 30D),
so a day's sales keep changing for 30 days. The report serves two years back
(the endpoint's description in the OpenAPI) and at most 100,000 rows per request
(https://developers.criteo.com/marketing-solutions/docs/analytics); one advertiser's ad sets
per day stay far below that in windows of 31 days.

Errors: every answer may carry ``errors``, each with a ``type`` (``authentication``,
``authorization``, ``quota``, ``validation``, ``availability``...), ``code``, ``title``,
``detail`` and ``traceId`` (the ``CommonProblem`` schema); 401 is a bad or expired token, 403
an advertiser the app may not read, 429 a throttled request ("a limit of 200 requests per
minute", https://developers.criteo.com/marketing-solutions/docs/requesting-a-report).
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ClientCredentials
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.files import Json
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import CURRENCY, DATE_PREFIX, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Performance

VERSION = "2026-07"
TOKEN_URL = "https://api.criteo.com/oauth2/token"


class CriteoConfig(SourceConfig):
    """Config of the ``criteo`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="Client id of the Criteo developer app (client credentials).")
    client_secret: SecretStr = Field(description="Client secret of the Criteo developer app.")
    advertiser_ids: IdList = Field(
        min_length=1, description="Advertiser ids to read (the app's portfolio: GET advertisers/me); a list or one comma-separated string.")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$",
                          description="ISO 4217 currency the statistics report states money in (Criteo converts).")
    timezone: str = Field(default="UTC", description="Time zone (tz database name) whose days the statistics report counts.")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint (sandboxes, tests).")
    requests_per_second: float = Field(default=3.0, gt=0, le=50,
                                       description="Pace of requests; Criteo throttles at 200 requests per minute.")


# -- contracts: the columns of each raw table ------------------------------------------------


class Advertiser(Contract):
    """An advertiser of the app's portfolio (GET advertisers/me)."""

    id: Id
    type: str | None = None
    advertiser_name: str | None = None


class Campaign(Contract):
    """A marketing campaign (POST marketing-solutions/campaigns/search, ``CampaignV23Q1``)."""

    id: Id
    advertiser_id: Id
    name: str | None = None
    goal: str | None = Field(default=None, description="unspecified, acquisition or retention.")
    spend_limit_type: str | None = Field(default=None, description="capped or uncapped.")
    spend_limit_renewal: str | None = Field(default=None, description="undefined, daily, monthly or lifetime.")


class AdSet(Contract):
    """An ad set (POST marketing-solutions/ad-sets/search, ``ReadAdSetV26Q1``)."""

    id: Id
    advertiser_id: Id
    campaign_id: Id
    name: str | None = None
    objective: str | None = None
    media_type: str | None = None
    destination_environment: str | None = None
    activation_status: str | None = Field(default=None, description="on or off: whether the advertiser wants it to deliver.")
    delivery_status: str | None = Field(default=None, description="live, paused, ended, archived...")
    budget_amount: Decimal | None = Field(default=None, description="In the advertiser's currency, per renewal period.")
    budget_renewal: str | None = None
    attribution_method: str | None = None
    attribution_lookback_window: str | None = Field(default=None, description="30M, 24H, 7D or 30D.")


class CampaignDaily(Contract):
    """One campaign and day of the statistics report."""

    advertiser_id: Id
    campaign_id: Id
    day: dt.date = Field(description="The day in the report's configured time zone.")
    advertiser: str | None = None
    campaign: str | None = None
    currency: str | None = Field(default=None, description="The report's currency (the configured one).")
    displays: int | None = Field(default=None, description="Impressions.")
    clicks: int | None = None
    advertiser_cost: Decimal | None = Field(default=None, description="Spend, in the report's currency units.")
    sales_all_client_attribution: float | None = Field(default=None, description="Sales, advertiser's attribution, all devices.")
    revenue_generated_all_client_attribution: Decimal | None = Field(default=None, description="Their revenue, in the report's currency.")


class AdSetDaily(CampaignDaily):
    """One ad set and day of the statistics report."""

    adset_id: Id
    adset: str | None = None


# -- the API: what every request shares --------------------------------------------------------

API = Api(
    base_url="https://api.criteo.com/",
    auth=ClientCredentials(TOKEN_URL),
    errors=ErrorMap(
        "Criteo", code="errors.0.type", message=("errors.0.detail", "errors.0.title", "message", "error_description", "error"),
        request_id="errors.0.traceId",
        codes={"authentication": Action.AUTH, "authorization": Action.SKIP, "quota": Action.RETRY, "availability": Action.RETRY},
        statuses={403: Action.SKIP},
        hints={Action.AUTH: "check the client id and secret of the Criteo app",
               Action.SKIP: "grant the app access to this advertiser (consent in the Criteo Partners Portal)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

PER_ADVERTISER = ForEach("advertiser_ids", "advertiser_id")
SEARCH_BODY = {"filters": {"advertiserIds": ["{advertiser_id}"]}}
METRICS = ["Displays", "Clicks", "AdvertiserCost", "SalesAllClientAttribution", "RevenueGeneratedAllClientAttribution"]
NAMES = {"AdvertiserId": "advertiser_id", "Advertiser": "advertiser", "CampaignId": "campaign_id", "Campaign": "campaign",
         "AdsetId": "adset_id", "Adset": "adset", "Day": "day", "Currency": "currency", "Displays": "displays",
         "Clicks": "clicks", "AdvertiserCost": "advertiser_cost", "SalesAllClientAttribution": "sales_all_client_attribution",
         "RevenueGeneratedAllClientAttribution": "revenue_generated_all_client_attribution"}
MONEY = ("advertiser_cost", "revenue_generated_all_client_attribution")
MEANINGS = dict(
    clicks_are="clicks on a Criteo ad (Clicks)",
    conversions_are="sales attributed by the advertiser's own attribution settings, all devices (SalesAllClientAttribution)",
    conversion_value_is="revenue of those sales, in the report's currency (RevenueGeneratedAllClientAttribution)",
)


def report(name: str, description: str, dimensions: list[str], contract: type[Contract], key: tuple[str, ...],
           unified: Performance) -> RestStream:
    """The statistics report for one advertiser and window, at the level `dimensions` name."""
    return RestStream(
        name=name, description=description, path=f"{VERSION}/statistics/report", method="POST",
        params={"advertiserIds": "{advertiser_id}", "dimensions": dimensions, "metrics": METRICS,
                "currency": "{currency}", "timezone": "{timezone}", "format": "json"},
        partitions=PER_ADVERTISER, window=WindowParams("startDate", "endDate"), file=Json("Rows"),
        records=Records("Rows", rename=NAMES, formats={"day": DATE_PREFIX}, units={m: CURRENCY for m in MONEY}),
        contract=contract, primary_key=key, arrow=True,
        cursor=Cursor("day", lookback=timedelta(days=30), window=timedelta(days=31)),
        history=timedelta(days=730), unified=unified,
    )


def streams(config: CriteoConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="advertisers", description="The advertisers of the app's portfolio.", path=f"{VERSION}/advertisers/me",
            records=Records("data", rename={"attributes.advertiserName": "advertiser_name"}),
            contract=Advertiser, primary_key=("id",),
            cursor=FullRefresh("the portfolio is one answer without filters"),
            unified=Entity("account", id="id", name="advertiser_name"),
        ),
        RestStream(
            name="campaigns", description="Every campaign of each advertiser.", method="POST",
            path=f"{VERSION}/marketing-solutions/campaigns/search", params=SEARCH_BODY, partitions=PER_ADVERTISER,
            records=Records("data", rename={"attributes.advertiserId": "advertiser_id", "attributes.name": "name",
                                            "attributes.goal": "goal",
                                            "attributes.spendLimit.spendLimitType": "spend_limit_type",
                                            "attributes.spendLimit.spendLimitRenewal": "spend_limit_renewal"}),
            contract=Campaign, primary_key=("id",),
            cursor=FullRefresh("the search has no updated-since filter and answers every campaign at once"),
            unified=Entity("campaign", id="id", name="name", account="advertiser_id"),
        ),
        RestStream(
            name="ad_sets", description="Every ad set of each advertiser.", method="POST",
            path=f"{VERSION}/marketing-solutions/ad-sets/search", params=SEARCH_BODY, partitions=PER_ADVERTISER,
            records=Records("data", rename={
                "attributes.advertiserId": "advertiser_id", "attributes.campaignId": "campaign_id", "attributes.name": "name",
                "attributes.objective": "objective", "attributes.mediaType": "media_type",
                "attributes.destinationEnvironment": "destination_environment",
                "attributes.schedule.activationStatus": "activation_status",
                "attributes.schedule.deliveryStatus": "delivery_status",
                "attributes.budget.budgetAmount": "budget_amount", "attributes.budget.budgetRenewal": "budget_renewal",
                "attributes.attributionConfiguration.attributionMethod": "attribution_method",
                "attributes.attributionConfiguration.lookbackWindow": "attribution_lookback_window"}),
            contract=AdSet, primary_key=("id",),
            cursor=FullRefresh("the search has no updated-since filter and answers every ad set at once"),
            unified=Entity("ad_group", id="id", name="name", account="advertiser_id", campaign="campaign_id",
                           objective="objective", status="activation_status", active_status="on"),
        ),
        report("campaign_daily", "The statistics report per campaign and day.",
               ["AdvertiserId", "Advertiser", "CampaignId", "Campaign", "Day"], CampaignDaily, ("campaign_id", "day"),
               Performance("campaign", date="day", account="advertiser_id", account_name="advertiser",
                           campaign="campaign_id", campaign_name="campaign", spend="advertiser_cost",
                           impressions="displays", clicks="clicks", conversions="sales_all_client_attribution",
                           conversion_value="revenue_generated_all_client_attribution", currency="currency", **MEANINGS)),
        report("adset_daily", "The statistics report per ad set and day.",
               ["AdvertiserId", "Advertiser", "CampaignId", "Campaign", "AdsetId", "Adset", "Day"], AdSetDaily,
               ("adset_id", "day"),
               Performance("ad_group", date="day", account="advertiser_id", account_name="advertiser",
                           campaign="campaign_id", campaign_name="campaign", ad_group="adset_id", ad_group_name="adset",
                           spend="advertiser_cost", impressions="displays", clicks="clicks",
                           conversions="sales_all_client_attribution",
                           conversion_value="revenue_generated_all_client_attribution", currency="currency", **MEANINGS)),
    ]


connector = declare(
    "criteo", title="Criteo", api=API, config=CriteoConfig, streams=streams,
    api_version=VERSION, docs_url="https://developers.criteo.com/marketing-solutions/docs", category="ads",
    description="Criteo Marketing Solutions: advertisers, campaigns, ad sets and the daily statistics report.",
    # Criteo's CommonProblem answer to an invalid or expired token (cassettes/criteo/bodies/error.auth.json).
    error_example={"errors": [{"traceId": "7b6a5f4e3d2c1b0a", "type": "authentication", "title": "Authentication failed",
                               "detail": "The access token is invalid or has expired."}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "CriteoConfig"]
