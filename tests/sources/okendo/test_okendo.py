"""okendo: the documented reviews of each status load as documented (no email or name), pages follow
the ``lastEvaluated`` of ``nextUrl``, approved reviews reach the unified reviews with the Shopify product
id, a review approved later updates its row and adds none, and the documented error statuses.

Expected values are read off the documented bodies (cassettes/okendo/bodies), never from the connector.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi, FakeResponse
from bosco_connectors.sources.okendo import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

BODIES = fixture_folder(connector) / "bodies"
A, B, C, D = ("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e",
              "c3d4e5f6-a7b8-4c9d-0e1f-2a3b4c5d6e7f", "d4e5f6a7-b8c9-4d0e-1f2a-3b4c5d6e7f80")
USER = "3f9d2c1e-8a7b-4c6d-9e0f-1a2b3c4d5e6f"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def run(db: Path, pipelines: Path, config: dict) -> None:
    pipeline = dlt.pipeline(pipeline_name="okendo_test", destination=dlt.destinations.duckdb(str(db)),
                            pipelines_dir=str(pipelines), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1"), loader_file_format="parquet")


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def fact(db: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(db)) as con:
        built = build(con, select=["stg_okendo__reviews"])  # and what depends on it: fct_reviews
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select review_id, review_date, product_id, rating, verified, title from analytics.fct_reviews "
                           "where platform = 'okendo' order by review_date, review_id").fetchall()


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the tests below read (run once for the module): its database and its app."""
    with quick_client(connector):  # as `fast`, for the module
        app = FixtureApp(Fixtures.load(fixture_folder(connector)))
        with FakeApi([app]) as api:
            run(module_tmp / "o.duckdb", module_tmp / "p", app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return module_tmp / "o.duckdb", app


def test_reviews_of_each_status_load_without_email_or_name(replayed):
    db, _ = replayed
    assert query(db, "select review_id, status, product_id, rating, reviewer_display_name, reviewer_is_verified, order_id, "
                     "date_created from raw.okendo_reviews order by date_created") == [
        (A, "approved", "shopify-7982345678901", 5, "Ana P.", True, "5601234567890", datetime(2026, 11, 1, 9, 12, 40, 118000, tzinfo=timezone.utc)),
        (B, "approved", "shopify-7982345678902", 3, "Tom", False, None, datetime(2026, 11, 1, 18, 30, tzinfo=timezone.utc)),
        (D, "pending", "shopify-7982345678902", 1, "Max R.", True, "5601234567892", datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)),
        (C, "approved", "shopify-7982345678901", 4, "Lea K.", True, "5601234567891", datetime(2026, 11, 2, 23, 45, 10, 500000, tzinfo=timezone.utc)),
    ]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns where table_name = 'okendo_reviews'")}
    assert not {c for c in columns if "email" in c or c in ("reviewer_name", "reviewer__name")}


def test_pages_follow_the_last_evaluated_cursor_of_next_url(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for _, r in app.answered]
    approved = [q for q in asked if q["status"] == "approved"]
    cursor = body("reviews.approved.page1.json")["nextUrl"].split("lastEvaluated=")[1]
    from urllib.parse import unquote

    assert [q.get("lastEvaluated") for q in approved] == [None, unquote(cursor)]
    assert {(q["limit"], q["orderBy"]) for q in asked} == {("2", "date asc")}
    assert {r.header("okendo-api-version") for _, r in app.answered} == {"2025-02-01"}


def test_approved_reviews_reach_the_fact_with_the_shopify_product_id(replayed, tmp_path):
    db = Path(shutil.copy(replayed[0], tmp_path / "o.duckdb"))  # the fact is built into it: a copy of the shared one
    assert fact(db) == [
        (A, date(2026, 11, 1), "7982345678901", 5.0, True, "Perfect fit"),
        (B, date(2026, 11, 1), "7982345678902", 3.0, False, "Wrinkles a lot"),
        (C, date(2026, 11, 2), "7982345678901", 4.0, True, "Cosy"),  # 23:45 UTC: the 2nd; the pending review stays out
    ]


class LaterApproval:
    """Okendo for two syncs: the documented reviews, then the pending one approved."""

    prefix = "okendo"

    def __init__(self) -> None:
        self.reviews = (body("reviews.approved.page1.json")["reviews"] + body("reviews.approved.page2.json")["reviews"]
                        + body("reviews.pending.json")["reviews"])

    def approve(self) -> None:
        self.reviews = copy.deepcopy(self.reviews)
        self.reviews[3]["status"] = "approved"

    def handle(self, request):
        return FakeResponse.json({"reviews": [r for r in self.reviews if r["status"] == request.arg("status")]})


def test_a_review_approved_later_updates_its_row_and_adds_none(tmp_path, fast):
    fake = LaterApproval()
    db = tmp_path / "o.duckdb"
    with FakeApi([fake]) as api:
        config = {"user_id": USER, "api_key": "k", "start_date": "2026-11-01", "base_url": api.url(fake.prefix)}
        run(db, tmp_path / "p", config)
        assert len(fact(db)) == 3
        fake.approve()
        run(db, tmp_path / "p", config)
    assert query(db, "select count(*), count(distinct review_id) from raw.okendo_reviews") == [(4, 4)]
    assert [row[0] for row in fact(db)] == [A, B, C, D]


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (429, RetryableApiError)])
def test_documented_error_statuses(status, kind):
    error = API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), body("error.auth.json"))
    assert type(error) is kind
    assert API.errors.policy().for_status(httpx.Response(200), body("reviews.pending.json")) is None
