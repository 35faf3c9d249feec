"""Reddit Ads: the Reddit Ads API v3, declared.

Reference: https://ads-api.reddit.com/docs/v3/ (v3, base ``https://ads-api.reddit.com/api/v3``).
v2 was sunset on 2025-09-30 (its public endpoints answer ``410 GONE``); v3 is the only
version. Reddit's operation pages render in the browser and are not stored here: every
shape below follows open connectors that run against the real API, at least two that
agree per shape (Airbyte's source-reddit-ads manifest and tests, PostHog's reddit_ads
source, OWOX Data Marts' RedditAds connector, whose field tables quote the v3 reference,
and adloop's Reddit tools, checked live), as ``cassettes/reddit_ads/SOURCES.md`` says body
by body.

OAuth 2.0: a refresh token exchanged at ``https://www.reddit.com/api/v1/access_token``, the
app's client id and secret as HTTP basic auth; Reddit wants a descriptive User-Agent of the
app on every request, the token request included.

Per configured ad account (``a2_...``): the account (``GET ad_accounts/{id}``: currency,
time zone, attribution settings), its campaigns, ad groups and ads
(``GET ad_accounts/{id}/campaigns|ad_groups|ads``, ``page.size``, records under ``data``,
then ``pagination.next_url``, followed as given, until an answer has none). The lists take
no updated-since filter: objects are read in full every run; a deleted or archived object
stays with its ``configured_status``.

Daily reports: ``POST ad_accounts/{id}/reports`` with a JSON body
``{"data": {"fields": [...], "breakdowns": [...], "starts_at", "ends_at", "time_zone_id"}}``,
rows under ``data.metrics`` (lower-case names), the next page by the same POST body sent to
``pagination.next_url``. A report takes at most three breakdowns:
``CAMPAIGN_ID, DATE`` per campaign, and ``AD_ID, AD_GROUP_ID, DATE`` per ad (the finest
level; the ad's campaign is joined from the ad groups). ``time_zone_id`` is the ad account's
zone, so a DATE row is the account's day; ``starts_at``/``ends_at`` are UTC instants on the
hour, the local midnights of the first and of the last day (Reddit reads through the day
``ends_at`` opens; in a zone off the hour the partial days around the window are dropped).
Reddit keeps 24 months of report data. Windows are 30 days (no cap is documented). The
look-back is 28 days, the longest and default click-through attribution window Reddit
offers (1, 7 or 28 days; view-through 1 day by default, never longer than the click
window), from Reddit's "Web Attribution" help page, stored here only as a copy:
https://papaya-kheer-4b8a70.netlify.app/signals/signal-measurement/attribution ; a day's
conversions settle within it (Fivetran's connector re-reads 30 days a day for the same reason:
https://fivetran.com/docs/applications/reddit-ads/api-config). Reports use the ad account's own attribution settings (the
request has no parameter to pin others). Money: ``spend`` in micro-currency,
``conversion_purchase_total_value`` in cents, both of the account's currency; loaded in
currency units as exact decimals.

Errors: ``{"error": {"code", "message"}}`` (400, 404), ``{"success": false, "error":
{"reason", "explanation"}}`` (403: no access to the account or no ``adsread`` scope: that
account is skipped), and Reddit's platform envelope ``{"message", "error": <status>}``
(401, 429; a 429 carries no Retry-After, only a ``RateLimit`` header, so the client backs
off on its own). Limits: 60 report requests and 400 object reads per minute; one request per
second for the whole source is the default budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.http import RetryPolicy
from ...framework.paginators import NextUrlInBody, PageRequest, SinglePage
from ...framework.params import DATETIME, ForEach, FromParent, WindowParams
from ...framework.records import CENTS, MICROS, Records
from ...framework.spec import Contract, Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance
from .contracts import Ad, AdAccount, AdDaily, AdGroup, Campaign, CampaignDaily

TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
#: The page size the open connectors send (Reddit's maximum is not in the stored material).
MAX_PAGE = 100
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class RedditAdsConfig(SourceConfig):
    """Config of the ``reddit_ads`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="App ID of your Reddit developer app (Business Manager > Developer Portal).")
    client_secret: SecretStr = Field(description="Secret of the app.")
    refresh_token: SecretStr = Field(description="Refresh token of a Reddit user with access to the ad accounts (adsread scope).")
    user_agent: str = Field(min_length=3, description="Your app's User-Agent, e.g. 'web:acme-sync:1.0 (by /u/acme)': Reddit "
                                                      "limits generic ones.")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint.")
    ad_account_ids: IdList = Field(min_length=1, description="Ad account ids (a2_...); a list, or one comma-separated string.")
    page_size: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE, description="Objects per page (page.size).")
    requests_per_second: float = Field(default=1.0, gt=0, le=6.0,
                                       description="One budget for all requests: reports allow 60 a minute, object reads 400.")

    @field_validator("ad_account_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _ACCOUNT_ID.match(v)]
        if bad:
            raise ValueError(f"ad account ids look like a2_abc123 (Reddit Ads Manager shows them); not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))


def user_agent(config: Any) -> dict[str, str]:
    return {"User-Agent": config.user_agent}


API = Api(
    base_url="https://ads-api.reddit.com/api/v3/",
    auth=RefreshToken(TOKEN_URL, client_auth="basic", token_headers=user_agent),
    headers=user_agent,
    errors=ErrorMap(
        # ``error.code`` repeats the HTTP status, ``error.reason`` names it (UNAUTHORIZED, BAD_REQUEST);
        # Reddit's platform envelope puts the status in ``error`` itself
        "Reddit", code=("error.code", "error.reason", "error"), message=("error.message", "error.explanation", "message", "error_description"),
        codes={401: Action.AUTH, 403: Action.SKIP, 429: Action.RETRY, range(500, 600): Action.RETRY},
        statuses={403: Action.SKIP},
        hints={Action.AUTH: "check the app's client id and secret, the refresh token and its adsread scope",
               Action.SKIP: "the token's Reddit user has no access to this ad account, or the token lacks the adsread scope"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
    retry=RetryPolicy(max_attempts=6, initial_wait=1.0, max_wait=60.0),
)

PER_ACCOUNT = ForEach("ad_account_ids", "ad_account_id")
ACTIVE = "ACTIVE"
#: Report fields (two open connectors request each); rows carry them in lower case.
FIELDS = ("SPEND", "IMPRESSIONS", "CLICKS", "REACH", "FREQUENCY", "KEY_CONVERSION_TOTAL_COUNT", "KEY_CONVERSION_CLICKS",
          "KEY_CONVERSION_VIEWS", "CONVERSION_PURCHASE_CLICKS", "CONVERSION_PURCHASE_VIEWS", "CONVERSION_PURCHASE_TOTAL_ITEMS",
          "CONVERSION_PURCHASE_TOTAL_VALUE", "CONVERSION_ROAS", "CURRENCY")
MONEY = {"spend": MICROS, "conversion_purchase_total_value": CENTS}


def next_url() -> NextUrlInBody:
    """``pagination.next_url``, followed as given (the client refuses one on another host)."""
    return NextUrlInBody("pagination.next_url")


# -- the report window: local days of the ad account ------------------------------------------


class AccountDays(WindowParams):
    """``data.starts_at``/``data.ends_at``: the local midnights of the window's first and last
    day in the partition's ``time_zone_id``, written as UTC instants on the hour (Reddit refuses
    minutes); ``data.time_zone_id``: that zone, in which Reddit cuts the DATE rows.

    In a zone off the hour (Asia/Kolkata) the start is floored and the end raised to the hour,
    so the first and last days are read whole; the slivers of the day before and after come
    back as partial rows, which `in_window` drops."""

    def __init__(self) -> None:
        super().__init__("data.starts_at", "data.ends_at", format=DATETIME, in_body=True)

    def apply(self, params: dict[str, Any], window: Any) -> None:
        name = params.pop("time_zone_id", None) or "UTC"
        if window.start is None:
            return
        zone = _zone(name)
        data = params.setdefault("data", {})
        data["starts_at"] = utc_hour(local_midnight(_day(window.start), zone))
        if window.end is not None:
            data["ends_at"] = utc_hour(local_midnight(_day(window.end), zone), up=True)
        data["time_zone_id"] = name

    def parse(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        """The first and last local days a request asked for (what the kit and the fake compare)."""
        data = params.get("data") if isinstance(params.get("data"), Mapping) else {}
        zone = _zone(data.get("time_zone_id"))
        return (_local_day(data.get("starts_at"), zone, timedelta(minutes=59)), _local_day(data.get("ends_at"), zone))


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def utc_hour(moment: datetime, *, up: bool = False) -> str:
    """``2026-11-01T07:00:00Z``: the instant in UTC on the hour, floored (or raised, `up`)."""
    utc = moment.astimezone(timezone.utc)
    hour = utc.replace(minute=0, second=0, microsecond=0)
    if up and hour < utc:
        hour += timedelta(hours=1)
    return hour.strftime("%Y-%m-%dT%H:00:00Z")


def _local_day(value: Any, zone: ZoneInfo, shift: timedelta = timedelta(0)) -> str | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return (moment + shift).astimezone(zone).date().isoformat()


def in_window(page: Any, ctx: ReadContext) -> Any:
    """Rows of the requested days only (a zone off the hour brings a partial day on either side)."""
    start, end = ctx.window.start, ctx.window.end
    if start is None or not len(page):
        return page
    first, last = _day(start), _day(end) if end is not None else None
    if hasattr(page, "filter"):  # an Arrow table
        import pyarrow.compute as pc

        keep = pc.greater_equal(page["date"], first)
        if last is not None:
            keep = pc.and_(keep, pc.less_equal(page["date"], last))
        return page.filter(keep)
    return [row for row in page if first <= row["date"] and (last is None or row["date"] <= last)]


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Reddit sent an ad account time zone this system does not know: {name!r}") from None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass(kw_only=True)
class Report(RestStream):
    """POST ad_accounts/{id}/reports: the next page is the same POST body sent to the answer's
    ``pagination.next_url`` (which carries ``page.token``)."""

    method: str = "POST"

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        body = self.request_params(ctx, PageRequest())
        return ctx.client.post(page.url or self.request_path(ctx), stream=self.name, json=body)


# -- streams ------------------------------------------------------------------------------------


def objects(name: str, path: str, contract: type[Contract], size: int, unified: Entity, money: tuple[str, ...] = ()) -> RestStream:
    return RestStream(
        name=name, description=f"Every {name.replace('_', ' ')[:-1]} of each ad account.", path=f"ad_accounts/{{ad_account_id}}/{path}",
        params={"page.size": size}, partitions=PER_ACCOUNT, paginator=next_url,
        records=Records("data", units=dict.fromkeys(money, MICROS), from_partition=("ad_account_id",)),
        contract=contract, primary_key=("id",), unified=unified,
        cursor=FullRefresh("the list endpoints take no updated-since filter: every run reads all"),
    )


ACCOUNT = dict(account_name=Lookup("ad_accounts", "id", "name"), currency=Lookup("ad_accounts", "id", "currency"))
#: What Reddit's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="clicks on the ad (Reddit's CLICKS)",
    conversions_are="key_conversion_total_count: conversions of the ad account's key conversion event, click- and view-through "
                    "under the account's attribution settings (default 28 days after a click, 1 day after a view)",
    conversion_value_is="conversion_purchase_total_value: the value of purchase conversions (sent in cents, loaded in currency "
                        "units); not the key conversion's value",
    date_is="a day in the ad account's time zone (the report's time_zone_id)",
)
METRICS = dict(spend="spend", impressions="impressions", clicks="clicks", conversions="key_conversion_total_count",
               conversion_value="conversion_purchase_total_value")


def report(name: str, breakdowns: tuple[str, ...], contract: type[Contract], key: tuple[str, ...], accounts: RestStream,
           unified: Performance) -> Report:
    return Report(
        name=name, description=f"Daily report, breakdowns {', '.join(breakdowns)}: one row per {key[0].removesuffix('_id')} and day.",
        path="ad_accounts/{ad_account_id}/reports", params={"data": {"fields": list(FIELDS), "breakdowns": list(breakdowns)}},
        partitions=FromParent(accounts, {"ad_account_id": "id", "time_zone_id": "time_zone_id"}), window=AccountDays(),
        paginator=next_url,
        records=Records("data.metrics", units=MONEY, from_partition=("ad_account_id",)),
        contract=contract, primary_key=(*key, "date"), arrow=True, keep=in_window,
        cursor=Cursor("date", lookback=timedelta(days=28), window=timedelta(days=30)),
        unified=unified,
    )


def streams(config: RedditAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE
    accounts = RestStream(
        name="ad_accounts", description="Each ad account: currency, time zone, attribution settings.", path="ad_accounts/{ad_account_id}",
        partitions=PER_ACCOUNT, paginator=SinglePage, records=Records("data"), contract=AdAccount, primary_key=("id",),
        cursor=FullRefresh("one object per account, read whole"),
        unified=Entity("account", id="id", name="name", currency="currency", timezone="time_zone_id"),
    )
    campaign_name = Lookup("campaigns", "id", "name", on="campaign")
    return [
        accounts,
        objects("campaigns", "campaigns", Campaign, size,
                Entity("campaign", id="id", name="name", account="ad_account_id", objective="objective",
                       status="configured_status", active_status=ACTIVE), money=("spend_cap",)),
        objects("ad_groups", "ad_groups", AdGroup, size,
                Entity("ad_group", id="id", name="name", account="ad_account_id", campaign="campaign_id",
                       status="configured_status", active_status=ACTIVE), money=("bid_value",)),
        objects("ads", "ads", Ad, size,
                Entity("ad", id="id", name="name", account="ad_account_id", campaign="campaign_id", ad_group="ad_group_id",
                       status="configured_status", active_status=ACTIVE)),
        report("campaign_daily", ("CAMPAIGN_ID", "DATE"), CampaignDaily, ("campaign_id",), accounts,
               Performance("campaign", date="date", account="ad_account_id", campaign="campaign_id", campaign_name=campaign_name,
                           sums_into=("account",), **METRICS, **ACCOUNT, **MEANINGS)),
        # the finest level: an ad and its ad group per row (a report takes three breakdowns); the campaign from the ad groups
        report("ad_daily", ("AD_ID", "AD_GROUP_ID", "DATE"), AdDaily, ("ad_id",), accounts,
               Performance("ad", date="date", account="ad_account_id", ad="ad_id", ad_group="ad_group_id",
                           campaign=Lookup("ad_groups", "id", "campaign_id", on="ad_group"), campaign_name=campaign_name,
                           ad_group_name=Lookup("ad_groups", "id", "name", on="ad_group"),
                           ad_name=Lookup("ads", "id", "name", on="ad"), sums_into=("ad_group",),
                           **METRICS, **ACCOUNT, **MEANINGS)),
    ]


connector = declare(
    "reddit_ads", title="Reddit Ads", api=API, config=RedditAdsConfig, streams=streams, api_version="v3",
    docs_url="https://ads-api.reddit.com/docs/v3/", category="ads",
    support_policy="https://ads-api.reddit.com/docs/v3/ (v3 is current; v2 was sunset on 2025-09-30)",
    description="Reddit Ads API v3: ad accounts, campaigns, ad groups, ads and daily reports per campaign and per ad.",
    # A 400 in Reddit's {"error": {"code", "message"}} (Airbyte's tests of the v3 API), answered with HTTP 200 by the kit.
    error_example={"error": {"code": 400, "message": "invalid field: campaign_name"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "RedditAdsConfig", "AccountDays", "in_window", "local_midnight", "utc_hour"]
