"""postmark: the documented days load per message stream (inbound streams not asked for), the
unified fact sums a stream's day across the five stats, the error table, and a day read again.

Expected values are read off the documented bodies (cassettes/postmark/bodies), never from the connector.
"""

from __future__ import annotations

import copy
import json
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
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.postmark import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
STREAMS = ("outbound", "broadcast")


def body(name: str):
    return json.loads((BODIES / name).read_text())


def days(stream: str, field: str) -> int:
    return sum(d[field] for s in STREAMS for d in body(f"{stream}.{s}.json")["Days"])


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(tmp_path: Path, answer_first=None) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="postmark_test", destination=dlt.destinations.duckdb(str(tmp_path / "p.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return seen


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_days_load_per_outbound_message_stream_and_inbound_is_not_asked(tmp_path, fast):
    seen = sync(tmp_path)
    asked = {r.arg("messagestream") for r in seen if "stats/outbound/" in r.path}
    assert asked == {"outbound", "broadcast"}  # the Inbound stream of message_streams.json has no outbound stats
    rows = query(tmp_path, "select message_stream, date, opens, \"unique\" from raw.postmark_opens_daily order by 1, 2")
    assert rows == sorted((s, date.fromisoformat(d["Date"]), d["Opens"], d["Unique"])
                          for s in STREAMS for d in body(f"opens_daily.{s}.json")["Days"])
    assert query(tmp_path, "select sum(hard_bounce), sum(soft_bounce), sum(smtp_api_error), sum(transient) from raw.postmark_bounces_daily") == [
        (days("bounces_daily", "HardBounce"), days("bounces_daily", "SoftBounce"), days("bounces_daily", "SMTPApiError"),
         days("bounces_daily", "Transient"))]
    assert query(tmp_path, "select id, message_stream_type from raw.postmark_message_streams order by 1") == [
        ("broadcast", "Broadcasts"), ("inbound", "Inbound"), ("outbound", "Transactional")]
    assert all(r.header("x-postmark-server-token") == "fixture-token" for r in seen)


def test_a_stream_day_is_one_fact_row_with_every_stat(tmp_path, fast):
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "pp", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_email_campaign_performance"])
    assert built.get("fct_email_campaign_performance").status == "built"
    row = con.execute("select campaign_name, sends, opens, unique_opens, clicks, bounces, spam_reports, unsubscribes "
                      "from analytics.fct_email_campaign_performance where platform = 'postmark' and campaign_id = 'broadcast' "
                      "and date = '2026-11-16'").fetchall()
    day = lambda name, s="broadcast": body(f"{name}.{s}.json")["Days"][0]  # noqa: E731
    assert row == [("Newsletters", day("sends_daily")["Sent"], day("opens_daily")["Opens"], day("opens_daily")["Unique"],
                    day("clicks_daily")["Clicks"], day("bounces_daily")["HardBounce"] + day("bounces_daily")["SoftBounce"],
                    day("spam_complaints_daily")["SpamComplaint"], None)]  # unsubscribes: not reported, NULL
    con.close()


def test_a_day_read_again_changes_its_row_and_adds_none(tmp_path, fast):
    sync(tmp_path)
    changed = copy.deepcopy(body("opens_daily.outbound.json"))
    changed["Days"][1]["Opens"] += 25  # opens of 2026-11-17 that arrived later

    def later(request):
        if request.path.endswith("stats/outbound/opens") and request.arg("messagestream") == "outbound":
            return FakeResponse.json(changed)
        return None

    sync(tmp_path, later)
    assert query(tmp_path, "select count(*), sum(opens) from raw.postmark_opens_daily") == [(4, days("opens_daily", "Opens") + 25)]


@pytest.mark.parametrize(("status", "name", "kind"), [
    (401, "error.auth.json", AuthError),
    (200, "error.auth.json", AuthError),  # ErrorCode 10 is a credential problem whatever the status
    (429, "error.rate_limit.json", RetryableApiError),
])
def test_the_documented_errors(status, name, kind):
    response = httpx.Response(status, text=(BODIES / name).read_text(), headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["Message"] in str(error)
