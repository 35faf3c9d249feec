"""Helpers for the Shopify tests: a DuckDB pipeline, queries, expectations from the shop.

Expected values come from the fake shop's records (`ShopifyApp(...).shop`: orders with
Decimal amounts, products, customers), never from the connector's rows or the fake's
GraphQL answers.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import dlt
import duckdb

from bosco_connectors.framework import ReadContext
from bosco_connectors.sandbox.shopify import Shop
from bosco_connectors.sources.shopify import connector

END = date(2026, 11, 20)
DATASET = "raw"
#: Raw columns the recipes rely on (the brief's list); the tables may have more.
ORDER_COLUMNS = [
    "id", "name", "created_at", "updated_at", "processed_at", "cancelled_at", "currency_code", "total_price",
    "subtotal_price", "total_discounts", "total_tax", "total_shipping", "total_refunded", "financial_status",
    "fulfillment_status", "customer_id", "source_name", "landing_page_url", "referrer_url", "utm_source",
    "utm_medium", "utm_campaign", "test",
]


def make_pipeline(tmp_path: Path, name: str = "shopify_test") -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / f"{name}.duckdb")),
        pipelines_dir=str(tmp_path / "pipelines"),
        dataset_name=DATASET,
    )


def sync(tmp_path: Path, config: dict[str, Any], *, name: str = "shopify_test", streams: list[str] | None = None,
         tenant_id: str = "t1") -> dlt.Pipeline:
    """Run the connector's resources through a DuckDB pipeline (parquet, as production does)."""

    @dlt.source(name="shopify")
    def shopify_source():
        return connector.resources(config, tenant_id=tenant_id, streams=streams)

    pipeline = make_pipeline(tmp_path, name)
    pipeline.run(shopify_source(), loader_file_format="parquet")
    return pipeline


def read(config: dict[str, Any], stream: str) -> tuple[list[dict[str, Any]], Any]:
    """Read one stream over the configured range without dlt: (rows, the client used)."""
    validated = connector.validate(config)
    client = connector.client(validated)
    since = datetime.combine(validated.start_date, time.min, tzinfo=timezone.utc)
    until = datetime.combine(validated.end_date, time.max, tzinfo=timezone.utc)
    ctx = ReadContext(client, validated, since, until)
    return [row for page in connector.stream(stream).read(ctx) for row in page], client


def query(tmp_path: Path, sql: str, name: str = "shopify_test") -> list[tuple]:
    with duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def columns(tmp_path: Path, table: str, name: str = "shopify_test") -> list[str]:
    return [r[0] for r in query(
        tmp_path,
        f"select column_name from information_schema.columns where table_schema = '{DATASET}' "
        f"and table_name = '{table}' order by ordinal_position",
        name,
    )]


def window(shop: Shop) -> tuple[datetime, datetime]:
    start = datetime.combine(shop.world.start_date, time.min, tzinfo=timezone.utc)
    return start, datetime.combine(shop.world.end_date, time.max, tzinfo=timezone.utc)


def expected_orders(shop: Shop, since: datetime | None = None) -> list:
    start, end = window(shop)
    since = since or start
    return [o for o in shop.orders if since <= o.updated_at <= end]


def expected_products(shop: Shop) -> list:
    start, end = window(shop)
    return [p for p in shop.products if start <= p.updated_at <= end]


def expected_customers(shop: Shop) -> list:
    start, end = window(shop)
    return [c for c in shop.customers if start <= c.updated_at <= end]


def cents(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def search_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def graphql_requests(api, root: str) -> list[dict]:
    """Bodies of the GraphQL requests the fake API received whose document reads `root`."""
    bodies = [r.json() for r in api.requests if r.path.endswith("/graphql.json") and r.body]
    return [b for b in bodies if f" {root}(" in b["query"] or b["query"].startswith(f"{{ {root}(")]


def exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exceptions a traceback would show (dlt wraps what a resource raises)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)


ONE_DAY = timedelta(days=1)
