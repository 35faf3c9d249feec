"""The declared amplitude source: the export's zip of gzipped JSON Lines read member by member,
a 404 as a window without data, the users charts, the unified web traffic facts, errors.

Expected values come from the fixture bodies (cassettes/amplitude/), never from the connector's code.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.files import ALL_MEMBERS, JsonLines
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.amplitude import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query

FOLDER = fixture_folder("amplitude")


def exported() -> list[dict]:
    """The documented archive's events, member by member, read here with zipfile and gzip."""
    with zipfile.ZipFile(FOLDER / "bodies" / "events.2026-11-01.zip") as archive:
        return [json.loads(line) for name in sorted(archive.namelist())
                for line in gzip.decompress(archive.read(name)).splitlines() if line.strip()]


def series(name: str) -> dict:
    data = json.loads((FOLDER / "bodies" / name).read_text())["data"]
    return dict(zip(data["xValues"], data["series"][0]))


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(FOLDER))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="amplitude_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **config}))
    return seen


@pytest.fixture(scope="module")
def synced(module_tmp):
    """The documented sync (no config, no early answers) the read-only tests below query (run once for the module)."""
    return module_tmp, run(module_tmp)


def test_every_member_of_the_export_archive_loads(synced):
    tmp_path, seen = synced
    loaded = query(tmp_path, "select uuid, event_type, user_id, device_id, amplitude_id, session_id, insert_id, event_properties "
                             "from raw.amplitude_events order by event_time")
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7])) for r in loaded] == [
        (e["uuid"], e["event_type"], e["user_id"], e["device_id"], str(e["amplitude_id"]), e["session_id"], e["$insert_id"],
         e["event_properties"]) for e in exported()]
    assert [(r.arg("start"), r.arg("end")) for r in seen if r.path.endswith("export")] == [
        ("20261101T00", "20261101T23"), ("20261102T00", "20261102T23")]  # the 2nd answered 404: no data, no failure


def test_times_are_utc_and_the_upload_day_is_what_the_export_selects(synced):
    tmp_path, _ = synced
    late = query(tmp_path, "select event_time, server_upload_time, upload_day from raw.amplitude_events "
                           "where uuid = '8c3f2e60-1d5f-4e4c-8a93-2f7d8b4c1e23'")
    assert late == [(datetime(2026, 11, 1, 23, 59, 58, 770000, tzinfo=timezone.utc),
                     datetime(2026, 11, 2, 0, 0, 1, 204000, tzinfo=timezone.utc), date(2026, 11, 2))]


def test_an_export_read_again_merges_on_uuid(tmp_path):
    run(tmp_path)
    run(tmp_path)
    assert query(tmp_path, "select count(*) from raw.amplitude_events") == [(3,)]


def test_every_member_is_read_in_bounded_batches():
    """Many hourly members: batches of the asked size, every event once, in member-name order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for hour in (2, 0, 1):  # written out of order: read in name order
            lines = b"".join(json.dumps({"uuid": f"{hour}-{i}"}).encode() + b"\n" for i in range(2500))
            archive.writestr(f"187520_2026-11-01_{hour}#0.json.gz", gzip.compress(lines))
    out.seek(0)
    batches = list(JsonLines(compression="zip", member=ALL_MEMBERS).batches(out, 1000))
    assert [len(b) for b in batches] == [1000] * 7 + [500]
    assert [r["uuid"] for b in batches for r in b] == [f"{h}-{i}" for h in range(3) for i in range(2500)]


def test_active_and_new_users_reach_fct_web_traffic_daily(tmp_path):
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
    rows = con.execute("select date, property_id, users, new_users, sessions from analytics.fct_web_traffic_daily "
                       "where platform = 'amplitude' order by date").fetchall()
    active, new = series("active_users_daily.json"), series("new_users_daily.json")
    assert rows == [(date.fromisoformat(d), "187520", active[d], new[d], None) for d in sorted(active)]
    con.close()


def test_a_chart_without_series_is_days_without_users(tmp_path):
    empty = {"data": {"xValues": ["2026-11-01", "2026-11-02"], "series": [], "seriesCollapsed": [[0]], "seriesLabels": [0],
                      "seriesMeta": [{"segmentIndex": 0}]}}

    def nobody(request):
        return FakeResponse.json(empty) if request.path.endswith("users") and request.arg("m") == "new" else None

    run(tmp_path, nobody)
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
    assert "amplitude_new_users_daily" not in tables  # no row at all: never a day of zero users made up
    assert query(tmp_path, "select count(*) from raw.amplitude_active_users_daily") == [(2,)]


@pytest.mark.parametrize(("status", "name", "kind"), [
    (401, "error.auth.json", AuthError),
    (429, "error.rate_limit.json", RetryableApiError),
    (200, "error.auth.json", AuthError),  # the envelope's http_code decides, whatever the status
])
def test_the_error_envelope(status, name, kind):
    text = (FOLDER / "bodies" / name).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["error"]["message"] in str(error)


def test_an_export_over_the_size_cap_fails_with_the_status():
    response = httpx.Response(400, text="", headers={})
    error = API.errors.policy().for_status(response, None)
    assert type(error) is ApiError and error.status == 400
