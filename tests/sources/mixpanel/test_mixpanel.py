"""The declared mixpanel source: the JSONL export read in bounded batches and merged on the dedupe
key, segmentation values as rows, the unified web traffic facts, hosts and errors.

Expected values come from the fixture bodies (cassettes/mixpanel/), never from the connector's code.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.mixpanel import API, MixpanelConfig, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query

FOLDER = fixture_folder("mixpanel")
FIXTURES = Fixtures.load(FOLDER)


def lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (FOLDER / "bodies" / name).read_text().splitlines() if line.strip()]


def values(name: str) -> dict:
    return json.loads((FOLDER / "bodies" / name).read_text())["data"]["values"]


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(FOLDER))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="mixpanel_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **config}))
    return seen


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync the read-only tests below query (run once for the module): its folder
    (``x.duckdb``) and the requests it made."""
    return module_tmp, run(module_tmp)


def test_exported_lines_load_with_their_dedupe_key_and_properties(replayed):
    tmp_path, _ = replayed
    documented = lines("events.jsonl")
    loaded = query(tmp_path, "select event, time, day, distinct_id, insert_id, mp_processing_time_ms, properties "
                             "from raw.mixpanel_events order by time")
    assert [(r[0], r[1], r[3], r[4], r[5], json.loads(r[6])) for r in loaded] == [
        (e["event"], e["properties"]["time"], e["properties"]["distinct_id"], e["properties"]["$insert_id"],
         e["properties"]["mp_processing_time_ms"], e["properties"]) for e in documented]
    assert [r[2] for r in loaded] == [date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 2)]  # 23:58:45 stays on the 1st


def test_an_export_read_again_merges_on_the_dedupe_key(tmp_path):
    run(tmp_path)
    run(tmp_path)  # the look-back reads the same days again: Mixpanel's export is not deduplicated
    assert query(tmp_path, "select count(*) from raw.mixpanel_events") == [(3,)]


def test_segmentation_values_become_one_row_per_day_and_segment(replayed):
    tmp_path, seen = replayed
    rows = query(tmp_path, "select project_id, date, utm_source, event, count from raw.mixpanel_page_views_daily order by 2, 3")
    assert rows == sorted(("2195193", date.fromisoformat(day), segment, "$mp_web_page_view", n)
                          for segment, days in values("page_views_daily.json").items() for day, n in days.items())
    asked = {r.arg("type"): (r.arg("event"), r.arg("on"), r.arg("unit")) for r in seen if r.path.endswith("segmentation")}
    assert asked == {"unique": ("$mp_web_page_view", 'properties["utm_source"]', "day"),
                     "general": ("Purchase", 'properties["utm_source"]', "day")}
    expected = "Basic " + base64.b64encode(b"bosco.3f1c9e.mp-service-account:fixture-secret").decode()
    assert all(r.header("authorization") == expected and r.arg("project_id") == "2195193" for r in seen)


def test_users_and_conversions_reach_fct_web_traffic_daily_by_utm_source(tmp_path):
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
        return con.execute(f"select sum({column}) from analytics.fct_web_traffic_daily where platform = 'mixpanel'").fetchone()[0]

    assert total("users") == sum(n for days in values("page_views_daily.json").values() for n in days.values()) == 1660
    assert total("conversions") == sum(n for days in values("conversions_daily.json").values() for n in days.values()) == 52
    assert total("sessions") is None and total("revenue") is None
    assert con.execute("select users, conversions from analytics.fct_web_traffic_daily where platform = 'mixpanel' "
                       "and date = '2026-11-02' and source = 'facebook'").fetchall() == [(277, 14)]
    con.close()


def test_the_export_goes_to_the_export_host_of_the_region():
    for region, query_host, export_host in (("us", "https://mixpanel.com", "https://data.mixpanel.com"),
                                            ("eu", "https://eu.mixpanel.com", "https://data-eu.mixpanel.com")):
        config = MixpanelConfig(service_account_username="u", service_account_secret="s", project_id="1", region=region,
                                start_date="2026-11-01")
        client = API.client("mixpanel", config)
        try:
            assert str(client._http.base_url).rstrip("/") == query_host
            assert str(client._for("api/2.0/export")._http.base_url).rstrip("/") == export_host
        finally:
            client.close()


def test_an_error_envelope_as_the_export_answer_fails_with_mixpanels_words(tmp_path):
    error = json.dumps(json.loads((FOLDER / "bodies" / "error.auth.json").read_text())).encode() + b"\n"  # one line

    def refused(request):
        return FakeResponse(200, error, {"Content-Type": "application/jsonl"}) if request.path.endswith("export") else None

    with pytest.raises(Exception, match="Unable to authenticate request"):
        run(tmp_path, refused)


@pytest.mark.parametrize(("status", "name", "kind"), [
    (400, "error.auth.json", AuthError),
    (429, "error.rate_limit.json", RetryableApiError),
    (200, "error.rate_limit.json", ApiError),  # an error text in a 200 is an error, never an empty day
])
def test_the_documented_errors(status, name, kind):
    text = (FOLDER / "bodies" / name).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["error"] in str(error)


def test_the_generated_fake_serves_the_export_and_every_day_of_the_segments(tmp_path):
    from bosco_connectors.sandbox.generated import GeneratedApp

    app = GeneratedApp(connector=connector, seed=3, size="tiny", end_date=date(2026, 11, 4))
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url(app.prefix)), "start_date": "2026-11-01", "end_date": "2026-11-04",
                  "requests_per_minute": 6000}
        pipeline = dlt.pipeline(pipeline_name="mixpanel_fake", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(source(**config))
    assert query(tmp_path, "select count(distinct date) from raw.mixpanel_conversions_daily") == [(4,)]
    assert query(tmp_path, "select count(*) > 0 from raw.mixpanel_events") == [(True,)]
