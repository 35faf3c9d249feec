"""paypal: its documented bodies load as documented, sales reach the unified orders with the refunds
that name them on the account's day, a later refund changes its sale's row and adds none, windows
too large are read in halves, its errors.

Expected values are read off the documented bodies (cassettes/paypal/bodies, built from PayPal's
Transaction Search OpenAPI description) and worked out by hand, never by the connector.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError, RetryPolicy
from bosco_connectors.framework.errormap import TooMuchData
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi, FakeResponse
from bosco_connectors.sources.paypal import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import quick_client

BODIES = fixture_folder(connector) / "bodies"
ACCOUNT = "4QW9NAXRJ2ZLC"
T1, T2, T3, T4 = "5TY05013RG002845M", "8MC58581KV397484L", "1WV49562AF1827334", "6NR21983HC420561T"
PACIFIC = timezone(timedelta(hours=-8))


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="paypal_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_paypal__orders"])  # the staging and the facts that read it
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, order_number, customer_id, currency, gross, discounts, tax, "
                           "shipping, total, refunds, status from analytics.fct_orders where platform = 'paypal' "
                           "order by created_at").fetchall()


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


def test_transactions_load_their_info_as_columns_in_exact_currency_units(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select transaction_id, transaction_event_code, transaction_amount__value, transaction_amount__currency_code, "
                           "fee_amount__value, paypal_reference_id, transaction_status, transaction_initiation_date, transaction_date "
                           "from raw.paypal_transactions order by transaction_initiation_date") == [
        (T1, "T0006", Decimal("45"), "USD", Decimal("-1.61"), None, "S", datetime(2026, 11, 12, 17, 15, tzinfo=timezone.utc), date(2026, 11, 12)),
        # 22:40 at -08:00 is 06:40 UTC the next day; the account's day stays the 13th
        (T2, "T0006", Decimal("120"), "USD", Decimal("-3.78"), None, "S", datetime(2026, 11, 14, 6, 40, tzinfo=timezone.utc), date(2026, 11, 13)),
        (T3, "T1107", Decimal("-10"), "USD", Decimal("0.35"), T1, "S", datetime(2026, 11, 15, 18, 0, tzinfo=timezone.utc), date(2026, 11, 15)),
        (T4, "T0006", Decimal("1500"), "JPY", Decimal("-97"), None, "S", datetime(2026, 11, 17, 2, 5, tzinfo=timezone.utc), date(2026, 11, 16)),
    ]
    assert query(tmp_path, f"select payer_info__email_address, payer_info__payer_name__given_name from raw.paypal_transactions "
                           f"where transaction_id = '{T1}'") == [("ana.ruiz@example.com", "Ana")]
    # lists are JSON text in their row (Arrow streams), not child tables
    assert query(tmp_path, "select sum(json_array_length(cart_info__item_details)) from raw.paypal_transactions") == [(3,)]
    assert query(tmp_path, "select account_id from raw.paypal_balances") == [(ACCOUNT,)]
    [(balances,)] = query(tmp_path, "select balances from raw.paypal_balances")
    assert sorted((b["currency"], b["total_balance"]["value"]) for b in json.loads(balances)) == [("JPY", "1403"), ("USD", "1151.57")]


def test_sales_reach_the_orders_fact_with_the_refunds_that_name_them(replayed, tmp_path):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the build writes: a copy of the shared sync
    assert orders(tmp_path) == [
        # 45.00 paid: 3.60 tax and 5.00 shipping, so 36.40 of goods; the T1107 refund of 10.00 names it
        (T1, date(2026, 11, 12), ACCOUNT, "INV-1001", "7YK3Q2WZ5NEBL", "USD", Decimal("36.4"), None, Decimal("3.6"), Decimal("5"),
         Decimal("45"), Decimal("10"), "S"),
        # 120.00 paid after a 12.00 discount and with 9.60 tax: 122.40 of goods before the discount
        (T2, date(2026, 11, 13), ACCOUNT, "INV-1002", "3HS8VRM2LQXJ4", "USD", Decimal("122.4"), Decimal("12"), Decimal("9.6"), Decimal("0"),
         Decimal("120"), Decimal("0"), "S"),
        # yen: the value is already whole yen
        (T4, date(2026, 11, 16), ACCOUNT, "INV-1003", "9PD4TXB7WYHK2", "JPY", Decimal("1500"), None, None, None,
         Decimal("1500"), Decimal("0"), "S"),
    ]


def test_transactions_are_asked_for_by_window_and_page(replayed):
    _, app = replayed
    asked = [{k: v[0] for k, v in r.query.items()} for e, r in app.answered if e.stream == "transactions"]
    window = {"start_date": "2026-11-11T00:00:00Z", "end_date": "2026-11-20T23:59:59Z", "fields": "all",
              "balance_affecting_records_only": "Y", "page_size": "2"}
    assert asked == [{**window, "page": "1"}, {**window, "page": "2"}]
    token = next(r for e, r in app.answered if e.request.get("path") == "token")
    assert token.header("authorization") == "Basic " + base64.b64encode(b"fixture-client-id:fixture-secret").decode()


class PayPal:
    """Transaction Search for two syncs: the documented transactions; on 2026-11-22 a full refund of
    the 120.00 sale, a T1107 transaction of its own (PayPal turns the sale's status to V)."""

    prefix = "paypal"

    def __init__(self) -> None:
        self.asked: list[dict[str, str]] = []
        self.details = body("transactions.page1.json")["transaction_details"] + body("transactions.page2.json")["transaction_details"]
        refund = copy.deepcopy(next(d for d in self.details if d["transaction_info"]["transaction_id"] == T3))
        refund["transaction_info"].update(transaction_id="0RF77341XK118293B", paypal_reference_id=T2,
                                          transaction_initiation_date="2026-11-22T09:00:00-0800",
                                          transaction_updated_date="2026-11-22T09:00:00-0800",
                                          transaction_amount={"currency_code": "USD", "value": "-120.00"}, invoice_id="INV-1002")
        self.refund = refund

    def handle(self, request):
        path = request.path.strip("/")
        if path == "token":
            return FakeResponse.json(body("token.json"))
        if path == "reporting/balances":
            return FakeResponse.json(body("balances.json"))
        query = {k: v[0] for k, v in request.query.items()}
        self.asked.append(query)
        low, high = (datetime.fromisoformat(query[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
        every = self.details + [self.refund]
        found = [d for d in every if low <= datetime.fromisoformat(d["transaction_info"]["transaction_updated_date"]) <= high]
        return FakeResponse.json({"transaction_details": found, "account_number": ACCOUNT, "page": 1,
                                  "total_items": len(found), "total_pages": 1})


def test_a_refund_on_a_later_sync_changes_its_sales_row_and_adds_none(tmp_path, fast):
    app = PayPal()
    with FakeApi([app]) as api:
        config = {"client_id": "c", "client_secret": "s", "token_url": api.url("paypal") + "/token",
                  "base_url": api.url("paypal"), "start_date": "2026-11-11"}
        run(tmp_path, {**config, "end_date": "2026-11-20"})
        assert [r[11] for r in orders(tmp_path) if r[0] == T2] == [Decimal("0")]
        run(tmp_path, {**config, "end_date": "2026-11-25"})
    # the second sync asked from the newest update (2026-11-16 18:05:01 -08:00) less PayPal's three hours, in UTC
    assert app.asked[-1]["start_date"] == "2026-11-16T23:05:01Z"
    assert query(tmp_path, "select count(*) from raw.paypal_transactions") == [(5,)]
    sales = orders(tmp_path)
    assert [(r[0], r[11]) for r in sales] == [(T1, Decimal("10")), (T2, Decimal("120")), (T4, Decimal("0"))]


def test_a_window_too_large_for_paypal_is_read_in_halves(tmp_path, fast):
    class TooLarge(PayPal):
        def handle(self, request):
            query = {k: v[0] for k, v in request.query.items()}
            if request.path.strip("/") == "reporting/transactions" and query["start_date"] == "2026-11-11T00:00:00Z" \
                    and query["end_date"] == "2026-11-20T23:59:59Z":
                self.asked.append(query)
                return FakeResponse(400, (BODIES / "error.too_large.json").read_bytes(), {"Content-Type": "application/json"})
            return super().handle(request)

    app = TooLarge()
    with FakeApi([app]) as api:
        run(tmp_path, {"client_id": "c", "client_secret": "s", "token_url": api.url("paypal") + "/token", "base_url": api.url("paypal"),
                       "start_date": "2026-11-11", "end_date": "2026-11-20"}, streams=["transactions"])
    assert [(q["start_date"], q["end_date"]) for q in app.asked] == [
        ("2026-11-11T00:00:00Z", "2026-11-20T23:59:59Z"), ("2026-11-11T00:00:00Z", "2026-11-15T23:59:59Z"),
        ("2026-11-16T00:00:00Z", "2026-11-20T23:59:59Z")]
    assert query(tmp_path, "select count(*) from raw.paypal_transactions") == [(4,)]


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, body("error.auth.json"), AuthError),
        (403, {"name": "NOT_AUTHORIZED", "message": "Authorization failed due to insufficient permissions.", "debug_id": "x"}, AuthError),
        (429, body("error.rate_limit.json"), RetryableApiError),
        (400, body("error.too_large.json"), TooMuchData),
        (400, {"name": "INVALID_REQUEST", "message": "Request is not well-formed, syntactically incorrect, or violates schema.",
               "details": [{"field": "start_date", "issue": "INVALID_PARAMETER_SYNTAX"}]}, ApiError),
        (500, {"name": "INTERNAL_SERVER_ERROR", "message": "An internal server error occurred."}, RetryableApiError),
        (200, body("error.auth.json"), AuthError),  # an error body under HTTP 200 is an error all the same
    ],
)
def test_documented_errors(status, body, kind):
    error = API.errors.policy().for_status(httpx.Response(status), body)
    assert type(error) is kind
    assert body["message"] in str(error)
