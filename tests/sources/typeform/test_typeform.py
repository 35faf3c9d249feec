"""typeform: the documented responses load one row per answer with the answer as text, reach the
unified survey_responses with their question text and UTC day, page with ``before`` tokens, and
the documented errors.

Expected values are read off the documented bodies (cassettes/typeform/bodies, built from
Typeform's reference and its JS SDK types), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.typeform import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
FORM = "lT4Z3j"
R1, R2, R3 = "a3kd9x1m0f2w8s7q4v6n5b1c", "q8w7e6r5t4y3u2i1o0p9l8k7", "z1x2c3v4b5n6m7a8s9d0f1g2"
HEARD, RATING, SEEN, RECOMMEND = "hVONkQcnSNRj", "WOTdC00F8A3h", "DlXFaesGBpoF", "RUqkXSeXBXSd"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("typeform")
    db = tmp / "t.duckdb"
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with pytest.MonkeyPatch.context() as mp, FakeApi([app]) as api:
        mp.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))
        pipeline = dlt.pipeline(pipeline_name="typeform_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(tmp / "p"), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    with registered(connector), duckdb.connect(str(db)) as con:
        from bosco_connectors.recipes.runner import build

        built = build(con, select=["fct_survey_responses"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    return db, app


def test_each_answer_is_a_row_with_its_answer_as_text(replayed):
    db, _ = replayed
    rows = query(db, "select response_id, field_id, answer_type, answer, submitted_at from raw.typeform_answers "
                     "order by submitted_at desc, field_id")
    submitted = {R1: datetime(2026, 11, 2, 23, 51, 37, tzinfo=timezone.utc), R2: datetime(2026, 11, 2, 14, 5, 12, tzinfo=timezone.utc),
                 R3: datetime(2026, 11, 1, 8, 12, 44, tzinfo=timezone.utc)}
    assert rows == [
        (R1, SEEN, "choices", "TikTok ad, Google search", submitted[R1]),   # choices.labels, in the order sent
        (R1, RECOMMEND, "boolean", "true", submitted[R1]),
        (R1, RATING, "number", "5", submitted[R1]),                         # a JSON number 5, not "5.0"
        (R1, HEARD, "choice", "Instagram", submitted[R1]),                  # choice.label
        (R2, RECOMMEND, "boolean", "false", submitted[R2]),
        (R2, HEARD, "choice", "A friend", submitted[R2]),
        (R3, RATING, "number", "4", submitted[R3]),
        (R3, HEARD, "choice", "Podcast", submitted[R3]),
    ]
    # the hidden order id is kept; the respondent's network id is not
    assert query(db, f"select distinct hidden__order_id from raw.typeform_answers where response_id = '{R1}'") == [("1001",)]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns where table_name = 'typeform_answers'")}
    assert "response_metadata__referer" in columns and "response_metadata__network_id" not in columns


def test_form_fields_carry_the_question_text(replayed):
    db, _ = replayed
    assert query(db, "select form_id, id, title, type from raw.typeform_form_fields order by id") == [
        (FORM, SEEN, "Which of these did you see before buying?", "multiple_choice"),
        (FORM, RECOMMEND, "Would you recommend us?", "yes_no"),
        (FORM, RATING, "How would you rate your order?", "rating"),
        (FORM, HEARD, "How did you hear about us?", "multiple_choice"),
    ]
    assert query(db, "select count(*) from raw.typeform_forms") == [(3,)]


def test_answers_reach_the_fact_with_question_and_utc_day(replayed):
    db, _ = replayed
    rows = query(db, "select response_date, survey_id, response_id, question_id, question, answer, order_id "
                     f"from analytics.fct_survey_responses where platform = 'typeform' and question_id = '{HEARD}' "
                     "order by response_date, response_id")
    assert rows == [
        (date(2026, 11, 1), FORM, R3, HEARD, "How did you hear about us?", "Podcast", None),
        (date(2026, 11, 2), FORM, R1, HEARD, "How did you hear about us?", "Instagram", None),  # 23:51 UTC: still the 2nd
        (date(2026, 11, 2), FORM, R2, HEARD, "How did you hear about us?", "A friend", None),
    ]
    assert query(db, "select count(*) from analytics.fct_survey_responses where platform = 'typeform'") == [(8,)]


def test_responses_are_read_by_submission_window_and_paged_before_the_last_token(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "answers"]
    assert asked == [
        {"since": "2026-11-01T00:00:00", "until": "2026-11-02T23:59:59", "page_size": "2"},
        {"since": "2026-11-01T00:00:00", "until": "2026-11-02T23:59:59", "page_size": "2", "before": R2},
    ]
    # a page shorter than page_size is the last: no third request
    assert len(body("answers.page2.json")["items"]) < 2


@pytest.mark.parametrize(("status", "name", "kind"), [(401, "error.auth.json", AuthError), (429, "error.rate_limit.json", RetryableApiError)])
def test_documented_errors(status, name, kind):
    documented = body(name)
    error = API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), documented)
    assert type(error) is kind
    assert documented["description"] in str(error)


@pytest.mark.parametrize("code", ["AUTHENTICATION_ERROR", "INVALID_AUTHORIZATION"])
def test_documented_403_codes_are_credential_problems(code):
    error = API.errors.policy().for_status(httpx.Response(403), {"code": code, "description": "Invalid token"})
    assert isinstance(error, AuthError)
