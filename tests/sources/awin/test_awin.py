"""The declared awin source: one-day report requests stamped with their day, transactions, the facts, errors.

Expected values come from the fixture bodies (cassettes/awin/) and are written out here, never
computed with the connector's code.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.awin import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("awin"))


def arg(request, name: str):
    return (request.query.get(name) or [None])[0]


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder("awin")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="awin_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **config}))
    assert not app.unmatched, app.unmatched
    return seen


@pytest.fixture(scope="module")
def documented(module_tmp: Path) -> tuple[Path, list]:
    """The documented sync the two read-only tests below query, and the requests it sent (run once for the module)."""
    return module_tmp, run(module_tmp)


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_each_report_row_carries_the_day_its_request_asked_for(documented):
    tmp_path, seen = documented
    reports = [r for r in seen if r.path.endswith("/reports/publisher")]
    assert [(arg(r, "startDate"), arg(r, "endDate"), arg(r, "timezone"), arg(r, "dateType")) for r in reports] == [
        ("2026-11-01", "2026-11-01", "Europe/London", "transaction"), ("2026-11-02", "2026-11-02", "Europe/London", "transaction")]
    rows = query(tmp_path / "x.duckdb", "select date, advertiser_id, publisher_id, region, clicks, total_no, total_value, "
                                        "total_comm, currency from raw.awin_publisher_daily order by 1, 3")
    assert rows == [
        (date(2026, 11, 1), "1001", "189069", "GB", 85, 3, Decimal("120.5"), Decimal("31.03"), "GBP"),
        (date(2026, 11, 1), "1001", "45628", "GB", 340, 4, Decimal("220.93"), Decimal("15.49"), "GBP"),
        (date(2026, 11, 2), "1001", "45628", "GB", 295, 2, Decimal("99.98"), Decimal("6"), "GBP"),
    ]
    assert all(r.header("authorization") == "Bearer fixture-token" for r in seen)


def test_transactions_load_their_amounts_exactly_in_utc_without_the_ip_hash(documented):
    tmp_path, seen = documented
    (asked,) = [r for r in seen if r.path.endswith("/transactions/")]
    assert (arg(asked, "startDate"), arg(asked, "endDate"), arg(asked, "timezone")) == (
        "2026-11-01T00:00:00", "2026-11-02T23:59:59", "UTC")
    rows = query(tmp_path / "x.duckdb", "select id, publisher_id, commission_status, commission_amount, commission_currency, "
                                        "sale_amount, transaction_date from raw.awin_transactions order by id")
    assert rows == [
        ("259630312", "45628", "pending", Decimal("5.59"), "GBP", Decimal("55.96"), datetime(2026, 11, 1, 9, 46, tzinfo=timezone.utc)),
        ("259630313", "189069", "approved", Decimal("6.03"), "GBP", Decimal("120.5"), datetime(2026, 11, 1, 18, 10, tzinfo=timezone.utc)),
        ("259630314", "45628", "declined", Decimal("1.2"), "GBP", Decimal("20"), datetime(2026, 11, 2, 23, 55, tzinfo=timezone.utc)),
    ]
    columns = {c for (c,) in query(tmp_path / "x.duckdb", "select column_name from information_schema.columns "
                                                          "where table_name = 'awin_transactions'")}
    assert "ip_hash" not in columns


def build_facts(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(fixture_folder("awin")))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_affiliate_performance_daily", "fct_campaign_performance"])
    assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    return con


def test_the_report_reaches_both_facts_commission_as_the_publishers_spend(tmp_path):
    con = build_facts(tmp_path)
    affiliate = con.execute("select date, program_id, partner_id, partner_name, clicks, actions, sale_amount, commission, currency "
                            "from analytics.fct_affiliate_performance_daily where platform = 'awin' order by 1, 3").fetchall()
    assert [(*r[:5], float(r[5]), *r[6:]) for r in affiliate] == [
        (date(2026, 11, 1), "1001", "189069", "Voucher Publisher", 85, 3.0, Decimal("120.5"), Decimal("31.03"), "GBP"),
        (date(2026, 11, 1), "1001", "45628", "Example Publisher", 340, 4.0, Decimal("220.93"), Decimal("15.49"), "GBP"),
        (date(2026, 11, 2), "1001", "45628", "Example Publisher", 295, 2.0, Decimal("99.98"), Decimal("6"), "GBP"),
    ]
    campaigns = con.execute("select date, account_id, account_name, campaign_id, spend, impressions, clicks, conversions, "
                            "conversion_value from analytics.fct_campaign_performance where platform = 'awin' order by 1, 4").fetchall()
    assert [(r[0], r[1], r[2], r[3], Decimal(str(r[4])), r[5], r[6], float(r[7]), Decimal(str(r[8]))) for r in campaigns] == [
        (date(2026, 11, 1), "1001", "Example Advertiser", "189069", Decimal("31.03"), 0, 85, 3.0, Decimal("120.5")),
        (date(2026, 11, 1), "1001", "Example Advertiser", "45628", Decimal("15.49"), 1200, 340, 4.0, Decimal("220.93")),
        (date(2026, 11, 2), "1001", "Example Advertiser", "45628", Decimal("6"), 980, 295, 2.0, Decimal("99.98")),
    ]
    con.close()


def test_a_day_read_again_in_the_look_back_changes_its_rows_and_adds_none(tmp_path):
    run(tmp_path)
    validated = copy.deepcopy(FIXTURES.body(FIXTURES.data("publisher_daily")[0]))
    row = validated[0]  # 2026-11-01, publisher 45628: two pending transactions declined since
    row.update({"pendingNo": 1, "pendingValue": 65.0, "pendingComm": 3.9, "declinedNo": 3, "declinedValue": 119.97,
                "declinedComm": 7.2, "totalNo": 2, "totalValue": 120.96, "totalComm": 9.49})

    def later(request):
        return FakeResponse.json(validated) if request.path.endswith("/reports/publisher") and arg(request, "startDate") == "2026-11-01" else None

    run(tmp_path, later)
    assert query(tmp_path / "x.duckdb", "select count(*), sum(total_comm) from raw.awin_publisher_daily") == [(3, Decimal("46.52"))]


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, "error.auth.json", AuthError),
    (403, "error.auth.json", AuthError),  # a user without permission on the account, or a plan without the API
    (429, "error.rate_limit.json", RetryableApiError),
    (200, "error.auth.json", ApiError),  # the error envelope in a 200 is an error, never an empty page
])
def test_the_errors(status, body, kind):
    import httpx

    text = (fixture_folder("awin") / "bodies" / body).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert json.loads(text)["description"] in str(error)
