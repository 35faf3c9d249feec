"""intercom: the search answers load as documented without personal data, leads count into the
funnel by their UTM source, the search carries the window, the regions' hosts, and the errors.

Expected values are read off the documented bodies (cassettes/intercom/bodies), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.spec import Window
from bosco_connectors.sources.intercom import API, WINDOW, connector
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, query, sync

BODIES = fixture_folder(connector) / "bodies"


@pytest.fixture
def replayed(tmp_path: Path) -> Path:
    sync(connector, documented(connector), tmp_path)
    build_facts(connector, tmp_path, "crm_funnel_daily")
    return tmp_path


def test_contacts_load_without_personal_data_and_with_epoch_times(replayed: Path) -> None:
    first = json.loads((BODIES / "contacts.page1.json").read_text())["data"][0]
    rows = query(replayed, "select id, role, created_at, utm_source from raw.intercom_contacts where id = ?", first["id"])
    assert rows == [(first["id"], "lead", datetime.fromtimestamp(first["created_at"], tz=timezone.utc), "google")]
    columns = {c for (c,) in query(replayed, "select column_name from information_schema.columns where table_name like 'intercom_%'")}
    assert not {c for c in columns if c.startswith(("email", "phone", "name", "location", "avatar", "source__", "contacts__"))}


def test_leads_count_into_the_funnel_by_utm_source(replayed: Path) -> None:
    rows = query(replayed, "select date, lead_source, campaign, leads_created from analytics.fct_crm_funnel_daily "
                           "where platform = 'intercom' order by lead_source")
    assert rows == [(date(2026, 11, 1), "google", "fall_webinar", 1), (date(2026, 11, 1), "newsletter", None, 1)]


def test_the_search_carries_the_window_in_unix_seconds() -> None:
    body = {"query": {"operator": "AND", "value": [{"field": "updated_at", "operator": ">", "value": 0},
                                                   {"field": "updated_at", "operator": "<", "value": 0}]}}
    WINDOW.apply(body, Window(datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 2, tzinfo=timezone.utc)))
    assert [v["value"] for v in body["query"]["value"]] == [1793491200, 1793577600]


def test_the_region_picks_the_host() -> None:
    assert connector.validate({"access_token": "t", "region": "eu"}).base_url == "https://api.eu.intercom.io/"
    assert connector.validate({"access_token": "t"}).base_url == "https://api.intercom.io/"


@pytest.mark.parametrize(("status", "name", "kind"), [(429, "error.rate_limit.json", RetryableApiError), (401, "error.auth.json", AuthError)])
def test_documented_errors(status: int, name: str, kind: type) -> None:
    documented_body = json.loads((BODIES / name).read_text())
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["errors"][0]["message"] in str(error)
