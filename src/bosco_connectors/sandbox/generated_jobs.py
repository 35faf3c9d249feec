"""The generated fake's answers for declared asynchronous report streams (`jobs.AsyncReportStream`).

A creation request (the stream's `Create`) starts a job: it is answered with the
documented creation body, a new job id at the declared place. A poll (`Poll`) is
answered with the documented poll body, a status that the declaration maps to done and,
where the poll carries the URL, a link to the file on this server (served without any
credential, like a vendor's pre-signed storage link). The file holds the world's records
for the job's partition and window, each shaped after the documented file's first record,
in the declared format and compression (a stream's ``fake_encode(app, route, None, rows)``
writes the file itself, as bytes, where the format cannot say how: X's time series). Several
reports created at one path (Pinterest's levels) are told apart by the fixed values each
declares in its creation request. A job run from a definition made first (a `Prepare`:
Bid Manager's query) has that request answered with the documented body and a new id
where it keeps one; the job's creation then carries that id in its path, and the
partition values the preparation carried (``"{advertiser_id}"`` in its body) scope the
file. Its cleanup request is answered with its documented body. Only declared calls are
served: a report whose calls are functions (an SDK) needs its own fake.

A REST stream whose backfills go through a job (`jobs.RestStreamWithJob`: Salesforce's Bulk
API 2.0) is served both ways: its pages by the generated REST routes, its job here. Its
job's documented calls and files may live in a scenario manifest of their own
(``fixtures.<scenario>.json``), since the documented replay of ``fixtures.json`` reads one
way only; a stream served as documented gets its documented file's records, moved into the
fake's window like its pages' records. Several jobs created at one path with their window
inside a fixed value (a SOQL query) are told apart after the window is taken out. A result
read in sets named by a response header (`locator.HeaderLocator`) is served so: at most the
asked number of records a set, the header naming the next set (its ``last`` value on the last
set) and the count header stating the set's records.
"""

from __future__ import annotations

import copy
import io
import itertools
import re
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import orjson

from ..framework.jobs import AsyncReportStream, Create, Download, JobRequest, Poll, Prepare, RestStreamWithJob
from ..framework.jsonpath import get_path
from ..framework.reports import JobStatus
from .server import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from .generated import GeneratedApp, Route

#: Where job files are served, below the app's prefix.
FILES = "_jobs"
_FILE = re.compile(rf"^/{FILES}/(?P<id>[^/]+)/report")
#: Records per set of a result read in sets when the request does not say (`locator.HeaderLocator`).
DEFAULT_SET = 1000


@dataclass
class _Declared:
    stream: AsyncReportStream | RestStreamWithJob
    create: Create
    poll: Poll
    download: Download


class JobRoutes:
    """Create, poll and download for every declared `AsyncReportStream` of one generated app."""

    def __init__(self, app: "GeneratedApp") -> None:
        self.app = app
        self.jobs: dict[str, "Route"] = {}
        #: What each preparation carried, by the id it was answered with: {kept id: {partition key: value}}.
        self.prepared: dict[str, dict[str, Any]] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._fixtures: dict[str, Any] = {}

    @cached_property
    def declared(self) -> list[_Declared]:
        out = []
        for stream in self.app._streams():
            report = getattr(stream, "report", None)
            if isinstance(stream, (AsyncReportStream, RestStreamWithJob)) and report is not None and isinstance(report.create, Create) \
                    and isinstance(report.poll, Poll) and isinstance(report.download, Download):
                out.append(_Declared(stream, report.create, report.poll, report.download))
        return out

    # -- requests ------------------------------------------------------------------------------

    def is_file(self, request: FakeRequest) -> bool:
        return request.method == "GET" and _FILE.match(request.path) is not None

    def file(self, request: FakeRequest) -> FakeResponse:
        match = _FILE.match(request.path)
        return self._file(match.group("id") if match else "", request)

    def answer(self, request: FakeRequest, path: str) -> FakeResponse | None:
        """The answer to a create, poll or download request of a declared job; None if it is none of those."""
        from .generated import _match_path

        params = self._params(request)
        creates: list[tuple[_Declared, dict[str, str]]] = []
        for item in self.declared:
            prepare = item.create.prepare
            if prepare is not None:
                if request.method == prepare.method and _match_path(prepare.path, path) is not None:
                    return self._prepare(item, prepare, request, params)
                cleanup = prepare.cleanup
                if cleanup is not None and request.method == cleanup.method and _match_path(_no_query(cleanup.path), path) is not None:
                    return FakeResponse.json(self._documented(item, cleanup.path, cleanup.method) or {})
            if item.download.path and request.method == "GET":
                values = _match_path(_no_query(item.download.path), path)
                # the file is named by the job id, or by a value the poll answer gave (``Poll.keep``:
                # this fake answers the job id there)
                named = next((values[n] for n in ("job_id", *item.poll.keep) if values and values.get(n) in self.jobs), None)
                if named is not None:
                    return self._file(named, request)
            job_id = self._polled_id(item.poll, request, path, params)
            if job_id is not None:
                return self._poll(item, job_id, request)
            if request.method == item.create.method:
                values = _match_path(item.create.path, path)
                if values is not None:
                    creates.append((item, values))
        if not creates:
            return None
        # Several reports created at one path (Pinterest's levels, X's entities): the fixed
        # values each declares in its creation request say which one this is.
        item, values = next(((i, v) for i, v in creates if _declares_same(i.create, _without_window(i.create, params))), creates[0])
        return self._create(item, request, params, values)

    # -- the three answers -------------------------------------------------------------------

    def _prepare(self, item: _Declared, prepare: Prepare, request: FakeRequest, params: dict[str, Any]) -> FakeResponse:
        """The documented answer to a preparation, a new id where each kept value is; remembers the
        partition values its body carried (``"{advertiser_id}"``) under that id."""
        from .generated import _put_path

        body = self._documented(item, prepare.path, prepare.method) or {}
        declared = prepare.body if isinstance(prepare.body, dict) else {}
        carried = {name: get_path(params, where) for name in _partition_keys(item.stream)
                   for where in _places(declared, "{" + name + "}") if get_path(params, where) is not None}
        with self._lock:
            number = next(self._numbers)
        for name, where in prepare.keep.items():
            kept = str(800_000 + number)
            self.prepared[kept] = carried
            _put_path(body, where, int(kept) if isinstance(get_path(body, where), int) else kept)
        return FakeResponse.json(body)

    def _create(self, item: _Declared, request: FakeRequest, params: dict[str, Any], values: dict[str, str]) -> FakeResponse:
        from .generated import Route, _from_headers, _put_path

        for name, value in _from_headers(item.create.headers, request).items():  # Amazon's profile scope
            params.setdefault(name, value)
        for value in values.values():  # the partition a preparation named, the job run from it
            for name, carried in self.prepared.get(str(value), {}).items():
                params.setdefault(name, carried)
        body = self._documented(item, item.create.path, item.create.method) or {}
        example = get_path(body, item.create.job_id)
        with self._lock:
            number = next(self._numbers)
        job_id = str(700_000 + number)
        self.jobs[job_id] = Route(item.stream, params, values)
        _put_path(body, item.create.job_id, int(job_id) if isinstance(example, int) else job_id)
        return FakeResponse.json(body)

    def _poll(self, item: _Declared, job_id: str, request: FakeRequest) -> FakeResponse:
        from .generated import _put_path

        if job_id not in self.jobs:
            return FakeResponse.json({"error": {"message": f"no job {job_id}"}}, 404)
        body = self._documented(item, item.poll.path, item.poll.method) or {}
        done = next(vendor for vendor, state in item.poll.statuses.items() if state is JobStatus.DONE)
        _put_path(body, item.poll.status, done)
        if item.poll.url:
            url = f"http://{request.header('host')}/{self.app.prefix}/{FILES}/{job_id}/report{item.download.format.suffix}"
            _put_path(body, item.poll.url, url)
        if item.poll.error:
            _put_path(body, item.poll.error, None)
        for path in item.poll.keep.values():  # the file's own id: the job's here (see `answer`)
            _put_path(body, path, job_id)
        return FakeResponse.json(body)

    def _file(self, job_id: str, request: FakeRequest | None = None) -> FakeResponse:
        route = self.jobs.get(job_id)
        if route is None:
            return FakeResponse.text("<Error><Code>NoSuchKey</Code></Error>", 404, "application/xml")
        download = route.stream.report.download  # type: ignore[attr-defined]
        fmt = download.format
        encode = getattr(route.stream, "fake_encode", None)
        records = self._file_records(route)
        pages = getattr(download, "pages", None)
        headers = {"Content-Type": "application/octet-stream"}
        if pages is not None:  # one set of the result, the next named in a header (Salesforce's Sforce-Locator)
            rows = list(records)
            asked = request.arg(pages.size_param) if request is not None and pages.size_param else None
            size = int(asked) if asked and asked.isdigit() and int(asked) > 0 else DEFAULT_SET
            offset = _untoken(request.arg(pages.param)) if request is not None else 0
            records = rows[offset:offset + size]
            following = _token(offset + size) if offset + size < len(rows) else pages.last
            if following:
                headers[pages.header] = following
            if pages.count_header:
                headers[pages.count_header] = str(len(records))
        # A file the unified mapping cannot describe (X's time series per entity): the
        # stream writes the world's rows into its documented file itself.
        content = encode(self.app, route, None, list(records)) if encode is not None else fmt.dump(records)
        return FakeResponse(200, content, headers)

    def _file_records(self, route: "Route") -> Any:
        """The records of a job's file: the world's, or for a REST stream served as documented whose
        backfill is a job, its documented file's records moved into the fake's window like its pages'."""
        stream = route.stream
        if isinstance(stream, RestStreamWithJob) and self.app._served_as_documented(stream):
            from .generated import _epochs
            from .redate import shifted

            records = [shifted(r, self.app._redate_days, _epochs(stream)) for r in self.documented_records(stream)]
            return list(self.app._copies(stream, records).of(records))
        return self.app._records(route)

    # -- documented shapes ---------------------------------------------------------------------

    def template_record(self, stream: AsyncReportStream) -> dict[str, Any]:
        """The first record of the documented report file of `stream`."""
        for record in self.documented_records(stream):
            return record
        raise LookupError(f"{self.app.prefix}/{stream.name}: no documented report file to shape answers after "
                          f"(cassettes/{self.app.prefix}/)")

    def documented_records(self, stream: AsyncReportStream) -> list[dict[str, Any]]:
        """Every record of the documented report files of `stream` (not its job calls' bodies):
        what a stream without a unified mapping of its own is served (Marketo's lead export)."""
        item = next((d for d in self.declared if d.stream.name == stream.name), None)
        if item is None:
            return []
        fixtures = self.fixtures_for(item)
        return [record for exchange in fixtures.data(stream.name) if not self._is_call(item, exchange.request)
                and self._is_file(item, exchange.request)
                for record in item.download.format.records(io.BytesIO(fixtures.raw_body(exchange)))]

    def fixtures_for(self, item: _Declared) -> Any:
        """The documented fixtures that hold the job's calls: ``fixtures.json``, else the first
        ``fixtures.<scenario>.json`` that does (a REST stream's backfill job, see the module docstring)."""
        found = self._fixtures.get(item.stream.name)
        if found is not None:
            return found
        from ..testing.replay import Fixtures, manifests

        found = main = self.app.fixtures
        if not any(self._is_call(item, e.request) for e in main.data(item.stream.name)):
            for name in manifests(main.folder)[1:]:
                other = Fixtures.load(main.folder, name)
                if any(self._is_call(item, e.request) for e in other.data(item.stream.name)):
                    found = other
                    break
        self._fixtures[item.stream.name] = found
        return found

    def _documented(self, item: _Declared, template: str, method: str) -> Any:
        from .generated import _match_path

        fixtures = self.fixtures_for(item)
        for exchange in fixtures.data(item.stream.name):
            want = exchange.request
            if want.get("method", "GET").upper() == method and _match_path(template, want.get("path", "")) is not None:
                body = fixtures.body(exchange)
                if body is not None:
                    return copy.deepcopy(body)
        return None

    @staticmethod
    def _is_file(item: _Declared, want: dict[str, Any]) -> bool:
        """A documented exchange that may be the job's file: for a REST stream with a job, only one at
        the download's path (its other exchanges are its JSON pages)."""
        from .generated import _match_path

        if isinstance(item.stream, AsyncReportStream) or not item.download.path:
            return True
        return _match_path(_no_query(item.download.path), want.get("path", "")) is not None

    def _is_call(self, item: _Declared, want: dict[str, Any]) -> bool:
        from .generated import _match_path

        path = want.get("path", "")
        prepare = item.create.prepare
        calls: list[JobRequest] = [item.create, item.poll, *([prepare] if prepare else []),
                                   *([prepare.cleanup] if prepare and prepare.cleanup else [])]
        return any(_match_path(_no_query(c.path), path) is not None and want.get("method", "GET").upper() == c.method
                   for c in calls) and not (
            item.download.path and _match_path(_no_query(item.download.path), path) is not None
            and want.get("method", "GET").upper() == "GET" and _has_query(want, item.download.path))

    # -- helpers ---------------------------------------------------------------------------------

    def _polled_id(self, poll: Poll, request: FakeRequest, path: str, params: dict[str, Any]) -> str | None:
        """The known job id a request polls for (in the poll's path, or where its body puts ``{job_id}``)."""
        from .generated import _match_path

        if request.method != poll.method:
            return None
        values = _match_path(poll.path, path)
        if values is None:
            return None
        if "job_id" in values:
            return values["job_id"]
        body = poll.body if isinstance(poll.body, dict) else {}
        for where in _places(body, "{job_id}"):
            found = get_path(params, where)
            if found is not None and str(found) in self.jobs:
                return str(found)
        for where in _places(poll.params if isinstance(poll.params, dict) else {}, "{job_id}"):
            found = params.get(where)
            if found is not None and str(found) in self.jobs:
                return str(found)
        return None

    @staticmethod
    def _params(request: FakeRequest) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
        if request.method == "POST" and request.body:
            try:
                body = request.json()
            except orjson.JSONDecodeError:
                from urllib.parse import parse_qs

                body = {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
            if isinstance(body, dict):
                params.update(body)
        return params


def _declares_same(create: Create, params: dict[str, Any]) -> bool:
    """True when the request carries every fixed value `create` declares (its params and body,
    placeholders aside), wherever the request put them (query or JSON body)."""
    from .generated import _same

    declared = {**(create.params if isinstance(create.params, dict) else {}),
                **(create.body if isinstance(create.body, dict) else {})}
    return all(_same(get_path(params, where), value) for where, value in _fixed_leaves(declared))


def _without_window(create: Create, params: dict[str, Any]) -> dict[str, Any]:
    """The creation's parameters before its window was written into a fixed value (a SOQL query's
    ``WHERE``): what tells several jobs created at one path apart."""
    without = getattr(create.window, "without", None)
    return without(params) if callable(without) else params


def _token(offset: int) -> str:
    from .generated import _token as token

    return token(offset)


def _untoken(value: Any) -> int:
    from .generated import _untoken as untoken

    return untoken(value)


def _fixed_leaves(obj: Any, path: str = "") -> list[tuple[str, Any]]:
    """``(dotted path, value)`` of every declared value that is not a ``{name}`` placeholder (lists are values)."""
    if isinstance(obj, dict):
        return [leaf for key, value in obj.items() for leaf in _fixed_leaves(value, f"{path}.{key}" if path else str(key))]
    return [] if _placeholder(obj) else [(path, obj)]


def _no_query(path: str) -> str:
    """A declared path without its fixed query (``reports/{id}/files/{job_id}?alt=media``)."""
    return path.split("?", 1)[0]


def _has_query(want: dict[str, Any], declared: str) -> bool:
    """A documented request asks for what the declared path's fixed query asks (``alt=media``)."""
    from urllib.parse import parse_qsl

    fixed = dict(parse_qsl(declared.split("?", 1)[1])) if "?" in declared else {}
    asked = {k: str(v) for k, v in (want.get("query") or {}).items()}
    return all(asked.get(k) == v for k, v in fixed.items())


def _partition_keys(stream: AsyncReportStream) -> list[str]:
    from ..framework.params import Batches, ForEach

    partitions = stream.partitions
    return [partitions.param] if isinstance(partitions, (ForEach, Batches)) else []


def _placeholder(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1].isidentifier():
        return value[1:-1]
    return None


def _places(obj: Any, marker: str, path: str = "") -> list[str]:
    """Dotted paths where `obj` holds exactly `marker`."""
    if obj == marker:
        return [path]
    found: list[str] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _places(value, marker, f"{path}.{key}" if path else str(key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found += _places(value, marker, f"{path}.{index}" if path else str(index))
    return found
