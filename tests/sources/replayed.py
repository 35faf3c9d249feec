"""Shared by the sources' tests: replay documented (or edited) fixtures into DuckDB, then build
the unified facts from what loaded.

A source still being written is not an installed entry point: `registered` makes it one for
the recipes catalog (which generates staging from the registry) and for name look-ups.
"""

from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import dlt
import duckdb

from bosco_connectors.framework import registry
from bosco_connectors.sandbox.server import FakeApi
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@contextmanager
def quick_client(connector: Any, retry: Any = None) -> Iterator[None]:
    """The connector's client never sleeps (and retries by `retry`, a `RetryPolicy`, if given)
    for a module's shared sync: what the modules' function-scoped `fast` fixtures do per test."""
    import pytest

    options: dict[str, Any] = {"sleep": lambda _s: None, **({"retry": retry} if retry is not None else {})}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connector, "client_factory", partial(connector.client_factory, **options))
        yield


def replay_documented(connector: Any, load: Callable[[Path, dict[str, Any]], Any], folder: Path) -> FixtureApp:
    """Serve the connector's documented fixtures and run ``load(folder, config)`` against them
    once, with a client that retries at once (3 attempts) and never sleeps; every request the
    sync sent must have matched a fixture. For a module's shared sync."""
    from bosco_connectors.framework import RetryPolicy

    with quick_client(connector, retry=RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)):
        app = FixtureApp(Fixtures.load(fixture_folder(connector)))
        with FakeApi([app]) as api:
            load(folder, app.source_config(api.url(app.prefix)))
    assert not app.unmatched, app.unmatched
    return app


@contextmanager
def registered(connector: Any) -> Iterator[None]:
    names = registry.source_names
    registry.source_names = lambda: sorted({*names(), connector.name})  # type: ignore[assignment]
    try:
        with registry.provisional(connector):
            yield
    finally:
        registry.source_names = names  # type: ignore[assignment]


def documented(connector: Any) -> Fixtures:
    return Fixtures.load(fixture_folder(connector))


def edited(connector: Any, tmp: Path, change: Callable[[dict[str, Any]], None], unpinned: tuple[str, ...] = ()) -> Fixtures:
    """The documented fixtures with their bodies changed by `change({body name: JSON})`: a later sync,
    whose requests start from the saved cursor (the `unpinned` parameters are not matched)."""
    fixtures = documented(connector)
    folder = tmp / "edited"
    (folder / "bodies").mkdir(parents=True)
    bodies = {p.name: json.loads(p.read_text()) for p in (fixtures.folder / "bodies").glob("*.json")}
    change(bodies)
    for name, body in bodies.items():
        (folder / "bodies" / name).write_text(json.dumps(body))
    manifest = json.loads((fixtures.folder / "fixtures.json").read_text())
    for exchange in manifest["exchanges"]:
        query = exchange.get("request", {}).get("query") or {}
        for name in unpinned:
            query.pop(name, None)
    (folder / "fixtures.json").write_text(json.dumps(manifest))
    return Fixtures.load(folder)


def sync(connector: Any, fixtures: Fixtures, tmp: Path, tenant: str = "t", config: dict[str, Any] | None = None) -> Any:
    """One sync of `fixtures` into ``tmp/x.duckdb`` (state kept in ``tmp/p`` between calls);
    `config` overrides settings of the documented config (a faster request pace)."""
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(copy.deepcopy(fixtures))
    with FakeApi([app]) as api, registered(connector):
        result = run_sync(SyncJob(tenant, connector.name, {**app.source_config(api.url(app.prefix)), **(config or {})}),
                          destination=dlt.destinations.duckdb(str(tmp / "x.duckdb")), pipelines_dir=tmp / "p", connector=connector)
    assert result.ok, result.failure_line
    assert not app.unmatched, app.unmatched
    return result


def build_facts(connector: Any, tmp: Path, *facts: str) -> None:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp / "x.duckdb")) as con:
        built = build(con, select=[f"fct_{f}" for f in facts])
        assert built.ok, [m.line() for m in built.models if m.status != "built"]


def query(tmp: Path, sql: str, *params: Any) -> list[tuple]:
    with duckdb.connect(str(tmp / "x.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()
