"""mailjet: its documented bodies load as documented (PascalCase fields in snake case, lifetime
counters per campaign), a campaign's UTC send day, deleted campaigns leaving the table, the error
table, and counters read again.

Expected values are read off the documented bodies (cassettes/mailjet/bodies), never from the connector.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.mailjet import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
LIVE = ("campaigns.page1.json", "campaigns.page2.json")


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="mailjet_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_campaigns_and_their_counters_load_as_documented(tmp_path, fast):
    db = tmp_path / "m.duckdb"
    app = sync(db, tmp_path / "p", fixture_folder(connector))
    live = [c for page in LIVE for c in body(page)["Data"]]
    # the deleted campaigns (IsDeleted=true) are not in the table; the live ones are, with their send start
    assert query(db, "select id, subject, send_start_at, workflow_id from raw.mailjet_campaigns order by id") == [
        (str(c["ID"]), c["Subject"], datetime.fromisoformat(c["SendStartAt"].replace("Z", "+00:00")), str(c["WorkflowID"]))
        for c in live]
    stats = [body(f"campaign_stats.{c['ID']}.json")["Data"][0] for c in live]
    assert query(db, "select source_id, total, message_sent_count, message_opened_count, event_opened_count, "
                     "message_clicked_count, event_clicked_count from raw.mailjet_campaign_stats order by source_id") == [
        (str(s["SourceID"]), s["Total"], s["MessageSentCount"], s["MessageOpenedCount"], s["EventOpenedCount"],
         s["MessageClickedCount"], s["EventClickedCount"]) for s in stats]
    asked = [r for e, r in app.answered if e.stream == "campaign_stats"]
    assert {(r.arg("CounterSource"), r.arg("CounterTiming"), r.arg("CounterResolution")) for r in asked} == {
        ("Campaign", "Message", "Lifetime")}
    assert sorted(r.arg("SourceID") for r in asked) == sorted(str(c["ID"]) for c in live)  # never a deleted campaign's

    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_id, date, sends, deliveries, opens, unique_opens, bounces "
                            "from analytics.fct_email_campaign_performance order by campaign_id").fetchall()
    # 7601042 started sending at 23:50 UTC on the 17th: its day is the 17th (UTC), not the 18th it ended on
    assert facts == [
        ("7601011", date(2026, 11, 16), 5210, 5088, 2874, 1932, 61 + 37),
        ("7601042", date(2026, 11, 17), 4980, 4871, 2230, 1604, 52 + 29),
        ("7601077", date(2026, 11, 18), 118, 117, 96, 74, 1 + 0),
    ]


def test_a_campaign_deleted_later_leaves_the_table_and_counters_are_updated(tmp_path, fast):
    db, pipelines = tmp_path / "m.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    # 7601077 is deleted at Mailjet: it leaves the live list and joins the deleted one
    page2 = json.loads((later / "bodies" / "campaigns.page2.json").read_text())
    gone = dict(page2["Data"].pop(0), IsDeleted=True)
    page2.update(Count=0, Total=2)
    (later / "bodies" / "campaigns.page2.json").write_text(json.dumps(page2))
    deleted = json.loads((later / "bodies" / "campaigns__deleted.page2.json").read_text())
    deleted["Data"].append(gone)
    (later / "bodies" / "campaigns__deleted.page2.json").write_text(json.dumps(deleted))
    manifest = json.loads((later / "fixtures.json").read_text())
    manifest["exchanges"] = [e for e in manifest["exchanges"] if e.get("request", {}).get("query", {}).get("SourceID") != "7601077"]
    (later / "fixtures.json").write_text(json.dumps(manifest))
    # and the first campaign's counters grew
    stats = json.loads((later / "bodies" / "campaign_stats.7601011.json").read_text())
    stats["Data"][0].update(EventOpenedCount=3001, MessageOpenedCount=1990)
    (later / "bodies" / "campaign_stats.7601011.json").write_text(json.dumps(stats))
    sync(db, pipelines, later)
    assert query(db, "select id from raw.mailjet_campaigns order by id") == [("7601011",), ("7601042",)]
    assert query(db, "select count(*) from raw.mailjet_campaign_stats where source_id = '7601011'") == [(1,)]
    assert query(db, "select event_opened_count, message_opened_count from raw.mailjet_campaign_stats "
                     "where source_id = '7601011'") == [(3001, 1990)]


def test_documented_errors():
    policy = API.errors.policy()
    unauthorized = body("error.auth.json")
    error = policy.for_status(httpx.Response(401), unauthorized)
    assert isinstance(error, AuthError) and "incorrect API Key" in str(error)
    assert isinstance(policy.for_status(httpx.Response(200), unauthorized), AuthError)  # the body's StatusCode decides
    assert isinstance(policy.for_status(httpx.Response(429), body("error.rate_limit.json")), RetryableApiError)
    assert isinstance(policy.for_status(httpx.Response(500), {"ErrorIdentifier": "D4DF574C-0C5F-45C7-BA52-7AA8E533C3DE",
                                                              "StatusCode": 500}), RetryableApiError)
    assert policy.for_status(httpx.Response(200), body("campaigns.page1.json")) is None
    assert policy.for_status(httpx.Response(200), body("campaign_stats.7601011.json")) is None
