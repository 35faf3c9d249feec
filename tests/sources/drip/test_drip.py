"""drip: its documented bodies load as documented (one day a request, each email stamped with the day
asked, cents converted exactly, deleted broadcasts out), the email fact (flows apart from broadcasts,
attributed revenue), the error table, and a day read again.

Expected values are read off the documented bodies (cassettes/drip/bodies), never from the connector.
"""

from __future__ import annotations

import json
import shutil
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
from bosco_connectors.sources.drip import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
DAYS = ("2026-11-16", "2026-11-17", "2026-11-18")


def body(name: str):
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def sync(db: Path, pipelines: Path, folder: Path) -> FixtureApp:
    app = FixtureApp(Fixtures.load(folder))
    with FakeApi([app]) as api:
        pipeline = dlt.pipeline(pipeline_name="drip_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(pipelines), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    return app


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def documented_emails() -> list[tuple[str, dict]]:
    return [(day, e) for day in DAYS for e in body(f"email_metrics.{day}.json")["emails"]]


def test_each_email_carries_the_day_asked_and_exact_money(tmp_path, fast):
    db = tmp_path / "d.duckdb"
    app = sync(db, tmp_path / "p", fixture_folder(connector))
    asked = [(r.arg("start_date"), r.arg("end_date")) for e, r in app.answered if e.stream == "email_metrics"]
    assert asked == [(d, d) for d in DAYS]  # one day a request
    rows = query(db, "select email_id, send_day, sends, opens, clicks, orders, revenue, average_order_value "
                     "from raw.drip_email_metrics order by email_id")
    expected = sorted((str(e["email_id"]), date.fromisoformat(day), e["email_metric"]["sends"], e["email_metric"]["opens"],
                       e["email_metric"]["clicks"], e["email_metric"]["orders"],
                       Decimal(e["email_metric"]["revenue_in_cents"]).scaleb(-2),
                       Decimal(e["email_metric"]["average_order_value_in_cents"]).scaleb(-2)) for day, e in documented_emails())
    assert [(*r[:6], Decimal(r[6]).normalize(), Decimal(r[7]).normalize()) for r in rows] == [
        (*e[:6], e[6].normalize(), e[7].normalize()) for e in expected]
    # the deleted broadcast (status=all lists it) is not in the table
    assert query(db, "select id from raw.drip_broadcasts order by id") == [("718001",), ("718003",)]


def test_emails_reach_the_email_fact(tmp_path, fast):
    db = tmp_path / "d.duckdb"
    sync(db, tmp_path / "p", fixture_folder(connector))
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_email_campaign_performance"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        facts = con.execute("select campaign_id, date, campaign_type, sends, unique_opens, attributed_orders, attributed_revenue "
                            "from analytics.fct_email_campaign_performance order by campaign_id").fetchall()
    expected = sorted((str(e["email_id"]), date.fromisoformat(day), "campaign" if e.get("broadcast_id") else "flow",
                       e["email_metric"]["sends"], e["email_metric"]["opens"], e["email_metric"]["orders"],
                       Decimal(e["email_metric"]["revenue_in_cents"]).scaleb(-2)) for day, e in documented_emails())
    assert [(*f[:6], Decimal(f[6]).normalize()) for f in facts] == [(*e[:6], e[6].normalize()) for e in expected]


def test_a_day_read_again_updates_its_emails_and_adds_none(tmp_path, fast):
    db, pipelines = tmp_path / "d.duckdb", tmp_path / "p"
    sync(db, pipelines, fixture_folder(connector))
    later = tmp_path / "later"
    shutil.copytree(fixture_folder(connector), later)
    page = json.loads((later / "bodies" / "email_metrics.2026-11-16.json").read_text())
    page["emails"][0]["email_metric"].update(orders=44, revenue_in_cents=660000)
    (later / "bodies" / "email_metrics.2026-11-16.json").write_text(json.dumps(page))
    sync(db, pipelines, later)
    assert query(db, "select count(*) from raw.drip_email_metrics") == [(3,)]
    assert query(db, "select orders, revenue from raw.drip_email_metrics where email_id = '55101'")[0][0] == 44
    assert Decimal(query(db, "select revenue from raw.drip_email_metrics where email_id = '55101'")[0][0]) == Decimal("6600")


def test_documented_errors():
    policy = API.errors.policy()
    forbidden = body("error.auth.json")
    error = policy.for_status(httpx.Response(403), forbidden)
    assert isinstance(error, AuthError) and "not authorized" in str(error)
    assert isinstance(policy.for_status(httpx.Response(200), forbidden), AuthError)  # the body's code decides
    limited = policy.for_status(httpx.Response(429, headers={"Retry-After": "1800"}), body("error.rate_limit.json"))
    assert isinstance(limited, RetryableApiError) and limited.retry_after == 1800
    assert policy.for_status(httpx.Response(200), body("email_metrics.2026-11-16.json")) is None
