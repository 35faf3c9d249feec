"""Helpers for the tiktok_ads tests: a fast client, a DuckDB pipeline, expected values.

Expected values are computed from `World` directly (per-ad daily metrics summed per
level), never from the connector or the fake API's code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Iterator

import dlt
import duckdb
import pytest

from bosco_connectors.framework import RetryPolicy
from bosco_connectors.sandbox import World
from bosco_connectors.sources.tiktok_ads import connector

END = date(2026, 11, 20)
DATASET = "raw"


def fast_client_factory():
    """The source's own client, retrying and pacing without real sleeps, so tests stay fast."""
    fast = RetryPolicy(max_attempts=4, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    return partial(connector.client_factory, retry=fast, sleep=lambda _s: None)


@pytest.fixture
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connector, "client_factory", fast_client_factory())


def make_pipeline(tmp_path: Path, name: str = "tiktok_test") -> dlt.Pipeline:
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
    return [r[0] for r in query(tmp_path, f"select column_name from information_schema.columns where table_schema = '{DATASET}' and table_name = '{table}' order by ordinal_position")]


@dataclass
class Totals:
    rows: int = 0
    spend: float = 0.0
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    value: float = 0.0


def expected_daily(world: World, level: str) -> dict[tuple[str, date], tuple[float, int, int, int, float]]:
    """(level id, day) -> (spend, impressions, clicks, conversions, value), rows with impressions only."""
    groups: dict[str, list] = defaultdict(list)
    for account in world.accounts:
        for campaign in account.campaigns:
            for group in campaign.ad_groups:
                for ad in group.ads:
                    key = {"advertiser": account.id, "campaign": campaign.id, "adgroup": group.id, "ad": ad.id}[level]
                    groups[key].append(ad)
    out = {}
    for key, ads in groups.items():
        for day in world.days:
            parts = [world.ad_metrics(ad.id, day) for ad in ads]
            impressions = sum(p.impressions for p in parts)
            if impressions:
                out[(key, day)] = (
                    round(sum(p.spend for p in parts), 2),
                    impressions,
                    sum(p.clicks for p in parts),
                    sum(p.conversions for p in parts),
                    round(sum(p.conversion_value for p in parts), 2),
                )
    return out


def totals(rows: dict) -> Totals:
    t = Totals(rows=len(rows))
    for spend, impressions, clicks, conversions, value in rows.values():
        t.spend += spend
        t.impressions += impressions
        t.clicks += clicks
        t.conversions += conversions
        t.value += value
    t.spend, t.value = round(t.spend, 2), round(t.value, 2)
    return t


def loaded_totals(tmp_path: Path, table: str) -> Totals:
    (rows, spend, impressions, clicks, conversions, value), = query(
        tmp_path,
        f"select count(*), round(sum(spend), 2), sum(impressions), sum(clicks), sum(conversion), "
        f"round(sum(total_complete_payment_rate), 2) from {DATASET}.{table}",
    )
    return Totals(rows, float(spend), int(impressions), int(clicks), int(conversions), float(value))


def exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exceptions a traceback would show: causes, and contexts that were not suppressed."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
