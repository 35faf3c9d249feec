"""salesforce: backfills through Bulk API 2.0 query jobs (cassettes/salesforce/fixtures.bulk.json):
both result sets linked by ``Sforce-Locator`` are read, every row equals the row the REST pages
load, deleted records drop, a failed or aborted job fails clearly, sets are read batch by batch,
and the session token never reaches the logs; the generated fake serves the sets too.

Expected values are read off the documented bodies, never from the connector.
"""

from __future__ import annotations

import copy
import csv
import json
import logging
import shutil
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import pytest

from bosco_connectors.framework.spec import ReadContext, Window
from bosco_connectors.sandbox.server import FakeApi
from bosco_connectors.sources.salesforce import connector, is_backfill
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder
from tests.sources.replayed import query, registered

FOLDER = fixture_folder(connector)
BULK = "fixtures.bulk.json"
TABLES = ("leads", "contacts", "opportunities", "campaigns", "campaign_members")
TOKEN = json.loads((FOLDER / "bodies" / "token.json").read_text())["access_token"]


def replay(fixtures: Fixtures, tmp: Path, config: dict[str, Any] | None = None) -> tuple[Any, FixtureApp]:
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(copy.deepcopy(fixtures))
    with FakeApi([app]) as api, registered(connector):
        result = run_sync(SyncJob("t", connector.name, {**app.source_config(api.url(app.prefix)), **(config or {})}),
                          destination=dlt.destinations.duckdb(str(tmp / "x.duckdb")), pipelines_dir=tmp / "p", connector=connector)
    return result, app


def rows(tmp: Path, table: str) -> list[tuple]:
    columns = [c for (c,) in query(tmp, "select column_name from information_schema.columns where table_name = ? "
                                         "and column_name not like '\\_dlt%' escape '\\' order by column_name", f"salesforce_{table}")]
    return query(tmp, f"select {', '.join(columns)} from raw.salesforce_{table} order by id")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    bulk_dir, rest_dir = tmp_path_factory.mktemp("bulk"), tmp_path_factory.mktemp("rest")
    bulk, app = replay(Fixtures.load(FOLDER, BULK), bulk_dir)
    rest, _ = replay(Fixtures.load(FOLDER), rest_dir)
    assert bulk.ok, bulk.failure_line
    assert rest.ok, rest.failure_line
    assert not app.unmatched, app.unmatched
    return {"bulk": bulk_dir, "rest": rest_dir, "app": app}


def csv_records(name: str) -> list[dict[str, str]]:
    with open(FOLDER / "bodies" / name, newline="") as file:
        return list(csv.DictReader(file))


def test_a_first_run_reads_every_object_through_a_job_and_both_result_sets(loaded):
    app: FixtureApp = loaded["app"]
    for table in TABLES:
        asked = [(r.method, r.path.rsplit("/", 1)[-1], r.arg("locator"), r.arg("maxRecords"))
                 for e, r in app.answered if e.stream == table]
        assert [a[0] for a in asked] == ["POST", "GET", "GET", "GET"], asked
        assert asked[2][1:] == ("results", None, "2") and asked[3][1:] == ("results", "MTAwMDA", "2")
        create = next(r for e, r in app.answered if e.stream == table and r.method == "POST").json()
        assert create["operation"] == "queryAll" and create["contentType"] == "CSV"
        assert "ORDER BY" not in create["query"] and "WHERE SystemModstamp >= 1999-01-01T00:00:00Z" in create["query"]
        downloads = [r for e, r in app.answered if e.stream == table and r.path.endswith("/results")]
        assert all(r.header("accept") == "text/csv" for r in downloads)
    assert not [r for _, r in app.answered if r.path.endswith("/queryAll")], "a backfill must not page through REST"


@pytest.mark.parametrize("table", TABLES)
def test_a_row_read_through_bulk_equals_the_row_read_through_rest(loaded, table):
    bulk, rest = rows(loaded["bulk"], table), rows(loaded["rest"], table)
    assert bulk == rest and bulk


def test_the_csv_values_load_typed_and_the_relationship_field_from_its_dotted_column(loaded):
    documented = {r["Id"]: r for name in ("opportunities.bulk_results1.csv", "opportunities.bulk_results2.csv") for r in csv_records(name)}
    got = query(loaded["bulk"], "select id, amount, is_won, campaign_name, lead_source, created_date from raw.salesforce_opportunities")
    for id_, amount, is_won, campaign_name, lead_source, created in got:
        row = documented[id_]
        assert amount == Decimal(row["Amount"])
        assert is_won is {"true": True, "false": False}[row["IsWon"]]
        assert campaign_name == (row["Campaign.Name"] or None) and lead_source == (row["LeadSource"] or None)
        assert created.replace(tzinfo=created.tzinfo or timezone.utc) == datetime.fromisoformat(row["CreatedDate"].replace("Z", "+00:00"))


def test_a_deleted_record_in_the_bulk_result_never_lands(loaded):
    deleted = [r["Id"] for n in ("leads.bulk_results1.csv", "leads.bulk_results2.csv") for r in csv_records(n) if r["IsDeleted"] == "true"]
    ids = [i for (i,) in query(loaded["bulk"], "select id from raw.salesforce_leads")]
    assert deleted and not set(deleted) & set(ids) and len(ids) == 3


def bulk_with(tmp: Path, state: str, reason: str | None) -> Fixtures:
    """The bulk fixtures with the leads job answering `state` (and `errorMessage` when given)."""
    folder = tmp / "cassette"
    shutil.copytree(FOLDER, folder)
    job = json.loads((folder / "bodies" / "leads.bulk_job.json").read_text())
    job["state"] = state
    if reason is not None:
        job["errorMessage"] = reason
    (folder / "bodies" / "leads.bulk_job.json").write_text(json.dumps(job))
    return Fixtures.load(folder, BULK)


@pytest.mark.parametrize(("state", "reason"), [("Failed", "InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED"),
                                               ("Aborted", None)])
def test_a_failed_or_aborted_job_fails_the_sync_naming_the_state_and_reason(tmp_path, state, reason):
    result, app = replay(bulk_with(tmp_path, state, reason), tmp_path)
    assert not result.ok
    line = result.failure_line
    assert "Bulk API 2.0 query of Lead" in line and f"status {state}" in line and "gave up after 2 attempts" in line
    if reason:
        assert reason in line
    assert sum(1 for e, r in app.answered if e.stream == "leads" and r.method == "POST") == 2  # started once more, then given up


def test_sets_are_read_in_bounded_batches_from_the_locator_pages(tmp_path, monkeypatch):
    """Memory follows the batch: each set is read from its temporary file in batches of
    ``Download.batch_rows`` records, and a set is asked for only after the one before is read."""
    from bosco_connectors.sources.salesforce import streams

    stream = next(s for s in streams(connector.validate(Fixtures.load(FOLDER, BULK).config_for("http://x"))) if s.name == "leads")
    download = stream.report.download
    assert download.pages is not None and download.batch_rows <= 10_000
    seen: list[int] = []
    original = download.format.column_batches

    def spy(file: Any, rows: int) -> Any:
        for batch in original(file, 1):  # one record a batch: two sets give four batches
            seen.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(type(download.format), "column_batches", lambda self, file, rows: spy(file, rows))
    result, _ = replay(Fixtures.load(FOLDER, BULK), tmp_path)
    assert result.ok, result.failure_line
    assert seen and max(seen) == 1 and len(seen) == 16  # 4 leads + 3 records of each of the four other objects


def test_the_session_token_never_reaches_the_logs_nor_the_errors(tmp_path, caplog):
    with caplog.at_level(logging.DEBUG):
        result, _ = replay(bulk_with(tmp_path, "Failed", "InvalidBatch"), tmp_path)
    config = Fixtures.load(FOLDER, BULK).config
    for secret in (TOKEN, config["refresh_token"], config["client_secret"]):
        assert secret not in caplog.text and secret not in (result.failure_line or "")


def window(days: float, **config: Any) -> ReadContext:
    settings = connector.validate({"client_id": "c", "client_secret": "s", "refresh_token": "r",
                                   "instance_url": "https://acme.my.salesforce.com", **config})
    end = datetime(2026, 11, 20, tzinfo=timezone.utc)
    return ReadContext(None, settings, end - timedelta(days=days), end, {}, Window(end - timedelta(days=days), end))  # type: ignore[arg-type]


def test_backfills_go_through_bulk_incremental_runs_through_rest():
    assert is_backfill(window(365 * 27))  # a first run, from 1999
    assert is_backfill(window(31)) and not is_backfill(window(30)) and not is_backfill(window(1 / 24))
    assert is_backfill(window(45, bulk_after_days=60)) is False
    assert is_backfill(window(1, bulk="always")) and not is_backfill(window(9000, bulk="never"))


def test_the_generated_fake_serves_the_bulk_result_in_locator_sets(tmp_path):
    """The demo's fake: a first run (bulk) with one record a set asks set after set by
    ``Sforce-Locator`` and loads what the second run (REST: the fake's records end about 43 days
    before its last day, so the read is a REST one only under a longer ``bulk_after_days``) reads again."""
    from bosco_connectors.sandbox import app_for
    from bosco_connectors.sync import SyncJob, run_sync

    fake = app_for(connector, seed=7, size="tiny", end_date=datetime(2026, 11, 20).date())
    with FakeApi([fake]) as api, registered(connector):
        config = {**fake.source_config(api.url(fake.prefix)), "bulk_page_size": 1}
        run = lambda settings: run_sync(SyncJob("t", connector.name, settings),  # noqa: E731
                                        destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                                        pipelines_dir=tmp_path / "p", connector=connector)
        first = run(config)
        assert first.ok, first.failure_line
        sets = api.requests_to("/results")
        api.clear()
        second = run({**config, "bulk_after_days": 90})
        assert second.ok, second.failure_line
        incremental = [r.path for r in api.requests if "jobs/query" in r.path or r.path.endswith("/queryAll")]
    # one set a record (4 leads, 3 of each other object), the first of each job asked without a locator
    assert len(sets) == 16 and [r.arg("locator") for r in sets].count(None) == 5
    assert all(r.arg("maxRecords") == "1" for r in sets)
    assert incremental and all(p.endswith("/queryAll") for p in incremental), "the second run reads a few hours: REST"
    assert query(tmp_path, "select count(*) from raw.salesforce_leads") == [(3,)]
    assert query(tmp_path, "select count(*) from raw.salesforce_opportunities") == [(3,)]
