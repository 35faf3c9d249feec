"""trustpilot: the documented profile and private reviews load as documented (no contact details),
reach the unified reviews on their UTC day as store reviews, the reviews are asked by creation
window in pages with a refreshed OAuth token, and the error table.

Expected values are read off the documented bodies (cassettes/trustpilot/bodies), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.trustpilot import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
BU = "5e3de1b45fb06f0001790b4a"
R1, R2, R3 = "6543a1b2c3d4e5f6a7b8c9d0", "6543a1b2c3d4e5f6a7b8c9d1", "6543a1b2c3d4e5f6a7b8c9d2"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trustpilot")
    db = tmp / "t.duckdb"
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with pytest.MonkeyPatch.context() as mp, FakeApi([app]) as api:
        mp.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))
        pipeline = dlt.pipeline(pipeline_name="trustpilot_test", destination=dlt.destinations.duckdb(str(db)),
                                pipelines_dir=str(tmp / "p"), dataset_name="raw")
        pipeline.run(connector.resources(app.source_config(api.url(app.prefix)), tenant_id="t1"), loader_file_format="parquet")
    assert not app.unmatched, app.unmatched
    with registered(connector), duckdb.connect(str(db)) as con:
        from bosco_connectors.recipes.runner import build

        built = build(con, select=["fct_reviews"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
    return db, app


def test_reviews_load_as_documented_without_contact_details(replayed):
    db, _ = replayed
    assert query(db, "select id, business_unit_id, consumer_id, stars, is_verified, reference_id, created_at, company_reply__text "
                     "from raw.trustpilot_service_reviews order by created_at") == [
        (R1, BU, "5e3de1b45fb06f0001790c01", 5, True, "1001", datetime(2026, 11, 1, 9, 15, tzinfo=timezone.utc), None),
        (R2, BU, "5e3de1b45fb06f0001790c02", 2, False, None, datetime(2026, 11, 1, 21, 2, 31, tzinfo=timezone.utc),
         "Sorry Tom, we have sent the right size."),
        (R3, BU, "5e3de1b45fb06f0001790c03", 4, True, "1003", datetime(2026, 11, 2, 23, 58, 10, tzinfo=timezone.utc), None),
    ]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns where table_name = 'trustpilot_service_reviews'")}
    assert not {c for c in columns if "referral" in c or "find_reviewer" in c}


def test_business_unit_profile(replayed):
    db, _ = replayed
    assert query(db, "select id, display_name, name__identifying, score__trust_score, number_of_reviews__total "
                     "from raw.trustpilot_business_units") == [(BU, "Bosco Shop", "boscoshop.com", 4.5, 1204)]


def test_reviews_reach_the_fact_as_store_reviews_on_their_utc_day(replayed):
    db, _ = replayed
    assert query(db, "select review_id, review_date, product_id, rating, verified, title from analytics.fct_reviews "
                     "where platform = 'trustpilot' order by review_id") == [
        (R1, date(2026, 11, 1), None, 5.0, True, "Quick delivery"),
        (R2, date(2026, 11, 1), None, 2.0, False, "Wrong size sent"),
        (R3, date(2026, 11, 2), None, 4.0, True, "Good value"),  # 23:58 UTC: the 2nd
    ]


def test_reviews_are_asked_by_creation_window_with_a_refreshed_token(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "service_reviews"]
    assert [q["page"] for q in asked] == ["1", "2"]
    assert {(q["startDateTime"], q["endDateTime"], q["orderBy"], q["perPage"]) for q in asked} == {
        ("2026-11-01T00:00:00", "2026-11-02T23:59:59", "createdat.asc", "2")}
    data = [r for e, r in app.answered if e.stream]
    assert {r.header("authorization") for r in data} == {"Bearer fixture-access-token"}  # token.json's access_token
    assert {r.header("apikey") for e, r in app.answered if e.stream == "business_units"} == {"fixture-apikey"}


@pytest.mark.parametrize(("status", "name", "kind"), [(401, "error.auth.json", AuthError), (429, "error.rate_limit.json", RetryableApiError)])
def test_gateway_errors(status, name, kind):
    documented = body(name)
    assert type(API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), documented)) is kind
    # the same fault under HTTP 200 is still an error
    assert isinstance(API.errors.policy().for_status(httpx.Response(200), documented), kind)
