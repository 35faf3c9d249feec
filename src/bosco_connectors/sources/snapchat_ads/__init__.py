"""Snapchat Ads: the Snap Marketing API (Ads API v1), declared.

Reference: https://developers.snap.com/api/marketing-api/Ads-API/introduction (v1, base
``https://adsapi.snapchat.com/v1/``; the only version, no sunset announced). OAuth 2.0: a
refresh token exchanged at ``https://accounts.snapchat.com/login/oauth2/access_token``
(client id and secret in the form); access tokens last 30 minutes.

Per configured ad account: the account (``GET adaccounts/{id}``: currency, time zone), its
campaigns, ad squads and ads (``adaccounts/{id}/campaigns|adsquads|ads``, ``limit`` 50-1000,
then ``paging.next_link`` until an answer has none), and the organizations the token sees
(``me/organizations``). Objects are read in full every run: the list endpoints have no
updated-since filter. Every answer wraps each object under its kind, with a
``sub_request_status`` (``{"campaigns": [{"sub_request_status": "SUCCESS", "campaign": {...}}]}``).

Daily stats (granularity DAY, the finest daily grain) per campaign, ad squad and ad:
``GET campaigns|adsquads|ads/{id}/stats`` (https://developers.snap.com/api/marketing-api/Ads-API/measurement),
one request per object and window. A DAY query must start at a local midnight of the ad
account's time zone, so ``start_time``/``end_time`` are written as local midnights with
their UTC offset (``2026-11-01T00:00:00-07:00``; the end is the midnight after the last day,
23 or 25 hours after the one before on DST days); `Lineage` gives each object's read its
account's zone and its parents' ids. Windows are 30 days; the look-back is 28 days, Snap's
default (and longest) swipe-up attribution window, during which a day's conversions
change; the account's own attribution settings are used (none are pinned). Money
(``spend``, ``conversion_purchases_value``, budgets and bids ``*_micro``) is micro-currency
in the account's currency, loaded in currency units as exact decimals.

Errors: ``{"request_status": "ERROR", "request_id", "debug_message", "display_message",
"error_code"}``; ``request_status`` is checked on every answer. Limits: 20 requests per
second per app, 10 per access token; HTTP 429 beyond, with no rate headers
(https://developers.snap.com/api/marketing-api/Ads-API/rate-limits).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator, Mapping
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, AppLimits, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.http import RetryPolicy
from ...framework.paginators import NextUrlInBody, PageRequest, SinglePage
from ...framework.params import DATETIME, ForEach, FromParent, Partitions, WindowParams
from ...framework.records import DATE_PREFIX, MICROS, Records
from ...framework.spec import Contract, Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance
from .contracts import Ad, AdAccount, AdSquad, AdSquadStatsDaily, AdStatsDaily, Campaign, CampaignStatsDaily, Organization

TOKEN_URL = "https://accounts.snapchat.com/login/oauth2/access_token"
MIN_PAGE, MAX_PAGE = 50, 1000


class SnapchatAdsConfig(SourceConfig):
    """Config of the ``snapchat_ads`` source (plus the fields every source accepts)."""

    client_id: str = Field(description="OAuth client id of your Snap app (Business Manager > Business Details).")
    client_secret: SecretStr = Field(description="OAuth client secret of the app.")
    refresh_token: SecretStr = Field(description="Refresh token of a member with access to the ad accounts.")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint.")
    ad_account_ids: IdList = Field(min_length=1, description="Ad account ids (UUIDs); a list, or one comma-separated string.")
    page_size: int = Field(default=MAX_PAGE, ge=MIN_PAGE, le=MAX_PAGE, description="Objects per page (limit, 50-1000).")
    requests_per_second: float = Field(default=10.0, gt=0, le=20, description="Snap allows 10 per access token, 20 per app.")

    @field_validator("ad_account_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not v.replace("-", "").isalnum() or len(v) > 64]
        if bad:
            raise ValueError(f"ad account ids are UUIDs such as 8adc3db7-8148-4fbf-999c-8d2266369d74; not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))


API = Api(
    base_url="https://adsapi.snapchat.com/v1/",
    auth=RefreshToken(TOKEN_URL),
    errors=ErrorMap(
        # every answer carries request_status: SUCCESS (the measurement samples write it in lower case) or ERROR
        "Snapchat", code="request_status", ok=("SUCCESS", "success"), request_id="request_id",
        message=("display_message", "debug_message", "msg"),
        hints={Action.AUTH: "check the refresh token and that its member has a role on the ad account"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
    app_limits=AppLimits(per_second=20, docs="https://developers.snap.com/api/marketing-api/Ads-API/rate-limits"),  # per app
    retry=RetryPolicy(max_attempts=6, initial_wait=1.0, max_wait=60.0),
)

PER_ACCOUNT = ForEach("ad_account_ids", "ad_account_id")
ACTIVE = "ACTIVE"
#: Dates Snap writes as ISO 8601 with milliseconds and a zone (``2018-04-04T00:59:02.774Z``).
TIMES = ("created_at", "updated_at", "start_time", "end_time")


@dataclass
class NextLink(NextUrlInBody):
    """``paging.next_link``: its query (``cursor``, ``limit``) is sent to the configured host.

    Snap's documented example links to another host (``adsapisc.appspot.com``); following
    it would send the token there, so only its parameters are followed."""

    path: str = "paging.next_link"

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        link = super().next(response, body, records)
        return PageRequest(params=dict(parse_qsl(urlsplit(link.url).query))) if link and link.url else None


def objects(name: str, kind: str, contract: type[Contract], size: int, unified: Entity | None, *,
            path: str | None = None, money: tuple[str, ...] = (), paginated: bool = True) -> RestStream:
    """A list of objects wrapped as ``{<kind>s: [{"sub_request_status", <kind>: {...}}]}``."""
    rename = {f"{m}_micro": m for m in money}
    return RestStream(
        name=name, description=f"Every {kind} of each ad account.", path=path or f"adaccounts/{{ad_account_id}}/{kind}s",
        params={"limit": size} if paginated else {}, partitions=PER_ACCOUNT,
        paginator=NextLink if paginated else SinglePage,
        records=Records(f"{kind}s", flatten=(kind,), rename=rename, units=dict.fromkeys(money, MICROS),
                        formats={t: "%Y-%m-%dT%H:%M:%S.%f%z" for t in TIMES}, from_partition=("ad_account_id",)),
        contract=contract, primary_key=("id",), unified=unified,
        cursor=FullRefresh("the list endpoints have no updated-since filter: every run reads all"),
    )


# -- stats ---------------------------------------------------------------------------------


class LocalDays(WindowParams):
    """``start_time``/``end_time`` as local midnights of the partition's ``timezone`` (a DAY
    query must start at the start of a day in the ad account's zone); the end is the midnight
    after the last day."""

    def __init__(self) -> None:
        super().__init__("start_time", "end_time", format=DATETIME, end_exclusive=True)

    def apply(self, params: dict[str, Any], window: Any) -> None:
        zone = _zone(params.pop("timezone", None))
        if window.start is None:
            return
        params[self.start] = midnight(_day(window.start), zone)
        if window.end is not None:
            params[self.end] = midnight(_day(window.end) + timedelta(days=1), zone)


def midnight(day: date, zone: ZoneInfo) -> str:
    """``2026-11-01T00:00:00-07:00``: the start of `day` in `zone`, with its UTC offset on that day."""
    return datetime.combine(day, time.min, tzinfo=zone).isoformat()


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Snap sent an ad account time zone this system does not know: {name!r}") from None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Lineage(Partitions):
    """One partition per object (campaign, ad squad or ad): its id, its parents' ids and its
    ad account's time zone. An ad names only its ad squad; the squad's campaign comes from
    the ad squads."""

    objects: Stream
    fields: Mapping[str, str]
    accounts: Stream
    squads: Stream | None = None

    def for_read(self, config: Any, client: Any = None) -> list[Mapping[str, Any]]:
        zones = {p["ad_account_id"]: p["timezone"] for p in
                 FromParent(self.accounts, {"ad_account_id": "id", "timezone": "timezone"}).for_read(config, client)}
        campaign_of = {p["ad_squad_id"]: p["campaign_id"] for p in
                       FromParent(self.squads, {"ad_squad_id": "id", "campaign_id": "campaign_id"}).for_read(config, client)} \
            if self.squads is not None else {}
        partitions = []
        for part in FromParent(self.objects, self.fields).for_read(config, client):
            row = {**part, "timezone": zones.get(part["ad_account_id"])}
            if self.squads is not None:
                row["campaign_id"] = campaign_of.get(part["ad_squad_id"])
            partitions.append(row)
        return partitions


STATS_FIELDS = ("impressions", "swipes", "spend", "video_views", "conversion_purchases", "conversion_purchases_value",
                "conversion_sign_ups")


@dataclass(kw_only=True)
class Stats(RestStream):
    """One object's DAY stats: ``timeseries_stats[0].timeseries_stat.timeseries[]``, one element per day."""

    entity: str  # "campaign", "ad_squad", "ad": the column its path id fills

    # -- the generated fake (sandbox.generated) serves the world's days in Snap's shape --

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        """The world's rows of the one object in the path, days of the request's window."""
        wanted = route.path_values.get(f"{self.entity}_id")
        column = getattr(self.unified, {"campaign": "campaign", "ad_squad": "ad_group", "ad": "ad"}[self.entity])
        yield from (row for row in app._performance(self.unified, route) if str(row.get(column)) == str(wanted))

    def fake_encode(self, app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        zone = ZoneInfo(next((a.timezone for a in app.world.accounts), "UTC"))
        series = []
        for row in records:
            stats = {f: row[f] for f in ("impressions", "swipes", "conversion_purchases") if f in row}
            stats["spend"] = round(row["spend"] * 1_000_000)
            stats["conversion_purchases_value"] = round(row["conversion_purchases_value"] * 1_000_000)
            start = datetime.combine(row["date"], time.min, tzinfo=zone)
            end = datetime.combine(row["date"] + timedelta(days=1), time.min, tzinfo=zone)
            series.append({"start_time": start.isoformat(timespec="milliseconds"), "end_time": end.isoformat(timespec="milliseconds"),
                           "stats": stats})
        stat = body["timeseries_stats"][0]["timeseries_stat"]
        stat.update(id=route.path_values.get(f"{self.entity}_id"), timeseries=series)
        return body


ACCOUNT = dict(account_name=Lookup("ad_accounts", "id", "name"), currency=Lookup("ad_accounts", "id", "currency"))
#: What Snap's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="swipes: swipe-ups (and taps) on the ad's attachment, Snap's click",
    conversions_are="conversion_purchases: purchases (Snap Pixel, Conversions API, app events) attributed under the account's "
                    "windows (default 28 days after a swipe, 1 day after a view)",
    conversion_value_is="conversion_purchases_value: the value of those purchases (micro-currency, loaded in currency units)",
    date_is="a day in the ad account's time zone",
)
METRICS = dict(spend="spend", impressions="impressions", clicks="swipes", conversions="conversion_purchases",
               conversion_value="conversion_purchases_value")


def stats(name: str, entity: str, contract: type[Contract], partitions: Lineage, unified: Performance) -> Stats:
    path_key = f"{entity}_id"
    plural = {"campaign": "campaigns", "ad_squad": "adsquads", "ad": "ads"}[entity]
    parents = tuple(k for k in ("ad_account_id", "campaign_id", "ad_squad_id", "ad_id") if k in contract.model_fields)
    return Stats(
        name=name, entity=entity, description=f"DAY stats of each {entity.replace('_', ' ')}, one row per day in its account's zone.",
        path=f"{plural}/{{{path_key}}}/stats", path_only=tuple(p for p in parents if p != path_key),
        params={"granularity": "DAY", "fields": ",".join(STATS_FIELDS)}, partitions=partitions, window=LocalDays(),
        paginator=SinglePage,
        records=Records("timeseries_stats.0.timeseries_stat.timeseries", flatten=("stats",), rename={"start_time": "date"},
                        formats={"date": DATE_PREFIX}, units={"spend": MICROS, "conversion_purchases_value": MICROS},
                        from_partition=parents),
        contract=contract, primary_key=(path_key, "date"), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=28), window=timedelta(days=30)),
        unified=unified,
    )


def streams(config: SnapchatAdsConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE
    accounts = objects("ad_accounts", "adaccount", AdAccount, size,
                       Entity("account", id="id", name="name", currency="currency", timezone="timezone", status="status",
                              active_status=ACTIVE),
                       path="adaccounts/{ad_account_id}", paginated=False)
    campaigns = objects("campaigns", "campaign", Campaign, size,
                        Entity("campaign", id="id", name="name", account="ad_account_id", objective="objective", status="status",
                               active_status=ACTIVE), money=("daily_budget",))
    squads = objects("ad_squads", "adsquad", AdSquad, size,
                     Entity("ad_group", id="id", name="name", account="ad_account_id", campaign="campaign_id", status="status",
                            active_status=ACTIVE), money=("bid", "daily_budget"))
    # an ad names only its ad squad: its campaign is joined from the ad squads
    ads = objects("ads", "ad", Ad, size, Entity("ad", id="id", name="name", account="ad_account_id", ad_group="ad_squad_id",
                                              campaign=Lookup("ad_squads", "id", "campaign_id", on="ad_group"),
                                              status="status", active_status=ACTIVE))
    names = dict(campaign_name=Lookup("campaigns", "id", "name", on="campaign"))
    return [
        RestStream(
            name="organizations", description="The organizations the token's member belongs to.", path="me/organizations",
            paginator=SinglePage, records=Records("organizations", flatten=("organization",),
                                                  formats={t: "%Y-%m-%dT%H:%M:%S.%f%z" for t in ("created_at", "updated_at")}),
            contract=Organization, primary_key=("id",), cursor=FullRefresh("a short list, read whole"),
        ),
        accounts, campaigns, squads, ads,
        stats("campaign_stats_daily", "campaign", CampaignStatsDaily,
              Lineage(campaigns, {"campaign_id": "id", "ad_account_id": "ad_account_id"}, accounts),
              Performance("campaign", date="date", account="ad_account_id", campaign="campaign_id", sums_into=("account",),
                          **names, **METRICS, **ACCOUNT, **MEANINGS)),
        stats("ad_squad_stats_daily", "ad_squad", AdSquadStatsDaily,
              Lineage(squads, {"ad_squad_id": "id", "campaign_id": "campaign_id", "ad_account_id": "ad_account_id"}, accounts),
              Performance("ad_group", date="date", account="ad_account_id", campaign="campaign_id", ad_group="ad_squad_id",
                          ad_group_name=Lookup("ad_squads", "id", "name", on="ad_group"), **names, **METRICS, **ACCOUNT, **MEANINGS)),
        stats("ad_stats_daily", "ad", AdStatsDaily,
              Lineage(ads, {"ad_id": "id", "ad_squad_id": "ad_squad_id", "ad_account_id": "ad_account_id"}, accounts, squads),
              Performance("ad", date="date", account="ad_account_id", campaign="campaign_id", ad_group="ad_squad_id", ad="ad_id",
                          ad_group_name=Lookup("ad_squads", "id", "name", on="ad_group"),
                          ad_name=Lookup("ads", "id", "name", on="ad"), **names, **METRICS, **ACCOUNT, **MEANINGS)),
    ]


connector = declare(
    "snapchat_ads", title="Snapchat Ads", api=API, config=SnapchatAdsConfig, streams=streams, api_version="v1",
    docs_url="https://developers.snap.com/api/marketing-api/Ads-API/introduction", category="ads",
    support_policy="https://developers.snap.com/api/marketing-api/Ads-API/introduction (v1 is the only version; no sunset announced)",
    description="Snap Marketing API: organizations, ad accounts, campaigns, ad squads, ads and their daily stats.",
    # Snap's error envelope (https://developers.snap.com/api/marketing-api/Ads-API/errors), answered with HTTP 200 by the kit.
    error_example={"request_status": "ERROR", "request_id": "5d3a2b2e00ff0a1b6d2e8f7c2d0001737e616473617069736300",
                   "debug_message": "Resource can not be found",
                   "display_message": "We're sorry, but the requested resource is not available at this time",
                   "error_code": "E3003"},
)
source = source_function(connector)

__all__ = ["connector", "source", "SnapchatAdsConfig"]
