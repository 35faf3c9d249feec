"""Pages in documented fixtures and in the requests a replay sent, for the kit's paging checks.

Two questions, asked per stream:

- which of its documented exchanges are the pages of one endpoint (`documented_pages`):
  same method and path, same partition and window, requests that differ in something
  else (``page=2``, ``cursor=...``, ``offset=3``): the docs answer that endpoint in pages;
- did the replay ask for a second page (`asked_for_a_second_page`): two requests of the
  stream that differ in the paginator's page parameter (its page number, offset, token or
  GraphQL cursor; the whole query for paginators that follow next-page URLs) and in
  nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

import orjson

from ..framework.paginators import (CursorInBody, GraphQLPageInfo, NextUrlInBody, OffsetLimit, OffsetPerRecord, PageNumber,
                                    Paginator)
from ..framework.params import Batches, ForEach, FromParent, ParentBatches
from ..framework.spec import Stream
from ..sandbox.server import FakeRequest
from .replay import Exchange


def documented_pages(stream: Stream, exchanges: Iterable[Exchange]) -> list[list[Exchange]]:
    """Groups of two or more exchanges that document one endpoint of `stream` page by page.

    A report job's exchanges are never pages: several creations of one stream are several
    jobs (one per partition, ad product or window), each answered by its own file.
    """
    if getattr(stream, "kind", None) == "async_report":
        return []
    from ..framework import placeholders

    fixed = _partition_params(stream) | _window_params(stream)
    template = getattr(stream, "params", None)
    groups: dict[Any, list[Exchange]] = defaultdict(list)
    for exchange in exchanges:
        if not exchange.request:
            continue
        params = _spec_params(exchange.request)
        # a partition sent inside a parameter (a campaign id in a report's filter) tells requests apart too
        sent = placeholders.extract(dict(template), params) if isinstance(template, dict) else {}
        key = (exchange.request.get("method", "GET").upper(), exchange.request.get("path", "").strip("/"),
               _frozen({k: v for k, v in params.items() if k in fixed}), _frozen(sent))
        groups[key].append(exchange)
    return [group for group in groups.values() if len(group) >= 2]


def asked_for_a_second_page(paginator: Paginator, requests: Iterable[FakeRequest]) -> bool:
    """True if two of `requests` ask for different pages of the same thing."""
    markers: dict[Any, set[Any]] = defaultdict(set)
    for request in requests:
        family, marker = _page_of(paginator, request)
        markers[family].add(marker)
    return any(len(found) >= 2 for found in markers.values())


def page_parameter(paginator: Paginator) -> str:
    """How an error names the parameter that moves from page to page."""
    if isinstance(paginator, PageNumber):
        return f"'{paginator.page_param}'"
    if isinstance(paginator, (OffsetLimit, OffsetPerRecord)):
        return f"'{paginator.offset_param}'"
    if isinstance(paginator, CursorInBody):
        return f"'{paginator.param}'"
    if isinstance(paginator, GraphQLPageInfo):
        return f"the '{paginator.cursor_variable}' variable"
    return "the next-page URL"


def _page_of(paginator: Paginator, request: FakeRequest) -> tuple[Any, Any]:
    """(what is being paged, which page): the request without its page parameter, and that parameter."""
    params = _request_params(request)
    name = None
    if isinstance(paginator, PageNumber):
        name = paginator.page_param
    elif isinstance(paginator, (OffsetLimit, OffsetPerRecord)):
        name = paginator.offset_param
    elif isinstance(paginator, CursorInBody):
        name = paginator.param
    if isinstance(paginator, CursorInBody):
        # A cursor may stand for its first request's query (Recharge sends only ``cursor`` and
        # ``limit`` after page one), and a cursor only comes from a page answered before: the
        # pages of a path are told apart by their cursor alone.
        return (request.method, request.path), _text(_pop(params, name))
    if name is not None:
        marker = _pop(params, name)
        return (request.method, request.path, _frozen(params)), _text(marker)
    if isinstance(paginator, GraphQLPageInfo):
        variables = dict(params.pop("variables", None) or {})
        marker = variables.pop(paginator.cursor_variable, None)
        return (request.method, request.path, _frozen({**params, "variables": variables})), _text(marker)
    if isinstance(paginator, NextUrlInBody):
        # A next-page URL may be another path (Salesforce's ``nextRecordsUrl``,
        # ``/query/01g...-2000``, after ``/queryAll?q=``): any other URL is a page.
        return (request.method, "next-url"), (request.path, _frozen(params))
    return (request.method, request.path), _frozen(params)  # next-page URLs: any change of query is a page


def _pop(params: dict[str, Any], name: str) -> Any:
    """Take the page parameter out, also from inside a JSON body (``pagination.offset``)."""
    if name in params or "." not in name:
        return params.pop(name, None)
    *parents, last = name.split(".")
    inner: Any = params
    for part in parents:
        inner = inner.get(part) if isinstance(inner, dict) else None
    return inner.pop(last, None) if isinstance(inner, dict) else None


def _request_params(request: FakeRequest) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    try:
        body = request.json()
    except orjson.JSONDecodeError:
        from urllib.parse import parse_qsl

        body = dict(parse_qsl(request.body.decode(errors="replace")))
    if isinstance(body, dict):
        params.update(body)
    return params


def _spec_params(spec: dict[str, Any]) -> dict[str, Any]:
    return {**(spec.get("query") or {}), **(spec.get("json") or {}), **(spec.get("form") or {})}


def _partition_params(stream: Stream) -> set[str]:
    partitions = stream.partitions
    if isinstance(partitions, (ForEach, Batches)):
        return {partitions.param}
    if isinstance(partitions, FromParent):
        return set(partitions.fields)
    if isinstance(partitions, ParentBatches):
        return set(partitions.params)
    return set()


def _window_params(stream: Stream) -> set[str]:
    window = getattr(stream, "window", None)
    if window is None:
        return set()
    return {name.split(".")[0] for name in (window.start, window.end) if name}


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _frozen(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)
