"""Helpers for the facebook_ads tests: a fake clock, DuckDB pipelines, values expected from `World`.

Expected values are computed from `World` directly (per-ad daily metrics summed per
level; leads are the fake's documented ``clicks // 20`` per ad and day), never from the
connector's code.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import dlt
import duckdb
import pytest

from bosco_connectors.framework import RetryPolicy
from bosco_connectors.sandbox import FakeApi, World
from bosco_connectors.sandbox.facebook_ads import LEAD_PER_CLICKS, FacebookAdsApp
from bosco_connectors.sources.facebook_ads import connector
from bosco_connectors.sources.facebook_ads.client import make_client

END = date(2026, 11, 20)
DATASET = "raw"
LEVEL_KEY = {"account": "account_id", "campaign": "campaign_id", "adset": "adset_id", "ad": "ad_id"}


class FakeClock:
    """A monotonic clock whose `sleep` records the wait and moves time forward at once."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(round(seconds, 6))
            self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_factory(clock: FakeClock, **retry: Any) -> Callable[..., Any]:
    """The source's own client, sleeping on the fake clock (retries without jitter)."""
    policy = RetryPolicy(**{"max_attempts": 4, "initial_wait": 1.0, "max_wait": 8.0, "jitter": 0.0, **retry})
    return partial(make_client, retry=policy, sleep=clock.sleep, clock=clock)


@pytest.fixture
def fast_client(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    monkeypatch.setattr(connector, "client_factory", client_factory(clock))
    return clock


@pytest.fixture
def meta_app() -> FacebookAdsApp:
    return FacebookAdsApp(seed=7, size="tiny", end_date=END)


@pytest.fixture
def meta_api(meta_app: FacebookAdsApp) -> Iterator[FakeApi]:
    with FakeApi([meta_app]) as api:
        yield api


def sandbox_config(app: FacebookAdsApp, api: FakeApi, **overrides: Any) -> dict[str, Any]:
    return {**app.source_config(api.url(app.prefix)), **overrides}


def make_pipeline(tmp_path: Path, name: str = "fb_test") -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
        pipelines_dir=str(tmp_path / "p"),
        dataset_name=DATASET,
    )


def run(tmp_path: Path, config: dict[str, Any], streams: list[str] | None = None, name: str = "fb_test") -> dlt.Pipeline:
    pipeline = make_pipeline(tmp_path, name)
    pipeline.run(connector.resources(config, streams=streams), loader_file_format="parquet")
    return pipeline


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def columns(tmp_path: Path, table: str) -> list[str]:
    return [r[0] for r in query(
        tmp_path,
        f"select column_name from information_schema.columns where table_schema = '{DATASET}' "
        f"and table_name = '{table}' order by ordinal_position",
    )]


def expected_daily(world: World, level: str) -> dict[tuple[str, date], dict[str, float]]:
    """(level id, day) -> spend, impressions, clicks, purchases, value, leads; days with delivery only."""
    groups: dict[str, list] = defaultdict(list)
    for account in world.accounts:
        for campaign in account.campaigns:
            for group in campaign.ad_groups:
                for ad in group.ads:
                    key = {"account": account.id, "campaign": campaign.id, "adset": group.id, "ad": ad.id}[level]
                    groups[key].append(ad)
    out = {}
    for key, ads in groups.items():
        for day in world.days:
            parts = [world.ad_metrics(ad.id, day) for ad in ads]
            impressions = sum(p.impressions for p in parts)
            if impressions:
                out[(key, day)] = {
                    "spend": round(sum(p.spend for p in parts), 2),
                    "impressions": impressions,
                    "clicks": sum(p.clicks for p in parts),
                    "purchases": sum(p.conversions for p in parts),
                    "value": round(sum(p.conversion_value for p in parts), 2),
                    "leads": sum(p.clicks // LEAD_PER_CLICKS for p in parts),
                }
    return out


def totals(rows: dict[Any, dict[str, float]]) -> dict[str, float]:
    keys = ("spend", "impressions", "clicks", "purchases", "value", "leads")
    out = {k: sum(r[k] for r in rows.values()) for k in keys}
    out["rows"] = len(rows)
    out["spend"], out["value"] = round(out["spend"], 2), round(out["value"], 2)
    return out


def extract(config: dict[str, Any], streams: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Read streams without loading them (faster than a pipeline when only the rows matter)."""
    import pyarrow as pa

    out: dict[str, list[dict[str, Any]]] = {}
    for resource in connector.resources(config, streams=streams):
        rows: list[dict[str, Any]] = []
        for item in resource:
            rows.extend(item.to_pylist() if isinstance(item, pa.Table) else [item])
        out[resource.name] = rows
    return out
