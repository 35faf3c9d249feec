"""A fake Google Analytics Data API v1beta (runReport) and Google OAuth token endpoint.

Mounted at ``/ga4`` on a `FakeApi`:

- ``POST /ga4/v1beta/properties/{id}:runReport`` answers in the documented shape
  (https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/RunReportResponse):
  ``dimensionHeaders``, ``metricHeaders`` (name + ``type``), ``rows[]`` of
  ``dimensionValues``/``metricValues`` whose values are all strings (``date`` as YYYYMMDD),
  ``rowCount`` (all rows of the query, whatever ``limit`` returns), ``metadata``
  (``currencyCode``, ``timeZone``), ``propertyQuota`` when asked, ``kind``. As proto3 JSON
  does, zero and empty fields are left out (no ``rows``/``rowCount`` for an empty report,
  no ``remaining`` when a quota is used up).
- ``POST /ga4/token`` is Google's OAuth token endpoint for the refresh-token grant and the
  JWT-bearer grant of service accounts (RS256 signature checked against registered keys).

Errors use Google's body ``{"error": {"code", "message", "status"}}``: 401
``UNAUTHENTICATED`` for a missing or unknown bearer token, 403 ``PERMISSION_DENIED`` for a
property the credential cannot read, 400 ``INVALID_ARGUMENT`` for unknown fields, bad
dates or names, 429 ``RESOURCE_EXHAUSTED`` when the property's token quota is used up.

The data: a deterministic cube of sessions per day x source / medium / campaign x landing
page x device. Paid traffic comes from the fake ad platforms' own worlds (same seed, size
and end date): each campaign's sessions are its clicks times a landing rate, and its
``sessionCampaignName`` is the ad platform's campaign name, so utm campaigns join to ad
campaigns. Organic, direct and e-mail traffic is added. Users are treated as additive
across rows, a simplification: GA4 counts distinct users.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, Callable
from urllib.parse import parse_qs, quote, urlsplit

import orjson

from .server import FakeRequest, FakeResponse
from .world import World, stable_rng

API_ROOT = "/v1beta/"
TOKEN_PATH = "/token"
RUN_REPORT_SUFFIX = ":runReport"
FAKE_CLIENT_ID = "123456789012-sandbox.apps.googleusercontent.com"
FAKE_CLIENT_SECRET = "GOCSPX-sandbox-7f3a9c2e51d0"
FAKE_REFRESH_TOKEN = "1//sandbox-refresh-4b8e7f3a9c2e51d0"
ANALYTICS_SCOPES = ("https://www.googleapis.com/auth/analytics.readonly", "https://www.googleapis.com/auth/analytics")
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_LIMIT = 10_000
MAX_LIMIT = 250_000
CURRENCY = "USD"
TIME_ZONE = "America/New_York"

#: utm_source, utm_medium, and the World namespace of that ad platform's fake app
#: (tiktok_ads generated from its declarations, facebook_ads.py, google_ads.py), so campaign names match theirs.
AD_CHANNELS = (
    ("tiktok", "paid_social", "tiktok_ads"),
    ("facebook", "paid_social", "facebook_ads"),
    ("google", "cpc", "google_ads"),
)
#: source, medium, campaign name (GA4's own placeholders), daily sessions range.
UNPAID_CHANNELS = (
    ("google", "organic", "(organic)", (40, 240)),
    ("(direct)", "(none)", "(direct)", (20, 150)),
    ("newsletter", "email", "weekly_digest", (0, 60)),
)
LANDING_PAGES = ("/", "/collections/sale", "/products/trail-runner", "/products/rain-shell", "/blog/packing-list")
DEVICES = ("desktop", "mobile", "tablet")
CHANNEL_GROUP = {
    ("google", "cpc"): "Paid Search",
    ("tiktok", "paid_social"): "Paid Social",
    ("facebook", "paid_social"): "Paid Social",
    ("google", "organic"): "Organic Search",
    ("(direct)", "(none)"): "Direct",
    ("newsletter", "email"): "Email",
}

#: Standard-property quotas (tokens, requests) as documented for PropertyQuota.
STANDARD_QUOTA = {
    "tokensPerDay": 200_000,
    "tokensPerHour": 40_000,
    "concurrentRequests": 10,
    "serverErrorsPerProjectPerHour": 10,
    "potentiallyThresholdedRequestsPerHour": 120,
    "tokensPerProjectPerHour": 14_000,
}

REQUEST_FIELDS = frozenset(
    {
        "property", "dimensions", "metrics", "dateRanges", "dimensionFilter", "metricFilter", "offset", "limit",
        "metricAggregations", "orderBys", "currencyCode", "cohortSpec", "keepEmptyRows", "returnPropertyQuota",
        "comparisons",
    }
)
UNSERVED_FIELDS = ("dimensionFilter", "metricFilter", "metricAggregations", "cohortSpec", "comparisons")


@dataclass(frozen=True)
class Cell:
    """Sessions of one day x source / medium / campaign x landing page x device."""

    day: date
    source: str
    medium: str
    campaign: str
    landing_page: str
    query: str
    device: str
    sessions: int
    users: int
    new_users: int
    engaged: int
    key_events: int
    purchases: int
    purchase_cents: int
    total_cents: int
    page_views: int


DIMENSIONS: dict[str, Callable[[Cell], str]] = {
    "date": lambda c: c.day.strftime("%Y%m%d"),
    "sessionSource": lambda c: c.source,
    "sessionMedium": lambda c: c.medium,
    "sessionSourceMedium": lambda c: f"{c.source} / {c.medium}",
    "sessionCampaignName": lambda c: c.campaign,
    "sessionDefaultChannelGroup": lambda c: CHANNEL_GROUP[(c.source, c.medium)],
    "landingPage": lambda c: c.landing_page,
    "landingPagePlusQueryString": lambda c: c.landing_page + (f"?{c.query}" if c.query else ""),
    "deviceCategory": lambda c: c.device,
}

#: Additive sums kept per group; the metrics below are read from them.
SUMS = ("sessions", "users", "new_users", "engaged", "key_events", "purchases", "purchase_cents", "total_cents", "page_views")


def _money(cents: int) -> str:
    text = f"{cents // 100}.{cents % 100:02d}".rstrip("0").rstrip(".")
    return text or "0"


def _rate(num: int, den: int) -> str:
    return repr(num / den) if den else "0"


METRICS: dict[str, tuple[str, Callable[[dict[str, int]], str]]] = {
    "sessions": ("TYPE_INTEGER", lambda s: str(s["sessions"])),
    "totalUsers": ("TYPE_INTEGER", lambda s: str(s["users"])),
    "activeUsers": ("TYPE_INTEGER", lambda s: str(s["users"])),
    "newUsers": ("TYPE_INTEGER", lambda s: str(s["new_users"])),
    "engagedSessions": ("TYPE_INTEGER", lambda s: str(s["engaged"])),
    "keyEvents": ("TYPE_FLOAT", lambda s: repr(float(s["key_events"]))),
    "ecommercePurchases": ("TYPE_INTEGER", lambda s: str(s["purchases"])),
    "purchaseRevenue": ("TYPE_CURRENCY", lambda s: _money(s["purchase_cents"])),
    "totalRevenue": ("TYPE_CURRENCY", lambda s: _money(s["total_cents"])),
    "screenPageViews": ("TYPE_INTEGER", lambda s: str(s["page_views"])),
    "engagementRate": ("TYPE_FLOAT", lambda s: _rate(s["engaged"], s["sessions"])),
    "bounceRate": ("TYPE_FLOAT", lambda s: _rate(s["sessions"] - s["engaged"], s["sessions"])),
}


def _split(total: int, weights: list[float]) -> list[int]:
    """Split an integer total by weights, exactly (largest remainder)."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


class Ga4Traffic:
    """The property's data: `cells(day)` is every non-empty cell of one day."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.Lock()
        self._cache: OrderedDict[date, list[Cell]] = OrderedDict()

    @cached_property
    def platforms(self) -> dict[str, World]:
        w = self.world
        return {ns: World(w.seed, w.size, namespace=ns, end_date=w.end_date, overrides=dict(w.overrides)) for _, _, ns in AD_CHANNELS}

    def campaign_sessions(self, day: date) -> list[tuple[str, str, str, int]]:
        """(source, medium, campaign name, sessions) for every channel with sessions that day."""
        if day < self.world.start_date or day > self.world.end_date:
            return []
        out = []
        for source, medium, namespace in AD_CHANNELS:
            platform = self.platforms[namespace]
            for account in platform.accounts:
                for campaign in account.campaigns:
                    clicks = sum(platform.ad_metrics(ad.id, day).clicks for g in campaign.ad_groups for ad in g.ads)
                    rate = stable_rng(self.world.seed, "ga4-landing-rate", campaign.id, day.isoformat()).uniform(0.55, 0.9)
                    sessions = round(clicks * rate)
                    if sessions:
                        out.append((source, medium, campaign.name, sessions))
        for source, medium, campaign, (low, high) in UNPAID_CHANNELS:
            sessions = stable_rng(self.world.seed, "ga4-unpaid", source, medium, day.isoformat()).randint(low, high)
            if sessions:
                out.append((source, medium, campaign, sessions))
        return out

    def cells(self, day: date) -> list[Cell]:
        with self._lock:
            if day in self._cache:
                self._cache.move_to_end(day)
                return self._cache[day]
        cells = self._build(day)
        with self._lock:
            self._cache[day] = cells
            while len(self._cache) > 400:
                self._cache.popitem(last=False)
        return cells

    def _build(self, day: date) -> list[Cell]:
        cells = []
        seed = self.world.seed
        for source, medium, campaign, total in self.campaign_sessions(day):
            rng = stable_rng(seed, "ga4-split", source, medium, campaign, day.isoformat())
            slots = [(page, device) for page in LANDING_PAGES for device in DEVICES]
            weights = [rng.uniform(0.2, 1.0) * (2.0 if device == "mobile" else 1.0) for _, device in slots]
            query = ""
            if medium not in ("organic", "(none)"):
                query = f"utm_source={quote(source)}&utm_medium={quote(medium)}&utm_campaign={quote(campaign)}"
            for (page, device), sessions in zip(slots, _split(total, weights), strict=True):
                if sessions == 0:
                    continue
                r = stable_rng(seed, "ga4-cell", source, medium, campaign, page, device, day.isoformat())
                users = sessions - int(sessions * r.uniform(0.0, 0.15))
                key_events = int(sessions * r.uniform(0.0, 0.09))
                purchases = min(key_events, round(key_events * r.uniform(0.3, 1.0)))
                purchase_cents = sum(r.randint(1_500, 15_000) for _ in range(purchases))
                cells.append(
                    Cell(
                        day=day, source=source, medium=medium, campaign=campaign, landing_page=page, query=query,
                        device=device, sessions=sessions, users=users, new_users=round(users * r.uniform(0.2, 0.7)),
                        engaged=round(sessions * r.uniform(0.4, 0.8)), key_events=key_events, purchases=purchases,
                        purchase_cents=purchase_cents, total_cents=purchase_cents + sessions * r.randint(0, 3),
                        page_views=sessions * r.randint(1, 5),
                    )
                )
        return cells


class _Reject(Exception):
    """A request Google would refuse: HTTP code, canonical status and message."""

    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def _invalid(message: str) -> _Reject:
    return _Reject(400, "INVALID_ARGUMENT", message)


@dataclass
class _Scripted:
    code: int
    status: str
    message: str
    remaining: int


class Quota:
    """The property's quota state; each runReport consumes tokens from the token quotas."""

    def __init__(self, limits: dict[str, int] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = dict(limits or STANDARD_QUOTA)
        self.consumed = {name: 0 for name in self.limits}
        self._clock = clock
        self._hour_started = clock()
        self._lock = threading.Lock()

    def _roll_hour(self) -> None:
        if self._clock() - self._hour_started >= 3600:
            self._hour_started = self._clock()
            for name in ("tokensPerHour", "tokensPerProjectPerHour", "serverErrorsPerProjectPerHour", "potentiallyThresholdedRequestsPerHour"):
                self.consumed[name] = 0

    def exhausted(self) -> str | None:
        """The token quota that has nothing left, if any."""
        with self._lock:
            self._roll_hour()
            for name in ("tokensPerDay", "tokensPerHour", "tokensPerProjectPerHour"):
                if self.consumed[name] >= self.limits[name]:
                    return name
        return None

    def charge(self, tokens: int) -> None:
        with self._lock:
            for name in ("tokensPerDay", "tokensPerHour", "tokensPerProjectPerHour"):
                self.consumed[name] = min(self.limits[name], self.consumed[name] + tokens)

    def snapshot(self) -> dict[str, dict[str, int]]:
        """``PropertyQuota`` as proto3 JSON: zero values are omitted."""
        with self._lock:
            out = {}
            for name, limit in self.limits.items():
                consumed = self.consumed[name] if name != "concurrentRequests" else 0
                status = {"consumed": consumed, "remaining": max(0, limit - consumed)}
                out[name] = {k: v for k, v in status.items() if v}
            return out


EXHAUSTED_MESSAGES = {
    "tokensPerDay": "Exhausted property tokens per day. These quota tokens will return tomorrow.",
    "tokensPerHour": "Exhausted property tokens per hour. These quota tokens will return in under an hour.",
    "tokensPerProjectPerHour": "Exhausted property tokens per hour for a project per property. These quota tokens will return in under an hour.",
}
QUOTA_DOCS = " To learn more, see https://developers.google.com/analytics/devguides/reporting/data/v1/quotas"


class Ga4App:
    """The fake GA4 Data API and token endpoint, mounted at ``/ga4`` on a `FakeApi`."""

    prefix = "ga4"
    real_root = "https://analyticsdata.googleapis.com"
    client_id = FAKE_CLIENT_ID
    client_secret = FAKE_CLIENT_SECRET
    refresh_token = FAKE_REFRESH_TOKEN

    def __init__(self, seed: int = 7, size: str = "small", end_date: date | None = None, **overrides: int) -> None:
        self.world = World(seed, size, namespace="ga4", end_date=end_date or date.today(), overrides=overrides)
        self.traffic = Ga4Traffic(self.world)
        self.property_id = str(stable_rng(seed, "ga4", "property").randrange(100_000_000, 1_000_000_000))
        self.quota = Quota()
        self._lock = threading.Lock()
        self._tokens: set[str] = set()
        self._issued = 0
        self._service_accounts: dict[str, bytes] = {}
        self._scripted: list[_Scripted] = []

    # -- what a test or the demo needs ------------------------------------------------

    def source_config(self, root_url: str) -> dict[str, Any]:
        """Config that points the ``ga4`` source at this app (refresh-token auth)."""
        root = root_url.rstrip("/")
        return {
            "property_id": self.property_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "token_url": root + TOKEN_PATH,
            "base_url": root + API_ROOT,
            "start_date": self.world.start_date,
            "end_date": self.world.end_date,
            # Small pages, so that even the tiny world reads several pages per report.
            "page_size": 50,
        }

    def register_service_account(self, client_email: str, public_key_pem: bytes | str) -> None:
        """Let ``client_email`` sign JWT-bearer grants with the key whose public half is given."""
        pem = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
        with self._lock:
            self._service_accounts[client_email] = pem

    def set_quota(self, **limits: int) -> None:
        """Change quota limits (e.g. ``tokensPerHour=60``) and start from nothing consumed."""
        self.quota = Quota({**STANDARD_QUOTA, **limits})

    def revoke_tokens(self) -> None:
        """Invalidate every access token issued so far (they expire; clients must refresh)."""
        with self._lock:
            self._tokens.clear()

    @property
    def tokens_issued(self) -> int:
        return self._issued

    def fail_next(self, code: int, status: str, message: str, times: int = 1) -> None:
        """Answer the next ``times`` runReport requests with a Google error body."""
        with self._lock:
            self._scripted.append(_Scripted(code, status, message, times))

    # -- dispatch ---------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path == TOKEN_PATH:
            return self._token(request)
        endpoint = request.path[len(API_ROOT):] if request.path.startswith(API_ROOT) else ""
        if not endpoint.startswith("properties/") or not endpoint.endswith(RUN_REPORT_SUFFIX):
            return self._error(_Reject(404, "NOT_FOUND", f"Method not found: {request.path}"))
        if request.method != "POST":
            return self._error(_Reject(405, "METHOD_NOT_ALLOWED", "runReport is called with POST"))
        try:
            self._authenticate(request)
            property_id = endpoint[len("properties/"): -len(RUN_REPORT_SUFFIX)]
            if property_id != self.property_id:
                raise _Reject(
                    403, "PERMISSION_DENIED",
                    "User does not have sufficient permissions for this property. To learn more about Property ID, "
                    "see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
                )
            scripted = self._take_scripted()
            if scripted is not None:
                raise _Reject(scripted.code, scripted.status, scripted.message)
            return FakeResponse.json(self._run_report(request))
        except _Reject as exc:
            return self._error(exc)

    @staticmethod
    def _error(exc: _Reject) -> FakeResponse:
        return FakeResponse.json({"error": {"code": exc.code, "message": exc.message, "status": exc.status}}, exc.code)

    def _take_scripted(self) -> _Scripted | None:
        with self._lock:
            for item in self._scripted:
                if item.remaining > 0:
                    item.remaining -= 1
                    return item
        return None

    def _authenticate(self, request: FakeRequest) -> None:
        header = request.header("authorization") or ""
        if not header:
            raise _Reject(
                401, "UNAUTHENTICATED",
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
                "or other valid authentication credential.",
            )
        scheme, _, token = header.partition(" ")
        with self._lock:
            known = scheme.lower() == "bearer" and token in self._tokens
        if not known:
            raise _Reject(
                401, "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                "other valid authentication credential.",
            )

    # -- token endpoint ---------------------------------------------------------------

    def _token(self, request: FakeRequest) -> FakeResponse:
        if request.method != "POST":
            return FakeResponse.json({"error": "invalid_request", "error_description": "POST required"}, 400)
        form = {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return FakeResponse.json({"error": "invalid_client", "error_description": "The OAuth client was not found."}, 401)
            if form.get("refresh_token") != self.refresh_token:
                return FakeResponse.json({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, 400)
            scope = form.get("scope")
            if scope and not set(scope.split()) & set(ANALYTICS_SCOPES):
                return FakeResponse.json({"error": "invalid_scope", "error_description": "Bad Request"}, 400)
            return FakeResponse.json({"access_token": self._issue(), "expires_in": 3599, "token_type": "Bearer", "scope": ANALYTICS_SCOPES[0]})
        if grant == JWT_BEARER_GRANT:
            problem = self._check_assertion(form.get("assertion") or "")
            if problem:
                return FakeResponse.json({"error": "invalid_grant", "error_description": problem}, 400)
            return FakeResponse.json({"access_token": self._issue(), "expires_in": 3599, "token_type": "Bearer"})
        return FakeResponse.json({"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant}"}, 400)

    def _check_assertion(self, assertion: str) -> str | None:
        """Why Google would refuse this JWT, or None. Checks what Google documents for the grant."""
        import jwt  # PyJWT; the fake's service-account support needs the ga4 extra too

        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return "Invalid JWT: malformed assertion."
        if header.get("alg") != "RS256":
            return "Invalid JWT: only RS256 is accepted."
        with self._lock:
            public_key = self._service_accounts.get(str(claims.get("iss")))
        if public_key is None:
            return "Invalid grant: account not found"
        try:
            jwt.decode(assertion, public_key, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False})
        except jwt.PyJWTError:
            return "Invalid JWT Signature."
        if not urlsplit(str(claims.get("aud", ""))).path.endswith(TOKEN_PATH):
            return "Invalid JWT: aud must be the token endpoint."
        iat, exp = claims.get("iat"), claims.get("exp")
        now = time.time()
        if not isinstance(iat, int) or not isinstance(exp, int) or exp <= iat or exp - iat > 3600:
            return "Invalid JWT: iat and exp must be numbers, at most one hour apart."
        if exp < now or iat > now + 300:
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
        if not set(str(claims.get("scope", "")).split()) & set(ANALYTICS_SCOPES):
            return "Invalid OAuth scope or ID token audience provided."
        return None

    def _issue(self) -> str:
        with self._lock:
            self._issued += 1
            token = "ya29.sandbox-" + hashlib.blake2b(f"{self.world.seed}|{self._issued}".encode(), digest_size=12).hexdigest()
            self._tokens.add(token)
        return token

    # -- runReport --------------------------------------------------------------------

    def _run_report(self, request: FakeRequest) -> dict[str, Any]:
        try:
            body = orjson.loads(request.body or b"{}")
        except orjson.JSONDecodeError:
            raise _invalid("Invalid JSON payload received. Unexpected token.") from None
        if not isinstance(body, dict):
            raise _invalid("Invalid JSON payload received. Expected an object.")
        unknown = sorted(set(body) - REQUEST_FIELDS)
        if unknown:
            raise _invalid(f'Invalid JSON payload received. Unknown name "{unknown[0]}": Cannot find field.')
        unserved = [f for f in UNSERVED_FIELDS if body.get(f)]
        if unserved:
            raise _invalid(f"{unserved[0]} is not served by this sandbox.")
        dimensions = self._names(body.get("dimensions", []), "dimension", DIMENSIONS)
        metrics = self._names(body.get("metrics", []), "metric", METRICS)
        if not metrics:
            raise _invalid("A report request must have at least one metric.")
        if len(dimensions) > 9 or len(metrics) > 10:
            raise _invalid("Requests are limited to 9 dimensions and 10 metrics.")
        start, end = self._date_range(body.get("dateRanges"))
        offset = self._int(body.get("offset", 0), "offset", low=0)
        limit = min(MAX_LIMIT, self._int(body.get("limit", DEFAULT_LIMIT) or DEFAULT_LIMIT, "limit", low=1))
        order = self._order(body.get("orderBys") or [], dimensions, metrics)
        keep_empty = bool(body.get("keepEmptyRows", False))

        exhausted = self.quota.exhausted()
        if exhausted:
            raise _Reject(429, "RESOURCE_EXHAUSTED", EXHAUSTED_MESSAGES[exhausted] + QUOTA_DOCS)

        groups: dict[tuple[str, ...], dict[str, int]] = {}
        day = start
        while day <= end:
            for cell in self.traffic.cells(day):
                key = tuple(DIMENSIONS[d](cell) for d in dimensions)
                sums = groups.setdefault(key, dict.fromkeys(SUMS, 0))
                for name in SUMS:
                    sums[name] += getattr(cell, name)
            day = date.fromordinal(day.toordinal() + 1)
        rows = []
        for key, sums in groups.items():
            values = [METRICS[m][1](sums) for m in metrics]
            if not keep_empty and all(float(v) == 0 for v in values):
                continue
            rows.append((key, values))
        rows.sort(key=order)
        page = rows[offset : offset + limit]

        self.quota.charge(2 + len(page) // 100)
        out: dict[str, Any] = {
            "dimensionHeaders": [{"name": d} for d in dimensions],
            "metricHeaders": [{"name": m, "type": METRICS[m][0]} for m in metrics],
        }
        if page:
            out["rows"] = [
                {"dimensionValues": [{"value": v} for v in key], "metricValues": [{"value": v} for v in values]}
                for key, values in page
            ]
        if rows:
            out["rowCount"] = len(rows)
        out["metadata"] = {"currencyCode": CURRENCY, "timeZone": TIME_ZONE}
        if body.get("returnPropertyQuota"):
            out["propertyQuota"] = self.quota.snapshot()
        out["kind"] = "analyticsData#runReport"
        return out

    @staticmethod
    def _names(items: Any, kind: str, known: dict[str, Any]) -> list[str]:
        if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
            raise _invalid(f"{kind}s must be a list of {{\"name\": ...}} objects.")
        names = [i["name"] for i in items]
        for name in names:
            if name not in known:
                raise _invalid(
                    f"Field {name} is not a valid {kind}. For a list of valid dimensions and metrics, see "
                    f"https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema "
                    f"(this sandbox serves: {', '.join(sorted(known))})"
                )
        if len(set(names)) != len(names):
            raise _invalid(f"Duplicate {kind} names in the request.")
        return names

    def _date_range(self, ranges: Any) -> tuple[date, date]:
        if not isinstance(ranges, list) or not ranges:
            raise _invalid("dateRanges must be specified for a non-cohort report.")
        if len(ranges) > 1:
            raise _invalid("this sandbox serves one date range per request.")
        (item,) = ranges
        try:
            start = datetime.strptime(str(item.get("startDate")), "%Y-%m-%d").date()
            end = datetime.strptime(str(item.get("endDate")), "%Y-%m-%d").date()
        except (ValueError, AttributeError):
            raise _invalid(f"Invalid date range {item!r}: dates are YYYY-MM-DD (this sandbox serves no relative dates).") from None
        if end < start:
            raise _invalid(f"Invalid date range: endDate {end} is before startDate {start}.")
        return start, end

    @staticmethod
    def _int(value: Any, name: str, low: int) -> int:
        try:
            number = int(value)  # int64 fields arrive as JSON numbers or strings
        except (TypeError, ValueError):
            raise _invalid(f"Invalid value at '{name}' ({value!r}): not an integer.") from None
        if number < low:
            raise _invalid(f"{name} must be {'positive' if low else 'non-negative'}.")
        return number

    @staticmethod
    def _order(order_bys: list[Any], dimensions: list[str], metrics: list[str]) -> Callable[[tuple], Any]:
        keys: list[tuple[str, int, bool]] = []
        for item in order_bys:
            desc = bool(item.get("desc", False)) if isinstance(item, dict) else False
            if isinstance(item, dict) and "dimension" in item:
                name = (item["dimension"] or {}).get("dimensionName")
                if name not in dimensions:
                    raise _invalid(f"OrderBy dimension {name} must be one of the requested dimensions.")
                keys.append(("d", dimensions.index(name), desc))
            elif isinstance(item, dict) and "metric" in item:
                name = (item["metric"] or {}).get("metricName")
                if name not in metrics:
                    raise _invalid(f"OrderBy metric {name} must be one of the requested metrics.")
                keys.append(("m", metrics.index(name), desc))
            else:
                raise _invalid("orderBys entries need a dimension or metric.")

        def key(row: tuple) -> tuple:
            dims, values = row
            out = []
            for kind, index, desc in keys:
                if kind == "d":
                    value: Any = dims[index]
                    out.append(_Desc(value) if desc else value)
                else:
                    number = float(values[index])
                    out.append(-number if desc else number)
            return (*out, dims)

        return key


class _Desc:
    """Reverses string order inside a sort key."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: "_Desc") -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value
