"""A fake Meta Marketing API (Graph API v25.0-v27.0), served from a deterministic `World`.

Why hand-written, not generated (`sandbox.generated`): the source speaks to Meta through
the facebook-business SDK (fields lists, edges, `paging.next` URLs that repeat the token,
usage headers the SDK client paces on), not through declared REST streams, so there are no
declarations to generate from. It stays while the source keeps the SDK transport.

It answers what the ``facebook_ads`` source reads, under ``/{version}/``, in Meta's
documented shapes: ``act_{id}`` nodes and their ``campaigns``, ``adsets``, ``ads`` and
``adcreatives`` edges with ``limit`` / ``after`` cursor paging (``paging.cursors.before``
/ ``after``, and a ``paging.next`` URL that repeats every parameter, ``access_token``
included, as Meta's does); async insights (``POST act_{id}/insights`` ->
``report_run_id``, ``GET {id}`` -> ``async_status`` / ``async_percent_completion``,
``GET {id}/insights`` -> rows); ids, budgets and metrics as strings; times as
``2026-10-01T09:30:00+0000``; usage headers (``x-app-usage``, ``x-ad-account-usage``,
``x-business-use-case-usage``, ``x-fb-ads-insights-throttle``) on every response; and
errors as HTTP 400 with ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}``.

It checks what the source relies on: the token (104 when missing, 190 when wrong),
``appsecret_proof`` when sent, the API version, field names, ``limit``,
``effective_status`` values, and the insights job parameters (``level``, ``fields``,
``time_range``, ``time_increment=1``, the 37-month limit, attribution windows).

The world maps onto Meta as accounts -> ad accounts, ad groups -> ad sets. Each ad's
daily purchases are the world's conversions (reported under ``omni_purchase``,
``purchase`` and ``offsite_conversion.fb_pixel_purchase``, as Meta reports one pixel
purchase under each roll-up), with the world's conversion value; its leads are
``clicks // 20`` (``lead`` and ``offsite_conversion.fb_pixel_lead``). Higher levels sum
their ads. Days with no impressions have no row.

Tests script what the network cannot: `fail_next` (a Graph error for the next calls),
`script_jobs` (the statuses the next jobs report, poll by poll), `set_usage` (usage
headers near the limit) and `edit` (an object changed after a first sync).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import threading
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode

import orjson

from ..framework.redaction import RedactingFilter
from .server import FakeRequest, FakeResponse
from .world import Account, Ad, AdGroup, Campaign, World, stable_rng

#: Marketing API versions Meta serves on 2026-11-29 (v24.0 expired on 2026-11-10).
API_VERSIONS = frozenset({"v25.0", "v26.0", "v27.0"})
LATEST_VERSION = "v27.0"
FAKE_TOKEN = "EAAGsandbox7f3a9c2e51d04b8e6a1fZZ"
FAKE_APP_SECRET = "fbsandbox-secret-3c9e5b1d7a04"
DEFAULT_LIMIT = 25
MAX_LIMIT = 5000
LEAD_PER_CLICKS = 20
DEFAULT_JOB_SCRIPT = ("Job Completed",)
JOB_STATUSES = ("Job Not Started", "Job Started", "Job Running", "Job Completed", "Job Failed", "Job Skipped")
MAX_HISTORY_MONTHS = 37
SANDBOX_LOOKBACK_DAYS = 7

OBJECTIVE = {
    "CONVERSIONS": "OUTCOME_SALES",
    "TRAFFIC": "OUTCOME_TRAFFIC",
    "REACH": "OUTCOME_AWARENESS",
    "APP_INSTALL": "OUTCOME_APP_PROMOTION",
    "VIDEO_VIEWS": "OUTCOME_ENGAGEMENT",
}
OPTIMIZATION = {  # objective -> (optimization_goal, billing_event)
    "CONVERSIONS": ("OFFSITE_CONVERSIONS", "IMPRESSIONS"),
    "TRAFFIC": ("LINK_CLICKS", "IMPRESSIONS"),
    "REACH": ("REACH", "IMPRESSIONS"),
    "APP_INSTALL": ("APP_INSTALLS", "IMPRESSIONS"),
    "VIDEO_VIEWS": ("THRUPLAY", "IMPRESSIONS"),
}
CALL_TO_ACTION = {"CONVERSIONS": "SHOP_NOW", "TRAFFIC": "LEARN_MORE", "REACH": "LEARN_MORE", "APP_INSTALL": "INSTALL_MOBILE_APP", "VIDEO_VIEWS": "WATCH_MORE"}

ACCOUNT_FIELDS = ("id", "account_id", "name", "currency", "timezone_name", "account_status", "business_name", "created_time")
CAMPAIGN_FIELDS = ("id", "account_id", "name", "objective", "status", "effective_status", "buying_type", "daily_budget",
                   "lifetime_budget", "created_time", "updated_time", "start_time", "stop_time")
ADSET_FIELDS = ("id", "account_id", "campaign_id", "name", "status", "effective_status", "daily_budget", "lifetime_budget",
                "optimization_goal", "billing_event", "created_time", "updated_time", "start_time", "end_time")
AD_FIELDS = ("id", "account_id", "campaign_id", "adset_id", "name", "status", "effective_status", "creative", "created_time", "updated_time")
CREATIVE_FIELDS = ("id", "account_id", "name", "title", "body", "object_type", "status", "call_to_action_type")
STATUSES = {
    "campaigns": ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES"),
    "adsets": ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES", "CAMPAIGN_PAUSED"),
    "ads": ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES", "CAMPAIGN_PAUSED", "ADSET_PAUSED",
            "PENDING_REVIEW", "DISAPPROVED", "PREAPPROVED", "PENDING_BILLING_INFO"),
}
NODE_TYPES = {"campaigns": "Campaign", "adsets": "AdSet", "ads": "Ad", "adcreatives": "AdCreative"}

INSIGHTS_METRICS = ("account_id", "account_name", "account_currency", "spend", "impressions", "clicks", "inline_link_clicks",
                    "reach", "frequency", "cpm", "cpc", "ctr", "actions", "action_values", "date_start", "date_stop",
                    "unique_clicks", "unique_inline_link_clicks", "unique_ctr", "unique_inline_link_click_ctr",
                    "purchase_roas", "video_play_actions", "video_thruplay_watched_actions")
INSIGHTS_LEVEL_FIELDS = {
    "account": (),
    "campaign": ("campaign_id", "campaign_name"),
    "adset": ("adset_id", "adset_name", "campaign_id", "campaign_name"),
    "ad": ("ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name"),
}
ATTRIBUTION_WINDOWS = frozenset({"1d_click", "7d_click", "28d_click", "1d_view", "7d_view", "28d_view", "1d_ev", "dda"})
REPORT_RUN_FIELDS = ("id", "account_id", "async_status", "async_percent_completion", "date_start", "date_stop",
                     "time_ref", "time_completed", "error_code", "error_message", "error_subcode")

DEFAULT_MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    100: "(#100) Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80000: "(#80000) There have been too many calls from this ad-account. Wait a bit and try again.",
    80004: "(#80004) There have been too many calls to this ad-account. Wait a bit and try again.",
}


class GraphError(Exception):
    """A request Meta would refuse, with its error body fields."""

    def __init__(self, code: int, message: str | None = None, *, subcode: int | None = None, status: int = 400,
                 error_type: str = "OAuthException", transient: bool | None = None) -> None:
        super().__init__(message or DEFAULT_MESSAGES.get(code, "(#100) Invalid parameter"))
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, "(#100) Invalid parameter")
        self.subcode = subcode
        self.status = status
        self.error_type = error_type
        self.transient = transient


@dataclass
class _ScriptedError:
    error: GraphError
    remaining: int
    path_contains: str | None
    headers: dict[str, str]


@dataclass
class _ScriptedUsage:
    headers: dict[str, str]
    remaining: int


@dataclass
class _Job:
    id: str
    account: Account
    level: str
    fields: tuple[str, ...]
    since: date
    until: date
    windows: tuple[str, ...]
    script: tuple[str, ...]
    polls: int = 0
    rows: list[dict[str, Any]] | None = None

    @property
    def status(self) -> str:
        return self.script[min(max(self.polls - 1, 0), len(self.script) - 1)]


@dataclass
class _Edit:
    fields: dict[str, Any]
    updated: datetime


def _meta_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"fake-cursor:{index}".encode()).decode().rstrip("=")


def _uncursor(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, index = text.partition(":")
        if prefix != "fake-cursor":
            raise ValueError
        return int(index)
    except (ValueError, UnicodeDecodeError):
        raise GraphError(100, "(#100) The after cursor is not valid") from None


class FacebookAdsApp:
    """The fake Meta Marketing API, mounted at ``/facebook_ads`` on a `FakeApi`."""

    prefix = "facebook_ads"
    real_root = "https://graph.facebook.com"
    access_token = FAKE_TOKEN
    app_secret = FAKE_APP_SECRET
    #: Like the app setting "Require App Secret": refuse calls without appsecret_proof.
    require_appsecret_proof = False

    def __init__(self, seed: int = 7, size: str = "small", end_date: date | None = None, **overrides: int) -> None:
        self.world = World(seed, size, namespace="facebook_ads", end_date=end_date or date.today(), overrides=overrides)
        _redact_server_log()
        self._lock = threading.Lock()
        self._errors: list[_ScriptedError] = []
        self._usage: deque[_ScriptedUsage] = deque()
        self._job_scripts: deque[tuple[str, ...]] = deque()
        self._jobs: dict[str, _Job] = {}
        self._job_counts: dict[tuple, int] = {}
        self._edits: dict[str, _Edit] = {}
        self._requests = 0

    # -- what a test or the demo needs ----------------------------------------------------

    def source_config(self, root_url: str) -> dict[str, Any]:
        """Config that points the ``facebook_ads`` source at this app under ``root_url``."""
        return {
            "access_token": self.access_token,
            "app_secret": self.app_secret,
            "account_ids": [a.id for a in self.world.accounts],
            "base_url": root_url.rstrip("/"),
            "start_date": self.world.start_date,
            "end_date": self.world.end_date,
            "page_size": DEFAULT_LIMIT,
            # Sandbox worlds hold 10-45 days; with Meta's 28-day default look-back dlt would
            # clamp a second run's start to start_date, so the sandbox re-reads one week.
            "lookback_days": SANDBOX_LOOKBACK_DAYS,
        }

    def fail_next(self, code: int, message: str | None = None, *, subcode: int | None = None, times: int = 1,
                  path_contains: str | None = None, status: int = 400, transient: bool | None = None,
                  error_type: str = "OAuthException", regain_minutes: float | None = None) -> None:
        """Answer the next ``times`` matching requests with Meta error ``code``."""
        headers = self._buc_header("0", 100.0, regain_minutes) if regain_minutes is not None else {}
        with self._lock:
            self._errors.append(_ScriptedError(GraphError(code, message, subcode=subcode, status=status,
                                                          error_type=error_type, transient=transient), times, path_contains, headers))

    def script_jobs(self, *scripts: tuple[str, ...] | list[str]) -> None:
        """The next insights jobs report these statuses, one per poll (the last one repeats)."""
        for script in scripts:
            unknown = [s for s in script if s not in JOB_STATUSES]
            if unknown or not script:
                raise ValueError(f"unknown job statuses {unknown}; Meta's are {JOB_STATUSES}")
            with self._lock:
                self._job_scripts.append(tuple(script))

    def set_usage(self, percent: float, *, regain_minutes: float = 0, reset_seconds: float = 0, times: int = 1) -> None:
        """The next ``times`` responses report this usage in every usage header."""
        headers = {
            **self._buc_header("0", percent, regain_minutes),
            "x-ad-account-usage": orjson.dumps({"acc_id_util_pct": percent, "reset_time_duration": reset_seconds,
                                                "ads_api_access_tier": "standard_access"}).decode(),
            "x-app-usage": orjson.dumps({"call_count": percent, "total_cputime": percent, "total_time": percent}).decode(),
        }
        with self._lock:
            self._usage.append(_ScriptedUsage(headers, times))

    def edit(self, object_id: str, updated: datetime, **fields: Any) -> None:
        """Change an ad set or ad (e.g. its name) at ``updated``, as an advertiser would."""
        with self._lock:
            self._edits[object_id] = _Edit(fields, updated)

    def jobs(self) -> list[_Job]:
        with self._lock:
            return list(self._jobs.values())

    # -- dispatch -------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            self._requests += 1
            count = self._requests
        parts = request.path.strip("/").split("/")
        params = self._params(request)
        account_id = parts[1][4:] if len(parts) > 1 and parts[1].startswith("act_") else None
        headers = self._usage_headers(count, account_id, insights="insights" in parts)
        try:
            body = self._route(request, parts, params)
        except GraphError as exc:
            return self._error(request, exc, headers)
        scripted_headers = self._take_usage()
        return FakeResponse.json(body, headers={**headers, **scripted_headers})

    def _route(self, request: FakeRequest, parts: list[str], params: dict[str, str]) -> dict[str, Any]:
        if not parts or not re.fullmatch(r"v\d+\.\d+", parts[0]):
            raise GraphError(2500, "Unknown path components: /" + "/".join(parts))
        if parts[0] not in API_VERSIONS:
            raise GraphError(2635, f"(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: {LATEST_VERSION}.")
        self._authenticate(request, params)
        self._raise_scripted(request.path)
        node, edge = (parts[1] if len(parts) > 1 else ""), (parts[2] if len(parts) > 2 else None)
        if len(parts) > 3 or not node:
            raise GraphError(2500, "Unknown path components: /" + "/".join(parts[1:]))
        if node.startswith("act_"):
            account = self._account(node)
            if edge is None and request.method == "GET":
                return self._select(self._account_row(account), self._fields(params, ACCOUNT_FIELDS, "AdAccount"))
            if edge in NODE_TYPES and request.method == "GET":
                return self._edge(request, params, account, edge)
            if edge == "insights" and request.method == "POST":
                return self._create_job(params, account)
            if edge == "insights":
                raise GraphError(100, "(#100) This sandbox serves insights as async jobs only (POST act_{id}/insights)")
            raise GraphError(100, f"(#100) Unsupported {request.method.lower()} request.", subcode=33)
        job = self._jobs.get(node)
        if job is not None and request.method == "GET":
            if edge is None:
                return self._job_status(job, params)
            if edge == "insights":
                return self._job_rows(request, params, job)
        raise GraphError(
            100,
            f"Unsupported {request.method.lower()} request. Object with ID '{node}' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation. Please read the Graph API documentation at "
            "https://developers.facebook.com/docs/graph-api",
            subcode=33,
            error_type="GraphMethodException",
        )

    # -- auth, errors, headers ------------------------------------------------------------

    @staticmethod
    def _params(request: FakeRequest) -> dict[str, str]:
        params = {k: v[0] for k, v in request.query.items()}
        if request.method == "POST" and request.body:
            if "json" in (request.header("content-type") or ""):
                params.update({k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in request.json().items()})
            else:
                params.update({k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()})
        return params

    def _authenticate(self, request: FakeRequest, params: dict[str, str]) -> None:
        token = params.get("access_token")
        header = request.header("authorization") or ""
        if not token and header.split(" ", 1)[0] in ("Bearer", "OAuth"):
            token = header.split(" ", 1)[-1].strip()
        if not token:
            raise GraphError(104, "An access token is required to request this resource.")
        if token != self.access_token:
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")
        proof = params.get("appsecret_proof")
        if proof is None and self.require_appsecret_proof:
            raise GraphError(100, "API calls from the server require an appsecret_proof argument", error_type="GraphMethodException")
        if proof is not None:
            expected = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(proof, expected):
                raise GraphError(100, "Invalid appsecret_proof provided in the API argument", error_type="GraphMethodException")

    def _raise_scripted(self, path: str) -> None:
        with self._lock:
            for item in self._errors:
                if item.remaining > 0 and (item.path_contains is None or item.path_contains in path):
                    item.remaining -= 1
                    item.error.extra_headers = item.headers  # type: ignore[attr-defined]
                    raise item.error

    def _error(self, request: FakeRequest, exc: GraphError, headers: dict[str, str]) -> FakeResponse:
        error: dict[str, Any] = {"message": exc.message, "type": exc.error_type, "code": exc.code}
        if exc.subcode is not None:
            error["error_subcode"] = exc.subcode
        if exc.transient is not None:
            error["is_transient"] = exc.transient
        error["fbtrace_id"] = self._trace_id(request)
        headers = {**headers, **(getattr(exc, "extra_headers", None) or {})}
        if exc.code in (104, 190):
            headers["www-authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{exc.message}"'
        return FakeResponse.json({"error": error}, exc.status, headers=headers)

    def _trace_id(self, request: FakeRequest) -> str:
        digest = hashlib.blake2b(repr((request.method, request.path, sorted(request.query))).encode(), digest_size=8).digest()
        return base64.b64encode(digest).decode().rstrip("=").replace("+", "A").replace("/", "B")

    def _business_id(self, account_id: str | None) -> str:
        return str(stable_rng(self.world.seed, "business", account_id or "app").randrange(10**14, 10**15))

    def _buc_header(self, account_id: str | None, percent: float, regain_minutes: float | None) -> dict[str, str]:
        entry = {"type": "ads_insights", "call_count": percent, "total_cputime": max(1, percent // 2), "total_time": max(1, percent // 2),
                 "estimated_time_to_regain_access": regain_minutes or 0, "ads_api_access_tier": "standard_access"}
        return {"x-business-use-case-usage": orjson.dumps({self._business_id(account_id): [entry]}).decode()}

    def _usage_headers(self, count: int, account_id: str | None, insights: bool) -> dict[str, str]:
        """Low, slowly rising usage, as a quiet app sees; `set_usage` scripts a busy one."""
        pct = min(30, 1 + count // 10)
        headers = {"x-app-usage": orjson.dumps({"call_count": pct, "total_cputime": 1, "total_time": 1}).decode()}
        if account_id:
            headers["x-ad-account-usage"] = orjson.dumps({"acc_id_util_pct": pct, "reset_time_duration": 0,
                                                          "ads_api_access_tier": "standard_access"}).decode()
            headers.update(self._buc_header(account_id, pct, 0))
        if insights:
            headers["x-fb-ads-insights-throttle"] = orjson.dumps({"app_id_util_pct": pct, "acc_id_util_pct": pct,
                                                                  "ads_api_access_tier": "standard_access"}).decode()
        return headers

    def _take_usage(self) -> dict[str, str]:
        with self._lock:
            while self._usage and self._usage[0].remaining <= 0:
                self._usage.popleft()
            if not self._usage:
                return {}
            self._usage[0].remaining -= 1
            return self._usage[0].headers

    # -- parameters -----------------------------------------------------------------------

    def _account(self, node: str) -> Account:
        account = self.world.account(node[4:])
        if account is None:
            raise GraphError(
                100,
                f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded due to missing "
                "permissions, or does not support this operation.",
                subcode=33,
                error_type="GraphMethodException",
            )
        return account

    @staticmethod
    def _list(params: dict[str, str], name: str) -> list[str] | None:
        raw = params.get(name)
        if raw is None or raw == "":
            return None
        if raw.startswith("["):
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise GraphError(100, f"(#100) param {name} must be a JSON array or a comma-separated list") from None
            if not isinstance(value, list):
                raise GraphError(100, f"(#100) param {name} must be an array")
            return [str(v) for v in value]
        return [v.strip() for v in raw.split(",") if v.strip()]

    def _fields(self, params: dict[str, str], available: tuple[str, ...], node_type: str) -> tuple[str, ...]:
        fields = self._list(params, "fields")
        if fields is None:
            return ("id",)  # Meta's default for most nodes is just the id (and name)
        for name in fields:
            if name not in available:
                raise GraphError(100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})")
        return tuple(fields)

    @staticmethod
    def _limit(params: dict[str, str]) -> int:
        raw = params.get("limit")
        if raw is None:
            return DEFAULT_LIMIT
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            raise GraphError(100, f"(#100) Param limit must be an integer between 1 and {MAX_LIMIT}")
        return int(raw)

    @staticmethod
    def _select(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        out = {f: row[f] for f in fields if row.get(f) is not None}  # Meta leaves out fields without a value
        out.setdefault("id", row["id"])
        return out

    def _page(self, request: FakeRequest, params: dict[str, str], items: list[dict[str, Any]]) -> dict[str, Any]:
        limit = self._limit(params)
        start = _uncursor(params["after"]) + 1 if params.get("after") else 0
        chunk = items[start:start + limit]
        body: dict[str, Any] = {"data": chunk}
        if chunk:
            paging: dict[str, Any] = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(chunk) - 1)}}
            if start + limit < len(items):
                query = {**params, "after": paging["cursors"]["after"]}
                paging["next"] = f"http://{request.header('host')}/{self.prefix}{request.path}?{urlencode(query)}"
            body["paging"] = paging
        if params.get("summary") == "true":
            body["summary"] = {"total_count": len(items)}
        return body

    # -- objects --------------------------------------------------------------------------

    def _times(self, *key: object) -> tuple[datetime, datetime]:
        """Stable created/updated times before the world's first day, as for objects made earlier."""
        rng = stable_rng(self.world.seed, "facebook-times", *key)
        created = datetime.combine(self.world.start_date, time.min, tzinfo=timezone.utc) - timedelta(
            days=rng.randint(5, 90), seconds=rng.randint(0, 86399))
        return created, created + timedelta(hours=rng.randint(0, 96), seconds=rng.randint(0, 3599))

    def _account_row(self, account: Account) -> dict[str, Any]:
        created, _ = self._times("account", account.id)
        return {
            "id": f"act_{account.id}",
            "account_id": account.id,
            "name": account.name,
            "currency": account.currency,
            "timezone_name": account.timezone,
            "account_status": 1,
            "business_name": f"{account.name} Ltd",
            "created_time": _meta_time(created),
        }

    @staticmethod
    def _status(campaign: Campaign) -> str:
        return "ACTIVE" if campaign.status == "ENABLE" else "PAUSED"

    def _campaign_row(self, account: Account, campaign: Campaign) -> dict[str, Any]:
        created, updated = self._times("campaign", campaign.id)
        return {
            "id": campaign.id,
            "account_id": account.id,
            "name": campaign.name,
            "objective": OBJECTIVE[campaign.objective],
            "status": self._status(campaign),
            "effective_status": self._status(campaign),
            "buying_type": "AUCTION",
            "daily_budget": str(int(campaign.daily_budget * 100)),
            "created_time": _meta_time(created),
            "updated_time": _meta_time(updated),
            "start_time": _meta_time(created),
        }

    def _adset_row(self, account: Account, campaign: Campaign, group: AdGroup) -> dict[str, Any]:
        created, updated = self._times("adset", group.id)
        goal, billing = OPTIMIZATION[campaign.objective]
        return self._edited({
            "id": group.id,
            "account_id": account.id,
            "campaign_id": campaign.id,
            "name": group.name,
            "status": "ACTIVE",
            "effective_status": "ACTIVE" if campaign.status == "ENABLE" else "CAMPAIGN_PAUSED",
            "daily_budget": str(int(campaign.daily_budget * 100) // len(campaign.ad_groups)),
            "optimization_goal": goal,
            "billing_event": billing,
            "created_time": _meta_time(created),
            "updated_time": _meta_time(updated),
            "start_time": _meta_time(created),
        })

    def _ad_row(self, account: Account, campaign: Campaign, group: AdGroup, ad: Ad) -> dict[str, Any]:
        created, updated = self._times("ad", ad.id)
        return self._edited({
            "id": ad.id,
            "account_id": account.id,
            "campaign_id": campaign.id,
            "adset_id": group.id,
            "name": ad.name,
            "status": "ACTIVE",
            "effective_status": "ACTIVE" if campaign.status == "ENABLE" else "CAMPAIGN_PAUSED",
            "creative": {"id": self.creative_id(ad)},
            "created_time": _meta_time(created),
            "updated_time": _meta_time(updated),
        })

    def creative_id(self, ad: Ad) -> str:
        return str(stable_rng(self.world.seed, "creative", ad.id).randrange(10**14, 10**15))

    def _creative_row(self, account: Account, campaign: Campaign, ad: Ad) -> dict[str, Any]:
        return {
            "id": self.creative_id(ad),
            "account_id": account.id,
            "name": f"Creative for {ad.name}",
            "title": campaign.name,
            "body": f"Shop the {campaign.name} offer",
            "object_type": "SHARE",
            "status": "ACTIVE",
            "call_to_action_type": CALL_TO_ACTION[campaign.objective],
        }

    def _edited(self, row: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            change = self._edits.get(row["id"])
        if change is not None:
            row = {**row, **change.fields, "updated_time": _meta_time(change.updated)}
        return row

    def _edge(self, request: FakeRequest, params: dict[str, str], account: Account, edge: str) -> dict[str, Any]:
        available = {"campaigns": CAMPAIGN_FIELDS, "adsets": ADSET_FIELDS, "ads": AD_FIELDS, "adcreatives": CREATIVE_FIELDS}[edge]
        fields = self._fields(params, available, NODE_TYPES[edge])
        if edge == "campaigns":
            rows = [self._campaign_row(account, c) for c in account.campaigns]
        elif edge == "adsets":
            rows = [self._adset_row(account, c, g) for c in account.campaigns for g in c.ad_groups]
        elif edge == "ads":
            rows = [self._ad_row(account, c, g, ad) for c in account.campaigns for g in c.ad_groups for ad in g.ads]
        else:
            rows = [self._creative_row(account, c, ad) for c in account.campaigns for g in c.ad_groups for ad in g.ads]
        statuses = self._list(params, "effective_status")
        if edge in STATUSES:
            if statuses is not None:
                unknown = [s for s in statuses if s not in STATUSES[edge]]
                if unknown:
                    raise GraphError(100, f"(#100) Param effective_status[0] must be one of {{{', '.join(STATUSES[edge])}}}")
                rows = [r for r in rows if r["effective_status"] in statuses]
            else:  # Meta's default: no deleted or archived objects
                rows = [r for r in rows if r["effective_status"] not in ("DELETED", "ARCHIVED")]
        since = params.get("updated_since")
        if since is not None:
            if edge not in ("adsets", "ads"):
                raise GraphError(100, f"(#100) param updated_since is not supported on edge {edge}")
            if not since.isdigit():
                raise GraphError(100, "(#100) Param updated_since must be an integer")
            cut = _meta_time(datetime.fromtimestamp(int(since), tz=timezone.utc))
            rows = [r for r in rows if r["updated_time"] >= cut]
        return self._page(request, params, [self._select(r, fields) for r in rows])

    # -- async insights -------------------------------------------------------------------

    def _create_job(self, params: dict[str, str], account: Account) -> dict[str, Any]:
        level = params.get("level", "account")
        if level not in INSIGHTS_LEVEL_FIELDS:
            raise GraphError(100, "(#100) param level must be one of {ad, adset, campaign, account}")
        fields = tuple(self._list(params, "fields") or ("impressions", "spend"))
        allowed = set(INSIGHTS_METRICS) | set(INSIGHTS_LEVEL_FIELDS[level])
        for name in fields:
            if name not in allowed:
                raise GraphError(100, f"(#100) {name} is not valid for fields param at level {level}. please check "
                                      "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all valid values")
        if params.get("time_increment", "all_days") != "1":
            raise GraphError(100, "(#100) This sandbox serves daily insights only: time_increment must be 1")
        since, until = self._time_range(params.get("time_range"))
        oldest = self.world.end_date - timedelta(days=MAX_HISTORY_MONTHS * 30)
        if since < oldest:
            raise GraphError(3018, "(#3018) The start date of the time range cannot be beyond 37 months from the current date")
        windows = tuple(self._list(params, "action_attribution_windows") or ())
        unknown = [w for w in windows if w not in ATTRIBUTION_WINDOWS]
        if unknown:
            raise GraphError(100, f"(#100) action_attribution_windows[0] must be one of {{{', '.join(sorted(ATTRIBUTION_WINDOWS))}}}")
        key = (account.id, level, since, until)
        with self._lock:
            n = self._job_counts[key] = self._job_counts.get(key, 0) + 1
            script = self._job_scripts.popleft() if self._job_scripts else DEFAULT_JOB_SCRIPT
            job_id = str(stable_rng(self.world.seed, "report-run", *key, n).randrange(10**15, 10**16))
            self._jobs[job_id] = _Job(job_id, account, level, fields, since, until, windows, script)
        return {"report_run_id": job_id}

    @staticmethod
    def _time_range(raw: str | None) -> tuple[date, date]:
        try:
            value = orjson.loads(raw or "")
            since, until = date.fromisoformat(value["since"]), date.fromisoformat(value["until"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise GraphError(100, "(#100) time_range must be {'since':YYYY-MM-DD,'until':YYYY-MM-DD}") from None
        if since > until:
            raise GraphError(100, "(#100) time_range: since must be on or before until")
        return since, until

    def _job_status(self, job: _Job, params: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            job.polls += 1
            status, position = job.status, min(job.polls, len(job.script))
        percent = 100 if status == "Job Completed" else 0 if status == "Job Not Started" else int(100 * position / (len(job.script) + 1))
        row: dict[str, Any] = {
            "id": job.id,
            "account_id": job.account.id,
            "async_status": status,
            "async_percent_completion": percent,
            "date_start": job.since.isoformat(),
            "date_stop": job.until.isoformat(),
            "time_ref": int(datetime.combine(self.world.end_date, time(12), tzinfo=timezone.utc).timestamp()),
        }
        if status == "Job Completed":
            row["time_completed"] = row["time_ref"] + 30
        if status == "Job Failed":  # reported since v25.0 (Ads Insights API error codes)
            row.update(error_code=-2, error_subcode=2490547, error_message="Generating the report failed. Try again later.")
        return self._select(row, self._fields(params, REPORT_RUN_FIELDS, "AdReportRun"))

    def _job_rows(self, request: FakeRequest, params: dict[str, str], job: _Job) -> dict[str, Any]:
        if job.polls == 0 or job.status != "Job Completed":
            raise GraphError(100, f"(#100) The report is not ready: async_status is '{job.status}'")
        with self._lock:
            if job.rows is None:
                job.rows = self.insights_rows(job.account, job.level, job.since, job.until, job.fields, job.windows)
            rows = job.rows
        return self._page(request, params, rows)

    def insights_rows(self, account: Account, level: str, since: date, until: date,
                      fields: tuple[str, ...], windows: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Meta's daily insights rows of one job: every metric a string, zero actions left out."""
        rows = []
        wanted = set(fields) | {"date_start", "date_stop"}
        for day in (d for d in self.world.days if since <= d <= until):
            for attributes, ads in self._entities(account, level):
                values = self._day_values(ads, day, windows)
                if values is None:
                    continue
                row = {**attributes, **values, "account_id": account.id, "account_name": account.name,
                       "account_currency": account.currency, "date_start": day.isoformat(), "date_stop": day.isoformat()}
                rows.append({k: v for k, v in row.items() if k in wanted and v is not None})
        return rows

    @staticmethod
    def _entities(account: Account, level: str) -> list[tuple[dict[str, str], list[Ad]]]:
        out: list[tuple[dict[str, str], list[Ad]]] = []
        if level == "account":
            return [({}, [ad for c in account.campaigns for g in c.ad_groups for ad in g.ads])]
        for c in account.campaigns:
            campaign = {"campaign_id": c.id, "campaign_name": c.name}
            if level == "campaign":
                out.append((campaign, [ad for g in c.ad_groups for ad in g.ads]))
                continue
            for g in c.ad_groups:
                group = {**campaign, "adset_id": g.id, "adset_name": g.name}
                if level == "adset":
                    out.append((group, list(g.ads)))
                else:
                    out.extend(({**group, "ad_id": ad.id, "ad_name": ad.name}, [ad]) for ad in g.ads)
        return out

    def _day_values(self, ads: list[Ad], day: date, windows: tuple[str, ...]) -> dict[str, Any] | None:
        parts = [self.world.ad_metrics(ad.id, day) for ad in ads]
        impressions = sum(p.impressions for p in parts)
        if impressions == 0:
            return None  # Meta returns no row for a day without delivery
        spend = round(sum(p.spend for p in parts), 2)
        clicks = sum(p.clicks for p in parts)
        link_clicks = sum(int(p.clicks * 0.8) for p in parts)
        purchases = sum(p.conversions for p in parts)
        value = round(sum(p.conversion_value for p in parts), 2)
        leads = sum(p.clicks // LEAD_PER_CLICKS for p in parts)
        frequency = stable_rng(self.world.seed, "frequency", ads[0].id, len(ads), day.isoformat()).uniform(1.05, 1.6)
        reach = max(1, int(impressions / frequency))
        counts = {
            "link_click": link_clicks,
            "landing_page_view": int(link_clicks * 0.7),
            "lead": leads,
            "offsite_conversion.fb_pixel_lead": leads,
            "offsite_conversion.fb_pixel_purchase": purchases,
            "omni_purchase": purchases,
            "purchase": purchases,
        }
        amounts = {"offsite_conversion.fb_pixel_purchase": value, "omni_purchase": value, "purchase": value}

        def stat(action_type: str, number: str) -> dict[str, str]:
            out = {"action_type": action_type, "value": number}
            # the sandbox attributes every action to clicks, and a fifth of each (rounded down) also to views
            seen = f"{int(number) // 5}" if number.isdigit() else f"{Decimal(number) / 5:.2f}"
            for window in windows:
                out[window] = number if window.endswith("click") or window == "dda" else seen if window.endswith("view") else "0"
            return out

        unique_clicks, unique_links = max(1, clicks * 9 // 10) if clicks else 0, link_clicks * 9 // 10
        plays, thruplays = impressions * 2 // 5, impressions // 10

        return {
            "spend": f"{spend:.2f}",
            "impressions": str(impressions),
            "clicks": str(clicks),
            "inline_link_clicks": str(link_clicks),
            "reach": str(reach),
            "frequency": f"{impressions / reach:.6f}",
            "cpm": f"{spend / impressions * 1000:.6f}",
            "cpc": f"{spend / clicks:.6f}" if clicks else None,
            "ctr": f"{clicks / impressions * 100:.6f}",
            "actions": [stat(t, str(n)) for t, n in counts.items() if n] or None,
            "action_values": [stat(t, f"{v:.2f}") for t, v in amounts.items() if v] or None,
            "unique_clicks": str(unique_clicks),
            "unique_inline_link_clicks": str(unique_links),
            "unique_ctr": f"{unique_clicks / reach * 100:.6f}",
            "unique_inline_link_click_ctr": f"{unique_links / reach * 100:.6f}",
            "purchase_roas": [{"action_type": "omni_purchase", "value": f"{value / spend:.6f}"}] if value and spend else None,
            "video_play_actions": [{"action_type": "video_view", "value": str(plays)}] if plays else None,
            "video_thruplay_watched_actions": [{"action_type": "video_view", "value": str(thruplays)}] if thruplays else None,
        }


def _redact_server_log() -> None:
    """The fake server logs each request line; Meta's token travels in the query string."""
    logger = logging.getLogger("bosco_connectors.sandbox")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
