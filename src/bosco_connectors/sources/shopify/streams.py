"""What the Shopify source loads: orders (with line items), products, customers.

Every stream is a root connection of the GraphQL Admin API read incrementally on
``updated_at`` (``query: "updated_at:>='…' AND updated_at:<='…'"``, ``sortKey:
UPDATED_AT``), paged with ``first``/``after`` and ``pageInfo``. A range longer than
``bulk_threshold_days`` (or any range with ``bulk: true``) is read by one bulk operation
instead (see `bulk`); both paths produce the same rows.

Every stream keeps a one-day look-back. Refunds, fulfilments, edits and cancellations
move an order's ``updated_at``; a record updated while a run was paging can carry an
``updated_at`` below the highest one that run saw, and the next run would start above
it. Re-reading the last day catches those; the merge keeps one row per record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterator

from ...framework import Child, Cursor, FullRefresh, GraphQLPageInfo, GraphQLStream, ReadContext
from ...framework.facts import DayOf, Expr, Maps
from ...framework.jobs import AsyncReport
from ...framework.jsonpath import get_path
from ...framework.unified import Lookup
from . import contracts, records
from .bulk import LineBatch, bulk_export
from .queries import CUSTOMERS, ORDERS, PRODUCTS, SHOP, Connection, Nested, updated_between

def wants_bulk(config: Any, since: datetime | None, until: datetime | None) -> bool:
    """``bulk: true`` always, ``false`` never, ``auto`` when the range is long (or open)."""
    if config.bulk is True or config.bulk is False:
        return config.bulk
    if since is None or until is None:
        return True
    return (until - since) > timedelta(days=config.bulk_threshold_days)


@dataclass(kw_only=True)
class ShopifyStream(GraphQLStream):
    """A root connection: paged query by default, bulk operation for long ranges."""

    connection: Connection
    row: Callable[[dict[str, Any]], dict[str, Any]]
    #: The same rows as one Arrow table per batch of nodes (no dict per row), for Arrow reads.
    table: Callable[..., Any] | None = None
    #: The same table from a bulk export's lines parsed by Arrow (None: Arrow refused them, `table` reads them).
    table_of_lines: Callable[..., Any] | None = None
    query: str = ""
    #: The bulk operation that reads long ranges (built from the connection).
    bulk: AsyncReport | None = None

    def __post_init__(self) -> None:
        name = self.connection.field
        self.query = self.connection.paged_query()
        self.records = f"data.{name}.edges"
        self.paginator = lambda: GraphQLPageInfo(f"data.{name}.pageInfo", cursor_variable="cursor")
        self.variables = self._variables
        self.bulk = bulk_export(self.connection)

    def search(self, ctx: ReadContext) -> str | None:
        return updated_between(self.connection.search_field, ctx.since, ctx.until)

    def _variables(self, ctx: ReadContext) -> dict[str, Any]:
        return {"first": self.connection.page_size, "query": self.search(ctx)}

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        if not wants_bulk(ctx.config, ctx.since, ctx.until):
            yield from super().read(ctx)
            return
        for batch in self.bulk.run(ctx, self.name):  # batches of lines or of nodes, the file never whole
            if not isinstance(batch, LineBatch):
                yield self.rows(batch, ctx)
                continue
            table = self.table_of_lines(batch, self.contract, self.name) if ctx.arrow and self.table_of_lines else None
            yield table if table is not None else self.rows(batch.nodes(), ctx)

    def shape(self, raw: list[Any], ctx: ReadContext) -> Any:
        nodes = [edge["node"] for edge in raw if isinstance(edge, dict) and edge.get("node")]
        for node in nodes:
            for nested in self.connection.nested:
                self._complete(node, nested, ctx)
        return self.rows(nodes, ctx)

    def rows(self, nodes: list[dict[str, Any]], ctx: ReadContext) -> Any:
        """The rows of a batch of nodes: an Arrow table when the read loads Arrow, else dicts."""
        if ctx.arrow and self.table is not None and nodes:
            return self.table(nodes, self.contract, self.name)
        return [self.row(node) for node in nodes]

    def _complete(self, node: dict[str, Any], nested: Nested, ctx: ReadContext) -> None:
        """Fetch the rest of a nested list when the page carried only its first items."""
        connection = node.get(nested.field) or {}
        info = connection.get("pageInfo") or {}
        while info.get("hasNextPage") and info.get("endCursor"):
            _, body = ctx.client.post(
                self.endpoint, stream=self.name,
                json={
                    "query": self.connection.follow_up_query(nested),
                    "variables": {"id": node["id"], "first": nested.follow_up_size, "cursor": info.get("endCursor")},
                },
                on_response=getattr(ctx.client, "on_graphql_response", None),
            )
            more = get_path(body, f"data.node.{nested.field}") or {}
            connection.setdefault("edges", []).extend(more.get("edges") or [])
            info = more.get("pageInfo") or {}
        node[nested.field] = connection


ONE_DAY = timedelta(days=1)


@dataclass(kw_only=True)
class ShopStream(GraphQLStream):
    """The ``shop`` query: one record, the shop the token belongs to."""

    def shape(self, raw: list[Any], ctx: ReadContext) -> list[dict[str, Any]]:
        return [records.shop_row(node) for node in raw if isinstance(node, dict) and node.get("id")]


shop = ShopStream(
    name="shop",
    query=SHOP,
    records="data.shop",
    contract=contracts.Shop,
    primary_key=("id",),
    cursor=FullRefresh("one record: the shop's name, currency and time zone, read again every run"),
    description="The shop: name, currency and IANA time zone (order days in the unified model are the shop's days).",
)

#: One shop per tenant: the shop's row joins every order of the tenant.
_SHOP = dict(on=())
_SHOP_DAY = DayOf("created_at", Lookup("shop", (), "iana_timezone", **_SHOP))

orders = ShopifyStream(
    name="orders",
    connection=ORDERS,
    row=records.order_row,
    table=records.order_table,
    table_of_lines=records.order_table_of_lines,
    contract=contracts.Order,
    primary_key=("id",),
    # Arrow batches, line items a table of their own merged per order (`framework.children`):
    # dlt's dict path spent 90% of a 30k-order export's load normalizing (bench/README.md).
    arrow=True,
    children=(Child("line_items", primary_key=("id",), parent_key="order_id"),),
    cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY),
    description="Orders with totals in shop currency, status, session attribution (landing page, "
    "referrer, UTM) and line items (table shopify_orders__line_items, merged per order).",
    unified=(Maps(
        "orders", order_date=_SHOP_DAY, created_at="created_at", updated_at="updated_at",
        store_id=Lookup("shop", (), "id", **_SHOP), store_name=Lookup("shop", (), "name", **_SHOP),
        order_id="id", order_number="name", customer_id="customer_id", currency="currency_code",
        gross=Expr("subtotal_price + coalesce(total_discounts, 0)"), discounts="total_discounts",
        refunds="total_refunded", tax="total_tax", shipping="total_shipping", total="total_price",
        status="financial_status", is_cancelled=Expr("cancelled_at is not null"), is_test="test",
        source_name="source_name", landing_site="landing_page_url", referring_site="referrer_url",
        discount_codes="discount_codes", utm_source="utm_source", utm_medium="utm_medium", utm_campaign="utm_campaign",
        meanings={
            "gross": "subtotalPriceSet (line items after discounts) + totalDiscountsSet; with tax-inclusive prices it includes tax",
            "refunds": "totalRefundedSet: every refund, shipping and tax refunds included",
            "order_date": "createdAt on the shop's calendar (shop.ianaTimezone)",
        },
    ), Maps(
        "order_lines", table="orders__line_items",
        order_date=DayOf(Lookup("orders", "id", "created_at", on="order_id"), Lookup("shop", (), "iana_timezone", **_SHOP)),
        store_id=Lookup("shop", (), "id", **_SHOP), order_id="order_id", line_id="id", product_id="product_id",
        variant_id="variant_id", sku="sku", title="title", quantity="quantity", price="unit_price",
        discounts=Expr("unit_price * quantity - discounted_total"),
        currency=Lookup("orders", "id", "currency_code", on="order_id"),
        meanings={"discounts": "originalUnitPriceSet x quantity - discountedTotalSet (line-level discounts)"},
    )),
)

products = ShopifyStream(
    name="products",
    connection=PRODUCTS,
    row=records.product_row,
    contract=contracts.Product,
    primary_key=("id",),
    cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY),
    description="Products: title, handle, vendor, type, status, tags.",
)

customers = ShopifyStream(
    name="customers",
    connection=CUSTOMERS,
    row=records.customer_row,
    contract=contracts.Customer,
    primary_key=("id",),
    cursor=Cursor("updated_at", kind="datetime", lookback=ONE_DAY),
    description="Customers without personal data: state, tags, order count, amount spent.",
)

STREAMS = [shop, orders, products, customers]
