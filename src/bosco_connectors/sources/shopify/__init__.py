"""Shopify: the shop, orders, products and customers from the GraphQL Admin API.

API: Shopify GraphQL Admin API, version 2026-10 by default (config ``api_version``),
https://shopify.dev/docs/api/admin-graphql/2026-10 . One endpoint per shop,
``POST https://{shop}.myshopify.com/admin/api/{version}/graphql.json`` with a JSON body
``{"query", "variables"}`` and the ``X-Shopify-Access-Token`` header. Requests go
through the framework's httpx client (retries, pacing, redaction); `client` adds
Shopify's cost-based throttling, `bulk` its bulk operations for backfills.

Why not the ``ShopifyAPI`` Python SDK: it is built around the REST Admin API, which
Shopify made a legacy API on 2024-10-01 (new public apps must use GraphQL only since
2025-04-01: https://shopify.dev/changelog/starting-april-2025-new-public-apps-submitted-to-shopify-app-store-must-use-graphql).
Its GraphQL support (``shopify.GraphQL().execute``) is a bare urllib POST that returns
text: no paging, no reading of the cost bucket, no THROTTLED retry, no bulk operations,
and it prints error bodies to stdout. Everything it would add here, this module does.

Scopes: ``read_orders`` (plus ``read_all_orders`` for orders older than 60 days),
``read_products``, ``read_customers``. ``customer { id }`` and the journey's landing page
and referrer are protected customer data (level 1); no personal data (names, emails,
phones, addresses) is requested at all.

Streams (raw tables ``shopify_<stream>``, merged on ``tenant_id`` + ``id``):

- ``shop`` -> ``shopify_shop``: one row, the shop's currency and IANA time zone (every
  order's day in the unified ``fct_orders`` is the shop's day, not the UTC day);
- ``orders`` -> ``shopify_orders`` and ``shopify_orders__line_items`` (Arrow batches; the line
  items a table of their own, merged per order: `framework.children`);
- ``products`` -> ``shopify_products``;
- ``customers`` -> ``shopify_customers``.

Money is an exact decimal (Shopify's Decimal strings, never floats). Orders and their lines
map into the unified commerce facts ``fct_orders`` and ``fct_order_lines`` (`streams`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ...framework import Connector
from ...framework.declare import source_function
from .client import make_client
from .config import DEFAULT_API_VERSION, ShopifyConfig
from .streams import STREAMS

connector = Connector(
    name="shopify",
    title="Shopify",
    api_version=DEFAULT_API_VERSION,
    docs_url="https://shopify.dev/docs/api/admin-graphql/2026-10",
    supported_until=date(2027, 10, 1),
    support_policy="https://shopify.dev/docs/api/usage/versioning (each stable version is supported for at least 12 months)",
    category="commerce",
    config_model=ShopifyConfig,
    client_factory=make_client,
    streams=STREAMS,
    sandbox="bosco_connectors.sandbox.shopify:ShopifyApp",
    #: A GraphQL error, which Shopify answers with HTTP 200
    #: (https://shopify.dev/docs/api/usage/access-scopes, https://shopify.dev/docs/api/admin-graphql#status_and_error_codes).
    error_example={
        "errors": [{
            "message": "Access denied for orders field. Required access: `read_orders` access scope.",
            "locations": [{"line": 2, "column": 3}],
            "path": ["orders"],
            "extensions": {"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes"},
        }],
        "data": None,
    },
    description="Orders (with line items and UTM/landing-page attribution), products and customers "
    "from the Shopify GraphQL Admin API; bulk operations for backfills.",
)


#: The dlt source: one parameter per config field (Python, bosco.toml and dlt secrets take the same options).
source = source_function(connector)


__all__ = ["connector", "source"]
