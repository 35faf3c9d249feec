"""The streams of the google_ads source: one GAQL query each, read per customer.

Every stream is a ``googleAds:searchStream`` query (GAQL,
https://developers.google.com/google-ads/api/docs/query/overview) sent once per client
customer and date window. Objects (customers, campaigns, ad groups, ads, keywords) are
read in full every run: GAQL has no "changed since" filter on these resources. Daily
reports select ``segments.date`` and filter ``segments.date BETWEEN 'start' AND 'end'``;
they are incremental on that date with a 14-day look-back (conversions are attributed to
the click's day and keep arriving for weeks), stepped in ``window_days`` windows (90 by
default) so one response never holds years of rows, and handed to dlt as Arrow tables.

searchStream has no pagination: one request returns the whole result as a stream of
batches (Google sends up to 10,000 rows per batch). Each batch becomes one page here.

Customers come from config, or from walking the manager account, which needs a request:
so the reader cannot list them up front. When they are not listed in config, a stream is
split into ``max_workers`` shards and shard *i* reads every *n*-th customer of the
(cached) walk, which keeps customers read concurrently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterator, Mapping, Sequence

from ...framework import AuthError, Contract, Cursor, FullRefresh, ReadContext, Stream
from ...framework.extra_metrics import with_columns
from ...framework.records import MICROS
from ...framework.unified import Entity, Lookup, Performance
from .client import SKIPPED_CUSTOMER_CODES
from .config import GoogleAdsConfig
from .contracts import (
    Ad,
    AdDaily,
    AdGroup,
    AdGroupDaily,
    Campaign,
    CampaignDaily,
    Customer,
    Keyword,
    KeywordDaily,
    SearchTermDaily,
)
from . import metrics_v26
from .gaql import F, Field, Share, build_query, flatten

log = logging.getLogger("bosco_connectors.sources.google_ads")

DEFAULT_LOOKBACK_DAYS = 14

# -- fields ---------------------------------------------------------------------------------

CUSTOMER = F("customer.id")
CAMPAIGN = F("campaign.id")
AD_GROUP = F("ad_group.id")
CURRENCY = F("customer.currency_code", "currency_code")

#: The daily metrics of the unified ad-reporting grain; cost_micros also yields ``cost``.
METRICS: tuple[Field, ...] = (
    F("segments.date", kind=date),
    F("metrics.cost_micros", kind=int),
    F("metrics.impressions", kind=int),
    F("metrics.clicks", kind=int),
    F("metrics.conversions", kind=float),
    F("metrics.conversions_value", kind=float),
)

#: More metrics of the campaign, ad group and ad reports (the ones other connectors read):
#: view-through conversions (an ad seen, not clicked, then a conversion), every conversion
#: action (``all_*``, also those not counted in Conversions), interactions (clicks, video
#: views, engagements: the channel's main interaction) and TrueView video views
#: (``video_trueview_views``: v26's name of what was ``video_views`` before v21).
UNIFIED_METRICS: tuple[Field, ...] = (
    F("metrics.view_through_conversions", kind=int),
    F("metrics.all_conversions", kind=float),
    F("metrics.all_conversions_value", kind=float),
    F("metrics.interactions", kind=int),
    F("metrics.video_trueview_views", kind=int),
)
#: Search impression share, campaign level: a fraction from 0.1 to 1; Google reports any
#: share below 10% as 0.0999 ("< 10%"), and leaves it out where it does not apply (NULL).
SEARCH_IMPRESSION_SHARE = F("metrics.search_impression_share", kind=Share)

CUSTOMER_FIELDS = (
    CUSTOMER,
    F("customer.descriptive_name", "descriptive_name"),
    CURRENCY,
    F("customer.time_zone", "time_zone"),
    F("customer.manager", "manager", bool),
    F("customer.test_account", "test_account", bool),
    F("customer.status", "status"),
    F("customer.auto_tagging_enabled", "auto_tagging_enabled", bool),
)
CAMPAIGN_FIELDS = (
    CUSTOMER,
    CAMPAIGN,
    F("campaign.name"),
    F("campaign.status", "status"),
    F("campaign.advertising_channel_type", "advertising_channel_type"),
    F("campaign.bidding_strategy_type", "bidding_strategy_type"),
    F("campaign.start_date_time", "start_date_time"),
    F("campaign.end_date_time", "end_date_time"),
    F("campaign_budget.amount_micros", "budget_amount_micros", int),
)
AD_GROUP_FIELDS = (
    CUSTOMER,
    CAMPAIGN,
    AD_GROUP,
    F("ad_group.name"),
    F("ad_group.status", "status"),
    F("ad_group.type", "type"),
    F("ad_group.cpc_bid_micros", "cpc_bid_micros", int),
)
AD_FIELDS = (
    CUSTOMER,
    CAMPAIGN,
    AD_GROUP,
    F("ad_group_ad.ad.id", "ad_id"),
    F("ad_group_ad.ad.name", "ad_name"),
    F("ad_group_ad.ad.type", "ad_type"),
    F("ad_group_ad.status", "status"),
    F("ad_group_ad.ad.final_urls", "final_urls", list),
)
KEYWORD_FIELDS = (
    CUSTOMER,
    CAMPAIGN,
    AD_GROUP,
    F("ad_group_criterion.criterion_id", "criterion_id"),
    F("ad_group_criterion.keyword.text", "keyword_text"),
    F("ad_group_criterion.keyword.match_type", "keyword_match_type"),
    F("ad_group_criterion.status", "status"),
    F("ad_group_criterion.negative", "negative", bool),
    F("ad_group_criterion.cpc_bid_micros", "cpc_bid_micros", int),
    F("ad_group_criterion.quality_info.quality_score", "quality_score", int),
)


# -- the stream type ------------------------------------------------------------------------


def customer_partitions(config: GoogleAdsConfig) -> list[Mapping[str, Any]]:
    """One partition per configured customer, or ``max_workers`` shards of the manager walk."""
    if config.customer_ids:
        return [{"customer_id": customer_id} for customer_id in config.customer_ids]
    shards = config.max_workers
    return [{"shard": i, "shards": shards} for i in range(shards)]


@dataclass(kw_only=True)
class GaqlStream(Stream):
    """A GAQL query against ``FROM resource``, flattened into one table."""

    resource: str
    fields: Sequence[Field]
    where: Sequence[str] = ()
    #: Filter on ``segments.date`` with the read window (daily reports).
    dated: bool = False
    #: Values for key columns Google may leave out (a search term with no matched keyword).
    defaults: Mapping[str, Any] = field(default_factory=dict)
    partitions: Any = customer_partitions

    kind = "gaql"

    def query(self, ctx: ReadContext) -> str:
        start, end = (ctx.window.start, ctx.window.end) if self.dated else (None, None)
        return build_query(self.resource, self.fields, self.where, start, end)

    def customers(self, ctx: ReadContext) -> list[str]:
        if "customer_id" in ctx.partition:
            return [ctx.partition["customer_id"]]
        walked = ctx.client.customers.customer_ids()
        return walked[ctx.partition["shard"] :: ctx.partition["shards"]]

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        query = self.query(ctx)
        for customer_id in self.customers(ctx):
            try:
                for batch in ctx.client.search_stream(customer_id, query, stream=self.name):
                    rows = [self.shape_row(row) for row in batch.get("results") or []]
                    if rows:
                        yield rows
            except AuthError as exc:
                if exc.vendor_code not in SKIPPED_CUSTOMER_CODES:
                    raise
                # One customer under the manager the user may not read (or a closed one): the
                # others load, and the run says it was partial.
                line = f"google_ads/{self.name}: skipped customer {customer_id}: {exc.vendor_code}"
                log.warning("%s (the other customers load; the run is reported partial)", line)
                ctx.client.stats.skip(line)

    def shape_row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        record = flatten(row, self.fields)
        for column, default in self.defaults.items():
            if record.get(column) is None:
                record[column] = default
        return record


def object_stream(name: str, resource: str, fields: Sequence[Field], contract: type[Contract], key: tuple[str, ...], where: Sequence[str] = (), description: str = "",
                  unified: Entity | None = None) -> GaqlStream:
    return GaqlStream(
        name=name,
        description=description or f"Every {resource} of each customer.",
        resource=resource,
        fields=fields,
        where=where,
        contract=contract,
        primary_key=key,
        cursor=FullRefresh(f"GAQL has no changed-since filter on {resource}; every run reads the current state"),
        unified=unified,
    )


def extra_metric_fields(names: Sequence[str]) -> tuple[Field, ...]:
    """``extra_metrics`` as GAQL fields, each of its v26 kind (an absent double is NULL: it may be a share)."""
    def kind(name: str) -> type:
        return int if name in metrics_v26.INT64 else Share if name in metrics_v26.DOUBLE else str
    return tuple(F(f"metrics.{name}", kind=kind(name)) for name in names)


def daily_stream(name: str, resource: str, fields: Sequence[Field], contract: type[Contract], key: tuple[str, ...], window_days: int, description: str,
                 unified: Performance | None = None, more: Sequence[Field] = ()) -> GaqlStream:
    return GaqlStream(
        name=name,
        description=description,
        resource=resource,
        fields=(*fields, CURRENCY, *METRICS, *more),
        dated=True,
        contract=contract,
        primary_key=(*key, "date"),
        cursor=Cursor("date", kind="date", lookback=timedelta(days=DEFAULT_LOOKBACK_DAYS), window=timedelta(days=window_days)),
        arrow=True,
        unified=unified,
    )


# -- the unified mapping (generates the staging recipes) -------------------------------------

ENABLED = "ENABLED"
#: The report columns of every level; names the report lacks come from the object tables.
REPORTED = dict(
    date="date", account="customer_id", spend="cost_micros", spend_unit=MICROS, impressions="impressions", clicks="clicks",
    conversions="conversions", conversion_value="conversions_value", currency="currency_code",
    account_name=Lookup("customers", "customer_id", "descriptive_name"),
    date_is="a day in the customer's time zone", clicks_are="metrics.clicks",
    conversions_are="metrics.conversions: the conversion actions the account counts in Conversions",
    conversion_value_is="metrics.conversions_value, in the customer's currency",
    view_through_conversions="view_through_conversions", video_views="video_trueview_views",
    video_views_are="metrics.video_trueview_views: TrueView views of video ads",
)
CAMPAIGN_NAME = Lookup("campaigns", "campaign_id", "campaign_name", on="campaign")


def build_streams(window_days: int = 90, extra_metrics: Sequence[str] = ()) -> list[Stream]:
    """The streams; `extra_metrics` (v26 metric names) are read by every daily report."""
    keyword_key = ("customer_id", "ad_group_id", "criterion_id")
    extra = extra_metric_fields(extra_metrics)
    streams = [
        object_stream("customers", "customer", CUSTOMER_FIELDS, Customer, ("customer_id",),
                      description="Each client account: name, currency, time zone, status.",
                      unified=Entity("account", id="customer_id", name="descriptive_name", currency="currency_code",
                                     timezone="time_zone", status="status", active_status=ENABLED)),
        object_stream("campaigns", "campaign", CAMPAIGN_FIELDS, Campaign, ("customer_id", "campaign_id"),
                      unified=Entity("campaign", id="campaign_id", name="campaign_name", account="customer_id",
                                     objective="advertising_channel_type", status="status", active_status=ENABLED)),
        object_stream("ad_groups", "ad_group", AD_GROUP_FIELDS, AdGroup, ("customer_id", "ad_group_id"),
                      unified=Entity("ad_group", id="ad_group_id", name="ad_group_name", account="customer_id",
                                     campaign="campaign_id", status="status", active_status=ENABLED)),
        object_stream("ads", "ad_group_ad", AD_FIELDS, Ad, ("customer_id", "ad_group_id", "ad_id"),
                      unified=Entity("ad", id="ad_id", name="ad_name", account="customer_id", campaign="campaign_id",
                                     ad_group="ad_group_id", status="status", active_status=ENABLED)),
        object_stream("keywords", "ad_group_criterion", KEYWORD_FIELDS, Keyword, keyword_key,
                      where=("ad_group_criterion.type = 'KEYWORD'",), description="Keyword criteria of every ad group."),
        daily_stream("campaign_daily", "campaign", (CUSTOMER, CAMPAIGN, F("campaign.name")), CampaignDaily,
                     ("customer_id", "campaign_id"), window_days, "Campaign performance per day.",
                     unified=Performance("campaign", campaign="campaign_id", campaign_name="campaign_name",
                                         sums_into=("account",), **REPORTED),
                     more=(*UNIFIED_METRICS, SEARCH_IMPRESSION_SHARE)),
        daily_stream("ad_group_daily", "ad_group", (CUSTOMER, CAMPAIGN, AD_GROUP, F("ad_group.name")), AdGroupDaily,
                     ("customer_id", "ad_group_id"), window_days, "Ad group performance per day.",
                     unified=Performance("ad_group", campaign="campaign_id", campaign_name=CAMPAIGN_NAME, ad_group="ad_group_id",
                                         ad_group_name="ad_group_name", **REPORTED),
                     more=UNIFIED_METRICS),
        daily_stream("ad_daily", "ad_group_ad", (CUSTOMER, CAMPAIGN, AD_GROUP, F("ad_group_ad.ad.id", "ad_id")), AdDaily,
                     ("customer_id", "ad_group_id", "ad_id"), window_days, "Ad performance per day.",
                     unified=Performance("ad", campaign="campaign_id", campaign_name=CAMPAIGN_NAME, ad_group="ad_group_id",
                                         ad_group_name=Lookup("ad_groups", "ad_group_id", "ad_group_name", on="ad_group"),
                                         ad="ad_id", ad_name=Lookup("ads", ("ad_group_id", "ad_id"), "ad_name", on=("ad_group", "ad")),
                                         grain=("ad_group", "ad"), **REPORTED),
                     more=UNIFIED_METRICS),
        daily_stream("keyword_daily", "keyword_view",
                     (CUSTOMER, CAMPAIGN, AD_GROUP, F("ad_group_criterion.criterion_id", "criterion_id"),
                      F("ad_group_criterion.keyword.text", "keyword_text"),
                      F("ad_group_criterion.keyword.match_type", "keyword_match_type")),
                     KeywordDaily, keyword_key, window_days, "Keyword performance per day (keyword_view)."),
        _search_terms(window_days),
    ]
    for stream in streams:
        if isinstance(stream, GaqlStream) and stream.dated and extra:
            read = {f.column for f in stream.fields}
            added = tuple(f for f in extra if f.column not in read)
            stream.fields = (*stream.fields, *added)
            stream.contract = with_columns(stream.contract, tuple(f.column for f in added),
                                           tuple(float if f.kind is Share else f.kind for f in added))
    return streams


def _search_terms(window_days: int) -> GaqlStream:
    stream = daily_stream(
        "search_terms",
        "search_term_view",
        (CUSTOMER, CAMPAIGN, AD_GROUP, F("search_term_view.search_term", "search_term"),
         F("search_term_view.status", "search_term_status"),
         F("segments.keyword.info.text", "keyword_text"), F("segments.keyword.info.match_type", "keyword_match_type")),
        SearchTermDaily,
        ("customer_id", "ad_group_id", "search_term", "keyword_text", "keyword_match_type"),
        window_days,
        "What people searched, per ad group, matched keyword and day (search_term_view).",
    )
    stream.defaults = {"keyword_text": "", "keyword_match_type": ""}
    return stream


def streams_for(config: GoogleAdsConfig) -> list[Stream]:
    return build_streams(config.window_days, tuple(config.extra_metrics))
