"""Okendo: the Merchant REST API ("Okendo Enterprise API" 1.2.1, ``okendo-api-version: 2025-02-01``), declared.

Reference: https://docs.okendo.io/merchant-rest-api/endpoints/reviews ("List Reviews", ``GET
https://api.okendo.io/enterprise/reviews``; the page embeds the OpenAPI 3.0.1 description,
"Okendo Enterprise API" version 1.2.1) and https://docs.okendo.io/merchant-rest-api/quick-start
(HTTP basic auth: the Okendo user id and an API key from the app's integration settings; not
for client-side use). The dated ``okendo-api-version`` header and the ``nextUrl`` of the list
answer were cross-checked with PostHog's Okendo warehouse source
(``products/warehouse_sources/.../okendo/settings.py``), which reads the same endpoint.

- ``reviews``: the store's reviews of each configured moderation status (``status``:
  approved, pending, rejected; the endpoint answers approved ones unless asked), ``limit`` at
  most 100, ordered ``date asc`` so new reviews land after the cursor and never shift a page.
  The answer's ``nextUrl`` is a relative link whose ``lastEvaluated`` (a URL-encoded JSON
  cursor) asks for the next page; no ``nextUrl`` ends the read. The endpoint has no date
  filter, so every run reads every review: a review moderated, edited or replied to later is
  merged into its row (its status is a column). The reviewer's email and name are not
  loaded (their display name is).
- Errors: the reference lists 400 (invalid parameters) and 401 (credentials missing or
  incorrect) without a body schema; the status decides.

``reviews`` maps into the unified ``reviews`` (approved reviews only: the published ones):
the day is the UTC day of ``dateCreated``; ``product_id`` is ``productId`` without its
platform prefix (``shopify-123456789`` is Shopify product 123456789); ``verified`` is the
reviewer's ``isVerified`` (``verifiedStatus`` "Verified Buyer").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import BeforeValidator, Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig, comma_list
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Expr, Maps
from bosco_connectors.framework.paginators import CursorInBody, PageRequest
from bosco_connectors.framework.records import ISO_DATETIME, Records, snake_case
from bosco_connectors.framework.spec import FullRefresh, RestStream, Stream

API_VERSION = "2025-02-01"
MAX_PAGE_SIZE = 100
Status = Literal["approved", "pending", "rejected"]


class OkendoConfig(SourceConfig):
    """Config of the ``okendo`` source (plus the fields every source accepts)."""

    user_id: str = Field(min_length=1, description="The Okendo user id (integration settings of the Okendo app).")
    api_key: SecretStr = Field(description="A Merchant REST API key (integration settings of the Okendo app).")
    statuses: Annotated[list[Status], BeforeValidator(comma_list)] = Field(
        default=["approved", "pending", "rejected"], min_length=1,
        description="Moderation statuses to read: approved, pending, rejected (a status change then updates the row).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Reviews per page (limit, at most 100).")
    requests_per_second: float = Field(default=5.0, gt=0, description="Requests a second.")


class Review(Contract):
    """One review, from GET /enterprise/reviews's ``reviews``."""

    review_id: Id = Field(description="Okendo's review id (a UUID).")
    subscriber_id: Id | None = None
    status: str | None = Field(default=None, description="approved, pending or rejected.")
    product_id: str | None = Field(default=None, description="The product id prefixed by its platform: shopify-123456789.")
    product_name: str | None = None
    variant_id: str | None = None
    rating: int | None = Field(default=None, description="Stars, 1 to 5.")
    title: str | None = None
    body: str | None = None
    is_recommended: bool | None = None
    helpful_count: int | None = None
    contains_profanity: bool | None = None
    sentiment: str | None = None
    reviewer_display_name: str | None = None
    reviewer_is_verified: bool | None = None
    reviewer_verified_status: str | None = Field(default=None, description="Verified Buyer, ...")
    order_id: str | None = Field(default=None, description="The order the review was requested for.")
    order_number: str | None = None
    date_created: dt.datetime = Field(description="When the review was written (UTC).")


API = Api(
    base_url="https://api.okendo.io/enterprise/",
    auth=Basic("user_id", "api_key"),
    headers={"okendo-api-version": API_VERSION},
    errors=ErrorMap(
        "Okendo", code="message", message=("message",),
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, 400: Action.FAIL},
        hints={Action.AUTH: "check the Okendo user id and the API key (integration settings of the Okendo app)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


@dataclass
class LastEvaluated(CursorInBody):
    """The ``lastEvaluated`` cursor of the answer's relative ``nextUrl``, sent back as that parameter
    (a ``nextUrl`` that is a bare token, as the generated fake writes it, is sent as is)."""

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        found = super().next(response, body, records)
        if found is None:
            return None
        url = str(found.params[self.param])
        cursor = parse_qs(urlsplit(url).query).get(self.param) if "?" in url else None
        return PageRequest(params={self.param: cursor[0] if cursor else url})


FIELDS = ("reviewId", "subscriberId", "productId", "productName", "variantId", "isRecommended", "helpfulCount",
          "unhelpfulCount", "containsProfanity", "dateCreated", "attributesWithRating", "productAttributes")


def streams(config: OkendoConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="reviews", description="The store's reviews of each configured moderation status: rating, product, verification.",
            path="reviews", params={"limit": size, "orderBy": "date asc"},
            partitions=lambda config: [{"status": s} for s in config.statuses],
            paginator=lambda: LastEvaluated("nextUrl", "lastEvaluated"),
            records=Records("reviews", rename={
                **snake_case(*FIELDS), "reviewer.displayName": "reviewer_display_name",
                "reviewer.isVerified": "reviewer_is_verified", "reviewer.verifiedStatus": "reviewer_verified_status",
                "order.orderId": "order_id", "order.orderNumber": "order_number"},
                formats={"date_created": ISO_DATETIME}),
            contract=Review, primary_key=("review_id",),
            cursor=FullRefresh("GET /reviews has no date filter (only status, order and a page cursor): every run reads "
                               "every review, moderated or edited ones merged on reviewId"),
            unified=Maps(
                "reviews", where="status = 'approved'", review_date=DayOf("date_created"), review_id="review_id",
                product_id=Expr("case when product_id like 'shopify-%' then substr(product_id, 9) else product_id end"),
                rating="rating", verified="reviewer_is_verified", title="title",
                meanings={"review_date": "the UTC day of dateCreated",
                          "product_id": "productId without its platform prefix (shopify-123 is Shopify product 123)",
                          "verified": "reviewer.isVerified (verifiedStatus 'Verified Buyer')"},
            ),
        ),
    ]


connector = declare(
    "okendo", title="Okendo", api=API, config=OkendoConfig, streams=streams, api_version=API_VERSION,
    docs_url="https://docs.okendo.io/merchant-rest-api/endpoints/reviews", category="reviews",
    description="Okendo: the store's product reviews of every moderation status (approved ones into the unified reviews).",
    error_example={"message": "Authentication credentials are missing or incorrect."},
)
source = source_function(connector)

__all__ = ["connector", "source", "OkendoConfig"]
