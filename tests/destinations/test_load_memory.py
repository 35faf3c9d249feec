"""A sync whose load runs out of DuckDB's memory: more memory where the limit is ours, a clear error where it is the user's.

WooCommerce's orders loaded from dict rows (as a dataset an earlier version loaded keeps
loading them: `children.loads_as_dicts`) have a staged table per nested list; under a 4 MB limit
their merge runs out of memory (as 100k orders ran out of the syncs' 128 MB). Expected rows come
from a sync under DuckDB's own limit, not from the code under test.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import duckdb
import pytest

from bosco_connectors.destinations import duckdb as bosco_duckdb
from bosco_connectors.destinations.duckdb import ENV_MEMORY_LIMIT, MemoryLimitError, duckdb_destination
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.sandbox import sandbox_config, serve
from bosco_connectors.sync import SyncJob, run_sync
from bosco_connectors.testing.sandbox_runs import without_waits

SOURCE, STREAMS = "woocommerce", ["orders"]


@pytest.fixture(scope="module")
def fake():
    connector = get_connector(SOURCE)
    api = serve([connector], size="small")
    def dicts(streams):  # noqa: ANN001, ANN202
        return [dataclasses.replace(s, arrow=False) for s in streams]

    as_dicts = dataclasses.replace(connector, streams=dicts(connector.streams),
                                   streams_for=connector.streams_for and (lambda config: dicts(connector.streams_for(config))))
    yield as_dicts, sandbox_config(api, connector)
    api.stop()


def _sync(fake, folder: Path, events: list[str] | None = None):
    folder.mkdir(exist_ok=True)
    connector, config = fake
    result = run_sync(SyncJob("t1", SOURCE, config, STREAMS), destination=duckdb_destination(folder / "w.duckdb"),
                      pipelines_dir=folder / "p", connector=without_waits(connector),
                      on_event=(events.append if events is not None else None))
    return result


def _tables(path: Path) -> dict[str, tuple[int, int]]:
    """Rows and distinct row ids of every loaded table of the orders."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'raw' and table_name like 'woocommerce_orders%'").fetchall()]
        return {n: con.execute(f'select count(*), count(distinct _dlt_id) from raw."{n}"').fetchone() for n in names}


def test_a_load_that_runs_out_of_the_syncs_own_limit_is_loaded_again_with_more(
        fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(ENV_MEMORY_LIMIT, "default")
    expected = _sync(fake, tmp_path / "roomy")
    assert expected.ok, expected.error
    monkeypatch.delenv(ENV_MEMORY_LIMIT)
    monkeypatch.setattr(bosco_duckdb, "DEFAULT_SYNC_MEMORY_LIMIT", "4MB")
    events: list[str] = []
    with caplog.at_level(logging.WARNING, logger="bosco_connectors.destinations"):
        result = _sync(fake, tmp_path / "tight", events)
    assert result.ok, result.error
    said = "DuckDB ran out of 4MB while loading; loading again with 512MB (set BOSCO_DUCKDB_MEMORY_LIMIT to choose)"
    assert said in caplog.messages and f"t1/{SOURCE}: {said}" in events
    loaded = _tables(tmp_path / "tight" / "w.duckdb")
    assert loaded == _tables(tmp_path / "roomy" / "w.duckdb") and len(loaded) > 3  # orders and their nested lists
    assert all(rows == ids for rows, ids in loaded.values())  # nothing loaded twice
    assert result.rows == expected.rows


def test_a_limit_the_user_set_is_not_raised_and_the_error_says_how_to(
        fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MEMORY_LIMIT, "4MB")
    result = _sync(fake, tmp_path)
    assert not result.ok and result.error_type is MemoryLimitError and result.exit_code == 2
    assert result.error.startswith("DuckDB ran out of its memory limit (4MB) while loading: set a larger one with "
                                   "BOSCO_DUCKDB_MEMORY_LIMIT")
    monkeypatch.setenv(ENV_MEMORY_LIMIT, "default")  # the next run, with room, loads everything once
    again = _sync(fake, tmp_path)
    assert again.ok, again.error
    assert all(rows == ids and rows > 0 for rows, ids in _tables(tmp_path / "w.duckdb").values())
