"""LinkedIn Ads: the LinkedIn Marketing API (versioned ``/rest`` APIs, Rest.li 2.0), declared.

Reference: https://learn.microsoft.com/en-us/linkedin/marketing/ (versioned API, monthly
``LinkedIn-Version: YYYYMM`` header, each version supported for at least a year:
https://learn.microsoft.com/en-us/linkedin/marketing/versioning). Base
``https://api.linkedin.com/rest/``, headers ``LinkedIn-Version`` (config ``linkedin_version``,
default `LATEST_VERSION`) and ``X-Restli-Protocol-Version: 2.0.0``; query parameters in
Rest.li 2.0 form (`restli`). OAuth 2.0: a programmatic refresh token (approved Marketing
partners; access tokens live 60 days, refresh tokens a year) exchanged at
``https://www.linkedin.com/oauth/v2/accessToken`` with the app's client id and secret;
scopes ``r_ads`` and ``r_ads_reporting``.

Per ad account: the account (``GET adAccounts/{id}``: name, currency), its campaign groups,
campaigns and creatives (``adAccounts/{id}/adCampaignGroups|adCampaigns?q=search``,
``adAccounts/{id}/creatives?q=criteria``; cursor paging with ``pageSize``/``pageToken``
until the answer has no ``metadata.nextPageToken``:
https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads/cursor-based-pagination),
read in full every run (search finders filter by status, type or name, never by change
time); every status is asked for, so removed objects that still carry spend keep their
names. Daily reports from ``adAnalytics`` (timeGranularity DAILY, the finest it offers):
the Analytics finder with pivot ACCOUNT and CAMPAIGN_GROUP, the Statistics finder with pivots
CAMPAIGN_GROUP+CAMPAIGN and CAMPAIGN_GROUP+CAMPAIGN+CREATIVE, so that each row names its
parents (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting).

Levels: LinkedIn's **campaign group is the unified campaign**, its campaign the unified ad
group and its creative the unified ad. A campaign group holds the budget, schedule and status
of related campaigns; a campaign holds targeting, bid and ad format (an ad set elsewhere); and
Campaign Manager itself has called groups "campaigns", campaigns "ad sets" and creatives
"ads" since its October 2025 renaming (the API kept its names).

adAnalytics does not page: one answer holds every element, and an answer is cut at 15,000
elements without a word; an answer that long is therefore read again in halves (``SPLIT``).
Days are UTC days. Windows are 30 days; the look-back is 30 days, the default click-through
window of LinkedIn conversion rules (``postClickAttributionWindowSize`` 30; view-through 7;
rules may choose 1, 7, 30 or 90: raise ``lookback_days`` for 90-day rules), during which a
day's conversions keep changing
(https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/conversion-tracking).
Money (``costInLocalCurrency``, ``conversionValueInLocalCurrency``) is decimal text in the
account's currency units, loaded as exact decimals.

Errors: ``{"message", "serviceErrorCode", "status"}``
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling).
Limits are per application and per member per day, reset at midnight UTC and not
published (the Developer Portal shows them); a throttled request gets HTTP 429
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Iterator

from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap, TooMuchData
from ...framework.http import RetryPolicy
from ...framework.paginators import CursorInBody, PageRequest, SinglePage
from ...framework.params import ForEach
from ...framework.records import EPOCH_MILLIS, URN_ID, Records
from ...framework.spec import Contract, Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance
from .contracts import AccountDaily, AdAccount, Campaign, CampaignDaily, CampaignGroup, CampaignGroupDaily, Creative, CreativeDaily
from .restli import DateRange, Raw, date_object, day_of, query_string, rest_li, urn

#: The newest monthly version this source was checked against (July 2026; supported until July 2027).
LATEST_VERSION = "202607"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
CREDENTIAL = RefreshToken(TOKEN_URL)
MAX_PAGE_SIZE = 1000
#: adAnalytics answers at most this many elements, cutting the rest silently.
MAX_ELEMENTS = 15_000
_ACCOUNT = re.compile(r"^(?:urn:li:sponsoredAccount:)?([0-9]{1,20})$")


class LinkedInAdsConfig(SourceConfig):
    """Config of the ``linkedin_ads`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="OAuth client id of your LinkedIn app.")
    client_secret: SecretStr = Field(description="OAuth client secret of the app.")
    refresh_token: SecretStr = Field(description="Programmatic refresh token (approved Marketing partners; valid a year).")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint.")
    account_ids: IdList = Field(min_length=1, description="Sponsored ad account ids (or urn:li:sponsoredAccount URNs).")
    linkedin_version: str = Field(default=LATEST_VERSION, pattern=r"^20[0-9]{2}(0[1-9]|1[0-2])$",
                                  description="LinkedIn-Version header, YYYYMM (a supported monthly version).")
    page_size: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE, description="Entities per search page (pageSize, default 100).")

    @field_validator("account_ids")
    @classmethod
    def _account_ids(cls, value: list[str]) -> list[str]:
        matches = [(_ACCOUNT.match(v), v) for v in value]
        if bad := [v for m, v in matches if m is None]:
            raise ValueError(f"ad account ids are numbers (or urn:li:sponsoredAccount:<number>); not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(m.group(1) for m, _ in matches if m))


def _headers(config: Any) -> dict[str, str]:
    return {"LinkedIn-Version": getattr(config, "linkedin_version", None) or LATEST_VERSION, "X-Restli-Protocol-Version": "2.0.0"}


API = Api(
    base_url="https://api.linkedin.com/rest/",
    auth=CREDENTIAL,
    headers=_headers,
    errors=ErrorMap(
        # serviceErrorCode classifies an error; the HTTP status (401, 403, 429, 5xx) decides the rest.
        "LinkedIn", code="serviceErrorCode", message=("message",),
        codes={401: Action.AUTH},  # "Empty oauth2_access_token" (the error-handling page's sample)
        statuses={426: Action.FAIL},  # the LinkedIn-Version asked for has been sunset
        hints={Action.AUTH: "check the token, its r_ads and r_ads_reporting scopes, and that the member has a role "
                            "on the ad account"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=120.0),
)

PER_ACCOUNT = ForEach("account_ids", "account_id")
GROUP_STATUSES = ("ACTIVE", "ARCHIVED", "CANCELED", "DRAFT", "PAUSED", "PENDING_DELETION", "REMOVED")
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "ARCHIVED", "COMPLETED", "CANCELED", "DRAFT", "PENDING_DELETION", "REMOVED")
ACTIVE = "ACTIVE"


@dataclass(kw_only=True)
class RestliStream(RestStream):
    """A GET whose query string is written in Rest.li 2.0 form (`restli.query_string`)."""

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        if page.url:
            return super().send(ctx, page)
        query = query_string(self.request_params(ctx, page))
        return ctx.client.get(f"{self.request_path(ctx)}?{query}" if query else self.request_path(ctx), stream=self.name)


def entities(name: str, path: str, finder: dict[str, Any], contract: type[Contract], rename: dict[str, str], size: int,
             unified: Entity, dates: tuple[str, ...] = ()) -> RestliStream:
    urns = {column: URN_ID for vendor, column in rename.items() if column.endswith("_id") or column == "id"}
    rename = {**rename, "servingStatuses": "serving_statuses", "servingHoldReasons": "serving_hold_reasons"}
    return RestliStream(
        name=name, description=f"Every {name.replace('_', ' ')[:-1]} of each ad account, from {path}.", path=path,
        params={**finder, "pageSize": size}, partitions=PER_ACCOUNT,
        paginator=lambda: CursorInBody(token_path="metadata.nextPageToken", param="pageToken"),
        records=Records("elements", rename=rename, formats={**urns, **dict.fromkeys(dates, EPOCH_MILLIS)}),
        contract=contract, primary_key=("id",), unified=unified,
        cursor=FullRefresh("search finders filter by status, name or type, never by change time: every run reads all"),
    )


# -- adAnalytics ---------------------------------------------------------------------------

#: Metrics asked for (fields), LinkedIn name -> column. At most 20 per request.
METRICS = {
    "impressions": "impressions", "clicks": "clicks", "landingPageClicks": "landing_page_clicks",
    "totalEngagements": "total_engagements", "costInLocalCurrency": "cost_in_local_currency", "costInUsd": "cost_in_usd",
    "externalWebsiteConversions": "external_website_conversions",
    "externalWebsitePostClickConversions": "external_website_post_click_conversions",
    "externalWebsitePostViewConversions": "external_website_post_view_conversions",
    "conversionValueInLocalCurrency": "conversion_value_in_local_currency", "oneClickLeads": "one_click_leads",
    "videoViews": "video_views",
}
#: The money metrics: BigDecimal text in the account's currency.
MONEY = ("costInLocalCurrency", "costInUsd", "conversionValueInLocalCurrency")
#: URN entity type of a pivot value -> the column of its id.
PIVOT_COLUMNS = {"sponsoredAccount": "account_id", "sponsoredCampaignGroup": "campaign_group_id",
                 "sponsoredCampaign": "campaign_id", "sponsoredCreative": "creative_id"}
_PIVOT_URNS = {column: kind for kind, column in PIVOT_COLUMNS.items()}
_ACCOUNT_URN = re.compile(r"urn:li:sponsoredAccount:([^,)]+)")


@dataclass(kw_only=True)
class AdAnalytics(RestliStream):
    """One adAnalytics DAILY report of one account. Elements become rows: ``dateRange.start``
    the ``date``, each URN of ``pivotValues`` the id of its level (by its type, whatever the
    order), the metrics as sent."""

    pivots: tuple[str, ...]

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        params = super().request_params(ctx, page)
        params["accounts"] = [urn("sponsoredAccount", params.pop("account_id"))]
        return params

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        elements = (body or {}).get("elements") or [] if isinstance(body, dict) else []
        if len(elements) >= MAX_ELEMENTS:
            raise TooMuchData(f"adAnalytics answered {len(elements)} elements, its cap: the answer may be cut short",
                              status=response.status_code)
        return response, {**body, "elements": [decode(e) for e in elements]} if isinstance(body, dict) else body

    # -- the generated fake (sandbox.generated) serves the demo world in LinkedIn's shapes --

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        """The world's rows for the request's account (named in its Rest.li ``accounts`` list) and days."""
        found = _ACCOUNT_URN.search(str(route.params.get("accounts") or ""))
        params = {**route.params, "account_id": found.group(1) if found else None}
        yield from app._performance(self.unified, replace(route, params=params))

    def fake_encode(self, app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        """Rows as adAnalytics elements: pivot URNs, a one-day ``dateRange``, metrics as LinkedIn types them."""
        vendor = {column: name for name, column in METRICS.items()}
        elements = []
        for row in records:
            element: dict[str, Any] = {
                "pivotValues": [urn(_PIVOT_URNS[level], row[level]) for level in self._pivot_columns() if row.get(level)],
                "dateRange": {"start": date_object(row["date"]), "end": date_object(row["date"])},
            }
            for column, value in row.items():
                name = vendor.get(column)
                if name is not None and value is not None:
                    element[name] = f"{value:.2f}" if name in MONEY else int(value)
            elements.append(element)
        body["elements"] = elements
        return body

    def _pivot_columns(self) -> list[str]:
        return [PIVOT_COLUMNS[PIVOT_URN[p]] for p in self.pivots]


#: adAnalytics pivot -> URN entity type of its values.
PIVOT_URN = {"ACCOUNT": "sponsoredAccount", "CAMPAIGN_GROUP": "sponsoredCampaignGroup", "CAMPAIGN": "sponsoredCampaign",
             "CREATIVE": "sponsoredCreative"}


def decode(element: dict[str, Any]) -> dict[str, Any]:
    """One adAnalytics element -> one row (see `AdAnalytics`)."""
    row = {k: v for k, v in element.items() if k not in ("pivotValues", "dateRange")}
    row["date"] = day_of(element.get("dateRange"))
    for value in element.get("pivotValues") or []:
        kind, _, number = str(value).removeprefix("urn:li:").partition(":")
        if kind in PIVOT_COLUMNS:
            row[PIVOT_COLUMNS[kind]] = number
    return row


ACCOUNT = dict(account_name=Lookup("ad_accounts", "id", "name"), currency=Lookup("ad_accounts", "id", "currency"))
#: What LinkedIn's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="chargeable clicks (clicks): clicks LinkedIn bills for, such as to the landing page or Company Page",
    conversions_are="externalWebsiteConversions: conversions of the account's conversion rules, post-click and view-through, "
                    "within each rule's windows (default 30 days after a click, 7 after a view)",
    conversion_value_is="conversionValueInLocalCurrency: the value of those conversions, in the account's currency",
    date_is="a day in UTC (LinkedIn reports UTC days)",
)
_METRIC_COLUMNS = dict(spend="cost_in_local_currency", impressions="impressions", clicks="clicks",
                       conversions="external_website_conversions", conversion_value="conversion_value_in_local_currency")
NAMES = {"campaign": Lookup("campaign_groups", "id", "name", on="campaign"),
         "ad_group": Lookup("campaigns", "id", "name", on="ad_group"),
         "ad": Lookup("creatives", "id", "name", on="ad")}
REPORTS = {  # stream: (pivots, contract, unified level)
    "report_account_daily": (("ACCOUNT",), AccountDaily, "account"),
    "report_campaign_group_daily": (("CAMPAIGN_GROUP",), CampaignGroupDaily, "campaign"),
    "report_campaign_daily": (("CAMPAIGN_GROUP", "CAMPAIGN"), CampaignDaily, "ad_group"),
    "report_creative_daily": (("CAMPAIGN_GROUP", "CAMPAIGN", "CREATIVE"), CreativeDaily, "ad"),
}
_LEVEL_COLUMNS = {"campaign": "campaign_group_id", "ad_group": "campaign_id", "ad": "creative_id"}


def report(name: str) -> AdAnalytics:
    pivots, contract, level = REPORTS[name]
    finder: dict[str, Any] = {"q": "analytics", "pivot": pivots[0]} if len(pivots) == 1 else {"q": "statistics", "pivots": rest_li(list(pivots))}
    key = PIVOT_COLUMNS[PIVOT_URN[pivots[-1]]]
    levels = {lv: column for lv, column in _LEVEL_COLUMNS.items() if column in contract.model_fields}
    names = {f"{lv}_name": NAMES[lv] for lv in levels}
    return AdAnalytics(
        name=name, description=f"adAnalytics DAILY, {'+'.join(pivots)}: one row per {key.removesuffix('_id')} and UTC day.",
        path="adAnalytics", pivots=pivots,
        params={**finder, "timeGranularity": "DAILY", "fields": Raw(",".join(("dateRange", "pivotValues", *METRICS)))},
        partitions=PER_ACCOUNT, window=DateRange(), paginator=SinglePage,
        records=Records("elements", rename=METRICS, from_partition=("account_id",)),
        contract=contract, primary_key=("account_id", key, "date") if key != "account_id" else ("account_id", "date"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=30), window=timedelta(days=30)),
        unified=Performance(level, date="date", account="account_id", **levels, **names, **_METRIC_COLUMNS, **ACCOUNT, **MEANINGS),
    )


def streams(config: LinkedInAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else 100
    account, group, campaign = "account", "campaignGroup", "campaign"
    return [
        RestliStream(
            name="ad_accounts", description="Each ad account: name, currency, status.", path="adAccounts/{account_id}",
            partitions=PER_ACCOUNT, paginator=SinglePage, records=Records(rename={"servingStatuses": "serving_statuses"}),
            contract=AdAccount, primary_key=("id",),
            cursor=FullRefresh("an account is read whole by its id; there is nothing to filter"),
            unified=Entity("account", id="id", name="name", currency="currency", status="status", active_status=ACTIVE),
        ),
        entities("campaign_groups", "adAccounts/{account_id}/adCampaignGroups",
                 {"q": "search", "search": rest_li({"status": {"values": list(GROUP_STATUSES)}})}, CampaignGroup,
                 {account: "account_id"}, size,
                 Entity("campaign", id="id", name="name", account="account_id", status="status", active_status=ACTIVE)),
        entities("campaigns", "adAccounts/{account_id}/adCampaigns",
                 {"q": "search", "search": rest_li({"status": {"values": list(CAMPAIGN_STATUSES)}})}, Campaign,
                 {account: "account_id", group: "campaign_group_id", "costType": "cost_type", "objectiveType": "objective_type"}, size,
                 Entity("ad_group", id="id", name="name", account="account_id", campaign="campaign_group_id", status="status",
                        active_status=ACTIVE)),
        entities("creatives", "adAccounts/{account_id}/creatives", {"q": "criteria"}, Creative,
                 {"id": "id", account: "account_id", campaign: "campaign_id", "intendedStatus": "intended_status",
                  "isServing": "is_serving", "isTest": "is_test", "createdAt": "created_at", "lastModifiedAt": "last_modified_at"}, size,
                 # a creative names its campaign, not the campaign's group: joined from the campaigns
                 Entity("ad", id="id", name="name", account="account_id", ad_group="campaign_id",
                        campaign=Lookup("campaigns", "id", "campaign_group_id", on="ad_group"), status="intended_status",
                        active_status=ACTIVE),
                 dates=("created_at", "last_modified_at")),
        *(report(name) for name in REPORTS),
    ]


connector = declare(
    "linkedin_ads", title="LinkedIn Ads", api=API, config=LinkedInAdsConfig, streams=streams, api_version=LATEST_VERSION,
    docs_url="https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting", category="ads",
    support_policy="https://learn.microsoft.com/en-us/linkedin/marketing/versioning (monthly versions, each supported at "
                   "least one year; a sunset version answers HTTP 426)",
    description="LinkedIn Marketing API: ad accounts, campaign groups, campaigns, creatives and daily adAnalytics reports.",
    # The error-handling page's sample (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling).
    error_example={"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401},
)
source = source_function(connector)

__all__ = ["connector", "source", "LinkedInAdsConfig", "LATEST_VERSION"]
