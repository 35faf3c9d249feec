"""omnisend: its documented bodies load as documented (camelCase in snake case, totals as integers,
the next page followed from paging.next), the UTC start day in the email fact, the error table, and a
campaign read again.

Expected values are read off the documented bodies (cassettes/omnisend/bodies), never from the connector.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.omnisend import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
PAGES = ("campaigns.page1.json", "campaigns.page2.json")
TOTALS = ("sent", "opened", "clicked", "bounced", "complained", "unsubscribed")


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="omnisend_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_campaigns_load_with_their_totals(tmp_path, fast):
    db = tmp_path / "o.duckdb"
    app = sync(db, tmp_path / "p", fixture_folder(connector))
    documented = [c for page in PAGES for c in body(page)["campaign"]]
    assert query(db, f"select campaign_id, name, type, start_date, {', '.join(TOTALS)} from raw.omnisend_campaigns "
                     "order by campaign_id") == [
        (c["campaignID"], c["name"], c["type"], datetime.fromisoformat(c["startDate"].replace("Z", "+00:00")),
         *(c[k] for k in TOTALS)) for c in documented]
    # the second page is the URL paging.next gave
    asked = [r for e, r in app.answered if e.stream == "campaigns"]
    assert [(r.arg("limit"), r.arg("offset")) for r in asked] == [("100", None), ("100", "100")]

    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_id, date, sends, unique_opens, clicks, spam_reports "
                            "from analytics.fct_email_campaign_performance order by campaign_id").fetchall()
    # ...34ce started at 23:45 UTC on the 17th: its day is the 17th (UTC), not the 18th it ended on
    assert [(f[0], f[1].isoformat()) for f in facts] == [(c["campaignID"], c["startDate"][:10]) for c in documented]
    assert [f[2:] for f in facts] == [(c["sent"], c["opened"], c["clicked"], c["complained"]) for c in documented]


def test_a_campaign_read_again_updates_its_row_and_adds_none(tmp_path, fast):
    db, pipelines = tmp_path / "o.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "campaigns.page1.json").read_text())
    page["campaign"][0].update(opened=7100, clicked=1301)
    (later / "bodies" / "campaigns.page1.json").write_text(json.dumps(page))
    sync(db, pipelines, later)
    assert query(db, "select count(*) from raw.omnisend_campaigns") == [(3,)]
    assert query(db, "select opened, clicked from raw.omnisend_campaigns where campaign_id = '5f8a3c2e9b1d4a0012ab34cd'") == [
        (7100, 1301)]


def test_documented_errors():
    policy = API.errors.policy()
    unauthorized = body("error.auth.json")
    error = policy.for_status(httpx.Response(401), unauthorized)
    assert isinstance(error, AuthError) and "invalid authentication" in str(error)
    assert isinstance(policy.for_status(httpx.Response(200), unauthorized), AuthError)  # the body's status decides
    limited = policy.for_status(httpx.Response(429, headers={"X-Rate-Limit-Reset": "37"}), body("error.rate_limit.json"))
    assert isinstance(limited, RetryableApiError) and limited.retry_after == 37  # seconds left in the period
    assert policy.for_status(httpx.Response(200), body("campaigns.page1.json")) is None
