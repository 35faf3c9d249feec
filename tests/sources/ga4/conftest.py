"""Helpers for the ga4 tests: a fast client, a DuckDB pipeline, expected values.

Expected values come from the fake property's data model (`Ga4Traffic.cells`, the
cube the fake API aggregates) and from the ad platforms' `World`s, never from the
connector's code.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Callable

import dlt
import duckdb
import pytest

from bosco_connectors.framework import RetryPolicy
from bosco_connectors.sandbox.ga4 import Ga4App
from bosco_connectors.sources.ga4 import connector
from bosco_connectors.sources.ga4.client import make_client

END = date(2026, 11, 20)
DATASET = "raw"
FAST_RETRY = RetryPolicy(max_attempts=4, initial_wait=0.01, max_wait=0.02, jitter=0.0)


def fast_client_factory(sleep: Callable[[float], None] = lambda _s: None) -> Callable[..., Any]:
    """The source's own client, retrying and pausing without real sleeps."""
    return partial(make_client, retry=FAST_RETRY, sleep=sleep)


@pytest.fixture
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connector, "client_factory", fast_client_factory())


@pytest.fixture
def tiny_app() -> Ga4App:
    return Ga4App(seed=7, size="tiny", end_date=END)


def make_pipeline(tmp_path: Path, name: str = "ga4_test") -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
        pipelines_dir=str(tmp_path / "p"),
        dataset_name=DATASET,
    )


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def columns(tmp_path: Path, table: str) -> list[str]:
    return [
        r[0]
        for r in query(
            tmp_path,
            "select column_name from information_schema.columns "
            f"where table_schema = '{DATASET}' and table_name = '{table}' order by ordinal_position",
        )
    ]


def expected(app: Ga4App, key: Callable[[Any], tuple], start: date | None = None, end: date | None = None) -> dict[tuple, dict[str, float]]:
    """Sums per group of the fake property's cells: sessions, users, revenue in currency units."""
    out: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for day in app.world.days:
        if (start and day < start) or (end and day > end):
            continue
        for cell in app.traffic.cells(day):
            sums = out[key(cell)]
            sums["sessions"] += cell.sessions
            sums["total_users"] += cell.users
            sums["new_users"] += cell.new_users
            sums["engaged_sessions"] += cell.engaged
            sums["key_events"] += cell.key_events
            sums["purchase_cents"] += cell.purchase_cents
            sums["total_cents"] += cell.total_cents
    return {k: dict(v) for k, v in out.items()}


def traffic_key(cell: Any) -> tuple:
    return (cell.day, cell.source, cell.medium, cell.campaign)


def landing_key(cell: Any) -> tuple:
    return (cell.day, cell.landing_page)
