"""judge_me: the documented reviews load as documented (no personal data), reach the unified
reviews on their UTC day with the store's product id and Judge.me's buyer verification, a review
changed later updates its row and adds none, and the documented error statuses.

Expected values are read off the documented bodies (cassettes/judge_me/bodies), never from the connector.
"""

from __future__ import annotations

import copy
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
from bosco_connectors.sandbox import FakeApi, FakeResponse
from bosco_connectors.sources.judge_me import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

BODIES = fixture_folder(connector) / "bodies"
SHOP = "bosco-shop.myshopify.com"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


def run(db: Path, pipelines: Path, config: dict) -> None:
    pipeline = dlt.pipeline(pipeline_name="judge_me_test", destination=dlt.destinations.duckdb(str(db)),
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
                           "where platform = 'judge_me' order by review_id").fetchall()


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, sleep=lambda _s: None))


@pytest.fixture
def replayed(tmp_path, fast):
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with FakeApi([app]) as api:
        run(tmp_path / "j.duckdb", tmp_path / "p", app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return tmp_path / "j.duckdb", app


def test_reviews_load_as_documented_without_personal_data(replayed):
    db, app = replayed
    assert query(db, "select id, rating, product_external_id, reviewer_id, reviewer_name, verified, curated, published, created_at "
                     "from raw.judge_me_reviews order by id") == [
        ("412987001", 5, "7982345678901", "88120031", "Ana P.", "buyer", "ok", True, datetime(2026, 11, 2, 23, 40, 5, tzinfo=timezone.utc)),
        ("412987002", 3, "7982345678901", "88120032", "Tom", "nothing", "ok", True, datetime(2026, 11, 2, 10, 12, 44, tzinfo=timezone.utc)),
        ("412987003", 4, None, "88120033", "Lea K.", "buyer", "not-yet", False, datetime(2026, 11, 1, 7, 30, tzinfo=timezone.utc)),
    ]
    columns = {c for (c,) in query(db, "select column_name from information_schema.columns where table_name = 'judge_me_reviews'")}
    assert not {c for c in columns if "email" in c or "phone" in c or c == "ip_address"}
    # every request names the shop and carries the token as a query parameter
    assert {(r.arg("shop_domain"), r.arg("api_token")) for _, r in app.answered} == {(SHOP, "fixture-token")}


def test_reviews_reach_the_fact_on_their_utc_day_with_buyer_verification(replayed):
    db, _ = replayed
    assert fact(db) == [
        ("412987001", date(2026, 11, 2), "7982345678901", 5.0, True, "Fits perfectly"),
        ("412987002", date(2026, 11, 2), "7982345678901", 3.0, False, "Runs small"),
        ("412987003", date(2026, 11, 1), None, 4.0, True, "Great shop"),  # a store review: no product
    ]


class LaterModeration:
    """Judge.me for two syncs: the documented reviews, then the same with review 412987003 published
    and its rating edited."""

    prefix = "judge_me"

    def __init__(self) -> None:
        self.reviews = body("reviews.page1.json")["reviews"] + body("reviews.page2.json")["reviews"]

    def moderate(self) -> None:
        self.reviews = copy.deepcopy(self.reviews)
        self.reviews[2].update(curated="ok", published=True, rating=5, updated_at="2026-11-05T09:00:00+00:00")

    def handle(self, request):
        page, size = int(request.arg("page")), int(request.arg("per_page"))
        return FakeResponse.json({"current_page": page, "per_page": size, "reviews": self.reviews[(page - 1) * size:page * size]})


def test_a_review_moderated_later_updates_its_row_and_adds_none(tmp_path, fast):
    fake = LaterModeration()
    db = tmp_path / "j.duckdb"
    with FakeApi([fake]) as api:
        config = {"api_token": "t", "shop_domain": SHOP, "start_date": "2026-11-01", "base_url": api.url(fake.prefix), "page_size": 2}
        run(db, tmp_path / "p", config)
        fake.moderate()
        run(db, tmp_path / "p", config)
    assert query(db, "select id, rating, curated, published from raw.judge_me_reviews order by id") == [
        ("412987001", 5, "ok", True), ("412987002", 3, "ok", True), ("412987003", 5, "ok", True)]
    assert [row[3] for row in fact(db)] == [5.0, 3.0, 5.0]


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (429, RetryableApiError)])
def test_documented_error_statuses(status, kind):
    error = API.errors.policy().for_status(httpx.Response(status, headers={"Retry-After": "1"}), body("error.auth.json"))
    assert type(error) is kind
