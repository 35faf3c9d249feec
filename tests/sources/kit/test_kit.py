"""kit: its documented bodies load as documented (stats beside the broadcast, the next page asked
with the end cursor), drafts out of the email fact, the UTC send day, the error table, and a
broadcast read again.

Expected values are read off the documented bodies (cassettes/kit/bodies), never from the connector.
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

from bosco_connectors.framework import AuthError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.kit import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
PAGES = ("broadcasts.page1.json", "broadcasts.page2.json")
STATS = ("recipients", "emails_opened", "total_clicks", "unsubscribes", "status")


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="kit_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_broadcast_stats_load_and_drafts_stay_out_of_the_fact(tmp_path, fast):
    db = tmp_path / "k.duckdb"
    app = sync(db, tmp_path / "p", fixture_folder(connector))
    documented = [b for page in PAGES for b in body(page)["broadcasts"]]
    assert query(db, f"select id, subject, {', '.join(STATS)} from raw.kit_broadcasts order by id") == sorted(
        (str(b["id"]), b["subject"], *(b["stats"][k] for k in STATS)) for b in documented)
    # the second page is asked with the first page's end cursor
    asked = [r for e, r in app.answered if e.stream == "broadcasts"]
    assert [r.arg("after") for r in asked] == [None, body(PAGES[0])["pagination"]["end_cursor"]]

    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_id, date, sends, unique_opens, clicks, unsubscribes, bounces "
                            "from analytics.fct_email_campaign_performance order by campaign_id").fetchall()
    sent = sorted((b for b in documented if b["send_at"]), key=lambda b: str(b["id"]))
    # broadcast 242 went out at 23:30 UTC on the 17th: that UTC day; the draft (no send_at) is no fact row
    assert facts == [(str(b["id"]), date.fromisoformat(b["send_at"][:10]), b["stats"]["recipients"], b["stats"]["emails_opened"],
                      b["stats"]["total_clicks"], b["stats"]["unsubscribes"], None) for b in sent]


def test_a_broadcast_read_again_updates_its_row_and_adds_none(tmp_path, fast):
    db, pipelines = tmp_path / "k.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "broadcasts.page2.json").read_text())
    page["broadcasts"][0]["stats"].update(emails_opened=7001, total_clicks=1500)
    (later / "bodies" / "broadcasts.page2.json").write_text(json.dumps(page))
    sync(db, pipelines, later)
    assert query(db, "select count(*) from raw.kit_broadcasts") == [(3,)]
    assert query(db, "select emails_opened, total_clicks from raw.kit_broadcasts where id = '241'") == [(7001, 1500)]


def test_documented_errors():
    policy = API.errors.policy()
    unauthorized = body("error.auth.json")
    error = policy.for_status(httpx.Response(401), unauthorized)
    assert isinstance(error, AuthError) and "The access token is invalid" in str(error)
    assert isinstance(policy.for_status(httpx.Response(200), unauthorized), AuthError)  # the body decides
    assert isinstance(policy.for_status(httpx.Response(403), {}), AuthError)  # not on a plan with broadcast stats
    assert policy.for_status(httpx.Response(200), body("broadcasts.page1.json")) is None
