"""Trustpilot: the Business Units API (public profile, private service reviews), declared.

Reference: https://developers.trustpilot.com/business-units-api ("Get a business unit",
``GET /v1/business-units/{businessUnitId}``; "Get private reviews for business unit",
``GET /v1/private/business-units/{businessUnitId}/reviews``) and
https://developers.trustpilot.com/authentication (API v1, the current one). Base
``https://api.trustpilot.com/v1/``. Private endpoints take a business user's OAuth token
(``Authorization: Bearer``), refreshed with ``POST
/v1/oauth/oauth-business-users-for-applications/refresh`` (``grant_type=refresh_token``, the
application's API key and secret as HTTP basic auth; an access token lives 100 hours);
public ones the application's key in the ``apikey`` header. The review object was checked
against two connectors tested on the live API that agree field by field: Airbyte's
``source-trustpilot`` (``private_reviews`` schema) and dbt Labs' ``tap-trustpilot``
(``schemas/private_reviews.json``).

Streams:

- ``business_units``: each configured business unit's public profile: names, website,
  country, status, TrustScore and star counts (one request each; read whole).
- ``service_reviews``: the private reviews of each business unit (service reviews, the
  consumer's verification, the company's reply, the order ``referenceId``), read by creation
  time (``startDateTime``/``endDateTime``, ``2013-09-07T13:37:00``, ordered ``createdat.asc``),
  ``page`` from 1 and ``perPage`` at most 100 ("if the page number requested is higher than
  the available number of pages an empty array will be returned": a short page is the
  last). Incremental on ``createdAt`` with a 14-day look-back: a consumer may edit a review,
  and the company reply to it, after it is written (``updatedAt``); edits older than that
  are not re-read. The referral email and Find Reviewer answers (the consumer's contact
  details) are not loaded.

Product reviews (``/v1/private/product-reviews/business-units/{id}/reviews``) are left out: no
published example of the list's body was found to build its fixtures from.

``service_reviews`` maps into the unified ``reviews`` (store reviews: no product): the day is
the UTC day of ``createdAt``; ``verified`` is Trustpilot's ``isVerified`` (a review Trustpilot
verified, e.g. written from an invitation after a purchase).
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import RefreshToken
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Maps
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records, snake_case
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream

#: ``perPage``: "The allowed range is minimum: 1, maximum: 100".
MAX_PAGE_SIZE = 100
TOKEN_URL = "https://api.trustpilot.com/v1/oauth/oauth-business-users-for-applications/refresh"
#: ``startDateTime``/``endDateTime``: ``2013-09-07T13:37:00``.
INSTANT = "%Y-%m-%dT%H:%M:%S"


class TrustpilotConfig(SourceConfig):
    """Config of the ``trustpilot`` source (plus the fields every source accepts)."""

    client_id: str = Field(min_length=1, description="The application's API key (also sent as the apikey header).")
    client_secret: SecretStr = Field(description="The application's API secret.")
    refresh_token: SecretStr = Field(description="A business user's refresh token (from the password or authorization-code grant).")
    business_unit_ids: IdList = Field(min_length=1, description="Business unit ids to read (Trustpilot's 24-character ids).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Reviews per page (perPage, at most 100).")
    token_url: str | None = Field(default=None, description="Override the token refresh endpoint (tests).")
    requests_per_second: float = Field(default=5.0, gt=0, description="Requests a second.")


class BusinessUnit(Contract):
    """One business unit's public profile, from GET /v1/business-units/{businessUnitId}."""

    id: Id
    display_name: str | None = None
    name__identifying: str | None = Field(default=None, description="The unit's identifying name (its domain).")
    website_url: str | None = None
    country: str | None = None
    status: str | None = None
    score__trust_score: float | None = Field(default=None, description="TrustScore, 0 to 5.")
    score__stars: float | None = Field(default=None, description="The star rating shown, in half stars.")
    number_of_reviews__total: int | None = None


class ServiceReview(Contract):
    """One service review, from GET /v1/private/business-units/{businessUnitId}/reviews."""

    id: Id
    business_unit_id: Id
    consumer_id: Id | None = None
    consumer_display_name: str | None = None
    stars: int | None = Field(default=None, description="1 to 5.")
    title: str | None = None
    text: str | None = None
    language: str | None = None
    created_at: dt.datetime = Field(description="When the review was written (UTC).")
    updated_at: dt.datetime | None = None
    experienced_at: dt.datetime | None = None
    reference_id: str | None = Field(default=None, description="The order or customer reference the invitation carried.")
    source: str | None = Field(default=None, description="How the review was collected (AFSv2, BasicLink, Organic...).")
    is_verified: bool | None = None
    number_of_likes: int | None = None
    status: str | None = None
    counts_towards_trust_score: bool | None = None


API = Api(
    base_url="https://api.trustpilot.com/v1/",
    auth=RefreshToken(TOKEN_URL, client_auth="basic"),
    # Trustpilot's gateway is Apigee (its token answer carries Apigee's api_product_list and
    # organization_name): policy errors are {"fault": {"faultstring", "detail": {"errorcode"}}}.
    errors=ErrorMap(
        "Trustpilot", code="fault.detail.errorcode", message=("fault.faultstring", "message"),
        codes={"oauth.v2.InvalidAccessToken": Action.AUTH, "oauth.v2.InvalidApiKey": Action.AUTH,
               "oauth.v2.InvalidApiKeyForGivenResource": Action.AUTH, "keymanagement.service.invalid_access_token": Action.AUTH,
               "oauth.v2.ApiKeyNotApproved": Action.AUTH, "policies.ratelimit.QuotaViolation": Action.RETRY,
               "policies.ratelimit.SpikeArrestViolation": Action.RETRY},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, 404: Action.FAIL},
        hints={Action.AUTH: "check the API key and secret, the business user's refresh token, and that the user can "
                            "see each business_unit_id"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

PER_UNIT = ForEach("business_unit_ids", "business_unit_id")
CAMEL = ("displayName", "websiteUrl", "createdAt", "updatedAt", "experiencedAt", "referenceId", "isVerified",
         "numberOfLikes", "countsTowardsTrustScore", "countsTowardsLocationTrustScore", "complianceLabels",
         "businessUnitHistory", "reportData", "companyReply")


def without_nulls(row: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """Fields sent as null (a review without a reply, location or report) are left out: a column
    that only ever held null cannot be typed, and beside an object's flattened columns it would be
    a column of its own."""
    return {k: v for k, v in row.items() if v is not None}


def streams(config: TrustpilotConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="business_units", description="Each business unit's public profile: names, website, TrustScore, stars.",
            path="business-units/{business_unit_id}", partitions=PER_UNIT, headers={"apikey": "{client_id}"},
            records=Records(drop=("links",), rename={**snake_case(*CAMEL), "score.trustScore": "score__trust_score",
                                                     "score.stars": "score__stars", "name.identifying": "name__identifying",
                                                     "name.referring": "name__referring"}),
            contract=BusinessUnit, primary_key=("id",),
            cursor=FullRefresh("one profile per configured business unit, its current state"),
        ),
        RestStream(
            name="service_reviews", description="Private service reviews of each business unit: stars, text, verification.",
            path="private/business-units/{business_unit_id}/reviews", partitions=PER_UNIT,
            params={"orderBy": "createdat.asc"},
            window=WindowParams("startDateTime", "endDateTime", format=INSTANT),
            paginator=lambda: PageNumber(page_size=size, page_param="page", size_param="perPage"),
            records=Records("reviews", drop=("referralEmail", "findReviewer", "links"),
                            rename={**snake_case(*CAMEL), "consumer.id": "consumer_id",
                                    "consumer.displayName": "consumer_display_name",
                                    "consumer.displayLocation": "consumer_display_location",
                                    "consumer.numberOfReviews": "consumer_number_of_reviews",
                                    "businessUnit.id": "business_unit_id"},
                            formats={"created_at": ISO_DATETIME, "updated_at": ISO_DATETIME, "experienced_at": ISO_DATETIME}),
            transform=without_nulls, contract=ServiceReview, primary_key=("id",),
            cursor=Cursor("created_at", kind="datetime", lookback=timedelta(days=14)),
            unified=Maps(
                "reviews", review_date=DayOf("created_at"), review_id="id", rating="stars", verified="is_verified",
                title="title",
                meanings={"review_date": "the UTC day of createdAt",
                          "product_id": "none: service (store) reviews",
                          "verified": "isVerified: Trustpilot verified the review (e.g. written from an invitation)"},
            ),
        ),
    ]


connector = declare(
    "trustpilot", title="Trustpilot", api=API, config=TrustpilotConfig, streams=streams, api_version="v1",
    docs_url="https://developers.trustpilot.com/business-units-api", category="reviews",
    description="Trustpilot: business unit profiles (TrustScore) and their private service reviews (into the unified reviews).",
    error_example={"fault": {"faultstring": "Invalid access token", "detail": {"errorcode": "oauth.v2.InvalidAccessToken"}}},
)
source = source_function(connector)

__all__ = ["connector", "source", "TrustpilotConfig"]
