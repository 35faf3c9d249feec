"""The declared singular source: the documented async report flow (create, poll, download) as
loaded, its envelope errors, the unified app_installs_daily rows.

Expected values are read off the documented bodies in cassettes/singular/, never computed by the connector.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError
from bosco_connectors.framework.facts import fact_staging_models
from bosco_connectors.framework.jobs import DONE, FAILED, RUNNING
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.singular import API, REPORT, connector
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@pytest.fixture(autouse=True)
def _reachable_by_name():
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load_documented(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, FixtureApp]:
    app = FixtureApp(Fixtures.load(fixture_folder("singular")))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("singular_docs", destination=dlt.destinations.duckdb(str(tmp_path / "s.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True), app


def test_documented_report_files_load(tmp_path):
    con, _ = load_documented(tmp_path)
    rows = con.execute("select start_date, site_public_id, os, source, adn_campaign_id, organization_currency, adn_cost, "
                       "custom_installs, adn_installs from raw.singular_campaign_daily order by start_date, source").fetchall()
    # campaign_daily.2026-11-01.json: 412.58 and 655.1 (JSON numbers) as exact decimals; "N/A" adn_installs as null.
    assert rows == [
        (date(2026, 11, 1), "com.example.simbarun", "Android", "AdWords", "17745120033", "USD", Decimal("412.58"), 301, 318),
        (date(2026, 11, 1), "1234567890", "iOS", "Facebook", "120210000412345678", "USD", Decimal("655.1"), 194, None),
        (date(2026, 11, 2), "com.example.simbarun", "Android", "AdWords", "17745120033", "USD", Decimal("398.02"), 287, 305),
    ]


def test_one_report_per_day_is_asked_as_a_form(tmp_path):
    _, app = load_documented(tmp_path)
    creates = [r for e, r in app.answered if e.request.get("path") == "v2.0/create_async_report"]
    forms = [{k: v[0] for k, v in parse_qs(r.body.decode()).items()} for r in creates]
    assert sorted((f["start_date"], f["end_date"]) for f in forms) == [("2026-11-01", "2026-11-01"), ("2026-11-02", "2026-11-02")]
    assert all(f["time_breakdown"] == "day" and f["format"] == "json" for f in forms)


def test_statuses():
    assert dict(REPORT.poll.statuses) == {"QUEUED": RUNNING, "STARTED": RUNNING, "DONE": DONE, "FAILED": FAILED}


@pytest.mark.parametrize(("status", "kind"), [(200, ApiError), (401, AuthError)])
def test_a_non_zero_envelope_status_is_an_error(status, kind):
    error = API.errors.policy().for_status(httpx.Response(status), {"status": 1, "value": "Invalid API key"})
    assert isinstance(error, kind) and "Invalid API key" in str(error)
    assert API.errors.policy().for_status(httpx.Response(200), {"status": 0, "substatus": 0, "value": {"report_id": "x"}}) is None


def test_unified_rows(tmp_path):
    con, _ = load_documented(tmp_path)
    sql = fact_staging_models(connector)["stg_singular__app_installs_daily"]
    rows = con.execute(f"select date, app_id, app_os, media_source, campaign, installs, cost, currency from ({sql}) "
                       "order by date, media_source").fetchall()
    assert rows[1] == (date(2026, 11, 1), "1234567890", "iOS", "Facebook", "Simba iOS", 194, Decimal("655.1"), "USD")
    assert sum(r[5] for r in rows) == 301 + 194 + 287
