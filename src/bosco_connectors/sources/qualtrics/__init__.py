"""Qualtrics: the Qualtrics API v3 (survey definitions, response export jobs), declared.

Reference: https://api.qualtrics.com/ (v3): "Get Survey" of the survey definitions
(``GET /API/v3/survey-definitions/{surveyId}``), "Start Response Export" (``POST
/API/v3/surveys/{surveyId}/export-responses``), "Get Response Export Progress" (``GET
.../export-responses/{exportProgressId}``) and "Get Response Export File" (``GET
.../export-responses/{fileId}/file``, a zip holding one JSON document). The host is the
account's data centre: ``https://<datacenter>.qualtrics.com/API/v3/`` (config ``datacenter``,
e.g. ``iad1``, ``fra1``; a call to another data centre is refused or proxied); the API token
as the ``X-API-TOKEN`` header. Errors are ``{"meta": {"httpStatus", "error": {"errorCode",
"errorMessage"}, "requestId"}}``; 401/403 are credential problems, 429 is retried.

Streams:

- ``questions``: the questions of each configured survey (the definition's ``Questions``
  map: ``QuestionID``, ``QuestionText``, ``DataExportTag``, ``QuestionType``, ``Selector``).
  The current definition, read whole.
- ``answers``: one row per answered question of each recorded response, from a response
  export job per survey and window (``format: json``, ``startDate``/``endDate`` on the
  recorded date, ISO 8601 UTC): start, poll until ``complete`` (``inProgress``, ``failed``),
  then download the file the poll names (``result.fileId``). Each response's ``values`` holds
  its metadata (``startDate``, ``endDate``, ``recordedDate``, ``finished``, ``progress``...),
  one entry per export column of a question (``QID1``, ``QID1_TEXT``, ``QID4_2``...) and the
  embedded data; ``labels`` the text of coded answers. The columns of one question (its
  choice, its "other" text, a matrix's rows) make one row: the answer is their labels, else
  their values, joined by ", " in the file's order. A response is recorded once (finished, or
  closed as partial), so the cursor is ``recorded_date`` with a one-day look-back for
  responses recorded while the previous run read. The IP address and location are not loaded.

``answers`` maps into the unified ``survey_responses``: the survey, the response, the
question (its ``QID``) with its text joined from ``questions``, and the answer text as
Qualtrics labels it; the response's day is the UTC day of its ``endDate`` (submission).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator

from pydantic import Field, SecretStr, model_validator

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import DayOf, Maps
from bosco_connectors.framework.files import Json
from bosco_connectors.framework.jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, Poll
from bosco_connectors.framework.params import DATETIME, ForEach, WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from bosco_connectors.framework.unified import Lookup

#: An export column of a question: ``QID<n>`` then its part (``_TEXT``, ``_4_TEXT``, ``_2``...).
QUESTION_COLUMN = re.compile(r"^(QID\d+)(?:_|$)")
#: Response metadata in ``values`` (loaded as columns; ipAddress and location are not loaded).
METADATA = {"startDate": "start_date", "endDate": "end_date", "recordedDate": "recorded_date", "status": "status",
            "progress": "progress", "duration": "duration", "finished": "finished", "_recordId": "record_id",
            "distributionChannel": "distribution_channel", "userLanguage": "user_language"}
PERSONAL = {"ipAddress", "locationLatitude", "locationLongitude", "recipientEmail", "recipientFirstName",
            "recipientLastName", "externalDataReference"}


class QualtricsConfig(SourceConfig):
    """Config of the ``qualtrics`` source (plus the fields every source accepts)."""

    api_token: SecretStr = Field(description="An API token (Account settings > Qualtrics IDs > API), sent as X-API-TOKEN.")
    datacenter: str | None = Field(default=None, pattern=r"^[a-z]{2,4}\d{1,2}$", description=(
        "The account's data centre id (Account settings > Qualtrics IDs > User > Datacenter ID: iad1, fra1, syd1...)."))
    survey_ids: IdList = Field(min_length=1, description="Surveys to read (SV_...); a list, or one comma-separated string.")
    requests_per_second: float = Field(default=5.0, gt=0, description="Requests a second.")

    @model_validator(mode="after")
    def _host(self) -> "QualtricsConfig":
        if getattr(self, "base_url", None) is None:
            if not self.datacenter:
                raise ValueError("set datacenter (Account settings > Qualtrics IDs: iad1, fra1...) or base_url")
            self.base_url = f"https://{self.datacenter}.qualtrics.com/API/v3/"
        return self


class Question(Contract):
    """One question of a survey's definition, from GET /survey-definitions/{surveyId}."""

    survey_id: Id
    question_id: Id = Field(description="QID<n>: the id the export columns start with.")
    question_text: str | None = Field(default=None, description="The question as shown (may hold HTML).")
    data_export_tag: str | None = Field(default=None, description="The question's label in exports (Q1...).")
    question_type: str | None = Field(default=None, description="MC, TE, Matrix, Slider...")
    selector: str | None = None


class Answer(Contract):
    """One answered question of one response, from the response export file."""

    survey_id: Id
    response_id: Id
    question_id: Id = Field(description="QID<n>.")
    answer: str | None = Field(default=None, description="The question's columns' labels (else values), joined by ', '.")
    columns: str | None = Field(default=None, description="The export columns the answer comes from (QID1, QID1_4_TEXT...).")
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = Field(default=None, description="When the response was submitted (UTC).")
    recorded_date: dt.datetime = Field(description="When Qualtrics recorded it (UTC).")
    status: int | None = Field(default=None, description="0 a normal response, 1 preview, 2 test, 4 imported...")
    progress: int | None = None
    duration: int | None = Field(default=None, description="Seconds.")
    finished: int | None = Field(default=None, description="1 finished, 0 closed as partial.")
    record_id: str | None = None
    distribution_channel: str | None = None
    user_language: str | None = None


API = Api(
    base_url="https://iad1.qualtrics.com/API/v3/",  # the account's data centre replaces iad1 (see QualtricsConfig)
    auth=ApiKey("api_token", header="X-API-TOKEN"),
    errors=ErrorMap(
        "Qualtrics", code="meta.error.errorCode", message=("meta.error.errorMessage",), request_id="meta.requestId",
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, 404: Action.FAIL, 400: Action.FAIL},
        hints={Action.AUTH: "check the API token and that datacenter is the account's data centre"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def answer_rows(response: dict[str, Any], survey_id: str) -> list[dict[str, Any]]:
    """One row per question a response answered (its export columns grouped by QID)."""
    values = response.get("values") if isinstance(response.get("values"), dict) else {}
    labels = response.get("labels") if isinstance(response.get("labels"), dict) else {}
    base: dict[str, Any] = {"survey_id": survey_id, "response_id": response.get("responseId") or values.get("_recordId")}
    base.update({column: values[name] for name, column in METADATA.items() if name in values})
    embedded = {k: v for k, v in values.items() if k not in METADATA and k not in PERSONAL and not QUESTION_COLUMN.match(k)}
    if embedded:
        base["embedded"] = embedded
    grouped: dict[str, list[str]] = {}
    for key in values:
        match = QUESTION_COLUMN.match(key)
        if match:
            grouped.setdefault(match.group(1), []).append(key)
    rows = []
    for qid, keys in grouped.items():
        texts: list[str] = []
        for key in keys:
            value = labels.get(key, values.get(key))
            texts += [str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]
        rows.append({**base, "question_id": qid, "answer": ", ".join(texts) or None, "columns": ",".join(keys)})
    return rows


ROWS = Records(formats={"start_date": ISO_DATETIME, "end_date": ISO_DATETIME, "recorded_date": ISO_DATETIME})


@dataclass(kw_only=True)
class ResponseExport(AsyncReportStream):
    """A response export file read as one row per answered question; its fake serves the documented
    responses (the file's records) moved into the fake's window."""

    def shape(self, raw: list[dict[str, Any]], ctx: ReadContext) -> Any:
        rows = [row for r in raw if isinstance(r, dict) for row in answer_rows(r, str(ctx.partition.get("survey_id")))]
        return ROWS.rows(rows, ctx) if rows else []

    # -- the generated fake (sandbox.generated) --

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        import io

        fmt = self.report.download.format  # type: ignore[union-attr]
        records = []
        for exchange in app.fixtures.data(self.name):
            if str(exchange.request.get("path", "")).endswith("/file"):
                records += list(fmt.records(io.BytesIO(app.fixtures.raw_body(exchange))))
        from bosco_connectors.sandbox.redate import into_window  # the fake's own: documented dates moved into its window

        yield from into_window(records, app.world.days[-1], {})

    def fake_encode(self, app: Any, route: Any, body: Any, records: list[dict[str, Any]]) -> bytes:
        return self.report.download.format.dump(records)  # type: ignore[union-attr]


@dataclass(kw_only=True)
class SurveyQuestions(RestStream):
    """A survey definition's ``Questions`` map read as one row per question."""

    def shape(self, raw: list[dict[str, Any]], ctx: ReadContext) -> Any:
        rows = []
        for definition in raw:
            questions = definition.get("Questions") if isinstance(definition, dict) else None
            for question in (questions or {}).values():
                if isinstance(question, dict):
                    rows.append({"survey_id": definition.get("SurveyID") or ctx.partition.get("survey_id"),
                                 "question_id": question.get("QuestionID"), "question_text": question.get("QuestionText"),
                                 "data_export_tag": question.get("DataExportTag"),
                                 "question_type": question.get("QuestionType"), "selector": question.get("Selector")})
        return rows


EXPORT_WINDOW = WindowParams("startDate", "endDate", format=DATETIME, in_body=True)


def streams(config: QualtricsConfig | None) -> list[Stream]:
    per_survey = ForEach("survey_ids", "survey_id")
    return [
        SurveyQuestions(
            name="questions", description="The questions of each configured survey: id, text, export tag, type.",
            path="survey-definitions/{survey_id}", partitions=per_survey, records="result",
            contract=Question, primary_key=("survey_id", "question_id"),
            cursor=FullRefresh("the survey's current definition, one request per survey"),
        ),
        ResponseExport(
            name="answers", description="One row per answered question of each recorded response (response export jobs).",
            report=AsyncReport(
                name="response export",
                create=Create("surveys/{survey_id}/export-responses", body={"format": "json"}, job_id="result.progressId",
                              window=EXPORT_WINDOW),
                poll=Poll("surveys/{survey_id}/export-responses/{job_id}", status="result.status",
                          statuses={"inProgress": RUNNING, "complete": DONE, "failed": FAILED},
                          keep={"file_id": "result.fileId"}),
                download=Download(Json("responses", compression="zip"), path="surveys/{survey_id}/export-responses/{file_id}/file"),
                deadline=timedelta(hours=1), first_poll=2, max_poll=30,
            ),
            partitions=per_survey, contract=Answer, primary_key=("survey_id", "response_id", "question_id"),
            cursor=Cursor("recorded_date", kind="datetime", lookback=timedelta(days=1)),
            unified=Maps(
                "survey_responses", response_date=DayOf("end_date"), survey_id="survey_id", response_id="response_id",
                question_id="question_id", question=Lookup("questions", ("survey_id", "question_id"), "question_text",
                                                           on=("survey_id", "question_id")),
                answer="answer",
                meanings={"response_date": "the UTC day of endDate (submission)",
                          "question_id": "the question's QID (its export columns grouped)",
                          "question": "QuestionText of the survey's current definition (may hold HTML)",
                          "answer": "the labels (else values) of the question's export columns, joined by ', '"},
            ),
        ),
    ]


connector = declare(
    "qualtrics", title="Qualtrics", api=API, config=QualtricsConfig, streams=streams, api_version="v3",
    docs_url="https://api.qualtrics.com/", category="surveys",
    description="Qualtrics: survey questions and every answered question of their responses, from response export jobs "
                "(into the unified survey_responses).",
    error_example={"meta": {"httpStatus": "401 - Unauthorized", "error": {"errorMessage": "Invalid API Token",
                                                                          "errorCode": "AUTH_1"}, "requestId": ""}},
)
source = source_function(connector)

__all__ = ["connector", "source", "QualtricsConfig"]
