"""StackAdapt: the StackAdapt GraphQL API (unversioned), declared.

Reference: https://docs.stackadapt.com/reference/graphql-api (GraphQL, one endpoint
``https://api.stackadapt.com/graphql``; no version: StackAdapt evolves the schema in
place). The reference pages are behind StackAdapt's login and refused to crawlers, so this
source follows the vendor's own machine-readable description: the schema (SDL) that the
API's introspection returns, as captured on 2026-06-14 in api-evangelist/stackadapt
(graphql/stackadapt-schema.graphql, 1,147 types), cross-checked where it could be
(cassettes/stackadapt/SOURCES.md names the source of every shape).

Auth: a GraphQL API key (Account Settings > API Integration), sent as
``Authorization: Bearer <key>``; it is not the legacy REST v2 key.

Per configured advertiser (every query filters on ``advertiserIds: [<id>]``): the
advertiser (``advertisers``, with ``account { currency }``: money of the whole account is in
that currency), its campaign groups (the unified campaign: StackAdapt's campaign groups hold
campaigns the way LinkedIn's campaign groups do), its campaigns (the unified ad group) and
ads, all Relay connections (``first``/``after``; ``pageInfo.hasNextPage`` false on the last
page). Objects are read in full every run: the filters have no updated-since.

Daily delivery: ``campaignGroupDelivery(dataType: TABLE, granularity: DAILY, date: {from,
to})``, ``from`` inclusive, ``to`` exclusive, one record per campaign group and day, the day
being ``granularity.startTime`` in the account's time zone (the schema: "Granularity of the
stats in account timezone"). The payload is a union: the ``...Outcome`` with the records, or
``Progress`` while the stats job runs (then the same query is sent again after a pause).
``cost`` and ``conversionRevenue`` are ``MoneyValue`` decimal strings in the account's
currency; ``impressionsBigint``/``clicksBigint``/``conversionsBigint`` are ``BigInt`` strings.

Windows of 31 days and a look-back of 30 days are our choices, not documented limits:
no public page states a range cap or how long StackAdapt keeps attributing conversions
to a day (conversion windows are set per conversion tracker); 30 days covers the
longest window we could find named and re-reads at most a month.

Errors: GraphQL's ``{"errors": [{"message", "extensions": {"traceId"}}]}`` with real HTTP
statuses (401 without a valid key, 400 for a malformed request); any ``errors`` in an
answer fails it, whatever the status. No rate limit is published and no rate headers are
sent; HTTP 429 is retried with back-off, and the default pace (5 requests per second) is
a conservative choice the config can change.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.http import RetryPolicy
from ...framework.paginators import GraphQLPageInfo, SinglePage
from ...framework.params import ForEach, WindowParams
from ...framework.records import CURRENCY, DATE_PREFIX, Records
from ...framework.spec import Contract, Cursor, FullRefresh, Stream
from ...framework.unified import Entity, Lookup, Performance
from .contracts import Ad, Advertiser, Campaign, CampaignGroup, CampaignGroupDaily
from .graphql import Query, query_text

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
TIMES = "%Y-%m-%dT%H:%M:%S%z"  # ISO8601DateTime, e.g. 2026-10-02T14:03:11Z
#: StackAdapt's camelCase names (and our aliases) -> column names (dlt folds names to snake case).
SNAKE = {name: re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in (
    "isArchived", "isDraft", "createdAt", "updatedAt", "channelType", "campaignGroupId", "campaignGroupName", "campaignId",
    "impressionsBigint", "clicksBigint", "conversionsBigint", "conversionRevenue")}


class StackAdaptConfig(SourceConfig):
    """Config of the ``stackadapt`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="GraphQL API key (Account Settings > API Integration), sent as a Bearer token.")
    advertiser_ids: IdList = Field(min_length=1, description="Advertiser ids to read; a list, or one comma-separated string.")
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Nodes per page (first).")
    requests_per_second: float = Field(default=5.0, gt=0, le=50, description="Our pace: StackAdapt publishes no rate limit.")

    @field_validator("advertiser_ids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not v.isdigit()]
        if bad:
            raise ValueError(f"advertiser ids are numbers such as 71342; not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))


API = Api(
    base_url="https://api.stackadapt.com/",
    auth=ApiKey("api_key", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        # GraphQL's error list: no documented codes, so any error message fails the answer (401: auth, 429: retried)
        "StackAdapt", code="errors.0.message", message=("errors.0.message", "error_description", "error"),
        request_id="errors.0.extensions.traceId",
        hints={Action.AUTH: "check that api_key is a GraphQL API key (not the REST v2 key) and that it may read the advertiser"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)

PER_ADVERTISER = ForEach("advertiser_ids", "advertiser_id")
FILTER = {"advertiserIds": "advertiser_id"}
PAGING = "$advertiserIds: [String!], $first: Int, $cursor: String"
PAGE_INFO = "pageInfo { hasNextPage endCursor }"
ACTIVE = "LIVE"
#: What StackAdapt's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="clicks on the ad (clicksBigint)",
    conversions_are="conversions counted by the advertiser's conversion trackers, click- and view-through (conversionsBigint)",
    conversion_value_is="conversionRevenue: the revenue those conversions reported, in the account's currency",
    date_is="a day in the account's time zone (granularity.startTime)",
)


def connection(name: str, operation: str, root: str, fields: str, contract: type[Contract], unified: Entity, *,
               flatten: tuple[str, ...] = (), carry: dict[str, str] | None = None, extra: str = "") -> Query:
    """An object connection, every page of it, filtered on one advertiser."""
    selection = f"{extra} {root}(filterBy: {{advertiserIds: $advertiserIds}}, first: $first, after: $cursor) {{ nodes {{ {fields} }} {PAGE_INFO} }}"
    return Query(
        name=name, description=f"Every {root} node of each advertiser.",
        params={"operationName": operation, "query": query_text(operation, PAGING, selection)},
        filters=FILTER, fixed_variables={"first": "page_size"}, carry=carry or {},
        partitions=PER_ADVERTISER, paginator=lambda: GraphQLPageInfo(f"data.{root}.pageInfo", cursor_variable="cursor"),
        records=Records(f"data.{root}.nodes", flatten=flatten, rename=SNAKE, formats={"created_at": TIMES, "updated_at": TIMES},
                        from_partition=("advertiser_id",)),
        contract=contract, primary_key=("id",), unified=unified,
        cursor=FullRefresh(f"{root} filters have no updated-since: every run reads every node"),
    )


def advertisers() -> Query:
    """The configured advertiser (filtered by its id: one node, one page) and the account's currency."""
    selection = "account { currency } advertisers(filterBy: {ids: $advertiserIds}, first: 1) { nodes { id name description isArchived } }"
    return Query(
        name="advertisers", description="Each configured advertiser, with the account's currency.",
        params={"operationName": "Advertisers", "query": query_text("Advertisers", "$advertiserIds: [String!]", selection)},
        filters=FILTER, carry={"currency": "data.account.currency"}, partitions=PER_ADVERTISER, paginator=SinglePage,
        records=Records("data.advertisers.nodes", rename=SNAKE, from_partition=("advertiser_id",)), contract=Advertiser, primary_key=("id",),
        unified=Entity("account", id="id", name="name", currency="currency"),
        cursor=FullRefresh("one advertiser by id: its current name and the account's currency"),
    )


DELIVERY_METRICS = "cost impressionsBigint clicksBigint conversionsBigint conversionRevenue"


def campaign_group_delivery() -> Query:
    root = "campaignGroupDelivery"
    selection = (
        f"{root}(dataType: TABLE, granularity: DAILY, date: $date, filterBy: {{advertiserIds: $advertiserIds}}) {{ __typename "
        f"... on CampaignGroupDeliveryOutcome {{ records(first: $first, after: $cursor) {{ nodes {{ "
        f"campaignGroup {{ campaignGroupId: id campaignGroupName: name }} granularity {{ startTime }} "
        f"metrics {{ {DELIVERY_METRICS} }} }} {PAGE_INFO} }} }} }}"
    )
    return Query(
        name="campaign_group_delivery_daily", description="Daily delivery of each campaign group, in the account's time zone.",
        params={"operationName": "CampaignGroupDelivery",
                "query": query_text("CampaignGroupDelivery", f"{PAGING}, $date: DateRangeInput", selection)},
        filters=FILTER, fixed_variables={"first": "page_size"}, typename_at=f"data.{root}.__typename",
        window=WindowParams("variables.date.from", "variables.date.to", end_exclusive=True, in_body=True),
        partitions=PER_ADVERTISER,
        paginator=lambda: GraphQLPageInfo(f"data.{root}.records.pageInfo", cursor_variable="cursor"),
        records=Records(f"data.{root}.records.nodes", flatten=("campaignGroup", "granularity", "metrics"),
                        rename={**SNAKE, "startTime": "date"}, formats={"date": DATE_PREFIX},
                        units={"cost": CURRENCY, "conversion_revenue": CURRENCY}, from_partition=("advertiser_id",)),
        contract=CampaignGroupDaily, primary_key=("campaign_group_id", "date"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=30), window=timedelta(days=31)),
        unified=Performance(
            "campaign", date="date", account="advertiser_id", campaign="campaign_group_id", campaign_name="campaign_group_name",
            spend="cost", impressions="impressions_bigint", clicks="clicks_bigint", conversions="conversions_bigint",
            conversion_value="conversion_revenue", currency=Lookup("advertisers", "id", "currency"),
            account_name=Lookup("advertisers", "id", "name"), sums_into=("account",), **MEANINGS,
        ),
    )



def streams(config: StackAdaptConfig | None) -> list[Stream]:
    return [
        advertisers(),
        connection("campaign_groups", "CampaignGroups", "campaignGroups",
                   "id name timezone createdAt isArchived campaignGroupStatus { state status }", CampaignGroup,
                   Entity("campaign", id="id", name="name", account="advertiser_id", status="state", active_status=ACTIVE),
                   flatten=("campaignGroupStatus",)),
        connection("campaigns", "Campaigns", "campaigns",
                   "id name channelType timezone createdAt updatedAt isArchived isDraft "
                   "campaignGroup { campaignGroupId: id } campaignStatus { state status }", Campaign,
                   Entity("ad_group", id="id", name="name", account="advertiser_id", campaign="campaign_group_id",
                          status="state", active_status=ACTIVE),
                   flatten=("campaignGroup", "campaignStatus")),
        connection("ads", "Ads", "ads",
                   "id name channelType isArchived isDraft paused campaign { campaignId: id } creativeStatus { state status }", Ad,
                   Entity("ad", id="id", name="name", account="advertiser_id", ad_group="campaign_id",
                          campaign=Lookup("campaigns", "id", "campaign_group_id", on="ad_group"), status="state", active_status=ACTIVE),
                   flatten=("campaign", "creativeStatus")),
        campaign_group_delivery(),
    ]


connector = declare(
    "stackadapt", title="StackAdapt", api=API, config=StackAdaptConfig, streams=streams, api_version="graphql (unversioned)",
    docs_url="https://docs.stackadapt.com/reference/graphql-api", category="ads",
    support_policy="https://docs.stackadapt.com/reference/graphql-api (one unversioned GraphQL schema; REST v2 writes are deprecated)",
    description="StackAdapt GraphQL API: advertisers, campaign groups, campaigns, ads and daily campaign-group delivery.",
    # An error observed from the GraphQL endpoint (HTTP 401), answered with HTTP 200 by the kit.
    error_example={"errors": [{"message": "Schema introspection requires authentication.",
                               "extensions": {"traceId": "63602fa3e36adca613de5b276a750d35"}}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "StackAdaptConfig", "API"]
