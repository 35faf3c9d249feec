"""The generated fake API, a sync and the recipes for one declared source, as its demo runs them:
a fixture body shared by the sources' ``test_demo_world`` modules (expected numbers come from
the fake `World`, never from the connector or the recipes)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pytest

from bosco_connectors.destinations import get_destination
from bosco_connectors.framework.registry import provisional
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.recipes import build, catalog
from bosco_connectors.sandbox import FakeApi, sandbox_config
from bosco_connectors.sandbox.generated import GeneratedApp
from bosco_connectors.sync import SyncJob, run_sync

END = date(2026, 11, 20)


def built_world(connector: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """Sync `connector` from its generated fake (tiny world, seed 3) and build the recipes; yields
    (world, connection). The source is registered for the block and its generated staging added
    to the catalog, as an installed source gets them."""
    name = connector.name
    generated = catalog.generated_staging
    monkeypatch.setattr(catalog, "generated_staging",
                        lambda: {**generated(), **{n: (name, sql) for n, sql in staging_models(connector).items()}})
    monkeypatch.setattr(catalog, "_CATALOGS", {})
    with provisional(connector):
        app = GeneratedApp(name, seed=3, size="tiny", end_date=END)
        with FakeApi([app]) as api:
            result = run_sync(SyncJob("demo", name, sandbox_config(api, connector)),
                              destination=get_destination("duckdb", path=str(tmp_path / "b.duckdb")), pipelines_dir=tmp_path / "p")
        assert result.ok, result.failure_line
        conn = duckdb.connect(str(tmp_path / "b.duckdb"))
        outcome = build(conn)
        assert outcome.ok, [m.line() for m in outcome.failed]
    yield app.world, conn
    conn.close()
