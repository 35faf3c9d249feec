"""The declared posthog source: positional HogQL results, the project's days, keyset paging of
the events export, the unified web traffic facts, errors.

Expected values come from the fixture bodies (cassettes/posthog/), read by their own
``columns``, never with the connector's code.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.errormap import TooMuchData
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.posthog import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query

FOLDER = fixture_folder("posthog")


def body(name: str) -> dict:
    return json.loads((FOLDER / "bodies" / name).read_text())


def named(name: str) -> list[dict]:
    answer = body(name)
    return [dict(zip(answer["columns"], row)) for row in answer["results"]]


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(FOLDER))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="posthog_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **config}))
    return seen


def queries(seen: list) -> list[dict]:
    return [r.json()["query"] for r in seen if r.path.endswith("/query/")]


@pytest.fixture(scope="module")
def documented(module_tmp):
    """The documented sync the read-only tests below query (run once for the module): its folder
    (``x.duckdb``) and the requests it made."""
    return module_tmp, run(module_tmp)


def test_positional_results_load_under_their_column_names(documented):
    tmp_path, _ = documented
    loaded = query(tmp_path, "select project_id, date, utm_source, utm_medium, utm_campaign, sessions, users, pageviews, "
                             "engaged_sessions from raw.posthog_web_traffic_daily order by 2, 3")
    assert loaded == sorted(("84512", date.fromisoformat(r["date"]), r["utm_source"], r["utm_medium"], r["utm_campaign"],
                             r["sessions"], r["users"], r["pageviews"], r["engaged_sessions"])
                            for r in named("web_traffic_daily.json"))


def test_the_days_are_the_projects_and_the_query_says_so(documented):
    tmp_path, seen = documented
    traffic = [q for q in queries(seen) if "FROM sessions" in q["query"]]
    assert [q["values"] for q in traffic] == [{"timezone": "America/Los_Angeles", "date_from": "2026-11-01", "date_to": "2026-11-02"}]
    assert "toTimeZone($start_timestamp, { timezone })" in traffic[0]["query"]
    # 23:58 in Los Angeles is 06:58 UTC on the 2nd: the event's day stays the project's 1st.
    late = query(tmp_path, "select date, timestamp from raw.posthog_events where uuid = '0192fbc0-9d10-7e21-8f32-4a53b64c75d8'")
    assert late == [(date(2026, 11, 1), datetime(2026, 11, 2, 6, 58, 12, 4000, tzinfo=timezone.utc))]


def test_the_events_export_pages_on_the_last_timestamp_never_an_offset(documented):
    tmp_path, seen = documented
    events = [q for q in queries(seen) if "FROM events" in q["query"]]
    assert [(q["values"]["date_from"], q["values"]["after_timestamp"]) for q in events] == [
        ("2026-11-01", "1970-01-01 00:00:00"), ("2026-11-01", "2026-11-01T00:02:05.930000-07:00"),
        ("2026-11-02", "1970-01-01 00:00:00")]
    assert all("OFFSET" not in q["query"].upper() and q["values"]["page_size"] == 2 for q in events)
    documented = named("events.page1.json") + named("events.page2.json")
    assert query(tmp_path, "select uuid, event, distinct_id, person_id, session_id from raw.posthog_events order by timestamp") == [
        (e["uuid"], e["event"], e["distinct_id"], e["person_id"], e["session_id"]) for e in documented]
    assert all(r.header("authorization") == "Bearer phx_fixture_key" for r in seen)


def test_a_full_answer_of_the_daily_query_splits_the_window(tmp_path):
    """50,000 rows is the query's LIMIT: a full answer has left rows out, so the days are asked for in halves."""
    full = copy.deepcopy(body("web_traffic_daily.json"))
    row = full["results"][0]
    full["results"] = [[row[0], f"s{i}", *row[2:]] for i in range(50_000)]
    windows = []

    def answer(request):
        q = (request.json() or {}).get("query", {}) if request.path.endswith("/query/") else {}
        if "FROM sessions" not in q.get("query", ""):
            return None
        windows.append((q["values"]["date_from"], q["values"]["date_to"]))
        if len(windows) == 1:
            return FakeResponse.json(full)
        return FakeResponse.json({**body("web_traffic_daily.json"), "results": []})

    run(tmp_path, answer)
    assert windows == [("2026-11-01", "2026-11-02"), ("2026-11-01", "2026-11-01"), ("2026-11-02", "2026-11-02")]


def test_documented_totals_reach_fct_web_traffic_daily(tmp_path):
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(FOLDER))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_web_traffic_daily"])
    assert built.get("fct_web_traffic_daily").status == "built", [m.line() for m in built.models if m.status != "built"]
    rows = named("web_traffic_daily.json")

    def total(column: str):
        return con.execute(f"select sum({column}) from analytics.fct_web_traffic_daily where platform = 'posthog'").fetchone()[0]

    assert total("sessions") == sum(r["sessions"] for r in rows) == 1719
    assert total("users") == sum(r["users"] for r in rows)
    assert total("engaged_sessions") == sum(r["engaged_sessions"] for r in rows) == 884
    assert total("conversions") is None and total("revenue") is None and total("new_users") is None
    assert con.execute("select sessions from analytics.fct_web_traffic_daily where platform = 'posthog' and date = '2026-11-02' "
                       "and campaign = 'black_friday'").fetchall() == [(301,)]
    con.close()


def test_a_day_read_again_in_the_look_back_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    restated = copy.deepcopy(body("web_traffic_daily.json"))
    restated["results"][-1][4] = 95  # the newsletter's sessions on the 2nd, counted again later

    def later(request):
        q = (request.json() or {}).get("query", {}) if request.path.endswith("/query/") else {}
        return FakeResponse.json(restated) if "FROM sessions" in q.get("query", "") else None

    run(tmp_path, later)
    assert query(tmp_path, "select count(*), sum(sessions) from raw.posthog_web_traffic_daily") == [(6, 1719 - 88 + 95)]


@pytest.mark.parametrize(("status", "name", "kind"), [
    (401, "error.auth.json", AuthError),
    (429, "error.rate_limit.json", RetryableApiError),
    (512, "error.query_too_long.json", TooMuchData),
    (200, "error.auth.json", AuthError),  # the code decides, whatever the status
])
def test_the_documented_errors(status, name, kind):
    text = (FOLDER / "bodies" / name).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["detail"] in str(error)


def test_the_generated_fake_serves_every_day_and_pages_the_events(tmp_path):
    from bosco_connectors.sandbox.generated import GeneratedApp

    app = GeneratedApp(connector=connector, seed=3, size="tiny", end_date=date(2026, 11, 5))
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url(app.prefix)), "start_date": "2026-11-01", "end_date": "2026-11-05", "page_size": 2}
        pipeline = dlt.pipeline(pipeline_name="posthog_fake", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(source(**config))
    assert query(tmp_path, "select count(distinct date), min(date), max(date) from raw.posthog_web_traffic_daily") == [
        (5, date(2026, 11, 1), date(2026, 11, 5))]
    assert query(tmp_path, "select count(distinct date) from raw.posthog_events") == [(5,)]
