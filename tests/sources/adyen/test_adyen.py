"""adyen: the daily Payment accounting files load as documented (exact decimals, the account's
booking time as written), settled payments reach the unified orders with their refunds, one
file is asked per merchant account and day, a missing day loads nothing, a refund booked on a
later day updates its payment's row, its errors.

Expected values are read off the bodies (cassettes/adyen/bodies), never from the connector.
"""

from __future__ import annotations

import shutil
from datetime import date
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
from bosco_connectors.sources.adyen import API, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query, quick_client

BODIES = fixture_folder(connector) / "bodies"
VISA, MC, IDEAL = "8816178952380553", "8835511287412347", "8835518877120021"


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict) -> None:
    pipeline = dlt.pipeline(pipeline_name="adyen_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1"), loader_file_format="parquet")


def orders(tmp_path: Path) -> list[tuple]:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["stg_adyen__orders", "fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, order_number, currency, gross, total, refunds, source_name "
                           "from analytics.fct_orders where platform = 'adyen' order by order_date, order_id").fetchall()


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


def test_rows_load_with_exact_amounts_and_the_booking_time_as_written(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select psp_reference, record_type, booking_date, timezone, main_amount, payable_sc, report_day "
                           "from raw.adyen_payments_accounting where psp_reference = '8816178952380553' order by booking_date") == [
        (VISA, "Received", "2026-11-12 09:14:03", "CET", Decimal("100.00"), None, date(2026, 11, 12)),
        (VISA, "Authorised", "2026-11-12 09:14:04", "CET", Decimal("100.00"), None, date(2026, 11, 12)),
        (VISA, "SentForSettle", "2026-11-12 09:20:00", "CET", Decimal("100.00"), None, date(2026, 11, 12)),
        (VISA, "Settled", "2026-11-12 23:50:12", "CET", Decimal("100.00"), Decimal("98.10"), date(2026, 11, 12)),
        (VISA, "Refunded", "2026-11-13 10:05:00", "CET", Decimal("20.00"), Decimal("-20.00"), date(2026, 11, 13)),
    ]
    assert query(tmp_path, "select count(*) from raw.adyen_payments_accounting") == [(7,)]


def test_settled_payments_reach_the_orders_fact_with_their_refunds(replayed, tmp_path):
    shutil.copy(replayed[0] / "x.duckdb", tmp_path / "x.duckdb")  # the build writes: a copy of the shared sync
    assert orders(tmp_path) == [
        # settled at 23:50 CET on the 12th (22:50 UTC): the account's day as Adyen writes it
        (VISA, date(2026, 11, 12), "AcmeShopEU", "order-2001", "EUR", Decimal("100"), Decimal("100"), Decimal("20"), "visa"),
        (MC, date(2026, 11, 12), "AcmeShopEU", "order-2002", "EUR", Decimal("45.5"), Decimal("45.5"), Decimal("0"), "mc"),
        (IDEAL, date(2026, 11, 13), "AcmeShopEU", "order-2003", "EUR", Decimal("12.99"), Decimal("12.99"), Decimal("0"), "ideal"),
    ]


def test_one_file_per_merchant_account_and_day(replayed):
    _, app = replayed
    assert [r.path.strip("/") for _, r in app.answered] == [
        "MerchantAccount/AcmeShopEU/payments_accounting_report_2026_11_12.csv",
        "MerchantAccount/AcmeShopEU/payments_accounting_report_2026_11_13.csv",
    ]


class Days:
    """Adyen for two syncs: the documented files; the 14th has no file (404); on the 15th a
    second refund of the visa payment is booked."""

    prefix = "adyen"

    def __init__(self) -> None:
        self.files = {day: (BODIES / f"payments_accounting_report_{day}.csv").read_text() for day in ("2026_11_12", "2026_11_13")}
        header, first = self.files["2026_11_13"].splitlines()[:2]
        self.files["2026_11_15"] = "\n".join([header, first.replace("2026-11-13 10:05:00", "2026-11-15 08:00:00")
                                               .replace("20.00", "30.00").replace("refund-2001-1", "refund-2001-2")]) + "\n"
        self.asked: list[str] = []

    def handle(self, request):
        name = request.path.rsplit("/", 1)[-1]
        self.asked.append(name)
        day = name.removeprefix("payments_accounting_report_").removesuffix(".csv")
        if day not in self.files:
            return FakeResponse.json({"type": "https://docs.adyen.com/errors/not-found", "title": "Not Found", "status": 404}, status=404)
        return FakeResponse(200, self.files[day].encode(), {"Content-Type": "text/csv"})


def test_a_missing_day_loads_nothing_and_a_later_refund_updates_the_payments_row(tmp_path, fast):
    app = Days()
    with FakeApi([app]) as api:
        config = {"report_user": "u", "report_password": "p", "merchant_accounts": ["AcmeShopEU"], "base_url": api.url(app.prefix),
                  "start_date": "2026-11-12"}
        run(tmp_path, {**config, "end_date": "2026-11-14"})
        assert [(r[0], r[7]) for r in orders(tmp_path) if r[0] == VISA] == [(VISA, Decimal("20"))]
        run(tmp_path, {**config, "end_date": "2026-11-15"})
    # the first run asked the 12th to the 14th (no file: nothing loaded); the second asked again from the saved
    # day (the 13th) less the two-day look-back, no earlier than start_date (the 12th), through the 15th
    assert app.asked[:3] == [f"payments_accounting_report_2026_11_{d}.csv" for d in (12, 13, 14)]
    assert app.asked[3:] == [f"payments_accounting_report_2026_11_{d}.csv" for d in (12, 13, 14, 15)]
    rows = orders(tmp_path)
    assert len(rows) == 3
    assert [(r[0], r[5], r[7]) for r in rows if r[0] == VISA] == [(VISA, Decimal("100"), Decimal("50"))]
    assert query(tmp_path, "select count(*) from raw.adyen_payments_accounting") == [(8,)]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [(401, "00_401", AuthError), (403, "00_403", AuthError), (200, "00_403", AuthError), (429, None, RetryableApiError),
     (500, None, RetryableApiError), (400, None, ApiError)],
)
def test_documented_errors(status, code, kind):
    body = {"type": "https://docs.adyen.com/errors/x", "title": "Title", "status": status, "detail": "what went wrong"}
    if code:
        body["errorCode"] = code
    error = API.errors.policy().for_status(httpx.Response(status), body)
    assert type(error) is kind
    assert "what went wrong" in str(error)
