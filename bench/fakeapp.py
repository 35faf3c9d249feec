"""A fake TikTok API fast enough that a benchmark measures the client, not the server.

`BenchTikTokApp` is the sandbox's `TikTokApp` (same routes, auth, parameter checks,
envelope and page_info) with one change: report rows are computed on demand for the
page being served, from cheap integer arithmetic, instead of from the world's
per-(ad, day) seeded RNG over the whole 30-day window. A 10M-row report therefore
costs the server neither minutes nor gigabytes. Every (ad, day) has a row, so the row
count is known exactly: ads x days.

With ``cache=True`` each distinct report page is rendered to bytes once and served
from memory afterwards; a benchmark warms the cache with one untimed pass so that
every contender then pays the same, near-zero server cost.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import orjson

from bosco_connectors.sandbox import FakeRequest, FakeResponse
from bosco_connectors.sandbox.tiktok import OBJECTIVE_TYPE, TikTokApp

#: Ad-level world shape: ads per account = campaigns x ad_groups x ads.
CAMPAIGNS, AD_GROUPS = 10, 10


def world_for(rows: int, accounts: int = 4, days: int = 90) -> dict[str, int]:
    """World overrides giving about `rows` ad-level report rows (accounts x ads x days)."""
    per_group = max(1, round(rows / (accounts * days * CAMPAIGNS * AD_GROUPS)))
    return {"accounts": accounts, "campaigns": CAMPAIGNS, "ad_groups": AD_GROUPS, "ads": per_group, "days": days}


def expected_rows(world: dict[str, int]) -> int:
    return world["accounts"] * world["campaigns"] * world["ad_groups"] * world["ads"] * world["days"]


class _LazyRows:
    """A read-only sequence of report rows: ``len()`` is exact, a slice is rendered on demand.

    A slice comes back as one `orjson.Fragment` (the page's JSON list, already encoded),
    which `TikTokApp` puts in its envelope unchanged. Rows are joined from pre-rendered
    pieces: the entity's attributes, and one of `POOL` metric sets picked by a hash of
    (row, day), so a 1,000-row page costs the server about a millisecond.
    """

    POOL = 4096

    def __init__(self, pieces: tuple[list[tuple[str, str]], list[str]], days: list[date], level_id: str) -> None:
        self.entities, self.pool = pieces
        self.days = [d.isoformat() for d in days]
        self.level = level_id

    @classmethod
    def pieces(cls, entities: list[tuple[str, dict[str, str]]], metrics: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[str]]:
        """Pre-rendered parts for one (advertiser, level, metrics): entity fragments, metric pool."""
        attribute_names = [m for m in metrics if m not in BASE_METRICS]
        base_names = [m for m in metrics if m in BASE_METRICS]
        # Per entity: the id, and its attribute metrics as JSON members (names, parent ids).
        rendered = [
            (entity_id, "".join(f',"{m}":{orjson.dumps(attrs.get(m, "0")).decode()}' for m in attribute_names))
            for entity_id, attrs in entities
        ]
        return rendered, [_metric_fragment(k, base_names) for k in range(cls.POOL)]

    def __len__(self) -> int:
        return len(self.entities) * len(self.days)

    def __getitem__(self, index: slice) -> orjson.Fragment:
        start, stop, _ = index.indices(len(self))
        n, pool, size, level, days, entities = len(self.entities), self.pool, self.POOL, self.level, self.days, self.entities
        rows = []
        for i in range(start, stop):
            d = i // n
            entity_id, attributes = entities[i % n]
            rows.append(
                f'{{"dimensions":{{"{level}":"{entity_id}","stat_time_day":"{days[d]} 00:00:00"}},'
                f'"metrics":{{{pool[(i * 2654435761 + d * 40503) % size]}{attributes}}}}}'
            )
        return orjson.Fragment(("[" + ",".join(rows) + "]").encode())


BASE_METRICS = frozenset((
    "spend", "impressions", "clicks", "reach", "ctr", "cpc", "cpm",
    "conversion", "complete_payment", "total_complete_payment_rate",
))


def _metric_fragment(k: int, names: list[str]) -> str:
    """One plausible set of TikTok report metrics (strings, "-" where undefined), as JSON members."""
    h = (k * 2654435761 + 12345) & 0xFFFFFFFF
    impressions = 200 + h % 19800
    clicks = impressions * ((h >> 8) % 40) // 1000  # zero sometimes: cpc is then "-"
    conversions = clicks * ((h >> 16) % 12) // 100
    spend = impressions * (2 + (h >> 4) % 12) / 1000
    value = conversions * (15 + (h >> 12) % 100)
    values = {
        "spend": f"{spend:.2f}",
        "impressions": str(impressions),
        "clicks": str(clicks),
        "reach": str(impressions * 100 // (105 + (h >> 20) % 55)),
        "ctr": f"{clicks / impressions * 100:.2f}",
        "cpc": f"{spend / clicks:.2f}" if clicks else "-",
        "cpm": f"{spend / impressions * 1000:.2f}",
        "conversion": str(conversions),
        "complete_payment": str(conversions),
        "total_complete_payment_rate": f"{value:.2f}",
    }
    return ",".join(f'"{name}":"{values[name]}"' for name in names)


class BenchTikTokApp(TikTokApp):
    """`TikTokApp` with on-demand report rows and an optional page cache (see module doc)."""

    def __init__(self, end_date: date, world: dict[str, int], cache: bool = False) -> None:
        super().__init__(seed=7, size="tiny", end_date=end_date, **world)
        self.cache = cache
        self._pages: dict[tuple, FakeResponse] = {}
        self._entity_cache: dict[tuple[str, str], list[tuple[str, dict[str, str]]]] = {}
        self._pieces: dict[tuple[str, str, tuple[str, ...]], Any] = {}
        self._guard = threading.Lock()

    def handle(self, request: FakeRequest) -> FakeResponse:
        if not self.cache or not request.path.endswith("report/integrated/get/"):
            return super().handle(request)
        key = (request.path, request.header("access-token"), tuple(sorted((k, tuple(v)) for k, v in request.query.items())))
        cached = self._pages.get(key)
        if cached is None:
            cached = super().handle(request)
            if cached.status == 200 and cached.body.startswith(b'{"code":0'):
                with self._guard:
                    self._pages[key] = cached
        return cached

    def _report_rows(self, account: Any, data_level: str, metrics: tuple[str, ...], start: date, end: date) -> Any:
        days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
        first, last = self.world.start_date, self.world.end_date
        days = [d for d in days if first <= d <= last]
        key = (account.id, data_level, metrics)
        if key not in self._pieces:
            pieces = _LazyRows.pieces(self._entities_of(account, data_level), metrics)
            with self._guard:
                self._pieces[key] = pieces
        return _LazyRows(self._pieces[key], days, {"AUCTION_AD": "ad_id"}.get(data_level, "campaign_id"))

    def _entities_of(self, account: Any, data_level: str) -> list[tuple[str, dict[str, str]]]:
        if data_level not in ("AUCTION_AD", "AUCTION_CAMPAIGN"):
            raise NotImplementedError(f"the benchmark app serves AUCTION_AD and AUCTION_CAMPAIGN, not {data_level}")
        key = (account.id, data_level)
        if key not in self._entity_cache:
            out = []
            for c in account.campaigns:
                campaign = {"campaign_id": c.id, "campaign_name": c.name, "objective_type": OBJECTIVE_TYPE[c.objective], "advertiser_name": account.name}
                if data_level == "AUCTION_CAMPAIGN":
                    out.append((c.id, campaign))
                    continue
                for g in c.ad_groups:
                    group = {**campaign, "adgroup_id": g.id, "adgroup_name": g.name}
                    out.extend((ad.id, {**group, "ad_name": ad.name}) for ad in g.ads)
            with self._guard:
                self._entity_cache[key] = out
        return self._entity_cache[key]
