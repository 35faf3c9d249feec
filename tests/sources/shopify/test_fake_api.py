"""The Shopify source against the live fake API: throttling, bulk operations, increments, errors."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, time, timedelta, timezone

import pytest

from bosco_connectors.framework import ApiError, AuthError, ConfigError, ReportJobError, ResponseFormatError
from bosco_connectors.framework.jsonpath import get_path
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.shopify import ACCESS_TOKEN, ShopifyApp
from bosco_connectors.sources.shopify import connector

from .conftest import (
    END,
    ONE_DAY,
    cents,
    exception_chain,
    expected_orders,
    graphql_requests,
    query,
    read,
    search_time,
    sync,
)

#: The fake's cost bucket refills in real time: the client must really wait for it.
pytestmark = pytest.mark.wall_clock

TINY = dict(seed=3, size="tiny", end_date=END)


def comparable(tmp_path, table: str, name: str, order_by: str = "id") -> list[tuple]:
    """All columns except dlt's own bookkeeping ids, in a stable order."""
    cols = [c for c in (r[0] for r in query(
        tmp_path,
        f"select column_name from information_schema.columns where table_schema = 'raw' and table_name = '{table}' "
        "order by column_name", name,
    )) if not c.startswith("_dlt_")]
    return query(tmp_path, f"select {', '.join(cols)} from raw.{table} order by {order_by}", name)


def test_bulk_operation_yields_the_same_rows_as_paging(tmp_path):
    app = ShopifyApp(**TINY)
    with FakeApi([app]) as api:
        base = app.source_config(api.url("shopify"))
        sync(tmp_path, {**base, "bulk": False}, name="paged")
        assert not graphql_requests(api, "bulkOperationRunQuery")
        api.clear()
        sync(tmp_path, {**base, "bulk": True}, name="bulk")
        assert len(graphql_requests(api, "bulkOperationRunQuery")) == 3  # orders, products, customers
        assert not graphql_requests(api, "orders")
        downloads = api.requests_to("/bulk-results/")
    assert len(downloads) == 3
    assert all("x-shopify-access-token" not in r.headers for r in downloads), "the token must not go to the storage URL"
    for table, order_by in [("shopify_orders", "id"), ("shopify_orders__line_items", "id"),
                            ("shopify_products", "id"), ("shopify_customers", "id")]:
        paged, bulk = comparable(tmp_path, table, "paged", order_by), comparable(tmp_path, table, "bulk", order_by)
        assert paged == bulk, table
    assert len(comparable(tmp_path, "shopify_orders", "bulk")) == len(app.shop.orders)
    # bulk exports every line item at once: no follow-up query for long orders
    assert any(len(o.line_items) > 5 for o in app.shop.orders)


def test_bulk_files_serve_the_same_export_from_disk_written_once_per_document(tmp_path):
    """`bulk_files` (the benchmark's 300,000-order shop): the same bytes as the in-memory export,
    written by a thread, streamed from disk, and reused by a second export of the same document."""
    in_memory = ShopifyApp(**TINY)
    on_disk = ShopifyApp(**TINY, bulk_files=tmp_path / "files")
    with FakeApi([in_memory]) as api:
        base = in_memory.source_config(api.url("shopify"))
        sync(tmp_path, {**base, "bulk": True}, streams=["orders"], name="memory")
        expected = api.requests_to("/bulk-results/")
        assert len(expected) == 1
    with FakeApi([on_disk]) as api:
        base = on_disk.source_config(api.url("shopify"))
        sync(tmp_path, {**base, "bulk": True}, streams=["orders"], name="disk")
        sync(tmp_path, {**base, "bulk": True}, streams=["orders"], name="again")
        assert len(api.requests_to("/bulk-results/")) == 2
    first, second = on_disk.bulk_operations
    assert first.result is None and first.result_file == second.result_file, "one file per document, reused"
    assert first.result_file.read_bytes() == in_memory.bulk_operations[0].result
    assert (first.object_count, first.root_count) == (in_memory.bulk_operations[0].object_count, len(in_memory.shop.orders))
    for name in ("disk", "again"):
        for table in ("shopify_orders", "shopify_orders__line_items"):
            assert comparable(tmp_path, table, name) == comparable(tmp_path, table, "memory"), (name, table)


def test_auto_uses_bulk_for_a_long_first_range_then_pages_the_increment(tmp_path):
    app = ShopifyApp(seed=5, size="small", end_date=END)  # 45 days > bulk_threshold_days (30)
    with FakeApi([app]) as api:
        config = app.source_config(api.url("shopify"))
        sync(tmp_path, config, streams=["orders"])
        assert len(graphql_requests(api, "bulkOperationRunQuery")) == 1 and not graphql_requests(api, "orders")
        api.clear()
        sync(tmp_path, config, streams=["orders"])
        assert not graphql_requests(api, "bulkOperationRunQuery") and graphql_requests(api, "orders")
    assert query(tmp_path, "select count(*) from raw.shopify_orders") == [(len(app.shop.orders),)]


def test_failed_bulk_operation_is_retried_once_then_fails_clearly():
    app = ShopifyApp(**TINY)
    app.fail_next_bulk(1)
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url("shopify")), "bulk": True}
        rows, _ = read(config, "orders")  # the second attempt completes
        assert len(graphql_requests(api, "bulkOperationRunQuery")) == 2
        assert sorted(r["id"] for r in rows) == sorted(o.id for o in app.shop.orders)

        app.fail_next_bulk(2, error_code="TIMEOUT")
        with pytest.raises(ReportJobError) as info:
            read(config, "orders")
    message = str(info.value)
    assert message.startswith("shopify/orders: ")
    assert "gave up after 2 attempts" in message and "FAILED" in message and "TIMEOUT" in message


def test_failed_bulk_operation_fails_the_pipeline_naming_the_stream(tmp_path):
    app = ShopifyApp(**TINY)
    app.fail_next_bulk(2)
    with FakeApi([app]) as api:
        with pytest.raises(Exception) as info:
            sync(tmp_path, {**app.source_config(api.url("shopify")), "bulk": True}, streams=["orders"])
    errors = [e for e in exception_chain(info.value) if isinstance(e, ReportJobError)]
    assert errors and str(errors[0]).startswith("shopify/orders: report job bulk operation gave up after 2 attempts")


def test_second_run_reads_from_the_last_update_minus_one_day(tmp_path):
    app = ShopifyApp(**TINY)
    with FakeApi([app]) as api:
        config = app.source_config(api.url("shopify"))
        sync(tmp_path, config, streams=["orders"])
        first = graphql_requests(api, "orders")
        api.clear()
        sync(tmp_path, config, streams=["orders"])
        second = graphql_requests(api, "orders")
    last = max(o.updated_at for o in app.shop.orders)
    end = search_time(datetime.combine(END, time.max, tzinfo=timezone.utc))
    start = search_time(datetime.combine(app.world.start_date, time.min, tzinfo=timezone.utc))
    assert first[0]["variables"]["query"] == f"updated_at:>='{start}' AND updated_at:<='{end}'"
    assert {b["variables"]["query"] for b in second} == {f"updated_at:>='{search_time(last - ONE_DAY)}' AND updated_at:<='{end}'"}
    reread = expected_orders(app.shop, since=last - ONE_DAY)
    assert 0 < len(reread) < len(app.shop.orders)
    # the look-back re-reads some orders; the merge keeps one row per order
    assert query(tmp_path, "select count(*), count(distinct id) from raw.shopify_orders") == [(len(app.shop.orders),) * 2]


def test_low_cost_bucket_makes_the_client_wait_instead_of_failing(caplog):
    # A small bucket that refills fast: one orders page (842 requested points) leaves too
    # little for the next, so the client must pause before asking again.
    app = ShopifyApp(**TINY, bucket_size=1000, restore_rate=5000)
    with FakeApi([app]) as api:
        with caplog.at_level(logging.INFO, logger="bosco_connectors.sources.shopify"):
            rows, client = read({**app.source_config(api.url("shopify")), "bulk": False}, "orders")
        assert len(graphql_requests(api, "orders")) >= 3
    assert app.throttled == 0, "the client should have waited for the bucket, not hit THROTTLED"
    assert client.throttle.pauses >= 2 and client.throttle.paused_seconds > 0
    assert any("pausing" in r.getMessage() for r in caplog.records)
    assert len(rows) == len(app.shop.orders)


def test_without_pacing_the_same_reads_hit_throttled(monkeypatch):
    """The control for the test above: the fake really throttles when nobody waits."""
    from bosco_connectors.sources.shopify.client import ShopifyClient

    monkeypatch.setattr(ShopifyClient, "on_graphql_response", lambda self, response, body: None)
    app = ShopifyApp(**TINY, bucket_size=1000, restore_rate=5000)
    with FakeApi([app]) as api:
        rows, _ = read({**app.source_config(api.url("shopify")), "bulk": False}, "orders")
    assert app.throttled >= 1 and len(rows) == len(app.shop.orders)  # retried after the refill time


def test_throttled_answer_is_retried_after_the_refill_time():
    app = ShopifyApp(**TINY, bucket_size=2000, restore_rate=4000)
    app.drain_bucket(0)  # e.g. another job of ours used the bucket up just before
    with FakeApi([app]) as api:
        rows, client = read({**app.source_config(api.url("shopify")), "bulk": False}, "orders")
        statuses = [r.status for r in api.requests]
    assert app.throttled == 1 and set(statuses) == {200}
    assert client.stats.retries == 1 and 0.2 <= client.stats.waited_seconds < 1.0  # 842 points at 4000/s
    assert sum(cents(r["total_price"]) for r in rows) == sum(o.total for o in app.shop.orders)


def test_wrong_token_is_a_clear_auth_error_without_the_secret(caplog):
    app = ShopifyApp(**TINY)
    wrong = "shpat_wrong0123456789abcdef0123456789"
    with FakeApi([app]) as api, caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthError) as info:
            read({**app.source_config(api.url("shopify")), "access_token": wrong}, "orders")
        assert [r.status for r in api.requests] == [401], "an auth failure is not retried"
    message = str(info.value)
    assert message.startswith("shopify/orders: HTTP 401: [API] Invalid API key or access token")
    assert wrong not in message + caplog.text and ACCESS_TOKEN not in message + caplog.text


@pytest.mark.parametrize(
    "change, field",
    [
        ({"shop": "my shop!"}, "shop"),
        ({"shop": "shop.example.com"}, "shop"),
        ({"access_token": None}, "access_token"),
        ({"access_token": "   "}, "access_token"),
        ({"api_version": "2025-02"}, "api_version"),
        ({"bulk": "sometimes"}, "bulk"),
    ],
)
def test_bad_config_fails_before_any_request(change, field):
    app = ShopifyApp(**TINY)
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url("shopify")), **change}
        config = {k: v for k, v in config.items() if v is not None}
        with pytest.raises(ConfigError) as info:
            connector.resources(config)
        assert api.requests == []
    assert f"'{field}'" in str(info.value)
    assert ACCESS_TOKEN not in str(info.value)


def test_shop_accepts_subdomain_or_domain():
    base = {"access_token": "x" * 10}
    for given in ("bosco-demo", "bosco-demo.myshopify.com", "https://Bosco-Demo.myshopify.com/"):
        config = connector.validate({**base, "shop": given})
        assert config.shop == "bosco-demo"
        assert config.api_root == "https://bosco-demo.myshopify.com/admin/api/2026-10/"
    assert connector.validate({**base, "shop": "x", "base_url": "http://127.0.0.1:9/shopify"}).api_root == (
        "http://127.0.0.1:9/shopify/admin/api/2026-10/"
    )


def test_unknown_field_is_an_api_error_with_shopifys_message(monkeypatch):
    from bosco_connectors.sources.shopify import queries, streams

    app = ShopifyApp(**TINY)
    broken = queries.Connection("products", "Product", "id updatedAt colour", page_size=10)
    monkeypatch.setattr(streams.products, "connection", broken)
    monkeypatch.setattr(streams.products, "query", broken.paged_query())
    with FakeApi([app]) as api:
        with pytest.raises(ApiError) as info:
            read({**app.source_config(api.url("shopify")), "bulk": False}, "products")
        assert len(api.requests) == 1, "a query error is not retried"
    assert str(info.value).startswith(
        "shopify/products: GraphQL error undefinedField: Field 'colour' doesn't exist on type 'Product'"
    )


def test_an_edited_order_replaces_its_line_items(tmp_path):
    """Why line items are a child table: the merge swaps an order's items with the order.

    A separate ``order_line_items`` stream merged on the item id would keep an item the
    merchant removed from the order forever.
    """
    app = ShopifyApp(**TINY)
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url("shopify")), "bulk": False}
        sync(tmp_path, config, streams=["orders"])
        edited = next(o for o in app.shop.orders if len(o.line_items) >= 2)
        later = app.shop.end - timedelta(minutes=1)  # inside the look-back of the next run
        smaller = dataclasses.replace(edited, line_items=edited.line_items[:1], updated_at=later)
        app.shop.__dict__["orders"] = tuple(smaller if o.id == edited.id else o for o in app.shop.orders)
        sync(tmp_path, config, streams=["orders"])
    items = query(tmp_path, f"select li.id from raw.shopify_orders__line_items li join raw.shopify_orders o "
                            f"on li._dlt_root_id = o._dlt_id where o.id = '{edited.id}'")
    assert items == [(edited.line_items[0].id,)]
    assert query(tmp_path, "select count(*) from raw.shopify_orders__line_items") == [
        (sum(len(o.line_items) for o in app.shop.orders),)
    ]


def test_a_line_of_a_type_the_bulk_query_does_not_select_fails_in_one_line_naming_source_stream_and_type():
    """A connection nested in a line item (its parent is a line of the file): not an "unknown parent"."""
    app = ShopifyApp(**TINY)
    items: list[str] = []
    under: list[str] = []

    def nest_under_a_line_item(line):  # the second line item of the export becomes a child of the first
        if isinstance(line, dict) and str(line.get("id", "")).startswith("gid://shopify/LineItem/") and not under:
            if not items:
                items.append(line["id"])
            else:
                under.append(items[0])
                return {"id": "gid://shopify/DiscountAllocation/7", "__parentId": items[0]}
        return line

    with FakeApi([app]) as api:
        api.transform(nest_under_a_line_item, path_contains="/bulk-results/", files=True)
        with pytest.raises(ResponseFormatError) as info:
            read({**app.source_config(api.url("shopify")), "bulk": True}, "orders")
    message = str(info.value)
    assert message.startswith("shopify/orders: bulk result line "), message
    assert (f": a DiscountAllocation (gid://shopify/DiscountAllocation/7) under LineItem {under[0]}, a connection "
            "the bulk query does not select (it selects lineItems (LineItem)); nothing of this export was loaded: the "
            "source does not read that type, report this line to its maintainers") in message
    assert "unknown parent" not in message and "\n" not in message


def _without(field: str, in_line_item: bool):
    def drop(body):
        edges = get_path(body, "data.orders.edges") if isinstance(body, dict) else None
        if edges:
            node = edges[0]["node"]
            if in_line_item:
                node = node["lineItems"]["edges"][0]["node"]
            node.pop(field, None)
        return body
    return drop


@pytest.mark.parametrize("field, in_line_item, column", [
    ("createdAt", False, "created_at"),
    ("id", False, "id"),
    ("id", True, "line_items.id"),
], ids=["created_at", "id", "line_item_id"])
def test_a_row_without_a_required_field_fails_in_one_line_naming_source_stream_field_and_what_to_do(
        tmp_path, field, in_line_item, column):
    """Not pydantic's "Input should be a valid datetime" through dlt, nor a bare KeyError."""
    import dlt

    from bosco_connectors.sync import SyncJob, run_sync

    app = ShopifyApp(**TINY)
    with FakeApi([app]) as api:
        api.transform(_without(field, in_line_item), path_contains="graphql.json")
        result = run_sync(SyncJob("t", "shopify", {**app.source_config(api.url("shopify")), "bulk": False}, ["orders"]),
                          destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")), pipelines_dir=tmp_path / "p")
    line = result.failure_line
    assert line.startswith(f"FAILED tenant=t source=shopify stream=orders: field '{column}' is required by the contract "
                           "but missing (null) in 1 of "), line
    assert line.endswith(f"records the vendor sent; nothing of this batch was loaded: if the vendor may leave '{column}' "
                         "out, the stream's contract must declare it optional (report it to the source's maintainers "
                         "with this line)"), line
    assert "\n" not in line
