"""The declared piwik_pro source: the JSON token grant, positional rows named in query order,
offset paging until meta.count, the unified web traffic facts, errors.

Expected values come from the fixture bodies (cassettes/piwik_pro/), never from the connector's code.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.piwik_pro import API, PiwikProConfig, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query

FOLDER = fixture_folder("piwik_pro")
NAMES = ["date", "source", "medium", "campaign_name", "sessions", "visitors", "bounces", "page_views", "goal_conversions",
         "ecommerce_conversions"]  # the documented query's column order


def body(name: str) -> dict:
    return json.loads((FOLDER / "bodies" / name).read_text())


def documented() -> list[dict]:
    return [dict(zip(NAMES, row)) for name in ("traffic_daily.page1.json", "traffic_daily.page2.json") for row in body(name)["data"]]


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(FOLDER))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="piwik_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **config}))
    return seen


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> tuple[Path, list]:
    """The documented sync the two read-only tests below query (run once for the module): its folder
    and the requests it made."""
    folder = module_tmp / "replayed"
    return folder, run(folder)


def test_positional_rows_load_under_the_query_column_names(replayed):
    tmp_path, _ = replayed
    loaded = query(tmp_path, f"select {', '.join(NAMES)} from raw.piwik_pro_traffic_daily order by 1, 2")
    assert loaded == sorted(tuple(date.fromisoformat(v) if k == "date" else v for k, v in r.items()) for r in documented())


def test_the_grant_is_json_and_pages_follow_meta_count(replayed):
    _, seen = replayed
    token = [r for r in seen if r.path.endswith("auth/token")]
    assert len(token) == 1 and token[0].header("content-type").startswith("application/json")
    assert token[0].json() == {"grant_type": "client_credentials", "client_id": "fixture-client-id", "client_secret": "fixture-secret"}
    queries = [r.json() for r in seen if r.path.endswith("query/")]
    assert [(q["offset"], q["limit"]) for q in queries] == [(0, 3), (3, 3)]
    assert all(q["order_by"] == [[0, "asc"], [1, "asc"], [2, "asc"], [3, "asc"]] for q in queries)
    assert all(r.header("authorization") == "Bearer fixture-access-token" for r in seen if r.path.endswith("query/"))


def test_the_token_url_defaults_to_the_accounts_auth_token():
    config = PiwikProConfig(base_url="https://shop.piwik.pro", client_id="c", client_secret="s", website_ids=["w"],
                            start_date="2026-11-01")
    assert (config.base_url, config.token_url) == ("https://shop.piwik.pro/", "https://shop.piwik.pro/auth/token")
    with pytest.raises(ValueError, match="base_url is required"):
        PiwikProConfig(client_id="c", client_secret="s", website_ids=["w"], start_date="2026-11-01")


def test_documented_totals_reach_fct_web_traffic_daily(tmp_path):
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(FOLDER))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_web_traffic_daily"])
    assert built.get("fct_web_traffic_daily").status == "built", [m.line() for m in built.models if m.status != "built"]

    def total(column: str):
        return con.execute(f"select sum({column}) from analytics.fct_web_traffic_daily where platform = 'piwik_pro'").fetchone()[0]

    rows = documented()
    assert total("sessions") == sum(r["sessions"] for r in rows) == 1634
    assert total("users") == sum(r["visitors"] for r in rows)
    assert total("conversions") == sum(r["goal_conversions"] for r in rows) == 52
    assert total("revenue") is None and total("engaged_sessions") is None
    con.close()


def test_a_day_read_again_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    restated = copy.deepcopy(body("traffic_daily.page2.json"))
    restated["data"][-1][4] = 290  # the 2nd's facebook sessions, counted again

    def later(request):
        return FakeResponse.json(restated) if request.path.endswith("query/") and (request.json() or {}).get("offset") == 3 else None

    run(tmp_path, later)
    assert query(tmp_path, "select count(*), sum(sessions) from raw.piwik_pro_traffic_daily") == [(5, 1634 - 279 + 290)]


@pytest.mark.parametrize(("status", "name", "kind"), [
    (401, "error.auth.json", AuthError),
    (403, "error.no_license.json", AuthError),
    (200, "error.auth.json", AuthError),  # the envelope's status decides, whatever the HTTP status
])
def test_the_documented_errors(status, name, kind):
    text = (FOLDER / "bodies" / name).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["errors"][0]["detail"] in str(error)


def test_a_query_error_fails_with_the_documented_detail():
    documented_400 = {"errors": [{"status": "400", "detail": "Dimension \"example\" does not exist.",
                                  "source": {"parameter": "columns.column_id"}}]}
    response = httpx.Response(400, json=documented_400)
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is ApiError and "does not exist" in str(error)


def test_the_generated_fake_accepts_the_json_grant_and_serves_every_day(tmp_path):
    from bosco_connectors.sandbox.generated import GeneratedApp

    app = GeneratedApp(connector=connector, seed=3, size="tiny", end_date=date(2026, 11, 5))
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url(app.prefix)), "start_date": "2026-11-01", "end_date": "2026-11-05",
                  "requests_per_second": 100}
        pipeline = dlt.pipeline(pipeline_name="piwik_fake", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(source(**config))
    assert query(tmp_path, "select count(distinct date) from raw.piwik_pro_traffic_daily") == [(5,)]
