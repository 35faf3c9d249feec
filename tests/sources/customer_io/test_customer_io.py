"""customer_io: its documented bodies load as documented (each newsletter's monthly series summed into
its totals to date; each automation's daily series one row a day and channel), the region's host, the
email fact (channel from the metrics' type, the UTC day of sent_at; automations per day, their ids
apart from the newsletters'), the error table, and metrics read again.

Expected values are read off the documented bodies (cassettes/customer_io/bodies), never from the connector.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, timezone
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
from tests.sources.replayed import quick_client

BODIES = fixture_folder(connector) / "bodies"
IDS = (128275, 128301, 128340)
#: The automations' channels the documented list's actions use (automation 9 is a draft without actions).
CHANNELS = (("5", "email"), ("5", "twilio"), ("7", "email"))
#: The fixtures' window (config start_date .. end_date), UTC days.
DAYS = [date(2026, 11, 16) + timedelta(days=i) for i in range(3)]


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


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> tuple[Path, FixtureApp]:
    """The documented sync the read-only tests below query, with `fast`'s client (run once for the module).
    The tests that build the email fact build it into a copy."""
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    with quick_client(connector, retry=fast):  # as `fast`, for the module
        app = sync(module_tmp / "c.duckdb", module_tmp / "p", fixture_folder(connector))
    return module_tmp / "c.duckdb", app


def test_series_are_summed_into_totals_to_date(replayed):
    db, app = replayed
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


@pytest.fixture(scope="module")
def email_fact(replayed, module_tmp) -> Path:
    """A copy of the shared sync with ``fct_email_campaign_performance`` built, which the fact's tests read."""
    from bosco_connectors.recipes.runner import build

    db = module_tmp / "fact.duckdb"
    shutil.copy(replayed[0], db)
    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
    assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    return db


def test_newsletters_reach_the_email_fact_on_their_channel(email_fact):
    with duckdb.connect(str(email_fact), read_only=True) as con:
        facts = con.execute("select campaign_id, date, channel, sends, unique_opens, unique_clicks, opens "
                            "from analytics.fct_email_campaign_performance where campaign_type = 'campaign' order by campaign_id").fetchall()
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
    assert policy.for_status(httpx.Response(200), body("campaigns.json")) is None
    assert policy.for_status(httpx.Response(200), body("campaign_metrics.5.email.json")) is None


def automation_series(campaign_id: str, channel: str) -> dict[str, list[int]]:
    return body(f"campaign_metrics.{campaign_id}.{channel}.json")["metric"]["series"]


def test_automation_metrics_are_one_row_per_day_and_channel(replayed):
    db, app = replayed
    expected = []
    for cid, channel in CHANNELS:
        series = automation_series(cid, channel)
        # entry i of each series is the window's first day plus i days (oldest first)
        expected += [(cid, channel, day, series["sent"][i], series["delivered"][i], series["opened"][i], series["clicked"][i],
                      series["replied"][i], series["converted"][i]) for i, day in enumerate(DAYS)]
    assert query(db, "select campaign_id, type, date, sent, delivered, opened, clicked, replied, converted "
                     "from raw.customer_io_campaign_metrics order by campaign_id, type, date") == sorted(expected)
    # version 2 by day over the window's UTC midnights, one request per automation and channel its actions use
    asked = [r for e, r in app.answered if e.stream == "campaign_metrics"]
    assert sorted((r.path.rsplit("/", 2)[-2], r.arg("type"), r.arg("version"), r.arg("res"), r.arg("start"), r.arg("end"),
                   r.arg("tz")) for r in asked) == [
        (cid, channel, "2", "days", str(int(datetime(2026, 11, 16, tzinfo=timezone.utc).timestamp())),
         str(int(datetime(2026, 11, 19, tzinfo=timezone.utc).timestamp())), None) for cid, channel in CHANNELS]
    automations = body("campaigns.json")["campaigns"]
    assert query(db, "select id, name, state, active, first_started from raw.customer_io_campaigns order by id") == [
        (str(a["id"]), a["name"], a["state"], a["active"],
         datetime.fromtimestamp(a["first_started"], timezone.utc) if "first_started" in a else None) for a in automations]
    loaded = query(db, "select id, actions from raw.customer_io_campaigns order by id")
    assert [(i, [{"id": x["id"], "type": x["type"]} for x in json.loads(a)]) for i, a in loaded] == [
        (str(a["id"]), [{"id": x["id"], "type": x["type"]} for x in a["actions"]]) for a in automations]  # JSON as sent


def test_automations_reach_the_email_fact_per_day_and_channel_apart_from_newsletters(email_fact):
    with duckdb.connect(str(email_fact), read_only=True) as con:
        facts = con.execute("select campaign_id, campaign_name, campaign_type, date, channel, sends, deliveries, unique_opens, "
                            "unique_clicks, bounces, unsubscribes, spam_reports from analytics.fct_email_campaign_performance "
                            "where campaign_type = 'flow' order by campaign_id, channel, date").fetchall()
        totals = con.execute("select campaign_type, sum(sends) from analytics.fct_email_campaign_performance "
                             "group by 1 order by 1").fetchall()
    names = {str(a["id"]): a["name"] for a in body("campaigns.json")["campaigns"]}
    expected = []
    for cid, channel in CHANNELS:
        s = automation_series(cid, channel)
        expected += [(f"automation:{cid}", names[cid], "flow", day, {"twilio": "sms"}.get(channel, channel), s["sent"][i],
                      s["delivered"][i], s["opened"][i], s["clicked"][i], s["bounced"][i], s["unsubscribed"][i], s["spammed"][i])
                     for i, day in enumerate(DAYS)]
    assert facts == sorted(expected, key=lambda r: (r[0], r[4], r[3]))
    # the fact's sends: every documented newsletter's series, and every automation's days, each counted once
    assert totals == [("campaign", sum(sum(body(f"newsletter_metrics.{i}.json")["metric"]["series"]["sent"]) for i in IDS)),
                      ("flow", sum(sum(automation_series(cid, channel)["sent"]) for cid, channel in CHANNELS))]


def test_an_entry_past_the_last_day_asked_is_left_out(tmp_path, fast):
    """Whether ``end`` is inclusive is not documented: an answer with one more entry than the days asked
    loads the days asked only (the extra day is the next window's, or today's, read then)."""
    db = tmp_path / "c.duckdb"
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "campaign_metrics.5.email.json").read_text())
    for values in page["metric"]["series"].values():
        values.append(999)
    (later / "bodies" / "campaign_metrics.5.email.json").write_text(json.dumps(page))
    sync(db, tmp_path / "p", later)
    assert query(db, "select max(date), count(*), max(sent) from raw.customer_io_campaign_metrics "
                     "where campaign_id = '5' and type = 'email'") == [(DAYS[-1], 3, max(automation_series("5", "email")["sent"]))]


def test_automation_metrics_at_another_resolution_fail(tmp_path, fast):
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "campaign_metrics.7.email.json").read_text())
    page["res"] = "months"
    (later / "bodies" / "campaign_metrics.7.email.json").write_text(json.dumps(page))
    with pytest.raises(Exception) as failed:  # dlt wraps the source's error in its own
        sync(tmp_path / "c.duckdb", tmp_path / "p", later)
    assert "metrics asked by day answered at res='months'" in str(failed.value)


def test_automation_metrics_read_again_update_their_days(tmp_path, fast):
    db, pipelines = tmp_path / "c.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "campaign_metrics.5.twilio.json").read_text())
    page["metric"]["series"]["delivered"][-1] += 5
    (later / "bodies" / "campaign_metrics.5.twilio.json").write_text(json.dumps(page))
    sync(db, pipelines, later)
    assert query(db, "select count(*) from raw.customer_io_campaign_metrics") == [(9,)]
    assert query(db, "select delivered from raw.customer_io_campaign_metrics where campaign_id = '5' and type = 'twilio' "
                     f"and date = DATE '{DAYS[-1]}'") == [(page["metric"]["series"]["delivered"][-1],)]
