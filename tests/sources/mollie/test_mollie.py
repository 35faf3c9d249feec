"""mollie: its documented bodies load as documented (exact decimals in currency units, no
personal data), payments reach the unified orders with what they refunded, a refund made
before a later sync updates the payment's row and adds none, next pages follow
``_links.next.href``, its errors.

Expected values are read off the documented bodies (cassettes/mollie/bodies, the examples of
Mollie's OpenAPI description), worked out by hand, never by the connector.
"""

from __future__ import annotations

import copy
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

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi, FakeResponse
from bosco_connectors.sandbox.generated import _put_path
from bosco_connectors.sources.mollie import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, replay_documented

BODIES = fixture_folder(connector) / "bodies"
OPEN, EXPIRED, PAID, REFUNDED = "tr_92M7kM99Rg", "tr_h7uqbSUNbG", "tr_nBs82Ujy7g", "tr_6qh37hS3FF"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="mollie_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_mollie__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, currency, gross, total, refunds, status, is_cancelled, is_test "
                           "from analytics.fct_orders where platform = 'mollie' order by created_at").fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync, with `fast`'s client, every read-only test below reads (run once for the
    module); the test that builds the orders fact builds it into a copy."""
    folder = module_tmp / "replayed"
    app = replay_documented(connector, run, folder)
    return folder, app


def test_amounts_load_as_exact_decimals_in_currency_units(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, status, method, amount__value, amount__currency, amount_refunded__value, "
                           "amount_remaining__value, settlement_amount__value, paid_at, created_at "
                           "from raw.mollie_payments order by created_at") == [
        (REFUNDED, "paid", "ideal", Decimal("10.00"), "EUR", Decimal("10.00"), Decimal("0.00"), Decimal("10.00"),
         datetime(2021, 12, 8, 16, 4, 10, tzinfo=timezone.utc), datetime(2021, 12, 8, 16, 2, 20, tzinfo=timezone.utc)),
        (PAID, "paid", "ideal", Decimal("10.00"), "EUR", Decimal("0.00"), Decimal("10.00"), Decimal("10.00"),
         datetime(2021, 12, 10, 12, 39, 18, tzinfo=timezone.utc), datetime(2021, 12, 10, 12, 37, 35, tzinfo=timezone.utc)),
        (EXPIRED, "expired", "ideal", Decimal("10.00"), "EUR", None, None, None, None,
         datetime(2021, 12, 29, 13, 7, 29, tzinfo=timezone.utc)),
        (OPEN, "open", "creditcard", Decimal("10.00"), "EUR", None, None, Decimal("10.00"), None,
         datetime(2021, 12, 29, 13, 39, 35, tzinfo=timezone.utc)),
    ]
    assert query(tmp_path, "select id, payment_id, status, amount__value, amount__currency, settlement_amount__value "
                           "from raw.mollie_refunds order by id") == [
        ("re_4qqhO89gsT", "tr_5B8cwPMGnU6qLbRvo7qEZo", "pending", Decimal("5.95"), "EUR", None),
        ("re_GKQYmNNAfL", REFUNDED, "refunded", Decimal("10.00"), "EUR", Decimal("-10.00")),
    ]
    # no personal data: the consumer's name and account, customers' names and emails are never loaded
    payment_columns = {r[0] for r in query(tmp_path, "select column_name from information_schema.columns "
                                                     "where table_name like 'mollie_payments%'")}
    assert not {c for c in payment_columns if "consumer" in c or "details" in c}
    customer_columns = {r[0] for r in query(tmp_path, "select column_name from information_schema.columns "
                                                      "where table_name = 'mollie_customers'")}
    assert "id" in customer_columns and not customer_columns & {"name", "email"}
    assert query(tmp_path, "select id, locale from raw.mollie_customers order by id") == [
        ("cst_8wmqcHMN4U", "nl_NL"), ("cst_tKt44u85MM", "en_US")]


def test_payments_reach_the_orders_fact_with_their_refunds(tmp_path, replayed):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")
    profile = "pfl_85dxyKqNHa"
    assert orders(tmp_path) == [
        (REFUNDED, date(2021, 12, 8), profile, "EUR", Decimal("10"), Decimal("10"), Decimal("10"), "paid", False, True),
        (PAID, date(2021, 12, 10), profile, "EUR", Decimal("10"), Decimal("10"), Decimal("0"), "paid", False, True),
        # no amountRefunded on unpaid payments: not reported (NULL), never 0
        (EXPIRED, date(2021, 12, 29), profile, "EUR", Decimal("10"), Decimal("10"), None, "expired", True, True),
        (OPEN, date(2021, 12, 29), profile, "EUR", Decimal("10"), Decimal("10"), None, "open", False, True),
    ]


def test_the_next_page_is_the_documented_next_link(replayed):
    _, app = replayed
    asked = [(r.path.strip("/"), {k: v[0] for k, v in r.query.items()}) for _, r in app.answered]
    assert ("payments", {"limit": "2"}) in asked and ("payments", {"from": PAID, "limit": "2"}) in asked
    assert ("refunds", {"from": "re_GKQYmNNAfL", "limit": "2"}) in asked
    assert len(asked) == 6  # page 2's ``_links.next`` is null: no third request
    assert {r.header("authorization") for _, r in app.answered} == {"Bearer fixture-key"}


class LaterRefund:
    """Mollie for two syncs: the documented payments; before the second, 4.00 of the paid
    payment is refunded (its ``amountRefunded`` and ``amountRemaining`` change)."""

    prefix = "mollie"

    def __init__(self) -> None:
        self.payments = body("payments.page1.json")["_embedded"]["payments"] + body("payments.page2.json")["_embedded"]["payments"]
        self.syncs = 0

    def handle(self, request):
        path = request.path.strip("/")
        payments = copy.deepcopy(self.payments)
        if self.syncs > 1:
            paid = next(p for p in payments if p["id"] == PAID)
            paid["amountRefunded"] = {"value": "4.00", "currency": "EUR"}
            paid["amountRemaining"] = {"value": "6.00", "currency": "EUR"}
        items = payments if path == "payments" else []
        return FakeResponse.json({"count": len(items), "_embedded": {path: items},
                                  "_links": {"self": {"href": "...", "type": "application/hal+json"}, "previous": None,
                                             "next": None, "documentation": {"href": "...", "type": "text/html"}}})


def test_a_refund_before_a_later_sync_updates_the_payments_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"api_key": "k", "base_url": api.url(app.prefix), "start_date": "2026-11-01", "end_date": "2026-11-02"}
        app.syncs = 1
        run(tmp_path, config, streams=["payments"])
        assert [(r[0], r[6]) for r in orders(tmp_path) if r[0] == PAID] == [(PAID, Decimal("0"))]
        app.syncs = 2
        run(tmp_path, config, streams=["payments"])
    rows = orders(tmp_path)
    assert len(rows) == 4
    assert [(r[0], r[4], r[6]) for r in rows if r[0] == PAID] == [(PAID, Decimal("10"), Decimal("4"))]
    assert query(tmp_path, "select count(*), count(distinct id) from raw.mollie_payments") == [(4, 4)]


def test_the_generated_fake_writes_a_next_link_where_the_documented_last_page_has_null():
    """Mollie's last page has ``"_links": {"next": null}``; the fake's next page link goes under it."""
    page = body("payments.page2.json")
    _put_path(page, "_links.next.href", "http://fake/next")
    assert page["_links"]["next"] == {"href": "http://fake/next"}


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, AuthError), (403, AuthError), (429, RetryableApiError), (500, RetryableApiError), (503, RetryableApiError),
     (400, ApiError), (404, ApiError), (422, ApiError)],
)
def test_documented_errors(status, kind):
    detail = f"documented detail {status}"
    error = API.errors.policy().for_status(httpx.Response(status), {
        "status": status, "title": "Title", "detail": detail,
        "_links": {"documentation": {"href": "https://docs.mollie.com/errors", "type": "text/html"}}})
    assert type(error) is kind
    assert detail in str(error)


def test_the_documented_auth_error_under_http_200_is_an_error():
    error = API.errors.policy().for_status(httpx.Response(200), body("error.auth.json"))
    assert type(error) is AuthError and "Missing authentication" in str(error)


def test_a_list_page_is_not_an_error():
    assert API.errors.policy().for_status(httpx.Response(200), body("payments.page1.json")) is None
