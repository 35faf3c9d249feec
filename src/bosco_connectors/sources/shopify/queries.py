"""The GraphQL documents the source sends, built from one selection per connection.

A `Connection` names a root connection of the Admin API (``orders``), the fields of
its nodes, and its nested connections (``lineItems``). The same selection yields the
paged query, the bulk operation query and the follow-up query for long nested lists,
so the paged and the bulk path cannot drift apart.

Shapes follow https://shopify.dev/docs/api/admin-graphql/2026-10 : connections with
``first``/``after``/``query``/``sortKey`` arguments, ``edges { node }`` and
``pageInfo { hasNextPage endCursor }``. Search strings use the documented syntax
(https://shopify.dev/docs/api/usage/search-syntax): ``updated_at:>='2025-01-01T00:00:00Z'``,
dates quoted, terms joined with ``AND``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone


#: The ``query: "…", `` argument `bulk_query` writes (a JSON string) and nothing else.
_SEARCH_ARGUMENT = re.compile(r'query: "(?:[^"\\]|\\.)*", ')


def compact(text: str) -> str:
    """Collapse whitespace: the documents are sent on every request."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Nested:
    """A connection inside each node (e.g. an order's ``lineItems``)."""

    field: str
    type_name: str
    selection: str
    #: ``first`` in the paged query: the rest is fetched per node when an order has more.
    page_size: int
    #: ``first`` when fetching the remainder of one node's list.
    follow_up_size: int = 50

    def paged(self) -> str:
        return (
            f"{self.field}(first: {self.page_size}) {{ pageInfo {{ hasNextPage endCursor }} "
            f"edges {{ node {{ {compact(self.selection)} }} }} }}"
        )

    def bulk(self) -> str:
        # Bulk operations export every nested node; pagination arguments do not apply.
        return f"{self.field} {{ edges {{ node {{ {compact(self.selection)} }} }} }}"

    def gid_prefix(self) -> str:
        return f"gid://shopify/{self.type_name}/"


@dataclass(frozen=True)
class Connection:
    """A root connection of the Admin API read incrementally on ``updated_at``."""

    field: str
    type_name: str
    selection: str
    page_size: int
    nested: tuple[Nested, ...] = ()
    sort_key: str = "UPDATED_AT"
    search_field: str = "updated_at"

    @property
    def operation(self) -> str:
        return self.field[:1].upper() + self.field[1:]

    def paged_query(self) -> str:
        nested = " ".join(n.paged() for n in self.nested)
        return compact(
            f"""
            query {self.operation}($first: Int!, $cursor: String, $query: String) {{
              {self.field}(first: $first, after: $cursor, query: $query, sortKey: {self.sort_key}) {{
                pageInfo {{ hasNextPage endCursor }}
                edges {{ node {{ {self.selection} {nested} }} }}
              }}
            }}
            """
        )

    def bulk_query(self, search: str | None) -> str:
        """The document handed to ``bulkOperationRunQuery`` (no variables are allowed there)."""
        args = [f"sortKey: {self.sort_key}"]
        if search:
            args.insert(0, f"query: {json.dumps(search)}")
        nested = " ".join(n.bulk() for n in self.nested)
        return compact(
            f"""
            {{
              {self.field}({', '.join(args)}) {{
                edges {{ node {{ {self.selection} {nested} }} }}
              }}
            }}
            """
        )

    def exports(self, document: str) -> bool:
        """Is `document` this connection's bulk query, over any range? (How a running
        operation is known to be ours: same root, arguments and selection, any search.)"""
        return compact(_SEARCH_ARGUMENT.sub("", document)) == self.bulk_query(None)

    def follow_up_query(self, nested: Nested) -> str:
        """The rest of one node's nested list, through the ``node(id:)`` root field."""
        return compact(
            f"""
            query {self.type_name}{nested.field[:1].upper()}{nested.field[1:]}($id: ID!, $first: Int!, $cursor: String) {{
              node(id: $id) {{
                ... on {self.type_name} {{
                  {nested.field}(first: $first, after: $cursor) {{
                    pageInfo {{ hasNextPage endCursor }}
                    edges {{ node {{ {compact(nested.selection)} }} }}
                  }}
                }}
              }}
            }}
            """
        )

    def nested_for(self, gid: str) -> Nested | None:
        return next((n for n in self.nested if gid.startswith(n.gid_prefix())), None)


def search_time(value: datetime) -> str:
    """Search-syntax timestamp, UTC, to the second (Shopify's DateTime precision)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def updated_between(field: str, since: datetime | None, until: datetime | None) -> str | None:
    """``updated_at:>='…' AND updated_at:<='…'`` for the range this run reads."""
    terms = []
    if since is not None:
        terms.append(f"{field}:>='{search_time(since)}'")
    if until is not None:
        terms.append(f"{field}:<='{search_time(until)}'")
    return " AND ".join(terms) or None


BULK_RUN = compact(
    """
    mutation BulkExport($query: String!) {
      bulkOperationRunQuery(query: $query) {
        bulkOperation { id status }
        userErrors { field message code }
      }
    }
    """
)

#: ``node(id:)`` polls this operation only; ``currentBulkOperation`` would answer for
#: whichever operation this app started last (and is deprecated in later versions).
BULK_POLL = compact(
    """
    query BulkStatus($id: ID!) {
      node(id: $id) {
        ... on BulkOperation { id status errorCode objectCount url partialDataUrl }
      }
    }
    """
)


#: The app's bulk query operations still running (API 2026-01+, when five may run at once):
#: https://shopify.dev/docs/api/admin-graphql/2026-10/queries/bulkOperations , newest first.
#: Only the calling app's operations are listed; ``query`` is the document each was started with.
BULK_RUNNING = compact(
    """
    query RunningBulkOperations {
      bulkOperations(first: 25, query: "status:running operation_type:query") {
        nodes { id status query createdAt }
      }
    }
    """
)

#: Before 2026-01 an app has one bulk query operation at a time: the current one is all there is.
BULK_CURRENT = compact(
    """
    query CurrentBulkOperation {
      currentBulkOperation { id status query createdAt }
    }
    """
)

#: https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/bulkOperationCancel : CANCELING
#: at once, CANCELED after a short delay.
BULK_CANCEL = compact(
    """
    mutation BulkCancel($id: ID!) {
      bulkOperationCancel(id: $id) {
        bulkOperation { id status }
        userErrors { field message }
      }
    }
    """
)


# -- selections (checked against the 2025-01 reference; the fields added since against
#    2026-10: number, closedAt, cancelReason, discountCodes, current*Set) ---------------

MONEY = "shopMoney { amount }"

VISIT = "landingPage referrerUrl source utmParameters { source medium campaign content term }"

ORDER_FIELDS = f"""
  id name number createdAt updatedAt processedAt closedAt cancelledAt cancelReason currencyCode test tags sourceName
  displayFinancialStatus displayFulfillmentStatus discountCodes
  customer {{ id }}
  totalPriceSet {{ {MONEY} }}
  subtotalPriceSet {{ {MONEY} }}
  totalDiscountsSet {{ {MONEY} }}
  totalTaxSet {{ {MONEY} }}
  totalShippingPriceSet {{ {MONEY} }}
  totalRefundedSet {{ {MONEY} }}
  currentTotalPriceSet {{ {MONEY} }}
  currentSubtotalPriceSet {{ {MONEY} }}
  currentTotalDiscountsSet {{ {MONEY} }}
  currentTotalTaxSet {{ {MONEY} }}
  customerJourneySummary {{ firstVisit {{ {VISIT} }} lastVisit {{ {VISIT} }} }}
"""

LINE_ITEM_FIELDS = f"""
  id title quantity sku
  variant {{ id }}
  product {{ id }}
  originalUnitPriceSet {{ {MONEY} }}
  discountedTotalSet {{ {MONEY} }}
"""

PRODUCT_FIELDS = "id title handle vendor productType status tags createdAt updatedAt publishedAt"

#: No email, phone, names or addresses: a customer row is an id with its aggregates.
CUSTOMER_FIELDS = "id state tags numberOfOrders amountSpent { amount currencyCode } createdAt updatedAt"

# Page sizes keep each query's *requested* cost under Shopify's single-query limit of
# 1,000 points (connection = 2 + first x node cost; objects 1, scalars 0). An order node
# with its money bags, journey and 5 line items requests about 56 points: 15 per page.
ORDERS = Connection(
    "orders", "Order", ORDER_FIELDS, page_size=15,
    nested=(Nested("lineItems", "LineItem", LINE_ITEM_FIELDS, page_size=5),),
)
#: The shop itself: its id, name, currency and time zone (an order's day is the shop's day).
SHOP = compact(
    """
    query Shop {
      shop { id name myshopifyDomain currencyCode ianaTimezone taxesIncluded updatedAt }
    }
    """
)
PRODUCTS = Connection("products", "Product", PRODUCT_FIELDS, page_size=100)
CUSTOMERS = Connection("customers", "Customer", CUSTOMER_FIELDS, page_size=100)

#: Every connection this source exports in bulk: a running operation whose document is one of
#: theirs (whatever its range) was started by this source.
BULK_CONNECTIONS = (ORDERS, PRODUCTS, CUSTOMERS)
