"""The declared tapfiliate source: one row per commission, Link-header pages, the affiliate fact, errors.

Expected values come from the fixture bodies (cassettes/tapfiliate/) and are written out here,
never computed with the connector's code.
"""

from __future__ import annotations

import copy
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
from bosco_connectors.sources.tapfiliate import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("tapfiliate"))
FAST = {"requests_per_second": 1000}


def arg(request, name: str):
    return (request.query.get(name) or [None])[0]


def run(tmp_path: Path, answer_first=None) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder("tapfiliate")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="tapfiliate_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **FAST}))
    assert not app.unmatched, app.unmatched
    return seen


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> tuple[Path, list]:
    """The documented sync the two read-only tests below query (run once for the module): its folder
    and the requests it made."""
    folder = module_tmp / "replayed"
    return folder, run(folder)


def test_each_commission_is_a_row_with_its_conversion(replayed):
    tmp_path, _ = replayed
    rows = query(tmp_path / "x.duckdb", "select id, conversion_id, conversion_external_id, program_id, affiliate_id, kind, amount, "
                                        "currency, conversion_sub_amount, approved, conversion_created_at "
                                        "from raw.tapfiliate_commissions order by id")
    assert rows == [
        ("1", "1", "ORD123", "johns-affiliate-program", "janejameson", "regular", Decimal("55"), "USD", Decimal("550"), True,
         datetime(2026, 11, 1, 12, 39, 19, tzinfo=timezone.utc)),
        ("2", "1", "ORD123", "johns-affiliate-program", "peterpeterson", "level_2", Decimal("11"), "USD", Decimal("550"), None,
         datetime(2026, 11, 1, 12, 39, 19, tzinfo=timezone.utc)),
        ("3", "2", "ORD124", "johns-affiliate-program", "peterpeterson", "regular", Decimal("12.05"), "USD", Decimal("120.5"), None,
         datetime(2026, 11, 1, 23, 59, 30, tzinfo=timezone.utc)),
        ("4", "3", "ORD125", "johns-affiliate-program", "janejameson", "regular", Decimal("10"), "USD", Decimal("99.99"), False,
         datetime(2026, 11, 2, 8, 15, tzinfo=timezone.utc)),
    ]
    columns = {c for (c,) in query(tmp_path / "x.duckdb", "select column_name from information_schema.columns "
                                                          "where table_name = 'tapfiliate_commissions'")}
    assert not any(c.startswith(("conversion_customer", "conversion_click")) for c in columns)  # personal data


def test_pages_follow_the_link_header_and_the_key_goes_in_its_header(replayed):
    _, seen = replayed
    conversions = [r for r in seen if r.path.endswith("/conversions/")]
    assert [(arg(r, "date_from"), arg(r, "date_to"), arg(r, "page")) for r in conversions] == [
        ("2026-11-01", "2026-11-02", None), ("2026-11-01", "2026-11-02", "2")]
    assert all(r.header("x-api-key") == "fixture-key" for r in seen)


def test_commissions_and_first_level_conversions_reach_the_affiliate_fact(tmp_path):
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(fixture_folder("tapfiliate")))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, {**app.source_config(api.url(app.prefix)), **FAST}),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_affiliate_performance_daily"])
    assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    rows = con.execute("select date, program_id, partner_id, clicks, actions, sale_amount, commission, currency "
                       "from analytics.fct_affiliate_performance_daily where platform = 'tapfiliate' order by 1, 3").fetchall()
    con.close()
    assert [(*r[:4], float(r[4]), *r[5:]) for r in rows] == [
        (date(2026, 11, 1), "johns-affiliate-program", "janejameson", None, 1.0, Decimal("550"), Decimal("55"), "USD"),
        # a second-level commission on Jane's sale, and Peter's own sale at 23:59:30 UTC: still the 1st
        (date(2026, 11, 1), "johns-affiliate-program", "peterpeterson", None, 1.0, Decimal("120.5"), Decimal("23.05"), "USD"),
        (date(2026, 11, 2), "johns-affiliate-program", "janejameson", None, 1.0, Decimal("99.99"), Decimal("10"), "USD"),
    ]


def test_a_commission_approved_later_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    later_page = copy.deepcopy(FIXTURES.body(FIXTURES.data("commissions")[1]))
    later_page[1]["commissions"][0]["approved"] = True  # conversion 2's commission, approved since

    def later(request):
        return FakeResponse.json(later_page) if request.path.endswith("/conversions/") and arg(request, "page") is None else None

    run(tmp_path, later)
    assert query(tmp_path / "x.duckdb", "select count(*), count(*) filter (where approved) from raw.tapfiliate_commissions") == [(4, 2)]


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, "error.auth.json", AuthError),
    (429, "error.rate_limit.json", RetryableApiError),
    (200, "error.auth.json", ApiError),  # the error object in a 200 is an error, never a record
])
def test_the_errors(status, body, kind):
    import httpx

    text = (fixture_folder("tapfiliate") / "bodies" / body).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["message"] in str(error)
