"""braze: its documented bodies load as documented (one row per day and email variation, the day's
campaign-wide figures beside it, Canvas totals), the requests it sends (lists from page 0 without a
size, the 100-day campaign series, the Canvas window), the email fact, and the error table.

Expected values are read off the documented bodies (cassettes/braze/bodies), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.braze import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
EMAIL = ("sent", "delivered", "opens", "unique_opens", "clicks", "unique_clicks", "unsubscribes", "bounces", "reported_spam")


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("braze")
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="braze_test", destination=dlt.destinations.duckdb(str(tmp / "b.duckdb")),
                                pipelines_dir=str(tmp / "p"), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return tmp / "b.duckdb", app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_one_row_per_day_and_email_variation(loaded):
    db, _ = loaded
    campaign = body("campaigns.page0.json")["campaigns"][1]  # Black Friday: two email variations and an SMS one
    series = body("campaign_email_daily.black_friday.json")["data"]
    expected = sorted((date.fromisoformat(d["time"]), e["variation_api_id"], *(e[k] for k in EMAIL), d["unique_recipients"],
                       Decimal(str(d["revenue"]))) for d in series for e in d["messages"]["email"])
    rows = query(db, f"select date, variation_api_id, {', '.join(EMAIL)}, day_unique_recipients, day_revenue "
                     f"from raw.braze_campaign_email_daily where campaign_id = '{campaign['id']}' order by date, variation_api_id")
    assert [(*r[:-1], Decimal(r[-1]).normalize()) for r in rows] == [(*e[:-1], e[-1].normalize()) for e in expected]
    # the SMS variation is not an email row
    sms = series[0]["messages"]["sms"][0]["variation_api_id"]
    assert query(db, f"select count(*) from raw.braze_campaign_email_daily where variation_api_id = '{sms}'") == [(0,)]


def test_canvas_totals_and_lists(loaded):
    db, _ = loaded
    canvas = body("canvases.page0.json")["canvases"][0]
    stats = body("canvas_daily.welcome_journey.json")["data"]["stats"]
    assert query(db, "select time, entries, conversions, revenue from raw.braze_canvas_daily order by time") == [
        (date.fromisoformat(s["time"]), s["total_stats"]["entries"], s["total_stats"]["conversions"],
         Decimal(str(s["total_stats"]["revenue"])).quantize(Decimal("1e-9"))) for s in stats]
    assert query(db, "select distinct canvas_id from raw.braze_canvas_daily") == [(canvas["id"],)]
    assert query(db, "select count(*) from raw.braze_campaigns") == [(101,)]
    assert query(db, "select count(*) from raw.braze_canvases") == [(101,)]


def test_requests_follow_the_documented_parameters(loaded):
    _, app = loaded
    lists = [r for e, r in app.answered if e.stream in ("campaigns", "canvases")]
    # (each list is read for its own table and again as the parent of its series)
    assert {(r.path.rstrip("/").rsplit("/", 2)[-2], r.arg("page")) for r in lists} == {
        ("campaigns", "0"), ("campaigns", "1"), ("canvas", "0"), ("canvas", "1")}
    assert all(r.arg("page_size") is None and r.arg("include_archived") == "true" for r in lists)
    series = [r for e, r in app.answered if e.stream == "campaign_email_daily"]
    assert {(r.arg("length"), r.arg("ending_at"), r.arg("starting_at")) for r in series} == {("100", None, None)}
    canvas = [r for e, r in app.answered if e.stream == "canvas_daily"]
    assert {(r.arg("starting_at"), r.arg("ending_at")) for r in canvas} == {("2026-11-16T00:00:00Z", "2026-11-18T23:59:59Z")}


def test_email_fact_sums_variations(loaded):
    db, _ = loaded
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_name, date, channel, sends, unique_opens, spam_reports "
                            "from analytics.fct_email_campaign_performance where campaign_name like 'Black%' order by date").fetchall()
    series = body("campaign_email_daily.black_friday.json")["data"]
    assert facts == [("Black Friday early access", date.fromisoformat(d["time"]), "email",
                      sum(e["sent"] for e in d["messages"]["email"]), sum(e["unique_opens"] for e in d["messages"]["email"]),
                      sum(e["reported_spam"] for e in d["messages"]["email"])) for d in series]


def test_documented_errors():
    policy = API.errors.policy()
    unauthorized = body("error.auth.json")
    error = policy.for_status(httpx.Response(401), unauthorized)
    assert isinstance(error, AuthError) and "Unknown or missing REST API Key" in str(error)
    assert isinstance(policy.for_status(httpx.Response(200), unauthorized), AuthError)  # the message decides
    assert isinstance(policy.for_status(httpx.Response(404), {"message": "Unknown REST API Key"}), AuthError)
    limited = policy.for_status(httpx.Response(429, headers={"X-RateLimit-Reset": "1795305660"}), body("error.rate_limit.json"))
    assert isinstance(limited, RetryableApiError) and limited.retry_after is None  # a Unix time, not a wait
    assert policy.for_status(httpx.Response(200), body("campaigns.page0.json")) is None
    assert policy.for_status(httpx.Response(200), body("canvas_daily.welcome_journey.json")) is None
