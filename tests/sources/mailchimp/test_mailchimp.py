"""mailchimp: its documented bodies load as documented, the key picks the host, its error table,
send days in the account's time zone, and a report read again updates its row.

Expected values are read off the documented bodies (cassettes/mailchimp/bodies, built from
Mailchimp's SDK types), never from the connector.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, ConfigError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.mailchimp import API, connector, data_centre
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

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
        pipeline = dlt.pipeline(pipeline_name="mailchimp_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp) -> Path:
    """The documented sync, with `fast`'s client, every read-only test below queries (run once for the
    module); the test that builds the email fact builds it into a copy."""
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    with quick_client(connector, retry=fast):  # as `fast`, for the module
        sync(module_tmp / "m.duckdb", module_tmp / "p", fixture_folder(connector))
    return module_tmp / "m.duckdb"


def test_reports_load_their_nested_counts_and_revenue_as_exact_currency(replayed):
    documented = {r["id"]: r for page in ("campaign_reports.page1.json", "campaign_reports.page2.json") for r in body(page)["reports"]}
    rows = query(replayed, "select id, emails_sent, opens_total, unique_opens, clicks_total, unique_subscriber_clicks, hard_bounces, "
                           "soft_bounces, syntax_errors, unsubscribed, abuse_reports, total_orders, total_revenue, total_spent, "
                           "currency_code, send_time from raw.mailchimp_campaign_reports order by id")
    assert [r[0] for r in rows] == sorted(documented)
    for row in rows:
        doc = documented[row[0]]
        assert row[1:12] == (doc["emails_sent"], doc["opens"]["opens_total"], doc["opens"]["unique_opens"], doc["clicks"]["clicks_total"],
                             doc["clicks"]["unique_subscriber_clicks"], doc["bounces"]["hard_bounces"], doc["bounces"]["soft_bounces"],
                             doc["bounces"]["syntax_errors"], doc["unsubscribed"], doc["abuse_reports"], doc["ecommerce"]["total_orders"])
        # JSON numbers in currency units: exact decimals, never floats
        assert row[12] == Decimal(str(doc["ecommerce"]["total_revenue"])) and row[13] == Decimal(str(doc["ecommerce"]["total_spent"]))
        assert row[14] == "USD"
        assert row[15] == datetime.fromisoformat(doc["send_time"])
    assert rows[0][12] == Decimal("3650.25")  # 42694e9e57


def test_draft_campaign_has_no_send_time_and_settings_move_up(replayed):
    rows = query(replayed, "select id, status, send_time, title, list_id from raw.mailchimp_campaigns order by id")
    assert rows == [("42694e9e57", "sent", datetime(2026, 11, 16, 15, tzinfo=timezone.utc), "Holiday sale", "57afe96172"),
                    ("b03bfc273a", "sent", datetime(2026, 11, 18, 2, 30, tzinfo=timezone.utc), "Flash sale", "9e67587f52"),
                    ("d7c1e0a5f3", "save", None, "Winter restock (draft)", "f4b7d4c3c2")]  # send_time "" is not set
    assert query(replayed, "select account_id, account_timezone from raw.mailchimp_account") == [("8d3a3db4d97663a9074efcc16", "America/New_York")]


def test_fact_rows_are_on_the_send_day_in_the_accounts_time_zone(tmp_path, replayed):
    from bosco_connectors.recipes.runner import build

    db = tmp_path / "m.duckdb"
    shutil.copy(replayed, db)
    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        rows = con.execute("select campaign_id, date, channel, sends, bounces, attributed_revenue, currency "
                           "from analytics.fct_email_campaign_performance order by campaign_id").fetchall()
    assert rows == [
        ("42694e9e57", date(2026, 11, 16), "email", 2040, 8 + 14 + 0, Decimal("3650.25"), "USD"),
        ("5e2f6d1a90", date(2026, 11, 19), "email", 1185, 1 + 4 + 0, Decimal("0"), "USD"),
        # sent 2026-11-18T02:30Z: 21:30 on the 17th in New York, the account's zone
        ("b03bfc273a", date(2026, 11, 17), "email", 1190, 2 + 6 + 1, Decimal("954.6"), "USD"),
    ]


def test_a_report_read_again_updates_its_row_and_adds_none(tmp_path, fast):
    """Opens, clicks and revenue keep growing after the send: the look-back re-reads the report, merged on its id."""
    db, pipelines = tmp_path / "m.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "campaign_reports.page1.json").read_text())
    page["reports"][0]["opens"]["opens_total"] = 1602
    page["reports"][0]["ecommerce"]["total_orders"] = 39
    page["reports"][0]["ecommerce"]["total_revenue"] = 3801.75
    (later / "bodies" / "campaign_reports.page1.json").write_text(json.dumps(page))
    sync(db, pipelines, later)
    rows = query(db, "select id, opens_total, total_orders, total_revenue from raw.mailchimp_campaign_reports order by id")
    assert len(rows) == 3
    assert rows[0] == ("42694e9e57", 1602, 39, Decimal("3801.75"))


def test_the_keys_data_centre_picks_the_host():
    config = connector.validate({"api_key": "0123456789abcdef0123456789abcdef-us21"})
    assert config.base_url == "https://us21.api.mailchimp.com/3.0/"
    assert data_centre("abc-us6") == "us6"
    assert connector.validate({"api_key": "k", "base_url": "http://127.0.0.1:9/3.0/"}).base_url == "http://127.0.0.1:9/3.0/"
    with pytest.raises(ConfigError) as info:
        connector.validate({"api_key": "0123456789abcdef0123456789abcdef"})
    assert "data centre" in str(info.value) and "0123456789abcdef" not in str(info.value)


@pytest.mark.parametrize(("status", "name", "kind"), [
    (401, "error.auth.json", AuthError),
    (429, "error.rate_limit.json", RetryableApiError),
])
def test_documented_errors(status, name, kind):
    documented = body(name)
    error = API.errors.policy().for_status(httpx.Response(status), documented)
    assert type(error) is kind
    assert documented["detail"] in str(error)


@pytest.mark.parametrize(("status", "kind"), [(403, AuthError), (404, ApiError), (500, RetryableApiError), (503, RetryableApiError)])
def test_problem_documents_by_status(status, kind):
    problem = {"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "t", "status": status, "detail": "d", "instance": "i"}
    assert type(API.errors.policy().for_status(httpx.Response(status), problem)) is kind


def test_a_problem_document_under_http_200_is_an_error():
    error = API.errors.policy().for_status(httpx.Response(200), body("error.auth.json"))
    assert isinstance(error, AuthError)
    assert API.errors.policy().for_status(httpx.Response(200), body("lists.page1.json")) is None
