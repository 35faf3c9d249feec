"""close: its documented bodies load as documented (money from minor units by currency, prefixed
string ids), the funnel on UTC days and Close's won dates, its error table, and a lead and an
opportunity deleted at Close leaving the tables on a later sync (the event log).

Expected values are read off the documented bodies (cassettes/close/bodies), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errors import ApiError
from bosco_connectors.sources.close import API, connector
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, edited, query, sync
from tests.sources.crm import rebuild

BODIES = fixture_folder(connector) / "bodies"
OCT25, NOV1, NOV2 = date(2026, 10, 25), date(2026, 11, 1), date(2026, 11, 2)
WON = "oppo_8H4sjNso7FyBFaeR3RXi5PMJbilfo0c6UPCxsJtEhCO"
KLINE = "lead_zwqYhEFwzPyfCErS8uQ77is2wFLvr9BgVi6cTfbFM68"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> Path:
    """The documented sync every read-only test below queries (run once for the module)."""
    sync(connector, documented(connector), module_tmp)
    build_facts(connector, module_tmp, "crm_funnel_daily")
    return module_tmp


def test_opportunities_keep_minor_units_raw_and_their_won_date(replayed: Path) -> None:
    rows = query(replayed, "select id, value, value_currency, status_type, date_won from raw.close_opportunities order by date_created")
    assert rows == [
        (WON, 150050, "USD", "won", NOV1),
        ("oppo_wwbWQHyrFhZ8htjP8bWatBjnsRQwRBH3pm4ru8fCMHS", 320000, "USD", "active", None),
        ("oppo_7H4sjNso7FyBFaeR3RXi5PMJbilfo0c6UPCxsJtEhCO", 20000, "EUR", "won", NOV2),
    ]


def test_deleted_records_from_the_event_log_are_never_loaded(replayed: Path) -> None:
    assert [r[0] for r in query(replayed, "select id from raw.close_leads order by id")] == sorted(
        [KLINE, "lead_mJOMCrloNCfmip7auygNMbOjtNSLbMgh6PG1LCJ6xkl", "lead_4S2L8JTBAA1OUS74SVmfbNqWnP8XfNmQ0Z3rA2q1bCd"])
    assert query(replayed, "select count(*) from raw.close_opportunities where id like 'oppo_1aB%' or id like 'oppo_2bC%'") == [(0,)]


def test_activities_name_their_type_and_carry_no_content(replayed: Path) -> None:
    assert query(replayed, "select activity_type, count(*) from raw.close_activities group by 1 order by 1") == [
        ("Call", 1), ("Email", 1), ("Note", 1)]
    columns = {c for (c,) in query(replayed, "select column_name from information_schema.columns where table_name = 'close_activities'")}
    assert not columns & {"body_text", "body_html", "note", "subject", "_type"}


def test_the_funnel(replayed: Path) -> None:
    """UTC creation days (Initech's lead at 23:30 UTC stays on Nov 2); won on Close's date_won, cents to currency units."""
    rows = query(replayed, "select date, lead_source, leads_created, opportunities_created, won, won_amount, currency "
                           "from analytics.fct_crm_funnel_daily where platform = 'close' order by date, lead_source nulls first")
    assert rows == [
        (OCT25, None, None, 1, None, None, None),
        (NOV1, None, None, 1, 1, Decimal("1500.50"), "USD"),
        (NOV1, "Referral", 1, None, None, None, None),
        (NOV1, "Website", 1, None, None, None, None),
        (NOV2, None, 1, 1, 1, Decimal("200.00"), "EUR"),
    ]


def test_a_lead_and_an_opportunity_deleted_later_leave_the_tables_and_the_funnel(tmp_path: Path) -> None:
    sync(connector, documented(connector), tmp_path)
    build_facts(connector, tmp_path, "crm_funnel_daily")

    def later(bodies: dict[str, Any]) -> None:
        events = bodies["opportunities.deleted.page1.json"]["data"]
        events.append({**events[0], "id": "ev_7nSy2ZaBdV3uF4wX5yZ6aB", "object_id": WON, "date_updated": "2026-11-02T20:00:00.000000"})
        lead_events = bodies["leads.deleted.page1.json"]["data"]
        lead_events.append({**lead_events[0], "id": "ev_8oTz3AbCeW4vG5xY6zA7bC", "object_id": KLINE, "lead_id": KLINE})
        bodies["opportunities.page1.json"]["data"] = bodies["opportunities.page1.json"]["data"][1:]
        bodies["leads.page1.json"]["data"] = bodies["leads.page1.json"]["data"][1:]

    sync(connector, edited(connector, tmp_path, later), tmp_path)
    rebuild(connector, tmp_path)
    assert query(tmp_path, "select count(*) from raw.close_opportunities where id = ?", WON) == [(0,)]
    assert query(tmp_path, "select count(*) from raw.close_leads where id = ?", KLINE) == [(0,)]
    assert query(tmp_path, "select date, won, won_amount from analytics.fct_crm_funnel_daily "
                           "where platform = 'close' and won is not null order by date") == [(NOV2, 1, Decimal("200.00"))]
    assert query(tmp_path, "select lead_source, leads_created from analytics.fct_crm_funnel_daily "
                           "where platform = 'close' and date = ? and leads_created is not null order by 1", NOV1) == [("Referral", 1)]


@pytest.mark.parametrize(("status", "name", "kind"), [(429, "error.rate_limit.json", RetryableApiError), (401, "error.auth.json", AuthError)])
def test_documented_errors(status: int, name: str, kind: type) -> None:
    error = API.errors.policy().for_status(httpx.Response(status), body(name))
    assert type(error) is kind


def test_a_plan_limit_is_a_credential_problem_and_listed_errors_in_a_200_fail() -> None:
    assert isinstance(API.errors.policy().for_status(httpx.Response(402), {}), AuthError)
    validation = {"errors": ["Invalid date_updated__gte"], "field-errors": {}}
    error = API.errors.policy().for_status(httpx.Response(200), validation)
    assert isinstance(error, ApiError) and "Invalid date_updated__gte" in str(error)

