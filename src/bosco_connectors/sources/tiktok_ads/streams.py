"""The streams of the TikTok Marketing API v1.3 that this source loads, as data.

Objects (advertisers, campaigns, ad groups, ads) are read in full on every run: TikTok
documents creation-time filters for /campaign/get/, /adgroup/get/ and /ad/get/
(``creation_filter_start_time``/``creation_filter_end_time``) but no updated-since
filter, so a cursor on ``modify_time`` could only be applied after reading everything.

Daily reports come from the synchronous report endpoint /report/integrated/get/
(https://business-api.tiktok.com/portal/docs?id=1740302848100353): BASIC report,
AUCTION service, one data level per stream, dimensions ``[<level id>, "stat_time_day"]``.
TikTok caps a ``stat_time_day`` request at 30 days, so the range is stepped in 30-day
windows; a 7-day look-back re-reads recent days whose conversions are still being
attributed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Iterable, Mapping

from ...framework import (
    Contract,
    Cursor,
    FullRefresh,
    PageNumber,
    ReadContext,
    RestStream,
    SinglePage,
    Stream,
    Window,
    parse_date,
    parse_datetime,
)
from .config import MAX_PAGE_SIZE, TikTokAdsConfig
from .contracts import (
    Ad,
    AdDaily,
    AdGroup,
    AdGroupDaily,
    Advertiser,
    AdvertiserDaily,
    Campaign,
    CampaignDaily,
)

#: /advertiser/info/ accepts at most 100 advertiser ids per request.
ADVERTISER_INFO_BATCH = 100
#: TikTok's limit for one synchronous report request that has the stat_time_day dimension.
MAX_DAILY_REPORT_DAYS = 30
DEFAULT_LOOKBACK_DAYS = 7

ADVERTISER_FIELDS = (
    "advertiser_id", "name", "currency", "timezone", "display_timezone", "status",
    "role", "company", "country", "balance", "create_time",
)
CAMPAIGN_FIELDS = (
    "campaign_id", "advertiser_id", "campaign_name", "objective_type", "operation_status",
    "secondary_status", "budget", "budget_mode", "create_time", "modify_time",
)
ADGROUP_FIELDS = (
    "adgroup_id", "advertiser_id", "campaign_id", "adgroup_name", "operation_status",
    "secondary_status", "budget", "budget_mode", "optimization_goal", "billing_event",
    "create_time", "modify_time",
)
AD_FIELDS = (
    "ad_id", "advertiser_id", "campaign_id", "campaign_name", "adgroup_id", "adgroup_name",
    "ad_name", "operation_status", "secondary_status", "ad_text", "landing_page_url",
    "create_time", "modify_time",
)

#: Metrics read at every level. ``total_complete_payment_rate`` is TikTok's "Total
#: Complete Payment Value" (purchase value), the conversion value of the unified model.
BASE_METRICS = (
    "spend", "impressions", "clicks", "reach", "ctr", "cpc", "cpm",
    "conversion", "complete_payment", "total_complete_payment_rate",
)
#: Attribute metrics per data level: names of the level and its parents, for roll-ups.
ATTRIBUTE_METRICS: dict[str, tuple[str, ...]] = {
    "AUCTION_ADVERTISER": (),
    "AUCTION_CAMPAIGN": ("campaign_name",),
    "AUCTION_ADGROUP": ("adgroup_name", "campaign_id", "campaign_name"),
    "AUCTION_AD": ("ad_name", "adgroup_id", "adgroup_name", "campaign_id", "campaign_name"),
}
LEVEL_ID = {
    "AUCTION_ADVERTISER": "advertiser_id",
    "AUCTION_CAMPAIGN": "campaign_id",
    "AUCTION_ADGROUP": "adgroup_id",
    "AUCTION_AD": "ad_id",
}

#: TikTok renders a metric it cannot compute (e.g. a rate over zero) as "-".
EMPTY_METRIC = "-"


def _json_list(values: Iterable[str]) -> str:
    """TikTok takes list parameters as JSON-encoded arrays in the query string."""
    return json.dumps(list(values), separators=(",", ":"))


# -- partitions ---------------------------------------------------------------------------


def per_advertiser(config: TikTokAdsConfig) -> list[Mapping[str, Any]]:
    return [{"advertiser_id": advertiser_id} for advertiser_id in config.advertiser_ids]


def advertiser_batches(config: TikTokAdsConfig) -> list[Mapping[str, Any]]:
    ids = config.advertiser_ids
    return [
        {"advertiser_ids": _json_list(ids[i : i + ADVERTISER_INFO_BATCH])}
        for i in range(0, len(ids), ADVERTISER_INFO_BATCH)
    ]


# -- record shaping -----------------------------------------------------------------------


def _object(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """Objects: times become UTC datetimes (TikTok sends ``YYYY-MM-DD HH:MM:SS``, UTC)."""
    for key in ("create_time", "modify_time"):
        if record.get(key):
            record[key] = parse_datetime(record[key])
    return record


def _advertiser(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    created = record.get("create_time")
    if isinstance(created, (int, float)) or (isinstance(created, str) and created.isdigit()):
        record["create_time"] = datetime.fromtimestamp(int(created), tz=timezone.utc)
    return record


def flatten_report_row(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """``{"dimensions": {...}, "metrics": {...}}`` -> one flat row with the partition's advertiser."""
    row: dict[str, Any] = {
        key: (None if value == EMPTY_METRIC else value) for key, value in (record.get("metrics") or {}).items()
    }
    row.update(record.get("dimensions") or {})
    row["advertiser_id"] = ctx.partition.get("advertiser_id") or row["advertiser_id"]  # an Id: the contract renders it
    row["stat_time_day"] = parse_date(row["stat_time_day"])
    return row


def report_columns(raw: list[dict[str, Any]], ctx: ReadContext) -> dict[str, list[Any]]:
    """`flatten_report_row` applied to a whole page at once, column by column.

    Same values, without a dict per row: a 1,000-row page becomes one list per field,
    which Arrow reads directly (`columns_to_arrow`). Report pages are most of a sync's rows.
    """
    metrics = [r.get("metrics") or {} for r in raw]
    dimensions = [r.get("dimensions") or {} for r in raw]
    columns: dict[str, list[Any]] = {}
    for name in set().union(*metrics):
        values = [m.get(name) for m in metrics]
        if EMPTY_METRIC in values:
            values = [None if v == EMPTY_METRIC else v for v in values]
        columns[name] = values
    for name in set().union(*dimensions):  # dimensions win over a metric of the same name
        below = columns.get(name) or [None] * len(raw)
        columns[name] = [d[name] if name in d else v for d, v in zip(dimensions, below)]
    advertiser_id = ctx.partition.get("advertiser_id")
    if advertiser_id:  # ids are the contract's business (`Id`), whatever type the row sent
        columns["advertiser_id"] = [advertiser_id] * len(raw)
    columns["stat_time_day"] = [_day_of(v) if isinstance(v, str) else parse_date(v) for v in columns["stat_time_day"]]
    return columns


@lru_cache(maxsize=4096)
def _day_of(text: str) -> date:
    """A report has a few distinct days and very many rows: parse each day string once."""
    return parse_date(text)


@dataclass(kw_only=True)
class ReportStream(RestStream):
    """A daily report stream: each page becomes one Arrow table, built column by column.

    ``transform`` (`flatten_report_row`) states the row mapping; `shape` applies the
    same mapping to the page's columns (`report_columns`), which is several times faster.
    """

    def shape(self, raw: list[dict[str, Any]], ctx: ReadContext) -> Any:
        if not raw:
            return []
        from ...framework.arrow import columns_to_arrow  # pyarrow: not on `bosco-sync sources`'s path

        return columns_to_arrow(report_columns(raw, ctx), len(raw), self.contract, self.name)


# -- stream builders ----------------------------------------------------------------------


def _pages(page_size: int):
    return lambda: PageNumber(page_size=page_size, total_pages_path="data.page_info.total_page")


def _report_window(window: Window) -> dict[str, str]:
    return {"start_date": window.start.isoformat(), "end_date": window.end.isoformat()}


def report_stream(name: str, data_level: str, contract: type[Contract], page_size: int) -> ReportStream:
    level_id = LEVEL_ID[data_level]
    params = {
        "report_type": "BASIC",
        "service_type": "AUCTION",
        "data_level": data_level,
        "dimensions": _json_list((level_id, "stat_time_day")),
        "metrics": _json_list(BASE_METRICS + ATTRIBUTE_METRICS[data_level]),
    }
    return ReportStream(
        name=name,
        description=f"Daily BASIC report at {data_level}, one row per {level_id} and day.",
        path="report/integrated/get/",
        params=params,
        partitions=per_advertiser,
        window_params=_report_window,
        records="data.list",
        paginator=_pages(page_size),
        transform=flatten_report_row,
        contract=contract,
        primary_key=(level_id, "stat_time_day"),
        cursor=Cursor(
            "stat_time_day",
            kind="date",
            lookback=timedelta(days=DEFAULT_LOOKBACK_DAYS),
            window=timedelta(days=MAX_DAILY_REPORT_DAYS),
        ),
        arrow=True,
    )


def object_stream(name: str, path: str, fields: tuple[str, ...], contract: type[Contract], key: str, page_size: int) -> RestStream:
    return RestStream(
        name=name,
        description=f"All {name} of each advertiser, from /{path}.",
        path=path,
        params={"fields": _json_list(fields)},
        partitions=per_advertiser,
        records="data.list",
        paginator=_pages(page_size),
        transform=_object,
        contract=contract,
        primary_key=(key,),
        cursor=FullRefresh(
            f"/{path} documents only creation-time filters, no modified-since filter; "
            "reading everything is the only way to see edits to older objects"
        ),
    )


def build_streams(page_size: int = MAX_PAGE_SIZE) -> list[Stream]:
    """Every stream of the source; ``page_size`` comes from config (1-1000)."""
    return [
        RestStream(
            name="advertisers",
            description="Ad account settings: name, currency, time zone, status.",
            path="advertiser/info/",
            params={"fields": _json_list(ADVERTISER_FIELDS)},
            partitions=advertiser_batches,
            records="data.list",
            paginator=SinglePage,
            transform=_advertiser,
            contract=Advertiser,
            primary_key=("advertiser_id",),
            cursor=FullRefresh("/advertiser/info/ returns current account settings and has no date filter"),
        ),
        object_stream("campaigns", "campaign/get/", CAMPAIGN_FIELDS, Campaign, "campaign_id", page_size),
        object_stream("ad_groups", "adgroup/get/", ADGROUP_FIELDS, AdGroup, "adgroup_id", page_size),
        object_stream("ads", "ad/get/", AD_FIELDS, Ad, "ad_id", page_size),
        report_stream("report_advertiser_daily", "AUCTION_ADVERTISER", AdvertiserDaily, page_size),
        report_stream("report_campaign_daily", "AUCTION_CAMPAIGN", CampaignDaily, page_size),
        report_stream("report_adgroup_daily", "AUCTION_ADGROUP", AdGroupDaily, page_size),
        report_stream("report_ad_daily", "AUCTION_AD", AdDaily, page_size),
    ]


def streams_for(config: TikTokAdsConfig) -> list[Stream]:
    return build_streams(config.page_size)
