"""yotpo: the documented reviews load as documented (no email), reach the unified reviews with the
store's product (none for site reviews) and buyer verification on their UTC day, a review deleted
later leaves the tables, the generated fake serves them inside any asked window, and the errors.

Expected values are read off the documented bodies (cassettes/yotpo/bodies), never from the connector.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi, FakeResponse
from bosco_connectors.sandbox.generated import GeneratedApp
from bosco_connectors.sources.yotpo import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

BODIES = fixture_folder(connector) / "bodies"
APP = "a1B2c3D4e5F6g7H8i9J0kLmN"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def run(db: Path, pipelines: Path, config: dict) -> None:
    pipeline = dlt.pipeline(pipeline_name="yotpo_test", destination=dlt.destinations.duckdb(str(db)),
                            pipelines_dir=str(pipelines), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1"), loader_file_format="parquet")


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def fact(db: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["fct_reviews"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select review_id, review_date, product_id, rating, verified, title from analytics.fct_reviews "
                           "where platform = 'yotpo' order by review_id").fetchall()


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the read-only tests below query (run once for the module)."""
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with quick_client(connector):  # as `fast`, for the module
        with FakeApi([app]) as api:
            run(module_tmp / "y.duckdb", module_tmp / "p", app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return module_tmp / "y.duckdb", app


def test_reviews_load_as_documented_without_email(replayed):
    db, app = replayed
    assert query(db, "select id, score, sku, reviewer_type, sentiment, created_at from raw.yotpo_reviews order by id") == [
        ("512000101", 5, "7982345678901", "verified_buyer", Decimal("0.912"), datetime(2026, 11, 1, 10, 4, 12, tzinfo=timezone.utc)),
        ("512000102", 2, "7982345678902", "anonymous_user", Decimal("0.214"), datetime(2026, 11, 1, 22, 40, tzinfo=timezone.utc)),
        ("512000103", 4, "yotpo_site_reviews", "verified_buyer", Decimal("0.853"), datetime(2026, 11, 2, 23, 59, 1, tzinfo=timezone.utc)),
    ]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns where table_name = 'yotpo_reviews'")}
    assert "email" not in columns
    assert {(r.arg("utoken"), r.arg("since_updated_at")) for _, r in app.answered} == {("fixture-utoken", "2026-11-01T00:00:00Z")}


def test_reviews_reach_the_fact_with_product_and_buyer_verification(replayed, tmp_path):
    import shutil

    db = tmp_path / "y.duckdb"
    shutil.copy(replayed[0], db)  # the build writes: a copy of the shared sync
    assert fact(db) == [
        ("512000101", date(2026, 11, 1), "7982345678901", 5.0, True, "Love it"),
        ("512000102", date(2026, 11, 1), "7982345678902", 2.0, False, "Not for me"),
        ("512000103", date(2026, 11, 2), None, 4.0, True, "Great service"),  # a site review: no product; 23:59 UTC
    ]


class LaterDeletion:
    """Yotpo for two syncs: the documented reviews, then review 512000102 deleted (updated later)."""

    prefix = "yotpo"

    def __init__(self) -> None:
        self.reviews = body("reviews.page1.json")["reviews"] + body("reviews.page2.json")["reviews"]

    def delete(self) -> None:
        self.reviews = copy.deepcopy(self.reviews)
        self.reviews[1].update(deleted=True, updated_at="2026-11-05T09:00:00.000Z")

    def handle(self, request):
        page, size = int(request.arg("page")), int(request.arg("count"))
        since = request.arg("since_updated_at")
        changed = [r for r in self.reviews if r["updated_at"] >= since]
        return FakeResponse.json({"reviews": changed[(page - 1) * size:page * size]})


def test_a_review_deleted_later_leaves_the_tables(tmp_path, fast):
    fake = LaterDeletion()
    db = tmp_path / "y.duckdb"
    with FakeApi([fake]) as api:
        config = {"app_key": APP, "utoken": "t", "start_date": "2026-11-01", "base_url": api.url(fake.prefix), "page_size": 2}
        run(db, tmp_path / "p", config)
        fake.delete()
        run(db, tmp_path / "p", config)
    assert [r[0] for r in query(db, "select id from raw.yotpo_reviews order by id")] == ["512000101", "512000103"]
    assert [r[0] for r in fact(db)] == ["512000101", "512000103"]


def test_the_generated_fake_serves_the_documented_reviews_in_its_window(tmp_path, fast):
    """The demo's fake moves the documented reviews so that the latest review lands on the day before
    its last day (`sandbox.redate`: no incremental cursor, here updated_at, may end up in the future):
    a sync over the fake's window loads every one, times of day kept."""
    app = GeneratedApp(connector=connector, end_date=date(2026, 12, 6))
    db = tmp_path / "y.duckdb"
    with FakeApi([app]) as api:
        run(db, tmp_path / "p", app.source_config(api.url(app.prefix)))
    rows = query(db, "select id, created_at from raw.yotpo_reviews order by id")
    assert [r[0] for r in rows] == ["512000101", "512000102", "512000103"]
    day = app.world.days[-1] - timedelta(days=1)  # the latest documented review (Nov 2, 23:59:01 UTC) lands here
    assert [r[1].astimezone(timezone.utc).replace(tzinfo=None) for r in rows] == [
        datetime.combine(day, datetime.min.time()).replace(hour=10, minute=4, second=12) - timedelta(days=1),
        datetime.combine(day, datetime.min.time()).replace(hour=22, minute=40) - timedelta(days=1),
        datetime.combine(day, datetime.min.time()).replace(hour=23, minute=59, second=1),
    ]


@pytest.mark.parametrize(("status", "name", "kind"), [(401, "error.auth.json", AuthError), (429, "error.rate_limit.json", RetryableApiError)])
def test_documented_errors(status, name, kind):
    documented = body(name)
    assert type(API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), documented)) is kind
    assert isinstance(API.errors.policy().for_status(httpx.Response(200), documented), kind)  # the envelope's code decides
    assert API.errors.policy().for_status(httpx.Response(200), body("reviews.page1.json")) is None
