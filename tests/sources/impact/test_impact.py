"""The declared impact source: actions as documented, the account's day, both unified facts, errors.

Expected values come from the fixture bodies (cassettes/impact/) and are written out here,
never computed with the connector's code.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.impact import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import build_facts as build, documented, sync

FIXTURES = Fixtures.load(fixture_folder("impact"))

FAST = {"requests_per_second": 1000}


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder("impact")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="impact_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **FAST, **config}))
    assert not app.unmatched, app.unmatched
    return seen


def arg(request, name: str):
    """A query parameter's one value."""
    return (request.query.get(name) or [None])[0]


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the read-only tests below query (run once for the module): its folder
    (``x.duckdb``) and the requests it made."""
    folder = module_tmp / "replayed"
    folder.mkdir()
    return folder, run(folder)


def test_actions_load_as_documented_exact_money_string_ids_and_the_accounts_day(replayed):
    tmp_path, _ = replayed
    rows = query(tmp_path / "x.duckdb", "select id, campaign_id, media_partner_id, state, payout, amount, currency, event_date "
                                        "from raw.impact_actions order by id")
    assert rows == [
        # 2026-11-01T23:10:38-08:00 is 07:10 UTC on the 2nd: the account's day, the 1st, is kept
        ("1000.4636.158133", "1000", "10000", "PENDING", Decimal("0.88"), Decimal("21.99"), "USD", date(2026, 11, 1)),
        ("1000.4636.158134", "1000", "2552842", "APPROVED", Decimal("12.5"), Decimal("250"), "USD", date(2026, 11, 1)),
        ("1000.4636.158135", "1000", "10000", "PENDING", Decimal("4.4"), Decimal("109.95"), "USD", date(2026, 11, 2)),
    ]
    columns = {c for (c,) in query(tmp_path / "x.duckdb", "select column_name from information_schema.columns "
                                                          "where table_name = 'impact_actions'")}
    assert not columns & {"ip_address", "customer_post_code", "customer_city", "customer_area", "caller_id"}  # personal data
    assert query(tmp_path / "x.duckdb", "select currency, timezone from raw.impact_company_information") == [
        ("USD", "(GMT -08:00) Pacific Time (US & Canada); Tijuana")]


def test_requests_read_each_program_by_event_date_pinned_to_v14_with_basic_auth(replayed):
    _, seen = replayed
    actions = [r for r in seen if r.path.endswith("/Actions")]
    assert [tuple(arg(r, k) for k in ("CampaignId", "ActionDateStart", "ActionDateEnd", "Page")) for r in actions] == [("1000", "2026-11-01T00:00:00Z", "2026-11-02T23:59:59Z", "1"),
                                  ("1000", "2026-11-01T00:00:00Z", "2026-11-02T23:59:59Z", "2")]
    basic = "Basic " + base64.b64encode(b"IRfixtureSID0001:fixture-token").decode()
    assert all(r.header("authorization") == basic and r.header("ir-version") == "14" for r in seen)


@pytest.fixture(scope="module")
def built_facts(module_tmp) -> Path:
    """The documented fixtures replayed and both facts built from them (tests/sources/replayed.py),
    once for the module: the database the fact tests below read."""
    folder = module_tmp / "facts"
    folder.mkdir()
    sync(connector, documented(connector), folder, config=FAST)
    build(connector, folder, "affiliate_performance_daily", "campaign_performance")
    return folder / "x.duckdb"


def test_actions_reach_the_affiliate_fact_per_program_partner_and_day(built_facts):
    con = duckdb.connect(str(built_facts), read_only=True)
    rows = con.execute("select date, program_id, partner_id, partner_name, clicks, actions, sale_amount, commission, currency "
                       "from analytics.fct_affiliate_performance_daily where platform = 'impact' order by 1, 3").fetchall()
    assert rows == [
        (date(2026, 11, 1), "1000", "10000", "Acme Partner", None, 1, Decimal("21.99"), Decimal("0.88"), "USD"),
        (date(2026, 11, 1), "1000", "2552842", "Wile E. Coyote Facebook", None, 1, Decimal("250"), Decimal("12.5"), "USD"),
        (date(2026, 11, 2), "1000", "10000", "Acme Partner", None, 1, Decimal("109.95"), Decimal("4.4"), "USD"),
    ]
    con.close()


def test_commission_is_the_spend_of_a_partner_campaign_in_the_campaign_facts(built_facts):
    con = duckdb.connect(str(built_facts), read_only=True)
    rows = con.execute("select date, account_id, account_name, campaign_id, campaign_name, spend, clicks, conversions, "
                       "conversion_value, currency from analytics.fct_campaign_performance where platform = 'impact' "
                       "order by 1, 4").fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4], Decimal(str(r[5])), r[6], float(r[7]), Decimal(str(r[8])), r[9]) for r in rows] == [
        (date(2026, 11, 1), "1000", "Acme Campaign", "10000", "Acme Partner", Decimal("0.88"), 0, 1.0, Decimal("21.99"), "USD"),
        (date(2026, 11, 1), "1000", "Acme Campaign", "2552842", "Wile E. Coyote Facebook", Decimal("12.5"), 0, 1.0,
         Decimal("250"), "USD"),
        (date(2026, 11, 2), "1000", "Acme Campaign", "10000", "Acme Partner", Decimal("4.4"), 0, 1.0, Decimal("109.95"), "USD"),
    ]
    con.close()


def test_an_action_reversed_later_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    reversed_ = copy.deepcopy(FIXTURES.body(FIXTURES.data("actions")[1]))
    reversed_["Actions"][0].update({"State": "REVERSED", "Amount": 0, "Payout": 0, "DeltaAmount": -109.95, "DeltaPayout": -4.4})

    def later(request):
        return FakeResponse.json(reversed_) if request.path.endswith("/Actions") and arg(request, "Page") == "2" else None

    run(tmp_path, later)
    assert query(tmp_path / "x.duckdb", "select count(*), sum(payout), sum(amount) from raw.impact_actions") == [
        (3, Decimal("13.38"), Decimal("271.99"))]
    assert query(tmp_path / "x.duckdb", "select state from raw.impact_actions where id = '1000.4636.158135'") == [("REVERSED",)]


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, "error.auth.json", AuthError),
    (403, "error.auth.json", AuthError),  # a scoped token not enabled for the endpoint
    (429, "error.rate_limit.json", RetryableApiError),
    (200, "error.auth.json", ApiError),  # the error envelope in a 200 is an error, never an empty page
])
def test_the_documented_errors(status, body, kind):
    import httpx

    text = (fixture_folder("impact") / "bodies" / body).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert json.loads(text)["Message"] in str(error)


def test_the_documented_validation_error_names_its_message():
    import httpx

    body = {"Status": "ERROR", "Message": "Validation Failed", "Errors": [{"Field": "AccountId", "Message": "Not a numeric value"}]}
    response = httpx.Response(400, json=body)
    error = API.errors.policy().for_status(response, body)
    assert type(error) is ApiError and "Validation Failed" in str(error)
