"""klaviyo: its documented bodies load as documented, its report queries and pages, per-endpoint
pacing, its error table, send days in the account's time zone, and a report read again.

Expected values are read off the documented bodies (cassettes/klaviyo/bodies, built from Klaviyo's
OpenAPI description), never from the connector.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
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
from bosco_connectors.sources.klaviyo import API, REVISION, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def stream(name: str):
    return next(s for s in connector.streams if s.name == name)


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path, streams: list[str] | None = None) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="klaviyo_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1", streams=streams),
                     loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("klaviyo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))
        app = sync(tmp / "k.duckdb", tmp / "p", fixture_folder(connector))
    return tmp / "k.duckdb", app


def test_campaign_values_load_each_message_with_exact_revenue(replayed):
    db, _ = replayed
    documented = [r for page in ("campaign_values.page1.json", "campaign_values.page2.json") for r in body(page)["data"]["attributes"]["results"]]
    rows = query(db, "select campaign_id, campaign_message_id, send_channel, recipients, delivered, opens_unique, clicks_unique, "
                     "conversions, conversion_value, conversion_metric_id, timeframe_end from raw.klaviyo_campaign_values order by campaign_id")
    assert rows == sorted(
        (r["groupings"]["campaign_id"], r["groupings"]["campaign_message_id"], r["groupings"]["send_channel"], r["statistics"]["recipients"],
         r["statistics"]["delivered"], r["statistics"]["opens_unique"], r["statistics"]["clicks_unique"], float(r["statistics"]["conversions"]),
         Decimal(str(r["statistics"]["conversion_value"])), "RESQ6t", date(2026, 11, 18)) for r in documented)
    assert Decimal("3650.25") in [r[8] for r in rows]  # JSON number in currency units: exact


def test_flow_series_become_one_row_per_message_and_day(replayed):
    db, _ = replayed
    documented = body("flow_series.json")["data"]["attributes"]
    days = [date.fromisoformat(d[:10]) for d in documented["date_times"]]
    expected = sorted((r["groupings"]["flow_id"], r["groupings"]["flow_message_id"], r["groupings"]["send_channel"], day,
                       r["statistics"]["recipients"][i], Decimal(str(r["statistics"]["conversion_value"][i])))
                      for r in documented["results"] for i, day in enumerate(days))
    rows = query(db, "select flow_id, flow_message_id, send_channel, date, recipients, conversion_value from raw.klaviyo_flow_series "
                     "order by 1, 2, 3, 4")
    assert rows == expected and len(rows) == 6


def test_entities_load_their_attributes(replayed):
    db, _ = replayed
    assert query(db, "select id, timezone, preferred_currency from raw.klaviyo_accounts") == [("AbC123", "US/Eastern", "USD")]
    assert query(db, "select id, channel, name, send_time from raw.klaviyo_campaigns order by send_time")[1][1:3] == ("email", "Flash sale")
    assert query(db, "select count(*), count(distinct campaign_id) from raw.klaviyo_campaign_messages") == [(3, 3)]
    assert query(db, "select id, name from raw.klaviyo_metrics order by id") == [("Ks7Trg", "Opened Email"), ("RESQ6t", "Placed Order"),
                                                                                 ("Vm2Zpq", "Clicked SMS")]
    # profiles carry no personal data: the request names the fields, and none of name, email or phone loads
    columns = {r[0] for r in query(db, "select column_name from information_schema.columns where table_name = 'klaviyo_profiles'")}
    assert not columns & {"email", "phone_number", "first_name", "last_name"} and "location__country" in columns


def test_report_queries_are_the_documented_json_api_bodies_and_page_two_repeats_them(replayed):
    _, app = replayed
    posts = [(e.response["body"], r) for e, r in app.answered if e.stream in ("campaign_values", "flow_series")]
    values = [r for name, r in posts if name.startswith("campaign_values")]
    assert [r.arg("page_cursor") for r in values] == [None, "Y3Vyc29yOjI"]
    first, second = (r.json() for r in values)
    assert first == second  # the next page (links.next) is asked with the same query
    attributes = first["data"]["attributes"]
    assert first["data"]["type"] == "campaign-values-report"
    assert attributes["timeframe"] == {"start": "2026-11-16T00:00:00Z", "end": "2026-11-18T23:59:59Z"}
    assert attributes["conversion_metric_id"] == "RESQ6t" and attributes["group_by"] == ["campaign_id", "campaign_message_id", "send_channel"]
    assert attributes["filter"] == 'contains-any(send_channel,["email","sms"])'
    assert {"recipients", "delivered", "conversion_value"} <= set(attributes["statistics"])
    series = next(r for name, r in posts if name == "flow_series.json").json()["data"]["attributes"]
    assert series["interval"] == "daily" and series["group_by"] == ["flow_id", "flow_message_id", "send_channel"]
    request = values[0]
    assert request.header("revision") == REVISION and request.header("authorization") == "Klaviyo-API-Key pk-test"


def test_fact_rows_are_on_send_days_in_the_accounts_time_zone(replayed):
    from bosco_connectors.recipes.runner import build

    db, _ = replayed
    copy = db.parent / "fact.duckdb"
    shutil.copy(db, copy)
    with registered(connector), duckdb.connect(str(copy)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        rows = con.execute("select campaign_type, campaign_id, campaign_name, date, channel, sends, attributed_revenue, currency "
                           "from analytics.fct_email_campaign_performance where campaign_type = 'campaign' order by date").fetchall()
        flows = con.execute("select campaign_id, campaign_name, date, channel, sends from analytics.fct_email_campaign_performance "
                            "where campaign_type = 'flow' and date = DATE '2026-11-17' order by 1").fetchall()
    assert rows == [
        ("campaign", "01JCQ0D6B3YFDZ7W8X9K2M4N5P", "Holiday preview", date(2026, 11, 16), "email", 2040, Decimal("3650.25"), "USD"),
        # sent 2026-11-18T02:30Z: 21:30 on the 17th in US/Eastern, the account's zone
        ("campaign", "01JCQ2H8C5ZGEA8X9Y0R3N5P6Q", "Flash sale", date(2026, 11, 17), "email", 1190, Decimal("954.6"), "USD"),
        ("campaign", "01JCQ4K9D6AHFB9Y0Z1M4P6Q7R", "Flash sale SMS", date(2026, 11, 18), "sms", 950, Decimal("610.5"), "USD"),
    ]
    assert flows == [("R8cWmT", "Abandoned cart", date(2026, 11, 17), "sms", 52), ("XVTP5Q", "Welcome series", date(2026, 11, 17), "email", 135)]


def test_a_report_read_again_updates_its_rows_and_adds_none(tmp_path, fast):
    """Conversions keep arriving for days after a send: the look-back re-reads, merged on the message (and day)."""
    db, pipelines = tmp_path / "k.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "campaign_values.page1.json").read_text())
    page["data"]["attributes"]["results"][0]["statistics"].update(conversions=41, conversion_value=4012.5)
    (later / "bodies" / "campaign_values.page1.json").write_text(json.dumps(page))
    series = json.loads((later / "bodies" / "flow_series.json").read_text())
    series["data"]["attributes"]["results"][0]["statistics"]["conversion_value"][2] = 250.0
    (later / "bodies" / "flow_series.json").write_text(json.dumps(series))
    sync(db, pipelines, later, streams=["campaign_values", "flow_series"])
    assert query(db, "select count(*) from raw.klaviyo_campaign_values") == [(3,)]
    assert query(db, "select conversions, conversion_value from raw.klaviyo_campaign_values "
                     "where campaign_id = '01JCQ0D6B3YFDZ7W8X9K2M4N5P'") == [(41.0, Decimal("4012.5"))]
    assert query(db, "select count(*) from raw.klaviyo_flow_series") == [(6,)]
    assert query(db, "select conversion_value from raw.klaviyo_flow_series where flow_id = 'XVTP5Q' and date = DATE '2026-11-18'") == [
        (Decimal("250"),)]


def test_reports_read_at_most_a_year_or_sixty_daily_days_per_request():
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert [(w.start, w.end) for w in stream("campaign_values").windows(start, end)] == [(start, date(2026, 12, 31))]
    flow_windows = stream("flow_series").windows(start, date(2026, 4, 10))
    assert [(w.end - w.start).days + 1 for w in flow_windows] == [60, 40]
    assert stream("campaign_values").cursor.lookback == stream("flow_series").cursor.lookback == timedelta(days=7)


def test_each_endpoint_is_paced_by_its_own_limit():
    """Reports 2 a minute, campaigns 150: a report never waits behind campaigns, nor campaigns behind reports."""
    waits: list[float] = []
    ok = {"data": {"type": "campaign-values-report", "attributes": {"results": []}}, "links": {"self": "x"}}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=ok))
    config = connector.validate({"api_key": "pk-test", "conversion_metric_id": "RESQ6t"})
    client = connector.client_factory(config, sleep=waits.append, transport=transport)
    for _ in range(2):
        client.post("campaign-values-reports", json={})
    report_waits = list(waits)
    client.get("campaigns")
    client.get("campaigns")
    assert len(report_waits) == 1 and 29.0 < report_waits[0] <= 30.0  # 60 s / 2 requests
    assert len(waits) == 2 and 0.0 < waits[1] <= 0.4  # 60 s / 150 requests


@pytest.mark.parametrize(("status", "name", "kind"), [(401, "error.auth.json", AuthError), (429, "error.rate_limit.json", RetryableApiError)])
def test_documented_errors(status, name, kind):
    documented = body(name)
    error = API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), documented)
    assert type(error) is kind
    assert documented["errors"][0]["detail"] in str(error)
    # the same body under HTTP 200 is still an error
    assert isinstance(API.errors.policy().for_status(httpx.Response(200), documented), kind)


def test_permission_denied_is_a_credential_problem():
    denied = {"errors": [{"id": "e1", "status": 403, "code": "permission_denied", "title": "You do not have permission to perform this action.",
                          "detail": "You do not have permission to perform this action.", "source": {"pointer": "/data/"}}]}
    assert isinstance(API.errors.policy().for_status(httpx.Response(403), denied), AuthError)
    assert API.errors.policy().for_status(httpx.Response(200), body("accounts.json")) is None
