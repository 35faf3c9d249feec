"""qualtrics: a response export job (start, poll, download the file the poll names) becomes one row per
answered question with the answers' labels, every documented answered question reaches the unified
survey_responses with its question text, the host is the account's data centre, and the error envelope.

Expected values are read off the documented bodies (cassettes/qualtrics/bodies), never from the connector.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.qualtrics import API, QualtricsConfig, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
SV = "SV_bwrylOA5nNnI9M1"
R1, R2, R3 = "R_1Cx8FIukucgqM94", "R_2Y62vxvBCVIJxEG", "R_3CPi4xzet6nopn0"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def documented_responses() -> list[dict]:
    with zipfile.ZipFile(io.BytesIO((BODIES / "export_file.zip").read_bytes())) as archive:
        return json.loads(archive.read(archive.namelist()[0]))["responses"]


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qualtrics")
    db = tmp / "q.duckdb"
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with pytest.MonkeyPatch.context() as mp, FakeApi([app]) as api:
        mp.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))
        pipeline = dlt.pipeline(pipeline_name="qualtrics_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(tmp / "p"), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    with registered(connector), duckdb.connect(str(db)) as con:
        from bosco_connectors.recipes.runner import build

        built = build(con, select=["fct_survey_responses"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    return db, app


def test_the_export_job_downloads_the_file_its_progress_names(replayed):
    _, app = replayed
    calls = [(r.method, r.path.strip("/")) for e, r in app.answered if e.stream == "answers"]
    file_id = body("export_progress.json")["result"]["fileId"]
    progress_id = body("export_start.json")["result"]["progressId"]
    assert calls == [("POST", f"surveys/{SV}/export-responses"), ("GET", f"surveys/{SV}/export-responses/{progress_id}"),
                     ("GET", f"surveys/{SV}/export-responses/{file_id}/file")]
    start = next(r for e, r in app.answered if r.method == "POST")
    assert start.json() == {"format": "json", "startDate": "2026-11-01T00:00:00Z", "endDate": "2026-11-02T23:59:59Z"}
    assert {r.header("x-api-token") for _, r in app.answered} == {"fixture-token"}


def test_each_answered_question_is_a_row_with_its_labels(replayed):
    db, _ = replayed
    assert query(db, "select response_id, question_id, answer, columns, embedded__order_id from raw.qualtrics_answers "
                     "order by response_id, question_id") == [
        (R1, "QID1", "Instagram", "QID1", "1001"),
        (R1, "QID2", "Free shipping, A discount code", "QID2", "1001"),   # a multi-select's labels
        (R1, "QID3", "Great packaging", "QID3_TEXT", "1001"),             # text entry: its value
        (R2, "QID1", "Other, My sister", "QID1,QID1_4_TEXT", "1002"),      # the choice and its "other" text: one row
        (R3, "QID1", "A podcast", "QID1", "1003"),
        (R3, "QID4", "Very satisfied, Satisfied", "QID4_1,QID4_2", "1003"),  # a matrix's rows: one row
    ]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns where table_name = 'qualtrics_answers'")}
    assert not {c for c in columns if "ip_address" in c or "location" in c}


def test_every_documented_answered_question_reaches_the_fact_with_its_text(replayed):
    db, _ = replayed
    documented = {(r["responseId"], m.group(1)) for r in documented_responses()
                  for key in r["values"] for m in [re.match(r"^(QID\d+)", key)] if m}
    rows = query(db, "select response_date, survey_id, response_id, question_id, question, answer from analytics.fct_survey_responses "
                     "where platform = 'qualtrics' order by response_id, question_id")
    assert {(r[2], r[3]) for r in rows} == documented and len(rows) == len(documented)
    texts = {q["QuestionID"]: q["QuestionText"] for q in body("survey_definition.json")["result"]["Questions"].values()}
    assert all(r[4] == texts[r[3]] for r in rows)
    assert {(r[2], r[0]) for r in rows} == {(R1, date(2026, 11, 1)), (R2, date(2026, 11, 1)),  # ends 23:58 UTC: the 1st
                                            (R3, date(2026, 11, 2))}


def test_the_host_is_the_accounts_data_centre():
    config = QualtricsConfig.model_validate({"api_token": "t", "datacenter": "fra1", "survey_ids": SV, "start_date": "2026-11-01"})
    assert config.base_url == "https://fra1.qualtrics.com/API/v3/"
    with pytest.raises(ValueError, match="datacenter"):
        QualtricsConfig.model_validate({"api_token": "t", "survey_ids": SV, "start_date": "2026-11-01"})


@pytest.mark.parametrize(("status", "name", "kind"), [(401, "error.auth.json", AuthError), (429, "error.rate_limit.json", RetryableApiError)])
def test_documented_errors(status, name, kind):
    documented = body(name)
    error = API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), documented)
    assert type(error) is kind
    assert documented["meta"]["error"]["errorMessage"] in str(error)


def test_the_generated_fake_serves_the_file_its_progress_names(tmp_path):
    """`Poll(keep=...)`: the download path's ``{file_id}`` is the poll answer's ``result.fileId``; the
    generated fake answers with the job id there and serves the file at that path."""
    from bosco_connectors.sandbox.generated import GeneratedApp

    app = GeneratedApp(connector=connector, end_date=date(2026, 12, 6))
    db = tmp_path / "q.duckdb"
    with FakeApi([app]) as api:
        config = app.source_config(api.url(app.prefix))
        pipeline = dlt.pipeline(pipeline_name="qualtrics_fake", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(connector.resources(config, tenant_id="t1", streams=["answers"]), loader_file_format="parquet")
    rows = query(db, "select survey_id, response_id, question_id, cast(recorded_date as date) from raw.qualtrics_answers")
    surveys = {r[0] for r in rows}  # the fake's own survey ids (the world's accounts)
    assert surveys == set(config["survey_ids"])
    for survey in surveys:  # each export file holds the documented responses
        assert sorted(r[1:3] for r in rows if r[0] == survey) == [
            (R1, "QID1"), (R1, "QID2"), (R1, "QID3"), (R2, "QID1"), (R3, "QID1"), (R3, "QID4")]
    assert max(r[3] for r in rows) == app.world.days[-1]  # the documented responses moved into the fake's window
