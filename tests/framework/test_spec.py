"""Stream specs: window stepping, the generic read loop, date parsing helpers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from bosco_connectors.framework import (
    Contract,
    Cursor,
    FullRefresh,
    CursorInBody,
    GraphQLPageInfo,
    GraphQLStream,
    PageNumber,
    ReadContext,
    RestStream,
    Window,
    parse_date,
    parse_datetime,
)


class Row(Contract):
    id: int


def stream(window: timedelta | None = None, kind: str = "date", **kwargs: Any) -> RestStream:
    return RestStream(
        name="daily", path="report", contract=Row, primary_key=("id",),
        cursor=Cursor("day", kind=kind, window=window), **kwargs,  # type: ignore[arg-type]
    )


def days(w: Window) -> int:
    return (w.end - w.start).days + 1  # type: ignore[operator]


def test_date_windows_of_30_days_over_70_days() -> None:
    since = date(2024, 1, 1)
    until = since + timedelta(days=69)  # 70 days, inclusive
    windows = stream(timedelta(days=30)).windows(since, until)

    assert windows == [
        Window(date(2024, 1, 1), date(2024, 1, 30)),
        Window(date(2024, 1, 31), date(2024, 2, 29)),  # 2024 is a leap year
        Window(date(2024, 3, 1), date(2024, 3, 10)),
    ]
    assert windows[0].start == since and windows[-1].end == until
    for before, after in zip(windows, windows[1:]):
        assert after.start == before.end + timedelta(days=1)  # contiguous, no overlap
    assert sum(days(w) for w in windows) == 70
    assert all(days(w) <= 30 for w in windows)


def test_date_range_that_fits_one_step_and_a_single_day() -> None:
    s = stream(timedelta(days=30))
    assert s.windows(date(2024, 1, 1), date(2024, 1, 30)) == [Window(date(2024, 1, 1), date(2024, 1, 30))]
    assert s.windows(date(2024, 1, 5), date(2024, 1, 5)) == [Window(date(2024, 1, 5), date(2024, 1, 5))]


def test_datetime_windows() -> None:
    since = datetime(2024, 5, 1, tzinfo=timezone.utc)
    until = datetime(2024, 5, 1, 23, 59, 59, tzinfo=timezone.utc)
    windows = stream(timedelta(hours=8), kind="datetime").windows(since, until)

    assert [(w.start.hour, w.end.strftime("%H:%M:%S")) for w in windows] == [  # type: ignore[union-attr]
        (0, "07:59:59"), (8, "15:59:59"), (16, "23:59:59"),
    ]
    for before, after in zip(windows, windows[1:]):
        assert after.start - before.end == timedelta(seconds=1)
    assert windows[-1].end == until


def test_no_step_or_open_range_is_one_window() -> None:
    since, until = date(2024, 1, 1), date(2024, 12, 31)
    assert stream(None).windows(since, until) == [Window(since, until)]
    assert stream(timedelta(days=7)).windows(None, None) == [Window(None, None)]
    full = RestStream(name="items", path="items", contract=Row, primary_key=("id",), cursor=FullRefresh())
    assert full.windows(since, until) == [Window(since, until)]


def test_cursor_lag_units() -> None:
    assert Cursor("day", lookback=timedelta(days=3)).lag == 3.0
    assert Cursor("updated_at", kind="datetime", lookback=timedelta(hours=2)).lag == 7200.0


# -- the generic read loop -------------------------------------------------------------


class FakeClient:
    """Answers GET/POST from a dict of pages and records what was asked."""

    def __init__(self, pages: list[Any]) -> None:
        self.pages = pages
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def get(self, path: str, **kw: Any) -> tuple[None, Any]:
        self.calls.append(("GET", path, kw))
        return None, self.pages[len(self.calls) - 1]

    def post(self, path: str, **kw: Any) -> tuple[None, Any]:
        self.calls.append(("POST", path, kw))
        return None, self.pages[len(self.calls) - 1]


def test_rest_read_merges_params_partition_window_and_page() -> None:
    pages = [{"data": {"list": [{"id": 1}, {"id": 2}], "total_page": 2}}, {"data": {"list": [{"id": 3}, {"id": -1}], "total_page": 2}}]
    client = FakeClient(pages)
    s = stream(
        timedelta(days=30),
        records="data.list",
        params=lambda ctx: {"level": "AD", "dims": "day"},
        window_params=lambda w: {"start_date": w.start.isoformat(), "end_date": w.end.isoformat()},
        paginator=lambda: PageNumber(page_size=2, total_pages_path="data.total_page"),
        transform=lambda r, ctx: None if r["id"] < 0 else {**r, "advertiser": ctx.partition["advertiser_id"]},
    )
    ctx = ReadContext(client, None, date(2024, 1, 1), date(2024, 1, 9), {"advertiser_id": "A1"}, Window(date(2024, 1, 1), date(2024, 1, 9)))  # type: ignore[arg-type]

    assert list(s.read(ctx)) == [[{"id": 1, "advertiser": "A1"}, {"id": 2, "advertiser": "A1"}], [{"id": 3, "advertiser": "A1"}]]
    common = {"level": "AD", "dims": "day", "advertiser_id": "A1", "start_date": "2024-01-01", "end_date": "2024-01-09", "page_size": 2}
    assert [c[2]["params"] for c in client.calls] == [{**common, "page": 1}, {**common, "page": 2}]
    assert all(c[:2] == ("GET", "report") and c[2]["stream"] == "daily" for c in client.calls)


def test_read_wraps_a_single_object_and_skips_empty_pages() -> None:
    client = FakeClient([{"shop": {"id": 7}}])
    s = RestStream(name="shop", path="shop.json", records="shop", contract=Row, primary_key=("id",), cursor=FullRefresh())
    assert list(s.read(ReadContext(client, None, None, None))) == [[{"id": 7}]]  # type: ignore[arg-type]

    empty = FakeClient([{"data": None}])
    s2 = RestStream(name="x", path="x", records="data", contract=Row, primary_key=("id",), cursor=FullRefresh())
    assert list(s2.read(ReadContext(empty, None, None, None))) == []  # type: ignore[arg-type]


def test_post_stream_sends_params_as_json() -> None:
    client = FakeClient([{"rows": [{"id": 1}]}])
    s = RestStream(name="r", path="reports", method="POST", records="rows", params={"metrics": ["spend"]}, contract=Row, primary_key=("id",), cursor=FullRefresh())
    list(s.read(ReadContext(client, None, None, None)))  # type: ignore[arg-type]
    assert client.calls == [("POST", "reports", {"stream": "r", "json": {"metrics": ["spend"]}})]


def test_post_stream_sends_its_body_again_to_the_next_page_url() -> None:
    """A POST query paged by a next-page URL (Klaviyo's reports: ``links.next`` with ``page_cursor``)."""
    from bosco_connectors.framework import NextUrlInBody

    nxt = "https://a.example.com/api/reports?page_cursor=abc"
    client = FakeClient([{"rows": [{"id": 1}], "links": {"next": nxt}}, {"rows": [{"id": 2}], "links": {"next": None}}])
    s = RestStream(name="r", path="reports", method="POST", records="rows", params={"data": {"type": "report"}},
                   paginator=lambda: NextUrlInBody("links.next"), contract=Row, primary_key=("id",), cursor=FullRefresh())
    assert list(s.read(ReadContext(client, None, None, None))) == [[{"id": 1}], [{"id": 2}]]  # type: ignore[arg-type]
    assert client.calls == [("POST", "reports", {"stream": "r", "json": {"data": {"type": "report"}}}),
                            ("POST", nxt, {"stream": "r", "json": {"data": {"type": "report"}}})]


def test_declared_headers_are_filled_from_the_partition_then_config() -> None:
    """Amazon's profile scope and Microsoft's account id travel in headers, not as parameters."""
    from types import SimpleNamespace

    client = FakeClient([{"rows": [{"id": 1}], "next": "token-2"}, {"rows": [{"id": 2}]}])
    s = RestStream(name="r", path="sp/campaigns/list", method="POST", records="rows", contract=Row, primary_key=("id",),
                   cursor=FullRefresh(), params={"maxResults": 10},
                   headers={"Amazon-Advertising-API-Scope": "{profile_id}", "Amazon-Advertising-API-ClientId": "{client_id}",
                            "Content-Type": "application/vnd.spCampaign.v3+json"},
                   paginator=lambda: CursorInBody("next", "nextToken"))
    config = SimpleNamespace(client_id="amzn1.application-oa2-client.abc")
    list(s.read(ReadContext(client, config, None, None, {"profile_id": "3386516771"})))  # type: ignore[arg-type]

    headers = {"Amazon-Advertising-API-Scope": "3386516771", "Amazon-Advertising-API-ClientId": "amzn1.application-oa2-client.abc",
               "Content-Type": "application/vnd.spCampaign.v3+json"}
    assert client.calls == [
        ("POST", "sp/campaigns/list", {"stream": "r", "json": {"maxResults": 10}, "headers": headers}),
        ("POST", "sp/campaigns/list", {"stream": "r", "json": {"maxResults": 10, "nextToken": "token-2"}, "headers": headers}),
    ]  # the partition key named by a header is not sent again in the body


def test_a_header_without_a_value_names_what_it_needs() -> None:
    s = RestStream(name="r", path="x", records="rows", contract=Row, primary_key=("id",), cursor=FullRefresh(),
                   headers={"CustomerAccountId": "{account_id}"})
    with pytest.raises(KeyError, match="CustomerAccountId.*account_id"):
        list(s.read(ReadContext(FakeClient([{"rows": []}]), None, None, None)))  # type: ignore[arg-type]


def test_graphql_stream_sends_query_and_cursor_variables() -> None:
    def page(after: str | None, nxt: str | None) -> dict[str, Any]:
        return {"data": {"orders": {"nodes": [{"id": after or "first"}], "pageInfo": {"hasNextPage": nxt is not None, "endCursor": nxt}}}}

    client = FakeClient([page(None, "c1"), page("c1", None)])
    s = GraphQLStream(
        name="orders", query="query($cursor: String, $q: String) { orders(after: $cursor, query: $q) { nodes { id } } }",
        variables=lambda ctx: {"q": f"updated_at:>={ctx.since}"}, records="data.orders.nodes",
        paginator=lambda: GraphQLPageInfo("data.orders.pageInfo"), contract=Row, primary_key=("id",),
        cursor=Cursor("updated_at", kind="datetime"),
    )
    ctx = ReadContext(client, None, "2024-05-01", None)  # type: ignore[arg-type]
    assert list(s.read(ctx)) == [[{"id": "first"}], [{"id": "c1"}]]
    assert [c[2]["json"]["variables"] for c in client.calls] == [
        {"q": "updated_at:>=2024-05-01", "cursor": None}, {"q": "updated_at:>=2024-05-01", "cursor": "c1"},
    ]
    assert all(c[:2] == ("POST", "graphql.json") for c in client.calls)


def test_base_stream_without_send_says_so() -> None:
    from bosco_connectors.framework import Stream

    s = Stream(name="raw", contract=Row, primary_key=("id",), cursor=FullRefresh())
    with pytest.raises(NotImplementedError, match="stream raw must define how it sends a request"):
        list(s.read(ReadContext(FakeClient([]), None, None, None)))  # type: ignore[arg-type]


# -- parsing helpers -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2024-05-01", "2024-05-01 00:00:00", "2024-05-01T23:10:00Z", date(2024, 5, 1), datetime(2024, 5, 1, 9)])
def test_parse_date(value: Any) -> None:
    assert parse_date(value) == date(2024, 5, 1)


def test_parse_datetime() -> None:
    assert parse_datetime("2024-05-01T10:00:00Z") == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert parse_datetime("2024-05-01T12:00:00+02:00") == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert parse_datetime("2024-05-01 10:00:00").tzinfo is timezone.utc
    assert parse_datetime(datetime(2024, 5, 1, 10)) == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)


def test_a_parent_partition_the_vendor_refuses_gives_no_child_partitions_and_is_reported() -> None:
    """Reddit's reports are partitioned by the ad accounts: an account answering 403 (SKIP) must not fail
    the report stream; the other accounts' partitions remain and the run is reported partial."""
    from types import SimpleNamespace

    import httpx

    from bosco_connectors.framework import ApiClient
    from bosco_connectors.framework.errormap import Action, ErrorMap
    from bosco_connectors.framework.params import ForEach, FromParent

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/a2"):
            return httpx.Response(403, json={"error": {"message": "no access"}})
        return httpx.Response(200, json={"data": {"id": request.url.path.rsplit("/", 1)[1], "zone": "UTC"}})

    client = ApiClient("toy", "https://api.toy.test/", transport=httpx.MockTransport(api),
                       errors=ErrorMap("Toy", statuses={403: Action.SKIP}).policy())
    accounts = RestStream(name="accounts", path="accounts/{account_id}", partitions=ForEach("account_ids", "account_id"),
                          records="data", contract=Contract, primary_key=("id",), cursor=FullRefresh("one object"))
    parts = FromParent(accounts, {"account_id": "id", "zone": "zone"}).for_read(SimpleNamespace(account_ids=["a1", "a2", "a3"]), client)
    assert parts == [{"account_id": "a1", "zone": "UTC"}, {"account_id": "a3", "zone": "UTC"}]
    assert client.stats.skipped == ["toy/accounts: skipped account_id=a2 for the streams partitioned by it: HTTP 403: no access"]


# -- placeholders in headers and parameters, page parameters in a JSON body, history -----------


def test_headers_and_parameters_take_the_partition_and_page_params_go_inside_the_json_body() -> None:
    """Apple: ``X-AP-Context: adAccountId={ad_account_id};``, the campaign in the report's filter, and
    ``pagination.offset`` inside the body; the partition keys are not sent again as parameters."""
    from bosco_connectors.framework import OffsetLimit

    client = FakeClient([{"rows": [{"id": 1}], "pagination": {"totalCount": 2}}, {"rows": [{"id": 2}], "pagination": {"totalCount": 2}}])
    s = RestStream(name="r", path="reports", method="POST", records="rows", contract=Row, primary_key=("id",), cursor=FullRefresh(),
                   headers={"X-AP-Context": "adAccountId={ad_account_id};"},
                   params={"filters": [{"field": "campaignId", "operator": "EQUALS", "value": "{campaign_id}"}], "pagination": {"fetchTotalCount": True}},
                   paginator=lambda: OffsetLimit(limit=1, offset_param="pagination.offset", limit_param="pagination.pageSize",
                                                 total_path="pagination.totalCount"))
    ctx = ReadContext(client, None, None, None, {"ad_account_id": "123", "campaign_id": 77})  # type: ignore[arg-type]
    assert list(s.read(ctx)) == [[{"id": 1}], [{"id": 2}]]
    first, second = (call[2] for call in client.calls)
    assert first["headers"] == {"X-AP-Context": "adAccountId=123;"}
    assert first["json"] == {"filters": [{"field": "campaignId", "operator": "EQUALS", "value": 77}],
                             "pagination": {"fetchTotalCount": True, "offset": 0, "pageSize": 1}}
    assert second["json"]["pagination"] == {"fetchTotalCount": True, "offset": 1, "pageSize": 1}


def test_a_placeholder_without_a_value_says_which() -> None:
    s = RestStream(name="r", path="x", params={"value": "{campaign_id}"}, contract=Row, primary_key=("id",), cursor=FullRefresh())
    with pytest.raises(KeyError, match="campaign_id"):
        list(s.read(ReadContext(FakeClient([{}]), None, None, None)))  # type: ignore[arg-type]


def test_history_skips_windows_the_vendor_no_longer_answers_and_cuts_the_one_across() -> None:
    """Apple's DAILY reports start within the last 90 days: counted from the run's last day."""
    s = RestStream(name="r", path="x", records="rows", contract=Row, primary_key=("id",), cursor=FullRefresh(), history=timedelta(days=88))
    until = date(2026, 11, 20)
    old = ReadContext(FakeClient([]), None, date(2026, 1, 1), until, {}, Window(date(2026, 1, 1), date(2026, 1, 30)))  # type: ignore[arg-type]
    assert s.within_history(old) is None
    across = ReadContext(FakeClient([]), None, date(2026, 1, 1), until, {}, Window(date(2026, 8, 1), date(2026, 9, 30)))  # type: ignore[arg-type]
    assert s.within_history(across).window == Window(date(2026, 8, 24), date(2026, 9, 30))  # type: ignore[union-attr]
    client = FakeClient([{"rows": [{"id": 1}]}])
    assert list(s.read(ReadContext(client, None, date(2026, 1, 1), until, {}, Window(date(2026, 1, 1), date(2026, 1, 30))))) == []  # type: ignore[arg-type]
    assert client.calls == []


def test_partitions_from_a_parents_id_columns_are_the_ids_text() -> None:
    """Apple's campaign ids are JSON numbers; an `Id` column gives its exact text, as it lands (a report filter
    then sends "555666777", the same id the campaigns table holds)."""
    from bosco_connectors.framework import Id
    from bosco_connectors.framework.params import FromParent

    class Campaign(Contract):
        id: Id
        budget: int | None = None

    parent = RestStream(name="campaigns", path="campaigns", records="result", contract=Campaign, primary_key=("id",), cursor=FullRefresh())
    client = FakeClient([{"result": [{"id": 555666777, "budget": 5}, {"id": 555666778, "budget": 7}]}])
    parts = FromParent(parent, {"campaign_id": "id", "budget": "budget"}).for_read(None, client)  # type: ignore[arg-type]
    assert parts == [{"campaign_id": "555666777", "budget": 5}, {"campaign_id": "555666778", "budget": 7}]


def test_partitions_from_the_items_of_a_list_in_each_parent_record() -> None:
    """Customer.io's automation metrics are asked per channel: one partition per distinct channel the
    automation's actions use (``each="actions"``), among the values the endpoint documents (``only``)."""
    from bosco_connectors.framework import Id
    from bosco_connectors.framework.params import FromParent

    class Campaign(Contract):
        id: Id

    parent = RestStream(name="campaigns", path="campaigns", records="campaigns", contract=Campaign, primary_key=("id",),
                        cursor=FullRefresh())
    client = FakeClient([{"campaigns": [
        {"id": 5, "actions": [{"id": 259, "type": "email"}, {"id": 260, "type": "twilio"}, {"id": 261, "type": "email"}]},
        {"id": 7, "actions": [{"id": 301, "type": "email"}, {"id": 302, "type": "not-a-channel"}, {"id": 303}, "junk"]},
        {"id": 9, "actions": []},
        {"id": 11},
    ]}])
    parts = FromParent(parent, {"campaign_id": "id", "type": "actions.type"}, each="actions",
                       only={"type": ("email", "twilio")}).for_read(None, client)  # type: ignore[arg-type]
    assert parts == [{"campaign_id": "5", "type": "email"}, {"campaign_id": "5", "type": "twilio"},
                     {"campaign_id": "7", "type": "email"}]
