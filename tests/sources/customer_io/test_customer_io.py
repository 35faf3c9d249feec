"""customer_io: its documented bodies load as documented (each newsletter's monthly series summed into
its totals to date), the region's host, the email fact (channel from the metrics' type, the UTC day of
sent_at), the error table, and metrics read again.

Expected values are read off the documented bodies (cassettes/customer_io/bodies), never from the connector.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.customer_io import API, CustomerIoConfig, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
IDS = (128275, 128301, 128340)


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="cio_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_series_are_summed_into_totals_to_date(tmp_path, fast):
    db = tmp_path / "c.duckdb"
    app = sync(db, tmp_path / "p", fixture_folder(connector))
    metrics = {i: body(f"newsletter_metrics.{i}.json")["metric"] for i in IDS}
    assert query(db, "select newsletter_id, type, sent, delivered, opened, human_opened, clicked, bounced, spammed, "
                     "unsubscribed, replied from raw.customer_io_newsletter_metrics order by newsletter_id") == [
        (str(i), m["type"], *(sum(m["series"][k]) for k in ("sent", "delivered", "opened", "human_opened", "clicked", "bounced",
                                                            "spammed", "unsubscribed", "replied"))) for i, m in metrics.items()]
    # asked by month over the 121 months Customer.io keeps: no dated series is guessed
    asked = [r for e, r in app.answered if e.stream == "newsletter_metrics"]
    assert {(r.arg("period"), r.arg("steps")) for r in asked} == {("months", "121")}
    newsletters = [n for page in ("newsletters.page1.json", "newsletters.page2.json") for n in body(page)["newsletters"]]
    assert query(db, "select id, name, sent_at from raw.customer_io_newsletters order by id") == [
        (str(n["id"]), n["name"], datetime.fromtimestamp(n["sent_at"], timezone.utc)) for n in newsletters]


def test_newsletters_reach_the_email_fact_on_their_channel(tmp_path, fast):
    db = tmp_path / "c.duckdb"
    sync(db, tmp_path / "p", fixture_folder(connector))
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_id, date, channel, sends, unique_opens, unique_clicks, opens "
                            "from analytics.fct_email_campaign_performance order by campaign_id").fetchall()
    newsletters = {n["id"]: n for page in ("newsletters.page1.json", "newsletters.page2.json") for n in body(page)["newsletters"]}
    expected = []
    for i in IDS:
        series = body(f"newsletter_metrics.{i}.json")["metric"]["series"]
        day = datetime.fromtimestamp(newsletters[i]["sent_at"], timezone.utc).date()  # 128301: 23:59 UTC, still that day
        channel = {"email": "email", "twilio": "sms"}[body(f"newsletter_metrics.{i}.json")["metric"]["type"]]
        expected.append((str(i), day, channel, sum(series["sent"]), sum(series["opened"]), sum(series["clicked"]), None))
    assert facts == expected


def test_a_newsletter_read_again_updates_its_totals(tmp_path, fast):
    db, pipelines = tmp_path / "c.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "newsletter_metrics.128275.json").read_text())
    page["metric"]["series"]["opened"][-1] += 100
    (later / "bodies" / "newsletter_metrics.128275.json").write_text(json.dumps(page))
    sync(db, pipelines, later)
    assert query(db, "select count(*) from raw.customer_io_newsletter_metrics") == [(3,)]
    assert query(db, "select opened from raw.customer_io_newsletter_metrics where newsletter_id = '128275'") == [
        (sum(page["metric"]["series"]["opened"]),)]


def test_region_picks_the_host():
    assert CustomerIoConfig(api_key="k", region="eu").base_url == "https://api-eu.customer.io/v1/"
    assert CustomerIoConfig(api_key="k").base_url == "https://api.customer.io/v1/"


def test_documented_errors():
    policy = API.errors.policy()
    unauthorized = body("error.auth.json")
    error = policy.for_status(httpx.Response(401), unauthorized)
    assert isinstance(error, AuthError) and "invalid credentials" in str(error)
    assert isinstance(policy.for_status(httpx.Response(200), unauthorized), AuthError)  # the body's status decides
    limited = policy.for_status(httpx.Response(429, headers={"Retry-After": "1"}), body("error.rate_limit.json"))
    assert isinstance(limited, RetryableApiError) and limited.retry_after == 1
    assert policy.for_status(httpx.Response(200), body("newsletters.page1.json")) is None
    assert policy.for_status(httpx.Response(200), body("newsletter_metrics.128275.json")) is None
