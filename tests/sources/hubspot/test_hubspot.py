"""hubspot: its documented bodies load as documented, the funnel fact on the account's days, its
error table, a search over 10,000 matches read in halves, and deletions and changes on a later sync.

Expected values are read off the documented bodies (cassettes/hubspot/bodies, built from HubSpot's
OpenAPI schemas), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse
from bosco_connectors.sources.hubspot import API, connector
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, edited, query, registered, sync

BODIES = fixture_folder(connector) / "bodies"
NOV1, NOV2 = date(2026, 11, 1), date(2026, 11, 2)


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> Path:
    """The documented sync and its funnel fact, which the read-only tests below query (run once for the module)."""
    sync(connector, documented(connector), module_tmp)
    build_facts(connector, module_tmp, "crm_funnel_daily")
    return module_tmp


def test_deals_load_with_exact_amounts_their_currency_and_a_bool_won(replayed: Path) -> None:
    rows = query(replayed, "select id, amount, deal_currency_code, hs_is_closed_won, closedate from raw.hubspot_deals order by id")
    assert rows == [
        ("8801", Decimal("1500.50"), "USD", True, datetime(2026, 11, 2, 15, tzinfo=timezone.utc)),
        ("8802", Decimal("3200"), "USD", False, datetime(2026, 12, 15, 17, tzinfo=timezone.utc)),
        ("8803", Decimal("200"), "EUR", True, datetime(2026, 11, 2, 4, 30, tzinfo=timezone.utc)),
    ]


def test_archived_records_are_never_loaded_and_live_ones_are(replayed: Path) -> None:
    # the archived lists name 1040/1041, 30490/30491, 8790/8791: deletions, not rows
    assert query(replayed, "select id from raw.hubspot_contacts order by id") == [("1051",), ("1052",), ("1053",)]
    assert query(replayed, "select id from raw.hubspot_companies order by id") == [("30510",), ("30511",), ("30512",)]
    assert query(replayed, "select count(*) from raw.hubspot_deals where id in ('8790', '8791')") == [(0,)]


def test_no_personal_data_is_loaded(replayed: Path) -> None:
    owner_columns = {c for (c,) in query(replayed, "select column_name from information_schema.columns where table_name = 'hubspot_owners'")}
    assert "email" not in owner_columns and {"first_name", "last_name", "user_id"} <= owner_columns
    contact_columns = {c for (c,) in query(replayed, "select column_name from information_schema.columns where table_name = 'hubspot_contacts'")}
    assert not contact_columns & {"email", "firstname", "lastname", "phone"}


def test_the_funnel_is_on_the_accounts_days(replayed: Path) -> None:
    """New York days: contact 1051 created 03:30 UTC on Nov 2 is a Nov 1 lead; deal 8803 won at 04:30 UTC on Nov 2 is Nov 1's."""
    rows = query(replayed, "select date, lead_source, leads_created, qualified, opportunities_created, won, won_amount, currency "
                           "from analytics.fct_crm_funnel_daily where platform = 'hubspot' order by date, lead_source nulls first")
    assert rows == [
        (NOV1, None, None, None, 3, 1, Decimal("200"), "EUR"),
        (NOV1, "PAID_SEARCH", 1, None, None, None, None, None),
        (NOV2, None, None, None, None, 1, Decimal("1500.50"), "USD"),
        (NOV2, "ORGANIC_SEARCH", 1, None, None, None, None, None),
        (NOV2, "PAID_SEARCH", 1, 1, None, None, None, None),
    ]


def test_a_deal_deleted_later_leaves_the_tables_and_a_changed_one_updates_its_row(tmp_path: Path) -> None:
    sync(connector, documented(connector), tmp_path)
    build_facts(connector, tmp_path, "crm_funnel_daily")

    def later(bodies: dict[str, Any]) -> None:
        won = bodies["deals.page1.json"]["results"][0]  # 8801, won on Nov 2: now deleted at HubSpot
        bodies["deals.archived.page1.json"]["results"].append({**won, "archived": True, "archivedAt": "2026-11-02T20:00:00.000Z"})
        bodies["deals.page1.json"]["results"] = bodies["deals.page1.json"]["results"][1:]
        bodies["deals.page1.json"]["total"] = 2
        bodies["deals.page2.json"]["total"] = 2
        edit = bodies["deals.page2.json"]["results"][0]  # 8803's amount edited (an edit moves its last change)
        edit["properties"].update(amount="250", hs_lastmodifieddate="2026-11-02T21:00:00.000Z")
        edit["updatedAt"] = "2026-11-02T21:00:00.000Z"

    sync(connector, edited(connector, tmp_path, later), tmp_path)
    rebuild(tmp_path)
    assert query(tmp_path, "select id, amount from raw.hubspot_deals order by id") == [("8802", Decimal("3200")), ("8803", Decimal("250"))]
    assert query(tmp_path, "select date, won, won_amount from analytics.fct_crm_funnel_daily "
                           "where platform = 'hubspot' and won is not null order by date") == [(NOV1, 1, Decimal("250"))]


def rebuild(tmp: Path) -> None:
    """The staging model and the fact built from it, after a later sync (`build_facts` builds the fact alone)."""
    import duckdb

    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp / "x.duckdb")) as con:
        built = build(con, select=["stg_hubspot__crm_funnel_daily"])
        assert built.ok, [m.line() for m in built.models if m.status != "built"]


DAY_MS = 86_400_000
BUSY = (int(datetime(2026, 11, 2, tzinfo=timezone.utc).timestamp() * 1000),) * 2
BUSY = (BUSY[0], BUSY[0] + DAY_MS - 1)  # Nov 2, 2026 (UTC): a bulk import changed 15,000 deals


class CappedSearch:
    """A search over deals: a window longer than a day that holds Nov 2 matches 15,000 (more than a
    search pages through); a shorter one that holds it matches one deal; any other none."""

    prefix = "hubspot"

    def __init__(self) -> None:
        self.searches: list[tuple[int, int, int]] = []  # (value, highValue, total answered)

    def handle(self, req: FakeRequest) -> FakeResponse:
        if req.method == "GET":  # the archived list: nothing deleted
            return FakeResponse.json({"results": []})
        sent = req.json()
        assert "after" not in sent, "a capped search must not be paged"
        window = sent["filterGroups"][0]["filters"][0]
        low, high = int(window["value"]), int(window["highValue"])
        busy = low <= BUSY[1] and high >= BUSY[0]
        total = (15000 if high - low > DAY_MS else 1) if busy else 0
        self.searches.append((low, high, total))
        if total != 1:
            return FakeResponse.json({"total": total, "results": [], **({"paging": {"next": {"after": "200"}}} if total else {})})
        deal = body("deals.page1.json")["results"][0]
        stamp = datetime.fromtimestamp(max(low, BUSY[0]) / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return FakeResponse.json({"total": 1, "results": [{**deal, "id": str(low), "updatedAt": stamp, "createdAt": stamp}]})


def test_a_search_matching_more_than_10000_is_read_in_halves(tmp_path: Path) -> None:
    from bosco_connectors.sync import SyncJob, run_sync

    app = CappedSearch()
    with FakeApi([app]) as api, registered(connector):
        config = {"access_token": "t", "base_url": api.url("hubspot"), "start_date": date(2026, 11, 1), "end_date": date(2026, 11, 4)}
        result = run_sync(SyncJob("t", "hubspot", config, streams=["deals"]), connector=connector, pipelines_dir=tmp_path / "p",
                          destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")))
    assert result.ok, result.failure_line
    searched = {(low, high) for low, high, _ in app.searches}
    capped = [(low, high) for low, high, total in app.searches if total > 10_000]
    assert capped
    for low, high in capped:  # each capped window was read again as two halves that tile it, to the second
        halves = [(a, b) for a, b in searched if a == low and b < high and (b + 1000, high) in searched]
        assert len(halves) == 1, (low, high)
    answered = [(low, high) for low, high, total in app.searches if total == 1]
    assert answered and all(high - low <= DAY_MS for low, high in answered)
    assert query(tmp_path, "select count(*) from raw.hubspot_deals")[0][0] == len(answered)


@pytest.mark.parametrize(("status", "name", "kind"), [(429, "error.rate_limit.json", RetryableApiError), (401, "error.auth.json", AuthError)])
def test_documented_errors(status: int, name: str, kind: type) -> None:
    documented_body = body(name)
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["message"] in str(error)


def test_missing_scopes_and_expired_tokens_are_credential_problems() -> None:
    for category in ("MISSING_SCOPES", "EXPIRED_AUTHENTICATION"):
        error = API.errors.policy().for_status(httpx.Response(403), {"status": "error", "message": "m", "correlationId": "c",
                                                                     "category": category})
        assert isinstance(error, AuthError), category


def test_one_credential_exactly() -> None:
    from bosco_connectors.framework import ConfigError

    with pytest.raises(ConfigError, match="no credential"):
        connector.validate({})
    with pytest.raises(ConfigError, match="not several"):
        connector.validate({"access_token": "a", "client_id": "i", "client_secret": "s", "refresh_token": "r"})
    assert connector.validate({"client_id": "i", "client_secret": "s", "refresh_token": "r"}).refresh_token is not None
