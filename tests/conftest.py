"""Shared fixtures: every test gets its own dlt dirs under tmp (dlt otherwise writes to ~/.dlt)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

pytest_plugins = ["bosco_connectors.testing.fixtures"]

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")


@pytest.fixture(autouse=True)
def isolated_dlt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep dlt's pipelines, config, our caches and the working directory inside the test's tmp dir."""
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
    monkeypatch.setenv("DLT_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("BOSCO_CACHE_DIR", str(tmp_path / "bosco_cache"))  # plugin descriptions (catalog_cache)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A folder for a module's shared syncs (a documented sync several read-only tests query),
    with dlt's dirs, our caches and the working directory inside it, as `isolated_dlt` does per test."""
    path = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLT_DATA_DIR", str(path / "dlt_data"))
        patch.setenv("DLT_PROJECT_DIR", str(path))
        patch.setenv("BOSCO_CACHE_DIR", str(path / "bosco_cache"))
        patch.chdir(path)
        yield path


@pytest.fixture(autouse=True)
def no_active_dlt_pipeline() -> Iterator[None]:
    """dlt keeps the last pipeline active process-wide, and a resource evaluated outside a
    pipeline reads that pipeline's saved cursor. Start and end every test without one."""
    from dlt.common.configuration.container import Container
    from dlt.common.pipeline import PipelineContext

    context = Container()[PipelineContext]
    context.deactivate()
    yield
    context.deactivate()


#: Tests of what a source reads, not of how fast it may ask: their limiters pace on a virtual
#: clock (`ratelimit.virtual_pace`). Pacing itself is tested in tests/framework, tests/reliability
#: and bench/, on the wall clock.
VIRTUAL_PACE = ("tests/sources/", "tests/test_conformance.py", "tests/test_unified_facts.py", "tests/test_unified_spend.py")


@pytest.fixture(autouse=True, scope="module")
def virtual_pace_for_replays(request: pytest.FixtureRequest) -> Iterator[None]:
    """Module-wide, so that a module's shared syncs (module and class fixtures) pace on it too;
    ``pytestmark = pytest.mark.wall_clock`` keeps a module on the wall clock."""
    path = Path(str(request.node.fspath)).as_posix()
    if not any(f"/{part}" in path for part in VIRTUAL_PACE) or request.node.get_closest_marker("wall_clock"):
        yield
        return
    from bosco_connectors.framework.ratelimit import virtual_pace

    with virtual_pace():
        yield
