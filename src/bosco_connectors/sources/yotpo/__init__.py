"""Yotpo: the Yotpo Core API v1 ("Retrieve all reviews"), declared.

Reference: https://apidocs.yotpo.com/reference (Core API; "Getting Started": ``page``/``count``
paging, 401 for unauthorized requests, tokens from the client id and secret that expire
after 14 days) and its "Retrieve all reviews" endpoint, ``GET
https://api.yotpo.com/v1/apps/{app_key}/reviews?utoken=<token>`` with ``since_updated_at``,
``page`` and ``count``. The endpoint, its parameters and the review object were checked
against two connectors run on the live API that agree: Singer's ``tap-yotpo``
(``tap_yotpo/streams/reviews.py``, ``schemas/reviews.json``) and Airbyte's ``source-yotpo``
(``manifest.yaml``, ``reviews``).

- ``reviews``: every product and site review of the store: score, title, product ``sku``,
  reviewer type, moderation flags (``deleted``, ``archived``, ``escalated``), sentiment, votes.
  Read by ``since_updated_at`` (the cursor's start; ISO 8601 UTC) so an edited, archived or
  deleted review comes back as an update of its row; incremental on ``updated_at`` with a
  one-day look-back (Yotpo serves some data with a delay of an hour). A page shorter than
  ``count`` (or empty) is the last. A review flagged ``deleted`` leaves the tables. The
  reviewer's email is not loaded.
- Auth: the ``utoken`` query parameter: a token made by ``POST https://api.yotpo.com/oauth/token``
  with the app key and secret (``grant_type=client_credentials``); it lives 14 days, so the
  config takes the token itself and a new one must be set before then.

``reviews`` maps into the unified ``reviews``: the day is the UTC day of ``created_at``,
``product_id`` the ``sku`` (the store's product id; Yotpo names site reviews
``yotpo_site_reviews``: no product), ``verified`` means ``reviewer_type`` is ``verified_buyer``.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.deletions import SoftDelete
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Expr, Maps
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.params import DATETIME, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, RestStream, Stream

MAX_PAGE_SIZE = 100
#: Yotpo's product key of site (store) reviews.
SITE_REVIEWS = "yotpo_site_reviews"


class YotpoConfig(SourceConfig):
    """Config of the ``yotpo`` source (plus the fields every source accepts)."""

    app_key: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$", description="The store's app key (Store settings).")
    utoken: SecretStr = Field(description="A token from POST https://api.yotpo.com/oauth/token (app key and secret, "
                                          "client_credentials); it expires 14 days after it is made.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Reviews per page (count).")
    requests_per_second: float = Field(default=5.0, gt=0, description="Requests a second.")


class Review(Contract):
    """One review, from GET /v1/apps/{app_key}/reviews's ``reviews``."""

    id: Id
    title: str | None = None
    content: str | None = None
    score: int | None = Field(default=None, description="Stars, 1 to 5.")
    sku: str | None = Field(default=None, description="The product's id in the store; yotpo_site_reviews for site reviews.")
    name: str | None = Field(default=None, description="The reviewer's display name.")
    reviewer_type: str | None = Field(default=None, description="verified_buyer, anonymous_user...")
    user_reference: str | None = None
    sentiment: Decimal | None = None
    votes_up: int | None = None
    votes_down: int | None = None
    deleted: bool | None = None
    archived: bool | None = None
    escalated: bool | None = None
    created_at: dt.datetime = Field(description="When the review was written (UTC).")
    updated_at: dt.datetime = Field(description="When it last changed (UTC).")


API = Api(
    base_url="https://api.yotpo.com/",
    auth=ApiKey("utoken", query="utoken"),
    errors=ErrorMap(
        "Yotpo", code="status.code", message=("status.message",), ok=(200,),
        codes={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the app key and make a new utoken (they expire after 14 days)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def streams(config: YotpoConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="reviews", arrow=True, description="Every product and site review: score, title, product sku, reviewer type, flags.",
            path="v1/apps/{app_key}/reviews", window=WindowParams("since_updated_at", format=DATETIME),
            paginator=lambda: PageNumber(page_size=size, page_param="page", size_param="count"),
            records=Records("reviews", drop=("email",), formats={"created_at": ISO_DATETIME, "updated_at": ISO_DATETIME}),
            contract=Review, primary_key=("id",), deleted=SoftDelete("deleted"),
            cursor=Cursor("updated_at", kind="datetime", lookback=timedelta(days=1)),
            unified=Maps(
                "reviews", review_date=DayOf("created_at"), review_id="id",
                product_id=Expr(f"case when sku = '{SITE_REVIEWS}' then null else sku end"), rating="score",
                verified=Expr("reviewer_type = 'verified_buyer'"), title="title",
                meanings={"review_date": "the UTC day of created_at",
                          "product_id": "sku: the store's product id (none for site reviews, sku yotpo_site_reviews)",
                          "verified": "reviewer_type is verified_buyer"},
            ),
        ),
    ]


connector = declare(
    "yotpo", title="Yotpo", api=API, config=YotpoConfig, streams=streams, api_version="v1",
    docs_url="https://apidocs.yotpo.com/reference", category="reviews",
    description="Yotpo: every product and site review of the store (into the unified reviews).",
    error_example={"status": {"code": 401, "message": "Unauthorized"}},
)
source = source_function(connector)

__all__ = ["connector", "source", "YotpoConfig"]
