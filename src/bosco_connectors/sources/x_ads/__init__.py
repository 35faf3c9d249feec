"""X Ads: the X Ads API version 12, declared.

Reference: https://docs.x.com/x-ads-api (version 12, introduced 2022-10-27 and current, no
end of life announced: https://docs.x.com/x-ads-api/fundamentals/versioning); base
``https://ads-api.x.com/12/``. Every request is signed with OAuth 1.0a (HMAC-SHA1) for
the app (consumer key and secret) and a user with access to the ads accounts (access
token and secret): `framework.oauth1`.

Per ads account: the account (GET accounts/:id: name, time zone), its campaigns, line
items (X's ad groups) and promoted posts (X's ads), deleted ones included
(``with_deleted=true``), paged with ``cursor``/``count`` (at most 1,000; ``next_cursor`` is
null on the last page); no updated-since filter, so they are read in full. Daily
performance comes from asynchronous stats jobs (POST stats/jobs/accounts/:id, then GET
stats/jobs/accounts/:id?job_ids= until ``status`` SUCCESS, then the gzip JSON file at
``url``) for campaigns, line items and promoted posts: a job takes up to 20 entity ids
and 90 days, so each account's ids go 20 at a time (line items grouped by campaign,
promoted posts by line item, whose ids then fill the rows: `params.ParentBatches`) and
the days 90 at a time. The file holds, per entity, each metric as an array over the days
(`stats`). ``start_time``/``end_time`` are sent as dates (end exclusive): the analytics
reference's own example sends ``start_time=2026-05-19`` and X answers
``2026-05-19T07:00:00Z``, midnight in the account's zone, which is how DAY granularity
must be aligned (https://docs.x.com/x-ads-api/fundamentals/timezones).

Money: ``billed_charge_local_micro`` is "total spend in micros" of the local currency
(https://docs.x.com/x-ads-api/fundamentals/currency: "the value of a currency is
represented in micros"); X's accounts carry no currency, campaigns and line items do
(their funding instrument's), so the unified currency is the campaign's. Loaded divided
by 1e6 as exact decimals; so are the conversions' ``sale_amount`` (micros in X's own
example of the WEB_CONVERSION group).

Unified model: campaigns (their currency) and line items as ad groups; no account level
(accounts carry no currency) and no ad level (promoted posts name their line item, not
their campaign); the promoted posts' daily stats load as a raw table.

Look-back: 30 days. X: "Do not repeatedly query for data that is older than 30 days. This
data will not change"; spend is final within 3 days but billing data is processed for up
to 14 days (https://docs.x.com/x-ads-api/analytics, best practices and FAQ).

Errors: ``{"errors": [{"code": "UNAUTHORIZED_ACCESS", "message": ...}]}`` with the HTTP
status (https://docs.x.com/x-ads-api/fundamentals/error-codes-and-responses). Rate limits
(https://docs.x.com/x-ads-api/fundamentals/rate-limiting): entity reads 10,000 per 15
minutes per account, other account reads 2,000, writes (creating a job) 450 a minute; at
most 100 jobs processing at once per account. On a 429 X says when to retry in
``x-rate-limit-reset`` (not read: the framework honours ``Retry-After`` and backs off).
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.files import Json
from ...framework.jobs import DONE, FAILED, RUNNING, AsyncReport, Create, Download, Poll
from ...framework.oauth1 import OAuth1
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import ForEach, ParentBatches, WindowParams
from ...framework.records import MICROS, Records
from ...framework.spec import Contract, Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance
from .contracts import Account, Campaign, CampaignDaily, LineItem, LineItemDaily, PromotedTweet, PromotedTweetDaily
from .stats import XStatsStream

MAX_PAGE_SIZE = 1000
#: A stats job's limits: entity ids and days (non-segmented).
JOB_IDS, JOB_DAYS = 20, timedelta(days=90)
_ACCOUNT_ID = re.compile(r"^[0-9a-z]+$")
ISO = "%Y-%m-%dT%H:%M:%SZ"  # X returns datetimes in UTC, with a Z


class XAdsConfig(SourceConfig):
    """Config of the ``x_ads`` source (plus the fields every source accepts)."""

    consumer_key: SecretStr = Field(description="The app's API key (OAuth 1.0a consumer key).")
    consumer_secret: SecretStr = Field(description="The app's API key secret.")
    access_token: SecretStr = Field(description="Access token of a user with access to the ads accounts.")
    access_token_secret: SecretStr = Field(description="That access token's secret.")
    account_ids: IdList = Field(min_length=1, description="Ads account ids (e.g. 18ce54d4x5t); a list, or one comma-separated string.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Objects per page (count, 1-1000).")
    placement: str = Field(default="ALL_ON_TWITTER", pattern="^(ALL_ON_TWITTER|SPOTLIGHT|TREND)$",
                           description="The placement the reports cover (one per job: ALL_ON_TWITTER, SPOTLIGHT or TREND).")
    max_concurrent_jobs: int = Field(default=20, ge=1, le=100, description="Stats jobs processing at once (X allows 100 per account).")
    requests_per_minute: float = Field(default=120, gt=0, le=450, description="Request budget (other account reads: 2,000 per 15 minutes).")

    @field_validator("account_ids")
    @classmethod
    def _base36(cls, value: list[str]) -> list[str]:
        if bad := [v for v in value if not _ACCOUNT_ID.match(v)]:
            raise ValueError(f"ads account ids are lower-case letters and digits (e.g. 18ce54d4x5t); not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))


API = Api(
    base_url="https://ads-api.x.com/12/",
    auth=OAuth1(),
    errors=ErrorMap(
        "X", code="errors.0.code", message=("errors.0.message",),
        codes={
            **{c: Action.AUTH for c in ("UNAUTHORIZED_ACCESS", "UNAUTHORIZED_CLIENT_APPLICATION", "CURRENT_USER_SUSPENDED")},
            **{c: Action.SKIP for c in ("ACCOUNT_NOT_FOUND", "ACCOUNT_LOCKED_OUT")},
            **{c: Action.RETRY for c in ("TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE", "OVER_CAPACITY", "INTERNAL_ERROR",
                                         "CANCELLED_REQUEST", "LOCK_ACQUISITION_TIMEOUT")},
            "REQUEST_TOO_COMPLEX": Action.SPLIT,
        },
        hints={Action.AUTH: "check the four OAuth 1.0a values and that the app has Ads API access",
               Action.SKIP: "the access token's user has no access to this ads account"},
    ),
    rate=RateBudget(per_minute="requests_per_minute", report_jobs="max_concurrent_jobs"),
)

PER_ACCOUNT = ForEach("account_ids", "account_id")
TIMES = {name: ISO for name in ("created_at", "updated_at", "start_time", "end_time", "timezone_switch_at")}
ACTIVE = "ACTIVE"
#: What X's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="X's clicks: every click on the ad, likes and other engagements included (url_clicks, the link clicks, loads beside it)",
    conversions_are="purchases recorded by web conversion tags after a view or an engagement (conversion_purchases.metric)",
    conversion_value_is="those purchases' sale amount (conversion_purchases.sale_amount), in the campaign's currency",
    date_is="a day in the ads account's time zone",
)
SPEND_AND_SALES = {"spend": MICROS, **{f"conversion_{t}_sale_amount": MICROS
                                       for t in ("purchases", "sign_ups", "site_visits", "downloads", "custom")}}
JOB_STATUSES = {"PROCESSING": RUNNING, "SUCCESS": DONE, "FAILED": FAILED, "CANCELLED": FAILED}


def objects(name: str, path: str, contract: type[Contract], size: int, unified: Entity | None) -> RestStream:
    return RestStream(
        name=name, description=f"Every {name.replace('_', ' ')[:-1]} of each ads account, deleted ones included, from GET {path}.",
        path=path, params={"count": size, "with_deleted": "true"}, partitions=PER_ACCOUNT,
        paginator=lambda: CursorInBody("next_cursor", "cursor"),
        records=Records("data", formats=TIMES, from_partition=("account_id",)), contract=contract, primary_key=("id",),
        unified=unified, cursor=FullRefresh(f"GET {path} has no updated-since filter: every run reads them all"),
    )


def report(name: str, entity: str, parent: Stream, id_column: str, group: dict[str, str], contract: type[Contract],
           unified: Performance | None) -> XStatsStream:
    return XStatsStream(
        name=name, description=f"Daily {entity} metrics (ENGAGEMENT, BILLING, WEB_CONVERSION) from stats jobs, one row per entity and day.",
        entity=entity, id_column=id_column,
        report=AsyncReport(
            name=f"{entity.lower()} stats job",
            create=Create("stats/jobs/accounts/{account_id}", job_id="data.id_str",
                          params={"entity": entity, "entity_ids": "{entity_ids}", "granularity": "DAY", "placement": "{placement}",
                                  "metric_groups": "ENGAGEMENT,BILLING,WEB_CONVERSION"},
                          window=WindowParams("start_time", "end_time", end_exclusive=True)),
            poll=Poll("stats/jobs/accounts/{account_id}", params={"job_ids": "{job_id}"}, status="data.0.status", url="data.0.url",
                      statuses=JOB_STATUSES),
            download=Download(Json("data", compression="gzip")),
            deadline=timedelta(hours=1), first_poll=5, max_poll=60,
        ),
        partitions=ParentBatches(parent, ids=("entity_ids", "id"), group={"account_id": "account_id", **group}, size=JOB_IDS),
        records=Records(rename={"billed_charge_local_micro": "spend"}, units=SPEND_AND_SALES, from_partition=("account_id", *group)),
        contract=contract, primary_key=(id_column, "date"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=30), window=JOB_DAYS),
        unified=unified,
    )


def streams(config: XAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    campaigns = objects("campaigns", "accounts/{account_id}/campaigns", Campaign, size,
                        Entity("campaign", id="id", name="name", account="account_id", status="entity_status", active_status=ACTIVE,
                               currency="currency"))
    line_items = objects("line_items", "accounts/{account_id}/line_items", LineItem, size,
                         Entity("ad_group", id="id", name="name", account="account_id", campaign="campaign_id",
                                status="entity_status", active_status=ACTIVE, currency="currency"))
    # Promoted posts name their line item, not their campaign: the unified ad level needs both.
    promoted_tweets = objects("promoted_tweets", "accounts/{account_id}/promoted_tweets", PromotedTweet, size, None)
    metrics = dict(date="date", account="account_id", spend="spend", impressions="impressions", clicks="clicks",
                   conversions="conversion_purchases_metric", conversion_value="conversion_purchases_sale_amount",
                   account_name=Lookup("accounts", "id", "name"), **MEANINGS)
    return [
        RestStream(
            name="accounts", description="Each ads account: name, time zone, approval status.", path="accounts/{account_id}",
            params={"with_deleted": "true"}, partitions=PER_ACCOUNT, paginator=SinglePage, records=Records("data", formats=TIMES),
            contract=Account, primary_key=("id",), cursor=FullRefresh("GET accounts/:id returns the account as it is now"),
            unified=Entity("account", id="id", name="name", timezone="timezone"),
        ),
        campaigns, line_items, promoted_tweets,
        report("campaign_daily", "CAMPAIGN", campaigns, "campaign_id", {}, CampaignDaily,
               # No account level: X's accounts carry no currency (campaigns do), so one cannot be summed into.
               Performance("campaign", campaign="campaign_id", campaign_name=Lookup("campaigns", "id", "name", on="campaign"),
                           currency=Lookup("campaigns", "id", "currency", on="campaign"), **metrics)),
        report("line_item_daily", "LINE_ITEM", line_items, "line_item_id", {"campaign_id": "campaign_id"}, LineItemDaily,
               Performance("ad_group", campaign="campaign_id", ad_group="line_item_id",
                           ad_group_name=Lookup("line_items", "id", "name", on="ad_group"),
                           currency=Lookup("line_items", "id", "currency", on="ad_group"), **metrics)),
        # Promoted posts carry their line item only (no campaign id): no unified ad level here.
        report("promoted_tweet_daily", "PROMOTED_TWEET", promoted_tweets, "promoted_tweet_id", {"line_item_id": "line_item_id"},
               PromotedTweetDaily, None),
    ]


connector = declare(
    "x_ads", title="X Ads", api=API, config=XAdsConfig, streams=streams, api_version="12",
    docs_url="https://docs.x.com/x-ads-api", category="ads",
    support_policy="https://docs.x.com/x-ads-api/fundamentals/versioning (12 is current since 2022-10-27; no end of life announced)",
    description="X (Twitter) Ads API 12: ads accounts, campaigns, line items, promoted posts and daily stats from asynchronous jobs.",
    # A documented error envelope (https://docs.x.com/x-ads-api/fundamentals/error-codes-and-responses).
    error_example={"errors": [{"parameter": "start_time", "details": "invalid date", "code": "INVALID_PARAMETER", "value": "",
                               "message": "Expected time, got \"\" for start_time"}], "request": {"params": {"account_id": "hkk5"}}},
)
source = source_function(connector)

__all__ = ["connector", "source", "XAdsConfig"]
