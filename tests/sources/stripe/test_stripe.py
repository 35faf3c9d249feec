"""stripe: its documented bodies load as documented, charges reach the unified orders in each
currency's own unit on the account's day, a later refund updates its charge's row, its errors.

Expected values are read off the documented bodies (cassettes/stripe/bodies, written from
Stripe's OpenAPI fixtures) and Stripe's currency page, worked out by hand, never by the
connector.
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
from bosco_connectors.sources.stripe import API, STRIPE_MINOR_UNITS, connector
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import replay_documented

BODIES = fixture_folder(connector) / "bodies"
ACCOUNT = "acct_1QbmKy2eZvKYlo2C"
CH_A, CH_B, CH_C, CH_D = ("ch_3QcA1n2eZvKYlo2C0aB1cD2e", "ch_3QcB2o2eZvKYlo2C1bC2dE3f", "ch_3QcC3p2eZvKYlo2C2cD3eF4g",
                          "ch_3QcD4q2eZvKYlo2C3dE4fG5h")


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture
def fast(monkeypatch):
    fast = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None))


def run(tmp_path: Path, config: dict, streams: list[str] | None = None) -> None:
    pipeline = dlt.pipeline(pipeline_name="stripe_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(connector.resources(config, tenant_id="t1", streams=streams), loader_file_format="parquet")


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def orders(tmp_path: Path) -> list[tuple]:
    """fct_orders built by the recipes from what the syncs loaded."""
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        built = build(con, select=["fct_orders"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        return con.execute("select order_id, order_date, store_id, store_name, customer_id, currency, gross, total, refunds, "
                           "status, is_test from analytics.fct_orders where platform = 'stripe' order by created_at").fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the read-only tests below query (run once for the module)."""
    app = replay_documented(connector, run, module_tmp)
    return module_tmp, app


def copied(replayed, tmp_path: Path) -> Path:
    """The shared sync's database copied into `tmp_path`, for a test that builds into it."""
    shared, _ = replayed
    for name in ("x.duckdb", "x.duckdb.wal"):
        if (shared / name).exists():
            shutil.copy(shared / name, tmp_path / name)
    return tmp_path


def test_charges_load_as_sent_in_the_smallest_currency_unit(replayed):
    tmp_path, _ = replayed
    assert query(tmp_path, "select id, amount, amount_captured, amount_refunded, currency, status, created, updated "
                           "from raw.stripe_charges order by created") == [
        (CH_A, 2000, 2000, 500, "usd", "succeeded", datetime(2026, 11, 12, 15, 4, 5, tzinfo=timezone.utc),
         datetime(2026, 11, 12, 15, 4, 5, tzinfo=timezone.utc)),
        (CH_B, 4999, 4999, 0, "usd", "succeeded", datetime(2026, 11, 14, 3, 30, tzinfo=timezone.utc),
         datetime(2026, 11, 14, 3, 30, tzinfo=timezone.utc)),
        (CH_C, 3500, 3500, 1000, "jpy", "succeeded", datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc),
         datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc)),
        (CH_D, 1500, 0, 0, "usd", "failed", datetime(2026, 11, 18, 20, 15, tzinfo=timezone.utc),
         datetime(2026, 11, 18, 20, 15, tzinfo=timezone.utc)),
    ]
    # metadata is one JSON column; an undeclared list of plain values is JSON text too (an Arrow stream)
    assert query(tmp_path, f"select json_extract_string(metadata, '$.order_id') from raw.stripe_charges where id = '{CH_A}'") == [
        ("ord-3QcA1n2e",)]
    assert query(tmp_path, "select tenant_id, preferred_locales from raw.stripe_customers") == [("t1", '["en"]')] * 3
    # the JPY charge settled in USD: the balance transaction is in the balance's currency
    assert query(tmp_path, "select amount, fee, net, currency, exchange_rate from raw.stripe_balance_transactions "
                           f"where source = '{CH_C}'") == [(2289, 96, 2193, "usd", 0.00654)]
    assert query(tmp_path, "select settings__dashboard__timezone, business_profile__name from raw.stripe_account") == [
        ("America/New_York", "Bosco Shop")]


def test_charges_reach_the_orders_fact_in_each_currencys_unit_on_the_accounts_day(replayed, tmp_path):
    tmp_path = copied(replayed, tmp_path)  # the orders are built into the database
    assert orders(tmp_path) == [
        # 15:04 UTC is 10:04 in New York; 20.00 USD captured, 3.00 + 2.00 refunded
        (CH_A, date(2026, 11, 12), ACCOUNT, "Bosco Shop", "cus_RA1bC2dE3fG4hI", "USD", Decimal("20"), Decimal("20"), Decimal("5"), "succeeded", False),
        # 03:30 UTC on the 14th is 22:30 on the 13th in New York: the account's day, not the UTC day
        (CH_B, date(2026, 11, 13), ACCOUNT, "Bosco Shop", "cus_RB2cD3eF4gH5iJ", "USD", Decimal("49.99"), Decimal("49.99"), Decimal("0"), "succeeded", False),
        # JPY is zero-decimal: 3500 is 3,500 yen, and the refund 1,000 yen
        (CH_C, date(2026, 11, 16), ACCOUNT, "Bosco Shop", "cus_RA1bC2dE3fG4hI", "JPY", Decimal("3500"), Decimal("3500"), Decimal("1000"), "succeeded", False),
        # a failed charge captured nothing
        (CH_D, date(2026, 11, 18), ACCOUNT, "Bosco Shop", "cus_RB2cD3eF4gH5iJ", "USD", Decimal("0"), Decimal("0"), Decimal("0"), "failed", False),
    ]


def test_lists_are_read_by_created_window_and_paged_after_the_last_id(replayed):
    _, app = replayed
    charges = [dict(r.query) for e, r in app.answered if e.stream == "charges"]
    assert [{k: v[0] for k, v in q.items()} for q in charges] == [
        {"created[gte]": "1794355200", "created[lte]": "1795219199", "limit": "2"},
        {"created[gte]": "1794355200", "created[lte]": "1795219199", "limit": "2", "starting_after": CH_C},
    ]
    # a first run reads every object of the range as it is now: no events are asked for changes
    assert not [r for _, r in app.answered if r.path.strip("/") == "events" and r.arg("type")]
    headers = {r.header("stripe-version") for _, r in app.answered}
    assert headers == {"2026-07-29.dahlia"}


class LaterRefund:
    """Stripe for two syncs: the documented account and charges; after 2026-11-20, no new
    charge but the event of a full refund of the charge created on 2026-11-14."""

    prefix = "stripe"

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.charges = body("charges.page1.json")["data"] + body("charges.page2.json")["data"]
        refunded = copy.deepcopy(next(c for c in self.charges if c["id"] == CH_B))
        refunded.update(amount_refunded=4999, refunded=True)
        self.event = {**body("events.page2.json")["data"][0], "id": "evt_3QcB2o2eZvKYlo2C1xY9zA0b", "type": "charge.refunded",
                      "created": int(datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc).timestamp()),
                      "data": {"object": refunded, "previous_attributes": {"amount_refunded": 0, "refunded": False}}}

    def handle(self, request):
        path = request.path.strip("/")
        query = {k: v[0] for k, v in request.query.items()}
        self.requests.append((path, query))
        if path == "account":
            return FakeResponse.json(body("account.json"))
        low, high = int(query["created[gte]"]), int(query["created[lte]"])
        if path == "charges":
            found = [c for c in self.charges if low <= c["created"] <= high]
        elif path == "events" and query.get("type") == "charge.*":
            found = [e for e in [self.event] if low <= e["created"] <= high]
        else:
            return FakeResponse.json({"error": {"message": f"unexpected {path}", "type": "invalid_request_error"}}, 404)
        return FakeResponse.json({"object": "list", "url": f"/v1/{path}", "has_more": False, "data": found})


def test_a_refund_on_a_later_sync_updates_its_charges_row_and_adds_none(tmp_path, fast):
    app = LaterRefund()
    with FakeApi([app]) as api:
        config = {"api_key": "fixture-key", "base_url": api.url(app.prefix), "start_date": "2026-11-11"}
        run(tmp_path, {**config, "end_date": "2026-11-20"}, streams=["account", "charges"])
        assert query(tmp_path, f"select amount_refunded, refunded from raw.stripe_charges where id = '{CH_B}'") == [(0, False)]
        run(tmp_path, {**config, "end_date": "2026-11-25"}, streams=["account", "charges"])
    # the second sync asked from the saved cursor (the newest charge, 2026-11-18 20:15) less one hour, for
    # new charges and for the events of charges; the refund's event carried the charge created before
    since = str(int(datetime(2026, 11, 18, 19, 15, tzinfo=timezone.utc).timestamp()))
    assert ("events", {"type": "charge.*", "limit": "100", "created[gte]": since,
                       "created[lte]": str(int(datetime(2026, 11, 25, 23, 59, 59, tzinfo=timezone.utc).timestamp()))}) in app.requests
    assert query(tmp_path, "select count(*), count(distinct id) from raw.stripe_charges") == [(4, 4)]
    assert query(tmp_path, f"select amount_refunded, refunded, updated from raw.stripe_charges where id = '{CH_B}'") == [
        (4999, True, datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc))]
    refunded = [row for row in orders(tmp_path) if row[0] == CH_B]
    assert [(r[6], r[8]) for r in refunded] == [(Decimal("49.99"), Decimal("49.99"))]
    assert len(orders(tmp_path)) == 4


def test_a_payment_intents_client_secret_is_never_loaded():
    stream = next(s for s in connector.streams if s.name == "payment_intents")
    record = {**body("payment_intents.page2.json")["data"][0], "client_secret": "pi_3QcB2o2eZvKYlo2C1yZ0xW9v_secret_x"}
    [row] = stream.shape([record], None)
    assert "client_secret" not in row and row["amount_received"] == 4999


@pytest.mark.parametrize(
    ("code", "amount", "expected"),
    [
        ("usd", 1099, Decimal("10.99")),
        ("JPY", 1099, Decimal("1099")),   # zero-decimal
        ("krw", 50000, Decimal("50000")),
        ("mga", 5000, Decimal("5000")),   # zero-decimal at Stripe, two decimals in ISO 4217
        ("kwd", 5120, Decimal("5.12")),   # three-decimal
        ("isk", 500, Decimal("5")),       # "ISK will remain a two-decimal currency in the Stripe API": 500 is 5 kronur
        ("huf", 100000, Decimal("1000")), # HUF and TWD: two decimals in charges
        ("twd", 12300, Decimal("123")),
    ],
)
def test_stripes_minor_units_per_currency(code, amount, expected):
    assert STRIPE_MINOR_UNITS.to_currency(amount, code) == expected


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, {"error": {"message": "Invalid API Key provided: sk_live_*********************wXyZ", "type": "invalid_request_error"}}, AuthError),
        (401, {"error": {"code": "api_key_expired", "message": "Expired API Key provided: rk_live_****wXyZ", "type": "invalid_request_error"}}, AuthError),
        (403, {"error": {"message": "The provided key 'rk_live_****wXyZ' does not have the required permissions for this endpoint.",
                         "type": "invalid_request_error"}}, AuthError),
        (429, {"error": {"message": "Request rate limit exceeded.", "type": "invalid_request_error"}}, RetryableApiError),
        (429, {"error": {"code": "lock_timeout", "message": "This object cannot be accessed right now because another API request "
                         "or Stripe process is currently accessing it.", "type": "invalid_request_error"}}, RetryableApiError),
        (500, {"error": {"message": "An unknown error occurred", "type": "api_error"}}, RetryableApiError),
        (400, {"error": {"code": "parameter_unknown", "message": "Received unknown parameter: foo", "param": "foo",
                         "type": "invalid_request_error"}}, ApiError),
        (404, {"error": {"code": "resource_missing", "message": "No such charge: 'ch_x'", "type": "invalid_request_error"}}, ApiError),
        # an error body under HTTP 200 (a proxy) is an error all the same
        (200, {"error": {"message": "Invalid API Key provided: sk_live_****wXyZ", "type": "invalid_request_error"}}, ApiError),
    ],
)
def test_documented_errors(status, body, kind):
    error = API.errors.policy().for_status(httpx.Response(status), body)
    assert type(error) is kind
    assert body["error"]["message"] in str(error)


def test_the_orders_fact_builds_when_the_account_has_no_business_name(tmp_path, fast):
    """Stripe sends null for an account without a business profile name: the orders still build (the
    columns the mapping reads are declared), the store's name NULL."""
    account = {**body("account.json"), "business_profile": {**body("account.json")["business_profile"], "name": None}}
    charges = body("charges.page2.json")

    class NoName:
        prefix = "stripe"

        def handle(self, request):
            if request.path.strip("/") == "account":
                return FakeResponse.json(account)
            return FakeResponse.json({**charges, "has_more": False})

    with FakeApi([NoName()]) as api:
        run(tmp_path, {"api_key": "fixture-key", "base_url": api.url("stripe"), "start_date": "2026-11-11", "end_date": "2026-11-20"},
            streams=["account", "charges"])
    assert [(r[0], r[1], r[3]) for r in orders(tmp_path)] == [(CH_A, date(2026, 11, 12), None), (CH_B, date(2026, 11, 13), None)]
