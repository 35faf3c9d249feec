"""Helpers for the ga4 tests: the generated fake, a fast client, a DuckDB pipeline, expected values.

Expected values are summed here from the web-traffic world (`Traffic.visits`, the cells the
fake aggregates) and the ad platforms' `World`s, never from the connector or the fake's code.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import dlt
import duckdb
import pytest

from bosco_connectors.framework import RetryPolicy
from bosco_connectors.sandbox import FakeApi, app_for
from bosco_connectors.sandbox.traffic import Traffic
from bosco_connectors.sources.ga4 import connector

END = date(2026, 11, 20)
DATASET = "raw"
FAST_RETRY = RetryPolicy(max_attempts=4, initial_wait=0.01, max_wait=0.02, jitter=0.0)


def fast_client_factory(sleep: Callable[[float], None] = lambda _s: None) -> Callable[..., Any]:
    """The source's own client, retrying and pausing without real sleeps."""
    return partial(connector.client_factory, retry=FAST_RETRY, sleep=sleep)


@pytest.fixture
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connector, "client_factory", fast_client_factory())


def serve(**world: Any) -> tuple[Any, FakeApi]:
    """The fake generated from the declarations, serving the tiny world (10 days to END)."""
    app = app_for(connector, **{"seed": 7, "size": "tiny", "end_date": END, **world})
    return app, FakeApi([app])


def make_pipeline(tmp_path: Path, name: str = "ga4_test") -> dlt.Pipeline:
    return dlt.pipeline(pipeline_name=name, destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                        pipelines_dir=str(tmp_path / "p"), dataset_name=DATASET)


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def expected(world: Any, key: Callable[[Any], tuple], start: date | None = None, end: date | None = None) -> dict[tuple, dict[str, int]]:
    """Sums per group of the world's traffic cells: sessions, users, key events, revenue in cents."""
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    traffic = Traffic(world)
    for day in world.days:
        if (start and day < start) or (end and day > end):
            continue
        for cell in traffic.visits(day):
            sums = out[key(cell)]
            for name in ("sessions", "users", "new_users", "engaged_sessions", "key_events", "purchase_revenue_cents", "revenue_cents"):
                sums[name] += getattr(cell, name)
    return {k: dict(v) for k, v in out.items()}


def traffic_key(cell: Any) -> tuple:
    return (cell.day, cell.source, cell.medium, cell.campaign)


def landing_key(cell: Any) -> tuple:
    return (cell.day, cell.landing_page)


def exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exceptions a traceback would show: causes, and contexts that were not suppressed."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
