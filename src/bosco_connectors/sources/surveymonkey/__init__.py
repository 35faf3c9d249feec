"""SurveyMonkey: the SurveyMonkey API v3 (surveys, bulk responses with their text), declared.

Reference: https://api.surveymonkey.com/v3/docs (v3); its source is SurveyMonkey's own
github.com/SurveyMonkey/public_api_docs (``includes/_surveys.md``, ``_responses.md``,
``_overview.md``, ``_errors.md``; read at fc28bbc of 2021-04-30, v3 unchanged since). Base
``https://api.surveymonkey.com/v3/`` (an account in another data centre has its own
``access_url``, given at the token exchange: set ``base_url``); a private app's or an OAuth
long-lived access token as ``Authorization: Bearer``. Errors are ``{"error": {"id",
"name", "message", "docs", "http_status_code"}}``: 1010-1013 (401) are credential problems,
1014-1016 (403) permission or plan, 1040 (429) the rate limit (draft and private apps: 120
requests a minute, 500 a day), 1050/1051 (500/503) retried.

Streams:

- ``surveys``: the surveys of the token's user (``GET /surveys``, ``page``/``per_page``, the
  body's ``total`` tells the last page): id, title, nickname. Read whole.
- ``answers``: one row per answered question of each response to a configured survey
  (``GET /surveys/{id}/responses/bulk?simple=true``, ``per_page`` at most 100, ordered
  ``date_modified`` ascending), read by ``start_modified_at``/``end_modified_at`` (UTC,
  ``YYYY-MM-DDTHH:MM:SS``): a response finished or edited later comes back and replaces its
  rows. ``simple=true`` "includes the question and answer text, in addition to IDs": each
  question's ``heading`` and each answer's ``simple_text`` (the choice's text, ``Other | ...``
  for an "other" answer, the typed text of an open-ended one; shapes as edX's live captures
  of this endpoint). A question answered with several answers (several choices, matrix rows)
  is one row whose answer is their texts joined by ", ", in the order sent. Incremental on
  ``date_modified`` with a one-day look-back. The respondent's IP address, name and email are
  not loaded; custom variables (an order id passed in the survey link) are.

``answers`` maps into the unified ``survey_responses``: the survey, the response, the
question id, its ``heading`` and the answer text as SurveyMonkey sends them; the response's
day is the UTC day of ``date_created`` (SurveyMonkey's date strings are UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Maps
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream

#: ``per_page`` of responses/bulk: "Max of 100 allowed per page".
MAX_PAGE_SIZE = 100
#: ``start_modified_at``/``end_modified_at``: ``YYYY-MM-DDTHH:MM:SS`` (no offset), UTC.
INSTANT = "%Y-%m-%dT%H:%M:%S"
#: The response fields each answer row repeats (personal ones, ip_address, names, email, are not).
RESPONSE_FIELDS = ("survey_id", "collector_id", "recipient_id", "response_status", "collection_mode", "total_time",
                   "custom_value", "custom_variables", "date_created", "date_modified")


class SurveyMonkeyConfig(SourceConfig):
    """Config of the ``surveymonkey`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="A private app's access token, or a long-lived OAuth token with the "
                                                "View Surveys and View Response Details scopes.")
    survey_ids: IdList = Field(min_length=1, description="Surveys whose responses to read; a list, or one comma-separated string.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Responses per page (at most 100).")
    requests_per_minute: float = Field(default=100.0, gt=0, le=120.0, description="Draft and private apps: 120 a minute, 500 a day.")


class Survey(Contract):
    """One survey, from GET /surveys."""

    id: Id
    title: str | None = None
    nickname: str | None = None
    href: str | None = None


class Answer(Contract):
    """One answered question of one response, from GET /surveys/{id}/responses/bulk?simple=true."""

    survey_id: Id
    response_id: Id
    question_id: Id = Field(description="The question's id.")
    page_id: Id | None = None
    heading: str | None = Field(default=None, description="The question's text (simple=true).")
    family: str | None = Field(default=None, description="The question's family: single_choice, multiple_choice, matrix, open_ended...")
    subtype: str | None = None
    answer: str | None = Field(default=None, description="The answers' simple_text, joined by ', ' in the order sent.")
    choice_ids: str | None = Field(default=None, description="The chosen choice ids, joined by ','.")
    collector_id: Id | None = None
    recipient_id: Id | None = None
    response_status: str | None = Field(default=None, description="completed, partial, overquota or disqualified.")
    collection_mode: str | None = None
    total_time: int | None = None
    custom_value: str | None = None
    date_created: dt.datetime = Field(description="When the response was started (UTC).")
    date_modified: dt.datetime = Field(description="When it last changed (UTC).")


API = Api(
    base_url="https://api.surveymonkey.com/v3/",
    auth=ApiKey("access_token", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        "SurveyMonkey", code="error.id", message=("error.message", "error.name"),
        # The documented ids are text ("1050"); some answers send them as numbers: both are mapped.
        codes={**{c: Action.AUTH for code in (1010, 1011, 1012, 1013, 1014, 1015, 1016) for c in (code, str(code))},
               **{c: Action.RETRY for code in (1040, 1050, 1051) for c in (code, str(code))}},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the access token, its scopes (View Surveys, View Response Details) and the plan"},
    ),
    rate=RateBudget(per_minute="requests_per_minute"),
)

#: How the answer rows' own fields are read (the rows are made by `ResponseAnswers.shape`).
ROWS = Records(formats={"date_created": ISO_DATETIME, "date_modified": ISO_DATETIME})


def question_rows(response: dict[str, Any]) -> list[dict[str, Any]]:
    """A response's answered questions as rows: its fields beside each question's id, heading and answer text."""
    base = {"response_id": response.get("id"), **{k: response[k] for k in RESPONSE_FIELDS if k in response}}
    rows = []
    for page in response.get("pages") or []:
        for question in page.get("questions") or []:
            answers = [a for a in question.get("answers") or [] if isinstance(a, dict)]
            texts = [a.get("simple_text") if a.get("simple_text") is not None else a.get("text") for a in answers]
            choices = [str(a["choice_id"]) for a in answers if a.get("choice_id") is not None]
            rows.append({**base, "page_id": page.get("id"), "question_id": question.get("id"),
                         "heading": question.get("heading"), "family": question.get("family"),
                         "subtype": question.get("subtype"),
                         "answer": ", ".join(str(t) for t in texts if t is not None) or None,
                         "choice_ids": ",".join(choices) or None})
    return rows


@dataclass(kw_only=True)
class ResponseAnswers(RestStream):
    """Bulk responses read as one row per answered question (pages and questions are lists within lists)."""

    def shape(self, raw: list[dict[str, Any]], ctx: ReadContext) -> Any:
        rows = [row for response in raw if isinstance(response, dict) for row in question_rows(response)]
        return ROWS.rows(rows, ctx) if rows else []


def streams(config: SurveyMonkeyConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="surveys", description="The surveys of the token's user: id, title, nickname.", path="surveys",
            paginator=lambda: PageNumber(page_size=size, page_param="page", size_param="per_page", total_items_path="total"),
            records=Records("data"), contract=Survey, primary_key=("id",),
            cursor=FullRefresh("a user has few surveys; the list carries no dates unless asked"),
        ),
        ResponseAnswers(
            name="answers", description="One row per answered question of each response: question text and answer text.",
            path="surveys/{survey_id}/responses/bulk", partitions=ForEach("survey_ids", "survey_id"),
            params={"simple": "true", "sort_by": "date_modified", "sort_order": "ASC"},
            window=WindowParams("start_modified_at", "end_modified_at", format=INSTANT),
            paginator=lambda: PageNumber(page_size=size, page_param="page", size_param="per_page", total_items_path="total"),
            records="data", contract=Answer,
            primary_key=("survey_id", "response_id", "question_id"),
            cursor=Cursor("date_modified", kind="datetime", lookback=timedelta(days=1)),
            unified=Maps(
                "survey_responses", response_date=DayOf("date_created"), survey_id="survey_id", response_id="response_id",
                question_id="question_id", question="heading", answer="answer",
                meanings={"response_date": "the UTC day of date_created (the response's start)",
                          "question": "the question's heading (simple=true)",
                          "answer": "the answers' simple_text (a choice's text, 'Other | ...', typed text), joined by ', '"},
            ),
        ),
    ]


connector = declare(
    "surveymonkey", title="SurveyMonkey", api=API, config=SurveyMonkeyConfig, streams=streams, api_version="v3",
    docs_url="https://api.surveymonkey.com/v3/docs", category="surveys",
    description="SurveyMonkey: surveys and every answered question of their responses, with question and answer text "
                "(into the unified survey_responses).",
    error_example={"error": {"id": "1011", "name": "Authorization Error", "docs": "https://developer.surveymonkey.com/api/v3/#error-codes",
                             "message": "The authorization token provided was invalid.", "http_status_code": 401}},
)
source = source_function(connector)

__all__ = ["connector", "source", "SurveyMonkeyConfig"]
