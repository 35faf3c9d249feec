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
