"""braintree: its search answers load as built from the schema, transactions reach the unified
orders with the refunds that did not fail, a refund created on a later sync updates its sale's
row, the query and its variables are sent as documented, its error classes.

Expected values are read off the bodies (cassettes/braintree/bodies), never from the connector.
"""

from __future__ import annotations

import base64
import copy
import json
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
from bosco_connectors.sources.braintree import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, quick_client

BODIES = fixture_folder(connector) / "bodies"


def gid(legacy: str) -> str:
    return base64.b64encode(f"transaction_{legacy}".encode()).decode().rstrip("=")


SALE, VOIDED, EURO = gid("9d7bt6f7"), gid("kx2m8rw1"), gid("q4ns1e0z")


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="braintree_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_braintree__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, order_number, customer_id, currency, gross, total, refunds, "
                           "status, is_cancelled from analytics.fct_orders where platform = 'braintree' order by created_at").fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync every read-only test below queries (run once for the module)."""
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    app = FixtureApp(Fixtures.load(fixture_folder(connector)))
    with quick_client(connector, retry=fast):  # as `fast`, for the module
        with FakeApi([app]) as api:
            run(module_tmp, app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return module_tmp, app


def test_nodes_load_as_columns_with_exact_amounts(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, legacy_id, status, order_id, merchant_account_id, amount__value, amount__currency_code, "
                           "source, created_at from raw.braintree_transactions order by created_at") == [
        (SALE, "9d7bt6f7", "SETTLED", "order-1001", "acmestore_usd", Decimal("25.00"), "USD", "API",
         datetime(2026, 11, 12, 18, 4, 12, 345678, tzinfo=timezone.utc)),
        (VOIDED, "kx2m8rw1", "VOIDED", "order-1002", "acmestore_usd", Decimal("10.00"), "USD", "API",
         datetime(2026, 11, 14, 9, 30, tzinfo=timezone.utc)),
        (EURO, "q4ns1e0z", "SUBMITTED_FOR_SETTLEMENT", "order-1003", "acmestore_eur", Decimal("15.50"), "EUR", "API",
         datetime(2026, 11, 17, 15, 0, 0, 120000, tzinfo=timezone.utc)),
    ]
    assert query(tmp_path, "select refunded_transaction_id, status, amount__value from raw.braintree_refunds order by created_at") == [
        (SALE, "SETTLED", Decimal("5.00")), (SALE, "PROCESSOR_DECLINED", Decimal("2.00")),
        (EURO, "SUBMITTED_FOR_SETTLEMENT", Decimal("15.50"))]


def test_transactions_reach_the_orders_fact_with_the_refunds_that_moved_money(replayed, tmp_path):
    import shutil

    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the build writes: a copy of the shared sync
    customer = base64.b64encode(b"customer_84512319").decode().rstrip("=")
    assert orders(tmp_path) == [
        # the declined 2.00 refund is left out
        (SALE, date(2026, 11, 12), "acmestore_usd", "order-1001", customer, "USD", Decimal("25"), Decimal("25"), Decimal("5"),
         "SETTLED", False),
        (VOIDED, date(2026, 11, 14), "acmestore_usd", "order-1002", None, "USD", Decimal("10"), Decimal("10"), Decimal("0"),
         "VOIDED", True),
        (EURO, date(2026, 11, 17), "acmestore_eur", "order-1003", customer, "EUR", Decimal("15.5"), Decimal("15.5"),
         Decimal("15.5"), "SUBMITTED_FOR_SETTLEMENT", False),
    ]


def test_the_search_is_sent_as_documented(replayed):
    _, app = replayed
    sent = [(r.json(), r.header("braintree-version"), r.header("authorization")) for e, r in app.answered if e.stream == "transactions"]
    window = {"createdAt": {"greaterThanOrEqualTo": "2026-11-11T00:00:00Z", "lessThanOrEqualTo": "2026-11-20T23:59:59Z"}}
    assert [s[0]["variables"] for s in sent] == [{"input": window, "after": None}, {"input": window, "after": "cursor-2"}]
    assert sent[0][0]["query"].startswith("query Transactions($input: TransactionSearchInput!, $after: String) { search { "
                                          "transactions(input: $input, after: $after) { pageInfo { hasNextPage endCursor } edges")
    expected_auth = "Basic " + base64.b64encode(b"fixture-public-key:fixture-private-key").decode()
    assert {(s[1], s[2]) for s in sent} == {("2019-01-01", expected_auth)}


class LaterRefund:
    """Braintree for two syncs: the documented transactions, no refund on the first sync; on
    2026-11-22 the 10.00 part of the 25.00 sale is refunded (a refund of its own)."""

    prefix = "braintree"

    def __init__(self) -> None:
        self.transactions = body("transactions.page1.json")["data"]["search"]["transactions"]["edges"] \
            + body("transactions.page2.json")["data"]["search"]["transactions"]["edges"]
        later = copy.deepcopy(body("refunds.page1.json")["data"]["search"]["refunds"]["edges"][0])
        later["node"].update(id=gid("later0001"), legacyId="later0001", createdAt="2026-11-22T10:00:00.000000Z",
                             amount={"value": "10.00", "currencyCode": "USD"})
        self.later = later
        self.requests: list[dict] = []

    def handle(self, request):
        sent = request.json()
        self.requests.append(sent["variables"])
        bounds = sent["variables"]["input"]["createdAt"]
        root = "transactions" if "search { transactions" in sent["query"] else "refunds"
        edges = self.transactions if root == "transactions" else [self.later]
        found = [e for e in edges if bounds["greaterThanOrEqualTo"] <= e["node"]["createdAt"][:19] + "Z" <= bounds["lessThanOrEqualTo"]]
        return FakeResponse.json({"data": {"search": {root: {"pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": found}}},
                                  "extensions": {"requestId": "r"}})


def test_a_refund_on_a_later_sync_updates_its_sales_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"public_key": "p", "private_key": "k", "base_url": api.url(app.prefix), "start_date": "2026-11-11"}
        run(tmp_path, {**config, "end_date": "2026-11-20"})
        assert [(r[0], r[8]) for r in orders(tmp_path) if r[0] == SALE] == [(SALE, Decimal("0"))]  # no refunds table yet: 0
        run(tmp_path, {**config, "end_date": "2026-11-25"})
    # the second sync asked again from the newest creation (2026-11-17 15:00) less the 30-day look-back, from start_date on
    assert app.requests[-1]["input"]["createdAt"]["greaterThanOrEqualTo"] == "2026-11-11T00:00:00Z"
    rows = orders(tmp_path)
    assert len(rows) == 3
    assert [(r[0], r[8]) for r in rows if r[0] == SALE] == [(SALE, Decimal("10"))]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("AUTHENTICATION", AuthError), ("AUTHORIZATION", AuthError),
        ("RESOURCE_LIMIT", RetryableApiError), ("INTERNAL", RetryableApiError), ("SERVICE_AVAILABILITY", RetryableApiError),
        ("VALIDATION", ApiError), ("NOT_FOUND", ApiError), ("UNSUPPORTED_CLIENT", ApiError),
    ],
)
def test_documented_error_classes_under_http_200(code, kind):
    message = f"{code.lower()} (an error of that class)"
    error = API.errors.policy().for_status(httpx.Response(200), {
        "data": None, "errors": [{"message": message, "extensions": {"errorClass": code}}],
        "extensions": {"requestId": "a-uuid-for-the-request"}})
    assert type(error) is kind
    assert message in str(error) and code in str(error)
