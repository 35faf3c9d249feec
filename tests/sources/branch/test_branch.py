"""The declared branch source: the documented Query API answers as loaded (pages, null
dimensions), the key and secret in the JSON body, the unified app_installs_daily rows.

Expected values are read off the documented bodies in cassettes/branch/, never computed by the connector.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework.auth import JsonBodyKeys
from bosco_connectors.framework.facts import fact_staging_models
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.branch import BranchConfig, connector
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@pytest.fixture(autouse=True)
def _reachable_by_name():
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load_documented(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, FixtureApp]:
    app = FixtureApp(Fixtures.load(fixture_folder("branch")))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("branch_docs", destination=dlt.destinations.duckdb(str(tmp_path / "b.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True), app


def test_documented_answers_load_with_both_pages_and_null_dimensions(tmp_path):
    con, _ = load_documented(tmp_path)
    rows = con.execute("select app_key, day, ad_partner, campaign, channel, os, total_count from raw.branch_installs_daily "
                       "order by day, total_count desc").fetchall()
    assert rows == [
        ("key_live_fixture", date(2026, 11, 1), "Google AdWords", "Holiday_UA", "ads", "ANDROID", 412),
        ("key_live_fixture", date(2026, 11, 1), "Facebook", "Holiday_UA", "ads", "IOS", 276),
        ("key_live_fixture", date(2026, 11, 1), "", "", "", "IOS", 158),  # page 2: null dimensions
        ("key_live_fixture", date(2026, 11, 2), "Google AdWords", "Holiday_UA", "ads", "ANDROID", 398),
    ]


def test_key_and_secret_travel_in_the_json_body(tmp_path):
    _, app = load_documented(tmp_path)
    for _exchange, request in app.answered:
        body = json.loads(request.body)
        assert body["branch_key"] == "key_live_fixture" and body["branch_secret"] == "secret_live_fixture"
        assert "secret_live_fixture" not in request.path and "authorization" not in {k.lower() for k in request.headers}


def test_json_body_auth_keeps_the_query():
    auth = JsonBodyKeys("branch_key", "branch_secret").build(BranchConfig(branch_key="k", branch_secret="s"))
    request = httpx.Request("POST", "https://api2.branch.io/v1/query/analytics", json={"data_source": "eo_install"})
    sent = next(auth.auth_flow(request))
    assert json.loads(sent.read()) == {"data_source": "eo_install", "branch_key": "k", "branch_secret": "s"}
    assert sent.headers["Content-Length"] == str(len(sent.read()))


def test_unified_rows(tmp_path):
    con, _ = load_documented(tmp_path)
    sql = fact_staging_models(connector)["stg_branch__app_installs_daily"]
    rows = con.execute(f"select date, app_id, app_os, media_source, installs, reinstalls from ({sql}) "
                       "order by date, media_source").fetchall()
    assert sum(r[4] or 0 for r in rows) == 412 + 276 + 158 + 398
    assert sum(r[5] or 0 for r in rows) == 37 + 21
    assert (date(2026, 11, 1), "key_live_fixture", "ANDROID", "Google AdWords", 412, 37) in rows
