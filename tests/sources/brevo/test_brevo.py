"""brevo: its documented bodies load as documented (a campaign's totals moved up), the send window
it asks for, UTC send days, its error table, and a campaign read again.

Expected values are read off the documented bodies (cassettes/brevo/bodies), never from the connector.
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
from bosco_connectors.sources.brevo import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="brevo_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_campaign_totals_load_beside_the_campaign(tmp_path, fast):
    db = tmp_path / "b.duckdb"
    app = sync(db, tmp_path / "p", fixture_folder(connector))
    documented = [c for page in ("email_campaigns.page1.json", "email_campaigns.page2.json") for c in body(page)["campaigns"]]
    rows = query(db, "select id, sent, delivered, viewed, unique_views, clickers, unique_clicks, soft_bounces, hard_bounces, "
                     "unsubscriptions, complaints, sent_date from raw.brevo_email_campaigns order by id::int")
    assert rows == [(str(c["id"]), *(c["statistics"]["globalStats"][k] for k in (
        "sent", "delivered", "viewed", "uniqueViews", "clickers", "uniqueClicks", "softBounces", "hardBounces", "unsubscriptions",
        "complaints")), datetime.fromisoformat(c["sentDate"].replace("Z", "+00:00"))) for c in documented]
    assert rows[0][-1] == datetime(2026, 11, 16, 12, 30, 5, tzinfo=timezone.utc)
    assert query(db, "select id, name, total_subscribers from raw.brevo_contact_lists order by id::int") == [
        ("5", "Newsletter", 2418), ("13", "Unsubscribed last year", 0), ("53", "Spanish Speakers", 1)]
    # sent campaigns of the window, totals only, without their HTML
    asked = [r for e, r in app.answered if e.stream == "email_campaigns"][0]
    assert (asked.arg("status"), asked.arg("statistics"), asked.arg("excludeHtmlContent")) == ("sent", "globalStats", "true")
    assert (asked.arg("startDate"), asked.arg("endDate")) == ("2026-11-16T00:00:00.000Z", "2026-11-18T23:59:59.000Z")

    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_id, date, sends, bounces from analytics.fct_email_campaign_performance "
                            "order by campaign_id::int").fetchall()
    # campaign 14 was sent at 23:55 UTC on the 17th: the UTC day (Brevo names no account time zone)
    assert facts == [("12", date(2026, 11, 16), 2418, 12 + 15), ("14", date(2026, 11, 17), 2406, 7 + 11), ("15", date(2026, 11, 18), 1, 0)]


def test_a_campaign_read_again_updates_its_row_and_adds_none(tmp_path, fast):
    db, pipelines = tmp_path / "b.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "email_campaigns.page1.json").read_text())
    page["campaigns"][0]["statistics"]["globalStats"].update(viewed=1990, uniqueViews=1260)
    (later / "bodies" / "email_campaigns.page1.json").write_text(json.dumps(page))
    sync(db, pipelines, later)
    assert query(db, "select count(*) from raw.brevo_email_campaigns") == [(3,)]
    assert query(db, "select viewed, unique_views from raw.brevo_email_campaigns where id = '12'") == [(1990, 1260)]


def test_documented_errors():
    unauthorized = body("error.auth.json")
    error = API.errors.policy().for_status(httpx.Response(401), unauthorized)
    assert isinstance(error, AuthError) and "Key not found" in str(error)
    assert isinstance(API.errors.policy().for_status(httpx.Response(200), unauthorized), AuthError)  # the body decides
    limited = API.errors.policy().for_status(httpx.Response(429, headers={"x-sib-ratelimit-reset": "45"}), body("error.rate_limit.json"))
    assert isinstance(limited, RetryableApiError) and limited.retry_after == 45  # the documented reset header
    assert API.errors.policy().for_status(httpx.Response(200), body("email_campaigns.page1.json")) is None
