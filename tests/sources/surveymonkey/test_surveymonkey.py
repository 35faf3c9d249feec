"""surveymonkey: the documented bulk responses become one row per answered question with the question's
heading and the answers' text (no IP address), every documented answered question reaches the unified
survey_responses (the generic fact test cannot count rows made from lists within lists), a response
edited later replaces its rows, responses are read by modification window, and the error table.

Expected values are read off the documented bodies (cassettes/surveymonkey/bodies), never from the connector.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi, FakeResponse
from bosco_connectors.sources.surveymonkey import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

BODIES = fixture_folder(connector) / "bodies"
S = "105723396"
HEARD, WHY, RATE, NOTE = "319352786", "319352790", "319352795", "319352799"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def run(db: Path, pipelines: Path, config: dict) -> None:
    pipeline = dlt.pipeline(pipeline_name="surveymonkey_test", destination=dlt.destinations.duckdb(str(db)),
                            pipelines_dir=str(pipelines), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1"), loader_file_format="parquet")


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def fact(db: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["stg_surveymonkey__survey_responses"])  # and fct_survey_responses
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select response_date, survey_id, response_id, question_id, question, answer "
                           "from analytics.fct_survey_responses where platform = 'surveymonkey' "
                           "order by response_id, question_id").fetchall()


def documented_answers() -> list[tuple]:
    """(response id, question id, heading, simple_texts joined) of every answered question in the bodies."""
    out = []
    for name in ("answers.page1.json", "answers.page2.json"):
        for response in body(name)["data"]:
            for page in response["pages"]:
                for question in page["questions"]:
                    out.append((response["id"], question["id"], question["heading"],
                                ", ".join(a["simple_text"] for a in question["answers"])))
    return sorted(out)


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the tests below read (run once for the module): its database and its app."""
    with quick_client(connector):  # as `fast`, for the module
        app = FixtureApp(Fixtures.load(fixture_folder(connector)))
        with FakeApi([app]) as api:
            run(module_tmp / "s.duckdb", module_tmp / "p", app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return module_tmp / "s.duckdb", app


def test_each_answered_question_is_a_row_with_its_heading_and_answer_text(replayed):
    db, _ = replayed
    assert query(db, "select response_id, question_id, answer, choice_ids, custom_variables__order_id "
                     "from raw.surveymonkey_answers order by response_id, question_id") == [
        ("5007154325", HEARD, "Instagram", "3057839051", "1001"),
        ("5007154325", WHY, "Free shipping, A discount code", "3057839060,3057839061", "1001"),  # two choices, one row
        ("5007154325", RATE, "5", "3057839070", "1001"),
        ("5007154325", NOTE, "Arrived fast, thanks!", None, "1001"),
        ("5007154330", HEARD, "Other | My sister", None, "1002"),
        ("5007154341", HEARD, "A podcast", "3057839052", "1003"),
        ("5007154341", RATE, "3", "3057839068", "1003"),
    ]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns where table_name = 'surveymonkey_answers'")}
    assert "ip_address" not in columns and "edit_url" not in columns


def test_every_documented_answered_question_reaches_the_fact(replayed, tmp_path):
    db = Path(shutil.copy(replayed[0], tmp_path / "s.duckdb"))  # the fact is built into it: a copy of the shared one
    rows = fact(db)
    assert sorted((r[2], r[3], r[4], r[5]) for r in rows) == documented_answers()
    assert {(r[2], r[0]) for r in rows} == {
        ("5007154325", date(2026, 11, 1)),
        ("5007154330", date(2026, 11, 1)),  # started 23:55 UTC on the 1st, modified after midnight: the start's day
        ("5007154341", date(2026, 11, 2)),
    }
    assert {r[1] for r in rows} == {S}


def test_responses_are_read_by_modification_window_with_their_text(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "answers"]
    assert [q["page"] for q in asked] == ["1", "2"]
    assert {(q["simple"], q["sort_by"], q["sort_order"], q["start_modified_at"], q["end_modified_at"]) for q in asked} == {
        ("true", "date_modified", "ASC", "2026-11-01T00:00:00", "2026-11-02T23:59:59")}


class LaterEdit:
    """SurveyMonkey for two syncs: the documented responses, then response 5007154330 edited (its answer changed)."""

    prefix = "surveymonkey"

    def __init__(self) -> None:
        self.responses = body("answers.page1.json")["data"] + body("answers.page2.json")["data"]

    def edit(self) -> None:
        self.responses = copy.deepcopy(self.responses)
        edited = self.responses[1]
        edited["date_modified"] = "2026-11-05T10:00:00+00:00"
        edited["pages"][0]["questions"][0]["answers"] = [{"choice_id": "3057839051", "simple_text": "Instagram"}]

    def handle(self, request):
        if request.path.strip("/") == "surveys":
            return FakeResponse.json({"per_page": 100, "total": 0, "page": 1, "data": []})
        since = request.arg("start_modified_at")
        changed = [r for r in self.responses if r["date_modified"][:19] >= since]
        return FakeResponse.json({"per_page": 100, "total": len(changed), "page": 1, "data": changed})


def test_a_response_edited_later_replaces_its_rows(tmp_path, fast):
    fake = LaterEdit()
    db = tmp_path / "s.duckdb"
    with FakeApi([fake]) as api:
        config = {"access_token": "t", "survey_ids": [S], "start_date": "2026-11-01", "base_url": api.url(fake.prefix)}
        run(db, tmp_path / "p", config)
        assert len(fact(db)) == 7
        fake.edit()
        run(db, tmp_path / "p", config)
    assert query(db, "select count(*) from raw.surveymonkey_answers") == [(7,)]
    assert [r[5] for r in fact(db) if r[2] == "5007154330"] == ["Instagram"]


@pytest.mark.parametrize(("status", "name", "kind"), [(401, "error.auth.json", AuthError), (429, "error.rate_limit.json", RetryableApiError)])
def test_documented_errors(status, name, kind):
    documented = body(name)
    assert type(API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), documented)) is kind
    assert isinstance(API.errors.policy().for_status(httpx.Response(200), documented), kind)  # the body decides


def test_a_numeric_error_id_is_read_like_the_documented_text():
    rate = {"error": {"id": 1040, "name": "Rate limit reached", "message": "Too many requests were made, try again later.",
                      "http_status_code": 429}}
    assert isinstance(API.errors.policy().for_status(httpx.Response(200), rate), RetryableApiError)
