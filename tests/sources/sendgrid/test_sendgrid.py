"""sendgrid: its documented bodies load as documented (a day's metrics moved up beside it, one
row per category and day, Single Send days in the configured time zone), the error table, and a
day read again.

Expected values are read off the documented bodies (cassettes/sendgrid/bodies), never from the connector.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.sendgrid import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

BODIES = fixture_folder(connector) / "bodies"
METRICS = ("requests", "delivered", "opens", "unique_opens", "clicks", "unique_clicks", "bounces", "spam_reports", "unsubscribes")


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="sendgrid_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp) -> tuple[Path, FixtureApp]:
    """The documented sync the tests below read (run once for the module): its database and its app."""
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    with quick_client(connector, retry=fast):  # as `fast`, for the module
        app = sync(module_tmp / "s.duckdb", module_tmp / "p", fixture_folder(connector))
    return module_tmp / "s.duckdb", app


def test_stats_days_load_with_their_metrics(replayed):
    db, app = replayed
    documented = body("global_stats_daily.json")
    assert query(db, f"select date, {', '.join(METRICS)} from raw.sendgrid_global_stats_daily order by date") == [
        (date.fromisoformat(d["date"]), *(d["stats"][0]["metrics"][m] for m in METRICS)) for d in documented]
    by_category = {name: body(f"category_stats_daily.{name}.json") for name in ("newsletter", "password_reset", "order_confirmation")}
    assert query(db, "select name, date, requests, unique_opens from raw.sendgrid_category_stats_daily order by name, date") == sorted(
        (name, date.fromisoformat(d["date"]), d["stats"][0]["metrics"]["requests"], d["stats"][0]["metrics"]["unique_opens"])
        for name, days in by_category.items() for d in days)
    # one category a request, every day asked for by day
    asked = [r for e, r in app.answered if e.stream == "category_stats_daily"]
    assert sorted(r.arg("categories") for r in asked) == ["newsletter", "order_confirmation", "password_reset"]
    assert {(r.arg("aggregated_by"), r.arg("start_date"), r.arg("end_date")) for r in asked} == {("day", "2026-11-16", "2026-11-18")}


def test_single_send_days_reach_the_email_fact(replayed, tmp_path):
    db = Path(shutil.copy(replayed[0], tmp_path / "s.duckdb"))  # the fact is built into it: a copy of the shared one
    app = replayed[1]
    rows = [r for page in ("singlesend_stats_daily.ss1.page1.json", "singlesend_stats_daily.ss1.page2.json",
                           "singlesend_stats_daily.ss2.json") for r in body(page)["results"]]
    assert query(db, "select id, date, ab_variation, ab_phase, requests, delivered, opens, unique_opens, clicks, unique_clicks "
                     "from raw.sendgrid_singlesend_stats_daily order by id, date") == [
        (r["id"], date.fromisoformat(r["aggregation"]), r["ab_variation"], r["ab_phase"],
         *(r["stats"][k] for k in ("requests", "delivered", "opens", "unique_opens", "clicks", "unique_clicks"))) for r in rows]
    # the days are the configured zone's: the zone is asked for, with the documented maximum page size
    asked = [r for e, r in app.answered if e.stream == "singlesend_stats_daily"]
    assert {(r.arg("timezone"), r.arg("page_size"), r.arg("aggregated_by")) for r in asked} == {("America/Chicago", "50", "day")}
    # the A/B test summary (an object) is not loaded; the draft's send_at stays empty
    assert query(db, "select id, name, status, send_at is null from raw.sendgrid_singlesends order by id") == [
        (s["id"], s["name"], s["status"], s["send_at"] is None)
        for page in ("singlesends.page1.json", "singlesends.page2.json") for s in body(page)["result"]]

    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_name, date, channel, sends, opens, spam_reports "
                            "from analytics.fct_email_campaign_performance order by campaign_name, date").fetchall()
    assert facts == [
        ("Black Friday Preview", date(2026, 11, 17), "email", 1810, 933, 1),
        ("Black Friday Preview", date(2026, 11, 18), "email", 0, 170, 0),
        ("November Newsletter", date(2026, 11, 16), "email", 2400, 1104, 1),
        ("November Newsletter", date(2026, 11, 17), "email", 0, 388, 0),
        ("November Newsletter", date(2026, 11, 18), "email", 0, 95, 0),
    ]


def test_a_day_read_again_updates_its_row_and_adds_none(tmp_path, fast):
    db, pipelines = tmp_path / "s.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    days = json.loads((later / "bodies" / "global_stats_daily.json").read_text())
    days[1]["stats"][0]["metrics"].update(opens=2000, unique_opens=1200)
    (later / "bodies" / "global_stats_daily.json").write_text(json.dumps(days))
    sync(db, pipelines, later)
    assert query(db, "select count(*) from raw.sendgrid_global_stats_daily") == [(3,)]
    assert query(db, "select opens, unique_opens from raw.sendgrid_global_stats_daily where date = '2026-11-17'") == [(2000, 1200)]


def test_documented_errors():
    policy = API.errors.policy()
    unauthorized = body("error.auth.json")
    error = policy.for_status(httpx.Response(401), unauthorized)
    assert isinstance(error, AuthError) and "authorization required" in str(error)
    assert isinstance(policy.for_status(httpx.Response(200), unauthorized), AuthError)  # an error list under 200 is an error
    limited = policy.for_status(httpx.Response(429, headers={"X-RateLimit-Reset": "1392815263"}), body("error.rate_limit.json"))
    # retried; the reset header is a Unix time, never taken for a wait of 44 years
    assert isinstance(limited, RetryableApiError) and limited.retry_after is None
    blocked = policy.for_status(httpx.Response(403), {"errors": [{"field": None, "message": "access forbidden"}]})
    assert isinstance(blocked, AuthError)
    assert policy.for_status(httpx.Response(200), body("global_stats_daily.json")) is None
    assert policy.for_status(httpx.Response(200), body("singlesends.page1.json")) is None


def test_a_parent_key_reads_a_subuser_with_on_behalf_of():
    from bosco_connectors.sources.sendgrid import SendgridConfig

    assert API.headers(SendgridConfig(api_key="SG.k", on_behalf_of="brand-eu")) == {"on-behalf-of": "brand-eu"}
    assert API.headers(SendgridConfig(api_key="SG.k")) == {}  # no header unless a subuser is named
