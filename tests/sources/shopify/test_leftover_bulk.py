"""A bulk export an earlier run left running (Ctrl-C, a kill, a crash) never blocks the next run.

The fake models what Shopify documents: an operation nobody polls stays RUNNING; one bulk
query operation per app and shop before API 2026-01 (a second is refused "already in
progress"), five from 2026-01; ``bulkOperations`` lists only the calling app's operations;
``bulkOperationCancel`` stops one.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import httpx
import pytest

from bosco_connectors.framework import ApiError
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.shopify import ACCESS_TOKEN, ShopifyApp
from bosco_connectors.sources.shopify.queries import ORDERS, updated_between

from .conftest import END, graphql_requests, read

TINY = dict(seed=3, size="tiny", end_date=END)
#: A document of the same app that is not this source's (a merchant's script with the same token).
THEIR_EXPORT = "{ products { edges { node { id title } } } }"


def orders_export(app: ShopifyApp, days_back: int = 0) -> str:
    """The bulk query a run over the shop's range would send (`days_back`: a run of another day)."""
    since = datetime.combine(app.world.start_date, time.min, tzinfo=timezone.utc)
    until = datetime.combine(app.world.end_date, time.max, tzinfo=timezone.utc) - timedelta(days=days_back)
    return ORDERS.bulk_query(updated_between("updated_at", since, until))


def bulk_config(app: ShopifyApp, api: FakeApi, version: str) -> dict:
    return {**app.source_config(api.url("shopify")), "bulk": True, "api_version": version}


def order_ids(app: ShopifyApp) -> list[str]:
    return sorted(o.id for o in app.shop.orders)


@pytest.mark.parametrize("version, stopped", [
    ("2025-10", "CANCELED"),  # its slot is the only one: ours starts once it has stopped
    ("2026-10", "CANCELING"),  # a free slot: ours starts at once
], ids=["one-at-a-time", "five-at-a-time"])
def test_our_export_left_running_with_another_range_is_cancelled_and_ours_started(version, stopped):
    app = ShopifyApp(**TINY)
    app.start_bulk(orders_export(app, days_back=1), version=version)  # the stopped run of yesterday
    with FakeApi([app]) as api:
        rows, _ = read(bulk_config(app, api, version), "orders")
    assert sorted(r["id"] for r in rows) == order_ids(app)
    assert [o.status for o in app.bulk_operations] == [stopped, "COMPLETED"]


def test_our_export_left_running_with_the_same_range_is_resumed_not_started_again():
    app = ShopifyApp(**TINY)
    left = app.start_bulk(orders_export(app))  # an interrupted backfill over the same range
    with FakeApi([app]) as api:
        rows, _ = read(bulk_config(app, api, "2026-10"), "orders")
        started = graphql_requests(api, "bulkOperationRunQuery")
    assert sorted(r["id"] for r in rows) == order_ids(app)
    assert started == [] and app.bulk_operations == [left] and left.status == "COMPLETED"


def test_operations_that_are_not_this_sources_are_never_cancelled():
    app = ShopifyApp(**TINY)
    theirs = app.start_bulk(THEIR_EXPORT)  # same app, another document
    other_app = app.start_bulk(orders_export(app, days_back=1), app="another-app")  # our document, another app
    ours = app.start_bulk(orders_export(app, days_back=2))
    with FakeApi([app]) as api:
        rows, _ = read(bulk_config(app, api, "2026-10"), "orders")
        cancels = graphql_requests(api, "bulkOperationCancel")
    assert sorted(r["id"] for r in rows) == order_ids(app)
    assert (theirs.status, other_app.status, ours.status) == ("RUNNING", "RUNNING", "CANCELING")
    assert [c["variables"]["id"] for c in cancels] == [ours.id]


def test_a_slot_held_by_someone_elses_export_fails_in_one_line_saying_what_to_do():
    app = ShopifyApp(**TINY)
    theirs = app.start_bulk(THEIR_EXPORT, version="2025-10")
    with FakeApi([app]) as api:
        with pytest.raises(ApiError) as info:
            read(bulk_config(app, api, "2025-10"), "orders")
    message = str(info.value)
    assert message.startswith("shopify/orders: bulk operation: Shopify refused to start the export (A bulk query "
                              f"operation for this app and shop is already in progress: {theirs.id}.)"), message
    assert "wait for them to end, or cancel them with bulkOperationCancel" in message and "\n" not in message
    assert theirs.status == "RUNNING"


# -- the fake, as the reference documents it ------------------------------------------------------


def run_bulk(api: FakeApi, version: str, document: str) -> dict:
    response = httpx.post(
        f"{api.url('shopify')}/admin/api/{version}/graphql.json", headers={"X-Shopify-Access-Token": ACCESS_TOKEN},
        json={"query": "mutation Run($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } "
                       "userErrors { message code } } }", "variables": {"q": document}})
    return response.json()["data"]["bulkOperationRunQuery"]


def test_the_fake_allows_one_bulk_query_before_2026_01_and_five_from_it():
    app = ShopifyApp(**TINY)
    with FakeApi([app]) as api:
        first, second = run_bulk(api, "2025-10", THEIR_EXPORT), run_bulk(api, "2025-10", THEIR_EXPORT)
        assert first["userErrors"] == [] and first["bulkOperation"]["status"] == "CREATED"
        assert second["userErrors"] == [{"message": "A bulk query operation for this app and shop is already in progress: "
                                         f"{first['bulkOperation']['id']}.", "code": "OPERATION_IN_PROGRESS"}]
        later = [run_bulk(api, "2026-10", THEIR_EXPORT) for _ in range(5)]
    assert [bool(a["bulkOperation"]) for a in later] == [True, True, True, True, False]  # the first still runs
    assert later[-1]["userErrors"] == [{"message": "Bulk operations limit reached. Please try again later.", "code": "LIMIT_REACHED"}]
    assert app.start_bulk(THEIR_EXPORT, app="another-app").status == "RUNNING"  # another app's slots are its own


def test_a_listing_shopify_refuses_does_not_block_the_export(caplog):
    """As a version without ``bulkOperations`` would answer (the field is undefined there)."""
    undefined = {"errors": [{"message": "Field 'bulkOperations' doesn't exist on type 'QueryRoot'",
                             "extensions": {"code": "undefinedField", "typeName": "QueryRoot", "fieldName": "bulkOperations"}}]}
    app = ShopifyApp(**TINY)
    with FakeApi([app]) as api:
        api.transform(lambda body: undefined if "bulkOperations" in ((body or {}).get("data") or {}) else body,
                      path_contains="graphql.json")
        rows, _ = read(bulk_config(app, api, "2026-10"), "orders")
    assert sorted(r["id"] for r in rows) == order_ids(app)
    assert ("could not list the app's running bulk operations (GraphQL error undefinedField: Field 'bulkOperations' "
            "doesn't exist on type 'QueryRoot')") in caplog.text
