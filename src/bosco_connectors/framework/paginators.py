"""Paginators: small objects that turn one response into the next request, or stop.

Each paginator is created fresh per partition/window by the stream reader, so it can
keep state (an offset, a page count). `first()` says how to ask for page one;
`next(response, body, records)` returns the changes for the following request, or
`None` when the API has no more pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from .jsonpath import get_path


@dataclass
class PageRequest:
    """Changes to apply to the next request: params merged, a full URL, or GraphQL variables."""

    params: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> bytes:
        """Equal for two requests of the same page: how a pagination loop is caught."""
        import orjson

        return orjson.dumps([self.url, self.params, self.variables], option=orjson.OPT_SORT_KEYS, default=str)

    def describe(self) -> str:
        """The page as an error names it (a URL, or the changed parameters), secrets masked."""
        from .redaction import redact, redact_url

        if self.url:
            return redact_url(self.url)
        return redact(", ".join(f"{k}={v!r}" for k, v in {**self.params, **self.variables}.items())[:200]) or "the first page"


class Paginator(Protocol):
    def first(self) -> PageRequest: ...

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None: ...


class SinglePage:
    """The endpoint returns everything at once."""

    def first(self) -> PageRequest:
        return PageRequest()

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        return None


@dataclass
class NextUrlInBody:
    """The body carries the full URL of the next page (Meta's ``paging.next``)."""

    path: str = "next"

    def first(self) -> PageRequest:
        return PageRequest()

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        url = get_path(body, self.path)
        return PageRequest(url=url) if url else None


@dataclass
class CursorInBody:
    """The body carries an opaque token that is sent back as a parameter."""

    token_path: str
    param: str
    has_more_path: str | None = None

    def first(self) -> PageRequest:
        return PageRequest()

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        if self.has_more_path is not None and not get_path(body, self.has_more_path):
            return None
        token = get_path(body, self.token_path)
        return PageRequest(params={self.param: token}) if token else None


class LinkHeader:
    """RFC 8288 ``Link: <url>; rel="next"`` headers (GitHub, legacy Shopify REST, Klaviyo)."""

    def first(self) -> PageRequest:
        return PageRequest()

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        nxt = response.links.get("next", {}).get("url")
        return PageRequest(url=nxt) if nxt else None


@dataclass
class OffsetLimit:
    """``offset``/``limit`` parameters; stops at a reported total or a short page."""

    limit: int = 100
    offset_param: str = "offset"
    limit_param: str = "limit"
    total_path: str | None = None
    _offset: int = 0

    def first(self) -> PageRequest:
        self._offset = 0
        return PageRequest(params={self.offset_param: 0, self.limit_param: self.limit})

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        self._offset += len(records)
        total = get_path(body, self.total_path) if self.total_path else None
        if not records or (total is not None and self._offset >= int(total)):
            return None
        if total is None and len(records) < self.limit:
            return None
        return PageRequest(params={self.offset_param: self._offset, self.limit_param: self.limit})


@dataclass
class OffsetPerRecord:
    """``offset``/``limit`` that page each record's own list, not the records.

    Outbrain's periodic reports answer every campaign at once, each with at most ``limit`` of
    its days and its ``totalResults``; the next page asks for the next days of every campaign.
    Pages follow while a record's ``total_field`` is past the results read so far.
    """

    limit: int = 100
    offset_param: str = "offset"
    limit_param: str = "limit"
    total_field: str = "totalResults"
    _offset: int = 0

    def first(self) -> PageRequest:
        self._offset = 0
        return PageRequest(params={self.offset_param: 0, self.limit_param: self.limit})

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        self._offset += self.limit
        totals = [_count(r.get(self.total_field)) for r in records if isinstance(r, dict)]
        if not any(total > self._offset for total in totals):
            return None
        return PageRequest(params={self.offset_param: self._offset, self.limit_param: self.limit})


def _count(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass
class PageNumber:
    """``page``/``page_size`` parameters; stops at the reported page count (or the reported
    number of records: ``total_items_path``), else at a short page. Magento answers a page past
    the last with the last page again, so only its ``total_count`` can end the read."""

    page_size: int = 100
    page_param: str = "page"
    size_param: str = "page_size"
    total_pages_path: str | None = None
    first_page: int = 1
    total_items_path: str | None = None
    _page: int = 1

    def first(self) -> PageRequest:
        self._page = self.first_page
        return PageRequest(params={self.page_param: self._page, self.size_param: self.page_size})

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        total_pages = get_path(body, self.total_pages_path) if self.total_pages_path else None
        if total_pages is None and self.total_items_path:
            total_items = get_path(body, self.total_items_path)
            total_pages = -(-int(total_items) // self.page_size) if total_items is not None else None
        if not records:
            return None
        if total_pages is not None:
            if self._page >= int(total_pages) + self.first_page - 1:
                return None
        elif len(records) < self.page_size:
            return None
        self._page += 1
        return PageRequest(params={self.page_param: self._page, self.size_param: self.page_size})


@dataclass
class GraphQLPageInfo:
    """Relay-style ``pageInfo { hasNextPage endCursor }`` with the cursor sent as a variable."""

    page_info_path: str
    cursor_variable: str = "cursor"

    def first(self) -> PageRequest:
        return PageRequest(variables={self.cursor_variable: None})

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        info = get_path(body, self.page_info_path) or {}
        if not info.get("hasNextPage"):
            return None
        return PageRequest(variables={self.cursor_variable: info.get("endCursor")})


@dataclass
class CursorUntilComplete:
    """A cursor the body names, sent back until the body says the answer is complete.

    CJ's Commission Detail API answers a bounded batch with ``maxCommissionId`` (the id of
    the batch's last commission) and ``payloadComplete``; while that is ``false`` the next
    call asks for the commissions after that id (``sinceCommissionId``). ``param`` may be a
    dotted place in a POST body (``variables.sinceCommissionId``: a GraphQL variable). An
    answer that says it is incomplete but names no cursor cannot be continued: it fails the
    stream rather than end it with records missing. The first call sends the cursor as null.
    """

    token_path: str
    complete_path: str
    param: str

    def first(self) -> PageRequest:
        """No cursor yet: sent as null (a GraphQL variable's "none"), so page one is a request of its own."""
        return PageRequest(params={self.param: None})

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        if get_path(body, self.complete_path) is not False:
            return None
        token = get_path(body, self.token_path)
        if token in (None, ""):
            from .errors import ResponseFormatError

            raise ResponseFormatError(
                f"the answer says it is incomplete ({self.complete_path} false) but names no {self.token_path} "
                "to continue from; stopping rather than losing the rest")
        return PageRequest(params={self.param: token})
