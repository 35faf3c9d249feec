"""TikTok Ads: the TikTok API for Business (Marketing API) v1.3, declared.

Reference: https://business-api.tiktok.com/portal/docs (v1.3; base
``https://business-api.tiktok.com/open_api/v1.3/``, the token in the ``Access-Token`` header).

Per advertiser: the account (/advertiser/info/, 100 ids per request), campaigns, ad
groups and ads (/campaign/get/, /adgroup/get/, /ad/get/: page/page_size, at most 1000,
until ``data.page_info.total_page``), and daily BASIC reports at advertiser, campaign,
ad group and ad level (/report/integrated/get/, AUCTION service, dimensions
``[<level id>, "stat_time_day"]``). Objects have creation-time filters only, no
updated-since filter, so they are read in full every run, deleted and Reach & Frequency
objects included (``filtering``: STATUS_ALL, AUCTION and RESERVATION_RF; see `OBJECT_FILTER`). Reports are capped at 30 days
per request and re-read with a 7-day look-back: TikTok keeps attributing conversions
to an ad's day for that long. Metrics arrive as strings, ``"-"`` when TikTok cannot
compute one; ``stat_time_day`` is ``"YYYY-MM-DD 00:00:00"`` in the advertiser's zone.

Errors come with HTTP 200 in ``{"code", "message", "request_id", "data"}``; the code wins
over the status (return codes: https://business-api.tiktok.com/portal/docs?id=1737172488964097).
Rate limits (https://business-api.tiktok.com/portal/docs/rate-limits/v1.3): 10 requests
per second on the Basic tier (20/30/50 on higher tiers); TikTok sends no rate headers.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, AppLimits, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.extra_metrics import check_names, extra_metrics_field, with_columns
from ...framework.http import RetryPolicy
from ...framework.paginators import PageNumber, SinglePage
from ...framework.params import Batches, ForEach, WindowParams, json_list
from ...framework.records import DATE_PREFIX, EPOCH_SECONDS, Records
from ...framework.spec import Contract, Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance
from .contracts import Ad, AdDaily, AdGroup, AdGroupDaily, Advertiser, AdvertiserDaily, Campaign, CampaignDaily

MAX_PAGE_SIZE = 1000
_NUMERIC_ID = re.compile(r"^[0-9]{1,20}$")


class TikTokAdsConfig(SourceConfig):
    """Config of the ``tiktok_ads`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="Long-lived Marketing API access token, sent as the Access-Token header.")
    advertiser_ids: IdList = Field(min_length=1, description="Advertiser (ad account) ids; a list, or one comma-separated string.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page (1-1000).")
    requests_per_second: float = Field(
        default=10.0, gt=0, le=50, description="Your developer app's budget (Basic 10, Advanced 20, Premium 30, Ultimate 50 QPS)."
    )
    extra_metrics: list[str] = extra_metrics_field("TikTok (report/integrated/get/ BASIC, e.g. video_play_actions)")

    @field_validator("extra_metrics")
    @classmethod
    def _metric_names(cls, value: list[str]) -> list[str]:
        # TikTok publishes its metrics as a reference page, not a list an API serves: the
        # form is checked here, a misspelt name gets TikTok's own error at the first request.
        return check_names(value, vendor="TikTok", already=BASE_METRICS + AD_METRICS)

    @field_validator("advertiser_ids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _NUMERIC_ID.match(v)]
        if bad:
            raise ValueError(f"advertiser ids are numeric strings; not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))  # drop duplicates, keep order


API = Api(
    base_url="https://business-api.tiktok.com/open_api/v1.3/",
    auth=ApiKey("access_token", header="Access-Token"),
    errors=ErrorMap(
        # ``code`` is 0 on success (the SDK's spec: "shown only if it is an error request", so its absence is no error)
        "TikTok", code="code", ok=(0,), request_id="request_id", message=("message", "error.message"),
        codes={
            # requests made too frequently (app, advertiser), entity write conflict, maintenance, service errors
            **{code: Action.RETRY for code in (40016, 40100, 40132, 40133, 40202)}, range(50000, 100000): Action.RETRY,
            # token missing, invalid, expired or revoked; no access to the advertiser or the scope
            **{code: Action.AUTH for code in (40001, *range(40101, 40117), 40118, 40119, 40125, 40130, 40131) if code not in (40111, 40117)},
            40067: Action.SPLIT,  # the query is too large: fewer days, or fewer ids
        },
    ),
    rate=RateBudget(per_second="requests_per_second"),
    # per developer app, Basic tier; a higher tier is set in bosco.toml ([limits.tiktok_ads])
    app_limits=AppLimits(per_second=10, docs="https://business-api.tiktok.com/portal/docs/rate-limits/v1.3"),
    retry=RetryPolicy(max_attempts=6, initial_wait=1.0, max_wait=60.0),
)

PER_ADVERTISER = ForEach("advertiser_ids", "advertiser_id")
TIMES = {"create_time": "%Y-%m-%d %H:%M:%S", "modify_time": "%Y-%m-%d %H:%M:%S"}  # UTC
ACTIVE = "ENABLE"  # operation_status set by the advertiser
ACCOUNT = dict(account_name=Lookup("advertisers", "advertiser_id", "name"), currency=Lookup("advertisers", "advertiser_id", "currency"))
#: What TikTok's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="clicks on the ad (destination clicks)",
    conversions_are="conversions of the ad group's optimization event (conversion)",
    conversion_value_is="Total Complete Payment Value (total_complete_payment_rate): purchase value, despite the name",
    date_is="a day in the advertiser's time zone",
    video_views_are="video_play_actions: times the video started to play",
)
#: The metrics of every report level (names and units of TikTok's v1.3 Reporting metrics
#: reference: money in the advertiser's currency, counts, ``ctr`` in percent), spend split
#: into cash and voucher, video plays and watch depth, engagements.
BASE_METRICS = ("spend", "impressions", "clicks", "reach", "ctr", "cpc", "cpm", "conversion", "complete_payment", "total_complete_payment_rate",
                "cash_spend", "voucher_spend", "video_play_actions", "video_watched_2s", "video_watched_6s",
                "video_views_p25", "video_views_p50", "video_views_p75", "video_views_p100", "engagements")
#: Purchase, registration and lead metrics, read at ad level (the finest: they sum up the tree).
AD_METRICS = ("complete_payment_roas", "value_per_complete_payment", "registration", "total_registration", "form", "onsite_form")
LEVELS = {  # data level: (stream, id column, attribute metrics, contract, unified level)
    "AUCTION_ADVERTISER": ("report_advertiser_daily", "advertiser_id", (), AdvertiserDaily, "account"),
    "AUCTION_CAMPAIGN": ("report_campaign_daily", "campaign_id", ("campaign_name",), CampaignDaily, "campaign"),
    "AUCTION_ADGROUP": ("report_adgroup_daily", "adgroup_id", ("adgroup_name", "campaign_id", "campaign_name"), AdGroupDaily, "ad_group"),
    "AUCTION_AD": ("report_ad_daily", "ad_id", ("ad_name", "adgroup_id", "adgroup_name", "campaign_id", "campaign_name"), AdDaily, "ad"),
}


def fields(contract: type[Contract]) -> str:
    """The ``fields`` parameter: every column of the contract, as TikTok's JSON list."""
    return json_list(name for name in contract.model_fields if name != "tenant_id")


def pages(size: int):
    return lambda: PageNumber(page_size=size, total_pages_path="data.page_info.total_page")


#: ``filtering`` of /campaign/get/, /adgroup/get/ and /ad/get/ (v1.3 reference; the SDK's
#: ``FilteringCampaignGet``): without ``primary_status`` they default to STATUS_NOT_DELETE and
#: hide deleted objects, and without ``buying_types`` they leave reservation (Reach &
#: Frequency) objects out, so their spend in the reports would name no object. TopView
#: reservations cannot be combined with other buying types in one request (code 40002) and
#: are not read yet.
OBJECT_FILTER = json.dumps({"primary_status": "STATUS_ALL", "buying_types": ["AUCTION", "RESERVATION_RF"]},
                           separators=(",", ":"))


def objects(name: str, path: str, contract: type[Contract], key: str, size: int, unified: Entity) -> RestStream:
    return RestStream(
        name=name, description=f"All {name} of each advertiser (deleted and Reach & Frequency ones too), from /{path}.",
        path=path, params={"fields": fields(contract), "filtering": OBJECT_FILTER}, partitions=PER_ADVERTISER,
        records=Records("data.list", formats=TIMES),
        paginator=pages(size), contract=contract, primary_key=(key,), unified=unified,
        cursor=FullRefresh(f"/{path} documents only creation-time filters; reading everything is the only way to see edits"),
    )


def report(level: str, size: int, extra: tuple[str, ...] = ()) -> RestStream:
    name, key, attributes, contract, unified_level = LEVELS[level]
    contract = with_columns(contract, extra)  # TikTok's metrics are numbers ("-" when none)
    columns = {"campaign": "campaign_id", "campaign_name": "campaign_name", "ad_group": "adgroup_id",
               "ad_group_name": "adgroup_name", "ad": "ad_id", "ad_name": "ad_name"}
    in_row = {k: v for k, v in columns.items() if v in (key, *attributes)}
    return RestStream(
        name=name, description=f"Daily BASIC report at {level}, one row per {key} and day.", path="report/integrated/get/",
        params={"report_type": "BASIC", "service_type": "AUCTION", "data_level": level,
                "dimensions": json_list((key, "stat_time_day")),
                "metrics": json_list(BASE_METRICS + (AD_METRICS if level == "AUCTION_AD" else ()) + extra + attributes)},
        partitions=PER_ADVERTISER, window=WindowParams("start_date", "end_date"), paginator=pages(size),
        records=Records("data.list", flatten=("metrics", "dimensions"), nulls=("-",), formats={"stat_time_day": DATE_PREFIX},
                        from_partition=("advertiser_id",)),
        contract=contract, primary_key=(key, "stat_time_day"), arrow=True,
        cursor=Cursor("stat_time_day", lookback=timedelta(days=7), window=timedelta(days=30)),
        unified=Performance(unified_level, date="stat_time_day", account="advertiser_id", spend="spend", impressions="impressions",
                            clicks="clicks", conversions="conversion", conversion_value="total_complete_payment_rate",
                            video_views="video_play_actions", **ACCOUNT, **in_row, **MEANINGS),
    )


def streams(config: TikTokAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="advertisers", description="Ad account settings: name, currency, time zone, status.", path="advertiser/info/",
            params={"fields": fields(Advertiser)}, partitions=Batches("advertiser_ids", "advertiser_ids", size=100),
            records=Records("data.list", formats={"create_time": EPOCH_SECONDS}), paginator=SinglePage, contract=Advertiser,
            primary_key=("advertiser_id",), cursor=FullRefresh("/advertiser/info/ returns current settings and has no date filter"),
            unified=Entity("account", id="advertiser_id", name="name", currency="currency", timezone="timezone",
                           status="status", active_status="STATUS_ENABLE"),
        ),
        objects("campaigns", "campaign/get/", Campaign, "campaign_id", size,
                Entity("campaign", id="campaign_id", name="campaign_name", account="advertiser_id", objective="objective_type",
                       status="operation_status", active_status=ACTIVE)),
        objects("ad_groups", "adgroup/get/", AdGroup, "adgroup_id", size,
                Entity("ad_group", id="adgroup_id", name="adgroup_name", account="advertiser_id", campaign="campaign_id",
                       status="operation_status", active_status=ACTIVE)),
        objects("ads", "ad/get/", Ad, "ad_id", size,
                Entity("ad", id="ad_id", name="ad_name", account="advertiser_id", campaign="campaign_id", ad_group="adgroup_id",
                       status="operation_status", active_status=ACTIVE)),
        *(report(level, size, tuple(config.extra_metrics) if config is not None else ()) for level in LEVELS),
    ]


connector = declare(
    "tiktok_ads", title="TikTok Ads", api=API, config=TikTokAdsConfig, streams=streams, api_version="v1.3",
    docs_url="https://business-api.tiktok.com/portal/docs", category="ads",
    support_policy="https://business-api.tiktok.com/portal/docs (v1.3 is current; TikTok has announced no sunset)",
    description="TikTok Marketing API: ad accounts, campaigns, ad groups, ads and daily performance reports.",
    # A return code in TikTok's envelope, HTTP 200 (https://business-api.tiktok.com/portal/docs?id=1737172488964097).
    error_example={"code": 40001, "message": "No permission to operate advertiser 7012345678901234567.",
                   "request_id": "2026112009300001024519904410C2E1A", "data": {}},
)
source = source_function(connector)

__all__ = ["connector", "source", "TikTokAdsConfig"]
