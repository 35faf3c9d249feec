"""The streams of the Meta Marketing API v26.0 that this source loads, as data.

Every stream is read per ad account (``act_{id}``), through the SDK:

- ``ad_accounts``: the account node itself (``GET act_{id}``): full refresh, one row;
- ``campaigns`` (``GET act_{id}/campaigns``) and ``ad_creatives``
  (``GET act_{id}/adcreatives``): full refresh. The campaigns edge documents no
  updated-since parameter (only ``date_preset``, ``effective_status``, ``is_completed``,
  ``time_range``), and creatives have no ``updated_time`` at all;
- ``ad_sets`` (``GET act_{id}/adsets``) and ``ads`` (``GET act_{id}/ads``): incremental
  on ``updated_time`` through the edges' documented ``updated_since`` parameter (unix
  seconds), with a one-day look-back. Their first run reads every object, whatever
  ``start_date`` says (`Cursor.initial`): an ad set edited long ago may still deliver;
- ``insights_{account,campaign,adset,ad}_daily``: async insights jobs
  (see `insights`), one per account and 30-day window, incremental on ``date_start``
  with a 28-day look-back (Meta's longest click attribution window; ``lookback_days``
  changes it), because conversions keep being attributed to past days.

Object edges ask for every ``effective_status``, deleted and archived included: by
default Meta hides those, and a table that never hears of a deletion keeps the object
ACTIVE forever. Edges are paged with ``limit`` and ``after`` cursors (``paging.next``
says a further page exists), which the SDK's `Cursor` follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar, Iterator, Mapping

from ...framework import Contract, Cursor, CursorInBody, FullRefresh, ReadContext, Stream, utc_today
from ...framework.extra_metrics import with_columns
from ...framework.jobs import AsyncReportStream
from ...framework.unified import Entity, Level, Performance
from .config import DEFAULT_CONVERSION_ACTION_TYPES, FacebookAdsConfig
from .contracts import (
    Ad,
    AdAccount,
    AdCreative,
    AdSet,
    Campaign,
    InsightsAccountDaily,
    InsightsAdDaily,
    InsightsAdSetDaily,
    InsightsCampaignDaily,
    with_action_columns,
)
from . import insights
from .insights import oldest_day, shape_row

#: A first run of an incremental object stream starts here: every object.
BEGINNING = datetime(1970, 1, 1, tzinfo=timezone.utc)
OBJECT_LOOKBACK = timedelta(days=1)
#: Meta's longest attribution window is 28 days after a click.
INSIGHTS_LOOKBACK = timedelta(days=28)
INSIGHTS_WINDOW = timedelta(days=30)

ACCOUNT_FIELDS = ("id", "account_id", "name", "currency", "timezone_name", "account_status", "business_name", "created_time")
CAMPAIGN_FIELDS = (
    "id", "account_id", "name", "objective", "status", "effective_status", "buying_type",
    "daily_budget", "lifetime_budget", "created_time", "updated_time", "start_time", "stop_time",
)
ADSET_FIELDS = (
    "id", "account_id", "campaign_id", "name", "status", "effective_status", "daily_budget", "lifetime_budget",
    "optimization_goal", "billing_event", "created_time", "updated_time", "start_time", "end_time",
)
AD_FIELDS = ("id", "account_id", "campaign_id", "adset_id", "name", "status", "effective_status", "creative", "created_time", "updated_time")
CREATIVE_FIELDS = ("id", "account_id", "name", "title", "body", "object_type", "status", "call_to_action_type")

#: Every ``effective_status`` each edge accepts (SDK enums, v26.0).
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES")
ADSET_STATUSES = (*CAMPAIGN_STATUSES, "CAMPAIGN_PAUSED")
AD_STATUSES = (
    *ADSET_STATUSES, "ADSET_PAUSED", "PENDING_REVIEW", "DISAPPROVED", "PREAPPROVED", "PENDING_BILLING_INFO",
)

#: The SDK method of `AdAccount` that reads each edge.
SDK_EDGE_METHODS = {
    "campaigns": "get_campaigns",
    "adsets": "get_ad_sets",
    "ads": "get_ads",
    "adcreatives": "get_ad_creatives",
}

_TIME_FIELDS = ("created_time", "updated_time", "start_time", "stop_time", "end_time")
_INT_FIELDS = ("daily_budget", "lifetime_budget", "account_status")


def per_account(config: FacebookAdsConfig) -> list[Mapping[str, Any]]:
    return [{"account_id": account_id} for account_id in config.account_ids]


def graph_pages() -> CursorInBody:
    """Meta's paging, as the SDK's `Cursor` follows it: send ``after`` while ``paging.next`` exists."""
    return CursorInBody("paging.cursors.after", "after", has_more_path="paging.next")


def parse_meta_time(value: Any) -> datetime | None:
    """Meta's ``2026-10-01T09:30:00+0000`` -> an aware datetime in UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").astimezone(timezone.utc)


def shape_object(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """Times to UTC datetimes, numeric strings to ints, ``creative {id}`` to ``creative_id``."""
    row = dict(record)
    for key in _TIME_FIELDS:
        if key in row:
            row[key] = parse_meta_time(row[key])
    for key in _INT_FIELDS:
        if row.get(key) not in (None, ""):
            row[key] = int(row[key])
    creative = row.pop("creative", None)
    if isinstance(creative, dict):
        row["creative_id"] = creative.get("id")
    row["account_id"] = row.get("account_id") or ctx.partition["account_id"]  # an Id: the contract renders it
    return row


@dataclass(kw_only=True)
class AccountStream(Stream):
    """The ad account node, ``GET act_{id}?fields=...``."""

    fields: tuple[str, ...]
    kind: ClassVar[str] = "graph_node"

    def read(self, ctx: ReadContext) -> Iterator[list[dict[str, Any]]]:
        account_id = ctx.partition["account_id"]
        node = ctx.client.call(
            lambda: ctx.client.account(account_id).api_get(fields=list(self.fields)),
            stream=self.name,
            what=f"GET act_{account_id}",
        )
        yield self.shape([node.export_all_data()], ctx)


@dataclass(kw_only=True)
class EdgeStream(Stream):
    """An edge of the ad account, ``GET act_{id}/<edge>``, read page by page."""

    edge: str
    fields: tuple[str, ...]
    statuses: tuple[str, ...] = ()
    #: Send the cursor as ``updated_since`` (unix seconds).
    updated_since: bool = False
    kind: ClassVar[str] = "graph_edge"

    def params(self, ctx: ReadContext) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": ctx.config.page_size}
        if self.statuses:
            params["effective_status"] = list(self.statuses)
        if self.updated_since and isinstance(ctx.since, datetime) and ctx.since > BEGINNING:
            params["updated_since"] = int(ctx.since.timestamp())
        return params

    def read(self, ctx: ReadContext) -> Iterator[list[dict[str, Any]]]:
        account_id = ctx.partition["account_id"]
        method = SDK_EDGE_METHODS[self.edge]
        params = self.params(ctx)

        def first() -> Any:
            return getattr(ctx.client.account(account_id), method)(fields=list(self.fields), params=params)

        for page in ctx.client.pages(first, stream=self.name, what=f"GET act_{account_id}/{self.edge}"):
            yield self.shape(page, ctx)


def insights_history() -> date:
    """The first day Meta still serves insights for (asked at read time: the run's today)."""
    return oldest_day(utc_today())


def object_stream(name: str, edge: str, fields: tuple[str, ...], contract: type[Contract], *,
                  statuses: tuple[str, ...] = (), cursor: Cursor | FullRefresh, description: str,
                  unified: Entity | None = None) -> EdgeStream:
    return EdgeStream(
        name=name,
        description=description,
        edge=edge,
        fields=fields,
        statuses=statuses,
        updated_since=isinstance(cursor, Cursor),
        partitions=per_account,
        paginator=graph_pages,
        transform=shape_object,
        contract=contract,
        primary_key=("id",),
        cursor=cursor,
        unified=unified,
    )


# -- the unified mapping (generates the staging recipes) -------------------------------------

ACTIVE = "ACTIVE"  # effective_status: delivering, the parents' state included
#: Insights rows carry their names, account and currency: the staging reads no object table.
REPORTED = dict(
    date="date_start", account="account_id", account_name="account_name", currency="account_currency", spend="spend",
    impressions="impressions", clicks="inline_link_clicks", conversions="conversions", conversion_value="conversion_value",
    date_is="a day in the ad account's time zone",
    clicks_are="link clicks (inline_link_clicks): clicks that lead to the destination, comparable with other "
               "platforms' clicks; Meta's `clicks` counts every click, likes included",
    conversions_are="the action types the source is configured to count as conversions, summed by the source",
    conversion_value_is="the value of those action types (action_values), summed by the source",
    # the 1-day view window of the same action types: conversions after an impression, no click
    view_through_conversions="conversions_1d_view",
    video_views="video_play_actions", video_views_are="video_play_actions: times the video started to play",
)
#: Insights level -> the unified level and the ids and names its rows carry (ad sets are ad groups).
INSIGHTS_LEVELS: dict[str, tuple[Level, dict[str, str]]] = {
    "account": ("account", {}),
    "campaign": ("campaign", dict(campaign="campaign_id", campaign_name="campaign_name")),
    "adset": ("ad_group", dict(campaign="campaign_id", campaign_name="campaign_name", ad_group="adset_id", ad_group_name="adset_name")),
    "ad": ("ad", dict(campaign="campaign_id", campaign_name="campaign_name", ad_group="adset_id", ad_group_name="adset_name",
                      ad="ad_id", ad_name="ad_name")),
}


def insights_stream(name: str, level: str, contract: type[Contract], key: str, action_types: tuple[str, ...],
                    extra: tuple[str, ...] = (), windows: tuple[str, ...] = insights.FIXED_WINDOWS) -> AsyncReportStream:
    return AsyncReportStream(
        name=name,
        description=f"Daily insights at level={level}: one row per {key} and day, via async report jobs.",
        report=insights.report(level),
        oldest_day=insights_history,
        partitions=per_account,
        paginator=graph_pages,  # a done job's rows are an edge, paged like the others (`insights.read_rows`)
        transform=shape_row,
        contract=with_columns(with_action_columns(contract, action_types, windows), extra, str),  # extra_metrics: text
        primary_key=(key, "date_start"),
        cursor=Cursor("date_start", kind="date", lookback=INSIGHTS_LOOKBACK, window=INSIGHTS_WINDOW),
        arrow=True,
        fields_in_parts=insights.metric_fields,  # Meta's error 1 "reduce the amount of data" on one day
        unified=Performance(INSIGHTS_LEVELS[level][0], **INSIGHTS_LEVELS[level][1], **REPORTED),
    )


def build_streams(action_types: tuple[str, ...] = DEFAULT_CONVERSION_ACTION_TYPES, extra: tuple[str, ...] = (),
                  windows: tuple[str, ...] = insights.FIXED_WINDOWS) -> list[Stream]:
    """Every stream of the source; the insights contracts carry one column per action type and attribution window."""
    changed = Cursor("updated_time", kind="datetime", lookback=OBJECT_LOOKBACK, initial=BEGINNING)
    return [
        AccountStream(
            name="ad_accounts",
            description="Ad account settings: name, currency, time zone, status.",
            fields=ACCOUNT_FIELDS,
            partitions=per_account,
            transform=shape_object,
            contract=AdAccount,
            primary_key=("account_id",),
            cursor=FullRefresh("GET act_{id} is one node with current settings; there is nothing to filter"),
            # account_id is the numeric id (without 'act_'), as on the insights rows; account_status 1 is active
            unified=Entity("account", id="account_id", name="name", currency="currency", timezone="timezone_name",
                           status="account_status", active_status="1"),
        ),
        object_stream(
            "campaigns", "campaigns", CAMPAIGN_FIELDS, Campaign, statuses=CAMPAIGN_STATUSES,
            cursor=FullRefresh("act_{id}/campaigns documents no updated_since parameter; campaigns are few, read them all"),
            description="Campaigns of every status: objective, budgets, schedule.",
            unified=Entity("campaign", id="id", name="name", account="account_id", objective="objective",
                           status="effective_status", active_status=ACTIVE),
        ),
        object_stream(
            "ad_sets", "adsets", ADSET_FIELDS, AdSet, statuses=ADSET_STATUSES, cursor=changed,
            description="Ad sets (ad groups) of every status, changed since the last run.",
            unified=Entity("ad_group", id="id", name="name", account="account_id", campaign="campaign_id",
                           status="effective_status", active_status=ACTIVE),
        ),
        object_stream(
            "ads", "ads", AD_FIELDS, Ad, statuses=AD_STATUSES, cursor=changed,
            description="Ads of every status, changed since the last run, with their creative id.",
            unified=Entity("ad", id="id", name="name", account="account_id", campaign="campaign_id", ad_group="adset_id",
                           status="effective_status", active_status=ACTIVE),
        ),
        object_stream(
            "ad_creatives", "adcreatives", CREATIVE_FIELDS, AdCreative,
            cursor=FullRefresh("ad creatives have no updated_time and act_{id}/adcreatives no date filter"),
            description="Ad creatives: title, body, object type, call to action.",
        ),
        insights_stream("insights_account_daily", "account", InsightsAccountDaily, "account_id", action_types, extra, windows),
        insights_stream("insights_campaign_daily", "campaign", InsightsCampaignDaily, "campaign_id", action_types, extra, windows),
        insights_stream("insights_adset_daily", "adset", InsightsAdSetDaily, "adset_id", action_types, extra, windows),
        insights_stream("insights_ad_daily", "ad", InsightsAdDaily, "ad_id", action_types, extra, windows),
    ]


def streams_for(config: FacebookAdsConfig) -> list[Stream]:
    return build_streams(tuple(config.conversion_action_types), tuple(config.extra_metrics), insights.attribution_windows(config))
