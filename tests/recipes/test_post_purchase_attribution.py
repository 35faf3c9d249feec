"""``fct_post_purchase_attribution``: "how did you hear about us" answers mapped to channels by the
seeds post_purchase_questions.csv and post_purchase_channels.csv, with counts and shares, and their
survey_responses count in ``daily_channel_summary``. The survey tool is declared here
(`fact_sources`), its raw rows written below; expected numbers worked out by hand."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.registry import registered
from bosco_connectors.recipes import as_executor, build, run_tests

from .fact_sources import fact_source
from .rawdata import create_table, load_raw

D1, D2 = date(2026, 11, 1), date(2026, 11, 2)
SURVEYS = fact_source("survey_x", "surveys", answers=Maps(
    "survey_responses", response_date="day", survey_id="form", response_id="response", question_id="qid", question="question",
    answer="answer"))
COLUMNS = {"tenant_id": "varchar", "day": "date", "form": "varchar", "response": "varchar", "qid": "varchar", "question": "varchar",
           "answer": "varchar"}
HEAR = "How did you hear about us?"
ROWS = [
    ("acme", D1, "f1", "r1", "q1", HEAR, "TikTok"),
    ("acme", D1, "f1", "r2", "q1", HEAR, "Saw it on Instagram"),
    ("acme", D1, "f1", "r3", "q1", HEAR, "facebook"),
    ("acme", D1, "f1", "r4", "q1", HEAR, "A friend showed me on Instagram"),   # instagram (20) before friend (80)
    ("acme", D1, "f1", "r5", "q1", HEAR, "Billboard"),                         # no pattern: other
    ("acme", D1, "f1", "r6", "q1", HEAR, "   "),                               # empty: not an answer
    ("acme", D1, "f1", "r1", "q2", "Rate your order", "5"),                    # another question: not read
    ("acme", D1, "f1", "r7", "q1", HEAR, "Podcast"),
    ("acme", D1, "f1", "r7", "q3", "Where did you first see us?", "google"),   # second matching question of r7: not counted
    ("acme", D2, "f1", "r8", "q1", HEAR, "Google search"),
    ("acme", D2, "f2", "r9", "x", "How did you find us", "a friend"),          # another survey of the same day
]


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    execute = as_executor(con)
    load_raw(execute, shopify=False, ga4=False)  # TikTok's spend (the summary is built on ad spend)
    create_table(execute, "duckdb", "survey_x_answers", COLUMNS, [dict(zip(COLUMNS, r)) for r in ROWS])
    with registered(SURVEYS):
        result = build(con)
        for name in ("fct_survey_responses", "fct_post_purchase_attribution", "channel_activity__surveys", "daily_channel_summary"):
            assert result.get(name).status == "built", result.get(name).line()
        assert [str(f) for f in run_tests(con, build_result=result, today=D2)] == []
    yield con
    con.close()


def test_answers_per_day_survey_and_channel_with_their_share(warehouse) -> None:
    rows = warehouse.execute("select date, platform, survey_id, channel, responses, share_of_responses "
                             "from analytics.fct_post_purchase_attribution order by 1, 3, 4").fetchall()
    assert rows == [
        (D1, "survey_x", "f1", "facebook_ads", 3, pytest.approx(3 / 6)),   # r2, r3, r4 of 6 answered (r1..r5, r7)
        (D1, "survey_x", "f1", "other", 1, pytest.approx(1 / 6)),
        (D1, "survey_x", "f1", "podcast", 1, pytest.approx(1 / 6)),
        (D1, "survey_x", "f1", "tiktok_ads", 1, pytest.approx(1 / 6)),
        (D2, "survey_x", "f1", "google_ads", 1, 1.0),
        (D2, "survey_x", "f2", "word_of_mouth", 1, 1.0),
    ]


def test_survey_responses_per_channel_in_the_summary(warehouse) -> None:
    rows = warehouse.execute("select date, channel, survey_responses from analytics.daily_channel_summary "
                             "where survey_responses is not null order by 1, 2").fetchall()
    assert rows == [(D1, "facebook_ads", 3), (D1, "other", 1), (D1, "podcast", 1), (D1, "tiktok_ads", 1),
                    (D2, "google_ads", 1), (D2, "word_of_mouth", 1)]
    # the answers sit on the same row as the channel's spend (TikTok's D1 spend in rawdata.REPORT: 100.0 + 0.0)
    assert warehouse.execute("select cast(spend as double) from analytics.daily_channel_summary where tenant_id = 'acme' "
                             "and date = ? and channel = 'tiktok_ads'", [D1]).fetchone() == (100.0,)
