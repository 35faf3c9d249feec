"""pardot: the v5 answers load as documented (a deleted prospect never lands), prospects count
into the funnel on UTC days, every request names the business unit, and the error codes.

Expected values are read off the documented bodies (cassettes/pardot/bodies), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errors import ApiError
from bosco_connectors.sources.pardot import API, connector
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, query, sync

BODIES = fixture_folder(connector) / "bodies"


@pytest.fixture
def replayed(tmp_path: Path) -> Path:
    sync(connector, documented(connector), tmp_path)
    build_facts(connector, tmp_path, "crm_funnel_daily")
    return tmp_path


def test_a_prospect_answered_deleted_never_lands(replayed: Path) -> None:
    assert query(replayed, "select id from raw.pardot_prospects order by id") == [("31001",), ("31002",), ("31003",)]


def test_prospects_count_into_the_funnel_on_utc_days(replayed: Path) -> None:
    """31002 was created 20:30 on Nov 1 at -08:00: 04:30 UTC on Nov 2."""
    rows = query(replayed, "select date, lead_source, leads_created from analytics.fct_crm_funnel_daily "
                           "where platform = 'pardot' order by date, lead_source")
    assert rows == [(date(2026, 11, 1), "Website", 1), (date(2026, 11, 2), "Webinar", 1), (date(2026, 11, 2), "Website", 1)]


def test_every_request_names_the_business_unit() -> None:
    config = connector.validate({"business_unit_id": "0Uv5A000000PAzxSAG", "client_id": "c", "client_secret": "s", "refresh_token": "r"})
    assert API.headers(config) == {"Pardot-Business-Unit-Id": "0Uv5A000000PAzxSAG"}


@pytest.mark.parametrize(("status", "name", "kind"), [(429, "error.rate_limit.json", RetryableApiError), (401, "error.auth.json", AuthError)])
def test_documented_errors(status: int, name: str, kind: type) -> None:
    documented_body = json.loads((BODIES / name).read_text())
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["message"] in str(error)


def test_the_daily_limit_fails_without_retrying() -> None:
    error = API.errors.policy().for_status(httpx.Response(429), {"code": 122, "message": "Daily API rate limit met"})
    assert isinstance(error, ApiError) and not isinstance(error, RetryableApiError)
