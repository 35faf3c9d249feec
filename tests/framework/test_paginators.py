"""Paginators over three pages and their stop conditions.

`crawl` plays the stream reader's role: it asks the paginator for the first request,
serves a page for each request from a fake API function, and follows `next` until it
returns None. The fake API functions compute their pages from the request alone.
"""

from __future__ import annotations

from typing import Any, Callable

import httpx

from bosco_connectors.framework import (
    CursorInBody,
    CursorUntilComplete,
    GraphQLPageInfo,
    LinkHeader,
    NextUrlInBody,
    OffsetLimit,
    PageNumber,
    PageRequest,
    SinglePage,
)

ROWS = list(range(25))  # 25 records: pages of 10 give 10, 10, 5

Serve = Callable[[PageRequest], tuple[httpx.Response, Any, list[Any]]]


def crawl(paginator: Any, serve: Serve, limit: int = 20) -> list[PageRequest]:
    requests = []
    page = paginator.first()
    while page is not None:
        requests.append(page)
        assert len(requests) <= limit, "paginator never stopped"
        response, body, records = serve(page)
        page = paginator.next(response, body, records)
    return requests


def json_response(body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers, request=httpx.Request("GET", "https://api.test/items"))


def test_single_page() -> None:
    requests = crawl(SinglePage(), lambda p: (json_response({"data": ROWS}), {"data": ROWS}, ROWS))
    assert requests == [PageRequest()]


def test_next_url_in_body() -> None:
    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        n = 1 if page.url is None else int(page.url.rsplit("=", 1)[1])
        body = {"data": [n], "paging": {"next": f"https://graph.test/v1/act_1/ads?after=p{n + 1}&n={n + 1}" if n < 3 else None}}
        return json_response(body), body, body["data"]

    requests = crawl(NextUrlInBody("paging.next"), serve)
    assert [r.url for r in requests] == [None, "https://graph.test/v1/act_1/ads?after=p2&n=2", "https://graph.test/v1/act_1/ads?after=p3&n=3"]


def test_next_url_missing_key_stops() -> None:
    body = {"data": [1], "paging": {"cursors": {"before": "x"}}}
    assert NextUrlInBody("paging.next").next(json_response(body), body, [1]) is None


def test_cursor_in_body_until_the_token_is_empty() -> None:
    tokens = {None: "c2", "c2": "c3", "c3": ""}

    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        current = page.params.get("cursor")
        body = {"items": [current], "meta": {"next_cursor": tokens[current]}}
        return json_response(body), body, body["items"]

    requests = crawl(CursorInBody(token_path="meta.next_cursor", param="cursor"), serve)
    assert [r.params for r in requests] == [{}, {"cursor": "c2"}, {"cursor": "c3"}]


def test_cursor_in_body_stops_on_has_more_false_even_with_a_token() -> None:
    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        n = int(page.params.get("starting_after", "0"))
        # Stripe-style: a token is always present; has_more says whether to use it.
        body = {"data": [n + 1], "has_more": n + 1 < 3, "last_id": str(n + 1)}
        return json_response(body), body, body["data"]

    requests = crawl(CursorInBody(token_path="last_id", param="starting_after", has_more_path="has_more"), serve)
    assert [r.params for r in requests] == [{}, {"starting_after": "1"}, {"starting_after": "2"}]


def test_link_header() -> None:
    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        n = 1 if page.url is None else int(httpx.URL(page.url).params["page"])
        links = [f'<https://api.test/items?page={n - 1}>; rel="prev"'] if n > 1 else []
        if n < 3:
            links.append(f'<https://api.test/items?page={n + 1}>; rel="next"')
        headers = {"Link": ", ".join(links)} if links else {}
        return json_response([n], headers), [n], [n]

    requests = crawl(LinkHeader(), serve)
    assert [r.url for r in requests] == [None, "https://api.test/items?page=2", "https://api.test/items?page=3"]


def offset_api(total_in_body: bool) -> Serve:
    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        offset, limit = page.params["offset"], page.params["limit"]
        rows = ROWS[offset : offset + limit]
        body = {"results": rows, **({"count": len(ROWS)} if total_in_body else {})}
        return json_response(body), body, rows

    return serve


def test_offset_limit_with_total() -> None:
    requests = crawl(OffsetLimit(limit=10, total_path="count"), offset_api(True))
    assert [r.params for r in requests] == [{"offset": 0, "limit": 10}, {"offset": 10, "limit": 10}, {"offset": 20, "limit": 10}]


def test_offset_limit_without_total_stops_on_a_short_page() -> None:
    requests = crawl(OffsetLimit(limit=10), offset_api(False))
    assert [r.params["offset"] for r in requests] == [0, 10, 20]


def test_offset_limit_without_total_stops_on_an_empty_page() -> None:
    # 30 rows = exactly three full pages: a fourth, empty request is the only way to know.
    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        rows = list(range(30))[page.params["offset"] : page.params["offset"] + 10]
        return json_response({"results": rows}), {"results": rows}, rows

    requests = crawl(OffsetLimit(limit=10), serve)
    assert [r.params["offset"] for r in requests] == [0, 10, 20, 30]


def test_offset_limit_with_total_skips_the_empty_request() -> None:
    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        rows = list(range(30))[page.params["offset"] : page.params["offset"] + 10]
        return json_response({}), {"results": rows, "count": 30}, rows

    assert [r.params["offset"] for r in crawl(OffsetLimit(limit=10, total_path="count"), serve)] == [0, 10, 20]


def test_offset_limit_restarts_on_first() -> None:
    paginator = OffsetLimit(limit=10, total_path="count")
    crawl(paginator, offset_api(True))
    assert [r.params["offset"] for r in crawl(paginator, offset_api(True))] == [0, 10, 20]


def page_api(total_pages_in_body: bool, first_page: int = 1) -> Serve:
    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        number, size = page.params["page"], page.params["page_size"]
        index = number - first_page
        rows = ROWS[index * size : (index + 1) * size]
        info = {"page": number, **({"total_page": 3} if total_pages_in_body else {})}
        body = {"data": {"list": rows, "page_info": info}}
        return json_response(body), body, rows

    return serve


def test_page_number_with_total_pages() -> None:
    requests = crawl(PageNumber(page_size=10, total_pages_path="data.page_info.total_page"), page_api(True))
    assert [r.params for r in requests] == [{"page": n, "page_size": 10} for n in (1, 2, 3)]


def test_page_number_with_total_pages_from_zero() -> None:
    paginator = PageNumber(page_size=10, total_pages_path="data.page_info.total_page", first_page=0)
    assert [r.params["page"] for r in crawl(paginator, page_api(True, first_page=0))] == [0, 1, 2]


def test_page_number_without_total_stops_on_a_short_page() -> None:
    requests = crawl(PageNumber(page_size=10, page_param="p", size_param="per"), lambda p: page_api(False)(
        PageRequest(params={"page": p.params["p"], "page_size": p.params["per"]})
    ))
    assert [r.params for r in requests] == [{"p": n, "per": 10} for n in (1, 2, 3)]


def test_page_number_stops_on_an_empty_page_even_if_total_says_more() -> None:
    paginator = PageNumber(page_size=10, total_pages_path="total")
    paginator.first()
    body = {"list": [], "total": 9}
    assert paginator.next(json_response(body), body, []) is None


def test_graphql_page_info() -> None:
    cursors = {None: "Y3Vyc29yOjE=", "Y3Vyc29yOjE=": "Y3Vyc29yOjI="}

    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        after = page.variables["cursor"]
        nxt = cursors.get(after)
        body = {"data": {"orders": {"edges": [{"node": {"id": after}}], "pageInfo": {"hasNextPage": nxt is not None, "endCursor": nxt}}}}
        return json_response(body), body, body["data"]["orders"]["edges"]

    requests = crawl(GraphQLPageInfo("data.orders.pageInfo"), serve)
    assert [r.variables for r in requests] == [{"cursor": None}, {"cursor": "Y3Vyc29yOjE="}, {"cursor": "Y3Vyc29yOjI="}]


def test_graphql_page_info_missing_stops() -> None:
    body = {"data": None, "errors": [{"message": "x"}]}
    assert GraphQLPageInfo("data.orders.pageInfo").next(json_response(body), body, []) is None


# -- OffsetPerRecord: each record's own list is paged, not the records -----------------------


def test_offset_per_record_pages_each_records_list_until_every_total_is_read() -> None:
    """Outbrain's periodic report: every campaign comes on every page with up to `limit` of its days;
    pages follow while one campaign has days left (its ``totalResults``)."""
    from bosco_connectors.framework.paginators import OffsetPerRecord

    days = {"a": 5, "b": 2}  # campaign a has 5 days, b has 2

    def serve(page: PageRequest):
        offset, limit = page.params["offset"], page.params["limit"]
        records = [{"campaignId": c, "results": list(range(n))[offset:offset + limit], "totalResults": n}
                   for c, n in days.items() if list(range(n))[offset:offset + limit]]
        return httpx.Response(200), {"campaignResults": records}, records

    requests = crawl(OffsetPerRecord(limit=2), serve)
    assert [r.params for r in requests] == [{"offset": 0, "limit": 2}, {"offset": 2, "limit": 2}, {"offset": 4, "limit": 2}]


def test_offset_per_record_stops_on_an_empty_page_or_totals_without_a_number() -> None:
    from bosco_connectors.framework.paginators import OffsetPerRecord

    paginator = OffsetPerRecord(limit=2)
    paginator.first()
    assert paginator.next(httpx.Response(200), {}, []) is None
    paginator.first()
    assert paginator.next(httpx.Response(200), {}, [{"totalResults": None}, {"totalResults": "x"}]) is None


def cj_api(batch: int = 10) -> Serve:
    """CJ's Commission Detail answers: a batch of commissions after ``sinceCommissionId``, the last
    one's id as ``maxCommissionId``, and ``payloadComplete`` once nothing is left."""
    def serve(page: PageRequest) -> tuple[httpx.Response, Any, list[Any]]:
        since = int(page.params.get("variables.sinceCommissionId") or -1)
        rows = [r for r in ROWS if r > since][:batch]
        result = {"count": len(rows), "payloadComplete": rows[-1] == ROWS[-1], "maxCommissionId": str(rows[-1]), "records": rows}
        body = {"data": {"advertiserCommissions": result}}
        return json_response(body), body, rows

    return serve


CJ = CursorUntilComplete(token_path="data.advertiserCommissions.maxCommissionId",
                         complete_path="data.advertiserCommissions.payloadComplete", param="variables.sinceCommissionId")


def test_cursor_until_complete_follows_the_last_id_until_the_payload_is_complete() -> None:
    requests = crawl(CJ, cj_api())
    assert [r.params for r in requests] == [{"variables.sinceCommissionId": None}, {"variables.sinceCommissionId": "9"}, {"variables.sinceCommissionId": "19"}]


def test_cursor_until_complete_stops_on_a_complete_first_answer_even_with_a_cursor() -> None:
    assert crawl(CJ, cj_api(batch=100)) == [PageRequest(params={"variables.sinceCommissionId": None})]


def test_cursor_until_complete_fails_on_an_incomplete_answer_without_a_cursor() -> None:
    import pytest

    from bosco_connectors.framework.errors import ResponseFormatError

    body = {"data": {"advertiserCommissions": {"count": 0, "payloadComplete": False, "maxCommissionId": None, "records": []}}}
    with pytest.raises(ResponseFormatError, match="incomplete"):
        CJ.next(json_response(body), body, [])
