"""A tiny vendor ("acme") used to test the framework without any real source."""

from __future__ import annotations

from datetime import date, timedelta

import dlt
from pydantic import SecretStr

from bosco_connectors.framework import (
    ApiClient,
    Connector,
    Contract,
    Cursor,
    FullRefresh,
    PageNumber,
    RateLimit,
    RestStream,
    RetryPolicy,
    SourceConfig,
    bearer,
    parse_date,
    utc_today,
)
from bosco_connectors.sandbox import FakeRequest, FakeResponse

#: The fake app serves data up to the framework's "today" (UTC), so ranges line up.
TODAY = utc_today()


class AcmeApp:
    prefix = "acme"

    def __init__(self, days: int = 20, items: int = 7) -> None:
        self.days = days
        self.items = items

    def source_config(self, root: str) -> dict:
        return {"token": "acme-secret-token-123", "base_url": root, "start_date": TODAY - timedelta(days=self.days - 1)}

    def handle(self, req: FakeRequest) -> FakeResponse:
        if req.header("authorization") != "Bearer acme-secret-token-123":
            return FakeResponse.json({"error": {"message": "invalid token"}}, 401)
        page, size = int(req.arg("page", "1")), int(req.arg("page_size", "3"))
        if req.path == "/items":
            rows = [{"id": i, "name": f"item {i}"} for i in range(self.items)]
        elif req.path == "/sharded":
            shard = req.arg("shard")
            if not shard:
                return FakeResponse.json({"error": {"message": "shard is required"}}, 400)
            rows = [{"shard": shard, "id": i, "name": f"{shard} item {i}"} for i in range(self.items)]
        elif req.path == "/daily":
            start, end = date.fromisoformat(req.arg("from")), date.fromisoformat(req.arg("to"))
            rows = []
            d = start
            while d <= min(end, TODAY):
                rows += [{"item": i, "day": d.isoformat() + " 00:00:00", "spend": f"{i + d.day}.50"} for i in range(2)]
                d += timedelta(days=1)
        else:
            return FakeResponse.json({"error": {"message": "not found"}}, 404)
        chunk = rows[(page - 1) * size : page * size]
        pages = max(1, -(-len(rows) // size))
        return FakeResponse.json({"data": chunk, "page_info": {"page": page, "total_page": pages}})


class Item(Contract):
    id: int
    name: str


class ShardItem(Contract):
    shard: str
    id: int
    name: str


class Daily(Contract):
    item: int
    day: date
    spend: float


class AcmeConfig(SourceConfig):
    token: SecretStr


def _daily(record, ctx):
    return {**record, "day": parse_date(record["day"])}


def make_connector(arrow: bool = False, window_days: int | None = 7, shards: tuple[str, ...] = ()) -> Connector:
    """The acme connector; ``shards`` adds a partitioned stream (one partition per shard)."""
    paged = lambda: PageNumber(page_size=3, total_pages_path="page_info.total_page")  # noqa: E731
    sharded = [
        RestStream(name="sharded", path="sharded", records="data", paginator=paged, contract=ShardItem,
                   primary_key=("shard", "id"), cursor=FullRefresh(),
                   partitions=lambda cfg: [{"shard": s} for s in shards]),
    ] if shards else []
    return Connector(
        name="acme",
        title="Acme",
        api_version="v1",
        docs_url="https://example.invalid/docs",
        category="test",
        config_model=AcmeConfig,
        client_factory=lambda cfg: ApiClient(
            "acme", cfg.base_url, auth=bearer(cfg.token), rate_limit=RateLimit(4, None),
            retry=RetryPolicy(max_attempts=4, initial_wait=0.01, max_wait=0.05),
        ),
        streams=[
            RestStream(name="items", path="items", records="data", paginator=paged, contract=Item,
                       primary_key=("id",), cursor=FullRefresh()),
            RestStream(name="daily", path="daily", records="data", paginator=paged, contract=Daily,
                       primary_key=("item", "day"), transform=_daily, arrow=arrow,
                       cursor=Cursor("day", lookback=timedelta(days=3), window=timedelta(days=window_days) if window_days else None),
                       window_params=lambda w: {"from": w.start.isoformat(), "to": w.end.isoformat()}),
            *sharded,
        ],
        sandbox="tests.framework.toy_api:AcmeApp",
    )


def acme_source(connector: Connector, config: dict, tenant_id: str = "t1"):
    @dlt.source(name="acme")
    def source():
        return connector.resources(config, tenant_id=tenant_id)

    return source()


#: What a source module exports; lets registry tests point an entry point at a real Connector.
connector = make_connector()
