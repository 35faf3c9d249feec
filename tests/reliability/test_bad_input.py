"""Bad input: one clear line, the right exit code, and earlier data left as it was.

Every case of `bad_input_cases.CASES` (the table in docs/bad-input.md) runs ``bosco-sync
run`` (or ``state reset``, ``demo``) in-process over a copy of a state where a good run
already loaded the fake TikTok world. A failing case must print its line (tenant, source,
stream), exit with its code, and leave every row, every saved cursor, every pipeline
folder and every file of the operator's exactly as they were. The
schema-drift cases that load show the effect docs/schema-drift.md describes.

A second, generic part checks every source with a fake API: bad config is refused
before any request, naming the field.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from bosco_connectors.cli.app import app
from bosco_connectors.framework.errors import ConfigError
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.framework.spec import Cursor
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sync import pipeline_name

from .bad_input_cases import CASES, DOC, DRIFT_DOC, Case, Scenario, render_drift_table, render_table, table_in
from .helpers import (
    END,
    WORLD,
    client_matrix,
    committed_cursors,
    diff,
    local_cursors,
    pending_packages,
    restored_logging,
    sandboxed,
    snapshot,
    write_project,
)

TENANT = "acme"
SOURCE = "tiktok_ads"
PIPELINE = pipeline_name(TENANT, SOURCE)
STATE = Path(".bosco") / "pipelines"


@dataclass
class Base:
    root: Path
    api: FakeApi
    config: dict[str, Any]
    env: dict[str, str]
    rows: dict
    committed: dict
    local: dict


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    """A state directory and DuckDB file after one good run (copied by every case)."""
    root = tmp_path_factory.mktemp("bad-input-base")
    connector = get_connector(SOURCE)
    api = FakeApi([app_for(connector, seed=4, **WORLD)]).start()
    config = sandbox_config(api, connector)
    env: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as mp, restored_logging():
        mp.chdir(root)
        mp.setenv("DLT_DATA_DIR", str(root / "dlt"))
        write_project(root / "bosco.toml", [(TENANT, connector, config)], duckdb_path=Path("w.duckdb"), env=env)
        for key, value in env.items():
            mp.setenv(key, value)
        result = CliRunner().invoke(app, ["run", "--config", "bosco.toml"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    db = root / "w.duckdb"
    yield Base(
        root, api, config, env, snapshot(db),
        committed_cursors(db, PIPELINE, SOURCE), local_cursors(root / STATE, PIPELINE, SOURCE),
    )
    api.stop()


def _prepare(case: Case, base: Base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_clients: Any) -> Scenario:
    shutil.copy(base.root / "w.duckdb", tmp_path / "w.duckdb")
    shutil.copytree(base.root / ".bosco", tmp_path / ".bosco")
    base.api.clear()
    scenario = Scenario(config=dict(base.config), env=dict(base.env), api=base.api)
    case.setup(scenario)
    if scenario.fast_retries:
        fast_clients(get_connector(SOURCE), attempts=2)
    for name, content in scenario.files.items():
        (tmp_path / name).write_bytes(content)
    if not scenario.project:
        pass
    elif scenario.raw_project is not None:
        (tmp_path / "bosco.toml").write_text(scenario.raw_project)
    else:
        connector = get_connector(SOURCE)
        written: dict[str, str] = {}
        write_project(tmp_path / "bosco.toml", [(TENANT, connector, scenario.config)], duckdb_path=Path("w.duckdb"), env=written)
        scenario.env = {k: v for k, v in written.items() if k in scenario.env}  # a case may unset a variable
        if scenario.sources is not None:
            text = (tmp_path / "bosco.toml").read_text().split("  [tenants.sources.", 1)[0]
            for name, cfg in scenario.sources.items():
                text += f"  [tenants.sources.{name}]\n" + "".join(f'  {k} = "{v}"\n' for k, v in cfg.items())
            (tmp_path / "bosco.toml").write_text(text)
    for key in base.env:
        monkeypatch.delenv(key, raising=False)
    for key, value in {**scenario.env, **scenario.extra_env}.items():
        monkeypatch.setenv(key, value)
    return scenario


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, base: Base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_clients: Any) -> None:
    scenario = _prepare(case, base, tmp_path, monkeypatch, fast_clients)
    result = CliRunner().invoke(app, scenario.argv, catch_exceptions=False)
    shown = [line for line in result.stderr.splitlines() if case.message in line]
    assert len(shown) == 1, f"expected one line with {case.message!r}:\n{result.stderr}"
    assert result.exit_code == case.exit_code, result.stderr
    db = tmp_path / "w.duckdb"
    if case.exit_code != 0:
        failures = [line for line in result.stderr.splitlines() if line.startswith(("FAILED", "error:"))]
        assert failures == shown, f"one clear line, not {failures}"
        assert not diff(base.rows, snapshot(db)), "earlier rows changed"
        assert committed_cursors(db, PIPELINE, SOURCE) == base.committed, "committed cursors moved"
        assert local_cursors(tmp_path / STATE, PIPELINE, SOURCE) == base.local, "local cursors moved"
        assert not pending_packages(tmp_path / STATE, PIPELINE), "a load package was left behind"
        assert _folders(tmp_path / STATE) == _folders(base.root / STATE), "pipeline folders were added or removed"
        for name, content in scenario.files.items():
            assert (tmp_path / name).read_bytes() == content, f"{name} was changed"
    else:
        EFFECTS[case.id](base, db)


def test_a_future_cursor_saved_by_an_earlier_version_fails_until_reset(
    base: Base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_clients: Any
) -> None:
    """A cursor in 2036, saved before rows were clipped, must not make every later run exit 0
    having read nothing: the run fails naming the stream and the command that resets it."""
    from bosco_connectors.framework import resources

    from .bad_input_cases import ADVERTISER_DAY, REPORTS, _both, _config, _to_the_future, first_report_row

    setup = _both(_config(end_date=None), first_report_row(REPORTS, ADVERTISER_DAY, _to_the_future))
    scenario = _prepare(Case("old-version", "", "", 0, setup), base, tmp_path, monkeypatch, fast_clients)
    with monkeypatch.context() as old_version:  # no row limit: what earlier versions did
        old_version.setattr(resources, "row_limit", lambda kind, end: date.max)
        result = CliRunner().invoke(app, scenario.argv, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert local_cursors(tmp_path / STATE, PIPELINE, SOURCE)["report_advertiser_daily"]["stat_time_day"] == date(2036, 1, 1)

    base.api.clear()
    stuck = CliRunner().invoke(app, scenario.argv, catch_exceptions=False)
    assert stuck.exit_code == 1, stuck.stderr
    failures = [line for line in stuck.stderr.splitlines() if line.startswith("FAILED")]
    assert failures == [
        "FAILED tenant=acme source=tiktok_ads stream=report_advertiser_daily: the saved cursor (less its look-back) is "
        "2035-12-25, after tomorrow (UTC): this stream can read nothing until it is reset (bosco-sync state reset "
        "--tenant acme --source tiktok_ads --stream report_advertiser_daily --yes)"
    ]
    reset = ["state", "reset", "--config", "bosco.toml", "--tenant", "acme", "--source", "tiktok_ads", "--stream", "report_advertiser_daily", "--yes"]
    assert CliRunner().invoke(app, reset, catch_exceptions=False).exit_code == 0
    healed = CliRunner().invoke(app, scenario.argv, catch_exceptions=False)
    assert healed.exit_code == 0, healed.stderr
    assert committed_cursors(tmp_path / "w.duckdb", PIPELINE, SOURCE)["report_advertiser_daily"]["stat_time_day"] == END
def _folders(path: Path) -> set[str]:
    return {p.name for p in path.iterdir()} if path.is_dir() else set()


# -- what the drift cases that load must show ---------------------------------------------


def _reread_since() -> Any:
    stream = get_connector(SOURCE).stream("report_campaign_daily")
    assert isinstance(stream.cursor, Cursor)
    return END - timedelta(days=stream.cursor.lookback.days)


def _query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _without(rows: dict, column: str) -> dict:
    from collections import Counter

    return {t: Counter(tuple(kv for kv in row if kv[0] != column) for row in c.elements()) for t, c in rows.items()}


def _new_field_effect(base: Base, db: Path) -> None:
    since = _reread_since()
    for level in ("advertiser", "campaign", "adgroup", "ad"):
        table = f"raw.tiktok_ads_report_{level}_daily"
        fresh, old = _query(db, f"select count(*) filter (where stat_time_day >= '{since}'), count(*) filter (where stat_time_day < '{since}') from {table}")[0]
        assert fresh and old
        with_value = _query(db, f"select count(*) from {table} where brand_new_metric = 7 and stat_time_day >= '{since}'")[0][0]
        nulls = _query(db, f"select count(*) from {table} where brand_new_metric is null and stat_time_day < '{since}'")[0][0]
        assert (with_value, nulls) == (fresh, old), f"{table}: the new column should hold 7 on re-read rows, NULL before"
    assert not diff(base.rows, _without(snapshot(db), "brand_new_metric")), "existing columns changed"


def _reserved_field_effect(base: Base, db: Path) -> None:
    renamed = _query(db, "select count(*), count(*) filter (where vendor_dlt_id = 'vendor-1') from raw.tiktok_ads_campaigns")[0]
    assert renamed[0] and renamed[0] == renamed[1], "every campaign keeps the vendor's value, renamed"
    assert not _query(db, "select count(*) from raw.tiktok_ads_campaigns where _dlt_id = 'vendor-1'")[0][0]
    assert not diff(base.rows, _without(snapshot(db), "vendor_dlt_id")), "existing rows changed"


def _nothing_changed(base: Base, db: Path) -> None:
    """The hostile answer loaded exactly what the good run loaded, and no cursor moved."""
    assert not diff(base.rows, snapshot(db)), "rows changed"
    assert committed_cursors(db, PIPELINE, SOURCE) == base.committed, "committed cursors moved"


def _last_duplicate_kept(base: Base, db: Path) -> None:
    """The page's last row of the duplicated key (spend 100000) replaced the first; nothing else changed."""
    table = "tiktok_ads_report_advertiser_daily"
    kept = _query(db, f"select advertiser_id, stat_time_day from raw.{table} where spend = 100000")
    assert len(kept) == 1, kept
    key = {("advertiser_id", kept[0][0]), ("stat_time_day", kept[0][1].isoformat())}
    before, after = dict(base.rows), dict(snapshot(db))
    strip = lambda counter: {tuple(kv for kv in row if kv[0] != "spend") for row in counter if key <= set(row)}  # noqa: E731
    assert strip(before[table]) == strip(after[table]), "the kept row differs beyond spend"
    for rows in (before, after):
        rows[table] = +type(rows[table])({row: n for row, n in rows[table].items() if not key <= set(row)})
    assert not diff(before, after), "rows other than the duplicated key changed"


def _long_ids_exact(base: Base, db: Path) -> None:
    """18-digit ids sent as JSON numbers arrive digit for digit."""
    sent = {row[0] + "42" for row in _query(db, "select campaign_id from raw.tiktok_ads_campaigns where length(campaign_id) = 16")}
    loaded = {row[0] for row in _query(db, "select campaign_id from raw.tiktok_ads_campaigns where length(campaign_id) = 18")}
    assert sent and loaded == sent


EFFECTS = {
    "drift-new-field": _new_field_effect,
    "reserved-field": _reserved_field_effect,
    "future-row": _nothing_changed,
    "duplicate-key-in-page": _last_duplicate_kept,
    "numeric-ids": _nothing_changed,
    "float-text-ids": _nothing_changed,
    "18-digit-ids": _long_ids_exact,
}


def test_every_loading_case_has_its_effect_checked() -> None:
    assert {c.id for c in CASES if c.exit_code == 0} == set(EFFECTS)


# -- the docs are this list -----------------------------------------------------------------


def test_the_docs_table_is_this_list() -> None:
    assert table_in(DOC) == render_table(), "docs/bad-input.md is out of date: python -m tests.reliability.bad_input_cases --write"
    assert table_in(DRIFT_DOC) == render_drift_table(), "docs/schema-drift.md is out of date (same command)"


# -- every source: bad config is refused before any request, naming the field ----------------


@pytest.mark.parametrize("connector", sandboxed(), ids=lambda c: c.name)
def test_every_source_refuses_bad_config_before_any_request(connector, fake_api_factory) -> None:
    api = fake_api_factory(connector, seed=4, **WORLD)
    good = sandbox_config(api, connector)
    later = (END + timedelta(days=5)).isoformat()
    cases = {
        "end_date": {**good, "start_date": later},
        "start_date": {**good, "start_date": "2026-02-30"},
        "max_workers": {**good, "max_workers": "many"},
        "lookback_days": {**good, "lookback_days": -1},
        "no_such_option": {**good, "no_such_option": 1},
    }
    for field_name, config in cases.items():
        with pytest.raises(ConfigError) as info:
            connector.resources(config)
        assert field_name in str(info.value), f"{connector.name}: the error does not name {field_name}: {info.value}"
        assert len(str(info.value).splitlines()) == 1
    assert not api.requests, "bad config must be refused before any request"


# -- every source: an error body answered with HTTP 200 is an error, never an empty page ------


# Each source's own reading of its error body is the kit's check (`test_error_body_with_status_200_is_an_error`,
# every source); that a later page's error fails the whole sync is the framework's: representative
# sources by default, every source with `-m slow`.
@pytest.mark.parametrize("name", client_matrix())
def test_every_source_fails_on_its_error_body_with_status_200_mid_sync(name, tmp_path, fast_clients) -> None:
    """The vendor's documented error body replaces the second answer of a sync, status 200.

    Read as data it would be an empty page: days go missing and the run exits 0 (GA4 loaded
    53 rows of 89). It must fail the sync with the vendor's message, and load nothing.
    """
    import copy
    import threading

    from bosco_connectors.testing.conformance import error_in_200

    from .helpers import WORLD_SEED, sync_into

    connector = get_connector(name)
    fast_clients(connector, attempts=2, timeout=2.0)  # a garbled (text) answer is retried: without the vendor's waits
    example, messages = error_in_200(connector)  # the kit's: the documented auth error (JSON or text)

    def sync_failing_answer(which: int) -> tuple[int, Any, Path]:
        answers, lock = [0], threading.Lock()

        def one_answer_fails(body: Any) -> Any:
            if isinstance(body, dict) and "access_token" in body:  # a token grant: the credential is fine
                return body
            with lock:
                answers[0] += 1
                replace = answers[0] >= which  # from that answer on: a retried request gets the error again
            return copy.deepcopy(example) if replace else body

        with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
            api.transform(one_answer_fails, files=True)  # a report file's answer too
            result = sync_into(tmp_path / f"d{which}.duckdb", tmp_path / f"p{which}", connector, sandbox_config(api, connector))
        return answers[0], result, tmp_path / f"d{which}.duckdb"

    answered, result, db = sync_failing_answer(2)
    if answered < 2:  # a source whose whole tiny sync is one request (one report file): that answer fails
        answered, result, db = sync_failing_answer(1)
    assert answered >= 1, "the sync asked nothing"
    assert not result.ok, f"an error body with HTTP 200 was read as data: {result.rows}"
    assert any(m in (result.error or "") for m in messages), result.error
    assert not snapshot(db), "rows of the failed sync were loaded"


# -- every source: an added field never breaks a sync or changes a value -----------------------


def _add_everywhere(body: Any) -> Any:
    from .bad_input_cases import _walk

    return _walk(body, lambda d: d.__setitem__("x_drift_field", "surprise"))


def _strip_drift(rows: dict) -> dict:
    """The rows without the added field: its column, and its key inside JSON columns."""
    import json
    from collections import Counter

    from .bad_input_cases import _walk

    def clean(value: Any) -> Any:
        if isinstance(value, str) and value[:1] in "[{" and "x_drift_field" in value:
            body = _walk(json.loads(value), lambda d: d.pop("x_drift_field", None))
            return json.dumps(body, sort_keys=True, separators=(",", ":"))
        return value

    def norm_json(value: Any) -> Any:  # the clean rows' JSON, dumped the same way
        if isinstance(value, str) and value[:1] in "[{":
            try:
                return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
            except ValueError:
                return value
        return value

    stripped = _without(rows, "x_drift_field")
    return {t: Counter(tuple((k, norm_json(clean(v))) for k, v in row) for row in c.elements()) for t, c in stripped.items()}


def _json_normalised(rows: dict) -> dict:
    return _strip_drift(rows)


ADDED_FIELD = [
    pytest.param(c.name, marks=() if c.name in ("tiktok_ads", "shopify") else pytest.mark.slow) for c in sandboxed()
]


@pytest.mark.parametrize("name", ADDED_FIELD)
def test_every_source_ignores_or_keeps_an_added_field(name, tmp_path, tmp_path_factory) -> None:
    """Every JSON object of the API gains a field: the sync loads what a clean sync loads.

    Sources that pass records through get a new column (columns: evolve); sources that
    map named fields ignore it. Either way no existing value changes.
    """
    from .helpers import WORLD_SEED, clean_run, sync_into

    connector = get_connector(name)
    with FakeApi([app_for(connector, seed=WORLD_SEED, size="tiny", end_date=END)]) as api:
        api.transform(_add_everywhere)
        result = sync_into(tmp_path / "d.duckdb", tmp_path / "p", connector, sandbox_config(api, connector))
        assert any(r.status == 200 for r in api.requests)
    assert result.ok, result.failure_line
    loaded = snapshot(tmp_path / "d.duckdb")
    added = {t for t, rows in loaded.items() if any(k == "x_drift_field" for row in rows for k, _ in row)}
    clean = clean_run(name, tmp_path_factory.getbasetemp())
    assert not diff(_json_normalised(clean.rows), _strip_drift(loaded))
    for table in added:
        values = {v for row in loaded[table] for k, v in row if k == "x_drift_field"}
        assert values <= {"surprise", None}, f"{table}: {values}"
