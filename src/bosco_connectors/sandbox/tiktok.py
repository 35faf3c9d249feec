"""A fake TikTok API for Business (Marketing API v1.3), served from a deterministic `World`.

It answers the endpoints the ``tiktok_ads`` source reads, under ``/open_api/v1.3/``, in
TikTok's documented shapes: the ``{"code", "message", "request_id", "data"}`` envelope
with HTTP 200 even for errors, ids and report metrics as strings, ``stat_time_day`` as
``"YYYY-MM-DD 00:00:00"``, and ``data.page_info`` with ``page``, ``page_size``,
``total_number`` and ``total_page``. It enforces what the source relies on: the
``Access-Token`` header (40104 when absent, 40105 when wrong), required parameters
(40002), advertiser access (40001), ``page_size`` at most 1000, and at most 30 days per
report request that has the ``stat_time_day`` dimension.

Report rows are the world's per-ad daily metrics summed to the level (`World.sum_metrics`);
a level/day with no impressions has no row, as TikTok returns only entities with data.
Tests can script vendor errors with `TikTokApp.fail_next` (e.g. 40100, "requests made too
frequently"), which the generic fault injection of `FakeApi` cannot express.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

import orjson

from .server import FakeRequest, FakeResponse
from .world import Account, Ad, AdGroup, Campaign, World, stable_rng

API_ROOT = "/open_api/v1.3/"
FAKE_TOKEN = "tt-sandbox-7f3a9c2e51d04b8e"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
MAX_DAILY_DAYS = 30
MAX_ADVERTISER_IDS = 100

OBJECTIVE_TYPE = {
    "CONVERSIONS": "WEB_CONVERSIONS",
    "TRAFFIC": "TRAFFIC",
    "REACH": "REACH",
    "APP_INSTALL": "APP_PROMOTION",
    "VIDEO_VIEWS": "VIDEO_VIEWS",
}
OPTIMIZATION = {  # objective -> (optimization_goal, billing_event)
    "CONVERSIONS": ("CONVERT", "OCPM"),
    "TRAFFIC": ("CLICK", "CPC"),
    "REACH": ("REACH", "CPM"),
    "APP_INSTALL": ("INSTALL", "OCPM"),
    "VIDEO_VIEWS": ("ENGAGED_VIEW", "CPV"),
}
COUNTRY = {"USD": "US", "EUR": "DE", "GBP": "GB"}

LEVEL_ID = {
    "AUCTION_ADVERTISER": "advertiser_id",
    "AUCTION_CAMPAIGN": "campaign_id",
    "AUCTION_ADGROUP": "adgroup_id",
    "AUCTION_AD": "ad_id",
}
BASE_METRICS = (
    "spend", "impressions", "clicks", "reach", "ctr", "cpc", "cpm", "frequency",
    "conversion", "cost_per_conversion", "complete_payment", "total_complete_payment_rate",
    "value_per_complete_payment", "complete_payment_roas",
)
ATTRIBUTE_METRICS = {
    "AUCTION_ADVERTISER": ("advertiser_name",),
    "AUCTION_CAMPAIGN": ("advertiser_name", "campaign_name", "objective_type"),
    "AUCTION_ADGROUP": ("advertiser_name", "campaign_id", "campaign_name", "objective_type", "adgroup_name"),
    "AUCTION_AD": ("advertiser_name", "campaign_id", "campaign_name", "objective_type", "adgroup_id", "adgroup_name", "ad_name"),
}


class _Reject(Exception):
    """A request TikTok would refuse, with its return code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Scripted:
    code: int
    message: str
    remaining: int
    path_contains: str | None


def _missing(name: str) -> _Reject:
    return _Reject(40002, f"Missing required field(s): {name}.")


class TikTokApp:
    """The fake TikTok Marketing API, mounted at ``/tiktok`` on a `FakeApi`."""

    prefix = "tiktok"
    real_root = "https://business-api.tiktok.com"
    access_token = FAKE_TOKEN

    def __init__(self, seed: int = 7, size: str = "small", end_date: date | None = None, **overrides: int) -> None:
        self.world = World(seed, size, namespace="tiktok", end_date=end_date or date.today(), overrides=overrides)
        self._lock = threading.Lock()
        self._scripted: list[_Scripted] = []
        self._report_cache: OrderedDict[tuple, list[dict[str, Any]]] = OrderedDict()
        self._routes: dict[str, Callable[[FakeRequest], dict[str, Any]]] = {
            "advertiser/info/": self._advertiser_info,
            "campaign/get/": self._campaigns,
            "adgroup/get/": self._adgroups,
            "ad/get/": self._ads,
            "report/integrated/get/": self._report,
        }

    # -- what a test or the demo needs ------------------------------------------------

    def source_config(self, root_url: str) -> dict[str, Any]:
        """Config that points the ``tiktok_ads`` source at this app under ``root_url``."""
        return {
            "access_token": self.access_token,
            "advertiser_ids": [a.id for a in self.world.accounts],
            "base_url": root_url.rstrip("/") + API_ROOT,
            "start_date": self.world.start_date,
            "end_date": self.world.end_date,
        }

    def fail_next(self, code: int, message: str = "Requests made too frequently.", times: int = 1, path_contains: str | None = None) -> None:
        """Answer the next ``times`` matching requests with TikTok error ``code`` (HTTP 200)."""
        with self._lock:
            self._scripted.append(_Scripted(code, message, times, path_contains))

    # -- dispatch ---------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        if not request.path.startswith(API_ROOT) or request.path[len(API_ROOT):] not in self._routes:
            # TikTok's gateway answers unknown paths (even a missing trailing slash) like this.
            return FakeResponse.text("404 page not found", 404)
        endpoint = request.path[len(API_ROOT):]
        if request.method != "GET":
            return FakeResponse.text("405 method not allowed", 405)
        token = request.header("access-token")
        if not token:
            return self._error(request, 40104, "Access token is null, you should set it in http header with key Access-Token.")
        if token != self.access_token:
            return self._error(request, 40105, "Access token is incorrect or has been revoked.")
        scripted = self._take_scripted(endpoint)
        if scripted is not None:
            return self._error(request, scripted.code, scripted.message)
        try:
            data = self._routes[endpoint](request)
        except _Reject as exc:
            return self._error(request, exc.code, exc.message)
        return FakeResponse.json({"code": 0, "message": "OK", "request_id": self._request_id(request), "data": data})

    def _take_scripted(self, endpoint: str) -> _Scripted | None:
        with self._lock:
            for item in self._scripted:
                if item.remaining > 0 and (item.path_contains is None or item.path_contains in endpoint):
                    item.remaining -= 1
                    return item
        return None

    def _error(self, request: FakeRequest, code: int, message: str) -> FakeResponse:
        return FakeResponse.json({"code": code, "message": message, "request_id": self._request_id(request), "data": {}})

    def _request_id(self, request: FakeRequest) -> str:
        # Deterministic, so re-recorded cassettes do not churn; shaped like TikTok's log ids.
        digest = hashlib.blake2b(repr((request.path, sorted(request.query.items()))).encode(), digest_size=9).hexdigest()
        return f"{self.world.end_date:%Y%m%d}120000{digest.upper()}"

    # -- parameters -------------------------------------------------------------------

    @staticmethod
    def _arg(request: FakeRequest, name: str, required: bool = False) -> str | None:
        value = request.arg(name)
        if required and (value is None or value == ""):
            raise _missing(name)
        return value

    @classmethod
    def _list(cls, request: FakeRequest, name: str, required: bool = False) -> list[str] | None:
        raw = cls._arg(request, name, required)
        if raw is None:
            return None
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _Reject(40002, f"{name}: Not a valid list.") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Reject(40002, f"{name}: Not a valid list of strings.")
        if required and not value:
            raise _missing(name)
        return value

    @classmethod
    def _int(cls, request: FakeRequest, name: str, default: int, low: int, high: int) -> int:
        raw = cls._arg(request, name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise _Reject(40002, f"{name}: Not a valid integer.") from None
        if not low <= value <= high:
            raise _Reject(40002, f"{name}: Must be between {low} and {high}.")
        return value

    @classmethod
    def _day(cls, request: FakeRequest, name: str) -> date:
        raw = cls._arg(request, name, required=True)
        try:
            if len(raw) != 10:
                raise ValueError
            return date.fromisoformat(raw)
        except ValueError:
            raise _Reject(40002, f"{name}: Time format should be %Y-%m-%d.") from None

    def _account(self, request: FakeRequest) -> Account:
        advertiser_id = self._arg(request, "advertiser_id", required=True)
        account = self.world.account(advertiser_id)
        if account is None:
            raise _Reject(40001, f"No permission to operate advertiser {advertiser_id}.")
        return account

    @classmethod
    def _fields(cls, request: FakeRequest, available: tuple[str, ...]) -> tuple[str, ...]:
        fields = cls._list(request, "fields")
        if fields is None:
            return available
        unknown = [f for f in fields if f not in available]
        if unknown:
            raise _Reject(40002, f"fields: Invalid fields {unknown}.")
        return tuple(fields)

    @classmethod
    def _paged(cls, request: FakeRequest, items: list[dict[str, Any]]) -> dict[str, Any]:
        page = cls._int(request, "page", 1, 1, 10**6)
        size = cls._int(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        total = len(items)
        return {
            "list": items[(page - 1) * size : page * size],
            "page_info": {"page": page, "page_size": size, "total_number": total, "total_page": math.ceil(total / size)},
        }

    # -- objects ----------------------------------------------------------------------

    def _times(self, *key: object) -> tuple[str, str]:
        """Stable create/modify times, before the world's first day, in TikTok's format."""
        rng = stable_rng(self.world.seed, "tiktok-times", *key)
        created = datetime.combine(self.world.start_date, time.min) - timedelta(days=rng.randint(5, 60), seconds=rng.randint(0, 86399))
        modified = created + timedelta(hours=rng.randint(0, 96), seconds=rng.randint(0, 3599))
        return created.strftime("%Y-%m-%d %H:%M:%S"), modified.strftime("%Y-%m-%d %H:%M:%S")

    def _advertiser_row(self, account: Account) -> dict[str, Any]:
        created, _ = self._times("advertiser", account.id)
        epoch = int(datetime.strptime(created, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
        return {
            "advertiser_id": account.id,
            "name": account.name,
            "currency": account.currency,
            "timezone": account.timezone,
            "display_timezone": account.timezone,
            "status": "STATUS_ENABLE",
            "role": "ROLE_ADVERTISER",
            "company": f"{account.name} Ltd",
            "country": COUNTRY.get(account.currency, "US"),
            "balance": round(stable_rng(self.world.seed, "balance", account.id).uniform(100, 50000), 2),
            "create_time": epoch,
        }

    @staticmethod
    def _campaign_row(account: Account, campaign: Campaign, times: tuple[str, str]) -> dict[str, Any]:
        return {
            "campaign_id": campaign.id,
            "advertiser_id": account.id,
            "campaign_name": campaign.name,
            "objective_type": OBJECTIVE_TYPE[campaign.objective],
            "operation_status": campaign.status,
            "secondary_status": f"CAMPAIGN_STATUS_{campaign.status}",
            "budget": campaign.daily_budget,
            "budget_mode": "BUDGET_MODE_DAY",
            "create_time": times[0],
            "modify_time": times[1],
        }

    @staticmethod
    def _adgroup_row(account: Account, campaign: Campaign, group: AdGroup, times: tuple[str, str]) -> dict[str, Any]:
        goal, billing = OPTIMIZATION[campaign.objective]
        return {
            "adgroup_id": group.id,
            "advertiser_id": account.id,
            "campaign_id": campaign.id,
            "adgroup_name": group.name,
            "operation_status": "ENABLE",
            "secondary_status": "ADGROUP_STATUS_DELIVERY_OK" if campaign.status == "ENABLE" else "ADGROUP_STATUS_CAMPAIGN_DISABLE",
            "budget": 0.0,
            "budget_mode": "BUDGET_MODE_INFINITE",
            "optimization_goal": goal,
            "billing_event": billing,
            "create_time": times[0],
            "modify_time": times[1],
        }

    @staticmethod
    def _ad_row(account: Account, campaign: Campaign, group: AdGroup, ad: Ad, times: tuple[str, str]) -> dict[str, Any]:
        return {
            "ad_id": ad.id,
            "advertiser_id": account.id,
            "campaign_id": campaign.id,
            "campaign_name": campaign.name,
            "adgroup_id": group.id,
            "adgroup_name": group.name,
            "ad_name": ad.name,
            "operation_status": "ENABLE",
            "secondary_status": "AD_STATUS_DELIVERY_OK" if campaign.status == "ENABLE" else "AD_STATUS_CAMPAIGN_DISABLE",
            "ad_text": f"Shop the {campaign.name} offer",
            "landing_page_url": f"https://shop.example.com/?utm_source=tiktok&utm_campaign={campaign.id}&utm_content={ad.id}",
            "create_time": times[0],
            "modify_time": times[1],
        }

    @staticmethod
    def _select(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        return {f: row[f] for f in fields}

    def _advertiser_info(self, request: FakeRequest) -> dict[str, Any]:
        ids = self._list(request, "advertiser_ids", required=True)
        if len(ids) > MAX_ADVERTISER_IDS:
            raise _Reject(40011, f"Too many IDs: advertiser_ids accepts at most {MAX_ADVERTISER_IDS}.")
        rows = []
        for advertiser_id in ids:
            account = self.world.account(advertiser_id)
            if account is None:
                raise _Reject(40001, f"No permission to operate advertiser {advertiser_id}.")
            rows.append(self._advertiser_row(account))
        fields = self._fields(request, tuple(rows[0]))
        return {"list": [self._select(r, fields) for r in rows]}

    def _campaigns(self, request: FakeRequest) -> dict[str, Any]:
        account = self._account(request)
        rows = [self._campaign_row(account, c, self._times("campaign", c.id)) for c in account.campaigns]
        return self._paged(request, self._project(request, rows))

    def _adgroups(self, request: FakeRequest) -> dict[str, Any]:
        account = self._account(request)
        rows = [
            self._adgroup_row(account, c, g, self._times("adgroup", g.id))
            for c in account.campaigns
            for g in c.ad_groups
        ]
        return self._paged(request, self._project(request, rows))

    def _ads(self, request: FakeRequest) -> dict[str, Any]:
        account = self._account(request)
        rows = [
            self._ad_row(account, c, g, ad, self._times("ad", ad.id))
            for c in account.campaigns
            for g in c.ad_groups
            for ad in g.ads
        ]
        return self._paged(request, self._project(request, rows))

    def _project(self, request: FakeRequest, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not rows:
            self._fields(request, ())  # still validate the parameter
            return []
        fields = self._fields(request, tuple(rows[0]))
        return [self._select(r, fields) for r in rows]

    # -- synchronous report -----------------------------------------------------------

    def _report(self, request: FakeRequest) -> dict[str, Any]:
        account = self._account(request)
        report_type = self._arg(request, "report_type", required=True)
        if report_type != "BASIC":
            raise _Reject(40002, f"report_type: {report_type} is not served by this sandbox (BASIC only).")
        service_type = self._arg(request, "service_type") or "AUCTION"
        if service_type != "AUCTION":
            raise _Reject(40002, f"service_type: {service_type} is not served by this sandbox (AUCTION only).")
        data_level = self._arg(request, "data_level", required=True)
        if data_level not in LEVEL_ID:
            raise _Reject(40002, f"data_level: Invalid enum value {data_level}.")
        dimensions = self._list(request, "dimensions", required=True)
        level_id = LEVEL_ID[data_level]
        if sorted(dimensions) != sorted([level_id, "stat_time_day"]):
            raise _Reject(40002, f"dimensions: {dimensions} are not supported at {data_level}; this sandbox serves [{level_id!r}, 'stat_time_day'].")
        metrics = self._list(request, "metrics", required=True)
        allowed = set(BASE_METRICS) | set(ATTRIBUTE_METRICS[data_level])
        invalid = [m for m in metrics if m not in allowed]
        if invalid:
            raise _Reject(
                40002,
                f"Please correct the information in invalid metric fields and try again. Invalid metric fields: {invalid}. ",
            )
        if (self._arg(request, "query_lifetime") or "").lower() == "true":
            raise _Reject(40002, "query_lifetime is not served by this sandbox.")
        start, end = self._day(request, "start_date"), self._day(request, "end_date")
        if end < start:
            raise _Reject(40002, "end_date should be later than or equal to start_date.")
        if (end - start).days + 1 > MAX_DAILY_DAYS:
            raise _Reject(40002, f"The time span between start_date and end_date cannot exceed {MAX_DAILY_DAYS} days when stat_time_day is a dimension.")
        rows = self._report_rows(account, data_level, tuple(metrics), start, end)
        return self._paged(request, rows)

    def _report_rows(self, account: Account, data_level: str, metrics: tuple[str, ...], start: date, end: date) -> list[dict[str, Any]]:
        key = (account.id, data_level, metrics, start, end)
        with self._lock:
            if key in self._report_cache:
                self._report_cache.move_to_end(key)
                return self._report_cache[key]
        rows = []
        entities = self._entities(account, data_level)
        days = [d for d in self.world.days if start <= d <= end]
        for day in days:
            for entity_id, ads, attributes in entities:
                m = self.world.sum_metrics(ads, day)
                if m.impressions == 0:
                    continue  # nothing delivered: TikTok returns no row
                values = {**self._metric_strings(m, entity_id, day), **attributes, "advertiser_name": account.name}
                rows.append(
                    {
                        "dimensions": {LEVEL_ID[data_level]: entity_id, "stat_time_day": f"{day.isoformat()} 00:00:00"},
                        "metrics": {name: values[name] for name in metrics},
                    }
                )
        with self._lock:
            self._report_cache[key] = rows
            while len(self._report_cache) > 64:
                self._report_cache.popitem(last=False)
        return rows

    @staticmethod
    def _entities(account: Account, data_level: str) -> list[tuple[str, list[Ad], dict[str, str]]]:
        if data_level == "AUCTION_ADVERTISER":
            return [(account.id, [ad for c in account.campaigns for g in c.ad_groups for ad in g.ads], {})]
        out: list[tuple[str, list[Ad], dict[str, str]]] = []
        for c in account.campaigns:
            campaign = {"campaign_id": c.id, "campaign_name": c.name, "objective_type": OBJECTIVE_TYPE[c.objective]}
            if data_level == "AUCTION_CAMPAIGN":
                out.append((c.id, [ad for g in c.ad_groups for ad in g.ads], campaign))
                continue
            for g in c.ad_groups:
                group = {**campaign, "adgroup_id": g.id, "adgroup_name": g.name}
                if data_level == "AUCTION_ADGROUP":
                    out.append((g.id, list(g.ads), group))
                    continue
                out.extend((ad.id, [ad], {**group, "ad_name": ad.name}) for ad in g.ads)
        return out

    def _metric_strings(self, m: Any, entity_id: str, day: date) -> dict[str, str]:
        """TikTok's report metrics, all strings; rates have two decimals."""
        frequency = stable_rng(self.world.seed, "frequency", entity_id, day.isoformat()).uniform(1.05, 1.6)
        reach = max(1, int(m.impressions / frequency))

        def ratio(num: float, den: float, scale: float = 1.0) -> str:
            return f"{num / den * scale:.2f}" if den else "0.00"

        return {
            "spend": f"{m.spend:.2f}",
            "impressions": str(m.impressions),
            "clicks": str(m.clicks),
            "reach": str(reach),
            "frequency": ratio(m.impressions, reach),
            "ctr": ratio(m.clicks, m.impressions, 100.0),
            "cpc": ratio(m.spend, m.clicks),
            "cpm": ratio(m.spend, m.impressions, 1000.0),
            "conversion": str(m.conversions),
            "cost_per_conversion": ratio(m.spend, m.conversions),
            "complete_payment": str(m.conversions),
            "total_complete_payment_rate": f"{m.conversion_value:.2f}",
            "value_per_complete_payment": ratio(m.conversion_value, m.conversions),
            "complete_payment_roas": ratio(m.conversion_value, m.spend),
        }
