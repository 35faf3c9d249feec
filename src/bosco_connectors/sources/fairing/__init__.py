"""Fairing: the post-purchase survey API (questions and responses), declared.

Reference: https://docs.fairing.co/reference/api (unversioned REST, the reference of 2026):
"List all questions" ``GET /questions`` (https://docs.fairing.co/reference/retrieve-questions),
"List all responses" ``GET /responses`` (https://docs.fairing.co/reference/retrieve-responses)
and "The response object" (https://docs.fairing.co/reference/the-response-object). The
reference pages render in the browser only; every path, parameter, field name and JSON type
here was cross-checked against two independent open clients tested on the real API (see
``cassettes/fairing/SOURCES.md``): the Singer tap ``tap-fairing`` (its stream schemas carry
Fairing's own field descriptions) and a Go sync client (``FairingUserResponse``,
``FairingQuestion`` structs). Base ``https://app.fairing.co/api/``; the store's secret API
token from Fairing's settings is sent as the whole ``Authorization`` header, without a
``Bearer`` prefix. Errors: 401 for a wrong token, 429 past the rate limit (100 requests a
minute per store): the docs show no error body, so both are read from the HTTP status.

Streams:

- ``questions``: every question of the store (``GET /questions``, ``{"data": [...]}``, one
  answer, no paging): prompt, type (single_response, multi_response, open_ended), targeting
  (customer_type, frequency_type), and the offered responses (kept as sent, JSON). Small; read whole.
- ``responses``: one row per answer (Fairing's response object is one answer of one customer
  to one question, with its order): ``GET /responses?since=&until=&limit=`` (ISO 8601 bounds on
  the response's ``inserted_at``), newest first, paged by the envelope's ``next`` (the full URL
  of the next page, ``after=<id>``) until ``next`` is null. ``limit`` at most 100. Incremental
  on ``inserted_at`` with a two-day look-back: an answer is final once given, but Fairing
  fills its order fields (order total, UTMs, coupon) from the shop's order, which may reach it
  after the answer; the reference documents no delay, so two days is our safe choice. A later
  change lands on the same row (merge on ``id``). The customer's email is never loaded.

``responses`` maps into the unified ``survey_responses``: the question is ``question_id`` with
its text ``question`` as sent on the response, the answer the chosen ``response`` text, or
the customer's free text (``other_response``) for an "Other" or open-ended answer. Fairing has
no surveys, only the store's stream of questions: the survey is ``post_purchase``. No time
zone is documented for the store: the day is the UTC day of ``inserted_at``.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, DayOf, Maps
from bosco_connectors.framework.paginators import NextUrlInBody, SinglePage
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream

#: ``limit`` of GET /responses: at most 100 a page.
MAX_PAGE_SIZE = 100
#: ``since``/``until``: ISO 8601 timestamps (UTC).
INSTANT = "%Y-%m-%dT%H:%M:%SZ"


class FairingConfig(SourceConfig):
    """Config of the ``fairing`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="The store's secret API token (Fairing > Settings > API credentials), "
                                           "sent as the Authorization header.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Responses per page (at most 100).")
    requests_per_second: float = Field(default=1.5, gt=0, le=100 / 60,
                                       description="Fairing allows 100 requests a minute per store.")


# -- contracts -----------------------------------------------------------------------------


class Question(Contract):
    """One question of the store, from GET /questions."""

    id: Id = Field(description="The question's id (a JSON integer, kept as text).")
    prompt: str | None = Field(default=None, description="The question's text as shown to customers.")
    type: str | None = Field(default=None, description="single_response, multi_response or open_ended.")
    allow_other: bool | None = None
    other_placeholder: str | None = None
    customer_type: str | None = Field(default=None, description="everyone, new or returning.")
    frequency_type: str | None = Field(default=None, description="always or once.")
    max_responses: int | None = None
    randomize_responses: bool | None = None
    submit_text: str | None = None
    responses: list[dict[str, Any]] | None = Field(default=None, description="The offered responses as sent (id, value, clarification_question).")
    inserted_at: dt.datetime | None = None
    published_at: dt.datetime | None = Field(default=None, description="Null while the question is not published.")
    updated_at: dt.datetime | None = None


class Response(Contract):
    """One answer of one customer to one question, from GET /responses."""

    id: Id = Field(description="The response's id (a JSON string).")
    question_id: Id = Field(description="The question answered (questions.id).")
    question: str | None = Field(default=None, description="The question's text when it was answered.")
    question_type: str | None = None
    response: str | None = Field(default=None, description="The chosen response's text; null for free text.")
    response_id: Id | None = Field(default=None, description="The chosen response's id, if not free text.")
    other: bool | None = Field(default=None, description="True when the answer is free text.")
    other_response: str | None = Field(default=None, description="The free text, if any.")
    answer: str | None = Field(default=None, description="The answer as text: response, else other_response.")
    available_responses: list[str] | None = None
    response_position: int | None = None
    clarification_question: bool | None = None
    referring_question_id: Id | None = None
    referring_question: str | None = None
    referring_question_response_id: Id | None = None
    referring_question_response: str | None = None
    customer_id: Id | None = None
    customer_order_count: int | None = None
    order_id: Id | None = None
    order_number: str | None = None
    order_platform: str | None = None
    order_source: str | None = None
    order_total: Decimal | None = Field(default=None, description="In the order's currency (sent as a decimal string).")
    order_total_usd: Decimal | None = Field(default=None, description="In U.S. dollars (sent as a decimal string).")
    order_currency_code: str | None = None
    coupon_code: str | None = None
    coupon_amount: Decimal | None = None
    coupon_type: str | None = None
    landing_page_path: str | None = None
    referring_site: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_content: str | None = None
    utm_term: str | None = None
    submit_delta: int | None = Field(default=None, description="Milliseconds between display and submission.")
    response_provided_at: dt.datetime | None = None
    inserted_at: dt.datetime = Field(description="When the response was created (UTC).")
    updated_at: dt.datetime | None = None


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://app.fairing.co/api/",
    auth=ApiKey("api_key", header="Authorization"),
    errors=ErrorMap(
        "Fairing", code="message", message=("message",),
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the store's secret API token (sent as the Authorization header, without Bearer)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def answer_text(row: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """The answer as text: the chosen response, else the customer's own text."""
    row["answer"] = row.get("response") if row.get("response") not in (None, "") else row.get("other_response")
    return row


TIMES = {"inserted_at": ISO_DATETIME, "updated_at": ISO_DATETIME, "response_provided_at": ISO_DATETIME,
         "published_at": ISO_DATETIME}


def streams(config: FairingConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="questions", description="Every question of the store: prompt, type, targeting, offered responses.",
            path="questions", paginator=SinglePage,
            records=Records("data", formats=TIMES), contract=Question, primary_key=("id",),
            cursor=FullRefresh("GET /questions answers the store's whole question stream at once, unfiltered"),
        ),
        RestStream(
            name="responses", description="One row per answer: question, response text, the order it came with.",
            path="responses", params={"limit": size},
            window=WindowParams("since", "until", format=INSTANT), paginator=lambda: NextUrlInBody("next"),
            records=Records("data", formats=TIMES, drop=("email",)),
            transform=answer_text, contract=Response, primary_key=("id",),
            cursor=Cursor("inserted_at", kind="datetime", lookback=timedelta(days=2)),
            unified=Maps(
                "survey_responses", response_date=DayOf("inserted_at"), survey_id=Const("post_purchase"),
                response_id="id", question_id="question_id", question="question", answer="answer", order_id="order_id",
                meanings={"response_date": "the UTC day of inserted_at (no store time zone is documented)",
                          "survey_id": "post_purchase: Fairing has one question stream per store, no surveys",
                          "response_id": "Fairing's response id: one answer of one customer to one question",
                          "question": "the question's text as sent on the response",
                          "answer": "the chosen response's text, else the customer's free text (other_response)",
                          "order_id": "the shop's order id the answer came with"},
            ),
        ),
    ]


connector = declare(
    "fairing", title="Fairing", api=API, config=FairingConfig, streams=streams, api_version="2026 (unversioned)",
    docs_url="https://docs.fairing.co/reference/retrieve-responses", category="surveys",
    description="Fairing post-purchase surveys: the store's questions and every answer with its order "
                "(into the unified survey_responses).",
    # The docs show no error body: Fairing's 401 is recognised by its status; this body is ours.
    error_example={"message": "Unauthorized"},
)
source = source_function(connector)

__all__ = ["connector", "source", "FairingConfig"]
