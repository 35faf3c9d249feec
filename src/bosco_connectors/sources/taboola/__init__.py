"""Taboola: the Taboola Backstage API 1.0 (advertiser side), declared.

Reference: https://developers.taboola.com/backstage-api/reference (Backstage API 1.0; base
``https://backstage.taboola.com/backstage/api/1.0/``). OAuth 2.0 client credentials: the
client id and secret are posted as a form to ``https://backstage.taboola.com/backstage/oauth/token``
(no trailing slash) for a bearer token valid 12 hours (``expires_in`` 43200), no refresh token
(https://developers.taboola.com/backstage-api/reference/client-credentials-flow).

Streams: the accounts the credentials may read (``users/current/allowed-accounts``: currency
and time zone of each), the campaigns of each configured account (``{account_id}/campaigns/``,
one answer, no paging; deleted campaigns are not returned) and the Campaign Summary report
with the ``campaign_day_breakdown`` dimension (one row per campaign and day, in the account's
time zone; https://developers.taboola.com/backstage-api/reference/campaign-summary-report and
https://developers.taboola.com/backstage-api/docs/dimensions-cheat-sheet). Taboola has no ad
groups; its ads ("items") are read per campaign and are not loaded here (see the report).

The report is re-read with a 30-day look-back: click-through conversions are attributed with a
look-back window configurable per conversion rule, 30 days by default (view-through: 24 hours),
and Taboola warns that data changes retroactively during its billing cycle ("consider
refreshing the data on the 5th of the following month",
https://developers.taboola.com/backstage-api/docs/campaign-summary-report-overview); a full
month's restatement is left to a ``lookback_days`` override. Taboola documents no cap on the
report's date range; windows of 30 days keep each answer small. Money (``spent``,
``conversions_value``, ``cpc``...) is in the account's currency units, as JSON numbers, with the
code in each row's ``currency``; it is loaded as exact decimals.

Errors come as ``{"http_status", "message"}`` (https://developers.taboola.com/backstage-api/reference/request-basics);
a 401 means a missing, invalid or expired token. Rate limits apply per account and endpoint
group, reads and writes apart, to accounts created after 2026-10-04 only
(https://developers.taboola.com/backstage-api/reference/rate-limits); a 429 is retried.
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
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import CURRENCY, DATE_PREFIX, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Lookup, Performance

TOKEN_URL = "https://backstage.taboola.com/backstage/oauth/token"


class TaboolaConfig(SourceConfig):
    """Config of the ``taboola`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="Backstage API client id (from your Taboola account manager or the API Keys page).")
    client_secret: SecretStr = Field(description="Backstage API client secret.")
    account_ids: IdList = Field(
        min_length=1, description="Advertiser account ids (the alphabetic account_id, e.g. 'demo-advertiser'); a list or one comma-separated string.")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint (sandboxes, tests).")
    requests_per_second: float = Field(
        default=5.0, gt=0, le=50, description="Pace of requests; Taboola limits accounts created after 2026-10-04 per account and endpoint group.")


# -- contracts: the columns of each raw table, named as Taboola names them ------------------


class Account(Contract):
    """An account the credentials may read (GET users/current/allowed-accounts)."""

    account_id: Id = Field(description="The alphabetic account id used in every path.")
    id: Id | None = Field(default=None, description="The numeric account id.")
    name: str | None = None
    type: str | None = Field(default=None, description="PARTNER, NETWORK...")
    partner_types: list[str] | None = None
    campaign_types: list[str] | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code of the account's money fields.")
    time_zone_name: str | None = Field(default=None, description="The account's time zone (its report days).")


class Campaign(Contract):
    """One campaign of an account (GET {account_id}/campaigns/)."""

    id: Id
    advertiser_id: Id = Field(description="The alphabetic account id that owns the campaign.")
    name: str | None = None
    branding_text: str | None = None
    tracking_code: str | None = None
    pricing_model: str | None = None
    safety_rating: str | None = None
    cpc: Decimal | None = Field(default=None, description="Bid, in the account's currency.")
    daily_cap: Decimal | None = None
    daily_ad_delivery_model: str | None = None
    spending_limit: Decimal | None = None
    spending_limit_model: str | None = None
    marketing_objective: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    is_active: bool | None = None
    status: str | None = Field(default=None, description="RUNNING, PAUSED, PENDING_APPROVAL, REJECTED, EXPIRED, TERMINATED...")
    approval_state: str | None = None
    spent: Decimal | None = None


class CampaignDay(Contract):
    """One campaign and day (Campaign Summary report, campaign_day_breakdown)."""

    account_id: Id = Field(description="The account the report was read for (not in Taboola's row).")
    date: dt.date = Field(description="The day, in the account's time zone (sent as '2026-11-01 00:00:00.0').")
    campaign: Id = Field(description="The campaign id.")
    campaign_name: str | None = None
    clicks: int | None = None
    impressions: int | None = Field(default=None, description="Served ads.")
    visible_impressions: int | None = Field(default=None, description="Viewable impressions (MRC): what Realize calls Impressions.")
    spent: Decimal | None = Field(default=None, description="Spend in the account's currency units.")
    conversions_value: Decimal | None = Field(default=None, description="Revenue from conversions, in the account's currency.")
    roas: float | None = None
    ctr: float | None = None
    vctr: float | None = None
    cpm: Decimal | None = None
    vcpm: Decimal | None = None
    cpc: Decimal | None = None
    cpa: Decimal | None = None
    cpa_clicks: Decimal | None = None
    cpa_views: Decimal | None = None
    cpa_actions_num: int | None = Field(default=None, description="Conversions (actions), click- and view-through.")
    cpa_actions_num_from_clicks: int | None = None
    cpa_actions_num_from_views: int | None = None
    cpa_conversion_rate: float | None = None
    cpa_conversion_rate_clicks: float | None = None
    cpa_conversion_rate_views: float | None = None
    currency: str | None = None


# -- the API: what every request shares -----------------------------------------------------

API = Api(
    base_url="https://backstage.taboola.com/backstage/api/1.0/",
    auth=ClientCredentials(TOKEN_URL),
    errors=ErrorMap(
        # {"http_status": 415, "message": "..."}: the status is in the body too, so an error answered 200 is still one.
        "Taboola", code="http_status", message=("message",),
        codes={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, range(500, 600): Action.RETRY},
        hints={Action.AUTH: "check the client id and secret, and that the account ids are ones these credentials may read "
                            "(users/current/allowed-accounts)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

PER_ACCOUNT = ForEach("account_ids", "account_id")
MONEY = ("spent", "conversions_value", "cpm", "vcpm", "cpc", "cpa", "cpa_clicks", "cpa_views")


def streams(config: TaboolaConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="accounts", description="Every account the credentials may read: name, currency, time zone.",
            path="users/current/allowed-accounts", records=Records("results"), contract=Account, primary_key=("account_id",),
            cursor=FullRefresh("the endpoint returns the current list of accounts and takes no parameters"),
            unified=Entity("account", id="account_id", name="name", currency="currency", timezone="time_zone_name"),
        ),
        RestStream(
            name="campaigns", description="Every campaign of each account (deleted campaigns are not returned).",
            path="{account_id}/campaigns/", partitions=PER_ACCOUNT, records=Records("results"),
            contract=Campaign, primary_key=("id",),
            cursor=FullRefresh("campaigns have no updated-since filter; the endpoint returns them all in one answer"),
            unified=Entity("campaign", id="id", name="name", account="advertiser_id", objective="marketing_objective",
                           status="status", active_status="RUNNING"),
        ),
        RestStream(
            name="campaign_day", description="Campaign Summary report, one row per campaign and day (campaign_day_breakdown).",
            path="{account_id}/reports/campaign-summary/dimensions/campaign_day_breakdown", partitions=PER_ACCOUNT,
            window=WindowParams("start_date", "end_date"),
            records=Records("results", formats={"date": DATE_PREFIX}, units={m: CURRENCY for m in MONEY},
                            from_partition=("account_id",)),
            contract=CampaignDay, primary_key=("account_id", "campaign", "date"), arrow=True,
            cursor=Cursor("date", lookback=timedelta(days=30), window=timedelta(days=30)),
            unified=Performance(
                "campaign", date="date", account="account_id", campaign="campaign", campaign_name="campaign_name",
                spend="spent", impressions="impressions", clicks="clicks", conversions="cpa_actions_num",
                conversion_value="conversions_value", currency="currency",
                account_name=Lookup("accounts", "account_id", "name"),
                clicks_are="clicks on the campaign's items (ads)",
                conversions_are="actions of the account's conversion rules (cpa_actions_num): click-through within each "
                                "rule's look-back (30 days by default) plus view-through within 24 hours",
                conversion_value_is="revenue of those conversions (conversions_value), static or dynamic values",
                date_is="a day in the account's time zone",
            ),
        ),
    ]


connector = declare(
    "taboola", title="Taboola", api=API, config=TaboolaConfig, streams=streams, api_version="1.0",
    docs_url="https://developers.taboola.com/backstage-api/reference", category="ads",
    support_policy="https://developers.taboola.com/backstage-api/reference (Backstage API 1.0 is the only version; no sunset announced)",
    description="Taboola Backstage API: accounts, campaigns and the daily Campaign Summary report per campaign.",
    # The documented error envelope (https://developers.taboola.com/backstage-api/reference/request-basics).
    error_example={"http_status": 415, "message": "application/octet-stream content type is not supported by the requested resource"},
)
source = source_function(connector)

__all__ = ["connector", "source", "TaboolaConfig"]
