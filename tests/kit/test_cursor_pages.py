"""A cursor request that carries only the cursor (Recharge: the cursor stands for the first
request's filters) still counts as the second page of that first request."""

from bosco_connectors.framework.paginators import CursorInBody, PageNumber
from bosco_connectors.sandbox.server import FakeRequest
from bosco_connectors.testing.pages import asked_for_a_second_page


def _get(path: str, **query: str) -> FakeRequest:
    return FakeRequest("GET", path, {k: [v] for k, v in query.items()}, {}, b"")


def test_a_cursor_without_the_first_requests_filters_is_its_second_page() -> None:
    first = _get("charges", limit="2", updated_at_min="2026-11-01T00:00:00+0000")
    second = _get("charges", limit="2", cursor="eyJsYXN0X3ZhbHVlIjogNX0=")
    assert asked_for_a_second_page(CursorInBody("next_cursor", "cursor"), [first, second])


def test_first_pages_alone_are_not_a_second_page() -> None:
    """Two partitions' first pages (no cursor) are no second page, cursor or page number."""
    a = _get("charges", limit="2", updated_at_min="2026-11-01T00:00:00+0000")
    b = _get("charges", limit="2", updated_at_min="2026-11-02T00:00:00+0000")
    assert not asked_for_a_second_page(CursorInBody("next_cursor", "cursor"), [a, b])
    assert not asked_for_a_second_page(PageNumber(page_param="page"), [_get("x", page="1", a="1"), _get("x", page="2", a="2")])


def test_a_next_page_url_on_another_path_is_the_second_page() -> None:
    """Salesforce answers ``queryAll?q=...`` with a ``nextRecordsUrl`` of another path
    (``query/01gD0000002HU6KIAW-2000``, no query of its own): that request is page 2."""
    from bosco_connectors.framework.paginators import NextUrlInBody

    first = _get("services/data/v66.0/queryAll", q="SELECT Id FROM Lead ORDER BY SystemModstamp ASC")
    second = _get("services/data/v66.0/query/01gD0000002HU6KIAW-2000")
    assert asked_for_a_second_page(NextUrlInBody("nextRecordsUrl"), [first, second])
    assert not asked_for_a_second_page(NextUrlInBody("nextRecordsUrl"), [first])
