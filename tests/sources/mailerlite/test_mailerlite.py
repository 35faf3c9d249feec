"""mailerlite: its documented bodies load as documented (the stats counts beside the campaign, the
rates left out, timestamps as written), the pages asked for, the email fact, the error table, and a
campaign read again.

Expected values are read off the documented bodies (cassettes/mailerlite/bodies), never from the connector.
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

from bosco_connectors.framework import AuthError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.mailerlite import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
PAGES = ("campaigns.page1.json", "campaigns.page2.json")
COUNTS = ("sent", "opens_count", "unique_opens_count", "clicks_count", "unique_clicks_count", "unsubscribes_count", "spam_count",
          "hard_bounces_count", "soft_bounces_count")


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="mailerlite_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def columns(db: Path, table: str) -> set[str]:
    return {r[0] for r in query(db, f"select column_name from information_schema.columns where table_name = '{table}'")}


def test_campaign_counts_load_beside_the_campaign(tmp_path, fast):
    db = tmp_path / "m.duckdb"
    app = sync(db, tmp_path / "p", fixture_folder(connector))
    documented = [c for page in PAGES for c in body(page)["data"]]
    assert query(db, f"select id, name, started_at, {', '.join(COUNTS)} from raw.mailerlite_campaigns order by id") == [
        # the timestamp as written (dlt labels a zone-less timestamp UTC: the wall-clock value is kept)
        (c["id"], c["name"], datetime.strptime(c["started_at"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc),
         *(c["stats"][k] for k in COUNTS))
        for c in documented]
    # the rates ({float, string}) and the emails are not loaded
    assert not {c for c in columns(db, "mailerlite_campaigns") if "rate" in c} | {"emails"} & columns(db, "mailerlite_campaigns")
    asked = [r for e, r in app.answered if e.stream == "campaigns"]
    assert [(r.arg("filter[status]"), r.arg("page")) for r in asked] == [("sent", "1"), ("sent", "2")]

    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_id, date, sends, unique_opens, bounces, spam_reports "
                            "from analytics.fct_email_campaign_performance order by campaign_id").fetchall()
    # "Black Friday preview" started at 23:58:01 on the 17th: the day as MailerLite writes it
    assert facts == [(c["id"], date.fromisoformat(c["started_at"][:10]), c["stats"]["sent"], c["stats"]["unique_opens_count"],
                      c["stats"]["hard_bounces_count"] + c["stats"]["soft_bounces_count"], c["stats"]["spam_count"])
                     for c in documented]


def test_a_campaign_read_again_updates_its_row_and_adds_none(tmp_path, fast):
    db, pipelines = tmp_path / "m.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "campaigns.page1.json").read_text())
    page["data"][0]["stats"].update(opens_count=6500, unique_opens_count=4400)
    (later / "bodies" / "campaigns.page1.json").write_text(json.dumps(page))
    sync(db, pipelines, later)
    assert query(db, "select count(*) from raw.mailerlite_campaigns") == [(3,)]
    assert query(db, "select opens_count, unique_opens_count from raw.mailerlite_campaigns where id = '128734561234567890'") == [
        (6500, 4400)]


def test_documented_errors():
    policy = API.errors.policy()
    unauthorized = body("error.auth.json")
    error = policy.for_status(httpx.Response(401), unauthorized)
    assert isinstance(error, AuthError) and "Unauthenticated." in str(error)
    assert isinstance(policy.for_status(httpx.Response(200), unauthorized), AuthError)  # the message decides
    assert policy.for_status(httpx.Response(200), body("campaigns.page1.json")) is None
