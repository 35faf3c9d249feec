"""Typeform: the Create API (forms) and the Responses API, declared.

Reference: https://www.typeform.com/developers/ (no version in the path; the reference pages
of 2026: "Retrieve forms" ``GET /forms``, "Retrieve form" ``GET /forms/{form_id}``,
"Retrieve responses" ``GET /forms/{form_id}/responses``, and "Responses payload explained",
https://www.typeform.com/developers/responses/JSON-response-explanation/). Field names and
types cross-checked with Typeform's own JS SDK (github.com/Typeform/js-api-client,
``src/typeform-types.ts``, ``Typeform.Response``, at bfd8cba of 2026-02-17). Base
``https://api.typeform.com/`` (accounts in the EU data centre: ``https://api.eu.typeform.com/``,
set ``base_url``); a personal access token (scopes ``forms:read``, ``responses:read``) as
``Authorization: Bearer``. Errors are an object with a ``code`` and a ``description``
(https://www.typeform.com/developers/troubleshooting/): a wrong token is 401/403
(``AUTHENTICATION_FAILED``, ``AUTHENTICATION_ERROR``, ``INVALID_AUTHORIZATION``), too many
requests 429 (Typeform allows 2 requests a second per account).

Streams:

- ``forms``: every form of the account (``GET /forms``, ``page``/``page_size`` up to 200,
  ``page_count`` tells the last page): title, created and last-updated times. Small; read whole.
- ``form_fields``: the questions of each configured form (``GET /forms/{form_id}``'s
  ``fields``): id, ref, type and title, the question text the answers are joined to. The
  fields of a question group (``properties.fields`` of a ``group`` field) are not read: their
  answers reach the fact without a question text.
- ``answers``: one row per answer of each response to a configured form (``GET
  /forms/{form_id}/responses``'s ``items[].answers[]``), the response's ids, times, hidden
  fields and metadata on each. Read by ``since``/``until`` (submission time, UTC, inclusive)
  and paged with ``before=<token of the page's last response>`` (responses come newest first;
  "before" is exclusive and never repeats a response); a page shorter than ``page_size`` (at
  most 1,000) is the last. Only completed responses (the API's default). Incremental on
  ``submitted_at`` with a one-day look-back: a response is final once submitted, but it may
  reach the Responses API a little after its submission time (webhooks get it "a few seconds
  before they appear in Typeform's database", https://www.typeform.com/developers/webhooks/).

``answers`` maps into the unified ``survey_responses`` (one row per answer; the form is the
survey, the field the question, its title joined from ``form_fields``). The answer text is the
value of the answer's own type: ``text``, a choice's ``label``, the labels of several
choices joined by ", " (and their "other" text), a number, ``true``/``false``, a date or a URL. Email, phone
number and payment answers are not loaded (personal data), nor the response's ``network_id``.
Typeform has no account time zone: the response's day is its UTC day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Maps
from bosco_connectors.framework.paginators import CursorInBody, PageNumber, PageRequest
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

#: ``page_size`` of GET /forms/{form_id}/responses: "Maximum value is 1000".
MAX_RESPONSES_PAGE = 1000
#: ``page_size`` of GET /forms: "Maximum: 200".
MAX_FORMS_PAGE = 200
#: ``since``/``until``: "ISO 8601 format, UTC time, to the second, with T as a delimiter".
INSTANT = "%Y-%m-%dT%H:%M:%S"


class TypeformConfig(SourceConfig):
    """Config of the ``typeform`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="A personal access token (Account > Your settings > Personal tokens) "
                                                "with the forms:read and responses:read scopes.")
    form_ids: IdList = Field(min_length=1, description=(
        "Forms whose questions and responses to read: the id in the form's URL (https://mysite.typeform.com/to/u6nXL7: "
        "u6nXL7); a list, or one comma-separated string."))
    page_size: int = Field(default=MAX_RESPONSES_PAGE, ge=1, le=MAX_RESPONSES_PAGE, description="Responses per page (at most 1000).")
    requests_per_second: float = Field(default=2.0, gt=0, le=2.0, description="Typeform allows 2 requests a second per account.")


# -- contracts -----------------------------------------------------------------------------


class Form(Contract):
    """One form of the account, from GET /forms."""

    id: Id
    title: str | None = None
    created_at: dt.datetime | None = None
    last_updated_at: dt.datetime | None = None


class FormField(Contract):
    """One question of a form, from GET /forms/{form_id}'s ``fields``."""

    form_id: Id = Field(description="The form's id.")
    id: Id = Field(description="The field's id: answers name it in field.id.")
    form_title: str | None = None
    ref: str | None = Field(default=None, description="The readable reference given to the field, if any.")
    title: str | None = Field(default=None, description="The question's text as the form shows it.")
    type: str | None = Field(default=None, description="The field type: multiple_choice, dropdown, short_text, rating...")


class Answer(Contract):
    """One answer of one response, from GET /forms/{form_id}/responses's ``items[].answers[]``."""

    form_id: Id
    response_id: Id = Field(description="The response's id (unique per form only).")
    field_id: Id = Field(description="The answered field's id (form_fields.id).")
    field_type: str | None = Field(default=None, description="The field's type in the form (dropdown, multiple_choice...).")
    field_ref: str | None = None
    answer_type: str | None = Field(default=None, description="The answer's type: text, choice, choices, number, boolean, date, url...")
    answer: str | None = Field(default=None, description="The answer as text (see the module docstring).")
    text: str | None = None
    choice_id: str | None = None
    choice_label: str | None = None
    choice_ref: str | None = None
    choice_other_text: str | None = Field(default=None, description="The 'other' text of a multiple choice.")
    number: Decimal | None = None
    boolean: bool | None = None
    date: str | None = Field(default=None, description="A date answer as sent (ISO 8601).")
    url: str | None = None
    submitted_at: dt.datetime = Field(description="When the response was submitted (UTC).")
    landed_at: dt.datetime | None = Field(default=None, description="When the respondent opened the form (UTC).")
    token: str | None = None
    landing_id: str | None = None


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://api.typeform.com/",
    auth=ApiKey("access_token", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        "Typeform", code="code", message=("description",),
        codes={"AUTHENTICATION_FAILED": Action.AUTH, "AUTHENTICATION_ERROR": Action.AUTH,
               "INVALID_AUTHORIZATION": Action.AUTH, "FORM_NOT_FOUND": Action.FAIL},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the personal access token and its forms:read and responses:read scopes"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


@dataclass
class BeforeToken(CursorInBody):
    """``before=<token of the page's last response>`` while a page is full (``limit`` responses)."""

    limit: int = MAX_RESPONSES_PAGE

    def first(self) -> PageRequest:
        return PageRequest(params={"page_size": self.limit})

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        if len(records) < self.limit:
            return None
        found = super().next(response, body, records)
        return PageRequest(params={"page_size": self.limit, **found.params}) if found is not None else None


def responses_pages(size: int):
    return lambda: BeforeToken("items.-1.token", "before", limit=size)


def answer_text(row: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """The answer as text from the field of its type; the respondent's network id is not kept."""
    kind = row.get("answer_type")
    value: Any = None
    if kind == "text":
        value = row.get("text")
    elif kind == "choice":
        value = row.get("choice_label")
    elif kind == "choices":
        labels = list(row.get("choice_labels") or [])
        other = row.get("choice_other_text")
        value = ", ".join([*labels, *([other] if other else [])]) or None
    elif kind == "number" and row.get("number") is not None:
        number = Decimal(str(row["number"]))
        value = str(number.to_integral_value()) if number == number.to_integral_value() else str(number)
    elif kind == "boolean" and row.get("boolean") is not None:
        value = "true" if row["boolean"] else "false"
    elif kind in ("date", "url", "file_url"):
        value = row.get(kind)
    row["answer"] = value
    metadata = row.get("response_metadata")
    if isinstance(metadata, dict):
        metadata.pop("network_id", None)
    return row


RESPONSE_FIELDS = {"response_response_id": "response_id", "response_submitted_at": "submitted_at",
                   "response_landed_at": "landed_at", "response_token": "token", "response_landing_id": "landing_id",
                   "response_hidden": "hidden", "response_calculated": "calculated"}
ANSWER_FIELDS = {"field.id": "field_id", "field.type": "field_type", "field.ref": "field_ref", "type": "answer_type",
                 "choice.id": "choice_id", "choice.label": "choice_label", "choice.ref": "choice_ref",
                 "choices.ids": "choice_ids", "choices.labels": "choice_labels", "choices.other": "choice_other_text"}


def streams(config: TypeformConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_RESPONSES_PAGE
    per_form = ForEach("form_ids", "form_id")
    return [
        RestStream(
            name="forms", description="Every form of the account: title, created and last-updated times.", path="forms",
            paginator=lambda: PageNumber(page_size=min(size, MAX_FORMS_PAGE), total_pages_path="page_count"),
            records=Records("items", formats={"created_at": ISO_DATETIME, "last_updated_at": ISO_DATETIME}),
            contract=Form, primary_key=("id",),
            cursor=FullRefresh("GET /forms filters by search text and workspace only; an account has few forms"),
        ),
        RestStream(
            name="form_fields", description="The questions of each configured form: id, ref, type, title.",
            path="forms/{form_id}", partitions=per_form,
            records=Records(explode="fields", parent_prefix="form_", drop=(
                "form_welcome_screens", "form_thankyou_screens", "form_logic", "form_settings", "form_theme",
                "form_workspace", "form__links", "form_variables", "form_hidden", "form_fields", "form_type",
                "properties", "validations", "attachment", "layout")),
            contract=FormField, primary_key=("form_id", "id"),
            cursor=FullRefresh("GET /forms/{form_id} is the form's current definition, one request per form"),
        ),
        RestStream(
            name="answers", arrow=True, description="One row per answer of each completed response to a configured form.",
            path="forms/{form_id}/responses", partitions=per_form,
            window=WindowParams("since", "until", format=INSTANT), paginator=responses_pages(size),
            records=Records("items", explode="answers", parent_prefix="response_",
                            rename={**RESPONSE_FIELDS, **ANSWER_FIELDS},
                            drop=("email", "phone_number", "payment", "response_definition", "response_variables"),
                            formats={"submitted_at": ISO_DATETIME, "landed_at": ISO_DATETIME},
                            from_partition=("form_id",)),
            transform=answer_text, contract=Answer, primary_key=("form_id", "response_id", "field_id"),
            cursor=Cursor("submitted_at", kind="datetime", lookback=timedelta(days=1)),
            unified=Maps(
                "survey_responses", response_date=DayOf("submitted_at"), survey_id="form_id", response_id="response_id",
                question_id="field_id", question=Lookup("form_fields", ("form_id", "id"), "title", on=("survey_id", "question_id")),
                answer="answer",
                meanings={"response_date": "the UTC day of submitted_at (Typeform has no account time zone)",
                          "survey_id": "the form's id", "question_id": "the form field's id",
                          "question": "the field's title in the form's current definition",
                          "answer": "the answer of its own type as text: a choice's label, several labels joined by ', ', "
                                    "a number, true/false, a date or a URL; email, phone and payment answers are not loaded"},
            ),
        ),
    ]


connector = declare(
    "typeform", title="Typeform", api=API, config=TypeformConfig, streams=streams, api_version="2026 (unversioned)",
    docs_url="https://www.typeform.com/developers/responses/reference/retrieve-responses/", category="surveys",
    description="Typeform: forms, their questions, and every answer of their completed responses (into the unified "
                "survey_responses).",
    # The documented error object (code, description) of a request without a valid token (401).
    error_example={"code": "AUTHENTICATION_FAILED", "description": "Authentication credentials not found on the Request Headers"},
)
source = source_function(connector)

__all__ = ["connector", "source", "TypeformConfig"]
