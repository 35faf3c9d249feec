"""A DuckDB file with the raw fixture rows already built once, copied for each test.

A full first build costs ~0.5 s; tests that start from "everything built" copy this
file (a few milliseconds) instead of building again.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pytest

from bosco_connectors.recipes import as_executor, build

from . import rawdata


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recipes") / "built.duckdb"
    conn = duckdb.connect(str(path))
    rawdata.load_raw(as_executor(conn))
    result = build(conn)
    assert result.ok
    assert {m.mode for m in result.built} == {"full"}  # a first build writes everything in full
    conn.close()
    return path


@pytest.fixture
def built(built_db: Path, tmp_path: Path) -> Iterator[Any]:
    """A connection to a private copy of the built fixture database."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(built_db, copy)
    conn = duckdb.connect(str(copy))
    yield conn
    conn.close()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the fakesnow build (a subprocess, ~15 s of CPU) as soon as it is known to be
    needed, so it runs while the other tests do; `test_fakesnow` collects its result."""
    from . import fakesnow_build

    if any(item.nodeid.split("::")[0].endswith("test_fakesnow.py") for item in items) and (fakesnow_build.OVERLAY / "fakesnow").is_dir():
        out = Path(tempfile.mkdtemp(prefix="bosco-fakesnow-")) / "report.json"
        config._bosco_fakesnow = (fakesnow_build.start(out), out)  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    started = getattr(config, "_bosco_fakesnow", None)
    if started is not None:
        proc, out = started
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        shutil.rmtree(out.parent, ignore_errors=True)
