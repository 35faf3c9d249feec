"""fairing: the documented responses load one row per answer with its text as sent, exact order
totals, ids as text and no email; they reach the unified survey_responses with the UTC day; the
responses are read by window and paged by the envelope's ``next`` URL; a changed answer on a
later sync updates its row; and the errors map by status.

Expected values are read off the documented bodies (cassettes/fairing/bodies, built from the
shapes two open clients of Fairing's API agree on: see SOURCES.md), never from the connector.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.fairing import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
PODCAST, WHICH, INSTA = "r_9f3b2c71", "r_9f3b2c72", "r_9f3a0e15"
HEARD = "How did you hear about us?"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def sync(db: Path, pipelines: Path, change=None) -> FixtureApp:
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with pytest.MonkeyPatch.context() as mp, FakeApi([app]) as api:
        if change is not None:
            api.transform(change)
        mp.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))
        pipeline = dlt.pipeline(pipeline_name="fairing_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fairing")
    db = tmp / "t.duckdb"
    app = sync(db, tmp / "p")
    with registered(connector), duckdb.connect(str(db)) as con:
        from bosco_connectors.recipes.runner import build

        built = build(con, select=["fct_survey_responses"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    return db, app


def test_each_answer_is_a_row_with_its_text_as_sent(replayed):
    db, _ = replayed
    rows = query(db, "select id, question_id, question, response, other, other_response, answer, inserted_at "
                     "from raw.fairing_responses order by inserted_at desc")
    assert rows == [
        # a free-text answer to a clarification question: response null, the customer's text kept
        (WHICH, "4022", "Which podcast?", None, True, "Morning Run Club", "Morning Run Club",
         datetime(2026, 11, 2, 23, 58, 49, tzinfo=timezone.utc)),
        (PODCAST, "4021", HEARD, "Podcast", False, None, "Podcast", datetime(2026, 11, 2, 23, 58, 41, tzinfo=timezone.utc)),
        (INSTA, "4021", HEARD, "Instagram", False, None, "Instagram", datetime(2026, 11, 1, 14, 22, 5, tzinfo=timezone.utc)),
    ]
    # the clarification names the question and answer it followed (integer ids loaded as text)
    assert query(db, f"select referring_question_id, referring_question_response_id, referring_question_response "
                     f"from raw.fairing_responses where id = '{WHICH}'") == [("4021", "18817", "Podcast")]


def test_order_totals_are_exact_decimals_and_no_email_is_loaded(replayed):
    db, _ = replayed
    assert query(db, "select id, order_id, order_total, order_total_usd, order_currency_code, coupon_amount "
                     "from raw.fairing_responses order by id") == [
        (INSTA, "5830009911845", Decimal("89.00"), Decimal("64.97"), "CAD", None),          # "89.00" as sent, in CAD
        (PODCAST, "5830011822179", Decimal("128.50"), Decimal("128.50"), "USD", Decimal("10.00")),
        (WHICH, "5830011822179", Decimal("128.50"), Decimal("128.50"), "USD", Decimal("10.00")),
    ]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns where table_name = 'fairing_responses'")}
    assert "email" not in columns and "utm_source" in columns
    assert body("responses.page1.json")["data"][0]["email"]  # it is in the documented body


def test_questions_load_with_their_offered_responses(replayed):
    db, _ = replayed
    assert query(db, "select id, prompt, type, customer_type, published_at from raw.fairing_questions order by id") == [
        ("4021", HEARD, "single_response", "new", datetime(2026, 3, 2, 15, 10, 42, tzinfo=timezone.utc)),
        ("4030", "What almost stopped you from buying today?", "open_ended", "everyone", None),
    ]


def test_answers_reach_the_fact_with_question_order_and_utc_day(replayed):
    db, _ = replayed
    rows = query(db, "select response_date, survey_id, response_id, question_id, question, answer, order_id "
                     "from analytics.fct_survey_responses where platform = 'fairing' order by response_date, response_id")
    assert rows == [
        (date(2026, 11, 1), "post_purchase", INSTA, "4021", HEARD, "Instagram", "5830009911845"),
        (date(2026, 11, 2), "post_purchase", PODCAST, "4021", HEARD, "Podcast", "5830011822179"),   # 23:58 UTC: the 2nd
        (date(2026, 11, 2), "post_purchase", WHICH, "4022", "Which podcast?", "Morning Run Club", "5830011822179"),
    ]


def test_responses_are_read_by_window_and_paged_by_the_next_url(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "responses"]
    window = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-02T23:59:59Z", "limit": "2"}
    assert asked == [window, {**window, "after": WHICH}]
    assert body("responses.page2.json")["next"] is None  # the last page: no third request


def test_a_changed_answer_on_a_later_sync_updates_its_row(replayed, tmp_path):
    db = tmp_path / "t.duckdb"
    sync(db, tmp_path / "p1")

    def corrected(answer):
        answer = copy.deepcopy(answer)
        for row in answer.get("data", []) if isinstance(answer, dict) else []:
            if row.get("id") == PODCAST:
                row["order_total"], row["updated_at"] = "118.50", "2026-11-03T09:00:00.000000Z"
        return answer

    sync(db, tmp_path / "p2", change=corrected)
    assert query(db, f"select count(*), sum(order_total) from raw.fairing_responses where id = '{PODCAST}'") == [(1, Decimal("118.50"))]
    assert query(db, "select count(*) from raw.fairing_responses") == [(3,)]


@pytest.mark.parametrize(("status", "name", "kind"), [(401, "error.auth.json", AuthError), (403, "error.auth.json", AuthError),
                                                      (429, "error.rate_limit.json", RetryableApiError)])
def test_errors_map_by_status(status, name, kind):
    error = API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), body(name))
    assert type(error) is kind


def test_the_token_is_the_whole_authorization_header():
    request = httpx.Request("GET", "https://app.fairing.co/api/questions")
    auth = API.auth.build(connector.validate({"api_key": "fixture-key", "start_date": "2026-11-01"}))
    sent = next(auth.auth_flow(request))
    assert sent.headers["Authorization"] == "fixture-key"
