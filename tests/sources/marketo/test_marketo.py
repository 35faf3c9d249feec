"""marketo: the bulk extract files load as documented (typed from CSV text), email activities
count into email_campaign_performance per email and day, leads into the funnel, the error codes
that come with HTTP 200, and the instance's host.

Expected values are read off the documented files (cassettes/marketo/bodies), never from the connector.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
import pytest

from bosco_connectors.framework import AuthError, ConfigError, RetryableApiError
from bosco_connectors.framework.errors import ApiError
from bosco_connectors.sources.marketo import API, connector
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, query, sync

BODIES = fixture_folder(connector) / "bodies"
NOV1, NOV2 = date(2026, 11, 1), date(2026, 11, 2)


def activities() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((BODIES / "activities.csv").read_text())))


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> Path:
    """The documented sync and its facts, which every read-only test below queries (run once for the module)."""
    folder = module_tmp / "replayed"
    sync(connector, documented(connector), folder)
    build_facts(connector, folder, "crm_funnel_daily", "email_campaign_performance")
    return folder


def test_activity_rows_are_typed_from_the_csv_text(replayed: Path) -> None:
    rows = query(replayed, "select marketo_guid, lead_id, activity_type_id, activity_date, primary_attribute_value_id, attributes "
                           "from raw.marketo_activities where marketo_guid = '1006'")
    assert rows == [("1006", "5002", 8, datetime(2026, 11, 1, 15, 0, 7, tzinfo=timezone.utc), "2001",
                     json.dumps({"Category": "1", "Details": "550 5.1.1 user unknown", "Email": ""}, separators=(",", ":")))]
    assert query(replayed, "select count(*) from raw.marketo_activities") == [(len(activities()),)]


def test_email_activities_count_per_email_and_day(replayed: Path) -> None:
    def count(type_id: str, day: str) -> int | None:
        n = sum(1 for a in activities() if a["activityTypeId"] == type_id and a["activityDate"].startswith(day))
        return n or None

    rows = query(replayed, "select date, campaign_id, channel, sends, deliveries, bounces, unsubscribes, opens, clicks "
                           "from analytics.fct_email_campaign_performance where platform = 'marketo' order by date")
    assert rows == [
        (NOV1, "2001", "email", count("6", "2026-11-01"), count("7", "2026-11-01"), count("8", "2026-11-01"), None,
         count("10", "2026-11-01"), count("11", "2026-11-01")),
        (NOV2, "2001", "email", None, None, None, count("9", "2026-11-02"), None, None),
    ]
    assert rows[0][3:] == (2, 1, 1, None, 1, 1)


def test_leads_count_into_the_funnel_by_source(replayed: Path) -> None:
    rows = query(replayed, "select date, lead_source, leads_created from analytics.fct_crm_funnel_daily "
                           "where platform = 'marketo' order by date, lead_source")
    assert rows == [(date(2026, 10, 20), "Website", 1), (NOV1, "Paid Search", 1), (NOV2, "Website", 1)]


def test_programs_read_the_asset_apis_time_form(replayed: Path) -> None:
    assert query(replayed, "select id, type, created_at from raw.marketo_programs where id = '1201'") == [
        ("1201", "Event", datetime(2026, 9, 15, 16, tzinfo=timezone.utc))]


@pytest.mark.parametrize(("name", "kind"), [("error.rate_limit.json", RetryableApiError), ("error.auth.json", AuthError)])
def test_documented_errors_come_with_http_200(name: str, kind: type) -> None:
    documented_body = json.loads((BODIES / name).read_text())
    error = API.errors.policy().for_status(httpx.Response(200), documented_body)
    assert type(error) is kind
    assert documented_body["errors"][0]["message"] in str(error)


def test_the_daily_quota_fails_and_a_full_export_queue_waits() -> None:
    quota = API.errors.policy().for_status(httpx.Response(200), {"success": False, "errors": [{"code": "607", "message": "Daily quota reached"}]})
    assert isinstance(quota, ApiError) and not isinstance(quota, RetryableApiError)
    queue = API.errors.policy().for_status(httpx.Response(200), {"success": False, "errors": [{"code": "1029", "message": "Too many jobs in queue"}]})
    assert isinstance(queue, RetryableApiError)


def test_the_munchkin_id_picks_the_host() -> None:
    config = connector.validate({"munchkin_id": "123-ABC-456", "client_id": "c", "client_secret": "s"})
    assert (config.base_url, config.token_url) == ("https://123-ABC-456.mktorest.com/", "https://123-ABC-456.mktorest.com/identity/oauth/token")
    with pytest.raises(ConfigError, match="munchkin_id"):
        connector.validate({"client_id": "c", "client_secret": "s"})
