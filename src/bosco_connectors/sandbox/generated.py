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
paging (offsets, totals) stays the generated fake's. The token endpoint serves the
refresh-token, client-credentials and JWT-bearer grants; for the last it accepts any
well-formed JWT (three base64url parts, a JSON header naming its ``alg``) without checking
the signature: it has no key to check it with.
"""

from __future__ import annotations

import base64
import copy
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, Callable, Iterator
from urllib.parse import urlencode, urlsplit

import orjson

from ..framework.jsonpath import get_path
from ..framework.paginators import CursorInBody, GraphQLPageInfo, LinkHeader, NextUrlInBody, OffsetLimit, OffsetPerRecord, PageNumber
from ..framework.params import DATE, DATETIME, EPOCH, EPOCH_MS, Batches, ForEach, FromParent
from ..framework.records import DATE_PREFIX, EPOCH_MILLIS, EPOCH_SECONDS
from ..framework.spec import RestStream, Stream
from ..framework.unified import Entity, Performance
from .server import FakeRequest, FakeResponse
from .world import World

if TYPE_CHECKING:
    from ..framework.connector import Connector

#: Rows per page when a paginator does not say (cursor and next-URL paging).
DEFAULT_PAGE = 100


def __getattr__(name: str) -> Any:
    """``app_for_<source>``: the factory `Connector.sandbox` names for a declared source."""
    if name.startswith("app_for_"):
        return partial(GeneratedApp, name[len("app_for_"):])
    raise AttributeError(name)


@dataclass
class Route:
    """A request, decoded by a stream's declarations: which stream, partition and window."""

    stream: Stream
    params: dict[str, Any]
    path_values: dict[str, str]


class GeneratedApp:
    """The fake API of one declared source (see the module docstring)."""

    def __init__(self, source: str | None = None, seed: int = 7, size: str = "small", end_date: date | None = None, *,
                 connector: Connector | None = None, **overrides: int) -> None:
        """The fake of `source` (looked up by name), or of the `connector` object given
        (a source under test that is not registered, or a broken variant's correct original)."""
        from ..framework.registry import get_connector
        from ..testing.replay import Fixtures, fixture_folder

        self.connector = connector if connector is not None else get_connector(source or "")
        self.source = source = self.connector.name
        self.api = self.connector.api  # type: ignore[attr-defined]
        self.prefix = source
        base = urlsplit(self.api.base_url)
        self.root_path = "/" + base.path.strip("/") + "/" if base.path.strip("/") else "/"
        self.real_root = f"{base.scheme}://{base.netloc}"
        self.world = World(seed, size, namespace=source, end_date=end_date or date.today(), overrides=overrides)
        self.fixtures = Fixtures.load(fixture_folder(self.connector))
        self._lock = threading.Lock()
        self._injected: list[str] = []
        self._issued: set[str] = set()

    # -- what tests and the demo use ----------------------------------------------------

    @cached_property
    def credentials(self) -> dict[str, str]:
        """A sandbox value for every secret config field (what this fake accepts)."""
        from pydantic import SecretStr  # noqa: F401 - the annotation is read as text

        from ..framework.auth import OneOf

        auth = self.api.auth
        made: dict[str, str] = {}
        for credential in (auth.choices if isinstance(auth, OneOf) else (auth,) if auth is not None else ()):
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
        return config

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
        if job is not None:
            return job
        route = self._route(request)
        if route is None:
            return FakeResponse.json({"error": {"message": f"no declared stream answers {request.method} {request.path}"}}, 404)
        records = list(self._records(route))
        body, headers = self._page(route, request, records)
        return FakeResponse(200, orjson.dumps(body, default=str), {"Content-Type": "application/json", **headers})

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
            if isinstance(credential, a.ApiKey):
                value = self.credentials.get(credential.fields[0], "")
                if credential.query:
                    return request.arg(credential.query) == value
                return request.header(credential.header or "Authorization") == credential.prefix + value
            if isinstance(credential, (a.RefreshToken, a.ClientCredentials, a.ServiceAccount)):
                header = request.header("authorization") or ""
                return header.startswith("Bearer ") and header[7:] in self._issued
            if isinstance(credential, a.Basic):
                return bool(request.header("authorization"))
            return True

        return self.api.auth is None or ok(self.api.auth)

    def _token(self, request: FakeRequest) -> FakeResponse:
        from urllib.parse import parse_qs

        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type")
        good = grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" and _well_formed_jwt(form.get("assertion", ""))
        if grant == "refresh_token":
            good = form.get("refresh_token") in self.credentials.values()
        elif grant == "client_credentials":  # a sandbox secret, basic auth, or a client secret signed as a JWT (Apple's)
            good = (form.get("client_secret") in self.credentials.values() or bool(request.header("authorization"))
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
        return streams + [s for s in documented if s.name not in known]

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
        if request.method == "POST":
            body = request.json()
            if isinstance(body, dict):
                params.update(body)
        candidates = []
        for stream in self._streams():
            if isinstance(stream, RestStream) and stream.method == request.method:
                values = _match_path(stream.path, path)
                if values is not None:
                    candidates.append(Route(stream, params, {**_placeholder_values(stream, request, params), **values}))
        if len(candidates) > 1:  # one path, several streams (TikTok's report levels): the fixed parameters decide
            candidates = [c for c in candidates if all(_same(params.get(k), v) for k, v in _fixed(c.stream).items())]
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
        parent = partitions.parent.unified
        if not isinstance(parent, Entity):
            return {}
        columns = {parent.id: parent.level, parent.account: "account", parent.campaign: "campaign", parent.ad_group: "ad_group"}
        scope = {}
        for param, column in partitions.fields.items():
            value = route.params.get(param) or route.path_values.get(param)
            if value is not None and columns.get(column):
                scope[columns[column]] = str(value)
        return scope

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
        spec = stream.unified
        if custom is not None:
            rows: Iterator[dict[str, Any]] = custom(self, route)
        elif isinstance(spec, Performance):
            rows = self._performance(spec, route)
        elif isinstance(spec, Entity):
            rows = self._entities(spec, route)
        else:  # no unified mapping (reviews, affiliates): the documented records, as documented
            yield from self._documented_records(stream)
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
        explode = stream.record_spec.explode
        item_keys = set(self._documented_parent(stream)[explode][0])
        records: dict[bytes, dict[str, Any]] = {}
        for row in rows:
            parent = {k: v for k, v in row.items() if k not in item_keys}
            record = records.setdefault(orjson.dumps(parent, default=str, option=orjson.OPT_SORT_KEYS), {**parent, explode: []})
            record[explode].append({k: v for k, v in row.items() if k in item_keys})
        return list(records.values())

    def _performance(self, spec: Performance, route: Route) -> Iterator[dict[str, Any]]:
        for account in self._accounts(route):
            for day in self._days(route):
                for entity, path in _entities_at(account, spec.level):
                    if not self._in_scope(route, path):
                        continue
                    metrics = self.world.sum_metrics(_ads_under(entity, spec.level, account), day)
                    if metrics.impressions == 0:
                        continue  # platforms leave out rows without delivery
                    row = {spec.date: day, spec.account: account.id, spec.spend: metrics.spend, spec.impressions: metrics.impressions,
                           spec.clicks: metrics.clicks, spec.conversions: metrics.conversions}
                    if spec.conversion_value:  # a platform without conversion value (Apple Ads) sends none
                        row[spec.conversion_value] = metrics.conversion_value
                    for level, obj in path.items():
                        if getattr(spec, level, None):
                            row[getattr(spec, level)] = obj.id
                        name = getattr(spec, f"{level}_name", None)
                        if isinstance(name, str):  # a Lookup's name lives in another stream's records
                            row[name] = obj.name
                    if isinstance(spec.currency, str):
                        row[spec.currency] = account.currency
                    if isinstance(spec.account_name, str):
                        row[spec.account_name] = account.name
                    yield row

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
                    if column and level in path:
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
        vendor_of = {column: vendor for vendor, column in records.rename.items()}
        places: dict[str, tuple[tuple[str, ...], Any]] = {}
        for path, value in _leaves(template):
            column = records.rename.get(path[-1], path[-1])
            places.setdefault(column, (path, value))

        def render(row: dict[str, Any]) -> dict[str, Any]:
            record = copy.deepcopy(template)
            for column, value in row.items():
                where = places.get(column) or places.get(vendor_of.get(column, column))
                if where is None:
                    continue  # never invent a field the documented record lacks
                path, example = where
                unit = records.units.get(column)
                if unit is not None and unit.exponent and isinstance(value, (int, float)):
                    value = round(value * 10**unit.exponent)  # micros, cents: integers; currency units stay as they are
                _put(record, path, _as_documented(value, example, records.formats.get(column)))
            return record

        return render

    def _documented_records(self, stream: Stream) -> Iterator[dict[str, Any]]:
        for exchange in self.fixtures.data(stream.name):
            body = self.fixtures.body(exchange)
            if body is not None:
                yield from copy.deepcopy(stream.record_spec.select(body))

    def _template_record(self, stream: Stream) -> dict[str, Any]:
        """One documented row: a record, or for an ``explode`` stream a record's first item with its other fields."""
        if getattr(stream, "kind", None) == "async_report":  # the documented report file's first record
            return self._jobs.template_record(stream)
        explode = stream.record_spec.explode
        if explode:  # the item's fields first: a name the record also uses deeper down (Apple's totalMetrics) is the item's
            parent = self._documented_parent(stream)
            item = parent[explode][0]
            return {**item, **{k: v for k, v in parent.items() if k != explode and k not in item}}
        for exchange in self.fixtures.data(stream.name):
            body = self.fixtures.body(exchange)
            found = stream.record_spec.select(body)
            if found:
                return found[0]
        raise LookupError(f"{self.prefix}/{stream.name}: no documented record to shape answers after (cassettes/{self.prefix}/)")

    def _documented_parent(self, stream: Stream) -> dict[str, Any]:
        """The first documented record whose ``explode`` list has an item."""
        explode = stream.record_spec.explode
        for exchange in self.fixtures.data(stream.name):
            for record in stream.record_spec.select(self.fixtures.body(exchange)):
                if isinstance(record.get(explode), list) and record[explode]:
                    return record
        raise LookupError(f"{self.prefix}/{stream.name}: no documented record to shape answers after (cassettes/{self.prefix}/)")

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
        else:
            chunk = records
        path = stream.record_spec.path
        encode = getattr(stream, "fake_encode", None)
        if encode is not None:
            body = encode(self, route, body, chunk)
        elif path:
            _put_path(body, path, chunk)
        else:
            body = chunk
        return body, headers


# -- helpers ------------------------------------------------------------------------------------


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


def _fixed(stream: RestStream) -> dict[str, Any]:
    return dict(stream.params) if isinstance(stream.params, dict) else {}


def _same(sent: Any, declared: Any) -> bool:
    if sent is None:
        return False
    if isinstance(declared, (list, dict)) and isinstance(sent, str):
        try:
            return orjson.loads(sent) == declared
        except orjson.JSONDecodeError:
            return False
    return sent == declared or str(sent) == str(declared)


def _bound(value: Any, fmt: str) -> date | None:
    if value in (None, ""):
        return None
    if fmt == DATE:
        return date.fromisoformat(str(value)[:10])
    if fmt == DATETIME:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    if fmt in (EPOCH, EPOCH_MS):
        return datetime.fromtimestamp(float(value) / (1000 if fmt == EPOCH_MS else 1), tz=timezone.utc).date()
    return datetime.strptime(str(value), fmt).date()


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


def _put(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        record = record.setdefault(key, {})
    record[path[-1]] = value


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
    found = [i for i, record in enumerate(records) if str(get_path(record, field)) == str(token)]
    return found[0] + 1 if found else len(records)


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
