"""DuckDB destination: where the file goes, and that dlt really loads into it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dlt
import duckdb
import pytest

from bosco_connectors.destinations import DEFAULT_DATASET, get_destination
from bosco_connectors.destinations.duckdb import duckdb_connection, duckdb_path
from bosco_connectors.framework.errors import ConfigError


def _configured_path(destination) -> Path:
    config = destination.configuration(destination.spec(), accept_partial=True)
    return Path(config.credentials.database)


def test_default_file_is_bosco_duckdb_in_the_working_directory(isolated_dlt: Path, monkeypatch) -> None:
    monkeypatch.delenv("BOSCO_DUCKDB_PATH", raising=False)
    assert duckdb_path() == isolated_dlt / "bosco.duckdb"
    assert _configured_path(get_destination("duckdb")) == isolated_dlt / "bosco.duckdb"


def test_env_var_overrides_the_default_and_an_explicit_path_overrides_both(isolated_dlt: Path, monkeypatch) -> None:
    monkeypatch.setenv("BOSCO_DUCKDB_PATH", "data/env.duckdb")
    assert duckdb_path() == isolated_dlt / "data" / "env.duckdb"
    explicit = isolated_dlt / "explicit.duckdb"
    assert _configured_path(get_destination("duckdb", path=str(explicit))) == explicit
    # a folder that does not exist is not created behind the user's back: it is an error, before any request
    with pytest.raises(ConfigError, match="does not exist"):
        get_destination("duckdb")
    assert not (isolated_dlt / "data").exists()
    (isolated_dlt / "data").mkdir()
    get_destination("duckdb")


def test_an_existing_file_must_be_a_writable_duckdb_database(isolated_dlt: Path) -> None:
    notes = isolated_dlt / "notes.txt"
    notes.write_text("my notes " * 20)
    with pytest.raises(ConfigError, match="is not a DuckDB database"):
        get_destination("duckdb", path=str(notes))
    assert notes.read_text() == "my notes " * 20


def test_a_directory_is_not_a_database_file(isolated_dlt: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        duckdb_path(isolated_dlt)


def test_unknown_destination_names_the_choices() -> None:
    with pytest.raises(ConfigError, match="duckdb or snowflake"):
        get_destination("bigquery")


def test_dlt_loads_into_the_raw_dataset_of_the_file(isolated_dlt: Path) -> None:
    target = isolated_dlt / "out" / "bosco.duckdb"
    target.parent.mkdir()
    pipeline = dlt.pipeline(
        "dest_test", destination=get_destination("duckdb", path=str(target)), dataset_name=DEFAULT_DATASET,
        pipelines_dir=str(isolated_dlt / "pipelines"),
    )
    pipeline.run([{"tenant_id": "acme", "n": 1}, {"tenant_id": "acme", "n": 2}], table_name="toy_items")
    with duckdb.connect(str(target), read_only=True) as conn:
        assert conn.execute("select sum(n) from raw.toy_items").fetchone()[0] == 3
    with duckdb_connection(target, read_only=True) as conn:
        assert conn.execute("select count(*) from raw.toy_items").fetchone()[0] == 2


def test_read_only_connection_to_a_missing_file_is_a_config_error(isolated_dlt: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        duckdb_connection(isolated_dlt / "nope.duckdb", read_only=True)


def test_importing_destinations_does_not_import_snowflake() -> None:
    code = (
        "import sys, bosco_connectors.destinations as d; d.get_destination('duckdb');"
        "print(any(m == 'snowflake' or m.startswith(('snowflake.', 'dlt.destinations.impl.snowflake.snowflake')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("user_config", [None, '{"memory_limit": "300MB"}', '{"memory_limit": "300MB", "preserve_insertion_order": true}'])
def test_syncs_drop_insertion_order_under_the_users_own_global_config(isolated_dlt: Path, monkeypatch, user_config) -> None:
    """Our setting goes under the user's: a memory_limit they configured still applies, and
    they may turn insertion order back on."""
    if user_config:
        monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG", user_config)
    pipeline = dlt.pipeline(
        "dest_settings", destination=get_destination("duckdb", path=str(isolated_dlt / "s.duckdb")), dataset_name=DEFAULT_DATASET,
        pipelines_dir=str(isolated_dlt / "pipelines"),
    )
    pipeline.run([{"tenant_id": "acme", "n": 1}], table_name="toy_items")
    with pipeline.sql_client() as client:
        ((ordered, limit),) = client.execute_sql("select current_setting('preserve_insertion_order'), current_setting('memory_limit')")
    assert ordered is (user_config is not None and "preserve_insertion_order" in user_config)
    # the user's 300 MB, else the syncs' default of 128 MB, as DuckDB prints them
    assert limit == ("286.1 MiB" if user_config else "122.0 MiB")


def _sync_memory_limit(isolated_dlt: Path) -> str:
    pipeline = dlt.pipeline(
        "dest_limit", destination=get_destination("duckdb", path=str(isolated_dlt / "m.duckdb")), dataset_name=DEFAULT_DATASET,
        pipelines_dir=str(isolated_dlt / "pipelines"),
    )
    pipeline.run([{"tenant_id": "acme", "n": 1}], table_name="toy_items")
    with pipeline.sql_client() as client:
        ((limit,),) = client.execute_sql("select current_setting('memory_limit')")
    return limit


def test_the_sync_memory_limit_follows_the_environment(isolated_dlt: Path, monkeypatch) -> None:
    """A merge's memory is bounded by default (DuckDB's own default is 80% of RAM);
    BOSCO_DUCKDB_MEMORY_LIMIT sets another, or gives DuckDB's own back."""
    import duckdb

    monkeypatch.setenv("BOSCO_DUCKDB_MEMORY_LIMIT", "1GB")
    assert _sync_memory_limit(isolated_dlt) == "953.6 MiB"
    monkeypatch.setenv("BOSCO_DUCKDB_MEMORY_LIMIT", "default")
    with duckdb.connect() as con:
        (own,) = con.execute("select current_setting('memory_limit')").fetchone()
    assert _sync_memory_limit(isolated_dlt) == own


def test_a_memory_limit_duckdb_cannot_read_is_refused_in_one_line(isolated_dlt: Path, monkeypatch) -> None:
    from bosco_connectors.framework.errors import ConfigError

    monkeypatch.setenv("BOSCO_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(ConfigError, match=r"BOSCO_DUCKDB_MEMORY_LIMIT='lots' is not an amount of memory .* \"512MB\""):
        get_destination("duckdb", path=str(isolated_dlt / "x.duckdb"))


def _threads_seen(target: Path) -> int:
    with duckdb.connect(str(target)) as conn:
        return conn.execute("select current_setting('threads')").fetchone()[0]


def test_kept_open_serves_one_database_to_every_connection_of_the_block_then_frees_the_file(isolated_dlt: Path) -> None:
    """Within the block a global setting made on one connection is seen by the next: one
    database, not opened again (what dlt's three opens of a load then cost). After it the
    file is free: opened afresh, and readable by a read-only connection, which DuckDB
    refuses while this process still has it open for writing."""
    from bosco_connectors.destinations.duckdb import kept_open

    target = isolated_dlt / "k.duckdb"
    destination = get_destination("duckdb", path=str(target))
    default = _threads_seen(target)
    with kept_open(destination):
        with duckdb.connect(str(target)) as conn:
            conn.execute(f"SET GLOBAL threads = {default + 3}")
        assert _threads_seen(target) == default + 3
        pipeline = dlt.pipeline("kept", destination=destination, dataset_name=DEFAULT_DATASET, pipelines_dir=str(isolated_dlt / "p"))
        pipeline.run([{"tenant_id": "acme", "n": 1}, {"tenant_id": "acme", "n": 2}], table_name="toy_items")
    with duckdb.connect(str(target), read_only=True) as conn:
        assert conn.execute("select sum(n) from raw.toy_items").fetchone()[0] == 3
        assert conn.execute("select current_setting('threads')").fetchone()[0] == default


def test_kept_open_leaves_alone_what_is_not_a_writable_duckdb_file(isolated_dlt: Path, monkeypatch) -> None:
    from bosco_connectors.destinations import duckdb as ours

    target = isolated_dlt / "r.duckdb"
    duckdb.connect(str(target)).close()
    opened: list[str] = []
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(a) or pytest.fail("opened"))
    for destination in (get_destination("duckdb", path=str(target), read_only=True), dlt.destinations.duckdb(":memory:"), object()):
        with ours.kept_open(destination):
            pass
    assert opened == []


def test_kept_open_runs_the_block_when_another_process_holds_the_file(isolated_dlt: Path) -> None:
    """The open is only an optimisation: a file held elsewhere fails later, in dlt's own words."""
    from bosco_connectors.destinations.duckdb import kept_open

    target = isolated_dlt / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(target)!r}); print('held', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        ran = []
        with kept_open(get_destination("duckdb", path=str(target))):
            ran.append(True)
        assert ran == [True]
    finally:
        holder.communicate("")
