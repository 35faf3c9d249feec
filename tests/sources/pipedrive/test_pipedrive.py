"""pipedrive: its documented bodies load as documented, the funnel on the user's days, its error
table, and a deal deleted at Pipedrive leaving the tables on a later sync.

Expected values are read off the documented bodies (cassettes/pipedrive/bodies, built from
Pipedrive's generated clients), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bosco_connectors.framework import AuthError, ConfigError, RetryableApiError
from bosco_connectors.framework.errors import ApiError
from bosco_connectors.sources.pipedrive import API, connector
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, edited, query, sync
from tests.sources.crm import rebuild

BODIES = fixture_folder(connector) / "bodies"
OCT20, NOV1, NOV2 = date(2026, 10, 20), date(2026, 11, 1), date(2026, 11, 2)


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> Path:
    """The documented sync and its funnel, which every read-only test below queries (run once for the module)."""
    folder = module_tmp / "replayed"
    sync(connector, documented(connector), folder)
    build_facts(connector, folder, "crm_funnel_daily")
    return folder


def test_deals_load_with_exact_values_their_currency_and_status(replayed: Path) -> None:
    rows = query(replayed, "select id, value, currency, status, won_time from raw.pipedrive_deals order by id")
    assert rows == [
        ("101", Decimal("1500.5"), "USD", "won", datetime(2026, 11, 2, 15, tzinfo=timezone.utc)),
        ("102", Decimal("3200"), "USD", "open", None),
        ("103", Decimal("200"), "EUR", "won", datetime(2026, 11, 2, 4, 30, tzinfo=timezone.utc)),
    ]


def test_deleted_deals_are_never_loaded(replayed: Path) -> None:
    # deals.deleted.page1/2 list 99 and 98 (status=deleted): deletions, not rows
    assert query(replayed, "select count(*) from raw.pipedrive_deals where id in ('98', '99')") == [(0,)]


def test_leads_keep_their_uuid_and_value(replayed: Path) -> None:
    rows = query(replayed, "select id, source_name, value_amount, value_currency, is_archived from raw.pipedrive_leads order by add_time")
    assert rows == [
        ("adf21080-0e10-11eb-879b-05d71fb426ec", "API", Decimal("999.99"), "USD", False),
        ("b2d8a010-0e10-11eb-879b-05d71fb426ec", "Manually created", None, None, False),
        ("c4e7b230-0e10-11eb-879b-05d71fb426ec", "API", Decimal("50"), "EUR", True),
    ]


def test_no_personal_data_is_loaded(replayed: Path) -> None:
    columns = {c for (c,) in query(replayed, "select column_name from information_schema.columns where table_name like 'pipedrive_persons%'")}
    assert {"id", "org_id", "update_time"} <= columns
    assert not {c for c in columns if c.startswith(("name", "first_name", "last_name", "emails", "phones"))}
    user_columns = {c for (c,) in query(replayed, "select column_name from information_schema.columns where table_name = 'pipedrive_user'")}
    assert "timezone_name" in user_columns and not user_columns & {"email", "phone", "name"}


def test_the_funnel_is_on_the_users_days(replayed: Path) -> None:
    """New York days: deal 103 added 03:30 UTC and won 04:30 UTC on Nov 2 is Nov 1's; so is the lead added 03:30 UTC."""
    rows = query(replayed, "select date, lead_source, leads_created, opportunities_created, won, won_amount, currency "
                           "from analytics.fct_crm_funnel_daily where platform = 'pipedrive' order by date, lead_source nulls first")
    assert rows == [
        (OCT20, None, None, 1, None, None, None),
        (NOV1, None, None, 2, 1, Decimal("200"), "EUR"),
        (NOV1, "API", 1, None, None, None, None),
        (NOV2, None, None, None, 1, Decimal("1500.5"), "USD"),
        (NOV2, "API", 1, None, None, None, None),
        (NOV2, "Manually created", 1, None, None, None, None),
    ]


def test_a_deal_deleted_later_leaves_the_tables_and_the_funnel(tmp_path: Path) -> None:
    sync(connector, documented(connector), tmp_path)
    build_facts(connector, tmp_path, "crm_funnel_daily")

    def later(bodies: dict[str, Any]) -> None:
        won = bodies["deals.page2.json"]["data"][0]  # 101, won on Nov 2: deleted at Pipedrive since
        bodies["deals.deleted.page1.json"]["data"].append({**won, "is_deleted": True, "status": "deleted",
                                                             "update_time": "2026-11-02T20:00:00Z"})
        bodies["deals.page2.json"]["data"] = []

    sync(connector, edited(connector, tmp_path, later), tmp_path)
    rebuild(connector, tmp_path)
    assert query(tmp_path, "select id from raw.pipedrive_deals order by id") == [("102",), ("103",)]
    assert query(tmp_path, "select date, won, won_amount from analytics.fct_crm_funnel_daily "
                           "where platform = 'pipedrive' and won is not null order by date") == [(NOV1, 1, Decimal("200"))]


@pytest.mark.parametrize(("status", "name", "kind"), [(429, "error.rate_limit.json", RetryableApiError), (401, "error.auth.json", AuthError)])
def test_documented_errors(status: int, name: str, kind: type) -> None:
    documented_body = body(name)
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["error"] in str(error)


def test_a_closed_company_account_is_a_credential_problem_and_success_false_is_an_error() -> None:
    closed = {"success": False, "error": "Company account is not open", "error_info": "Please check developers.pipedrive.com"}
    assert isinstance(API.errors.policy().for_status(httpx.Response(402), closed), AuthError)
    in_200 = API.errors.policy().for_status(httpx.Response(200), closed)
    assert isinstance(in_200, ApiError) and "Company account is not open" in str(in_200)


def test_the_company_domain_picks_the_host() -> None:
    assert connector.validate({"api_token": "t", "company_domain": "acme"}).base_url == "https://acme.pipedrive.com/api/"
    with pytest.raises(ConfigError, match="company_domain"):
        connector.validate({"api_token": "t"})
