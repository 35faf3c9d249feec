"""Fake Shopify GraphQL Admin API: a deterministic shop served the way Shopify serves it.

Why hand-written, not generated (`sandbox.generated`): the answer of a GraphQL document is
projected on its selection, and bulk operations run the same documents as an export; the
generated fake routes REST paths and renders documented records, so it cannot answer
arbitrary selections. It stays until GraphQL sources are declared with a projecting fake.

``POST /shopify/admin/api/<version>/graphql.json`` answers GraphQL documents from a shop
derived from the seed (products with variants, customers, orders with line items, some
orders attributed by UTM to campaigns of the fake ad platforms). There is no real
GraphQL engine: a small parser reads the document, the root field picks the resolver
(``orders``, ``products``, ``customers``, ``node``, ``currentBulkOperation``,
``bulkOperationRunQuery``), and the answer is *projected on the selection*, so a field
the fake schema does not define fails as Shopify fails (``undefinedField``).

Shapes follow https://shopify.dev/docs/api/admin-graphql/2026-10 : connections with
``edges { cursor node }``, ``nodes`` and ``pageInfo``; money as ``MoneyBag { shopMoney {
amount currencyCode } }`` with Decimal *strings*; ``UnsignedInt64`` as strings.

Rate limiting is a real leaky bucket (``extensions.cost``): a query needs its requested
cost in the bucket, the difference to the actual cost is refunded, points come back at
``restoreRate`` per second; an empty bucket answers ``THROTTLED`` (HTTP 200). A query
requesting more than 1,000 points answers ``MAX_COST_EXCEEDED``. Costs follow Shopify's
documented rule: objects 1, scalars 0, connections 2 + first x node cost.

Bulk operations run on polls, not on time (deterministic for cassettes): CREATED, then
RUNNING, then COMPLETED (or FAILED when a test asks for it), with the JSONL served from
``/shopify/bulk-results/<n>.jsonl`` on the same server, without the token. An operation
nobody polls stays RUNNING: one a crashed run left behind keeps its slot. How many bulk
query operations an app may have in flight per shop depends on the version requested
(https://shopify.dev/docs/api/usage/bulk-operations/queries): one before 2026-01 (a
second is refused with ``OPERATION_IN_PROGRESS``, "A bulk query operation for this app
and shop is already in progress"), five from 2026-01 (a sixth: ``LIMIT_REACHED``). Each
operation belongs to an app: ``bulkOperations`` (2026-01+, filtered by ``status:`` and
``operation_type:``) and ``currentBulkOperation`` list only the caller's, and
``bulkOperationCancel`` moves one to CANCELING, then CANCELED at its next read; a
CANCELING operation still holds its slot. `ShopifyApp.start_bulk` leaves one running
(ours from a dead process, or another app's).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote

import orjson

from .server import FakeRequest, FakeResponse
from .world import ADJECTIVES, NOUNS, World, stable_rng

ACCESS_TOKEN = "shpat_bosco_fake_0123456789abcdef0123456789"
SHOP = "bosco-demo"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
MAX_QUERY_COST = 1000
MAX_PAGE = 250

# Per size: orders per day (min, max), products, customers.
SHOP_SIZES: dict[str, dict[str, int]] = {
    "tiny": dict(orders_min=3, orders_max=8, products=6, customers=15),
    "small": dict(orders_min=3, orders_max=9, products=12, customers=40),
    "medium": dict(orders_min=10, orders_max=30, products=40, customers=300),
    "large": dict(orders_min=40, orders_max=120, products=150, customers=3000),
}

#: UTM sources tied to the fake ad platforms' worlds, so attribution joins in recipes.
AD_CHANNELS = (
    # utm_source, utm_medium, World namespace of the ad platform, referrer, visit source
    ("tiktok", "paid_social", "tiktok_ads", "https://www.tiktok.com/", "tiktok"),
    ("facebook", "paid_social", "facebook_ads", "https://m.facebook.com/", "facebook"),
    ("google", "cpc", "google_ads", "https://www.google.com/", "google"),
)


# =====================================================================================
# A small GraphQL reader: enough of the grammar for Admin API queries and mutations.
# =====================================================================================


class GraphQLError(Exception):
    def __init__(self, message: str, extensions: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions or {}

    def as_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message}
        if self.extensions:
            error["extensions"] = self.extensions
        return error


@dataclass
class Var:
    name: str


@dataclass
class Enum:
    name: str


@dataclass
class Field:
    name: str
    alias: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    selections: list[Any] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class Fragment:
    type_name: str | None
    selections: list[Any]


@dataclass
class Operation:
    kind: str
    selections: list[Any]
    defaults: dict[str, Any]


_TOKENS = re.compile(
    r'(?P<skip>[\s,]+|#[^\n]*)|(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<spread>\.\.\.)'
    r"|(?P<punct>[{}()\[\]:!$=@])|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<name>[_A-Za-z][_0-9A-Za-z]*)"
)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKENS.match(text, pos)
        if not match:
            raise GraphQLError(f"Parse error on \"{text[pos:pos + 10]}\" at character {pos}")
        kind = match.lastgroup or ""
        if kind != "skip":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> str:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise GraphQLError(f"Parse error: expected {value or 'more input'}, got {token[1] if token else 'end of document'}")
        self.pos += 1
        return token[1]

    def at(self, value: str) -> bool:
        token = self.peek()
        return token is not None and token[1] == value

    def document(self) -> Operation:
        kind, defaults = "query", {}
        if self.peek() and self.peek()[1] in ("query", "mutation"):  # type: ignore[index]
            kind = self.take()
            if self.peek() and self.peek()[0] == "name":  # type: ignore[index]
                self.take()
            if self.at("("):
                defaults = self.variable_definitions()
        selections = self.selection_set()
        if self.peek() is not None:
            raise GraphQLError("Parse error: only one operation per document is supported here")
        return Operation(kind, selections, defaults)

    def variable_definitions(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        self.take("(")
        while not self.at(")"):
            self.take("$")
            name = self.take()
            self.take(":")
            self.type_ref()
            if self.at("="):
                self.take("=")
                defaults[name] = self.value()
        self.take(")")
        return defaults

    def type_ref(self) -> None:
        if self.at("["):
            self.take("[")
            self.type_ref()
            self.take("]")
        else:
            self.take()
        if self.at("!"):
            self.take("!")

    def selection_set(self) -> list[Any]:
        self.take("{")
        selections: list[Any] = []
        while not self.at("}"):
            if self.at("..."):
                self.take("...")
                type_name = None
                if self.at("on"):
                    self.take("on")
                    type_name = self.take()
                selections.append(Fragment(type_name, self.selection_set()))
                continue
            name, alias = self.take(), None
            if self.at(":"):
                self.take(":")
                alias, name = name, self.take()
            args = self.arguments() if self.at("(") else {}
            sub = self.selection_set() if self.at("{") else []
            selections.append(Field(name, alias, args, sub))
        self.take("}")
        return selections

    def arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        self.take("(")
        while not self.at(")"):
            name = self.take()
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def value(self) -> Any:
        kind, text = self.peek() or ("", "")
        if text == "$":
            self.take("$")
            return Var(self.take())
        if text == "[":
            self.take("[")
            items = []
            while not self.at("]"):
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            self.take("{")
            obj = {}
            while not self.at("}"):
                key = self.take()
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        self.take()
        if kind == "str":
            return json.loads(text)
        if kind == "num":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        return Enum(text)


def parse(text: str) -> Operation:
    return _Parser(text).document()


def bind(value: Any, variables: dict[str, Any]) -> Any:
    """Replace variables by their values, enums by their names."""
    if isinstance(value, Var):
        return variables.get(value.name)
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, list):
        return [bind(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: bind(v, variables) for k, v in value.items()}
    return value


# =====================================================================================
# The shop: deterministic records the API serves and tests compute expectations from.
# =====================================================================================

CENT = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amount_text(value: Decimal) -> str:
    """Shopify's Decimal scalar: '24.99', '10.0', '0.0'."""
    text = format(_money(value).normalize(), "f")
    return text if "." in text else text + ".0"


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Variant:
    id: str
    product_id: str
    title: str
    sku: str
    price: Decimal


@dataclass(frozen=True)
class Product:
    id: str
    title: str
    handle: str
    vendor: str
    product_type: str
    status: str
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class LineItem:
    id: str
    variant: Variant
    title: str
    quantity: int
    discount: Decimal

    @property
    def original_total(self) -> Decimal:
        return self.variant.price * self.quantity

    @property
    def discounted_total(self) -> Decimal:
        return self.original_total - self.discount


@dataclass(frozen=True)
class Visit:
    id: str
    occurred_at: datetime
    source: str
    landing_page: str
    referrer_url: str | None
    utm: dict[str, str] | None


@dataclass(frozen=True)
class Order:
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    test: bool
    source_name: str
    customer_id: str | None
    currency: str
    line_items: tuple[LineItem, ...]
    shipping: Decimal
    tax: Decimal
    refunded: Decimal
    financial_status: str
    fulfillment_status: str
    tags: tuple[str, ...]
    first_visit: Visit | None
    last_visit: Visit | None

    @property
    def subtotal(self) -> Decimal:
        return sum((li.discounted_total for li in self.line_items), Decimal(0))

    @property
    def discounts(self) -> Decimal:
        return sum((li.discount for li in self.line_items), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping + self.tax


@dataclass(frozen=True)
class Customer:
    id: str
    state: str
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    number_of_orders: int
    amount_spent: Decimal


class Shop:
    """Products, customers and orders of the fake shop, all derived from the world's seed."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.seed = world.seed
        self.shape = {**SHOP_SIZES[world.size], **world.overrides}
        self.currency = stable_rng(self.seed, "shopify", "currency").choice(("USD", "EUR", "GBP", "CAD"))
        #: Order days in the unified model are this zone's days.
        self.timezone = {"USD": "America/New_York", "EUR": "Europe/Berlin", "GBP": "Europe/London", "CAD": "America/Toronto"}[self.currency]
        self.start = datetime.combine(world.start_date, dtime.min, tzinfo=timezone.utc)
        self.end = datetime.combine(world.end_date, dtime(23, 59, 59), tzinfo=timezone.utc)

    def _rng(self, *keys: object):
        return stable_rng(self.seed, "shopify", *keys)

    @cached_property
    def products(self) -> tuple[Product, ...]:
        products = []
        window = (self.end - self.start).total_seconds()
        for i in range(self.shape["products"]):
            rng = self._rng("product", i)
            title = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {i + 1}"
            pid = f"gid://shopify/Product/{8_100_000_000_000 + i * 7919}"
            created = self.start - timedelta(days=rng.randint(20, 400), seconds=rng.randrange(86400))
            if rng.random() < 0.75:
                updated = self.start + timedelta(seconds=rng.randrange(int(window)))
            else:  # untouched during the window: the updated_at filter must leave it out
                updated = created + timedelta(days=rng.randint(0, 10))
            status = rng.choices(("ACTIVE", "DRAFT", "ARCHIVED"), (85, 10, 5))[0]
            sizes = rng.choice((("Default Title",), ("S", "M", "L"), ("Small", "Large")))
            base = Decimal(rng.choice(("9.99", "19.00", "24.50", "39.99", "59.00", "89.95", "129.00")))
            variants = tuple(
                Variant(
                    id=f"gid://shopify/ProductVariant/{45_000_000_000_000 + i * 97 + v}",
                    product_id=pid,
                    title=size,
                    sku=f"BOS-{i + 1:03d}-{v + 1}",
                    price=base + Decimal(v * 5),
                )
                for v, size in enumerate(sizes)
            )
            products.append(
                Product(
                    id=pid,
                    title=title,
                    handle=re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
                    vendor=rng.choice(("Bosco Goods", "Northwind", "Acme Supply")),
                    product_type=rng.choice(("Apparel", "Accessories", "Home", "Outdoor")),
                    status=status,
                    tags=tuple(sorted(rng.sample(("new", "bestseller", "sale", "eco", "gift"), rng.randint(0, 2)))),
                    created_at=created,
                    updated_at=updated,
                    published_at=created + timedelta(days=1) if status == "ACTIVE" else None,
                    variants=variants,
                )
            )
        return tuple(products)

    @cached_property
    def variants(self) -> tuple[Variant, ...]:
        return tuple(v for p in self.products for v in p.variants)

    def _customer_ids(self) -> list[str]:
        return [f"gid://shopify/Customer/{7_200_000_000_000 + i * 104_729}" for i in range(self.shape["customers"])]

    @cached_property
    def campaigns(self) -> dict[str, list[str]]:
        """Campaign names of the fake ad platforms (same seed, size and end date)."""
        names: dict[str, list[str]] = {}
        for source, _, namespace, _, _ in AD_CHANNELS:
            world = World(self.seed, self.world.size, namespace=namespace, end_date=self.world.end_date)
            names[source] = [c.name for a in world.accounts for c in a.campaigns]
        return names

    def _visit(self, rng, when: datetime, order_key: str, paid: bool) -> Visit:
        product = rng.choice(self.products)
        page = f"https://{SHOP}.myshopify.com/products/{product.handle}"
        if paid:
            source, medium, _, referrer, visit_source = rng.choice(AD_CHANNELS)
            campaign = rng.choice(self.campaigns[source])
            utm = {"source": source, "medium": medium, "campaign": campaign, "content": None, "term": None}
            if medium == "cpc":
                utm["term"] = product.title.lower()
            query = "&".join(f"utm_{k}={quote(v)}" for k, v in utm.items() if v)
            return Visit(f"gid://shopify/CustomerVisit/{order_key}-paid", when, visit_source, f"{page}?{query}", referrer, utm)
        organic = rng.choice((("google", "https://www.google.com/"), ("direct", None), ("instagram", "https://l.instagram.com/")))
        return Visit(f"gid://shopify/CustomerVisit/{order_key}-{organic[0]}", when, organic[0], page, organic[1], None)

    @cached_property
    def orders(self) -> tuple[Order, ...]:
        customers = self._customer_ids()
        drafts = []
        for d, day in enumerate(self.world.days):
            rng = self._rng("orders", day.isoformat())
            for j in range(rng.randint(self.shape["orders_min"], self.shape["orders_max"])):
                created = datetime.combine(day, dtime.min, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(86400))
                drafts.append((created, day.isoformat(), j))
        drafts.sort()
        orders = []
        for n, (created, day_key, j) in enumerate(drafts):
            rng = self._rng("order", day_key, j)
            number = 1001 + n
            oid = f"gid://shopify/Order/{6_300_000_000_000 + number * 131}"
            count = rng.randint(7, 9) if rng.random() < 0.05 else rng.choice((1, 1, 1, 2, 2, 3, 4))
            items = []
            for k in range(count):
                variant = rng.choice(self.variants)
                quantity = rng.choice((1, 1, 1, 2, 3))
                discount = _money(variant.price * quantity * Decimal("0.10")) if rng.random() < 0.2 else Decimal(0)
                product = next(p for p in self.products if p.id == variant.product_id)
                items.append(
                    LineItem(f"gid://shopify/LineItem/{15_000_000_000_000 + number * 16 + k}", variant, product.title, quantity, discount)
                )
            subtotal = sum((li.discounted_total for li in items), Decimal(0))
            shipping = Decimal(rng.choice(("0.00", "4.99", "9.99")))
            tax = _money(subtotal * Decimal("0.08")) if rng.random() < 0.7 else Decimal(0)
            total = subtotal + shipping + tax
            fate = rng.random()
            cancelled_at, refunded, later = None, Decimal(0), False
            fulfillment = rng.choices(("FULFILLED", "UNFULFILLED", "PARTIALLY_FULFILLED"), (80, 15, 5))[0]
            if fate < 0.04:
                cancelled_at = min(created + timedelta(hours=rng.randint(1, 30)), self.end)
                financial, refunded, fulfillment = "REFUNDED", total, "UNFULFILLED"
            elif fate < 0.12:
                financial, refunded, later = "PARTIALLY_REFUNDED", _money(total * Decimal(rng.uniform(0.1, 0.5))), True
            elif fate < 0.15:
                financial, refunded, later = "REFUNDED", total, True
            elif fate < 0.20:
                financial, fulfillment = "PENDING", "UNFULFILLED"
            else:
                financial = "PAID"
            updated = created + timedelta(minutes=rng.randint(2, 240))
            if later or cancelled_at:
                updated = max(updated, (cancelled_at or created) + timedelta(days=rng.randint(1, 4), minutes=rng.randint(0, 600)))
            updated = min(updated, self.end)
            source_name = rng.choices(("web", "pos", "shopify_draft_order"), (75, 15, 10))[0]
            first_visit = last_visit = None
            if source_name == "web":
                key = f"{number}"
                paid = rng.random() < 0.6
                touch = created - timedelta(minutes=rng.randint(1, 90))
                if rng.random() < 0.4:  # one session: Shopify reports only firstVisit
                    first_visit = self._visit(rng, touch, key, paid)
                else:
                    first_visit = self._visit(rng, touch - timedelta(days=rng.randint(1, 6)), key + "a", rng.random() < 0.3)
                    last_visit = self._visit(rng, touch, key, paid)
            orders.append(
                Order(
                    id=oid,
                    name=f"#{number}",
                    created_at=created,
                    updated_at=updated,
                    cancelled_at=cancelled_at,
                    test=rng.random() < 0.03,
                    source_name=source_name,
                    customer_id=rng.choice(customers) if rng.random() < 0.85 else None,
                    currency=self.currency,
                    line_items=tuple(items),
                    shipping=shipping,
                    tax=tax,
                    refunded=refunded,
                    financial_status=financial,
                    fulfillment_status=fulfillment,
                    tags=tuple(sorted(rng.sample(("gift", "wholesale", "subscription", "vip"), rng.randint(0, 2)))),
                    first_visit=first_visit,
                    last_visit=last_visit,
                )
            )
        return tuple(orders)

    @cached_property
    def customers(self) -> tuple[Customer, ...]:
        by_customer: dict[str, list[Order]] = {}
        for order in self.orders:
            if order.customer_id:
                by_customer.setdefault(order.customer_id, []).append(order)
        customers = []
        for i, cid in enumerate(self._customer_ids()):
            rng = self._rng("customer", i)
            mine = by_customer.get(cid, [])
            created = self.start - timedelta(days=rng.randint(0, 300), seconds=rng.randrange(86400))
            if mine:
                created = min(created, mine[0].created_at - timedelta(minutes=5))
            updated = max([created + timedelta(minutes=1)] + [o.updated_at for o in mine])
            customers.append(
                Customer(
                    id=cid,
                    state=rng.choices(("ENABLED", "DISABLED", "INVITED"), (70, 20, 10))[0],
                    tags=tuple(sorted(rng.sample(("newsletter", "vip", "wholesale"), rng.randint(0, 2)))),
                    created_at=created,
                    updated_at=updated,
                    number_of_orders=len(mine),
                    amount_spent=sum((o.total - o.refunded for o in mine), Decimal(0)),
                )
            )
        return tuple(customers)


# =====================================================================================
# GraphQL objects: dicts keyed by field name; callables take the field's arguments.
# =====================================================================================


@dataclass
class Connection:
    """A list served as a connection; `type_name` is the node type.

    `build` turns an item into its GraphQL object; it runs only for the page served, so
    a page of a 30,000-order shop does not build 30,000 objects.
    """

    type_name: str
    items: list[Any]
    build: Callable[[Any], dict[str, Any]] | None = None

    def nodes(self, chunk: list[Any]) -> list[dict[str, Any]]:
        return [self.build(item) for item in chunk] if self.build else chunk


def _money_bag(value: Decimal, currency: str) -> dict[str, Any]:
    money = {"__typename": "MoneyV2", "amount": amount_text(value), "currencyCode": currency}
    return {"__typename": "MoneyBag", "shopMoney": money, "presentmentMoney": dict(money)}


def _ref(type_name: str, gid: str | None, full: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any] | None:
    if gid is None:
        return None
    return full() if full else {"__typename": type_name, "id": gid}


class Objects:
    """Build the GraphQL view of the shop's records."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    @cached_property
    def index(self) -> dict[str, Callable[[], dict[str, Any]]]:
        found: dict[str, Callable[[], dict[str, Any]]] = {}
        for o in self.shop.orders:
            found[o.id] = lambda o=o: self.order(o)
        for p in self.shop.products:
            found[p.id] = lambda p=p: self.product(p)
            for v in p.variants:
                found[v.id] = lambda v=v: self.variant(v)
        for c in self.shop.customers:
            found[c.id] = lambda c=c: self.customer(c)
        return found

    @cached_property
    def customers_by_id(self) -> dict[str, Customer]:
        return {c.id: c for c in self.shop.customers}

    def variant(self, v: Variant) -> dict[str, Any]:
        return {"__typename": "ProductVariant", "id": v.id, "title": v.title, "sku": v.sku, "price": amount_text(v.price),
                "product": {"__typename": "Product", "id": v.product_id}}

    def product(self, p: Product) -> dict[str, Any]:
        return {
            "__typename": "Product", "id": p.id, "title": p.title, "handle": p.handle, "vendor": p.vendor,
            "productType": p.product_type, "status": p.status, "tags": list(p.tags),
            "createdAt": iso(p.created_at), "updatedAt": iso(p.updated_at),
            "publishedAt": iso(p.published_at) if p.published_at else None,
            "totalInventory": 0,
            "variants": lambda args, p=p: Connection("ProductVariant", [self.variant(v) for v in p.variants]),
        }

    def customer(self, c: Customer) -> dict[str, Any]:
        return {
            "__typename": "Customer", "id": c.id, "state": c.state, "tags": list(c.tags),
            "numberOfOrders": str(c.number_of_orders),
            "amountSpent": {"__typename": "MoneyV2", "amount": amount_text(c.amount_spent), "currencyCode": self.shop.currency},
            "createdAt": iso(c.created_at), "updatedAt": iso(c.updated_at), "verifiedEmail": True, "taxExempt": False,
        }

    def visit(self, v: Visit | None) -> dict[str, Any] | None:
        if v is None:
            return None
        utm = None
        if v.utm:
            utm = {"__typename": "UTMParameters", **{k: v.utm.get(k) for k in ("source", "medium", "campaign", "content", "term")}}
        return {
            "__typename": "CustomerVisit", "id": v.id, "occurredAt": iso(v.occurred_at), "source": v.source,
            "landingPage": v.landing_page, "referrerUrl": v.referrer_url, "referralCode": None, "utmParameters": utm,
        }

    def line_item(self, li: LineItem, currency: str) -> dict[str, Any]:
        return {
            "__typename": "LineItem", "id": li.id, "title": li.title, "name": f"{li.title} - {li.variant.title}",
            "quantity": li.quantity, "currentQuantity": li.quantity, "sku": li.variant.sku,
            "variant": {"__typename": "ProductVariant", "id": li.variant.id},
            "product": {"__typename": "Product", "id": li.variant.product_id},
            "originalUnitPriceSet": _money_bag(li.variant.price, currency),
            "originalTotalSet": _money_bag(li.original_total, currency),
            "discountedTotalSet": _money_bag(li.discounted_total, currency),
        }

    def order(self, o: Order) -> dict[str, Any]:
        journey = None
        if o.first_visit is not None:
            journey = {
                "__typename": "CustomerJourneySummary", "ready": True,
                "firstVisit": self.visit(o.first_visit), "lastVisit": self.visit(o.last_visit),
                "daysToConversion": (o.created_at - o.first_visit.occurred_at).days, "customerOrderIndex": 1,
            }
        customer = self.customers_by_id.get(o.customer_id) if o.customer_id else None
        return {
            "__typename": "Order", "id": o.id, "name": o.name, "createdAt": iso(o.created_at), "updatedAt": iso(o.updated_at),
            "processedAt": iso(o.created_at), "cancelledAt": iso(o.cancelled_at) if o.cancelled_at else None,
            "cancelReason": "CUSTOMER" if o.cancelled_at else None,
            "currencyCode": o.currency, "presentmentCurrencyCode": o.currency, "test": o.test, "tags": list(o.tags),
            "sourceName": o.source_name, "displayFinancialStatus": o.financial_status,
            "displayFulfillmentStatus": o.fulfillment_status,
            "customer": self.customer(customer) if customer else None,
            "totalPriceSet": _money_bag(o.total, o.currency),
            "subtotalPriceSet": _money_bag(o.subtotal, o.currency),
            "totalDiscountsSet": _money_bag(o.discounts, o.currency),
            "totalTaxSet": _money_bag(o.tax, o.currency),
            "totalShippingPriceSet": _money_bag(o.shipping, o.currency),
            "totalRefundedSet": _money_bag(o.refunded, o.currency),
            # after refunds: a fully refunded order is worth nothing now
            "currentTotalPriceSet": _money_bag(max(o.total - o.refunded, Decimal(0)), o.currency),
            "currentSubtotalPriceSet": _money_bag(max(o.subtotal - o.refunded, Decimal(0)), o.currency),
            "currentTotalDiscountsSet": _money_bag(o.discounts if o.refunded < o.total else Decimal(0), o.currency),
            "currentTotalTaxSet": _money_bag(o.tax if o.refunded < o.total else Decimal(0), o.currency),
            "number": int(o.name.lstrip("#")),
            "closedAt": iso(o.updated_at) if o.fulfillment_status == "FULFILLED" and o.financial_status == "PAID" else None,
            "discountCodes": ["WELCOME10"] if o.discounts > 0 else [],
            "customerJourneySummary": journey,
            "lineItems": lambda args, o=o: Connection("LineItem", [self.line_item(li, o.currency) for li in o.line_items]),
        }

    def shop_object(self) -> dict[str, Any]:
        return {
            "__typename": "Shop", "id": "gid://shopify/Shop/72719794454", "name": "Bosco Demo",
            "myshopifyDomain": f"{SHOP}.myshopify.com", "currencyCode": self.shop.currency,
            "ianaTimezone": self.shop.timezone, "taxesIncluded": False, "updatedAt": iso(self.shop.start),
        }

    def roots(self) -> dict[str, tuple[str, Callable[[], list[Any]], dict[str, str]]]:
        """Root connections: node type, records, and search field -> record attribute."""
        times = {"updated_at": "updated_at", "created_at": "created_at"}
        return {
            "orders": ("Order", lambda: list(self.shop.orders), {**times, "processed_at": "created_at"}),
            "products": ("Product", lambda: list(self.shop.products), times),
            "customers": ("Customer", lambda: list(self.shop.customers), times),
        }

    def build(self, type_name: str, record: Any) -> dict[str, Any]:
        return {"Order": self.order, "Product": self.product, "Customer": self.customer}[type_name](record)


# -- search syntax -------------------------------------------------------------------

_TERM = re.compile(r"""(?P<field>[a-z_]+):(?P<op>>=|<=|>|<)?(?P<value>'[^']*'|"[^"]*"|[^\s'"]+)""")
_SORT_FIELDS = {"UPDATED_AT": "updated_at", "CREATED_AT": "created_at", "ID": "id", "PROCESSED_AT": "created_at"}


def search_filter(text: str | None, fields: dict[str, str]) -> Callable[[Any], bool]:
    """Parse ``updated_at:>='2025-01-01T00:00:00Z' AND ...`` into a record predicate.

    Per https://shopify.dev/docs/api/usage/search-syntax date values must be quoted;
    only the AND connective (explicit or implied) is understood here.
    """
    if not text or not text.strip():
        return lambda record: True
    checks: list[Callable[[Any], bool]] = []
    for token in re.findall(r"""\S+?:(?:>=|<=|>|<)?(?:'[^']*'|"[^"]*"|\S+)|\S+""", text):
        if token == "AND":
            continue
        match = _TERM.fullmatch(token)
        if not match or match.group("field") not in fields:
            raise GraphQLError(f"fake Shopify: unsupported search term {token!r} in query {text!r}")
        raw = match.group("value")
        if raw[0] not in "'\"":
            raise GraphQLError(f"fake Shopify: date values must be quoted in search term {token!r}")
        try:
            moment = datetime.fromisoformat(raw[1:-1].replace("Z", "+00:00"))
        except ValueError:
            raise GraphQLError(f"fake Shopify: {raw} is not a date in search term {token!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        attribute, op = fields[match.group("field")], match.group("op") or "="
        compare = {
            ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
            "<": lambda a, b: a < b, "=": lambda a, b: a == b,
        }[op]
        checks.append(lambda record, attribute=attribute, compare=compare, moment=moment: compare(getattr(record, attribute), moment))
    return lambda record: all(check(record) for check in checks)


# -- cost ----------------------------------------------------------------------------


def _item_cost(selections: list[Any], variables: dict[str, Any]) -> int:
    cost = 0
    for sel in _fields(selections):
        if sel.name == "edges":
            for inner in _fields(sel.selections):
                if inner.name == "node":
                    cost = max(cost, 1 + requested_cost(inner.selections, variables))
        elif sel.name == "nodes":
            cost = max(cost, 1 + requested_cost(sel.selections, variables))
    return cost


def _fields(selections: list[Any]) -> list[Field]:
    out: list[Field] = []
    for sel in selections:
        out.extend(_fields(sel.selections) if isinstance(sel, Fragment) else [sel])
    return out


def requested_cost(selections: list[Any], variables: dict[str, Any]) -> int:
    """Shopify's static estimate: objects 1, scalars 0, connections 2 + first x node."""
    total = 0
    for sel in _fields(selections):
        if not sel.selections or sel.name == "pageInfo":
            continue
        size = bind(sel.args.get("first", sel.args.get("last")), variables)
        if size is not None:
            total += 2 + int(size) * _item_cost(sel.selections, variables)
        else:
            total += 1 + requested_cost(sel.selections, variables)
    return total


# -- execution -----------------------------------------------------------------------


def _cursor(position: int) -> str:
    return base64.b64encode(orjson.dumps({"last_position": position})).decode()


def _position(cursor: str | None) -> int:
    if not cursor:
        return -1
    try:
        return int(orjson.loads(base64.b64decode(cursor))["last_position"])
    except Exception:  # noqa: BLE001 - any garbage is the same error to the caller
        raise GraphQLError("Invalid cursor for current pagination sort.") from None


class Executor:
    """Project objects on a selection, count the actual cost, page connections."""

    def __init__(self, variables: dict[str, Any], *, bulk: bool = False) -> None:
        self.variables = variables
        self.bulk = bulk
        self.actual = 0

    def args(self, sel: Field) -> dict[str, Any]:
        return {k: bind(v, self.variables) for k, v in sel.args.items()}

    def select(self, obj: dict[str, Any], selections: list[Any]) -> dict[str, Any]:
        type_name = obj.get("__typename", "Object")
        if not type_name.endswith(("Edge", "Connection", "PageInfo")):
            self.actual += 1
        return self.select_fields(obj, selections)

    def select_fields(self, obj: dict[str, Any], selections: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        type_name = obj.get("__typename", "Object")
        for sel in selections:
            if isinstance(sel, Fragment):
                if sel.type_name in (None, type_name):
                    out.update(self.select_fields(obj, sel.selections))
                continue
            if sel.name == "__typename":
                out[sel.key] = type_name
                continue
            if sel.name not in obj:
                raise GraphQLError(
                    f"Field '{sel.name}' doesn't exist on type '{type_name}'",
                    {"code": "undefinedField", "typeName": type_name, "fieldName": sel.name},
                )
            value = obj[sel.name]
            if callable(value):
                value = value(self.args(sel))
            out[sel.key] = self.value(value, sel, type_name)
        return out

    def value(self, value: Any, sel: Field, parent: str) -> Any:
        if isinstance(value, Connection):
            return self.connection(value, sel)
        if isinstance(value, dict):
            if not sel.selections:
                raise GraphQLError(f"Field must have selections (field '{sel.name}' returns {value.get('__typename')} but has no selections.)")
            return self.select(value, sel.selections)
        if isinstance(value, list) and sel.selections:
            return [self.select(v, sel.selections) if isinstance(v, dict) else v for v in value]
        if sel.selections and value is not None:
            raise GraphQLError(f"Selections can't be made on scalars (field '{sel.name}' on '{parent}')")
        return value

    def page(self, items: list[Any], args: dict[str, Any]) -> tuple[list[Any], int, bool]:
        first, last = args.get("first"), args.get("last")
        if self.bulk:
            return items, 0, False
        if first is None and last is None:
            raise GraphQLError("you must provide one of first or last")
        size = int(first if first is not None else last)
        if size > MAX_PAGE:
            raise GraphQLError(f"first cannot exceed {MAX_PAGE}. To query larger amounts of data with fewer limits, bulk operations should be used instead.")
        start = _position(args.get("after")) + 1
        chunk = items[start : start + size]
        return chunk, start, start + size < len(items)

    def connection(self, conn: Connection, sel: Field) -> dict[str, Any]:
        chunk, start, more = self.page(conn.items, self.args(sel))
        chunk = conn.nodes(chunk)
        self.actual += 2
        edges = [{"__typename": f"{conn.type_name}Edge", "cursor": _cursor(start + i), "node": node} for i, node in enumerate(chunk)]
        view = {
            "__typename": f"{conn.type_name}Connection",
            "edges": edges,
            "nodes": chunk,
            "pageInfo": {
                "__typename": "PageInfo", "hasNextPage": more, "hasPreviousPage": start > 0,
                "startCursor": edges[0]["cursor"] if edges else None, "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }
        return self.select(view, sel.selections)


# =====================================================================================
# Rate limit and bulk operations.
# =====================================================================================


class CostBucket:
    """Shopify's leaky bucket of query-cost points, refilled in real time."""

    def __init__(self, maximum: float, restore_rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = float(maximum)
        self.restore_rate = float(restore_rate)
        self.clock = clock
        self.available = float(maximum)
        self._at = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.available = min(self.maximum, self.available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, cost: float) -> bool:
        self._refill()
        if self.available < cost:
            return False
        self.available -= cost
        return True

    def refund(self, points: float) -> None:
        self._refill()
        self.available = min(self.maximum, self.available + max(0.0, points))

    def drain(self, to: float = 0.0) -> None:
        self._refill()
        self.available = float(to)

    def status(self) -> dict[str, Any]:
        self._refill()
        return {"maximumAvailable": self.maximum, "currentlyAvailable": int(self.available), "restoreRate": self.restore_rate}


#: The app the fake's access token belongs to.
OUR_APP = "bosco-connectors"
#: Statuses that hold one of the app's bulk operation slots.
IN_FLIGHT = ("CREATED", "RUNNING", "CANCELING")
#: The first version with five concurrent bulk query operations per app and shop (one before).
FIVE_BULK_QUERIES_FROM = "2026-01"


def bulk_query_limit(version: str) -> int:
    """Bulk query operations an app may have in flight per shop at this API version."""
    return 5 if version == "unstable" or version >= FIVE_BULK_QUERIES_FROM else 1


@dataclass
class BulkOperation:
    number: int
    document: Operation
    root_url: str
    fail_with: str | None = None
    #: The query text as it was submitted (``BulkOperation.query``).
    text: str = ""
    app: str = OUR_APP
    status: str = "CREATED"
    polls: int = 0
    error_code: str | None = None
    result: bytes | None = None
    #: The result written to a file instead (`ShopifyApp(bulk_files=...)`), and its size.
    result_file: Path | None = None
    result_size: int = 0
    object_count: int = 0
    root_count: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    completed_at: datetime | None = None

    @property
    def id(self) -> str:
        return f"gid://shopify/BulkOperation/{720_000_000 + self.number}"

    def view(self) -> dict[str, Any]:
        size = len(self.result) if self.result is not None else self.result_size
        url = f"{self.root_url}/bulk-results/{self.number}.jsonl" if self.status == "COMPLETED" and size else None
        return {
            "__typename": "BulkOperation", "id": self.id, "status": self.status, "errorCode": self.error_code,
            "type": "QUERY", "objectCount": str(self.object_count), "rootObjectCount": str(self.root_count),
            "fileSize": str(size) if url else None, "url": url, "partialDataUrl": None,
            "createdAt": iso(self.created_at), "completedAt": iso(self.completed_at) if self.completed_at else None,
            "query": self.text,
        }


# =====================================================================================
# The app.
# =====================================================================================

_GRAPHQL = re.compile(r"^/admin/api/(?P<version>[^/]+)/graphql\.json$")
_BULK_STATUSES = ("CANCELED", "CANCELING", "COMPLETED", "CREATED", "EXPIRED", "FAILED", "RUNNING")
_RESULT = re.compile(r"^/bulk-results/(?P<number>\d+)\.jsonl$")
_VERSION = re.compile(r"^\d{4}-\d{2}$|^unstable$")


class ShopifyApp:
    """The fake Shopify Admin API mounted under ``/shopify``.

    Rate limit defaults follow the Shopify Plus plan (1,000 points/second); pass
    ``bucket_size=2000, restore_rate=100`` for a Standard shop. ``bulk_polls`` is how
    many status polls a bulk operation stays CREATED/RUNNING before it completes.

    ``bulk_files`` (a folder) is for shops too large to export in memory (the benchmark's
    300,000 orders): each bulk result is written there line by line by a thread started
    with the operation, which stays RUNNING until the file is complete, and the download
    is served from the file in chunks. The file is kept per query document and reused by
    later operations with the same document, so it assumes the shop does not change
    between exports (tests that edit the shop must leave this unset).
    """

    prefix = "shopify"
    real_root = f"https://{SHOP}.myshopify.com"

    def __init__(
        self,
        seed: int = 7,
        size: str = "small",
        end_date: date | None = None,
        *,
        bucket_size: float = 20_000.0,
        restore_rate: float = 1_000.0,
        bulk_polls: int = 2,
        bulk_files: str | Path | None = None,
        **overrides: int,
    ) -> None:
        self.world = World(seed, size, namespace="shopify", end_date=end_date or date.today(), overrides=overrides)
        self.shop = Shop(self.world)
        self.objects = Objects(self.shop)
        self.bucket = CostBucket(bucket_size, restore_rate)
        self.bulk_polls = bulk_polls
        self.throttled = 0
        self.bulk_operations: list[BulkOperation] = []
        self._fail_bulk: list[str] = []
        self._drain_at_next: float | None = None
        self._lock = threading.RLock()
        #: Where bulk results go as files (None: in memory), and the file of each document.
        self.bulk_files = Path(bulk_files) if bulk_files is not None else None
        self._bulk_files: dict[str, _BulkFile] = {}

    # -- test controls ---------------------------------------------------------------

    def fail_next_bulk(self, times: int = 1, error_code: str = "INTERNAL_SERVER_ERROR") -> None:
        """The next `times` bulk operations end FAILED with `error_code`."""
        with self._lock:
            self._fail_bulk.extend([error_code] * times)

    def start_bulk(self, query: str, *, app: str = OUR_APP, version: str = "2026-10", root_url: str = "") -> BulkOperation:
        """Start a bulk query operation nobody will poll: one a run left RUNNING when its process
        died (``app`` ours), or another app's export on the same shop."""
        with self._lock:
            payload = self.run_bulk(query, root_url, app=app, version=version)
            if payload["userErrors"]:
                raise ValueError(payload["userErrors"][0]["message"])
            op = self.bulk_operations[-1]
            op.status = "RUNNING"
            return op

    def drain_bucket(self, to: float = 0.0) -> None:
        """Empty the cost bucket just before the next GraphQL request (another job used it up)."""
        with self._lock:
            self._drain_at_next = to

    # -- config ------------------------------------------------------------------------

    def source_config(self, root_url: str) -> dict[str, Any]:
        return {
            "shop": SHOP,
            "access_token": ACCESS_TOKEN,
            "base_url": root_url,
            "start_date": self.world.start_date,
            "end_date": self.world.end_date,
            "bulk_poll_seconds": 0.05,
        }

    # -- HTTP --------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        result = _RESULT.match(request.path)
        if result and request.method == "GET":
            return self._download(int(result.group("number")))
        graphql = _GRAPHQL.match(request.path)
        if not graphql:
            return FakeResponse.json({"errors": "Not Found"}, 404)
        if request.header("x-shopify-access-token") != ACCESS_TOKEN:
            return FakeResponse.json({"errors": INVALID_TOKEN}, 401)
        version = graphql.group("version")
        if not _VERSION.match(version):
            return FakeResponse.json({"errors": "Not Found"}, 404)
        if request.method != "POST":
            return FakeResponse.json({"errors": "Not Found"}, 404)
        try:
            body = request.json()
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return FakeResponse.json({"errors": {"query": "Required parameter missing or invalid"}}, 400)
        host = request.header("host") or "127.0.0.1"
        with self._lock:
            answer = self.execute(body["query"], body.get("variables") or {}, f"http://{host}/{self.prefix}", version)
        return FakeResponse.json(answer, 200, {"X-Shopify-API-Version": version})

    def _download(self, number: int) -> FakeResponse:
        with self._lock:
            op = next((o for o in self.bulk_operations if o.number == number), None)
        if op is not None and op.result_file is not None:
            return FakeResponse(200, b"", {"Content-Type": "application/jsonl"}, file=op.result_file)
        if op is None or op.result is None:
            return FakeResponse.text("<Error><Code>NoSuchKey</Code></Error>", 404, "application/xml")
        return FakeResponse(200, op.result, {"Content-Type": "application/jsonl"})

    # -- GraphQL -------------------------------------------------------------------------

    def execute(self, document: str, variables: dict[str, Any], root_url: str, version: str = "2026-10") -> dict[str, Any]:
        try:
            op = parse(document)
        except GraphQLError as exc:
            return {"errors": [exc.as_json()]}
        variables = {**{k: bind(v, {}) for k, v in op.defaults.items()}, **variables}
        requested = 10 if op.kind == "mutation" else requested_cost(op.selections, variables)
        if requested > MAX_QUERY_COST:
            return {
                "errors": [{
                    "message": f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).",
                    "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST},
                }],
                "extensions": {"cost": self._cost(requested, None)},
            }
        if self._drain_at_next is not None:
            self.bucket.drain(self._drain_at_next)
            self._drain_at_next = None
        if not self.bucket.take(requested):
            self.throttled += 1
            return {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": self._cost(requested, None)},
            }
        for left in self.bulk_operations:  # one `start_bulk` made outside a request learns where it is served
            left.root_url = left.root_url or root_url
        executor = Executor(variables)
        try:
            data = self.root(op, executor, root_url, version)
        except GraphQLError as exc:
            self.bucket.refund(requested)
            return {"errors": [exc.as_json()]}
        actual = 10 if op.kind == "mutation" else executor.actual
        self.bucket.refund(requested - actual)
        return {"data": data, "extensions": {"cost": self._cost(requested, actual)}}

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": self.bucket.status()}

    def root(self, op: Operation, executor: Executor, root_url: str, version: str = "2026-10") -> dict[str, Any]:
        data: dict[str, Any] = {}
        roots = self.objects.roots()
        since_2026_01 = bulk_query_limit(version) > 1  # bulkOperations and bulkOperation came with 2026-01
        for sel in _fields(op.selections):
            args = executor.args(sel)
            if op.kind == "mutation":
                if sel.name == "bulkOperationRunQuery":
                    data[sel.key] = executor.select(self.run_bulk(args.get("query"), root_url, version=version), sel.selections)
                elif sel.name == "bulkOperationCancel":
                    data[sel.key] = executor.select(self.cancel_bulk(str(args.get("id"))), sel.selections)
                else:
                    raise GraphQLError(f"Field '{sel.name}' doesn't exist on type 'Mutation'",
                                       {"code": "undefinedField", "typeName": "Mutation", "fieldName": sel.name})
            elif sel.name == "bulkOperations" and since_2026_01:
                data[sel.key] = executor.connection(self.listing_bulk(args), sel)
            elif sel.name == "bulkOperation" and since_2026_01:
                found = self.our_bulk(str(args.get("id")))
                data[sel.key] = executor.select(self.poll(found), sel.selections) if found else None
            elif sel.name in roots:
                data[sel.key] = executor.connection(self.listing(sel.name, args), sel)
            elif sel.name == "shop":
                data[sel.key] = executor.select(self.objects.shop_object(), sel.selections)
            elif sel.name == "node":
                found = self.node(str(args.get("id")))
                data[sel.key] = executor.select(found, sel.selections) if found else None
            elif sel.name == "currentBulkOperation":
                kind = args.get("type")
                if kind not in (None, "QUERY"):
                    raise GraphQLError(f"fake Shopify: only bulk query operations exist here, not {kind}")
                ours = [o for o in self.bulk_operations if o.app == OUR_APP]
                latest = ours[-1] if ours else None
                data[sel.key] = executor.select(self.poll(latest), sel.selections) if latest else None
            else:
                raise GraphQLError(f"Field '{sel.name}' doesn't exist on type 'QueryRoot'",
                                   {"code": "undefinedField", "typeName": "QueryRoot", "fieldName": sel.name})
        return data

    def listing(self, root: str, args: dict[str, Any]) -> Connection:
        """A root connection's records, filtered by the search string and sorted."""
        type_name, records, fields = self.objects.roots()[root]
        keep = search_filter(args.get("query"), fields)
        rows = [r for r in records() if keep(r)]
        sort_key = args.get("sortKey") or "ID"
        if sort_key not in _SORT_FIELDS:
            raise GraphQLError(f"Argument 'sortKey' on Field '{root}' has an invalid value ({sort_key}).")
        attribute = _SORT_FIELDS[sort_key]
        rows.sort(key=lambda r: (getattr(r, attribute), r.id), reverse=bool(args.get("reverse")))
        return Connection(type_name, rows, lambda record: self.objects.build(type_name, record))

    def node(self, gid: str) -> dict[str, Any] | None:
        op = self.our_bulk(gid)
        if op is not None:
            return self.poll(op)
        build = self.objects.index.get(gid)
        return build() if build else None

    # -- bulk operations -------------------------------------------------------------

    def our_bulk(self, gid: str, app: str = OUR_APP) -> BulkOperation | None:
        """An operation of this app (another app's ids resolve to nothing)."""
        return next((o for o in self.bulk_operations if o.id == gid and o.app == app), None)

    def listing_bulk(self, args: dict[str, Any], app: str = OUR_APP) -> Connection:
        """``bulkOperations``: the app's operations, newest first unless ``reverse``, filtered by
        ``status:`` and ``operation_type:`` terms (the documented filters; others are refused)."""
        keep: list[Callable[[BulkOperation], bool]] = []
        for token in str(args.get("query") or "").split():
            if token == "AND":
                continue
            name, _, value = token.partition(":")
            if name == "status" and value.upper() in _BULK_STATUSES:
                keep.append(lambda o, status=value.upper(): o.status == status)
            elif name == "operation_type" and value.lower() in ("query", "mutation"):
                keep.append(lambda o, kind=value.lower(): kind == "query")  # every operation here is a query
            else:
                raise GraphQLError(f"fake Shopify: unsupported bulkOperations search term {token!r}")
        if (args.get("sortKey") or "CREATED_AT") != "CREATED_AT":
            raise GraphQLError(f"fake Shopify: bulkOperations sortKey {args.get('sortKey')} is not modelled")
        rows = [o for o in self.bulk_operations if o.app == app and all(check(o) for check in keep)]
        rows.sort(key=lambda o: o.number, reverse=not args.get("reverse"))
        return Connection("BulkOperation", rows, lambda o: o.view())

    def cancel_bulk(self, gid: str, app: str = OUR_APP) -> dict[str, Any]:
        """``bulkOperationCancel``: CANCELING now, CANCELED at the operation's next read."""
        op = self.our_bulk(gid, app)
        if op is None:
            errors = [{"__typename": "UserError", "field": ["id"], "message": "Bulk operation does not exist"}]
        elif op.status not in ("CREATED", "RUNNING"):
            errors = [{"__typename": "UserError", "field": None,
                       "message": f"A bulk operation cannot be canceled when it is {op.status.lower()}"}]
        else:
            op.status, errors = "CANCELING", []
        return {"__typename": "BulkOperationCancelPayload", "bulkOperation": op.view() if op else None, "userErrors": errors}

    def run_bulk(self, document: Any, root_url: str, *, app: str = OUR_APP, version: str = "2026-10") -> dict[str, Any]:
        def refused(message: str, code: str | None = None) -> dict[str, Any]:
            return {"__typename": "BulkOperationRunQueryPayload", "bulkOperation": None,
                    "userErrors": [{"__typename": "BulkOperationUserError", "field": ["query"], "message": message, "code": code}]}

        if not isinstance(document, str):
            return refused("Invalid bulk query: query is required", "INVALID")
        in_flight = [o for o in self.bulk_operations if o.app == app and o.status in IN_FLIGHT]
        limit = bulk_query_limit(version)
        if len(in_flight) >= limit:
            if limit == 1:
                return refused(f"A bulk query operation for this app and shop is already in progress: {in_flight[0].id}.",
                               "OPERATION_IN_PROGRESS")
            return refused("Bulk operations limit reached. Please try again later.", "LIMIT_REACHED")
        try:
            inner = parse(document)
            roots = _fields(inner.selections)
            if inner.kind != "query" or len(roots) != 1 or roots[0].name not in self.objects.roots():
                raise GraphQLError("Bulk queries must contain exactly one top-level connection field")
            self.bulk_result(inner, limit=1)  # a bad field is refused now, as Shopify validates up front
        except GraphQLError as exc:
            return refused(f"Invalid bulk query: {exc.message}")
        op = BulkOperation(len(self.bulk_operations) + 1, inner, root_url, self._fail_bulk.pop(0) if self._fail_bulk else None,
                           text=document, app=app)
        if self.bulk_files is not None and op.fail_with is None:
            self._bulk_file(document, inner)
        self.bulk_operations.append(op)
        return {"__typename": "BulkOperationRunQueryPayload", "bulkOperation": op.view(), "userErrors": []}

    def poll(self, op: BulkOperation) -> dict[str, Any]:
        """Each status read moves the operation along: CREATED -> RUNNING -> COMPLETED/FAILED."""
        if op.status == "CANCELING":
            op.status, op.completed_at = "CANCELED", datetime.now(timezone.utc)
        elif op.status in ("CREATED", "RUNNING"):
            op.polls += 1
            written = self._bulk_files.get(op.text) if self.bulk_files is not None and not op.fail_with else None
            if op.polls >= self.bulk_polls and (written is None or written.done.is_set()):
                if op.fail_with:
                    op.status, op.error_code = "FAILED", op.fail_with
                elif written is not None:
                    if written.error is not None:
                        raise written.error
                    op.result_file, op.result_size = written.path, written.size
                    op.object_count, op.root_count = written.objects, written.roots
                    op.status, op.completed_at = "COMPLETED", datetime.now(timezone.utc)
                else:
                    op.result, op.object_count, op.root_count = self.bulk_result(op.document)
                    op.status, op.completed_at = "COMPLETED", datetime.now(timezone.utc)
            else:
                op.status = "RUNNING"
        return op.view()

    def bulk_result(self, document: Operation, limit: int | None = None) -> tuple[bytes, int, int]:
        """The JSONL a bulk query produces: one line per object, nested ones with __parentId."""
        lines = list(self.bulk_lines(document, limit))
        roots = sum(1 for line in lines if b'"__parentId"' not in line)
        return (b"\n".join(lines) + b"\n") if lines else b"", len(lines), roots

    def bulk_lines(self, document: Operation, limit: int | None = None) -> Iterator[bytes]:
        """The lines of a bulk query's JSONL, each object built when its line is (a large shop's
        export never whole in memory)."""
        root = _fields(document.selections)[0]
        executor = Executor({}, bulk=True)
        listing = self.listing(root.name, executor.args(root))
        node_sel = _node_selection(root)
        nested = [s for s in _fields(node_sel) if s.selections and _node_selection(s, required=False) is not None]
        plain = [s for s in node_sel if not (isinstance(s, Field) and s in nested)]
        for record in listing.items[:limit]:
            item = listing.nodes([record])[0]
            yield orjson.dumps(executor.select(item, plain))
            for sel in nested:
                value = item.get(sel.name)
                if not callable(value):
                    raise GraphQLError(f"Field '{sel.name}' doesn't exist on type '{item['__typename']}'")
                for child in value(executor.args(sel)).items:
                    row = executor.select(child, _node_selection(sel))
                    row["__parentId"] = item["id"]
                    yield orjson.dumps(row)

    def _bulk_file(self, text: str, document: Operation) -> "_BulkFile":
        """The file of a document's result: started in a thread the first time it is asked for."""
        assert self.bulk_files is not None
        written = self._bulk_files.get(text)
        if written is None:
            self.bulk_files.mkdir(parents=True, exist_ok=True)
            written = self._bulk_files[text] = _BulkFile(self.bulk_files / f"result-{len(self._bulk_files) + 1}.jsonl")
            threading.Thread(target=written.write, args=(self.bulk_lines(document),), daemon=True,
                             name="fake-shopify-bulk").start()
        return written

@dataclass
class _BulkFile:
    """A bulk result being written to disk (`ShopifyApp(bulk_files=...)`)."""

    path: Path
    size: int = 0
    objects: int = 0
    roots: int = 0
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def write(self, lines: Iterator[bytes]) -> None:
        try:
            with open(self.path, "wb") as file:
                for line in lines:
                    file.write(line + b"\n")
                    self.objects += 1
                    self.roots += b'"__parentId"' not in line
            self.size = self.path.stat().st_size
        except BaseException as exc:  # noqa: BLE001 - the polls report it
            self.error = exc
        finally:
            self.done.set()


def _node_selection(sel: Field, required: bool = True) -> list[Any] | None:
    """The node selection of a connection field (``edges { node { ... } }`` or ``nodes``)."""
    for inner in _fields(sel.selections):
        if inner.name == "edges":
            for node in _fields(inner.selections):
                if node.name == "node":
                    return node.selections
        if inner.name == "nodes":
            return inner.selections
    if required:
        raise GraphQLError(f"Bulk query field '{sel.name}' must select edges {{ node }} or nodes")
    return None
