"""A fake Google Ads API v26 (REST), served from a deterministic `World`.

Why hand-written, not generated (`sandbox.generated`): every Google Ads request is a GAQL
query whose SELECT decides the fields of the answer, and the source walks a manager
account's client tree; the generated fake routes by paths and fixed parameters and renders
documented records, so it cannot answer a query language. It stays until `google_ads` is
declared (a GAQL stream type with a projecting fake would let it go).

What it answers, in Google's documented shapes:

- ``POST /token``: Google's OAuth 2.0 token endpoint for the refresh-token grant
  (form ``grant_type=refresh_token, client_id, client_secret, refresh_token``) ->
  ``{"access_token", "expires_in", "scope", "token_type": "Bearer"}``; a wrong client is
  ``401 {"error": "invalid_client"}``, a wrong refresh token ``400 {"error": "invalid_grant",
  "error_description": "Token has been expired or revoked."}``.
  (The real endpoint is https://oauth2.googleapis.com/token; here it lives under the app's
  prefix, and `source_config` points ``token_url`` at it.)
- ``POST /v26/customers/{customer_id}/googleAds:searchStream`` with ``{"query": GAQL}``:
  a JSON array of ``SearchGoogleAdsStreamResponse`` batches, each with ``results``
  (``GoogleAdsRow`` in the protobuf JSON mapping: lowerCamelCase keys, int64 as strings,
  enums by name), ``fieldMask`` and ``requestId``; ``queryResourceConsumption`` on the
  last batch. Rows come in batches of ``batch_size`` (Google: up to 10,000).

It parses the GAQL it needs (``SELECT``, ``FROM``, ``WHERE`` with ``=``, ``!=``,
``<``/``>``/``<=``/``>=``, ``IN``, ``BETWEEN``), checks every selected field against its
catalog (the v26 names), insists on a finite ``segments.date`` range when that segment
is selected, and refuses metrics on a manager account (``REQUESTED_METRICS_FOR_MANAGER``).

It enforces the headers: a bearer token it minted (else ``401 UNAUTHENTICATED``,
``AUTHENTICATION_ERROR.OAUTH_TOKEN_INVALID``/``OAUTH_TOKEN_EXPIRED``), the developer
token header is ignored (sunset on 2026-09-09), and access: the OAuth user reaches
the client accounts only through the manager, so ``login-customer-id`` must name it
(else ``403 PERMISSION_DENIED``, ``AUTHORIZATION_ERROR.USER_PERMISSION_DENIED``). Errors
use Google's body, ``{"error": {"code", "message", "status", "details": [GoogleAdsFailure]}}``,
wrapped in an array as searchStream sends it.

The account tree: a manager whose clients are the world's accounts (the first direct,
the others below a sub-manager, at level 2), plus that sub-manager and a cancelled client (``AUTHORIZATION_ERROR.CUSTOMER_NOT_ENABLED`` if queried), so a
traversal that does not filter is caught. All campaigns are Search campaigns; keywords
(two per ad group, from a shared vocabulary, so criterion ids repeat across ad groups as
in Google Ads) and search terms (two per keyword) split each ad group's daily metrics
exactly, so every level sums to the same cost. ``cost_micros = round(spend * 1e6)`` of
each ad, as a string.

The same query engine serves the in-process gRPC server in `google_ads_grpc`.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qs

from ..sources.google_ads import metrics_v26 as _v26
from .server import FakeRequest, FakeResponse
from .world import Account, World, stable_rng

API_VERSION = "v26"
FAILURE_TYPE = f"type.googleapis.com/google.ads.googleads.{API_VERSION}.errors.GoogleAdsFailure"
ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"

FAKE_DEVELOPER_TOKEN = "gads-devtoken-5e1c9a7b3d"
FAKE_CLIENT_ID = "834512907788-sandbox.apps.googleusercontent.com"
FAKE_CLIENT_SECRET = "gads-client-secret-8f2e41"
FAKE_REFRESH_TOKEN = "gads-refresh-token-c73a90d2"

DEFAULT_BATCH_SIZE = 10_000
#: The source's default look-back for daily reports (see `source_config`).
LOOKBACK_DAYS = 14
KEYWORDS_PER_AD_GROUP = 2
VOCABULARY = (
    "running shoes", "trail shoes", "marathon trainers", "waterproof jacket",
    "hiking boots", "yoga mat", "gym bag", "cycling gloves",
)
SEARCH_SUFFIXES = ("near me", "sale", "online", "best", "cheap", "reviews")
MATCH_TYPES = ("EXACT", "PHRASE", "BROAD")

# -- the catalog: v26 field names, their JSON kinds, and where they may be selected --------

FIELDS: dict[str, str] = {
    "customer.id": "int64", "customer.descriptive_name": "str", "customer.currency_code": "str",
    "customer.time_zone": "str", "customer.manager": "bool", "customer.test_account": "bool",
    "customer.status": "enum", "customer.auto_tagging_enabled": "bool", "customer.resource_name": "str",
    "customer_client.id": "int64", "customer_client.client_customer": "str", "customer_client.level": "int64",
    "customer_client.manager": "bool", "customer_client.status": "enum", "customer_client.descriptive_name": "str",
    "customer_client.currency_code": "str", "customer_client.time_zone": "str", "customer_client.hidden": "bool",
    "customer_client.test_account": "bool", "customer_client.resource_name": "str",
    "campaign.id": "int64", "campaign.name": "str", "campaign.status": "enum", "campaign.resource_name": "str",
    "campaign.advertising_channel_type": "enum", "campaign.bidding_strategy_type": "enum",
    "campaign.start_date_time": "str", "campaign.end_date_time": "str", "campaign.campaign_budget": "str",
    "campaign_budget.id": "int64", "campaign_budget.amount_micros": "int64",
    "ad_group.id": "int64", "ad_group.name": "str", "ad_group.status": "enum", "ad_group.type": "enum",
    "ad_group.cpc_bid_micros": "int64", "ad_group.campaign": "str", "ad_group.resource_name": "str",
    "ad_group_ad.ad.id": "int64", "ad_group_ad.ad.name": "str", "ad_group_ad.ad.type": "enum",
    "ad_group_ad.ad.final_urls": "list", "ad_group_ad.status": "enum", "ad_group_ad.resource_name": "str",
    "ad_group_criterion.criterion_id": "int64", "ad_group_criterion.type": "enum",
    "ad_group_criterion.keyword.text": "str", "ad_group_criterion.keyword.match_type": "enum",
    "ad_group_criterion.status": "enum", "ad_group_criterion.negative": "bool",
    "ad_group_criterion.cpc_bid_micros": "int64", "ad_group_criterion.quality_info.quality_score": "int32",
    "ad_group_criterion.resource_name": "str",
    "keyword_view.resource_name": "str",
    "search_term_view.search_term": "str", "search_term_view.status": "enum", "search_term_view.resource_name": "str",
    "segments.date": "date", "segments.keyword.info.text": "str", "segments.keyword.info.match_type": "enum",
    "metrics.cost_micros": "int64", "metrics.impressions": "int64", "metrics.clicks": "int64",
    "metrics.conversions": "double", "metrics.conversions_value": "double",
    # every other scalar v26 metric may be selected; those the world has no value for stay unset
    **{f"metrics.{name}": "int64" for name in _v26.INT64},
    **{f"metrics.{name}": "double" for name in _v26.DOUBLE},
    **{f"metrics.{name}": "str" for name in _v26.TEXT},
}
METRIC_FIELDS = ("metrics.cost_micros", "metrics.impressions", "metrics.clicks", "metrics.conversions", "metrics.conversions_value")
#: Google's floor of search impression share: any share below 10% is reported as 0.0999.
SHARE_FLOOR = 0.0999
#: FROM resource -> the field prefixes selectable with it; None: no metrics on that resource.
RESOURCES: dict[str, tuple[tuple[str, ...], bool]] = {
    "customer": (("customer.",), False),
    "customer_client": (("customer_client.", "customer."), False),
    "campaign": (("campaign.", "campaign_budget.", "customer.", "segments.date"), True),
    "ad_group": (("ad_group.", "campaign.", "customer.", "segments.date"), True),
    "ad_group_ad": (("ad_group_ad.", "ad_group.", "campaign.", "customer.", "segments.date"), True),
    "ad_group_criterion": (("ad_group_criterion.", "ad_group.", "campaign.", "customer."), False),
    "keyword_view": (("keyword_view.", "ad_group_criterion.", "ad_group.", "campaign.", "customer.", "segments.date"), True),
    "search_term_view": (("search_term_view.", "ad_group.", "campaign.", "customer.", "segments.date", "segments.keyword."), True),
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


# -- errors ----------------------------------------------------------------------------------


class GoogleAdsFault(Exception):
    """A request Google would refuse: HTTP status, gRPC status name, error code, message."""

    def __init__(self, http: int, status: str, category: str, code: str, message: str, *, retry_delay: str | None = None) -> None:
        super().__init__(message)
        self.http, self.status, self.category, self.code, self.message = http, status, category, code, message
        self.retry_delay = retry_delay

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"errorCode": {self.category: self.code}, "message": self.message}
        if self.retry_delay is not None:
            error["details"] = {"quotaErrorDetails": {"rateScope": "DEVELOPER", "rateName": "Requests per developer token", "retryDelay": self.retry_delay}}
        summary = {
            "UNAUTHENTICATED": "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            "PERMISSION_DENIED": "The caller does not have permission",
            "INVALID_ARGUMENT": "Request contains an invalid argument.",
            "RESOURCE_EXHAUSTED": "Resource has been exhausted (e.g. check quota).",
            "INTERNAL": "Internal error encountered.",
            "UNAVAILABLE": "The service is currently unavailable.",
        }.get(self.status, self.message)
        return {
            "error": {
                "code": self.http,
                "message": summary,
                "status": self.status,
                "details": [{"@type": FAILURE_TYPE, "errors": [error], "requestId": request_id}],
            }
        }


def _query_error(code: str, message: str) -> GoogleAdsFault:
    return GoogleAdsFault(400, "INVALID_ARGUMENT", "queryError", code, message)


# -- GAQL ---------------------------------------------------------------------------------------

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+(?P<resource>[A-Za-z_0-9]+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.I | re.S,
)
_VALUE = r"'[^']*'|\"[^\"]*\"|[A-Za-z0-9_.\-]+"
_CONDITION = re.compile(
    rf"""\s*(?P<field>[a-z][a-zA-Z0-9._]*)\s*(?:
        (?P<between>BETWEEN)\s+(?P<lo>{_VALUE})\s+AND\s+(?P<hi>{_VALUE})
      | (?P<inop>NOT\s+IN|IN)\s*\((?P<list>[^)]*)\)
      | (?P<null>IS\s+NOT\s+NULL|IS\s+NULL)
      | (?P<op>!=|>=|<=|=|>|<)\s*(?P<value>{_VALUE})
    )\s*""",
    re.X | re.I,
)


def _literal(token: str) -> Any:
    token = token.strip()
    if token[:1] in ("'", '"'):
        return token[1:-1]
    if token.upper() in ("TRUE", "FALSE"):
        return token.upper() == "TRUE"
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    return token  # an enum constant written bare


@dataclass
class Condition:
    field: str
    op: str
    values: tuple[Any, ...]


@dataclass
class Query:
    select: list[str]
    resource: str
    conditions: list[Condition]
    limit: int | None = None

    @property
    def has_metrics(self) -> bool:
        return any(f.startswith("metrics.") for f in self.select)

    def date_range(self) -> tuple[date | None, date | None]:
        lo = hi = None
        for c in self.conditions:
            if c.field != "segments.date":
                continue
            days = [_gaql_date(v) for v in c.values]
            if c.op == "BETWEEN":
                lo, hi = days
            elif c.op in (">=", ">"):
                lo = days[0] if c.op == ">=" else date.fromordinal(days[0].toordinal() + 1)
            elif c.op in ("<=", "<"):
                hi = days[0] if c.op == "<=" else date.fromordinal(days[0].toordinal() - 1)
            elif c.op == "=":
                lo = hi = days[0]
            else:
                raise _query_error("BAD_OPERATOR", f"Operator {c.op} cannot be used with segments.date in this fake.")
        return lo, hi


def _gaql_date(value: Any) -> date:
    text = str(value)
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _query_error("INVALID_DATE_FORMAT", f"Invalid date format: '{value}'. Use YYYY-MM-DD or YYYYMMDD.") from None


def parse_gaql(text: str) -> Query:
    if not re.match(r"\s*SELECT\b", text, re.I):
        raise _query_error("EXPECTED_SELECT", "Expected SELECT.")
    if not re.search(r"\bFROM\b", text, re.I):
        raise _query_error("EXPECTED_FROM", "Expected FROM.")
    if "\n" in "".join(re.findall(r"'[^']*'", text)):
        raise _query_error("PROHIBITED_NEWLINE_IN_STRING", "Newlines are not allowed in strings.")
    m = _QUERY.match(text)
    if m is None:
        raise _query_error("UNEXPECTED_INPUT", "Error in query: unexpected input.")
    select = [f.strip() for f in m["select"].split(",")]
    conditions: list[Condition] = []
    where = m["where"] or ""
    pos = 0
    while pos < len(where):
        c = _CONDITION.match(where, pos)
        if c is None:
            raise _query_error("UNEXPECTED_INPUT", f"Error in query: unexpected input {where[pos:pos + 20]!r}.")
        if c["between"]:
            conditions.append(Condition(c["field"], "BETWEEN", (_literal(c["lo"]), _literal(c["hi"]))))
        elif c["inop"]:
            items = tuple(_literal(v) for v in re.findall(_VALUE, c["list"]))
            if not items:
                raise _query_error("PROHIBITED_EMPTY_LIST_IN_CONDITION", "Empty list in condition.")
            conditions.append(Condition(c["field"], re.sub(r"\s+", " ", c["inop"].upper()), items))
        elif c["null"]:
            conditions.append(Condition(c["field"], re.sub(r"\s+", " ", c["null"].upper()), ()))
        else:
            conditions.append(Condition(c["field"], c["op"], (_literal(c["value"]),)))
        pos = c.end()
        if pos < len(where):
            joiner = re.compile(r"AND\s+", re.I).match(where, pos)
            if joiner is None:
                raise _query_error("EXPECTED_AND", "Expected AND between conditions.")
            pos = joiner.end()
    return Query(select, m["resource"], conditions, int(m["limit"]) if m["limit"] else None)


def _validate(query: Query) -> None:
    if query.resource not in RESOURCES:
        raise _query_error("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", f"Invalid resource in FROM clause: '{query.resource}'.")
    prefixes, metrics_ok = RESOURCES[query.resource]
    for name in [*query.select, *(c.field for c in query.conditions)]:
        if name not in FIELDS:
            raise _query_error("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.")
        if name.startswith("metrics."):
            if not metrics_ok:
                raise _query_error("PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE", f"Cannot select or filter on metric '{name}' with FROM {query.resource}.")
        elif not any(name == p or name.startswith(p) for p in prefixes):
            raise _query_error(
                "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
                f"The following field cannot be selected given the resource in the FROM clause: '{name}'.",
            )
    if "segments.date" in query.select:
        lo, hi = query.date_range()
        if lo is None or hi is None:
            raise _query_error("EXPECTED_FILTERS_ON_DATE_RANGE", "Filters on date range are expected when segments.date is selected.")


def _matches(row: dict[str, Any], condition: Condition) -> bool:
    value = row.get(condition.field)
    op = condition.op
    if op == "IS NULL":
        return value is None
    if op == "IS NOT NULL":
        return value is not None
    if condition.field == "segments.date":
        value = date.fromisoformat(value) if value else None
        wanted = tuple(_gaql_date(v) for v in condition.values)
    elif isinstance(value, bool):
        wanted = tuple(v if isinstance(v, bool) else str(v).upper() == "TRUE" for v in condition.values)
    elif isinstance(value, int):
        wanted = tuple(int(v) for v in condition.values)
    else:
        wanted = tuple(str(v) for v in condition.values)
    if value is None:
        return False
    if op == "=":
        return value == wanted[0]
    if op == "!=":
        return value != wanted[0]
    if op == "IN":
        return value in wanted
    if op == "NOT IN":
        return value not in wanted
    if op == "BETWEEN":
        return wanted[0] <= value <= wanted[1]
    return {">": value > wanted[0], ">=": value >= wanted[0], "<": value < wanted[0], "<=": value <= wanted[0]}[op]


def _encode(kind: str, value: Any) -> Any:
    """A Python value in the protobuf JSON mapping: int64 as a string, double as a number."""
    if kind == "int64":
        return str(int(value))
    if kind == "int32":
        return int(value)
    if kind == "double":
        return float(value)
    if kind == "list":
        return [str(v) for v in value]
    return value


def to_json_row(flat: dict[str, Any], select: list[str]) -> dict[str, Any]:
    """``{"campaign.id": 1, "metrics.cost_micros": 5}`` -> ``{"campaign": {"id": "1"}, "metrics": {"costMicros": "5"}}``."""
    out: dict[str, Any] = {}
    for name in select:
        value = flat.get(name)
        if value is None:
            continue  # unset optional field: absent from the JSON, as protobuf prints it
        node = out
        parts = [camel(p) for p in name.split(".")]
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = _encode(FIELDS[name], value)
    return out


def field_mask(select: list[str]) -> str:
    return ",".join(".".join(camel(p) for p in name.split(".")) for name in select)


# -- the account tree and its data ---------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    level: int
    manager: bool
    status: str
    currency: str
    time_zone: str
    account: Account | None = None


@dataclass(frozen=True)
class Keyword:
    criterion_id: str
    text: str
    match_type: str
    ad_group_id: str
    weight: int
    cpc_bid_micros: int
    quality_score: int


@dataclass(frozen=True)
class SearchTerm:
    text: str
    keyword: Keyword
    weight: int

    @property
    def status(self) -> str:
        return "ADDED" if self.text == self.keyword.text else "NONE"


@dataclass(frozen=True)
class Totals:
    """An ad's day, as counters that add up; view-through conversions follow from the
    impressions (one per 100), all conversions are the counted ones plus those, Search
    interactions are clicks, and Search campaigns have no TrueView views."""

    cost_micros: int
    impressions: int
    clicks: int
    conversions: int
    value_cents: int
    view_through: int = 0

    @classmethod
    def of(cls, cost_micros: int, impressions: int, clicks: int, conversions: int, value_cents: int) -> "Totals":
        return cls(cost_micros, impressions, clicks, conversions, value_cents, impressions // 100)

    def __add__(self, other: "Totals") -> "Totals":
        return Totals(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, ...]:
        return (self.cost_micros, self.impressions, self.clicks, self.conversions, self.value_cents, self.view_through)

    def metrics(self) -> dict[str, Any]:
        return {
            "metrics.cost_micros": self.cost_micros,
            "metrics.impressions": self.impressions,
            "metrics.clicks": self.clicks,
            "metrics.conversions": float(self.conversions),
            "metrics.conversions_value": self.value_cents / 100,
            "metrics.view_through_conversions": self.view_through,
            "metrics.all_conversions": float(self.conversions + self.view_through),
            "metrics.all_conversions_value": self.value_cents / 100,
            "metrics.interactions": self.clicks,
            "metrics.video_trueview_views": 0,
        }


ZERO = Totals(0, 0, 0, 0, 0, 0)


def split(total: Totals, weights: list[int]) -> list[Totals]:
    """Split every counter by weight, exactly: the parts add up to the total."""
    whole = sum(weights)
    columns = []
    for amount in total.astuple():
        parts = [amount * w // whole for w in weights[:-1]]
        parts.append(amount - sum(parts))
        columns.append(parts)
    return [Totals(*values) for values in zip(*columns)]


def _id(*keys: object, digits: int = 10) -> str:
    rng = stable_rng("google_ads", *keys)
    return str(rng.randrange(10 ** (digits - 1), 10**digits))


class GoogleAdsData:
    """The world seen as Google Ads: customers, keywords, search terms and metric rows."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._ad_cache: dict[tuple[str, date], Totals] = {}

    @cached_property
    def manager(self) -> Customer:
        return Customer(_id(self.world.seed, "manager"), "Bosco Agency (MCC)", 0, True, "ENABLED", "USD", "America/New_York")

    @cached_property
    def customers(self) -> dict[str, Customer]:
        seed = self.world.seed
        tree = [self.manager]
        # The first account is a direct client; the others sit below a sub-manager (level 2).
        tree += [Customer(a.id, a.name, 1 if i == 0 else 2, False, "ENABLED", a.currency, a.timezone, a) for i, a in enumerate(self.world.accounts)]
        tree.append(Customer(_id(seed, "sub-manager"), "Regional managers (MCC)", 1, True, "ENABLED", "USD", "America/New_York"))
        tree.append(Customer(_id(seed, "cancelled"), "Closed client", 2, False, "CANCELED", "USD", "America/New_York"))
        return {c.id: c for c in tree}

    @cached_property
    def keywords(self) -> dict[str, tuple[Keyword, ...]]:
        """Ad group id -> its keywords. A text+match type has one criterion id everywhere."""
        out = {}
        for account in self.world.accounts:
            for campaign in account.campaigns:
                for group in campaign.ad_groups:
                    rng = stable_rng(self.world.seed, "google_ads", "keywords", group.id)
                    keywords = []
                    for text in rng.sample(VOCABULARY, KEYWORDS_PER_AD_GROUP):
                        match_type = MATCH_TYPES[VOCABULARY.index(text) % len(MATCH_TYPES)]
                        keywords.append(Keyword(
                            criterion_id=_id("criterion", text, match_type, digits=11),
                            text=text,
                            match_type=match_type,
                            ad_group_id=group.id,
                            weight=rng.randint(1, 5),
                            cpc_bid_micros=rng.choice((500_000, 750_000, 1_200_000)),
                            quality_score=rng.randint(3, 10),
                        ))
                    out[group.id] = tuple(keywords)
        return out

    def search_terms(self, keyword: Keyword) -> tuple[SearchTerm, ...]:
        rng = stable_rng(self.world.seed, "google_ads", "terms", keyword.ad_group_id, keyword.criterion_id)
        suffix = rng.choice(SEARCH_SUFFIXES)
        return (SearchTerm(keyword.text, keyword, rng.randint(2, 6)), SearchTerm(f"{keyword.text} {suffix}", keyword, rng.randint(1, 4)))

    # -- metrics -------------------------------------------------------------------------------

    def ad_totals(self, ad_id: str, day: date) -> Totals:
        key = (ad_id, day)
        totals = self._ad_cache.get(key)
        if totals is None:
            m = self.world.ad_metrics(ad_id, day)
            totals = Totals.of(round(m.spend * 1_000_000), m.impressions, m.clicks, m.conversions, round(m.conversion_value * 100))
            self._ad_cache[key] = totals
        return totals

    def group_totals(self, group: Any, day: date) -> Totals:
        total = ZERO
        for ad in group.ads:
            total = total + self.ad_totals(ad.id, day)
        return total

    # -- flat rows per resource (GAQL name -> Python value) ---------------------------------

    @staticmethod
    def customer_attrs(c: Customer) -> dict[str, Any]:
        return {
            "customer.id": int(c.id), "customer.resource_name": f"customers/{c.id}",
            "customer.descriptive_name": c.name, "customer.currency_code": c.currency,
            "customer.time_zone": c.time_zone, "customer.manager": c.manager, "customer.test_account": False,
            "customer.status": c.status, "customer.auto_tagging_enabled": not c.manager,
        }

    def campaign_attrs(self, customer: Customer, campaign: Any) -> dict[str, Any]:
        budget_id = _id("budget", campaign.id, digits=11)
        rng = stable_rng(self.world.seed, "google_ads", "bidding", campaign.id)
        return {
            **self.customer_attrs(customer),
            "campaign.id": int(campaign.id), "campaign.name": campaign.name,
            "campaign.resource_name": f"customers/{customer.id}/campaigns/{campaign.id}",
            "campaign.status": "ENABLED" if campaign.status == "ENABLE" else "PAUSED",
            "campaign.advertising_channel_type": "SEARCH",
            "campaign.bidding_strategy_type": rng.choice(("MAXIMIZE_CONVERSIONS", "TARGET_CPA", "MANUAL_CPC", "TARGET_ROAS")),
            "campaign.start_date_time": f"{self.world.start_date.isoformat()} 00:00:00",
            "campaign.end_date_time": None,  # runs indefinitely: Google leaves the field unset
            "campaign.campaign_budget": f"customers/{customer.id}/campaignBudgets/{budget_id}",
            "campaign_budget.id": int(budget_id),
            "campaign_budget.amount_micros": round(campaign.daily_budget * 1_000_000),
        }

    def group_attrs(self, customer: Customer, campaign: Any, group: Any) -> dict[str, Any]:
        rng = stable_rng(self.world.seed, "google_ads", "bid", group.id)
        return {
            **self.campaign_attrs(customer, campaign),
            "ad_group.id": int(group.id), "ad_group.name": group.name, "ad_group.status": "ENABLED",
            "ad_group.resource_name": f"customers/{customer.id}/adGroups/{group.id}",
            "ad_group.type": "SEARCH_STANDARD", "ad_group.cpc_bid_micros": rng.choice((400_000, 800_000, 1_500_000)),
            "ad_group.campaign": f"customers/{customer.id}/campaigns/{campaign.id}",
        }

    def ad_attrs(self, customer: Customer, campaign: Any, group: Any, ad: Any) -> dict[str, Any]:
        return {
            **self.group_attrs(customer, campaign, group),
            "ad_group_ad.ad.id": int(ad.id), "ad_group_ad.ad.name": ad.name,
            "ad_group_ad.resource_name": f"customers/{customer.id}/adGroupAds/{group.id}~{ad.id}",
            "ad_group_ad.ad.type": "RESPONSIVE_SEARCH_AD", "ad_group_ad.status": "ENABLED",
            "ad_group_ad.ad.final_urls": [f"https://shop.example.com/{ad.id}"],
        }

    def keyword_attrs(self, customer: Customer, campaign: Any, group: Any, kw: Keyword) -> dict[str, Any]:
        name = f"customers/{customer.id}/adGroupCriteria/{group.id}~{kw.criterion_id}"
        return {
            **self.group_attrs(customer, campaign, group),
            "ad_group_criterion.criterion_id": int(kw.criterion_id), "ad_group_criterion.type": "KEYWORD",
            "ad_group_criterion.resource_name": name, "keyword_view.resource_name": name.replace("adGroupCriteria", "keywordViews"),
            "ad_group_criterion.keyword.text": kw.text, "ad_group_criterion.keyword.match_type": kw.match_type,
            "ad_group_criterion.status": "ENABLED", "ad_group_criterion.negative": False,
            "ad_group_criterion.cpc_bid_micros": kw.cpc_bid_micros,
            "ad_group_criterion.quality_info.quality_score": kw.quality_score,
        }

    def _clients_of(self, customer: Customer) -> list[Customer]:
        """customer_client rows: a manager's direct and indirect clients plus itself (level 0)."""
        if not customer.manager:
            return []
        if customer.id == self.manager.id:
            return list(self.customers.values())
        return [c for c in self.customers.values() if c.id == customer.id or c.level > customer.level]

    def entity_rows(self, resource: str, customer: Customer) -> Iterator[tuple[dict[str, Any], Any]]:
        """(attributes, metrics function of a day) for each entity of ``resource``."""
        if resource == "customer":
            yield self.customer_attrs(customer), None
            return
        if resource == "customer_client":
            for c in self._clients_of(customer):
                yield {
                    **self.customer_attrs(customer),
                    "customer_client.id": int(c.id), "customer_client.client_customer": f"customers/{c.id}",
                    "customer_client.resource_name": f"customers/{customer.id}/customerClients/{c.id}",
                    "customer_client.level": c.level, "customer_client.manager": c.manager,
                    "customer_client.status": c.status, "customer_client.descriptive_name": c.name,
                    "customer_client.currency_code": c.currency, "customer_client.time_zone": c.time_zone,
                    "customer_client.hidden": False, "customer_client.test_account": False,
                }, None
            return
        account = customer.account
        if account is None:
            return
        for campaign in account.campaigns:
            if resource == "campaign":
                groups = campaign.ad_groups
                yield self.campaign_attrs(customer, campaign), (lambda d, gs=groups: _sum(self.group_totals(g, d) for g in gs))
                continue
            for group in campaign.ad_groups:
                if resource == "ad_group":
                    yield self.group_attrs(customer, campaign, group), (lambda d, g=group: self.group_totals(g, d))
                elif resource == "ad_group_ad":
                    for ad in group.ads:
                        yield self.ad_attrs(customer, campaign, group, ad), (lambda d, a=ad: self.ad_totals(a.id, d))
                elif resource in ("ad_group_criterion", "keyword_view"):
                    keywords = self.keywords[group.id]
                    for i, kw in enumerate(keywords):
                        yield self.keyword_attrs(customer, campaign, group, kw), (
                            lambda d, g=group, ks=keywords, i=i: split(self.group_totals(g, d), [k.weight for k in ks])[i]
                        )
                elif resource == "search_term_view":
                    keywords = self.keywords[group.id]
                    for i, kw in enumerate(keywords):
                        terms = self.search_terms(kw)
                        for j, term in enumerate(terms):
                            attrs = {
                                **self.group_attrs(customer, campaign, group),
                                "search_term_view.search_term": term.text, "search_term_view.status": term.status,
                                "search_term_view.resource_name": f"customers/{customer.id}/searchTermViews/{campaign.id}~{group.id}~{term.text}",
                                "segments.keyword.info.text": kw.text, "segments.keyword.info.match_type": kw.match_type,
                            }
                            yield attrs, (
                                lambda d, g=group, ks=keywords, i=i, ts=terms, j=j: split(
                                    split(self.group_totals(g, d), [k.weight for k in ks])[i], [t.weight for t in ts]
                                )[j]
                            )

    def shares(self, resource: str, attrs: dict[str, Any], day: date) -> dict[str, Any]:
        """Search impression share of a campaign's day: a fraction, floored at 0.0999 as Google reports it."""
        if resource != "campaign":
            return {}
        share = round(stable_rng(self.world.seed, "google_ads", "share", attrs["campaign.id"], day.isoformat()).uniform(0.02, 0.98), 4)
        return {"metrics.search_impression_share": SHARE_FLOOR if share < 0.1 else share}

    def rows(self, query: Query, customer: Customer) -> list[dict[str, Any]]:
        """Flat rows answering ``query`` for ``customer`` (filters applied)."""
        metric_query = query.has_metrics or "segments.date" in query.select
        lo, hi = query.date_range()
        days = [d for d in self.world.days if (lo is None or d >= lo) and (hi is None or d <= hi)]
        entity_conditions = [c for c in query.conditions if c.field != "segments.date" and not c.field.startswith("metrics.")]
        out = []
        for attrs, metrics_of in self.entity_rows(query.resource, customer):
            if not all(_matches(attrs, c) for c in entity_conditions):
                continue
            if not metric_query or metrics_of is None:
                out.append(attrs)
                continue
            per_day = [(d, metrics_of(d)) for d in days]
            per_day = [(d, t) for d, t in per_day if t.impressions > 0]  # no activity: no row
            if "segments.date" in query.select:
                out += [{**attrs, "segments.date": d.isoformat(), **t.metrics(), **self.shares(query.resource, attrs, d)}
                        for d, t in per_day]
            elif per_day:
                out.append({**attrs, **_sum(t for _, t in per_day).metrics()})
        metric_conditions = [c for c in query.conditions if c.field.startswith("metrics.")]
        return [r for r in out if all(_matches(r, c) for c in metric_conditions)]


def _sum(parts: Iterable[Totals]) -> Totals:
    total = ZERO
    for part in parts:
        total = total + part
    return total


# -- the app ------------------------------------------------------------------------------------


@dataclass
class SearchCall:
    """One searchStream call as the app saw it (REST or gRPC)."""

    customer_id: str
    query: str
    login_customer_id: str | None
    status: int
    batches: int = 0


@dataclass
class _Scripted:
    fault: GoogleAdsFault
    remaining: int
    mid_stream: bool
    #: Only calls for this customer (None: any).
    customer: str | None = None


class GoogleAdsApp:
    """The fake Google Ads API, mounted at ``/google_ads`` on a `FakeApi`."""

    prefix = "google_ads"
    real_root = "https://googleads.googleapis.com"
    developer_token = FAKE_DEVELOPER_TOKEN
    client_id = FAKE_CLIENT_ID
    client_secret = FAKE_CLIENT_SECRET
    refresh_token = FAKE_REFRESH_TOKEN

    def __init__(self, seed: int = 7, size: str = "small", end_date: date | None = None, batch_size: int = DEFAULT_BATCH_SIZE, **overrides: int) -> None:
        self.world = World(seed, size, namespace="google_ads", end_date=end_date or date.today(), overrides=overrides)
        self.data = GoogleAdsData(self.world)
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._tokens: dict[str, bool] = {}  # access token -> still valid
        self._scripted: list[_Scripted] = []
        self.calls: list[SearchCall] = []
        self.token_requests = 0

    # -- what a test or the demo needs ----------------------------------------------------------

    @property
    def manager_id(self) -> str:
        return self.data.manager.id

    def source_config(self, root_url: str) -> dict[str, Any]:
        """Config pointing the ``google_ads`` source at this app under ``root_url`` (REST)."""
        root = root_url.rstrip("/")
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "login_customer_id": self.manager_id,
            "token_url": f"{root}/token",
            "base_url": f"{root}/{API_VERSION}",
            # Begins a look-back before the world: the first run asks for days with no data
            # (Google answers them with no rows), and a second run's "last day - 14 days" is
            # never clamped to start_date, even in a world shorter than the look-back.
            "start_date": self.world.start_date - timedelta(days=LOOKBACK_DAYS),
            "end_date": self.world.end_date,
        }

    def fail_next(
        self, category: str, code: str, message: str, *, http: int = 400, status: str = "INVALID_ARGUMENT",
        times: int = 1, retry_delay: str | None = None, mid_stream: bool = False, customer: str | None = None,
    ) -> None:
        """Answer the next ``times`` searchStream calls with this GoogleAdsFailure.

        ``mid_stream``: send the first batch, then the error, in a 200 array (a stream that
        broke after it started)."""
        with self._lock:
            self._scripted.append(_Scripted(GoogleAdsFault(http, status, category, code, message, retry_delay=retry_delay), times, mid_stream, customer))

    def revoke_access_tokens(self) -> None:
        """Every access token minted so far now fails with OAUTH_TOKEN_EXPIRED."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = False

    def queries_for(self, resource: str) -> list[SearchCall]:
        return [c for c in self.calls if re.search(rf"\bFROM\s+{resource}\b", c.query)]

    # -- HTTP ------------------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path == "/token":
            return self._token(request)
        m = re.fullmatch(rf"/{API_VERSION}/customers/([^/]+)/googleAds:searchStream", request.path)
        if m is None:
            return FakeResponse.json({"error": {"code": 404, "message": "Method not found.", "status": "NOT_FOUND"}}, 404)
        if request.method != "POST":
            return FakeResponse.json({"error": {"code": 405, "message": "Method not allowed.", "status": "UNIMPLEMENTED"}}, 405)
        try:
            body = request.json() or {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return FakeResponse.json({"error": {"code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"}}, 400)
        unknown = sorted(set(body) - {"query", "summaryRowSetting"})
        if unknown:
            message = f'Invalid JSON payload received. Unknown name "{unknown[0]}": Cannot find field.'
            return FakeResponse.json({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}, 400)
        status, payload = self.search_stream(m.group(1), body.get("query"), request.headers)
        return FakeResponse.json(payload, status)

    def _token(self, request: FakeRequest) -> FakeResponse:
        form = {k: v[0] for k, v in parse_qs(request.body.decode() if request.body else "").items()}
        with self._lock:
            self.token_requests += 1
        if request.method != "POST" or form.get("grant_type") != "refresh_token":
            return FakeResponse.json({"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "}, 400)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return FakeResponse.json({"error": "invalid_client", "error_description": "Unauthorized"}, 401)
        if form.get("refresh_token") != self.refresh_token:
            return FakeResponse.json({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, 400)
        with self._lock:
            token = f"ya29.sandbox-{len(self._tokens) + 1}-{hashlib.blake2b(str(len(self._tokens)).encode(), digest_size=6).hexdigest()}"
            self._tokens[token] = True
        return FakeResponse.json({"access_token": token, "expires_in": 3599, "scope": ADWORDS_SCOPE, "token_type": "Bearer"})

    # -- searchStream, shared by REST and gRPC ---------------------------------------------------

    def search_stream(self, customer_id: str, query: Any, headers: dict[str, str]) -> tuple[int, list[dict[str, Any]]]:
        """(HTTP status, JSON array): the batches, or ``[{"error": ...}]``."""
        request_id = hashlib.blake2b(f"{customer_id}|{query}".encode(), digest_size=11).hexdigest()
        login = headers.get("login-customer-id")
        try:
            status, payload = 200, self._answer(customer_id, query, headers, request_id)
        except GoogleAdsFault as fault:
            status, payload = fault.http, [fault.body(request_id)]
        batches = sum(1 for item in payload if "error" not in item)
        with self._lock:
            self.calls.append(SearchCall(customer_id, str(query), login, status, batches))
        return status, payload

    def _answer(self, customer_id: str, query: Any, headers: dict[str, str], request_id: str) -> list[dict[str, Any]]:
        self._authenticate(headers)
        customer = self._authorize(customer_id, headers)
        scripted = self._next_scripted(customer_id)
        if scripted is not None and not scripted.mid_stream:
            raise scripted.fault
        if not isinstance(query, str) or not query.strip():
            raise GoogleAdsFault(400, "INVALID_ARGUMENT", "requestError", "REQUIRED_FIELD_MISSING", "The query field is required.")
        parsed = parse_gaql(query)
        _validate(parsed)
        if customer.manager and parsed.has_metrics:
            raise _query_error("REQUESTED_METRICS_FOR_MANAGER", "Metrics cannot be requested for a manager account. To retrieve metrics, issue separate requests against each client account under the manager account.")
        rows = self.data.rows(parsed, customer)
        if parsed.limit is not None:
            rows = rows[: parsed.limit]
        results = [to_json_row(r, parsed.select) for r in rows]
        mask = field_mask(parsed.select)
        batches = [
            {"results": results[i : i + self.batch_size], "fieldMask": mask, "requestId": request_id}
            for i in range(0, len(results), self.batch_size)
        ] or [{"fieldMask": mask, "requestId": request_id}]
        batches[-1]["queryResourceConsumption"] = str(10 + len(results))
        if scripted is not None:  # the stream breaks after its first batch
            return [batches[0], scripted.fault.body(request_id)]
        return batches

    def _next_scripted(self, customer_id: str) -> _Scripted | None:
        with self._lock:
            for item in self._scripted:
                if item.remaining > 0 and item.customer in (None, customer_id):
                    item.remaining -= 1
                    return item
        return None

    def _authenticate(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization") or ""
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        with self._lock:
            valid = self._tokens.get(token) if token else None
        if valid is None:
            raise GoogleAdsFault(401, "UNAUTHENTICATED", "authenticationError", "OAUTH_TOKEN_INVALID", "OAuth token in the header is not valid.")
        if valid is False:
            raise GoogleAdsFault(401, "UNAUTHENTICATED", "authenticationError", "OAUTH_TOKEN_EXPIRED", "OAuth token in the header has expired.")
        # Developer tokens were sunset on 2026-09-09: the header is optional and ignored
        # (https://developers.google.com/google-ads/api/docs/api-policy/developer-token).

    def _authorize(self, customer_id: str, headers: dict[str, str]) -> Customer:
        if not re.fullmatch(r"\d+", customer_id):
            raise GoogleAdsFault(400, "INVALID_ARGUMENT", "requestError", "INVALID_CUSTOMER_ID", f"Invalid customer ID '{customer_id}'.")
        login = headers.get("login-customer-id")
        if login is not None and not re.fullmatch(r"\d{1,20}", login):
            raise GoogleAdsFault(400, "INVALID_ARGUMENT", "headerError", "INVALID_LOGIN_CUSTOMER_ID", "The login customer ID provided is not valid.")
        customer = self.data.customers.get(customer_id)
        manager = self.manager_id
        # The OAuth user is a user of the manager only: clients are reached through it.
        if customer is None or (customer_id != manager and login != manager):
            raise GoogleAdsFault(
                403, "PERMISSION_DENIED", "authorizationError", "USER_PERMISSION_DENIED",
                "User doesn't have permission to access customer. Note: If you're accessing a client customer, "
                "the manager's customer id must be set in the 'login-customer-id' header.",
            )
        if customer.status != "ENABLED":
            raise GoogleAdsFault(
                403, "PERMISSION_DENIED", "authorizationError", "CUSTOMER_NOT_ENABLED",
                "The customer account can't be accessed because it is not yet enabled or has been deactivated.",
            )
        return customer
