"""Fake vendor APIs generated from a declared source and its documented fixtures.

No fake is written by hand for a declared source. What it serves comes from three
places, each owned by someone else:

- the source's declarations say the routes (paths, fixed parameters, partitions, the
  window), the paging, the credential and the unified mapping of each stream;
- the documented fixtures (``cassettes/<source>/``) give the vendor's shapes: the body
  around the records, one record's fields, nesting and JSON types, the error bodies;
- the deterministic `World` gives the values: accounts, campaigns, ad groups, ads and
  their daily metrics, so the demo's spend in the unified tables is the world's spend.
  A stream with no unified mapping (reviews, affiliate partnerships) serves its
  documented records as they are.

Each record is the documented record with the world's values put where the unified
mapping points (rendered in the documented type: ``"12.34"`` stays text, micros stay
integers), and every other field as documented. Paging follows the stream's paginator.
A wrong credential gets the documented auth-error body; `inject` answers the next
requests with a documented error body (a rate limit, an auth error).

A stream whose records the unified mapping cannot describe brings two hooks:
``fake_records(app, route)`` yields its records (from the world, or a world of its own
such as `traffic.Traffic`), and ``fake_encode(app, route, body, records)`` writes one page
of them into the documented body (GA4's positional rows and request-dependent headers);
paging (offsets, totals) stays the generated fake's. OAuth 1.0a requests (X) are checked
against this fake's own sandbox secrets, signature and all. The token endpoint serves the
refresh-token, client-credentials and JWT-bearer grants; for the last it accepts any
well-formed JWT (three base64url parts, a JSON header naming its ``alg``) without checking
the signature: it has no key to check it with.
"""

from __future__ import annotations

import base64
import bisect
import copy
import io
import math
import secrets
import threading
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache, cached_property, partial
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence
from urllib.parse import urlencode, urlsplit

import orjson

from ..framework.jsonpath import get_path, put_at as _put
from ..framework.oauth1 import OAuth1
from ..framework.paginators import CursorInBody, CursorUntilComplete, GraphQLPageInfo, LinkHeader, NextUrlInBody, OffsetLimit, OffsetPerRecord, PageNumber
from ..framework.params import Batches, ForEach, FromParent
from ..framework.records import DATE_PREFIX, EPOCH_MILLIS, EPOCH_SECONDS, URN_ID
from ..framework.spec import RestStream, Stream
from ..framework.unified import Entity, Performance, ad_spec
from .copies import Copies, copier
from .redate import epoch_fields, latest_day, shifted
from .server import FakeRequest, FakeResponse
from .world import DailyMetrics, World

if TYPE_CHECKING:
    from ..framework.connector import Connector

#: Rows per page when a paginator does not say (cursor and next-URL paging).
DEFAULT_PAGE = 100


def __getattr__(name: str) -> Any:
    """``app_for_<source>``: the factory `Connector.sandbox` names for a declared source."""
    if name.startswith("app_for_"):
        return partial(GeneratedApp, name[len("app_for_"):])
    raise AttributeError(name)


def fact_day_fields(stream: Stream) -> set[str]:
    """The fields holding the day of the facts `stream` maps into (``order_date="created_at"``,
    ``DayOf("created")``), under their column and vendor names."""
    from ..framework.facts import FACTS, DayOf, mappings_of

    columns: set[str] = set()
    for mapping in mappings_of(stream):
        value = mapping.columns.get(FACTS[mapping.fact].date) if mapping.fact in FACTS else None
        if isinstance(value, DayOf):
            value = value.timestamp
        if isinstance(value, str):
            columns.add(value)
    rename = dict(stream.record_spec.rename)
    return columns | {vendor.rsplit(".", 1)[-1] for vendor, column in rename.items() if column in columns}


def _upper_bounds(info: Any) -> list[float]:
    """The highest values a config field's constraints allow (``le=``; ``lt=`` just below it)."""
    out: list[float] = []
    for rule in getattr(info, "metadata", ()):
        if getattr(rule, "le", None) is not None:
            out.append(float(rule.le))
        elif getattr(rule, "lt", None) is not None:
            out.append(float(rule.lt) * 0.999)
    return out


def _cursor_fields(stream: Stream) -> set[str]:
    """The incremental cursor's field of `stream`, under its column and vendor names (empty when none)."""
    from ..framework.spec import Cursor

    cursor = getattr(stream, "cursor", None)
    if not isinstance(cursor, Cursor):
        return set()
    rename = dict(stream.record_spec.rename)
    return {cursor.field} | {vendor.rsplit(".", 1)[-1] for vendor, column in rename.items() if column == cursor.field}


def _epochs(stream: Stream) -> dict[str, int]:
    """The fields `stream` declares as epoch numbers (what `redate` shifts besides ISO text)."""
    spec = stream.record_spec
    return epoch_fields(dict(spec.formats), dict(spec.rename))


@dataclass
class Route:
    """A request, decoded by a stream's declarations: which stream, partition and window."""

    stream: Stream
    params: dict[str, Any]
    path_values: dict[str, str]


class GeneratedApp:
    """The fake API of one declared source (see the module docstring)."""

    def __init__(self, source: str | None = None, seed: int = 7, size: str = "small", end_date: date | None = None, *,
                 connector: Connector | None = None, metrics: Callable[[str, date], DailyMetrics] | None = None,
                 page_cache: bool = False, **overrides: int) -> None:
        """The fake of `source` (looked up by name), or of the `connector` object given (a source
        under test that is not registered, or a broken variant's correct original). `metrics` and
        `page_cache` serve large reports cheaply (see `arithmetic_metrics`, `PageCache`)."""
        from ..framework.registry import get_connector
        from ..testing.replay import Fixtures, fixture_folder

        self.connector = connector if connector is not None else get_connector(source or "")
        self.source = source = self.connector.name
        self.api = self.connector.api  # type: ignore[attr-defined]
        self.prefix = source
        base = urlsplit(self.api.base_url)
        self.root_path = "/" + base.path.strip("/") + "/" if base.path.strip("/") else "/"
        self.real_root = f"{base.scheme}://{base.netloc}"
        self.fixtures = Fixtures.load(fixture_folder(self.connector))
        world = dict(seed=seed, size=size, namespace=source, end_date=end_date or date.today(), overrides=overrides,
                     account_ids=self._configured_accounts())
        self.world = World(**world) if metrics is None else _HookedWorld(**world, hook=metrics)
        self.page_cache = PageCache(enabled=page_cache)
        #: With the page cache: a route's rows kept between its pages (`_rows_key`); on its own for a
        #: run that asks each page once (the page cache would only hold memory).
        self.keep_rows = page_cache
        self._kept_rows: dict[tuple[Any, ...], KeptRows] = {}
        self._entity_index: dict[tuple[Any, ...], tuple[Any, dict[Any, list[tuple[Any, dict[str, Any]]]]]] = {}
        self._report_templates: dict[str, _ReportTemplate] = {}
        self._lock = threading.Lock()
        self._injected: list[str] = []
        self._issued: set[str] = set()

    def _configured_accounts(self) -> tuple[str, ...]:
        """The account a source is configured with, when its config names it (a required field
        named as the account's id column: CM360's ``account_id``): the world's one account then
        has that id, so the account the source asks for and its campaigns' account agree."""
        fields = self.connector.config_model.model_fields
        documented = self.fixtures.config_for("http://127.0.0.1:1")
        for stream in self.connector.active_streams(self.connector.validate(documented)):
            spec = ad_spec(stream)
            if isinstance(spec, Entity) and spec.level == "account" and spec.id in fields and fields[spec.id].is_required():
                value = documented.get(spec.id)
                if isinstance(value, (str, int)):
                    return (str(value),)
        return ()

    # -- what tests and the demo use ----------------------------------------------------

    @cached_property
    def credentials(self) -> dict[str, str]:
        """A sandbox value for every secret config field (what this fake accepts)."""
        from pydantic import SecretStr  # noqa: F401 - the annotation is read as text

        from ..framework.auth import AllOf, OneOf

        auth = self.api.auth
        made: dict[str, str] = {}
        for credential in (auth.choices if isinstance(auth, OneOf) else auth.parts if isinstance(auth, AllOf) else (auth,) if auth is not None else ()):
            made.update(credential.sandbox_values())  # a value of a shape the credential checks (a PEM key)
        out = {}
        for name, info in self.connector.config_model.model_fields.items():
            if "SecretStr" in str(info.annotation):
                out[name] = made.get(name) or f"{self.prefix}-sandbox-{name.replace('_', '-')}-{_digest(self.prefix, name)}"
        return out

    def source_config(self, root_url: str) -> dict[str, Any]:
        root = root_url.rstrip("/")
        fields = self.connector.config_model.model_fields
        documented = self.fixtures.config_for(root)
        # What the documented config needs beyond the world (a property id); options stay at their defaults.
        config = {k: v for k, v in documented.items() if k in fields and fields[k].is_required()}
        config["base_url"] = root + self.root_path
        for name, value in self.credentials.items():
            if name in config or self.connector.config_model.model_fields[name].is_required():
                config[name] = value
        for name in self._credential_fields(documented):  # the credential the documented config uses
            config[name] = self.credentials.get(name, documented.get(name))
        if "token_url" in self.connector.config_model.model_fields:
            config["token_url"] = root + "/token"
        for field_name in self._account_fields():
            config[field_name] = [a.id for a in self.world.accounts]
        config["start_date"], config["end_date"] = self.world.start_date, self.world.end_date
        config.update(self._unpaced(fields))
        return config

    def _unpaced(self, fields: dict[str, Any]) -> dict[str, float]:
        """The pace settings of the vendor's documented limit (`RateBudget` naming a config field:
        Amplitude's 30 requests a minute) at the highest value the config accepts: this fake has
        no limit, and the demo would otherwise wait on a pace meant for the vendor's servers."""
        rate = getattr(self.api, "rate", None)
        out: dict[str, float] = {}
        for name, fast in ((getattr(rate, "per_second", None), 1_000.0), (getattr(rate, "per_minute", None), 60_000.0)):
            if isinstance(name, str) and name in fields:
                out[name] = min([fast, *_upper_bounds(fields[name])])
        return out

    @cached_property
    def _plain_config(self) -> dict[str, str]:
        """The documented config's values as text (a credential's user name that is not a secret)."""
        return {k: str(v) for k, v in self.fixtures.config.items() if isinstance(v, (str, int))}

    def _credential_fields(self, documented: dict[str, Any]) -> tuple[str, ...]:
        from ..framework.auth import OneOf

        auth = self.api.auth
        choices = auth.choices if isinstance(auth, OneOf) else (auth,) if auth is not None else ()
        return next((c.fields for c in choices if all(documented.get(f) for f in c.fields)), ())

    def inject(self, kind: str, times: int = 1) -> None:
        """Answer the next `times` data requests with the documented body of `kind` (``rate_limit``,
        ``auth_error``, or any other kind the fixtures manifest names)."""
        if self.fixtures.error(kind) is None:
            raise LookupError(f"{self.prefix}: no documented '{kind}' body in its fixtures")
        with self._lock:
            self._injected += [kind] * times

    # -- dispatch -------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path.rstrip("/") == "/token":
            return self._token(request)
        if self._jobs.is_file(request):  # a report job's file: a pre-signed link, no credential
            return self._jobs.file(request)
        if not self._authorised(request):
            return self._documented("auth_error")
        with self._lock:
            kind = self._injected.pop(0) if self._injected else None
        if kind:
            return self._documented(kind)
        job = self._jobs.answer(request, self._below_root(request.path))
        if job is not None:  # before the cache: a job's status changes between polls
            return job
        cached = self.page_cache.get(request)
        if cached is not None:
            return cached
        route = self._route(request)
        if route is None:
            return FakeResponse.json({"error": {"message": f"no declared stream answers {request.method} {request.path}"}}, 404)
        if getattr(route.stream, "file", None) is not None:  # the answer is the report file itself
            return self.page_cache.put(request, self._answer_file(route))
        records = self._rows(route)
        body, headers = self._page(route, request, records)
        response = FakeResponse(200, orjson.dumps(body, default=str), {"Content-Type": "application/json", **headers})
        return self.page_cache.put(request, response)

    def _answer_file(self, route: Route) -> FakeResponse:
        """The world's records for the route, written in the stream's declared file format."""
        rows = list(self._records(route))
        encode = getattr(route.stream, "fake_encode", None)
        fmt = route.stream.file  # type: ignore[attr-defined]
        content = encode(self, route, None, rows) if encode is not None else fmt.dump(rows)
        kind = {".json": "application/json", ".jsonl": "application/jsonl", ".csv": "text/csv"}.get(fmt.suffix, "application/octet-stream")
        if getattr(fmt, "compression", "none") in ("zip", "gzip"):  # an archive is no JSON text (Amplitude's zip export)
            kind = f"application/{fmt.compression}"
        return FakeResponse(200, content, {"Content-Type": kind})

    def _documented(self, kind: str) -> FakeResponse:
        exchange = self.fixtures.error(kind)
        if exchange is None:
            return FakeResponse.json({"error": {"message": kind}}, 401 if kind == "auth_error" else 429)
        headers = {"Content-Type": "application/json", **(exchange.response.get("headers") or {})}
        return FakeResponse(int(exchange.response.get("status", 200)), self.fixtures.raw_body(exchange), headers)

    # -- credentials ----------------------------------------------------------------------

    def _authorised(self, request: FakeRequest) -> bool:
        from ..framework import auth as a

        def ok(credential: Any) -> bool:
            if isinstance(credential, a.OneOf):
                return any(ok(c) for c in credential.choices)
            if isinstance(credential, a.AllOf):
                return all(ok(c) for c in credential.parts)
            if isinstance(credential, a.ApiKey):
                value = self.credentials.get(credential.fields[0], "")
                if credential.query:
                    return request.arg(credential.query) == value
                if getattr(credential, "form", None):  # a POST form field (Matomo's token_auth), never the URL
                    return request.arg(credential.form) is None and _form(request).get(credential.form) == value
                return request.header(credential.header or "Authorization") == credential.prefix + value
            if isinstance(credential, (a.RefreshToken, a.ClientCredentials, a.ServiceAccount)):
                name, prefix = getattr(credential, "header", "Authorization"), getattr(credential, "prefix", "Bearer ")
                header = request.header(name.lower()) or ""  # the token where the vendor wants it (Walmart's WM_SEC.ACCESS_TOKEN)
                return header.startswith(prefix) and header[len(prefix):] in self._issued
            if isinstance(credential, a.Basic):  # each part as this fake issued it (a plain config value for a user name)
                sent = _basic_parts(request.header("authorization") or "")
                issued = {name: self.credentials.get(name, self._plain_config.get(name)) for name in credential.fields}
                if sent is None or (credential.empty_password and sent[1] != ""):  # the key as user name, nothing after it
                    return False
                return all(name is None or issued[name] in (None, "") or issued[name] == part
                           for name, part in zip(credential.parts, sent))
            if isinstance(credential, a.SignedJwt):  # a bearer JWT signed with the key this fake issued
                return _signed_by(request.header("authorization") or "", self.credentials.get(credential.fields[2], ""),
                                  credential.algorithm, credential.audience)
            if isinstance(credential, a.JsonBodyKeys):  # fields of the JSON body, each as this fake issued it
                try:
                    sent = orjson.loads(request.body or b"{}")
                except orjson.JSONDecodeError:
                    return False
                return isinstance(sent, dict) and all(
                    sent.get(name) == self.credentials.get(name, self._plain_config.get(name)) for name in credential.fields)
            if isinstance(credential, OAuth1):  # a signed request: checked with this fake's own secrets
                return self._signed(request, credential)
            return True

        return self.api.auth is None or ok(self.api.auth)

    def _signed(self, request: FakeRequest, credential: Any) -> bool:
        from ..framework.oauth1 import verify

        consumer_key, consumer_secret, token, token_secret = (self.credentials.get(name, "") for name in credential.fields)
        url = f"http://{request.header('host')}/{self.prefix}{request.path}"
        params = [(k, v) for k, values in request.query.items() for v in values]
        if (request.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            from urllib.parse import parse_qsl

            params += parse_qsl(request.body.decode(errors="replace"), keep_blank_values=True)
        return verify(request.method, url, params, request.header("authorization"), consumer_key=consumer_key,
                      consumer_secret=consumer_secret, token=token, token_secret=token_secret)

    def _token(self, request: FakeRequest) -> FakeResponse:
        from urllib.parse import parse_qs

        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (request.header("content-type") or "").startswith("application/json"):  # a grant sent as JSON (Piwik PRO)
            sent = request.json()
            form = {k: str(v) for k, v in sent.items()} if isinstance(sent, dict) else {}
        grant = form.get("grant_type")
        good = grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" and _well_formed_jwt(form.get("assertion", ""))
        if grant == "refresh_token":
            good = form.get("refresh_token") in self.credentials.values()
        elif grant == "client_credentials":  # a sandbox secret in the form or in HTTP basic auth (PayPal's), or signed as a JWT (Apple's)
            good = (form.get("client_secret") in self.credentials.values() or _basic_secret(request) in self.credentials.values()
                    or _well_formed_jwt(form.get("client_secret") or ""))
        if not good:
            return FakeResponse.json({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
        token = "ya29.sandbox-" + secrets.token_hex(12)
        self._issued.add(token)
        return FakeResponse.json({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    # -- routing ------------------------------------------------------------------------------

    @cached_property
    def _streams_cached(self) -> list[Stream]:
        root = "http://127.0.0.1:1"
        streams = self.connector.active_streams(self.connector.validate(self.source_config(root)))
        # ...and the optional streams the documented config turns on: a client may turn them on too.
        known = {s.name for s in streams}
        documented = self.connector.active_streams(self.connector.validate(self.fixtures.config_for(root)))
        streams = streams + [s for s in documented if s.name not in known]
        from ..framework.deletions import listing_streams

        return streams + listing_streams(streams)  # deleted-records lists: their documented records, as documented

    def _streams(self) -> list[Stream]:
        return self._streams_cached

    @cached_property
    def _jobs(self) -> Any:
        """Create, poll and download of declared async report streams (`generated_jobs`)."""
        from .generated_jobs import JobRoutes

        return JobRoutes(self)

    def _below_root(self, path: str) -> str:
        return path[len(self.root_path):] if path.startswith(self.root_path) else path

    def _route(self, request: FakeRequest) -> Route | None:
        path = request.path
        if path.startswith(self.root_path):
            path = path[len(self.root_path):]
        params = {k: v[0] for k, v in request.query.items()}
        if request.method == "POST" and not _form(request):  # a form (Matomo's token_auth) holds no parameters
            body = request.json()
            if isinstance(body, dict):
                params.update(body)
        candidates = []
        for stream in self._streams():
            if isinstance(stream, RestStream) and stream.method == request.method:
                values = _match_path(stream.path, path)
                if values is not None:
                    carried = _placeholder_values(stream, request, params)
                    candidates.append(Route(stream, {**carried, **params}, {**carried, **values}))
        if len(candidates) > 1:  # one path, several streams (TikTok's report levels): the fixed parameters decide,
            # the stream that fixes the most of them first (order lines asked with a field list, the orders without)
            candidates = [c for c in candidates if all(_same(_without_window(c.stream, params).get(k), v)
                                                       for k, v in _fixed(c.stream).items())]
            candidates.sort(key=lambda c: len(_fixed(c.stream)), reverse=True)
        return candidates[0] if candidates else None

    def _account_fields(self) -> list[str]:
        fields = []
        for stream in self.connector.streams:
            if isinstance(stream.partitions, (ForEach, Batches)):
                fields.append(stream.partitions.field)
        return sorted(set(fields))

    def _accounts(self, route: Route) -> list[Any]:
        partitions = route.stream.partitions
        ids: list[str] | None = None
        if isinstance(partitions, ForEach):
            ids = [str(route.params.get(partitions.param) or route.path_values.get(partitions.param))]
        elif isinstance(partitions, Batches):
            value = route.params.get(partitions.param)
            ids = [str(v) for v in (orjson.loads(value) if isinstance(value, str) and value.startswith("[") else value or [])]
        elif isinstance(partitions, FromParent):
            scope = self._parent_scope(route, partitions)
            if "account" in scope:
                ids = [scope["account"]]
        accounts = self.world.accounts
        return [a for a in accounts if ids is None or a.id in ids]

    def _parent_scope(self, route: Route, partitions: FromParent) -> dict[str, str]:
        """``{level: id}`` a request partitioned by a parent stream's records names (one campaign's ad groups).

        The parent's unified `Entity` says which of its columns hold which level's id.
        """
        parent = ad_spec(partitions.parent)
        if not isinstance(parent, Entity):
            return {}
        columns = {parent.id: parent.level, parent.account: "account", parent.campaign: "campaign", parent.ad_group: "ad_group"}
        scope = {}
        for param, column in partitions.fields.items():
            value = route.params.get(param) or route.path_values.get(param)
            if value is not None and columns.get(column):
                scope[columns[column]] = str(value)
        return scope

    def _scoped_entities(self, route: Route, account: Any, level: str) -> list[tuple[Any, dict[str, Any]]]:
        """The objects of `level` under `account` that a request asks for (`_in_scope`), found
        through an index by the id it names: a report asked per ad (Reddit, Snapchat) walked
        every ad of the account for every day of every request, quadratic in ads."""
        partitions = route.stream.partitions
        scope = self._parent_scope(route, partitions) if isinstance(partitions, FromParent) else {}
        named = [lvl for lvl in _LEVELS[1:_LEVELS.index(level) + 1] if lvl in scope] if level in _LEVELS else []
        key = (id(account), level, named[0] if named else None)
        with self._lock:
            kept = self._entity_index.get(key)
        if kept is None:
            entities = list(_entities_at(account, level))
            index: dict[Any, list[tuple[Any, dict[str, Any]]]] = {}
            for entity, path in entities:
                index.setdefault(path[named[0]].id if named else None, []).append((entity, path))
            kept = (account, index)  # the account kept alive with its index: its id is not reused
            with self._lock:
                self._entity_index[key] = kept
        candidates = kept[1].get(scope[named[0]] if named else None, [])
        return [(entity, path) for entity, path in candidates if self._in_scope(route, path)]

    def _in_scope(self, route: Route, path: dict[str, Any]) -> bool:
        partitions = route.stream.partitions
        if not isinstance(partitions, FromParent):
            return True
        return all(level not in path or path[level].id == wanted for level, wanted in self._parent_scope(route, partitions).items())

    def _days(self, route: Route) -> list[date]:
        window = getattr(route.stream, "window", None)
        days = self.world.days
        if window is None:
            return days
        start, end = window.parse(route.params)
        first = _bound(start, window.format) or days[0]
        last = _bound(end, window.format) if end is not None else days[-1]
        if window.end_exclusive and end is not None:
            last = last - timedelta(days=1)
        return [d for d in days if first <= d <= last]

    # -- records ---------------------------------------------------------------------------

    def _records(self, route: Route) -> Iterator[dict[str, Any]]:
        stream = route.stream
        custom = getattr(stream, "fake_records", None)
        spec = ad_spec(stream)
        if custom is not None:
            rows: Iterator[dict[str, Any]] = custom(self, route)
            if self.world.shape.get("copies", 1) > 1:  # records in the documented shape copy as documented ones do
                made = list(rows)
                rows = self._copies(stream, made).of(made)
        elif isinstance(spec, Performance):
            rows = self._performance(spec, route)
        elif isinstance(spec, Entity):
            rows = self._entities(spec, route)
        else:  # no unified mapping (reviews, affiliates): the documented records, as documented
            yield from self._documented_records(stream, route)
            return
        if getattr(stream, "fake_encode", None) is not None:
            yield from rows  # the stream writes its records into the body itself
            return
        render = self._renderer(stream)
        rendered = (render(row) for row in rows)
        yield from (self._nested(stream, list(rendered)) if stream.record_spec.explode else rendered)

    def _nested(self, stream: Stream, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rendered rows back into the documented nesting of an ``explode`` stream: the fields of the
        documented item go into the list, rows with the same other fields share one record."""
        spec = stream.record_spec
        item_keys = set(spec.items_of(self._documented_parent(stream))[0])
        records: dict[bytes, dict[str, Any]] = {}
        for row in rows:
            parent = {k: v for k, v in row.items() if k not in item_keys}
            record = records.setdefault(orjson.dumps(parent, default=str, option=orjson.OPT_SORT_KEYS), spec.nest(parent, []))
            spec.items_of(record).append({k: v for k, v in row.items() if k in item_keys})
        return list(records.values())

    def _performance(self, spec: Performance, route: Route) -> Iterator[dict[str, Any]]:
        for account in self._accounts(route):
            in_scope = self._scoped_entities(route, account, spec.level)
            for day in self._days(route):
                for entity, path in in_scope:
                    metrics = self.world.sum_metrics(_ads_under(entity, spec.level, account), day)
                    if metrics.impressions == 0:
                        continue  # platforms leave out rows without delivery
                    yield {spec.date: day, **_metric_columns(spec, metrics), **_entity_columns(spec, account, path)}

    def _entities(self, spec: Entity, route: Route) -> Iterator[dict[str, Any]]:
        for account in self._accounts(route):
            for entity, path in _entities_at(account, spec.level):
                if not self._in_scope(route, path):
                    continue
                row: dict[str, Any] = {spec.id: entity.id}
                if spec.name:
                    row[spec.name] = entity.name
                for level in ("account", "campaign", "ad_group"):
                    column = getattr(spec, level, None)
                    if isinstance(column, str) and level in path:  # a Lookup parent lives in its own stream's records
                        row[column] = path[level].id
                if spec.currency:
                    row[spec.currency] = account.currency
                if spec.timezone:
                    row[spec.timezone] = account.timezone
                if spec.status and spec.active_status:
                    active = getattr(entity, "status", "ENABLE") == "ENABLE"
                    row[spec.status] = spec.active_status if active else _inactive(spec.active_status)
                yield row

    def _renderer(self, stream: Stream) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """World values (by column) -> the documented record, each value in its documented type."""
        template = self._template_record(stream)
        records = stream.record_spec
        where_is = _places(template, records)
        fresh = copier(template)

        def render(row: dict[str, Any]) -> dict[str, Any]:
            record = fresh()
            for column, value in row.items():
                where = where_is(column)
                if where is None:
                    continue  # never invent a field the documented record lacks
                path, example = where
                _put(record, path, _documented_value(column, value, example, records))
            return record

        return render

    def _documented_records(self, stream: Stream, route: Route | None = None) -> Iterator[dict[str, Any]]:
        """The stream's documented records, their dates moved into the fake's window (`redate`); with
        the world's copies, only those whose cursor day the request's window holds (each copy is then
        served once, not once per window: Square's payments are asked a window at a time)."""
        records = [shifted(r, self._redate_days, _epochs(stream)) for r in self._as_documented(stream)]
        copies = self._copies(stream, records)
        if route is not None and copies.count > 1 and getattr(stream, "window", None) is not None:
            records = [r for r in records if self._in_window(route, r)]
        yield from copies.of(records)

    def _in_window(self, route: Route, record: dict[str, Any]) -> bool:
        """Whether the request's window holds the record's cursor day (a record without one: yes)."""
        field = getattr(route.stream.cursor, "field", None)
        if not field:
            return True
        names = {field} | {vendor.rsplit(".", 1)[-1] for vendor, column in route.stream.record_spec.rename.items() if column == field}
        day = latest_day([record], _epochs(route.stream), names)
        if day is None:
            return True
        days = self._days(route)
        return bool(days) and days[0] <= day <= days[-1]

    def _copies(self, stream: Stream, records: list[dict[str, Any]]) -> Copies:
        """Each documented record as many times as the world's ``copies`` says (`copies.Copies`), except
        a parent's (Square's locations): each copy would be a partition asked for every child's copies."""
        count = int(self.world.shape.get("copies", 1)) if stream.name not in self._parents else 1
        places = _places(records[0], stream.record_spec) if records and count > 1 else (lambda column: None)
        return Copies(stream, records, places, count)

    def _as_documented(self, stream: Stream) -> list[dict[str, Any]]:
        if getattr(stream, "kind", None) == "async_report":  # the documented report files, not the job calls' bodies
            return self._jobs.documented_records(stream)
        fmt = getattr(stream, "file", None)
        if fmt is not None:  # the documented answers are report files
            # a documented refusal (Amplitude's 404 for a range without data) holds no records
            return [r for exchange in self.fixtures.data(stream.name)
                    if int(exchange.response.get("status", 200)) < 400 and exchange.response.get("body")
                    for r in fmt.records(io.BytesIO(self.fixtures.raw_body(exchange)))]
        return [r for exchange in self.fixtures.data(stream.name) if (body := self.fixtures.body(exchange)) is not None
                for r in copy.deepcopy(stream.record_spec.select(body))]

    @cached_property
    def _parents(self) -> frozenset[str]:
        """The streams another stream takes its partitions from."""
        return frozenset(s.partitions.parent.name for s in self._streams() if isinstance(s.partitions, FromParent))

    @cached_property
    def _redate_days(self) -> int:
        """Days to add to every documented date so that the latest day a fact reads (an order's
        day; any date where no stream maps into a fact) is the world's last day, and no incremental
        cursor ends up past the day before it (a saved cursor in the future would stop the next
        sync): one shift for the whole source, so its streams stay consistent."""
        served = [s for s in self._streams() if self._served_as_documented(s)]
        fact_days = {s.name: fields for s in served if (fields := fact_day_fields(s))}
        latest = [day for stream in served if not fact_days or stream.name in fact_days
                  if (day := latest_day(self._as_documented(stream), _epochs(stream), fact_days.get(stream.name))) is not None]
        cursors = [day for stream in served if (fields := _cursor_fields(stream))
                   if (day := latest_day(self._as_documented(stream), _epochs(stream), fields)) is not None]
        last = self.world.days[-1]
        shifts = [(last - max(latest)).days] if latest else []
        shifts += [(last - timedelta(days=1) - max(cursors)).days] if cursors else []
        return min(shifts, default=0)

    @staticmethod
    def _served_as_documented(stream: Stream) -> bool:
        return getattr(stream, "fake_records", None) is None and ad_spec(stream) is None

    def _template_record(self, stream: Stream) -> dict[str, Any]:
        """One documented row: a record, or for an ``explode`` stream a record's first item with its other fields."""
        if getattr(stream, "kind", None) == "async_report":  # the documented report file's first record
            return self._jobs.template_record(stream)
        if getattr(stream, "file", None) is not None:  # a report answered as a file: its first record
            for record in self._documented_records(stream):
                return record
        explode = stream.record_spec.explode
        if explode:  # the item's fields first: a name the record also uses deeper down (Apple's totalMetrics) is the item's
            parent = self._documented_parent(stream)
            item = stream.record_spec.items_of(parent)[0]
            return {**item, **{k: v for k, v in stream.record_spec.parent_of(parent).items() if k not in item}}
        for exchange in self.fixtures.data(stream.name):
            body = self.fixtures.body(exchange)
            found = stream.record_spec.select(body)
            if found:
                return found[0]
        raise LookupError(f"{self.prefix}/{stream.name}: no documented record to shape answers after (cassettes/{self.prefix}/)")

    def _documented_parent(self, stream: Stream) -> dict[str, Any]:
        """The first documented record whose ``explode`` list has an item."""
        for exchange in self.fixtures.data(stream.name):
            for record in stream.record_spec.select(self.fixtures.body(exchange)):
                items = stream.record_spec.items_of(record)
                if isinstance(items, list) and items:
                    return record
        raise LookupError(f"{self.prefix}/{stream.name}: no documented record to shape answers after (cassettes/{self.prefix}/)")

    def _rows(self, route: Route) -> Sequence[Any]:
        """The route's records: a dense report rendered slice by slice (with a `metrics` hook), else every record."""
        stream = route.stream
        spec = ad_spec(stream)
        if isinstance(self.world, _HookedWorld) and isinstance(spec, Performance) and getattr(stream, "fake_records", None) is None:
            template = self._report_templates.get(stream.name)
            if template is None:
                template = self._report_templates.setdefault(
                    stream.name, _ReportTemplate(spec, self._template_record(stream), stream.record_spec, self.world))
            rows = LazyReport(template, self._accounts(route), self._days(route))
            return rows if isinstance(stream.paginator(), SLICED_PAGING) else rows[:]
        if not self.keep_rows:
            return list(self._records(route))
        key = _rows_key(route)
        with self._lock:
            kept = self._kept_rows.pop(key, None)
        if kept is None:  # rendered once per route, not once per page (100k copies: 1,000 pages)
            kept = KeptRows(self._records(route))
        with self._lock:
            self._kept_rows[key] = kept
            while len(self._kept_rows) > KEPT_ROUTES:
                self._kept_rows.pop(next(iter(self._kept_rows)))
        return kept

    def _template_body(self, stream: Stream) -> Any:
        for exchange in self.fixtures.data(stream.name):
            body = self.fixtures.body(exchange)
            if body is not None:
                return copy.deepcopy(body)
        return {}

    # -- paging -------------------------------------------------------------------------------

    def _page(self, route: Route, request: FakeRequest, records: list[dict[str, Any]]) -> tuple[Any, dict[str, str]]:
        stream = route.stream
        paginator = stream.paginator()
        body = self._template_body(stream)
        headers: dict[str, str] = {}
        n = len(records)
        params = route.params
        if isinstance(paginator, PageNumber):
            page = int(get_path(params, paginator.page_param) or paginator.first_page)
            size = int(get_path(params, paginator.size_param) or paginator.page_size)
            index = page - paginator.first_page
            chunk = records[index * size:(index + 1) * size]
            if paginator.total_items_path:
                _put_path(body, paginator.total_items_path, n)
            if paginator.total_pages_path:
                pages = max(1, math.ceil(n / size))
                _put_path(body, paginator.total_pages_path, pages)
                _fill_siblings(body, paginator.total_pages_path, page=page, page_size=size, total_number=n)
        elif isinstance(paginator, OffsetLimit):
            offset = int(get_path(params, paginator.offset_param) or 0)
            limit = int(get_path(params, paginator.limit_param) or paginator.limit)
            chunk = records[offset:offset + limit]
            if paginator.total_path:
                _put_path(body, paginator.total_path, n)
        elif isinstance(paginator, OffsetPerRecord):
            offset = int(get_path(params, paginator.offset_param) or 0)
            limit = int(get_path(params, paginator.limit_param) or paginator.limit)
            chunk = _slice_each(records, stream.record_spec.explode, paginator.total_field, offset, limit)
        elif isinstance(paginator, (CursorInBody, NextUrlInBody, LinkHeader, GraphQLPageInfo)):
            size = getattr(paginator, "limit", None) or DEFAULT_PAGE
            token = (request.json() or {}).get("variables", {}).get(paginator.cursor_variable) if isinstance(paginator, GraphQLPageInfo) \
                else params.get(paginator.param) if isinstance(paginator, CursorInBody) else params.get("_page")
            keyset = _keyset_field(paginator.token_path, stream.record_spec.path) if isinstance(paginator, CursorInBody) else None
            offset = _after(records, keyset, token) if keyset else _untoken(token)
            chunk = records[offset:offset + size]
            more = offset + size < n
            nxt = _token(offset + size) if more else None
            if isinstance(paginator, CursorInBody):
                if keyset is None:  # a keyset token is a field of the page's last record: the records carry it
                    _put_path(body, paginator.token_path, nxt)
                if paginator.has_more_path:
                    _put_path(body, paginator.has_more_path, more)
            elif isinstance(paginator, GraphQLPageInfo):
                _put_path(body, paginator.page_info_path, {"hasNextPage": more, "endCursor": nxt})
            else:
                url = None
                if more:
                    query = {k: v[0] for k, v in request.query.items()} | {"_page": nxt}
                    url = f"http://{request.header('host')}/{self.prefix}{request.path}?{urlencode(query)}"
                if isinstance(paginator, NextUrlInBody):
                    _put_path(body, paginator.path, url)
                elif url:
                    headers["Link"] = f'<{url}>; rel="next"'
        elif isinstance(paginator, CursorUntilComplete):  # CJ's maxCommissionId / payloadComplete
            size = DEFAULT_PAGE
            offset = _untoken(get_path(params, paginator.param))
            chunk = records[offset:offset + size]
            more = offset + size < n
            _put_path(body, paginator.token_path, _token(offset + size) if more else (_token(n) if n else None))
            _put_path(body, paginator.complete_path, not more)
            _fill_siblings(body, paginator.complete_path, count=len(chunk))  # CJ's ``count``: this answer's records
        else:
            chunk = records
        path = stream.record_spec.path
        encode = getattr(stream, "fake_encode", None)
        # An endpoint documented as answering one object (GET accounts/:id) answers one object.
        one = isinstance(get_path(body, path) if path else body, dict) and len(chunk) == 1
        if encode is not None:
            body = encode(self, route, body, chunk)
        elif path:
            _put_path(body, path, chunk[0] if one else chunk)
        else:
            body = chunk[0] if one else chunk
        return body, headers


# -- helpers ------------------------------------------------------------------------------------


def _form(request: FakeRequest) -> dict[str, str]:
    """The fields of a form-encoded body (empty for any other body)."""
    from urllib.parse import parse_qs

    if not (request.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
        return {}
    return {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace")).items()}


def _basic_parts(header: str) -> tuple[str, str] | None:
    """``(user, password)`` of an ``Authorization: Basic ...`` header, or None."""
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _digest(*parts: str) -> str:
    import hashlib

    return hashlib.blake2b("|".join(parts).encode(), digest_size=6).hexdigest()


def _match_path(template: str, path: str) -> dict[str, str] | None:
    import re

    pattern = re.escape(template.strip("/"))
    names = re.findall(r"\\\{(\w+)\\\}", pattern)
    for name in names:
        pattern = pattern.replace(rf"\{{{name}\}}", f"(?P<{name}>[^/]+?)")
    match = re.fullmatch(pattern, path.strip("/"))
    return match.groupdict() if match else None


def _placeholder_values(stream: RestStream, request: FakeRequest, params: dict[str, Any]) -> dict[str, str]:
    """The partition values a request carries in its declared headers and parameters (an account id in
    ``X-AP-Context: adAccountId={ad_account_id};``, a campaign id in a report's filter), as text."""
    from ..framework import placeholders

    found: dict[str, Any] = {}
    for header, template in stream.headers.items():
        found.update(placeholders.extract(template, request.header(header)))
    if not callable(stream.params):
        found.update(placeholders.extract(dict(stream.params), params))
    return {name: str(value[0] if isinstance(value, list) and len(value) == 1 else value) for name, value in found.items()}


def _from_headers(headers: Any, request: FakeRequest) -> dict[str, Any]:
    """Partition values a request carries in its declared headers (``Scope: {profile_id}``)."""
    from ..framework import placeholders

    found: dict[str, Any] = {}
    for header, template in (headers or {}).items():
        found.update(placeholders.extract(template, request.header(header)))
    return found


def _fixed(stream: RestStream) -> dict[str, Any]:
    """The parameters a stream always sends as declared: not those filled from a partition or config."""
    from ..framework import placeholders

    params = stream.params if isinstance(stream.params, dict) else {}
    return {k: v for k, v in params.items() if not placeholders.names(v)}


def _without_window(stream: Stream, params: dict[str, Any]) -> dict[str, Any]:
    """The request's parameters as the stream declares them, before its window was written in
    (a window inside a fixed parameter: Google's query text with its date range)."""
    window = getattr(stream, "window", None)
    without = getattr(window, "without", None)
    return without(params) if callable(without) else params


def _same(sent: Any, declared: Any) -> bool:
    """A fixed parameter as sent matches its declaration; a declared JSON object is matched by
    a sent one that holds it (a report body with its fixed ``breakdowns`` and a window added)."""
    if sent is None:
        return False
    if isinstance(declared, dict) and isinstance(sent, dict):
        return all(key in sent and _same(sent[key], value) for key, value in declared.items())
    if isinstance(declared, (list, dict)) and isinstance(sent, str):
        try:
            return orjson.loads(sent) == declared
        except orjson.JSONDecodeError:
            return False
    return sent == declared or str(sent) == str(declared)


def _bound(value: Any, fmt: Any) -> date | None:
    """A window bound a request carried, as a day (`params.parse_bound` reads every declared format)."""
    from ..framework.params import parse_bound

    bound = parse_bound(value, fmt)
    return bound.date() if isinstance(bound, datetime) else bound


_LEVELS = ("account", "campaign", "ad_group", "ad")


def _entities_at(account: Any, level: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Every object of `level` under `account`, with its parents by level."""
    if level == "account":
        yield account, {"account": account}
        return
    for campaign in account.campaigns:
        if level == "campaign":
            yield campaign, {"account": account, "campaign": campaign}
            continue
        for group in campaign.ad_groups:
            if level == "ad_group":
                yield group, {"account": account, "campaign": campaign, "ad_group": group}
                continue
            for ad in group.ads:
                yield ad, {"account": account, "campaign": campaign, "ad_group": group, "ad": ad}


def _ads_under(entity: Any, level: str, account: Any) -> list[Any]:
    if level == "ad":
        return [entity]
    if level == "ad_group":
        return list(entity.ads)
    if level == "campaign":
        return [ad for g in entity.ad_groups for ad in g.ads]
    return [ad for c in account.campaigns for g in c.ad_groups for ad in g.ads]


def _slice_each(records: list[dict[str, Any]], explode: str | None, total_field: str, offset: int, limit: int) -> list[dict[str, Any]]:
    """One page of `OffsetPerRecord` paging: each record with its list's slice and the list's full length
    (where the documented record has that total); records with nothing left are not sent."""
    if not explode:
        return records[offset:offset + limit]
    page = []
    for record in records:
        items = record.get(explode) or []
        if items[offset:offset + limit]:
            sliced = {**record, explode: items[offset:offset + limit]}
            if total_field in record:
                sliced[total_field] = len(items)
            page.append(sliced)
    return page


def _metric_columns(spec: Performance, metrics: DailyMetrics) -> dict[str, Any]:
    """A performance row's metrics, by the stream's column names."""
    columns = {spec.spend: metrics.spend, spec.impressions: metrics.impressions, spec.clicks: metrics.clicks,
               spec.conversions: metrics.conversions}
    if spec.conversion_value:  # a platform without conversion value (Apple Ads) sends none
        columns[spec.conversion_value] = metrics.conversion_value
    return columns


def _entity_columns(spec: Performance, account: Any, path: dict[str, Any]) -> dict[str, Any]:
    """A performance row's account and entity columns (ids, names, currency): fixed per entity."""
    row: dict[str, Any] = {spec.account: account.id}
    for level, obj in path.items():
        if isinstance(getattr(spec, level, None), str):  # a looked-up parent id lives in its own stream's records
            row[getattr(spec, level)] = obj.id
        name = getattr(spec, f"{level}_name", None)
        if isinstance(name, str):  # a Lookup's name lives in another stream's records
            row[name] = obj.name
    if isinstance(spec.currency, str):
        row[spec.currency] = account.currency
    if isinstance(spec.account_name, str):
        row[spec.account_name] = account.name
    return row


def _inactive(active: str) -> str:
    if active in ("true", "false"):  # a boolean status (Outbrain's ``enabled``)
        return "false" if active == "true" else "true"
    for on, off in (("ENABLE", "DISABLE"), ("ACTIVE", "PAUSED"), ("active", "paused"), ("ENABLED", "PAUSED")):
        if active.endswith(on):
            return active[: -len(on)] + off
    return "PAUSED"


def _leaves(obj: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, dict):
                yield from _leaves(value, (*path, key))
            else:
                yield (*path, key), value


def _places(template: dict[str, Any], records: Any) -> Callable[[str], tuple[tuple[str, ...], Any] | None]:
    """Where a column goes in the documented record: ``column -> (path, documented example)``, or None."""
    vendor_of = {column: vendor for vendor, column in records.rename.items()}
    places: dict[str, tuple[tuple[str, ...], Any]] = {}
    for path, value in _leaves(template):
        column = records.rename.get(".".join(path)) or records.rename.get(path[-1], path[-1])  # a dotted name first
        places.setdefault(column, (path, value))
    return lambda column: places.get(column) or places.get(vendor_of.get(column, column))


def _documented_value(column: str, value: Any, example: Any, records: Any) -> Any:
    """A world value for `column`, in its declared unit and written as the documented example writes it."""
    unit = records.units.get(column)
    if unit is not None and unit.exponent and isinstance(value, (int, float)):
        value = round(value * 10**unit.exponent)  # micros, cents: integers; currency units stay as they are
    return _as_documented(value, example, records.formats.get(column))


def _put_path(body: Any, dotted: str, value: Any) -> None:
    if not isinstance(body, dict):
        return
    _put(body, tuple(dotted.split(".")), value)


def _fill_siblings(body: Any, dotted: str, **values: Any) -> None:
    parent = get_path(body, dotted.rsplit(".", 1)[0]) if "." in dotted else body
    if isinstance(parent, dict):
        for key, value in values.items():
            if key in parent:
                parent[key] = value


def _as_documented(value: Any, example: Any, fmt: str | None) -> Any:
    """`value` written the way the documented example writes its field."""
    if fmt == URN_ID and isinstance(example, str) and example.startswith("urn:"):
        return f"{example.rsplit(':', 1)[0]}:{value}"  # the documented URN, naming the world's id
    if isinstance(value, date) and not isinstance(value, datetime):
        if fmt == DATE_PREFIX and isinstance(example, str):
            return value.isoformat() + example[10:]
        if fmt in (EPOCH_SECONDS, EPOCH_MILLIS):
            seconds = int(datetime.combine(value, datetime.min.time(), tzinfo=timezone.utc).timestamp())
            return seconds * (1000 if fmt == EPOCH_MILLIS else 1)
        if fmt:
            return value.strftime(fmt)
        return value.isoformat()
    if isinstance(example, bool) and value in ("true", "false"):
        return value == "true"  # a status declared as text ("true") where the vendor sends a JSON boolean
    if isinstance(example, bool) or example is None:
        return value
    if isinstance(example, str):
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value)
    if isinstance(example, int) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else value
    if isinstance(example, float) and isinstance(value, (int, float)):
        return float(value)
    return value


def _keyset_field(token_path: str, records_path: str | None) -> str | None:
    """The record field a keyset cursor is (``data.items.-1.key``: ``key``), else None.

    PartnerStack, Stripe and others page with ``starting_after=<key of the last item>``.
    """
    if not records_path or not token_path.startswith(records_path + "."):
        return None
    index, _, field = token_path[len(records_path) + 1:].partition(".")
    return field if field and index.lstrip("-").isdigit() else None


def _after(records: list[dict[str, Any]], field: str, token: Any) -> int:
    """The offset after the record whose `field` is `token` (0 on the first page)."""
    if not token:
        return 0
    if isinstance(records, KeptRows):
        return records.after(field, token)
    found = [i for i, record in enumerate(records) if str(get_path(record, field)) == str(token)]
    return found[0] + 1 if found else len(records)


def _basic_secret(request: FakeRequest) -> str | None:
    """The password half of an HTTP basic ``Authorization`` header, if the request sends one."""
    header = request.header("authorization") or ""
    if not header.startswith("Basic "):
        return None
    try:
        return base64.b64decode(header[6:]).decode().partition(":")[2]
    except (ValueError, UnicodeDecodeError):
        return None


def _well_formed_jwt(assertion: str) -> bool:
    """Three base64url parts, the first a JSON header naming its algorithm (the signature is not checked)."""
    parts = assertion.split(".")
    try:
        header = orjson.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        return False
    return len(parts) == 3 and all(parts) and isinstance(header, dict) and bool(header.get("alg"))


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _untoken(token: Any) -> int:
    if not token:
        return 0
    padded = str(token) + "=" * (-len(str(token)) % 4)
    try:
        return int(base64.urlsafe_b64decode(padded).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return 0


# -- large reports: a metrics hook, rows rendered slice by slice, a page cache ----------------------
#
# A benchmark must measure the client, not this fake: through `_records` (the world's
# seeded RNG per ad and day, a deep copy per record, the whole window rendered for every
# page) a 1,000-row page of a large report costs the server seconds. With ``GeneratedApp(metrics=...)``
# performance streams are served by `LazyReport` instead: every (entity, day) has a row
# (so a report's row count is exactly accounts x entities x days), only the requested
# slice is rendered, and each row is joined from bytes pre-rendered per entity, per day
# and per distinct metrics (`_ReportTemplate`). ``page_cache=True`` keeps every page
# answered (`PageCache`): a warm-up pass renders each page once.

#: Paginators whose pages `GeneratedApp._page` cuts from the records by slicing.
SLICED_PAGING = (PageNumber, OffsetLimit, CursorInBody, NextUrlInBody, LinkHeader, GraphQLPageInfo, CursorUntilComplete)


def arithmetic_metrics(ad_id: str, day: date) -> DailyMetrics:
    """A `metrics` hook for large reports: every ad delivers every day, from cheap arithmetic.

    One of 4,096 plausible metric sets, picked by a hash of the ad id and the day:
    deterministic across processes, and microseconds where the world's seeded RNG per
    (ad, day) costs tens of them.
    """
    pool = _metric_pool()
    return pool[(zlib.crc32(ad_id.encode()) * 2654435761 + day.toordinal() * 40503) % len(pool)]


@cache
def _metric_pool(size: int = 4096) -> tuple[DailyMetrics, ...]:
    def one(k: int) -> DailyMetrics:
        h = (k * 2654435761 + 12345) & 0xFFFFFFFF
        impressions = 200 + h % 19800
        clicks = impressions * ((h >> 8) % 40) // 1000  # zero sometimes, as small ads have
        conversions = clicks * ((h >> 16) % 12) // 100
        spend = round(impressions * (2 + (h >> 4) % 12) / 1000, 2)
        return DailyMetrics(spend, impressions, clicks, conversions, float(conversions * (15 + (h >> 12) % 100)))

    return tuple(one(k) for k in range(size))


@dataclass
class _HookedWorld(World):
    """The world with its daily metrics from a hook (`GeneratedApp(metrics=...)`); entities unchanged."""

    hook: Callable[[str, date], DailyMetrics] | None = None

    def ad_metrics(self, ad_id: str, day: date) -> DailyMetrics:
        assert self.hook is not None
        return self.hook(ad_id, day)


#: Routes whose rows a fake with the page cache keeps (a sync pages through one route at a time per lane).
KEPT_ROUTES = 8
#: Request parameters that say which page, not which rows (the fake's own next-URL token, ``_page``).
_PAGING_ATTRIBUTES = ("param", "page_param", "size_param", "offset_param", "limit_param")


class KeptRows(list):  # type: ignore[type-arg]
    """A route's rows kept between its pages, with the position of each keyset token found once."""

    def __init__(self, rows: Any) -> None:
        super().__init__(rows)
        self._positions: dict[str, dict[str, int]] = {}

    def after(self, field: str, token: Any) -> int:
        positions = self._positions.get(field)
        if positions is None:
            positions = {}
            for i, record in enumerate(self):
                positions.setdefault(str(get_path(record, field)), i)
            self._positions[field] = positions
        found = positions.get(str(token))
        return found + 1 if found is not None else len(self)


def _rows_key(route: Route) -> tuple[Any, ...]:
    """What a route's rows depend on: its stream, path and parameters, without those that name the page."""
    paginator = route.stream.paginator()
    params = dict(route.params)
    params.pop("_page", None)
    for attribute in _PAGING_ATTRIBUTES:
        name = getattr(paginator, attribute, None)
        if isinstance(name, str) and "." not in name:
            params.pop(name, None)
    if isinstance(paginator, GraphQLPageInfo) and isinstance(params.get("variables"), dict):
        params["variables"] = {k: v for k, v in params["variables"].items() if k != paginator.cursor_variable}
    return (route.stream.name, orjson.dumps(params, default=str, option=orjson.OPT_SORT_KEYS),
            tuple(sorted(route.path_values.items())))


class PageCache:
    """Every data page answered, kept by request (method, path, query, body): a page is rendered once.

    Consulted after the credential check and injected errors, so those still answer as
    they would; only successful data pages are kept. Off unless enabled.
    """

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self._pages: dict[tuple[Any, ...], FakeResponse] = {}

    def get(self, request: FakeRequest) -> FakeResponse | None:
        return self._pages.get(self._key(request)) if self.enabled else None

    def put(self, request: FakeRequest, response: FakeResponse) -> FakeResponse:
        if self.enabled and response.status == 200:
            self._pages[self._key(request)] = response
        return response

    def __len__(self) -> int:
        return len(self._pages)

    @staticmethod
    def _key(request: FakeRequest) -> tuple[Any, ...]:
        return request.method, request.path, tuple(sorted((k, tuple(v)) for k, v in request.query.items())), request.body


#: The three kinds of value in a performance row, by what they change with.
_DAY, _METRICS, _ENTITY = 0, 1, 2


class _ReportTemplate:
    """A performance stream's documented record as bytes with holes, filled from pre-rendered parts.

    The holes are the columns the unified mapping fills (`_performance`'s row). Each run
    of holes of one kind (the day's, the metrics', the entity's: ids, names, account),
    with the documented text between and after them, is rendered once per day, per
    distinct metrics and per entity; a row is the head and its runs joined.
    """

    METRICS_KEPT = 65_536  # distinct metric sets kept rendered (a pooled hook has 4,096)

    def __init__(self, spec: Performance, template: dict[str, Any], records: Any, world: World) -> None:
        self.spec, self.records, self.world = spec, records, world
        account = world.accounts[0]
        entity_columns = _entity_columns(spec, account, next(_entities_at(account, spec.level))[1])
        kinds = {spec.date: _DAY, **dict.fromkeys(_metric_columns(spec, DailyMetrics(0, 0, 0, 0, 0)), _METRICS),
                 **dict.fromkeys(entity_columns, _ENTITY)}
        where_is = _places(template, records)
        record, markers = copy.deepcopy(template), {}
        for column, kind in kinds.items():
            where = where_is(column)
            if where is not None:
                markers[column] = (f"\x00hole{len(markers)}", kind, where[1])
                _put(record, where[0], markers[column][0])
        text = orjson.dumps(record)
        holes = sorted((text.find(orjson.dumps(m)), len(orjson.dumps(m)), column, kind, example)
                       for column, (m, kind, example) in markers.items() if text.find(orjson.dumps(m)) >= 0)
        self.head = text[: holes[0][0]] if holes else text
        #: Runs of holes of one kind, in record order: (kind, [(column, example, the text after it)]).
        self.runs: list[tuple[int, list[tuple[str, Any, bytes]]]] = []
        for i, (at, size, column, kind, example) in enumerate(holes):
            after = text[at + size: holes[i + 1][0] if i + 1 < len(holes) else len(text)]
            if not self.runs or self.runs[-1][0] != kind:
                self.runs.append((kind, []))
            self.runs[-1][1].append((column, example, after))
        #: Where each run's bytes are found: (kind, index among that kind's runs).
        self.order = [(kind, sum(1 for k, _ in self.runs[:i] if k == kind)) for i, (kind, _) in enumerate(self.runs)]
        self._days: dict[date, tuple[bytes, ...]] = {}
        self._metrics: dict[DailyMetrics, tuple[bytes, ...]] = {}
        self._entities: dict[str, list[tuple[list[Any], tuple[bytes, ...]]]] = {}

    def render(self, kind: int, values: dict[str, Any]) -> tuple[bytes, ...]:
        """The bytes of every run of `kind`, its holes filled from `values` (by column)."""
        return tuple(
            b"".join(orjson.dumps(_documented_value(column, values[column], example, self.records), default=str) + after
                     for column, example, after in holes)
            for k, holes in self.runs if k == kind
        )

    def entities(self, account: Any) -> list[tuple[list[Any], tuple[bytes, ...]]]:
        """The account's entities at the stream's level, in `_performance`'s order: (ads under it, rendered parts)."""
        found = self._entities.get(account.id)
        if found is None:
            level = self.spec.level
            found = self._entities.setdefault(account.id, [
                (_ads_under(entity, level, account), self.render(_ENTITY, _entity_columns(self.spec, account, path)))
                for entity, path in _entities_at(account, level)
            ])
        return found

    def row(self, entity: tuple[list[Any], tuple[bytes, ...]], day: date) -> bytes:
        ads, entity_parts = entity
        metrics = self.world.ad_metrics(ads[0].id, day) if len(ads) == 1 else self.world.sum_metrics(ads, day)
        metric_parts = self._metrics.get(metrics)
        if metric_parts is None:
            if len(self._metrics) >= self.METRICS_KEPT:
                self._metrics.clear()
            metric_parts = self._metrics[metrics] = self.render(_METRICS, _metric_columns(self.spec, metrics))
        day_parts = self._days.get(day)
        if day_parts is None:
            day_parts = self._days[day] = self.render(_DAY, {self.spec.date: day})
        parts = (day_parts, metric_parts, entity_parts)
        return self.head + b"".join([parts[kind][i] for kind, i in self.order])


class LazyReport:
    """One request's performance rows: ``len()`` exact, a slice rendered on demand as one JSON list.

    Rows come in `_performance`'s order (account, day, entity), one for every (entity,
    day): a dense report, whose size is known without rendering it. A slice is an
    `orjson.Fragment`, which the page's body embeds as it is.
    """

    def __init__(self, template: _ReportTemplate, accounts: list[Any], days: list[date]) -> None:
        self.template, self.days = template, days
        self.blocks = [template.entities(account) for account in accounts]
        self.starts = [0]
        for entities in self.blocks:
            self.starts.append(self.starts[-1] + len(entities) * len(days))

    def __len__(self) -> int:
        return self.starts[-1]

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            raise TypeError("a LazyReport is read by slices (pages)")
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("a LazyReport is read by contiguous slices")
        rows, days, row = [], self.days, self.template.row
        for i in range(start, stop):
            block = bisect.bisect_right(self.starts, i) - 1
            entities = self.blocks[block]
            day, entity = divmod(i - self.starts[block], len(entities))
            rows.append(row(entities[entity], days[day]))
        return orjson.Fragment(b"[" + b",".join(rows) + b"]")


def _signed_by(header: str, private_key: str, algorithm: str, audience: str) -> bool:
    """Whether `header` is ``Bearer <JWT>`` signed by `private_key`'s public half, for `audience`, unexpired."""
    if not header.startswith("Bearer ") or not private_key:
        return False
    try:
        import jwt
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        public = load_pem_private_key(private_key.strip().encode(), password=None).public_key()
        jwt.decode(header[7:], public, algorithms=[algorithm], audience=audience)
    except Exception:  # noqa: BLE001 - any failure is a refused credential
        return False
    return True
