"""Helpers for the google_ads tests: both transports, a fast client, expected values.

Expected values come from `World` directly (per-ad daily metrics summed per level, spend
as exact decimals), never from the source or from the fake app's query engine.
``transport`` runs a test once over REST and once over gRPC; the gRPC run needs the
optional ``google-ads`` SDK and is skipped, saying so, only when it is not installed.
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, Iterator

import dlt
import duckdb
import pytest

from bosco_connectors.framework import RetryPolicy
from bosco_connectors.sandbox import FakeApi, World
from bosco_connectors.sandbox.google_ads import GoogleAdsApp
from bosco_connectors.sources.google_ads import connector
from bosco_connectors.sources.google_ads.client import make_client

END = date(2026, 11, 20)
DATASET = "raw"


def _have_sdk() -> bool:
    try:
        return importlib.util.find_spec("google.ads.googleads") is not None
    except ImportError:  # not even the google namespace package
        return False


HAVE_SDK = _have_sdk()
NO_SDK = "the optional google-ads SDK (extra 'google-ads') is not installed"
TRANSPORTS = ["rest", pytest.param("grpc", marks=pytest.mark.skipif(not HAVE_SDK, reason=NO_SDK))]


@dataclass
class Sleeps:
    """Stands in for time.sleep: records the waits, waits nothing."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fast_client_factory(sleeps: Sleeps | None = None):
    fast = RetryPolicy(max_attempts=4, initial_wait=0.01, max_wait=0.02, jitter=0.0)
    return partial(make_client, retry=fast, sleep=sleeps or Sleeps())


@dataclass
class Sandbox:
    """A running fake Google Ads (HTTP, plus gRPC when asked) and config for one transport."""

    app: GoogleAdsApp
    api: FakeApi
    config: dict[str, Any]
    transport: str
    grpc_server: Any = None
    sleeps: Sleeps = field(default_factory=Sleeps)


def start_sandbox(stack: ExitStack, transport: str, **world: Any) -> Sandbox:
    app = GoogleAdsApp(**{"seed": 7, "size": "tiny", "end_date": END, **world})
    api = stack.enter_context(FakeApi([app]))
    config = app.source_config(api.url("google_ads"))
    server = None
    if transport == "grpc":
        from bosco_connectors.sandbox.google_ads_grpc import GoogleAdsGrpcServer

        server = stack.enter_context(GoogleAdsGrpcServer(app))
        config = {**config, "transport": "grpc", "grpc_endpoint": server.endpoint}
    return Sandbox(app, api, config, transport, server)


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def sandbox(transport: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The fake API for one transport; the source's client retries at once, recording its waits."""
    with ExitStack() as stack:
        box = start_sandbox(stack, transport)
        monkeypatch.setattr(connector, "client_factory", fast_client_factory(box.sleeps))
        yield box


def make_pipeline(tmp_path: Path, name: str = "google_ads_test") -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
        pipelines_dir=str(tmp_path / "p"),
        dataset_name=DATASET,
    )


def run(pipeline: dlt.Pipeline, config: dict[str, Any], streams: list[str] | None = None, tenant_id: str = "default") -> Any:
    from bosco_connectors.sync import build_source

    source, client = build_source(connector, config, tenant_id=tenant_id, streams=streams)
    pipeline.run(source, loader_file_format="parquet")
    return client


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def columns(tmp_path: Path, table: str) -> list[str]:
    return [r[0] for r in query(tmp_path, f"select column_name from information_schema.columns where table_schema = '{DATASET}' and table_name = '{table}' order by ordinal_position")]


# -- expected values, from the World alone --------------------------------------------------


def world_of(seed: int = 7, size: str = "tiny") -> World:
    return World(seed, size, namespace="google_ads", end_date=END)


def expected_daily(world: World, level: str) -> dict[tuple[str, date], tuple[int, int, int, int]]:
    """(level id, day) -> (cost_micros, impressions, clicks, conversions) for days with impressions."""
    ads_of: dict[str, list] = defaultdict(list)
    for account in world.accounts:
        for campaign in account.campaigns:
            for group in campaign.ad_groups:
                for ad in group.ads:
                    ads_of[{"campaign": campaign.id, "ad_group": group.id, "ad": ad.id}[level]].append(ad)
    out = {}
    for key, ads in ads_of.items():
        for day in world.days:
            parts = [world.ad_metrics(ad.id, day) for ad in ads]
            impressions = sum(p.impressions for p in parts)
            if impressions:
                out[(key, day)] = (
                    sum(round(Decimal(str(p.spend)) * 1_000_000) for p in parts),
                    impressions,
                    sum(p.clicks for p in parts),
                    sum(p.conversions for p in parts),
                )
    return out


def world_spend(world: World) -> Decimal:
    """Every ad's spend on every day, summed exactly (cents as the World rounds them)."""
    return sum(
        (Decimal(str(world.ad_metrics(ad.id, day).spend)) for account in world.accounts for ad in world.ads(account.id) for day in world.days),
        Decimal(0),
    )
